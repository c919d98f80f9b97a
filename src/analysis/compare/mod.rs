//! `pledge compare`: two or more drafts on the same data. Lists the flips
//! (ally, year and requirement whose outcome differs between drafts) first,
//! then the outcome matrix, the changes in category totals, a clause-level
//! diff of the drafts themselves, and, for one ally, a contrastive
//! explanation of why its outcomes differ.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::analysis::explain::Node;
use crate::analysis::Prepared;
use crate::check;
use crate::eval::outcome::{PledgeOutcome, RequirementResult, Status};
use crate::program::{DatedValue, Program, YearSpec};
use crate::report::numbers;
use crate::source::{Sources, Span};

mod across;
pub mod diff;
pub mod summary;
pub mod why;

pub use diff::diff;
use why::{explain_why, WhyQuestion};

/// One draft in a comparison.
#[derive(Debug, Clone, Serialize)]
pub struct Draft {
    pub label: String,
    pub pledge: String,
    pub file: String,
    pub stamp: crate::stamp::Stamp,
    /// The dataset the draft ran on, when the drafts ran on different data.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub data: String,
}

/// An outcome as shown in the comparison.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Cell {
    pub status: Status,
    #[serde(serialize_with = "crate::eval::outcome::decimal_string")]
    pub margin_pp: Option<Decimal>,
    pub text: String,
    /// Before the deadline: whether it would be met if it were due now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub would_be_met: Option<bool>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Flip {
    pub requirement: String,
    pub country: String,
    pub year: i32,
    /// One per draft (`None` when the draft has no such requirement).
    pub outcomes: Vec<Option<Cell>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Delta {
    pub category: String,
    pub country: String,
    pub year: i32,
    /// Counted totals per draft.
    #[serde(serialize_with = "decimals")]
    pub counted: Vec<Option<Decimal>>,
    /// Shares of GDP per draft.
    #[serde(serialize_with = "decimals")]
    pub share_of_gdp: Vec<Option<Decimal>>,
}

/// A difference between the reference draft and another one.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// The draft compared with A (B, C, ...).
    pub draft: String,
    pub what: String,
    /// `added`, `removed` or `changed`.
    pub kind: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub drafts: Vec<Draft>,
    pub years: Vec<i32>,
    pub countries: Vec<String>,
    pub flips: Vec<Flip>,
    pub requirements: Vec<String>,
    /// requirement → country → year → one cell per draft.
    #[serde(skip)]
    pub cells: Cells,
    pub deltas: Vec<Delta>,
    pub changes: Vec<Change>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub why: Vec<Node>,
    /// The comparison in one screen (the default text output).
    pub summary: summary::Summary,
}

pub(crate) fn decimals<S: serde::Serializer>(
    values: &[Option<Decimal>],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    let mut seq = serializer.serialize_seq(Some(values.len()))?;
    for value in values {
        seq.serialize_element(&value.map(crate::report::numbers::plain))?;
    }
    seq.end()
}

pub(crate) fn label(index: usize) -> String {
    let letter = u8::try_from(index % 26).map_or('?', |i| char::from(b'A' + i));
    if index < 26 {
        letter.to_string()
    } else {
        format!("{letter}{}", index / 26)
    }
}

pub(crate) fn cell_of(result: &RequirementResult) -> Cell {
    Cell {
        status: result.status,
        margin_pp: result.margin_pp,
        text: numbers::cell(result),
        would_be_met: result.would_be_met,
    }
}

/// The category totals that differ between drafts, per category, year and
/// ally shown.
fn deltas(outcomes: &[PledgeOutcome], countries: &[String], years: &[i32]) -> Vec<Delta> {
    let mut deltas = Vec::new();
    let mut categories: Vec<String> = Vec::new();
    for outcome in outcomes {
        for c in &outcome.categories {
            if !categories.contains(c) {
                categories.push(c.clone());
            }
        }
    }
    for category in &categories {
        for &year in years {
            for country in countries {
                let totals: Vec<Option<&crate::eval::outcome::CategoryTotal>> = outcomes
                    .iter()
                    .map(|o| o.total(category, country, year))
                    .collect();
                let counted: Vec<Option<Decimal>> =
                    totals.iter().map(|t| t.and_then(|t| t.counted)).collect();
                let distinct: BTreeSet<Option<Decimal>> =
                    counted.iter().map(|c| c.map(|d| d.normalize())).collect();
                if distinct.len() > 1 {
                    deltas.push(Delta {
                        category: category.clone(),
                        country: country.clone(),
                        year,
                        counted,
                        share_of_gdp: totals
                            .iter()
                            .map(|t| t.and_then(|t| t.share_of_gdp))
                            .collect(),
                    });
                }
            }
        }
    }
    deltas
}

