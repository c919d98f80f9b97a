//! `pledge compare`: two or more drafts on the same data. Lists the flips
//! (ally, year and requirement whose outcome differs between drafts) first,
//! then the outcome matrix, the changes in category totals, a clause-level
//! diff of the drafts themselves, and, for one ally, a contrastive
//! explanation of why its outcomes differ.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::ExitCode;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::check;
use crate::cli::{self, DataArgs, Output, Prepared, Selection};
use crate::diagnostics::Problem;
use crate::eval::engine::{decode, DecisionKind, Engine};
use crate::eval::outcome::{PledgeOutcome, RequirementResult, Status};
use crate::eval::{self, Options};
use crate::explain::Node;
use crate::program::{Category, CategoryBody, DatedValue, Program, ScopedChange, YearSpec};
use crate::report::{self, numbers, Format, Grid};
use crate::source::{Sources, Span};

#[derive(Debug, Clone, clap::Args)]
pub struct CompareArgs {
    /// Two or more rule files: the first is the reference (A), the others B, C, ...
    #[arg(required = true, num_args = 2.., value_name = "DRAFT")]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub selection: Selection,
    /// Explain, for this ally, why its outcomes differ between the drafts.
    #[arg(long, value_name = "COUNTRY")]
    pub why: Option<String>,
    /// Run draft N (counting from 1) on another dataset, such as
    /// `--draft-data 2:nato-2025` to compare a text on NATO's 2024 and 2025
    /// editions. Without it, `--data` applies to every draft, else each draft
    /// runs on its own `meta dataset`.
    #[arg(long = "draft-data", value_name = "N:DATASET")]
    pub draft_data: Vec<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

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
    pub cells: BTreeMap<(String, String, i32), Vec<Option<Cell>>>,
    pub deltas: Vec<Delta>,
    pub changes: Vec<Change>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub why: Vec<Node>,
}

fn decimals<S: serde::Serializer>(
    values: &[Option<Decimal>],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    let mut seq = serializer.serialize_seq(Some(values.len()))?;
    for value in values {
        seq.serialize_element(&value.map(|d| d.normalize().to_string()))?;
    }
    seq.end()
}

fn label(index: usize) -> String {
    let letter = u8::try_from(index % 26).map_or('?', |i| char::from(b'A' + i));
    if index < 26 {
        letter.to_string()
    } else {
        format!("{letter}{}", index / 26)
    }
}

/// Splits `--set` values: `N:name=value` applies to draft N (1-based) only.
fn sets_for(
    sets: &[String],
    draft: usize,
    program_params: &[String],
) -> (Vec<String>, Vec<String>) {
    let mut mine = Vec::new();
    let mut used = Vec::new();
    for set in sets {
        let (target, rest) = match set.split_once(':') {
            Some((n, rest)) if n.trim().parse::<usize>().is_ok() => {
                (n.trim().parse::<usize>().ok(), rest.to_string())
            }
            _ => (None, set.clone()),
        };
        let name = rest
            .split_once('=')
            .map_or(rest.as_str(), |(n, _)| n)
            .trim()
            .to_string();
        match target {
            Some(n) if n == draft + 1 => {
                mine.push(rest.clone());
                used.push(set.clone());
            }
            Some(_) => {}
            None => {
                if program_params.contains(&name) {
                    mine.push(rest.clone());
                    used.push(set.clone());
                }
            }
        }
    }
    (mine, used)
}

