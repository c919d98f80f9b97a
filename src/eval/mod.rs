//! Stage 3: `Checked` + `Dataset` → `PledgeOutcome`s. Evaluates every
//! requirement for every country and year into exactly one outcome, totals
//! every category (with a reconciliation of each item's fate), counts the
//! members meeting each requirement, and refuses to add an item twice.

mod conditions;
pub mod coverage;
pub mod decision;
pub mod engine;
mod expr;
mod gather;
mod mask;
pub mod outcome;
pub mod requirement;
mod sum;
mod take;

use std::collections::{BTreeMap, HashMap};

use miette::Diagnostic;
use rust_decimal::Decimal;
use thiserror::Error;

use crate::data::Dataset;
use crate::diagnostics::{suggest, Problem};
use crate::fast_hash::Fast;
use crate::program::{CategoryId, Checked, Program, RequirementId};
use crate::source::{Sources, Span};
use engine::Engine;
use outcome::*;

/// Errors of the evaluation stage.
#[derive(Debug, Error, Diagnostic)]
pub enum EvalError {
    #[error("{count} item(s) would count twice in `{requirement}` for {country} in {year}: in `{first}` and in `{second}`")]
    #[diagnostic(code(pledge::eval::double_counted), help("{help}"))]
    DoubleCounted {
        requirement: String,
        country: String,
        year: i32,
        first: String,
        second: String,
        count: usize,
        help: String,
        #[label("`{second}` counts them here")]
        span: Span,
        #[label("`{first}` counts them here")]
        other: Option<Span>,
    },
    #[error("the dataset has no country `{code}`")]
    #[diagnostic(code(pledge::eval::unknown_country), help("{help}"))]
    UnknownCountry { code: String, help: String },
    #[error("the rule file has no requirement `{name}`")]
    #[diagnostic(code(pledge::eval::unknown_requirement), help("{help}"))]
    UnknownRequirement { name: String, help: String },
    #[error("the year range `{text}` is not valid")]
    #[diagnostic(
        code(pledge::eval::bad_years),
        help("years run from 1 to 9999: write a range as `2014..2024` (both years included) or a single year with `--year 2024`")
    )]
    BadYears { text: String },
}

/// Which countries and years to evaluate.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Inclusive; `None` means every year of the dataset.
    pub years: Option<(i32, i32)>,
    /// Empty means every country of the dataset.
    pub countries: Vec<String>,
}

/// Evaluates every pledge of a checked file.
pub fn evaluate(
    checked: &Checked,
    data: &Dataset,
    sources: &Sources,
    options: &Options,
) -> Result<Vec<PledgeOutcome>, Vec<EvalError>> {
    evaluate_as(checked, data, sources, options, false)
}

/// Evaluates every requirement on amounts, never on published shares of
/// GDP: for questions in money (`pledge distance`).
pub fn evaluate_on_amounts(
    checked: &Checked,
    data: &Dataset,
    sources: &Sources,
    options: &Options,
) -> Result<Vec<PledgeOutcome>, Vec<EvalError>> {
    evaluate_as(checked, data, sources, options, true)
}

fn evaluate_as(
    checked: &Checked,
    data: &Dataset,
    sources: &Sources,
    options: &Options,
    amounts_only: bool,
) -> Result<Vec<PledgeOutcome>, Vec<EvalError>> {
    let countries = select_countries(data, &options.countries)?;
    let years: Vec<i32> = match options.years {
        Some((from, to)) => (from..=to).collect(),
        None => data.years(),
    };
    let mut outcomes = Vec::new();
    let mut problems = Vec::new();
    for program in checked.pledges() {
        let (outcome, mut errors) =
            evaluate_program(program, data, sources, (&countries, &years), amounts_only);
        problems.append(&mut errors);
        outcomes.push(outcome);
    }
    if problems.is_empty() {
        Ok(outcomes)
    } else {
        Err(problems)
    }
}