/// The years shown: those chosen, else the years with flips plus the latest
/// year with spending data.
fn shown_years(
    prepared: &[Prepared],
    all_years: &[i32],
    flips: &[Flip],
    years_chosen: bool,
) -> Vec<i32> {
    if years_chosen {
        all_years.to_vec()
    } else {
        let mut shown: BTreeSet<i32> = flips.iter().map(|f| f.year).collect();
        if let Some(latest) = prepared
            .first()
            .and_then(|p| p.dataset.by_country_year.keys().map(|(_, y)| *y).max())
        {
            if all_years.contains(&latest) {
                shown.insert(latest);
            }
        }
        shown.into_iter().collect()
    }
}

/// Builds the whole comparison.
pub fn compare(
    prepared: &[Prepared],
    files: &[PathBuf],
    outcomes: &[PledgeOutcome],
    years_chosen: bool,
    why: Option<&str>,
) -> Comparison {
    let drafts: Vec<Draft> = outcomes
        .iter()
        .zip(files)
        .zip(prepared)
        .enumerate()
        .map(|(i, ((o, f), p))| Draft {
            label: label(i),
            pledge: o.pledge.clone(),
            file: f.display().to_string(),
            stamp: p.stamp.clone(),
            data: if same_data(prepared) {
                String::new()
            } else {
                format!("{} ({})", p.dataset_choice, p.dataset.manifest.name)
            },
        })
        .collect();
    // Every ally and year of any draft's data (the drafts may run on
    // different data).
    let mut countries: Vec<String> = Vec::new();
    for outcome in outcomes {
        for country in &outcome.countries {
            if !countries.contains(country) {
                countries.push(country.clone());
            }
        }
    }
    let all_years: Vec<i32> = outcomes
        .iter()
        .flat_map(|o| o.years.iter().copied())
        .collect::<BTreeSet<i32>>()
        .into_iter()
        .collect();
    countries.sort();
    let mut requirements: Vec<String> = Vec::new();
    for outcome in outcomes {
        for r in &outcome.requirements {
            if !requirements.contains(r) {
                requirements.push(r.clone());
            }
        }
    }
    let cells = cells_of(outcomes);
    let flips = flips_of(&requirements, &countries, &all_years, &cells);
    let years = shown_years(prepared, &all_years, &flips, years_chosen);
    let deltas = deltas(outcomes, &countries, &years);
    let mut changes = Vec::new();
    if let Some(reference) = prepared.first() {
        for (index, other) in prepared.iter().enumerate().skip(1) {
            changes.extend(diff(reference, other, &label(index)));
        }
    }
    let why_nodes = match why {
        Some(country) => {
            let question = WhyQuestion {
                prepared,
                drafts: &drafts,
                outcomes,
                country,
                years: &years,
                flips: &flips,
            };
            if same_data(prepared) {
                explain_why(&question)
            } else {
                across::explain_across_data(&question)
            }
        }
        None => Vec::new(),
    };
    let mut comparison = Comparison {
        drafts,
        years,
        countries,
        flips,
        requirements,
        cells,
        deltas,
        changes,
        why: why_nodes,
        summary: summary::Summary::default(),
    };
    comparison.summary = summary::summarise(&comparison, outcomes);
    comparison
}

/// requirement, country, year → one cell per draft.
type Cells = BTreeMap<(String, String, i32), Vec<Option<Cell>>>;

fn cells_of(outcomes: &[PledgeOutcome]) -> Cells {
    let mut cells: Cells = BTreeMap::new();
    for (index, outcome) in outcomes.iter().enumerate() {
        for result in &outcome.results {
            let entry = cells
                .entry((
                    result.requirement.clone(),
                    result.country.clone(),
                    result.year,
                ))
                .or_insert_with(|| vec![None; outcomes.len()]);
            if let Some(slot) = entry.get_mut(index) {
                *slot = Some(cell_of(result));
            }
        }
    }
    cells
}

/// Every ally, year and requirement whose outcome differs between the
/// drafts that have it.
fn flips_of(
    requirements: &[String],
    countries: &[String],
    years: &[i32],
    cells: &Cells,
) -> Vec<Flip> {
    let mut flips = Vec::new();
    for requirement in requirements {
        for country in countries {
            for &year in years {
                let Some(row) = cells.get(&(requirement.clone(), country.clone(), year)) else {
                    continue;
                };
                // An ally or year missing from a draft's data is not a flip
                // of the text (the summary lists what each draft's data lacks).
                let outcomes: BTreeSet<String> = row
                    .iter()
                    .flatten()
                    .map(|c| summary::word(Some(c)))
                    .collect();
                if outcomes.len() > 1 {
                    flips.push(Flip {
                        requirement: requirement.clone(),
                        country: country.clone(),
                        year,
                        outcomes: row.clone(),
                    });
                }
            }
        }
    }
    flips
}

/// The first pledge of a draft.
pub(crate) fn program(prepared: &Prepared) -> Option<&Program> {
    prepared.checked.pledges().first()
}