pub fn run(args: &CompareArgs, out: &mut Output) -> ExitCode {
    // Every draft runs on `--draft-data`, else `--data`, else its own
    // `meta dataset`.
    let own_data = match draft_data(&args.draft_data, args.files.len()) {
        Ok(d) => d,
        Err(problem) => {
            out_problems(out, &[problem]);
            return ExitCode::from(1);
        }
    };
    let mut prepared: Vec<Prepared> = Vec::new();
    let mut used_sets: BTreeSet<String> = BTreeSet::new();
    for (index, file) in args.files.iter().enumerate() {
        let plain = DataArgs {
            data: own_data
                .get(&index)
                .cloned()
                .or_else(|| args.data.data.clone()),
            sets: Vec::new(),
        };
        let Some(mut draft) = cli::prepare(file, &plain, out) else {
            return ExitCode::from(1);
        };
        let params: Vec<String> = draft
            .checked
            .pledges()
            .iter()
            .flat_map(|p| p.params.iter().map(|q| q.name.clone()))
            .collect();
        let (mine, used) = sets_for(&args.data.sets, index, &params);
        used_sets.extend(used);
        if !mine.is_empty() {
            match check::apply_sets(&draft.checked, &mine) {
                Ok(checked) => draft.checked = checked,
                Err(problems) => {
                    out_problems(out, &problems);
                    return ExitCode::from(1);
                }
            }
            draft.stamp = draft.stamp.with_sets(&mine);
        }
        prepared.push(draft);
    }
    let unused: Vec<String> = args
        .data
        .sets
        .iter()
        .filter(|s| !used_sets.contains(*s))
        .cloned()
        .collect();
    if !unused.is_empty() {
        // Reuse the `--set` diagnostics for a name no draft has.
        if let Some(first) = prepared.first() {
            if let Err(problems) = check::apply_sets(&first.checked, &unused) {
                out_problems(out, &problems);
                return ExitCode::from(1);
            }
        }
    }
    let years = match cli::year_range(&args.selection) {
        Ok(y) => y,
        Err(problem) => {
            out_problems(out, &[problem]);
            return ExitCode::from(1);
        }
    };
    let options = Options {
        years: None,
        countries: args.selection.countries.clone(),
    };
    // Evaluate every year of the data (or the chosen range), then choose
    // which years to show.
    let options = Options { years, ..options };
    let mut outcomes = Vec::new();
    for draft in &prepared {
        match eval::evaluate(
            &draft.checked,
            &draft.dataset,
            &draft.workspace.sources,
            &options,
        ) {
            Ok(mut o) => {
                if o.is_empty() {
                    return ExitCode::from(1);
                }
                outcomes.push(o.remove(0));
            }
            Err(problems) => {
                out_problems(out, &problems);
                return ExitCode::from(1);
            }
        }
    }
    let why = match &args.why {
        Some(_) if !same_data(&prepared) => {
            out_problems(
                out,
                &[Problem::bare(CompareError::WhyAcrossData {
                    help: "`--why` compares the line items each draft takes, which needs one dataset: run it without `--draft-data`, or explain each draft with `pledge explain`".to_string(),
                })],
            );
            return ExitCode::from(1);
        }
        Some(code) => {
            let code = code.trim().to_uppercase();
            if prepared
                .first()
                .and_then(|p| p.dataset.country_index(&code))
                .is_none()
            {
                let data = prepared.first().map(|p| &p.dataset);
                if let Some(data) = data {
                    out_problems(out, &[eval::unknown_country(data, &code)]);
                }
                return ExitCode::from(1);
            }
            Some(code)
        }
        None => None,
    };
    let comparison = compare(
        &prepared,
        &args.files,
        &outcomes,
        years.is_some(),
        why.as_deref(),
    );
    match args.format {
        Format::Table | Format::Markdown => {
            out.stdout
                .push_str(&render(&comparison, args.format == Format::Markdown));
        }
        Format::Json | Format::Xlsx => {
            let mut text = serde_json::to_string_pretty(&comparison).unwrap_or_default();
            text.push('\n');
            out.stdout.push_str(&text);
        }
        Format::Csv => out.stdout.push_str(&csv(&comparison)),
    }
    ExitCode::SUCCESS
}

fn out_problems(out: &mut Output, problems: &[Problem]) {
    out.stderr.push_str(&crate::diagnostics::render_all(
        problems,
        out.error_format,
        out.colour,
    ));
}