/// The error for a country code the dataset does not have, with "did you
/// mean" or the list of its countries.
pub fn unknown_country(data: &Dataset, code: &str) -> EvalError {
    let upper = code.trim().to_uppercase();
    let codes: Vec<&str> = data
        .manifest
        .countries
        .iter()
        .map(|c| c.code.as_str())
        .collect();
    let help = suggest(
        &upper,
        codes.iter().copied(),
        "Countries are ISO 3166 alpha-3 codes or their names, such as `ESP` or `Spain`",
        || {
            format!(
                "the dataset `{}` has {}",
                data.manifest.name,
                codes.join(", ")
            )
        },
    );
    EvalError::UnknownCountry {
        code: code.to_string(),
        help,
    }
}

fn select_countries(data: &Dataset, wanted: &[String]) -> Result<Vec<u16>, Vec<EvalError>> {
    let mut selected = Vec::new();
    let mut problems = Vec::new();
    if wanted.is_empty() {
        selected = (0..data.manifest.countries.len())
            .filter_map(|i| u16::try_from(i).ok())
            .collect();
    }
    for code in wanted {
        match data.find_country(code) {
            Some(index) => {
                if !selected.contains(&index) {
                    selected.push(index);
                }
            }
            None => problems.push(unknown_country(data, code)),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    // All countries by code; countries asked for in the order asked.
    if wanted.is_empty() {
        selected.sort_by(|a, b| data.country_code(*a).cmp(data.country_code(*b)));
    }
    Ok(selected)
}

/// The first country-year where two added categories share items: (country,
/// year, positions of the shared items, how many country-years have some).
type DoubleCount = (String, i32, Vec<usize>, usize);

/// Items counted in two categories that a requirement adds together, per
/// (requirement, first category, second category).
#[derive(Default)]
pub(crate) struct DoubleCounting {
    found: BTreeMap<(RequirementId, CategoryId, CategoryId), DoubleCount>,
}

impl DoubleCounting {
    /// Looks at one requirement for one country and year.
    pub(crate) fn look(
        &mut self,
        engine: &Engine<'_>,
        requirement: RequirementId,
        country: u16,
        year: i32,
    ) {
        let Some(req) = engine.program.requirement(requirement) else {
            return;
        };
        for &(a, b) in &req.added_together {
            let state = engine.state(country, year);
            let both: Vec<usize> = (0..state.items.len())
                .filter(|&p| !state.weight(a, p).is_zero() && !state.weight(b, p).is_zero())
                .collect();
            if !both.is_empty() {
                let entry = self.found.entry((requirement, a, b)).or_insert_with(|| {
                    (
                        engine.data.country_code(country).to_string(),
                        year,
                        both.clone(),
                        0,
                    )
                });
                entry.3 += 1;
            }
        }
    }

    /// One error per pair of categories, at the first country and year.
    pub(crate) fn errors(self, engine: &Engine<'_>, sources: &Sources) -> Vec<EvalError> {
        self.found
            .into_iter()
            .map(|((req, a, b), (country, year, positions, occurrences))| {
                double_counting_problem(
                    engine,
                    sources,
                    req,
                    a,
                    b,
                    &country,
                    year,
                    &positions,
                    occurrences,
                )
            })
            .collect()
    }
}

/// The countries and years a pledge is evaluated for, on one dataset.
#[derive(Clone, Copy)]
struct Scope<'s> {
    data: &'s Dataset,
    countries: &'s [u16],
    years: &'s [i32],
}

impl Scope<'_> {
    /// Whether `country` is a member in `year`.
    fn is_member(&self, country: u16, year: i32) -> bool {
        self.data
            .manifest
            .countries
            .get(country as usize)
            .and_then(|s| s.member_from)
            .is_some_and(|m| m <= year)
    }
}