pub(crate) fn at(sources: &Sources, span: Span) -> String {
    sources.location(span)
}

/// A year of a dated value as written: `2030`, or the name of a parameter.
pub(crate) fn year_text(program: &Program, spec: &YearSpec) -> String {
    match spec {
        YearSpec::Literal(year) => year.to_string(),
        YearSpec::Param(index) => program
            .param(*index)
            .map_or_else(|| "?".to_string(), |p| p.name.clone()),
    }
}

/// One value of a parameter with its years: `2% until 2029`, `3% from 2030`.
pub(crate) fn dated_value(
    program: &Program,
    param: &crate::program::Param,
    value: &DatedValue,
) -> String {
    let mut text = check::describe_value(value.value, param.ty);
    if let Some(from) = &value.from {
        text.push_str(&format!(" from {}", year_text(program, from)));
    }
    if let Some(until) = &value.until {
        text.push_str(&format!(" until {}", year_text(program, until)));
    }
    text
}

/// A value with its `from` and `until` years ("" when not given).
pub(crate) type KeyValue = (Decimal, String, String);

/// What a parameter means, without where it is written or its sources: every
/// value (exact) with its `from` and `until` years, and the values for some
/// countries only. Two drafts whose keys differ give different figures in
/// some year or country.
pub(crate) fn param_key(
    program: &Program,
    param: &crate::program::Param,
) -> Vec<(Vec<String>, Vec<KeyValue>)> {
    // The checker refuses values whose years overlap, so their order does
    // not matter.
    let values = |list: &[DatedValue]| -> Vec<KeyValue> {
        let mut values: Vec<KeyValue> = list
            .iter()
            .map(|v| {
                (
                    v.value.normalize(),
                    v.from
                        .as_ref()
                        .map_or_else(String::new, |y| year_text(program, y)),
                    v.until
                        .as_ref()
                        .map_or_else(String::new, |y| year_text(program, y)),
                )
            })
            .collect();
        values.sort();
        values
    };
    std::iter::once((Vec::new(), values(&param.values)))
        .chain(
            param
                .overrides
                .iter()
                .map(|(countries, list)| (countries.iter().cloned().collect(), values(list))),
        )
        .collect()
}

pub(crate) fn describe_outcome(result: &RequirementResult) -> String {
    let mut text = numbers::cell(result);
    if let Some(reason) = &result.reason {
        text.push_str(&format!(" ({reason})"));
    }
    text
}

pub(crate) fn opt_in_unit(value: Option<Decimal>, unit: &str) -> String {
    value.map_or_else(|| "no value".to_string(), |v| numbers::in_unit(v, unit))
}

/// Whether every draft ran on the same data.
pub(crate) fn same_data(prepared: &[Prepared]) -> bool {
    prepared
        .windows(2)
        .all(|w| matches!(w, [a, b] if a.dataset.content_hash == b.dataset.content_hash))
}

/// `--draft-data N:NAME` values: the dataset each named draft runs on, by
/// the draft's index (from 0).
pub fn draft_data(
    values: &[String],
    drafts: usize,
) -> Result<BTreeMap<usize, String>, CompareError> {
    let mut chosen = BTreeMap::new();
    for value in values {
        let parsed = value
            .split_once(':')
            .and_then(|(n, name)| Some((n.trim().parse::<usize>().ok()?, name.trim())))
            .filter(|(n, name)| (1..=drafts).contains(n) && !name.is_empty());
        match parsed {
            Some((n, name)) => {
                chosen.insert(n - 1, name.to_string());
            }
            None => {
                return Err(CompareError::BadDraftData {
                    value: value.clone(),
                    help: format!("write the draft's number (1 to {drafts}) and a dataset, such as `--draft-data 2:nato-2025`"),
                })
            }
        }
    }
    Ok(chosen)
}

/// The outcome compared of a draft: that of the first pledge of its rule
/// file, which must hold one.
pub fn compared_outcome(
    mut outcomes: Vec<PledgeOutcome>,
    draft: &Prepared,
) -> Result<PledgeOutcome, CompareError> {
    if outcomes.is_empty() {
        let file = draft
            .workspace
            .root()
            .map(|f| f.path.display().to_string())
            .unwrap_or_default();
        return Err(CompareError::NoPledge { file });
    }
    Ok(outcomes.remove(0))
}

/// Errors of `pledge compare` itself.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum CompareError {
    #[error("`--draft-data {value}` does not name a draft and a dataset")]
    #[diagnostic(code(pledge::compare::bad_draft_data), help("{help}"))]
    BadDraftData { value: String, help: String },
    #[error("the rule file `{file}` holds no pledge, so there is nothing to compare")]
    #[diagnostic(
        code(pledge::compare::no_pledge),
        help("each file given to `compare` needs a `pledge \"...\" {{ ... }}` block; check that this is the draft you meant")
    )]
    NoPledge { file: String },
}