fn cell_of(result: &RequirementResult) -> Cell {
    Cell {
        status: result.status,
        margin_pp: result.margin_pp,
        text: report::cell(result),
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
    let countries = outcomes
        .first()
        .map(|o| o.countries.clone())
        .unwrap_or_default();
    let all_years = outcomes
        .first()
        .map(|o| o.years.clone())
        .unwrap_or_default();
    let mut requirements: Vec<String> = Vec::new();
    for outcome in outcomes {
        for r in &outcome.requirements {
            if !requirements.contains(r) {
                requirements.push(r.clone());
            }
        }
    }
    let mut cells: BTreeMap<(String, String, i32), Vec<Option<Cell>>> = BTreeMap::new();
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
    let mut flips = Vec::new();
    for requirement in &requirements {
        for country in &countries {
            for &year in &all_years {
                let Some(row) = cells.get(&(requirement.clone(), country.clone(), year)) else {
                    continue;
                };
                let statuses: BTreeSet<Option<Status>> =
                    row.iter().map(|c| c.as_ref().map(|c| c.status)).collect();
                if statuses.len() > 1 {
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
    // Years shown: those chosen, else the years with flips plus the latest
    // year with spending data.
    let years: Vec<i32> = if years_chosen {
        all_years.clone()
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
    };
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
        for &year in &years {
            for country in &countries {
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
    let mut changes = Vec::new();
    if let Some(reference) = prepared.first() {
        for (index, other) in prepared.iter().enumerate().skip(1) {
            changes.extend(diff(reference, other, &label(index)));
        }
    }
    let why_nodes = match why {
        Some(country) => explain_why(prepared, &drafts, outcomes, country, &years, &flips),
        None => Vec::new(),
    };
    Comparison {
        drafts,
        years,
        countries,
        flips,
        requirements,
        cells,
        deltas,
        changes,
        why: why_nodes,
    }
}

/// The first pledge of a draft.
fn program(prepared: &Prepared) -> Option<&Program> {
    prepared.checked.pledges().first()
}

fn at(sources: &Sources, span: Span) -> String {
    sources.location(span)
}

/// A year of a dated value as written: `2030`, or the name of a parameter.
fn year_text(program: &Program, spec: &YearSpec) -> String {
    match spec {
        YearSpec::Literal(year) => year.to_string(),
        YearSpec::Param(index) => program
            .params
            .get(*index)
            .map_or_else(|| "?".to_string(), |p| p.name.clone()),
    }
}

/// One value of a parameter with its years: `2% until 2029`, `3% from 2030`.
fn dated_value(program: &Program, param: &crate::program::Param, value: &DatedValue) -> String {
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
type KeyValue = (Decimal, String, String);

/// What a parameter means, without where it is written or its sources: every
/// value (exact) with its `from` and `until` years, and the values for some
/// countries only. Two drafts whose keys differ give different figures in
/// some year or country.
fn param_key(
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

/// The clause-level differences between the reference draft and another.
pub fn diff(a: &Prepared, b: &Prepared, draft: &str) -> Vec<Change> {
    let (Some(pa), Some(pb)) = (program(a), program(b)) else {
        return Vec::new();
    };
    let (sa, sb) = (&a.workspace.sources, &b.workspace.sources);
    let mut changes = Vec::new();
    let mut push = |what: String, kind: &str, before: Option<String>, after: Option<String>| {
        changes.push(Change {
            draft: draft.to_string(),
            what,
            kind: kind.to_string(),
            before,
            after,
        });
    };
    // Parameters: compared by value, with their years, sources aside.
    let param_text = |program: &Program, p: &crate::program::Param, sources: &Sources| -> String {
        let values: Vec<String> = p
            .values
            .iter()
            .map(|v| {
                let mut text = dated_value(program, p, v);
                if let Some(source) = &v.source {
                    text.push_str(&format!(" (source \"{source}\")"));
                }
                text
            })
            .collect();
        let mut text = values.join(", ");
        for (countries, values) in &p.overrides {
            let list: Vec<String> = values.iter().map(|v| dated_value(program, p, v)).collect();
            text.push_str(&format!(
                "; for {}: {}",
                countries.iter().cloned().collect::<Vec<_>>().join(", "),
                list.join(", ")
            ));
        }
        let location = p
            .values
            .first()
            .map_or_else(|| at(sources, p.span), |v| at(sources, v.span));
        if p.from_command_line {
            format!("{text} (set on the command line)")
        } else {
            format!("{text} ({location})")
        }
    };
    for p in &pa.params {
        match pb.params.iter().find(|q| q.name == p.name) {
            None => push(
                format!("param {}", p.name),
                "removed",
                Some(param_text(pa, p, sa)),
                None,
            ),
            Some(q) => {
                if param_key(pa, p) != param_key(pb, q) {
                    push(
                        format!("param {}", p.name),
                        "changed",
                        Some(param_text(pa, p, sa)),
                        Some(param_text(pb, q, sb)),
                    );
                }
            }
        }
    }
    for q in &pb.params {
        if !pa.params.iter().any(|p| p.name == q.name) {
            push(
                format!("param {}", q.name),
                "added",
                None,
                Some(param_text(pb, q, sb)),
            );
        }
    }
    // Categories, clause by clause.
    for ca in &pa.categories {
        match pb.categories.iter().find(|c| c.id == ca.id) {
            None => push(
                format!("category {}", ca.id),
                "removed",
                Some(at(sa, ca.span)),
                None,
            ),
            Some(cb) => {
                if ca.label != cb.label {
                    push(
                        format!("category {}: label", ca.id),
                        "changed",
                        ca.label.clone(),
                        cb.label.clone(),
                    );
                }
                let parent = |c: &Category, p: &Program| {
                    c.within
                        .and_then(|w| p.categories.get(w))
                        .map(|w| w.id.clone())
                };
                if parent(ca, pa) != parent(cb, pb) {
                    push(
                        format!("category {}: within", ca.id),
                        "changed",
                        parent(ca, pa),
                        parent(cb, pb),
                    );
                }
                let scope = String::new();
                body_diff(
                    &mut push, &ca.id, &scope, &ca.body, &cb.body, pa, pb, sa, sb,
                );
                let scoped = |c: &Category| -> BTreeMap<String, (String, CategoryBody)> {
                    c.scoped
                        .iter()
                        .map(|(countries, change)| {
                            let who = countries.iter().cloned().collect::<Vec<_>>().join(", ");
                            match change {
                                ScopedChange::Amend(body) => {
                                    (format!("for {who} (amend)"), (who, body.clone()))
                                }
                                ScopedChange::Replace(body) => {
                                    (format!("for {who} (replace)"), (who, body.clone()))
                                }
                            }
                        })
                        .collect()
                };
                let (xa, xb) = (scoped(ca), scoped(cb));
                let empty = CategoryBody::default();
                for key in xa.keys().chain(xb.keys()).collect::<BTreeSet<_>>() {
                    let ba = xa.get(key).map_or(&empty, |(_, b)| b);
                    let bb = xb.get(key).map_or(&empty, |(_, b)| b);
                    body_diff(&mut push, &ca.id, key, ba, bb, pa, pb, sa, sb);
                }
            }
        }
    }
    for cb in &pb.categories {
        if !pa.categories.iter().any(|c| c.id == cb.id) {
            push(
                format!("category {}", cb.id),
                "added",
                None,
                Some(at(sb, cb.span)),
            );
        }
    }
    // Requirements, including country exceptions.
    let requirement_texts =
        |p: &Program, sources: &Sources| -> BTreeMap<(String, String), String> {
            let mut map = BTreeMap::new();
            for r in &p.requirements {
                if let Some(body) = &r.body {
                    map.insert(
                        (r.id.clone(), String::new()),
                        format!("`{}` ({})", body.text, at(sources, body.span)),
                    );
                }
                for (countries, body) in &r.scoped {
                    let who = countries.iter().cloned().collect::<Vec<_>>().join(", ");
                    map.insert(
                        (r.id.clone(), format!(" for {who}")),
                        format!("`{}` ({})", body.text, at(sources, body.span)),
                    );
                }
            }
            map
        };
    let (ra, rb) = (requirement_texts(pa, sa), requirement_texts(pb, sb));
    let strip = |t: &String| {
        t.rsplit_once(" (")
            .map_or(t.clone(), |(a, _)| a.to_string())
    };
    for key in ra.keys().chain(rb.keys()).collect::<BTreeSet<_>>() {
        let what = format!("require {}{}", key.0, key.1);
        match (ra.get(key), rb.get(key)) {
            (Some(x), Some(y)) if strip(x) != strip(y) => {
                push(what, "changed", Some(x.clone()), Some(y.clone()))
            }
            (Some(x), None) => push(what, "removed", Some(x.clone()), None),
            (None, Some(y)) => push(what, "added", None, Some(y.clone())),
            _ => {}
        }
    }
    changes
}

/// Records one change: (what, kind, before, after).
type Push<'a> = dyn FnMut(String, &str, Option<String>, Option<String>) + 'a;

#[allow(clippy::too_many_arguments)]
fn body_diff(
    push: &mut Push<'_>,
    category: &str,
    scope: &str,
    a: &CategoryBody,
    b: &CategoryBody,
    pa: &Program,
    pb: &Program,
    sa: &Sources,
    sb: &Sources,
) {
    let what = if scope.is_empty() {
        format!("category {category}")
    } else {
        format!("category {category} {scope}")
    };
    let clauses = |body: &CategoryBody, p: &Program, sources: &Sources| -> Vec<(String, String)> {
        let mut list: Vec<(String, String)> = body
            .clauses
            .iter()
            .map(|c| (c.text.clone(), at(sources, c.span)))
            .chain(
                body.caps
                    .iter()
                    .map(|c| (c.text.clone(), at(sources, c.span))),
            )
            .chain(body.counted_in.iter().map(|(id, span)| {
                let name = p.categories.get(*id).map_or("", |c| c.id.as_str());
                (format!("exclude counted in {name}"), at(sources, *span))
            }))
            .collect();
        list.dedup();
        list
    };
    let (ca, cb) = (clauses(a, pa, sa), clauses(b, pb, sb));
    for (text, location) in &ca {
        if !cb.iter().any(|(t, _)| t == text) {
            push(
                what.clone(),
                "removed",
                Some(format!("`{text}` ({location})")),
                None,
            );
        }
    }
    for (text, location) in &cb {
        if !ca.iter().any(|(t, _)| t == text) {
            push(
                what.clone(),
                "added",
                None,
                Some(format!("`{text}` ({location})")),
            );
        }
    }
    // The same clauses in another order can change which include decides.
    let order_a: Vec<&String> = ca
        .iter()
        .map(|(t, _)| t)
        .filter(|t| cb.iter().any(|(x, _)| x == *t))
        .collect();
    let order_b: Vec<&String> = cb
        .iter()
        .map(|(t, _)| t)
        .filter(|t| ca.iter().any(|(x, _)| x == *t))
        .collect();
    if order_a != order_b {
        push(
            what,
            "changed",
            Some("clause order".into()),
            Some("clause order (the last matching include decides)".into()),
        );
    }
}

/// Why an ally's outcomes differ: per requirement that flips (or, if none,
/// that changes value), the categories whose totals differ and the items
/// each draft treats differently, citing the deciding clause of each draft.
fn explain_why(
    prepared: &[Prepared],
    drafts: &[Draft],
    outcomes: &[PledgeOutcome],
    country: &str,
    years: &[i32],
    flips: &[Flip],
) -> Vec<Node> {
    let Some(reference) = prepared.first() else {
        return Vec::new();
    };
    let Some(country_index) = reference.dataset.country_index(country) else {
        return Vec::new();
    };
    let mut chosen: BTreeSet<i32> = flips
        .iter()
        .filter(|f| f.country == country)
        .map(|f| f.year)
        .collect();
    if chosen.is_empty() {
        chosen.extend(years.iter().copied());
    }
    let mut nodes = Vec::new();
    for (index, other) in prepared.iter().enumerate().skip(1) {
        let (Some(engine_a), Some(engine_b)) = (
            Engine::for_pledge(&reference.checked, 0, &reference.dataset),
            Engine::for_pledge(&other.checked, 0, &other.dataset),
        ) else {
            continue;
        };
        let (Some(oa), Some(ob)) = (outcomes.first(), outcomes.get(index)) else {
            continue;
        };
        let name_b = drafts.get(index).map_or(String::new(), |d| d.label.clone());
        for &year in &chosen {
            let mut children = Vec::new();
            for requirement in &oa.requirements {
                let (Some(ra), Some(rb)) = (
                    oa.result(requirement, country, year),
                    ob.result(requirement, country, year),
                ) else {
                    continue;
                };
                if ra.status == rb.status && ra.value == rb.value && ra.threshold == rb.threshold {
                    continue;
                }
                let mut req_node = Node::leaf(format!(
                    "{requirement}: A {} → {name_b} {}",
                    describe_outcome(ra),
                    describe_outcome(rb)
                ));
                if ra.rule != rb.rule {
                    req_node
                        .children
                        .push(Node::leaf(format!("rule in A: `{}`", ra.rule)));
                    req_node
                        .children
                        .push(Node::leaf(format!("rule in {name_b}: `{}`", rb.rule)));
                }
                if ra.value != rb.value {
                    req_node.children.push(Node::leaf(format!(
                        "value: A {} → {name_b} {}",
                        opt_in_unit(ra.value, ra.unit),
                        opt_in_unit(rb.value, rb.unit)
                    )));
                }
                if ra.threshold != rb.threshold {
                    req_node.children.push(Node::leaf(format!(
                        "threshold: A {} → {name_b} {}",
                        opt_in_unit(ra.threshold, ra.unit),
                        opt_in_unit(rb.threshold, rb.unit)
                    )));
                }
                children.push(req_node);
            }
            // Categories whose totals differ, item by item.
            let (pa, pb) = (engine_a.program, engine_b.program);
            for (ia, category) in pa.categories.iter().enumerate() {
                let Some(ib) = pb.category_index(&category.id) else {
                    continue;
                };
                let (state_a, state_b) = (
                    engine_a.state(country_index, year),
                    engine_b.state(country_index, year),
                );
                let (Some(cat_a), Some(cat_b)) =
                    (state_a.categories.get(ia), state_b.categories.get(ib))
                else {
                    continue;
                };
                if cat_a.counted == cat_b.counted {
                    continue;
                }
                let show = |v: &crate::eval::engine::Value| {
                    v.as_ref().map_or_else(
                        |m| format!("no data ({})", m.reason),
                        |d| numbers::money(*d),
                    )
                };
                let mut node = Node::leaf(format!(
                    "category {}: A {} → {name_b} {}",
                    category.id,
                    show(&cat_a.counted),
                    show(&cat_b.counted)
                ));
                let bodies_a = engine_a.bodies(country_index);
                let bodies_b = engine_b.bodies(country_index);
                let treatment = |engine: &Engine<'_>,
                                 bodies: &[crate::eval::engine::Body<'_>],
                                 state: &crate::eval::engine::YearState,
                                 cat: usize,
                                 position: usize,
                                 sources: &Sources|
                 -> String {
                    let weight = state.weight(cat, position);
                    let decision = state
                        .categories
                        .get(cat)
                        .and_then(|c| c.decisions.get(position))
                        .copied()
                        .unwrap_or(crate::eval::engine::UNMATCHED);
                    let clause = |i: usize| {
                        bodies
                            .get(cat)
                            .and_then(|b| b.clauses.get(i))
                            .map(|(c, _)| format!("`{}` ({})", c.text, sources.location(c.span)))
                    };
                    match decode(decision) {
                        DecisionKind::Included(i) => format!(
                            "counted at {} by {}",
                            numbers::percent(weight).replace(".00%", "%"),
                            clause(i).unwrap_or_default()
                        ),
                        DecisionKind::Excluded(i) => {
                            format!("excluded by {}", clause(i).unwrap_or_default())
                        }
                        DecisionKind::CountedIn(other) => format!(
                            "left out: already counted in `{}`",
                            engine
                                .program
                                .categories
                                .get(other)
                                .map_or("", |c| c.id.as_str())
                        ),
                        DecisionKind::NotInParent => {
                            "not counted in its parent category".to_string()
                        }
                        DecisionKind::Unmatched => "matched no clause".to_string(),
                    }
                };
                let mut shown = 0;
                let mut more = 0;
                for position in 0..state_a.items.len() {
                    let (wa, wb) = (state_a.weight(ia, position), state_b.weight(ib, position));
                    let (da, db) = (
                        cat_a.decisions.get(position).map(|d| decode(*d)),
                        cat_b.decisions.get(position).map(|d| decode(*d)),
                    );
                    let same_kind = std::mem::discriminant(&da) == std::mem::discriminant(&db);
                    if wa == wb && same_kind {
                        continue;
                    }
                    if shown >= 25 {
                        more += 1;
                        continue;
                    }
                    shown += 1;
                    let item = state_a.items.get(position).copied().unwrap_or(0) as usize;
                    let amount = reference
                        .dataset
                        .amount
                        .get(item)
                        .copied()
                        .unwrap_or_default();
                    let change = amount * (wb - wa);
                    node.children.push(Node::with(
                        format!(
                            "{}: {} ({}{})",
                            reference.dataset.describe_item(item),
                            numbers::money(amount),
                            if change.is_sign_negative() { "" } else { "+" },
                            numbers::money(change)
                        ),
                        vec![
                            Node::leaf(format!(
                                "A: {}",
                                treatment(
                                    &engine_a,
                                    bodies_a.as_slice(),
                                    &state_a,
                                    ia,
                                    position,
                                    &reference.workspace.sources
                                )
                            )),
                            Node::leaf(format!(
                                "{name_b}: {}",
                                treatment(
                                    &engine_b,
                                    bodies_b.as_slice(),
                                    &state_b,
                                    ib,
                                    position,
                                    &other.workspace.sources
                                )
                            )),
                        ],
                    ));
                }
                if more > 0 {
                    node.children
                        .push(Node::leaf(format!("… and {more} more items")));
                }
                if cat_a.cut_off != cat_b.cut_off {
                    node.children.push(Node::leaf(format!(
                        "cut off by caps: A {} → {name_b} {}",
                        numbers::money(cat_a.cut_off),
                        numbers::money(cat_b.cut_off)
                    )));
                }
                children.push(node);
            }
            // Parameters that differ.
            for change in diff(reference, other, &name_b) {
                if change.what.starts_with("param ") {
                    children.push(Node::leaf(format!(
                        "{}: A {} → {name_b} {}",
                        change.what,
                        change.before.unwrap_or_else(|| "absent".into()),
                        change.after.unwrap_or_else(|| "absent".into())
                    )));
                }
            }
            if children.is_empty() {
                children.push(Node::leaf("no difference for this ally in this year"));
            }
            nodes.push(Node::with(
                format!("Why {country}'s outcomes differ in {year} (A → {name_b})"),
                children,
            ));
        }
    }
    nodes
}

fn describe_outcome(result: &RequirementResult) -> String {
    let mut text = report::cell(result);
    if let Some(reason) = &result.reason {
        text.push_str(&format!(" ({reason})"));
    }
    text
}

fn opt_in_unit(value: Option<Decimal>, unit: &str) -> String {
    value.map_or_else(|| "no value".to_string(), |v| numbers::in_unit(v, unit))
}

/// The comparison as text (or Markdown).
/// Whether every draft ran on the same data.
fn same_data(prepared: &[Prepared]) -> bool {
    prepared
        .windows(2)
        .all(|w| matches!(w, [a, b] if a.dataset.content_hash == b.dataset.content_hash))
}

/// `--draft-data N:NAME` per draft index (from 0).
fn draft_data(values: &[String], drafts: usize) -> Result<BTreeMap<usize, String>, Problem> {
    let mut out = BTreeMap::new();
    for value in values {
        let parsed = value
            .split_once(':')
            .and_then(|(n, name)| Some((n.trim().parse::<usize>().ok()?, name.trim())))
            .filter(|(n, name)| (1..=drafts).contains(n) && !name.is_empty());
        match parsed {
            Some((n, name)) => {
                out.insert(n - 1, name.to_string());
            }
            None => {
                return Err(Problem::bare(CompareError::BadDraftData {
                    value: value.clone(),
                    help: format!("write the draft's number (1 to {drafts}) and a dataset, such as `--draft-data 2:nato-2025`"),
                }))
            }
        }
    }
    Ok(out)
}

/// Errors of `pledge compare` itself.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum CompareError {
    #[error("`--draft-data {value}` does not name a draft and a dataset")]
    #[diagnostic(code(pledge::compare::bad_draft_data), help("{help}"))]
    BadDraftData { value: String, help: String },
    #[error("`--why` needs every draft on the same data")]
    #[diagnostic(code(pledge::compare::why_across_data), help("{help}"))]
    WhyAcrossData { help: String },
}

pub fn render(comparison: &Comparison, markdown: bool) -> String {
    let mut out = String::new();
    let heading = |text: &str, level: usize| report::heading(text, level, markdown);
    let show_grid = |grid: &Grid| {
        if markdown {
            format!("{}\n", grid.markdown())
        } else {
            format!("{}\n", grid.text())
        }
    };
    out.push_str(&heading("Comparison of drafts", 0));
    for draft in &comparison.drafts {
        let data = if draft.data.is_empty() {
            String::new()
        } else {
            format!(", on {}", draft.data)
        };
        out.push_str(&format!(
            "{}{} = {} ({}{data})\n",
            if markdown { "- " } else { "" },
            draft.label,
            draft.pledge,
            draft.file
        ));
    }
    if comparison.drafts.iter().any(|d| !d.data.is_empty()) {
        out.push_str(
            "The drafts ran on different data: a flip may come from the data (another edition or source), not from the text.\n",
        );
    }
    out.push('\n');
    let labels: Vec<String> = comparison.drafts.iter().map(|d| d.label.clone()).collect();
    // 1. Flips.
    out.push_str(&heading(&format!("Flips ({})", comparison.flips.len()), 1));
    if comparison.flips.is_empty() {
        out.push_str(
            "No ally, year and requirement has a different outcome under another draft.\n\n",
        );
    } else {
        let mut header = vec!["requirement".to_string(), "ally".into(), "year".into()];
        header.extend(labels.iter().cloned());
        let rows = comparison
            .flips
            .iter()
            .map(|f| {
                let mut row = vec![f.requirement.clone(), f.country.clone(), f.year.to_string()];
                row.extend(
                    f.outcomes
                        .iter()
                        .map(|c| c.as_ref().map_or("absent".to_string(), |c| c.text.clone())),
                );
                row
            })
            .collect();
        out.push_str(&show_grid(&Grid { header, rows }));
    }
    // 2. Matrix per requirement and year.
    out.push_str(&heading("Outcomes by draft", 1));
    for requirement in &comparison.requirements {
        for &year in &comparison.years {
            let mut header = vec![format!("{requirement} {year}")];
            header.extend(labels.iter().cloned());
            let mut rows = Vec::new();
            for country in &comparison.countries {
                let Some(row_cells) =
                    comparison
                        .cells
                        .get(&(requirement.clone(), country.clone(), year))
                else {
                    continue;
                };
                let mut row = vec![country.clone()];
                row.extend(
                    row_cells
                        .iter()
                        .map(|c| c.as_ref().map_or("absent".to_string(), |c| c.text.clone())),
                );
                rows.push(row);
            }
            if rows.is_empty() {
                continue;
            }
            out.push_str(&show_grid(&Grid { header, rows }));
        }
    }
    // 3. Deltas.
    out.push_str(&heading("Changes in category totals (share of GDP)", 1));
    if comparison.deltas.is_empty() {
        out.push_str("No category total differs between the drafts in the years shown.\n\n");
    } else {
        let mut header = vec!["category".to_string(), "ally".into(), "year".into()];
        header.extend(labels.iter().cloned());
        for label in labels.iter().skip(1) {
            header.push(format!("{label} − A"));
        }
        let share = |d: &Delta, i: usize| -> String {
            match (
                d.share_of_gdp.get(i).copied().flatten(),
                d.counted.get(i).copied().flatten(),
            ) {
                (Some(s), _) => numbers::percent(s),
                (None, Some(v)) => numbers::money(v),
                _ => "no data".into(),
            }
        };
        let rows = comparison
            .deltas
            .iter()
            .map(|d| {
                let mut row = vec![d.category.clone(), d.country.clone(), d.year.to_string()];
                row.extend((0..labels.len()).map(|i| share(d, i)));
                for i in 1..labels.len() {
                    let text = match (
                        d.share_of_gdp.first().copied().flatten(),
                        d.share_of_gdp.get(i).copied().flatten(),
                    ) {
                        (Some(a), Some(b)) => {
                            format!(
                                "{} pp",
                                numbers::points(
                                    (b - a)
                                        .checked_mul(Decimal::ONE_HUNDRED)
                                        .unwrap_or_default()
                                )
                            )
                        }
                        _ => match (
                            d.counted.first().copied().flatten(),
                            d.counted.get(i).copied().flatten(),
                        ) {
                            (Some(a), Some(b)) => numbers::money(b - a),
                            _ => "n/a".into(),
                        },
                    };
                    row.push(text);
                }
                row
            })
            .collect();
        out.push_str(&show_grid(&Grid { header, rows }));
    }
    // 4. Clause-level diff.
    out.push_str(&heading("Differences between the drafts' texts", 1));
    if comparison.changes.is_empty() {
        out.push_str("The drafts define the same parameters, categories and requirements.\n\n");
    } else {
        for change in &comparison.changes {
            let line = match change.kind.as_str() {
                "added" => format!(
                    "{} {}: added {}",
                    change.draft,
                    change.what,
                    change.after.clone().unwrap_or_default()
                ),
                "removed" => format!(
                    "{} {}: removed {}",
                    change.draft,
                    change.what,
                    change.before.clone().unwrap_or_default()
                ),
                _ => format!(
                    "{} {}: {} → {}",
                    change.draft,
                    change.what,
                    change.before.clone().unwrap_or_default(),
                    change.after.clone().unwrap_or_default()
                ),
            };
            out.push_str(&format!("{}{line}\n", if markdown { "- " } else { "" }));
        }
        out.push('\n');
    }
    // 5. Why.
    if !comparison.why.is_empty() {
        out.push_str(&heading("Why", 1));
        if markdown {
            out.push_str("```text\n");
        }
        out.push_str(&crate::explain::render(&comparison.why));
        if markdown {
            out.push_str("```\n");
        }
    }
    for draft in &comparison.drafts {
        out.push_str(&format!("{}: {}\n", draft.label, draft.stamp.line()));
    }
    out
}

/// CSV: one row per requirement, ally, year and draft of the shown years,
/// with a `flip` column.
pub fn csv(comparison: &Comparison) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let _ = writer.write_record([
        "requirement",
        "country",
        "year",
        "draft",
        "pledge",
        "status",
        "margin_pp",
        "flip",
    ]);
    for ((requirement, country, year), cells) in &comparison.cells {
        if !comparison.years.contains(year) {
            continue;
        }
        let statuses: BTreeSet<Option<Status>> =
            cells.iter().map(|c| c.as_ref().map(|c| c.status)).collect();
        for (draft, cell) in comparison.drafts.iter().zip(cells) {
            let _ = writer.write_record([
                requirement.clone(),
                country.clone(),
                year.to_string(),
                draft.label.clone(),
                draft.pledge.clone(),
                cell.as_ref()
                    .map_or("absent".to_string(), |c| c.status.word().to_string()),
                cell.as_ref()
                    .and_then(|c| c.margin_pp)
                    .map_or(String::new(), |d| d.normalize().to_string()),
                (statuses.len() > 1).to_string(),
            ]);
        }
    }
    let body = writer
        .into_inner()
        .map(|bytes| String::from_utf8_lossy(&bytes).to_string())
        .unwrap_or_default();
    let stamps: String = comparison
        .drafts
        .iter()
        .map(|d| format!("# {}: {}\n", d.label, d.stamp.line()))
        .collect();
    format!("{stamps}{body}")
}