fn evaluate_program(
    program: &Program,
    data: &Dataset,
    sources: &Sources,
    (countries, years): (&[u16], &[i32]),
    amounts_only: bool,
) -> (PledgeOutcome, Vec<EvalError>) {
    let engine = Engine::new(program, data)
        .keeping_read_decisions_only()
        .gathering(countries, years);
    let engine = if amounts_only {
        engine.amounts_only()
    } else {
        engine
    };
    let scope = Scope {
        data,
        countries,
        years,
    };
    let (results, problems) = requirement_results(&engine, scope, sources);
    let (totals, keys) = category_totals(&engine, scope);
    let summaries = summaries(program, scope, &results);
    let alliance = alliance_totals(&engine, scope, &totals, &keys);
    let outcome = PledgeOutcome {
        pledge: program.name.clone(),
        source: program.source.clone(),
        status: program.status.clone(),
        years: years.to_vec(),
        countries: countries
            .iter()
            .map(|&c| data.country_code(c).to_string())
            .collect(),
        results,
        totals,
        summaries,
        alliance,
        requirements: program.requirements.iter().map(|r| r.id.clone()).collect(),
        categories: program.categories.iter().map(|c| c.id.clone()).collect(),
    };
    (outcome, problems)
}

/// Every requirement for every country and year, and the items that two
/// categories added together would count twice.
fn requirement_results(
    engine: &Engine<'_>,
    scope: Scope<'_>,
    sources: &Sources,
) -> (Vec<RequirementResult>, Vec<EvalError>) {
    let program = engine.program;
    let mut results = Vec::new();
    // (requirement, first, second) → (country, year, items, count, clause spans)
    let mut double = DoubleCounting::default();
    for (index, requirement) in program.requirements_by_id() {
        for &country in scope.countries {
            for &year in scope.years {
                let evaluated = requirement::evaluate(engine, index, country, year);
                if matches!(evaluated.status, Status::Met | Status::NotMet) {
                    double.look(engine, index, country, year);
                }
                results.push(RequirementResult {
                    pledge: program.name.clone(),
                    requirement: requirement.id.clone(),
                    country: scope.data.country_code(country).to_string(),
                    year,
                    status: evaluated.status,
                    value: evaluated.value,
                    threshold: evaluated.threshold,
                    margin: evaluated.margin,
                    margin_pp: evaluated.margin_pp,
                    margin_basis: evaluated.margin_basis,
                    base_growth: evaluated.base_growth,
                    unit: evaluated.unit,
                    reason: evaluated.reason,
                    rule: evaluated.rule,
                    country_specific: evaluated.country_specific,
                    would_be_met: evaluated.would_be_met,
                    measured_on: coverage::measured_on(engine, index, country, year),
                    gaps: coverage::gaps(engine, index, country, year),
                });
            }
        }
    }
    let problems = double.errors(engine, sources);
    (results, problems)
}

/// Where each category total is, by (category, country, year), and the
/// GDP it was measured against: what the alliance totals add up.
type TotalKeys = HashMap<(CategoryId, u16, i32), (usize, Option<Decimal>), Fast>;

/// The total of every category for every country and year.
fn category_totals(engine: &Engine<'_>, scope: Scope<'_>) -> (Vec<CategoryTotal>, TotalKeys) {
    let data = scope.data;
    let mut totals = Vec::new();
    let mut keys = TotalKeys::default();
    for (index, category) in engine.program.categories_by_id() {
        for &country in scope.countries {
            for &year in scope.years {
                let state = engine.state(country, year);
                let Some(c) = state.category(index) else {
                    continue;
                };
                let has_items = !state.items.is_empty();
                let gdp = data.indicator(country, year, "gdp");
                let counted = c.counted.clone().ok().filter(|_| has_items);
                let present = |v: Decimal| has_items.then_some(v);
                // The share of GDP as published, where the dataset has it.
                let published = engine
                    .share_view()
                    .filter(|view| view.in_shares(country, year))
                    .map(|view| view.category(index, country, year).ok());
                // The first total of each key, should a country be listed twice.
                keys.entry((index, country, year))
                    .or_insert((totals.len(), gdp));
                totals.push(CategoryTotal {
                    category: category.id.clone(),
                    country: data.country_code(country).to_string(),
                    year,
                    counted,
                    share_of_gdp: published
                        .unwrap_or_else(|| counted.zip(gdp).and_then(|(v, g)| v.checked_div(g))),
                    cut_off: present(c.cut_off),
                    not_credited: present(c.not_credited),
                    excluded: present(c.excluded),
                    unmatched: present(c.unmatched),
                    input: present(c.input),
                    items_counted: c.items_counted,
                });
            }
        }
    }
    (totals, keys)
}

/// How many members have each outcome, per requirement and year.
fn summaries(program: &Program, scope: Scope<'_>, results: &[RequirementResult]) -> Vec<Summary> {
    // The results of each requirement and year, found by key rather than by
    // a search of every result.
    let mut by_requirement_year: HashMap<(&str, i32), Vec<usize>> = HashMap::new();
    for (i, r) in results.iter().enumerate() {
        by_requirement_year
            .entry((r.requirement.as_str(), r.year))
            .or_default()
            .push(i);
    }
    let mut summaries = Vec::new();
    for requirement in &program.requirements {
        for &year in scope.years {
            let mut summary = Summary {
                requirement: requirement.id.clone(),
                year,
                met: 0,
                not_met: 0,
                not_yet_due: 0,
                not_applicable: 0,
                no_data: 0,
                members: 0,
            };
            let key = (requirement.id.as_str(), year);
            for result in by_requirement_year
                .get(&key)
                .into_iter()
                .flatten()
                .filter_map(|&i| results.get(i))
            {
                match result.status {
                    Status::Met => summary.met += 1,
                    Status::NotMet => summary.not_met += 1,
                    Status::NotYetDue => summary.not_yet_due += 1,
                    Status::NotApplicable => summary.not_applicable += 1,
                    Status::NoData => summary.no_data += 1,
                }
            }
            summary.members = scope
                .countries
                .iter()
                .filter(|&&c| scope.is_member(c, year))
                .count();
            summaries.push(summary);
        }
    }
    summaries
}

/// The alliance's total of every category and year: the sum over the
/// members with figures.
fn alliance_totals(
    engine: &Engine<'_>,
    scope: Scope<'_>,
    totals: &[CategoryTotal],
    keys: &TotalKeys,
) -> Vec<AllianceTotal> {
    let data = scope.data;
    let mut alliance = Vec::new();
    for (index, category) in engine.program.categories_by_id() {
        for &year in scope.years {
            let members: Vec<u16> = scope
                .countries
                .iter()
                .copied()
                .filter(|&c| scope.is_member(c, year))
                .collect();
            let mut sum = Decimal::ZERO;
            let mut gdp_sum = Decimal::ZERO;
            let mut with_data = 0;
            let mut gdp_complete = true;
            // Members with figures of their own (not only a reported nil).
            let mut reporting = 0;
            for &country in &members {
                let Some(&(at, gdp)) = keys.get(&(index, country, year)) else {
                    continue;
                };
                if let Some(total) = totals.get(at) {
                    // A member the source reports no expenditure for adds
                    // its GDP and nothing else, as NATO's totals do.
                    let nothing = (!data.has_items(country, year)
                        && engine.reports_nothing(country))
                    .then_some(Decimal::ZERO);
                    reporting += usize::from(total.counted.is_some());
                    if let Some(v) = total.counted.or(nothing) {
                        sum = sum.checked_add(v).unwrap_or(Decimal::MAX);
                        with_data += 1;
                        match gdp {
                            Some(g) => gdp_sum = gdp_sum.checked_add(g).unwrap_or(Decimal::MAX),
                            None => gdp_complete = false,
                        }
                    }
                }
            }
            if reporting == 0 {
                with_data = 0;
            }
            alliance.push(AllianceTotal {
                category: category.id.clone(),
                year,
                counted: (with_data > 0).then_some(sum),
                share_of_gdp: (with_data > 0 && gdp_complete && !gdp_sum.is_zero())
                    .then(|| sum.checked_div(gdp_sum))
                    .flatten(),
                members_with_data: with_data,
                members: members.len(),
            });
        }
    }
    alliance
}

#[allow(clippy::too_many_arguments)]
fn double_counting_problem(
    engine: &Engine<'_>,
    sources: &Sources,
    requirement: RequirementId,
    a: CategoryId,
    b: CategoryId,
    country: &str,
    year: i32,
    positions: &[usize],
    occurrences: usize,
) -> EvalError {
    let program = engine.program;
    let name = |c: CategoryId| program.category(c).map_or(String::new(), |c| c.id.clone());
    let data = engine.data;
    let country_index = data.country_index(country).unwrap_or(0);
    let state = engine.state(country_index, year);
    let bodies = engine.bodies(country_index);
    let clause_span = |category: CategoryId, position: usize| -> Option<(Span, String)> {
        let state = state.category(category)?;
        let decision = *state.decisions.get(position)?;
        match engine::decode(decision) {
            engine::DecisionKind::Included(i) => {
                let (clause, _) = bodies.get(category.index())?.clauses.get(i)?;
                Some((
                    clause.span,
                    format!("`{}` ({})", clause.text, sources.location(clause.span)),
                ))
            }
            _ => None,
        }
    };
    let first_position = positions.first().copied().unwrap_or(0);
    let first_clause = clause_span(a, first_position);
    let second_clause = clause_span(b, first_position);
    let items: Vec<String> = positions
        .iter()
        .take(3)
        .filter_map(|&p| state.items.get(p))
        .map(|&item| data.describe_item(item as usize))
        .collect();
    let more = positions.len().saturating_sub(3);
    let mut help = format!("items: {}", items.join(", "));
    if more > 0 {
        help.push_str(&format!(" and {more} more"));
    }
    if let (Some((_, first_text)), Some((_, second_text))) = (&first_clause, &second_clause) {
        help.push_str(&format!("; counted by {first_text} and by {second_text}"));
    }
    if occurrences > 1 {
        help.push_str(&format!(
            "; the same happens in {} other country-years",
            occurrences - 1
        ));
    }
    help.push_str(&format!(
        ". Declare precedence with `exclude counted in {}` in `{}`, or narrow one of the clauses",
        name(a),
        name(b)
    ));
    let requirement_name = program
        .requirement(requirement)
        .map_or(String::new(), |r| r.id.clone());
    let span = second_clause
        .as_ref()
        .map(|(s, _)| *s)
        .unwrap_or(program.span);
    let other = first_clause
        .as_ref()
        .map(|(s, _)| *s)
        .filter(|s| s.file == span.file);
    EvalError::DoubleCounted {
        requirement: requirement_name,
        country: country.to_string(),
        year,
        first: name(a),
        second: name(b),
        count: positions.len(),
        help,
        span,
        other,
    }
}

impl EvalError {
    /// The error as a rendered report over the rule files' texts, for the
    /// edges that print it.
    pub fn into_problem(self, sources: &Sources) -> Problem {
        match &self {
            EvalError::DoubleCounted { span, .. } => {
                let file = span.file;
                Problem::new(self, sources, file)
            }
            _ => Problem::bare(self),
        }
    }
}

/// Evaluation errors as rendered reports (see `EvalError::into_problem`).
pub fn into_problems(errors: Vec<EvalError>, sources: &Sources) -> Vec<Problem> {
    errors
        .into_iter()
        .map(|error| error.into_problem(sources))
        .collect()
}

/// A rule file checked against a dataset's manifest, with its sources, for
/// the evaluation's tests; panics when it does not load or check.
#[cfg(test)]
#[allow(clippy::panic)]
pub(crate) fn checked_for_tests(file: &str, dataset: &Dataset) -> (Checked, Sources) {
    let read = |p: &std::path::Path| std::fs::read_to_string(p);
    let workspace = crate::workspace::load(std::path::Path::new(file), &read)
        .unwrap_or_else(|_| panic!("{file} loads"));
    let (checked, _) =
        crate::check::check(&workspace, Some(&dataset.manifest)).into_problems(&workspace.sources);
    let checked = checked.unwrap_or_else(|| panic!("{file} checks"));
    (checked, workspace.sources)
}
