//! What-if questions for negotiators.
//!
//! - `pledge sweep FILE --param core_floor=3%..4%:0.25%` evaluates the pledge
//!   once for each value of one parameter and says, per value and
//!   requirement, how many allies meet it and which, and who changes between
//!   consecutive values.
//! - `pledge distance FILE` says, for every ally, year and requirement not
//!   met, how much more spending meeting it needs (in money and in points of
//!   GDP). With `--param name` it also gives the value of that parameter at
//!   which each ally's outcome flips: solved exactly where the margin is
//!   linear in the parameter and then checked by evaluating at the solution;
//!   for a parameter read as a year (such as `deadline`), found by trying
//!   every whole year in a window around the current value.
//!
//! Every figure is an exact decimal. Rounding happens only when a table is
//! printed, and a rounded figure is marked.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::ExitCode;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use crate::ast::CompareOp;
use crate::check;
use crate::cli::{prepare, year_range, DataArgs, Output, Prepared, Selection};
use crate::data::Dataset;
use crate::diagnostics::{render_all, Problem};
use crate::eval::engine::Engine;
use crate::eval::outcome::{PledgeOutcome, RequirementResult, Status};
use crate::eval::requirement::{self, body_for, Evaluated};
use crate::eval::{self, Options};
use crate::program::{Checked, RequirementKind, Type};
use crate::report::{numbers, Format, Grid, JsonDataset};
use crate::source::Sources;
use crate::stamp::Stamp;

/// At most this many values in one sweep.
pub const MAX_VALUES: usize = 1000;

/// How many whole years on either side of a year parameter's current value
/// `distance --param` tries.
pub const YEAR_WINDOW: i64 = 30;

/// How many trial values the break-even search evaluates at most, beyond
/// the first three.
const MAX_TRIALS: usize = 60;

/// Decimal places kept in a computed break-even value (as stored: shares as
/// fractions). One unit of the last place is the step used to check a flip.
const SOLUTION_PLACES: u32 = 16;

#[derive(Debug, Clone, clap::Args)]
pub struct SweepArgs {
    /// The rule file (`.pledge`).
    pub file: PathBuf,
    #[command(flatten)]
    pub data: DataArgs,
    /// The parameter and its range: `core_floor=3%..4%:0.25%` (from, to, step; both ends included)
    #[arg(long)]
    pub param: String,
    /// Only this year (default: the latest year with spending line items)
    #[arg(long)]
    pub year: Option<i32>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Clone, clap::Args)]
pub struct DistanceArgs {
    /// The rule file (`.pledge`).
    pub file: PathBuf,
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub selection: Selection,
    /// Also give, per ally and requirement, the value of this parameter at which the outcome flips
    #[arg(long)]
    pub param: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Errors of `sweep --param` and `distance --param`.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum WhatIfError {
    #[error("`--param` needs `{form}`, not `{text}`")]
    #[diagnostic(code(pledge::sweep::malformed), help("{help}"))]
    Malformed {
        form: String,
        text: String,
        help: String,
    },
    #[error("`{text}` is not a value")]
    #[diagnostic(code(pledge::sweep::bad_value), help("{help}"))]
    BadValue { text: String, help: String },
    #[error("no pledge in this file has a parameter `{name}`")]
    #[diagnostic(code(pledge::sweep::unknown_param), help("{help}"))]
    UnknownParam { name: String, help: String },
    #[error("`{name}` holds {expected}, but `{value}` is {found}")]
    #[diagnostic(code(pledge::sweep::wrong_type), help("{help}"))]
    WrongType {
        name: String,
        value: String,
        expected: String,
        found: String,
        help: String,
    },
    #[error("the step `{step}` is not above zero")]
    #[diagnostic(
        code(pledge::sweep::bad_step),
        help("give a step above zero, such as `core_floor=3%..4%:0.25%`; a range always runs from the smaller value up to the larger")
    )]
    BadStep { step: String },
    #[error("the range `{from}..{to}` runs backwards")]
    #[diagnostic(
        code(pledge::sweep::backwards),
        help("write the smaller value first: `{to}..{from}`")
    )]
    Backwards { from: String, to: String },
    #[error("the range gives {count} values; at most {MAX_VALUES} are allowed")]
    #[diagnostic(
        code(pledge::sweep::too_many_steps),
        help("use a larger step or a shorter range")
    )]
    TooManySteps { count: String },
}

// ---------------------------------------------------------------------------
// Parameters and values
// ---------------------------------------------------------------------------

/// The parameter a what-if run changes.
#[derive(Debug, Clone)]
struct ParamInfo {
    name: String,
    ty: Type,
    /// Read as a year somewhere (`from deadline`): only whole numbers.
    year: bool,
}

impl ParamInfo {
    fn example(&self) -> &'static str {
        if self.year {
            return "a year such as `2032`";
        }
        match self.ty {
            Type::Ratio => "a percentage such as `3%`",
            Type::Money => "an amount such as `money(500)`",
            _ => "a plain number such as `20`",
        }
    }

    fn expected(&self) -> String {
        if self.year {
            "a year".to_string()
        } else {
            self.ty.describe().to_string()
        }
    }

    fn range_example(&self) -> String {
        if self.year {
            format!(
                "`{}=2030..2040` (every year) or `{}=2030..2040:2`",
                self.name, self.name
            )
        } else {
            match self.ty {
                Type::Ratio => format!("`{}=3%..4%:0.25%`", self.name),
                Type::Money => format!("`{}=money(500)..money(1000):money(100)`", self.name),
                _ => format!("`{}=10..20:1`", self.name),
            }
        }
    }
}

fn param_names(checked: &Checked) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for param in checked.pledges().iter().flat_map(|p| p.params.iter()) {
        if !names.contains(&param.name) {
            names.push(param.name.clone());
        }
    }
    names
}

fn find_param(checked: &Checked, name: &str) -> Result<ParamInfo, Problem> {
    let mut found: Option<ParamInfo> = None;
    for param in checked
        .pledges()
        .iter()
        .flat_map(|p| p.params.iter())
        .filter(|p| p.name == name)
    {
        match &mut found {
            Some(info) => info.year |= param.used_as_year,
            None => {
                found = Some(ParamInfo {
                    name: param.name.clone(),
                    ty: param.ty,
                    year: param.used_as_year,
                })
            }
        }
    }
    found.ok_or_else(|| {
        Problem::bare(WhatIfError::UnknownParam {
            name: name.to_string(),
            help: check::unknown_help(
                name,
                &param_names(checked),
                "`--param` names a `param` of the rule file",
            ),
        })
    })
}

/// A value as it is written in a rule file: `3.25%`, `2032`, `money(500)`.
fn written(value: Decimal, ty: Type) -> String {
    check::describe_value(value, ty)
}

/// Reads one end or the step of a range, of the parameter's kind.
fn parse_value(text: &str, param: &ParamInfo) -> Result<Decimal, Problem> {
    let trimmed = text.trim();
    let bad = |why: String| {
        Problem::bare(WhatIfError::BadValue {
            text: trimmed.to_string(),
            help: format!(
                "{why}; write the value out as in a `param` line: {}",
                param.example()
            ),
        })
    };
    let mut sources = Sources::new();
    let file = sources.add("--param", trimmed);
    let expr = crate::parse::parse_expression(trimmed, file).map_err(|e| bad(e.to_string()))?;
    let (value, ty) =
        check::constant_value(&expr).map_err(|found| bad(format!("it is {found}")))?;
    let fractional_year = param.year && !value.fract().is_zero();
    if ty != param.ty || fractional_year {
        let found = if fractional_year {
            "not a whole number".to_string()
        } else {
            ty.describe().to_string()
        };
        return Err(Problem::bare(WhatIfError::WrongType {
            name: param.name.clone(),
            value: trimmed.to_string(),
            expected: param.expected(),
            found,
            help: format!("write {}", param.example()),
        }));
    }
    Ok(value)
}

/// A parsed `--param name=FROM..TO:STEP`.
#[derive(Debug, Clone)]
struct Range {
    param: ParamInfo,
    from: Decimal,
    to: Decimal,
    step: Decimal,
    values: Vec<Decimal>,
}

const RANGE_FORM: &str = "name=FROM..TO:STEP";

fn parse_range(checked: &Checked, text: &str) -> Result<Range, Vec<Problem>> {
    let malformed = |help: String| {
        vec![Problem::bare(WhatIfError::Malformed {
            form: RANGE_FORM.to_string(),
            text: text.to_string(),
            help,
        })]
    };
    let general = "for example `--param core_floor=3%..4%:0.25%` (from 3% to 4% in steps of 0.25%, both ends included)";
    let Some((name, range)) = text.split_once('=') else {
        return Err(malformed(general.to_string()));
    };
    let name = name.trim();
    if name.is_empty() {
        return Err(malformed(general.to_string()));
    }
    let param = find_param(checked, name).map_err(|p| vec![p])?;
    let Some((from_text, rest)) = range.split_once("..") else {
        return Err(malformed(format!(
            "give two values joined by `..` and a step after `:`, such as {}",
            param.range_example()
        )));
    };
    let (to_text, step_text) = match rest.rsplit_once(':') {
        Some((to, step)) => (to, Some(step)),
        None => (rest, None),
    };
    let mut problems = Vec::new();
    let mut read = |text: &str| match parse_value(text, &param) {
        Ok(v) => Some(v),
        Err(p) => {
            problems.push(p);
            None
        }
    };
    let from = read(from_text);
    let to = read(to_text);
    let step = match step_text {
        Some(step) => read(step),
        None if param.ty == Type::Number => Some(Decimal::ONE),
        None => {
            return Err(malformed(format!(
                "add a step after `:`, such as {}",
                param.range_example()
            )))
        }
    };
    let (Some(from), Some(to), Some(step)) = (from, to, step) else {
        return Err(problems);
    };
    if step <= Decimal::ZERO {
        return Err(vec![Problem::bare(WhatIfError::BadStep {
            step: step_text.unwrap_or("1").trim().to_string(),
        })]);
    }
    if from > to {
        return Err(vec![Problem::bare(WhatIfError::Backwards {
            from: from_text.trim().to_string(),
            to: to_text.trim().to_string(),
        })]);
    }
    let too_many = |count: String| vec![Problem::bare(WhatIfError::TooManySteps { count })];
    let whole_steps = to
        .checked_sub(from)
        .and_then(|span| span.checked_div(step))
        .map(|n| n.floor())
        .ok_or_else(|| too_many("too many".to_string()))?;
    let limit = Decimal::from(MAX_VALUES);
    if whole_steps >= limit {
        // One value per whole step, the first, and the last if the steps
        // do not reach it exactly.
        let reaches_end = step
            .checked_mul(whole_steps)
            .and_then(|covered| from.checked_add(covered))
            .is_some_and(|last| last == to);
        let extra = if reaches_end { 1 } else { 2 };
        let count = whole_steps
            .checked_add(Decimal::from(extra))
            .map_or_else(|| "too many".to_string(), |c| c.normalize().to_string());
        return Err(too_many(count));
    }
    let mut values = Vec::new();
    let mut value = from;
    while value <= to {
        values.push(value);
        match value.checked_add(step) {
            Some(next) => value = next,
            None => break,
        }
    }
    if values.last().is_some_and(|last| *last != to) {
        values.push(to);
    }
    if values.len() > MAX_VALUES {
        return Err(too_many(values.len().to_string()));
    }
    Ok(Range {
        param,
        from,
        to,
        step,
        values,
    })
}

/// The rules with the parameter set to one value, as `--set name=value` does.
fn with_value(
    checked: &Checked,
    param: &ParamInfo,
    value: Decimal,
) -> Result<Checked, Vec<Problem>> {
    check::apply_sets(
        checked,
        &[format!("{}={}", param.name, written(value, param.ty))],
    )
}

// ---------------------------------------------------------------------------
// Shared helpers for output
// ---------------------------------------------------------------------------

fn fail(out: &mut Output, problems: &[Problem]) -> ExitCode {
    out.stderr
        .push_str(&render_all(problems, out.error_format, out.colour));
    ExitCode::from(1)
}

/// The stamp of the run: the rules, the `--set` options and the what-if
/// option (if any), and the data. Without a what-if option it is the stamp
/// `pledge eval` gives for the same rules and data.
fn stamp_with(prepared: &Prepared, extra: &str) -> Stamp {
    if extra.is_empty() {
        prepared.stamp.clone()
    } else {
        prepared.stamp.with_sets(&[extra.to_string()])
    }
}

fn json_dataset(data: &Dataset) -> JsonDataset<'_> {
    JsonDataset {
        name: &data.manifest.name,
        edition: &data.manifest.edition,
        money_unit: &data.manifest.money_unit,
    }
}

fn exact(value: Decimal) -> String {
    value.normalize().to_string()
}

fn exact_opt(value: Option<Decimal>) -> Option<String> {
    value.map(exact)
}

/// A status in words.
fn status_words(status: Status) -> &'static str {
    match status {
        Status::Met => "met",
        Status::NotMet => "not met",
        Status::NotYetDue => "not yet due",
        Status::NotApplicable => "not applicable",
        Status::NoData => "no data",
    }
}

struct Heading {
    markdown: bool,
}

impl Heading {
    fn title(&self, text: &str, level: usize) -> String {
        crate::report::heading(text, level, self.markdown)
    }

    fn paragraph(&self, text: &str) -> String {
        if self.markdown {
            format!("{text}\n\n")
        } else {
            format!("{text}\n")
        }
    }

    fn item(&self, text: &str) -> String {
        if self.markdown {
            format!("- {text}\n")
        } else {
            format!("{text}\n")
        }
    }

    fn grid(&self, grid: &Grid) -> String {
        if self.markdown {
            format!("{}\n", grid.markdown())
        } else {
            format!("{}\n", grid.text())
        }
    }
}

/// `1,234.5`: thousands grouped, at least `min` decimals, at most `max`;
/// `≈` in front when the exact value needs more.
fn figure(value: Decimal, min: u32, max: u32) -> String {
    let normalized = value.normalize();
    let (places, about) = if normalized.scale() <= max {
        (normalized.scale().max(min), "")
    } else {
        (max, "≈")
    };
    let text = numbers::fixed(value, places);
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    let mut grouped = String::new();
    let count = whole.chars().count();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (count - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match fraction {
        Some(f) => format!("{about}{sign}{grouped}.{f}"),
        None => format!("{about}{sign}{grouped}"),
    }
}

/// A parameter value for a sentence: shares as `3.00%` (at least two
/// decimals), amounts grouped, numbers plain; "about" when rounded.
fn shown(value: Decimal, ty: Type) -> String {
    let text = match ty {
        Type::Ratio => match value.checked_mul(Decimal::ONE_HUNDRED) {
            Some(percent) => format!("{}%", figure(percent, 2, 4)),
            None => figure(value, 0, 6),
        },
        Type::Money => figure(value, 1, 2),
        _ => figure(value, 0, 4),
    };
    match text.strip_prefix('≈') {
        Some(rest) => format!("about {rest}"),
        None => text,
    }
}

/// "XCA, XEA and XSA".
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The latest year in which the dataset has spending line items.
fn latest_item_year(data: &Dataset) -> Option<i32> {
    data.by_country_year
        .keys()
        .map(|&(_, year)| year)
        .max()
        .or_else(|| data.years().last().copied())
}

// ---------------------------------------------------------------------------
// sweep
// ---------------------------------------------------------------------------

/// The outcomes of one pledge at one value of the parameter.
struct SweepRow {
    value: Decimal,
    outcome: PledgeOutcome,
}

/// One pledge's sweep.
struct SweepPledge {
    rows: Vec<SweepRow>,
}

/// One ally whose outcome differs between two consecutive values.
#[derive(Debug, Clone, Serialize)]
struct Change {
    #[serde(skip)]
    from: Decimal,
    #[serde(skip)]
    to: Decimal,
    from_value: String,
    to_value: String,
    from_written: String,
    to_written: String,
    requirement: String,
    country: String,
    before: Status,
    after: Status,
}

impl SweepPledge {
    fn name(&self) -> &str {
        self.rows.first().map_or("", |r| r.outcome.pledge.as_str())
    }

    fn requirements(&self) -> &[String] {
        self.rows
            .first()
            .map_or(&[], |r| r.outcome.requirements.as_slice())
    }

    fn changes(&self, ty: Type) -> Vec<Change> {
        let mut changes = Vec::new();
        for pair in self.rows.windows(2) {
            let [before, after] = pair else {
                continue;
            };
            for requirement in self.requirements() {
                for result in before
                    .outcome
                    .results
                    .iter()
                    .filter(|r| &r.requirement == requirement)
                {
                    let Some(next) =
                        after
                            .outcome
                            .result(requirement, &result.country, result.year)
                    else {
                        continue;
                    };
                    if next.status != result.status {
                        changes.push(Change {
                            from: before.value,
                            to: after.value,
                            from_value: exact(before.value),
                            to_value: exact(after.value),
                            from_written: written(before.value, ty),
                            to_written: written(after.value, ty),
                            requirement: requirement.clone(),
                            country: result.country.clone(),
                            before: result.status,
                            after: next.status,
                        });
                    }
                }
            }
        }
        changes
    }
}

fn allies_with(outcome: &PledgeOutcome, requirement: &str, status: Status) -> Vec<String> {
    outcome
        .results
        .iter()
        .filter(|r| r.requirement == requirement && r.status == status)
        .map(|r| r.country.clone())
        .collect()
}

/// `4 of 5`, with the allies not yet due or without data in brackets.
fn count_cell(outcome: &PledgeOutcome, requirement: &str) -> String {
    let Some(summary) = outcome
        .summaries
        .iter()
        .find(|s| s.requirement == requirement)
    else {
        return String::new();
    };
    let mut cell = format!("{} of {}", summary.met, summary.members);
    let mut extra = Vec::new();
    if summary.not_yet_due > 0 {
        extra.push(format!("{} not due", summary.not_yet_due));
    }
    if summary.no_data > 0 {
        extra.push(format!("{} no data", summary.no_data));
    }
    if !extra.is_empty() {
        cell.push_str(&format!(" ({})", extra.join(", ")));
    }
    cell
}

/// `core_floor 4 of 5 allies (XCA, XEA, XNA, XSA)`.
fn count_phrase(outcome: &PledgeOutcome, requirement: &str, first: bool) -> String {
    let Some(summary) = outcome
        .summaries
        .iter()
        .find(|s| s.requirement == requirement)
    else {
        return requirement.to_string();
    };
    let met = allies_with(outcome, requirement, Status::Met);
    let mut inside = Vec::new();
    if !met.is_empty() {
        inside.push(met.join(", "));
    }
    let mut others = Vec::new();
    for status in [Status::NotYetDue, Status::NoData] {
        let n = summary.count(status);
        if n > 0 {
            others.push(format!("{n} {}", status_words(status)));
        }
    }
    if !others.is_empty() {
        inside.push(others.join(", "));
    }
    let allies = if first {
        if summary.members == 1 {
            " ally"
        } else {
            " allies"
        }
    } else {
        ""
    };
    let mut phrase = format!(
        "{requirement} {} of {}{allies}",
        summary.met, summary.members
    );
    if !inside.is_empty() {
        phrase.push_str(&format!(" ({})", inside.join("; ")));
    }
    phrase
}

/// Allies whose outcome of one requirement goes from one status to another.
type ChangeGroup = ((String, Status, Status), Vec<String>);

/// The changes between two consecutive values, in sentences grouped by
/// requirement and kind of change.
fn change_sentences(changes: &[Change]) -> Vec<(Decimal, Decimal, String)> {
    // (from, to) → requirement → (before, after) → countries, in order.
    let mut grouped: Vec<((Decimal, Decimal), Vec<ChangeGroup>)> = Vec::new();
    for change in changes {
        let key = (change.from, change.to);
        if grouped.last().is_none_or(|(k, _)| *k != key) {
            grouped.push((key, Vec::new()));
        }
        let Some((_, kinds)) = grouped.last_mut() else {
            continue;
        };
        let kind = (change.requirement.clone(), change.before, change.after);
        match kinds.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, countries)) => countries.push(change.country.clone()),
            None => kinds.push((kind, vec![change.country.clone()])),
        }
    }
    let mut sentences = Vec::new();
    for ((from, to), kinds) in grouped {
        let parts: Vec<String> = kinds
            .iter()
            .map(|((requirement, before, after), countries)| {
                let who = and_list(countries);
                let one = countries.len() == 1;
                if *after == Status::Met {
                    let verb = if one { "starts" } else { "start" };
                    format!("{who} {verb} meeting {requirement}")
                } else if *before == Status::Met {
                    let verb = if one { "stops" } else { "stop" };
                    let tail = if *after == Status::NotMet {
                        String::new()
                    } else {
                        format!(" ({})", status_words(*after))
                    };
                    format!("{who} {verb} meeting {requirement}{tail}")
                } else {
                    format!(
                        "{requirement} goes from {} to {} for {who}",
                        status_words(*before),
                        status_words(*after)
                    )
                }
            })
            .collect();
        sentences.push((from, to, parts.join("; ")));
    }
    sentences
}

/// `pledge sweep FILE --param name=FROM..TO:STEP`.
pub fn run_sweep(args: &SweepArgs, out: &mut Output) -> ExitCode {
    let Some(prepared) = prepare(&args.file, &args.data, out) else {
        return ExitCode::from(1);
    };
    let range = match parse_range(&prepared.checked, &args.param) {
        Ok(r) => r,
        Err(problems) => return fail(out, &problems),
    };
    let Some(year) = args.year.or_else(|| latest_item_year(&prepared.dataset)) else {
        return fail(
            out,
            &[Problem::bare(eval::EvalError::BadYears {
                text: "(the dataset has no years)".to_string(),
            })],
        );
    };
    let options = Options {
        years: Some((year, year)),
        countries: Vec::new(),
    };
    let with_param: Vec<usize> = prepared
        .checked
        .pledges()
        .iter()
        .enumerate()
        .filter(|(_, p)| p.param_index(&range.param.name).is_some())
        .map(|(i, _)| i)
        .collect();
    let mut pledges: Vec<SweepPledge> = with_param
        .iter()
        .map(|_| SweepPledge { rows: Vec::new() })
        .collect();
    for &value in &range.values {
        let checked = match with_value(&prepared.checked, &range.param, value) {
            Ok(c) => c,
            Err(problems) => return fail(out, &problems),
        };
        let outcomes = match eval::evaluate(
            &checked,
            &prepared.dataset,
            &prepared.workspace.sources,
            &options,
        ) {
            Ok(o) => o,
            Err(problems) => return fail(out, &problems),
        };
        for (slot, &index) in pledges.iter_mut().zip(&with_param) {
            if let Some(outcome) = outcomes.get(index) {
                slot.rows.push(SweepRow {
                    value,
                    outcome: outcome.clone(),
                });
            }
        }
    }
    let left_out: Vec<String> = prepared
        .checked
        .pledges()
        .iter()
        .enumerate()
        .filter(|(i, _)| !with_param.contains(i))
        .map(|(_, p)| p.name.clone())
        .collect();
    let stamp = stamp_with(&prepared, &format!("--param {}", args.param));
    let sweep = Sweep {
        rules: args.file.display().to_string(),
        data: &prepared.dataset,
        range: &range,
        year,
        pledges: &pledges,
        left_out: &left_out,
        stamp: &stamp,
    };
    let text = match args.format {
        Format::Table => sweep.text(false),
        Format::Markdown => sweep.text(true),
        Format::Json | Format::Xlsx => sweep.json(),
        Format::Csv => sweep.csv(),
    };
    out.stdout.push_str(&text);
    ExitCode::SUCCESS
}

struct Sweep<'a> {
    rules: String,
    data: &'a Dataset,
    range: &'a Range,
    year: i32,
    pledges: &'a [SweepPledge],
    left_out: &'a [String],
    stamp: &'a Stamp,
}

impl Sweep<'_> {
    fn text(&self, markdown: bool) -> String {
        let h = Heading { markdown };
        let param = &self.range.param;
        let ty = param.ty;
        let mut out = String::new();
        for pledge in self.pledges {
            out.push_str(&h.title(
                &format!(
                    "{} — sweep of {} in {}",
                    pledge.name(),
                    param.name,
                    self.year
                ),
                0,
            ));
            out.push_str(&h.paragraph(&format!(
                "Data: {} ({}); amounts in {}.",
                self.data.manifest.name, self.data.manifest.edition, self.data.manifest.money_unit
            )));
            out.push_str(&h.paragraph(&format!(
                "How many allies meet each requirement in {} when {} is set to each value from {} to {} in steps of {} (both ends included), as with `--set {}=VALUE`.",
                self.year,
                param.name,
                written(self.range.from, ty),
                written(self.range.to, ty),
                written(self.range.step, ty),
                param.name
            )));
            if !markdown {
                out.push('\n');
            }
            let mut header = vec![format!("{} =", param.name)];
            header.extend(pledge.requirements().iter().cloned());
            let rows = pledge
                .rows
                .iter()
                .map(|row| {
                    let mut cells = vec![written(row.value, ty)];
                    cells.extend(
                        pledge
                            .requirements()
                            .iter()
                            .map(|r| count_cell(&row.outcome, r)),
                    );
                    cells
                })
                .collect();
            out.push_str(&h.grid(&Grid { header, rows }));

            out.push_str(&h.title("Who meets what", 1));
            for row in &pledge.rows {
                let phrases: Vec<String> = pledge
                    .requirements()
                    .iter()
                    .enumerate()
                    .map(|(i, r)| count_phrase(&row.outcome, r, i == 0))
                    .collect();
                out.push_str(&h.item(&format!(
                    "{}={}: {}",
                    param.name,
                    written(row.value, ty),
                    phrases.join("; ")
                )));
            }
            out.push('\n');

            out.push_str(&h.title("Changes between consecutive values", 1));
            let changes = change_sentences(&pledge.changes(ty));
            if changes.is_empty() {
                out.push_str(&h.paragraph(&format!(
                    "No ally's outcome changes over this range of {}.",
                    param.name
                )));
            } else {
                for (from, to, sentence) in &changes {
                    out.push_str(&h.item(&format!(
                        "from {} to {}: {sentence}",
                        written(*from, ty),
                        written(*to, ty)
                    )));
                }
                if changes.len() + 1 < pledge.rows.len() {
                    out.push_str(&h.item("(no change between the other consecutive values)"));
                }
            }
            out.push('\n');
        }
        for name in self.left_out {
            out.push_str(&h.paragraph(&format!(
                "The pledge \"{name}\" has no parameter `{}`; it is left out.",
                param.name
            )));
        }
        out.push_str(&format!("{}\n", self.stamp.line()));
        out
    }

    fn json(&self) -> String {
        #[derive(Serialize)]
        struct Value {
            value: String,
            written: String,
        }
        #[derive(Serialize)]
        struct Count {
            requirement: String,
            met: usize,
            not_met: usize,
            not_yet_due: usize,
            not_applicable: usize,
            no_data: usize,
            members: usize,
            allies_met: Vec<String>,
            allies_not_met: Vec<String>,
        }
        #[derive(Serialize)]
        struct Row {
            value: String,
            written: String,
            requirements: Vec<Count>,
        }
        #[derive(Serialize)]
        struct Pledge {
            pledge: String,
            requirements: Vec<String>,
            rows: Vec<Row>,
            changes: Vec<Change>,
        }
        #[derive(Serialize)]
        struct Document<'a> {
            rules: String,
            dataset: JsonDataset<'a>,
            stamp: &'a Stamp,
            parameter: String,
            unit: &'static str,
            year: i32,
            values: Vec<Value>,
            pledges: Vec<Pledge>,
            left_out: Vec<String>,
        }
        let ty = self.range.param.ty;
        let document = Document {
            rules: self.rules.clone(),
            dataset: json_dataset(self.data),
            stamp: self.stamp,
            parameter: self.range.param.name.clone(),
            unit: crate::eval::outcome::unit_name(ty),
            year: self.year,
            values: self
                .range
                .values
                .iter()
                .map(|v| Value {
                    value: exact(*v),
                    written: written(*v, ty),
                })
                .collect(),
            pledges: self
                .pledges
                .iter()
                .map(|pledge| Pledge {
                    pledge: pledge.name().to_string(),
                    requirements: pledge.requirements().to_vec(),
                    rows: pledge
                        .rows
                        .iter()
                        .map(|row| Row {
                            value: exact(row.value),
                            written: written(row.value, ty),
                            requirements: row
                                .outcome
                                .summaries
                                .iter()
                                .map(|s| Count {
                                    requirement: s.requirement.clone(),
                                    met: s.met,
                                    not_met: s.not_met,
                                    not_yet_due: s.not_yet_due,
                                    not_applicable: s.not_applicable,
                                    no_data: s.no_data,
                                    members: s.members,
                                    allies_met: allies_with(
                                        &row.outcome,
                                        &s.requirement,
                                        Status::Met,
                                    ),
                                    allies_not_met: allies_with(
                                        &row.outcome,
                                        &s.requirement,
                                        Status::NotMet,
                                    ),
                                })
                                .collect(),
                        })
                        .collect(),
                    changes: pledge.changes(ty),
                })
                .collect(),
            left_out: self.left_out.to_vec(),
        };
        let mut text = serde_json::to_string_pretty(&document)
            .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        text.push('\n');
        text
    }

    fn csv(&self) -> String {
        let ty = self.range.param.ty;
        let mut writer = csv::Writer::from_writer(Vec::new());
        let _ = writer.write_record([
            "pledge",
            "parameter",
            "value",
            "written",
            "year",
            "requirement",
            "country",
            "status",
            "margin",
            "margin_pp",
            "margin_basis",
            "unit",
            "reason",
        ]);
        for pledge in self.pledges {
            for row in &pledge.rows {
                for r in &row.outcome.results {
                    let _ = writer.write_record([
                        r.pledge.clone(),
                        self.range.param.name.clone(),
                        exact(row.value),
                        written(row.value, ty),
                        r.year.to_string(),
                        r.requirement.clone(),
                        r.country.clone(),
                        r.status.word().to_string(),
                        exact_opt(r.margin).unwrap_or_default(),
                        exact_opt(r.margin_pp).unwrap_or_default(),
                        r.margin_basis.clone(),
                        r.unit.to_string(),
                        r.reason.clone().unwrap_or_default(),
                    ]);
                }
            }
        }
        let body = writer
            .into_inner()
            .map(|bytes| String::from_utf8_lossy(&bytes).to_string())
            .unwrap_or_default();
        format!("{}{body}", self.stamp.csv_comment())
    }
}

// ---------------------------------------------------------------------------
// distance: shortfalls
// ---------------------------------------------------------------------------

/// One ally, year and requirement not met, with what meeting it needs.
#[derive(Debug, Clone)]
struct Shortfall {
    pledge: usize,
    result: RequirementResult,
    /// The requirement is an upper limit (`<=`, `<`): the shortfall is
    /// spending to cut, not to add.
    cut: bool,
}

impl Shortfall {
    /// The shortfall, positive, in the requirement's unit.
    fn amount(&self) -> Decimal {
        self.result.margin.map_or(Decimal::ZERO, |m| -m)
    }

    fn points(&self) -> Option<Decimal> {
        self.result.margin_pp.map(|m| -m)
    }

    /// The spending to add (or cut): the shortfall, or, when the compared
    /// category is part of the base of the threshold, the shortfall ÷
    /// (1 − share), because what is added to the part is added to the base
    /// too. `None` when no amount added to the part alone meets it.
    fn needed(&self) -> Option<Decimal> {
        match &self.result.base_growth {
            Some(growth) => growth.to_add,
            None => Some(self.amount()),
        }
    }

    /// When the compared category is part of the base: the amount to move
    /// from the rest of the base into it (out of it, for an upper limit),
    /// which leaves the base as it is. It is the shortfall itself.
    fn shift(&self) -> Option<Decimal> {
        self.result.base_growth.as_ref().map(|_| self.amount())
    }
}

fn is_upper_limit(kind: &RequirementKind) -> bool {
    match kind {
        RequirementKind::Compare { op, .. } => matches!(op, CompareOp::Le | CompareOp::Lt),
        RequirementKind::Path { .. } => false,
    }
}

fn shortfalls(checked: &Checked, outcomes: &[PledgeOutcome]) -> Vec<Shortfall> {
    let mut found = Vec::new();
    for (pledge_index, (program, outcome)) in checked.pledges().iter().zip(outcomes).enumerate() {
        for requirement in &program.requirements {
            let mut these: Vec<Shortfall> = outcome
                .results
                .iter()
                .filter(|r| {
                    r.requirement == requirement.id
                        && r.status == Status::NotMet
                        && r.margin.is_some()
                })
                .map(|r| Shortfall {
                    pledge: pledge_index,
                    result: r.clone(),
                    cut: body_for(requirement, &r.country)
                        .is_some_and(|(body, _)| is_upper_limit(&body.kind)),
                })
                .collect();
            // The largest shortfall first: in points where known, then in
            // the requirement's unit, then by country and year.
            these.sort_by(|a, b| {
                let points = |s: &Shortfall| s.points().unwrap_or(Decimal::MIN);
                points(b)
                    .cmp(&points(a))
                    .then(b.amount().cmp(&a.amount()))
                    .then(a.result.country.cmp(&b.result.country))
                    .then(a.result.year.cmp(&b.result.year))
            });
            found.extend(these);
        }
    }
    found
}

// ---------------------------------------------------------------------------
// distance: break-even values
// ---------------------------------------------------------------------------

/// Which values of the parameter meet the requirement, around a flip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Side {
    AtMost,
    Below,
    AtLeast,
    Above,
    OnlyAt,
    ExceptAt,
}

/// A run of whole-year values with one status, found by scanning.
#[derive(Debug, Clone, Copy, Serialize)]
struct Run {
    /// The first and last value of the run, in ascending order.
    from: i64,
    to: i64,
    status: Status,
    /// The run reaches the end of the window tried.
    open_ended: bool,
}

#[derive(Debug, Clone)]
enum Finding {
    /// The outcome flips at `value`.
    Flip {
        value: Decimal,
        /// The margin is exactly zero at `value`.
        exact: bool,
        /// The margin changed in proportion to the parameter at the three
        /// first trial values, and the first solution was the flip.
        linear: bool,
        side: Side,
    },
    /// The margin is the same at every trial value.
    NoEffect,
    /// No flip found.
    NotFound { reason: String },
    /// A year parameter: the nearest change of status later and earlier.
    Scan {
        low: i64,
        high: i64,
        later: Option<Run>,
        earlier: Option<Run>,
    },
}

#[derive(Debug, Clone)]
struct BreakEven {
    pledge: usize,
    requirement: String,
    country: String,
    year: i32,
    status: Status,
    now: Option<Decimal>,
    finding: Finding,
}

/// One question: a requirement for an ally in a year.
#[derive(Debug, Clone)]
struct Question {
    pledge: usize,
    requirement: usize,
    requirement_id: String,
    country_code: String,
    country: u16,
    year: i32,
    status: Status,
    now: Option<Decimal>,
}

/// Evaluates one requirement for one ally and year under the rules of
/// `checked`.
fn evaluate_one(checked: &Checked, data: &Dataset, q: &Question) -> Option<Evaluated> {
    let engine = Engine::for_pledge(checked, q.pledge, data)?.amounts_only();
    Some(requirement::evaluate(
        &engine,
        q.requirement,
        q.country,
        q.year,
    ))
}

/// Rules at trial values of the parameter, kept for reuse.
struct Trials<'a> {
    base: &'a Checked,
    data: &'a Dataset,
    param: &'a ParamInfo,
    kept: BTreeMap<Decimal, Checked>,
}

impl Trials<'_> {
    /// The rules at `value`, or why the value cannot be set.
    fn rules_at(&self, value: Decimal) -> Result<Checked, String> {
        with_value(self.base, self.param, value).map_err(|problems| {
            let messages: Vec<String> = problems.iter().map(Problem::message).collect();
            messages.join("; ")
        })
    }

    /// Builds the rules at `value` once, for the trial values every
    /// question starts from.
    fn keep(&mut self, value: Decimal) -> Result<(), String> {
        if !self.kept.contains_key(&value) {
            let checked = self.rules_at(value)?;
            self.kept.insert(value, checked);
        }
        Ok(())
    }

    /// The status and margin at `value`; kept values are reused.
    fn at(&self, value: Decimal, q: &Question) -> Result<(Status, Option<Decimal>), String> {
        let evaluated = match self.kept.get(&value) {
            Some(checked) => evaluate_one(checked, self.data, q),
            None => evaluate_one(&self.rules_at(value)?, self.data, q),
        };
        let evaluated = evaluated.ok_or_else(|| "the pledge cannot be evaluated".to_string())?;
        Ok((evaluated.status, evaluated.margin))
    }

    /// The margin at `value`, or why the outcome there is neither met nor
    /// not met.
    fn margin(&self, value: Decimal, q: &Question) -> Result<(Status, Decimal), String> {
        let (status, margin) = self.at(value, q)?;
        match (status, margin) {
            (Status::Met | Status::NotMet, Some(m)) => Ok((status, m)),
            _ => Err(format!(
                "at {}={} the outcome is {}",
                self.param.name,
                written(value, self.param.ty),
                status_words(status)
            )),
        }
    }

    fn met(&self, value: Decimal, q: &Question) -> Result<bool, String> {
        self.at(value, q).map(|(s, _)| s == Status::Met)
    }
}

/// The distance between trial values: one point of a share, a tenth of an
/// amount or number (at least 1).
fn trial_step(center: Decimal, ty: Type) -> Decimal {
    match ty {
        Type::Ratio => Decimal::new(1, 2),
        _ => {
            let tenth = center.abs() / Decimal::TEN;
            if tenth < Decimal::ONE {
                Decimal::ONE
            } else {
                tenth.round_dp(6)
            }
        }
    }
}

/// The three first trial values: one step below, at and above the centre.
fn trial_points(center: Decimal, ty: Type) -> Option<[Decimal; 3]> {
    let step = trial_step(center, ty);
    Some([center.checked_sub(step)?, center, center.checked_add(step)?])
}

/// The root of the line through two points, rounded to `SOLUTION_PLACES`.
fn secant(a: (Decimal, Decimal), b: (Decimal, Decimal)) -> Option<Decimal> {
    let (xa, ma) = a;
    let (xb, mb) = b;
    let slope_run = xb.checked_sub(xa)?;
    let rise = mb.checked_sub(ma)?;
    if rise.is_zero() {
        return None;
    }
    let shift = mb.checked_mul(slope_run)?.checked_div(rise)?;
    let root = xb.checked_sub(shift)?;
    Some(root.round_dp_with_strategy(SOLUTION_PLACES, RoundingStrategy::MidpointNearestEven))
}

/// One trial: a value of the parameter, the outcome there and the margin.
#[derive(Debug, Clone, Copy)]
struct Point {
    x: Decimal,
    met: bool,
    margin: Decimal,
}

/// Whether the outcome flips at `x`: the margin is zero there, or the
/// outcome differs one unit of the last kept decimal below and above it.
fn flip_at(trials: &Trials<'_>, q: &Question, at: Point) -> Option<Finding> {
    let unit = Decimal::new(1, SOLUTION_PLACES);
    let before = trials.met(at.x.checked_sub(unit)?, q).ok()?;
    let after = trials.met(at.x.checked_add(unit)?, q).ok()?;
    let exact = at.margin.is_zero();
    let side = match (before, at.met, after) {
        (true, true, false) => Side::AtMost,
        (true, false, false) => Side::Below,
        (false, true, true) => Side::AtLeast,
        (false, false, true) => Side::Above,
        (false, true, false) => Side::OnlyAt,
        (true, false, true) => Side::ExceptAt,
        _ => return None,
    };
    (exact || before != after).then_some(Finding::Flip {
        value: at.x,
        exact,
        linear: false,
        side,
    })
}

/// The break-even value of the parameter for one question.
///
/// Three trial values around the current one come first. Where the margin
/// is linear in the parameter, the line through two of them crosses zero at
/// the break-even value, which is then checked by evaluating there (margin
/// zero, or the outcome flips within one unit of the last decimal kept).
/// Where it is not linear (a cap that binds only above some value, say),
/// the search keeps two values with different outcomes and narrows them
/// down, by the line through them or by halving.
fn solve(trials: &Trials<'_>, center: Decimal, q: &Question) -> Finding {
    let Some(xs) = trial_points(center, trials.param.ty) else {
        return Finding::NotFound {
            reason: "the value is too large to try".to_string(),
        };
    };
    let mut probes = Vec::new();
    for x in xs {
        match trials.margin(x, q) {
            Ok((status, margin)) => probes.push(Point {
                x,
                met: status == Status::Met,
                margin,
            }),
            Err(reason) => return Finding::NotFound { reason },
        }
    }
    let [low, mid, high] = probes.as_slice() else {
        return Finding::NotFound {
            reason: "the trial values could not be evaluated".to_string(),
        };
    };
    let (low, mid, high) = (*low, *mid, *high);
    if low.margin == mid.margin && mid.margin == high.margin {
        return Finding::NoEffect;
    }
    let collinear = mid.margin.checked_sub(low.margin) == high.margin.checked_sub(mid.margin);
    // A trial value may itself be the break-even value.
    for point in [mid, low, high] {
        if !point.margin.is_zero() {
            continue;
        }
        if let Some(Finding::Flip {
            value, exact, side, ..
        }) = flip_at(trials, q, point)
        {
            return Finding::Flip {
                value,
                exact,
                linear: collinear,
                side,
            };
        }
    }
    // Two values with different outcomes, nearest the current value first.
    let mut bracket = [(mid, high), (low, mid)]
        .into_iter()
        .find(|(a, b)| a.met != b.met);
    // Otherwise, extrapolate along the line through two values.
    let (mut a, mut b) = if high.margin != mid.margin {
        (mid, high)
    } else {
        (low, mid)
    };
    let mut seen = vec![low, mid, high];
    for trial in 0..MAX_TRIALS {
        let x = match bracket {
            Some((lo, hi)) => {
                let inside = secant((lo.x, lo.margin), (hi.x, hi.margin))
                    .filter(|x| *x > lo.x && *x < hi.x && trial % 3 != 2);
                let half = lo.x.checked_add(hi.x).map(|sum| {
                    (sum / Decimal::TWO).round_dp_with_strategy(
                        SOLUTION_PLACES,
                        RoundingStrategy::MidpointNearestEven,
                    )
                });
                match (inside, half) {
                    (Some(x), _) => x,
                    (None, Some(half)) if half > lo.x && half < hi.x => half,
                    _ => break,
                }
            }
            None => match secant((a.x, a.margin), (b.x, b.margin)) {
                Some(x) => x,
                None => break,
            },
        };
        let point = match trials.margin(x, q) {
            Ok((status, margin)) => Point {
                x,
                met: status == Status::Met,
                margin,
            },
            Err(reason) => return Finding::NotFound { reason },
        };
        if let Some(Finding::Flip {
            value, exact, side, ..
        }) = flip_at(trials, q, point)
        {
            return Finding::Flip {
                value,
                exact,
                linear: collinear && trial == 0,
                side,
            };
        }
        match &mut bracket {
            Some((lo, hi)) => {
                if lo.met == point.met {
                    *lo = point;
                } else {
                    *hi = point;
                }
            }
            None => {
                // A value with the other outcome, nearest to this one.
                bracket = seen
                    .iter()
                    .filter(|p| p.met != point.met)
                    .min_by_key(|p| {
                        p.x.checked_sub(point.x)
                            .map_or(Decimal::MAX, |distance| distance.abs())
                    })
                    .map(|p| {
                        if p.x < point.x {
                            (*p, point)
                        } else {
                            (point, *p)
                        }
                    });
                seen.push(point);
                if bracket.is_none() && point.margin == b.margin {
                    break;
                }
                a = b;
                b = point;
            }
        }
    }
    let param = trials.param;
    let reason = match bracket {
        Some((lo, hi)) => format!(
            "the outcome changes between {} and {}, but no single value was found where it flips",
            shown(lo.x, param.ty),
            shown(hi.x, param.ty)
        ),
        None => {
            let tried = |pick: fn(Decimal, Decimal) -> Decimal| {
                seen.iter().map(|p| p.x).reduce(pick).unwrap_or(center)
            };
            let status = if mid.met { "met" } else { "not met" };
            format!(
                "it is {status} at every value tried, from {} to {}{}",
                shown(tried(Decimal::min), param.ty),
                shown(tried(Decimal::max), param.ty),
                if collinear {
                    String::new()
                } else {
                    format!(
                        ", and the margin does not move in proportion to {}",
                        param.name
                    )
                }
            )
        }
    };
    Finding::NotFound { reason }
}

/// The first run of another status than `now`, going from `center` in
/// `direction` (+1 or -1) up to `end`.
fn scan_run(statuses: &BTreeMap<i64, Status>, now: Status, center: i64, end: i64) -> Option<Run> {
    let direction = if end >= center { 1 } else { -1 };
    let mut value = center;
    let mut first: Option<(i64, Status)> = None;
    let mut last = center;
    while value != end {
        value += direction;
        let Some(&status) = statuses.get(&value) else {
            break;
        };
        match first {
            None if status != now => {
                first = Some((value, status));
                last = value;
            }
            None => {}
            Some((_, run_status)) if status == run_status => last = value,
            Some(_) => break,
        }
    }
    let (start, status) = first?;
    let open_ended = last == end;
    let (from, to) = if direction > 0 {
        (start, last)
    } else {
        (last, start)
    };
    Some(Run {
        from,
        to,
        status,
        open_ended,
    })
}

/// Every country-year-requirement of the evaluated outcomes of the pledges
/// that have the parameter.
fn questions(prepared: &Prepared, outcomes: &[PledgeOutcome], param: &ParamInfo) -> Vec<Question> {
    let data = &prepared.dataset;
    let mut found = Vec::new();
    for (pledge_index, (program, outcome)) in
        prepared.checked.pledges().iter().zip(outcomes).enumerate()
    {
        let Some(param_id) = program.param_index(&param.name) else {
            continue;
        };
        let Some(engine) =
            Engine::for_pledge(&prepared.checked, pledge_index, data).map(Engine::amounts_only)
        else {
            continue;
        };
        for (requirement_index, requirement) in program.requirements.iter().enumerate() {
            for result in outcome
                .results
                .iter()
                .filter(|r| r.requirement == requirement.id)
            {
                let Some(country) = data.country_index(&result.country) else {
                    continue;
                };
                found.push(Question {
                    pledge: pledge_index,
                    requirement: requirement_index,
                    requirement_id: requirement.id.clone(),
                    country_code: result.country.clone(),
                    country,
                    year: result.year,
                    status: result.status,
                    now: engine.param(param_id, country, result.year).ok(),
                });
            }
        }
    }
    found
}

/// The first value the rule file gives the parameter, where trials centre
/// when an ally has no current value.
fn first_value(checked: &Checked, name: &str) -> Option<Decimal> {
    checked
        .pledges()
        .iter()
        .flat_map(|p| p.params.iter())
        .find(|p| p.name == name)
        .and_then(|p| p.values.first())
        .map(|v| v.value)
}

/// Break-even values of a parameter that is not a year: for every ally,
/// year and requirement met or not met.
fn linear_break_even(
    prepared: &Prepared,
    param: &ParamInfo,
    questions: &[Question],
) -> (Vec<BreakEven>, usize) {
    let mut trials = Trials {
        base: &prepared.checked,
        data: &prepared.dataset,
        param,
        kept: BTreeMap::new(),
    };
    let fallback = first_value(&prepared.checked, &param.name).unwrap_or_default();
    let mut found = Vec::new();
    let mut left_out = 0;
    for q in questions {
        if !matches!(q.status, Status::Met | Status::NotMet) {
            left_out += 1;
            continue;
        }
        let center = q.now.unwrap_or(fallback);
        let mut kept = Ok(());
        for x in trial_points(center, param.ty).unwrap_or_default() {
            kept = kept.and_then(|()| trials.keep(x));
        }
        let finding = match kept {
            Ok(()) => solve(&trials, center, q),
            Err(reason) => Finding::NotFound { reason },
        };
        found.push(BreakEven {
            pledge: q.pledge,
            requirement: q.requirement_id.clone(),
            country: q.country_code.clone(),
            year: q.year,
            status: q.status,
            now: q.now,
            finding,
        });
    }
    (found, left_out)
}

/// The whole-year window tried around a year parameter's value.
fn year_window(center: i64) -> (i64, i64) {
    (
        (center - YEAR_WINDOW).max(1),
        (center + YEAR_WINDOW).min(9999),
    )
}

fn as_year(value: Decimal) -> Option<i64> {
    if value.fract().is_zero() {
        value.to_i64()
    } else {
        None
    }
}

/// Break-even values of a year parameter: for every ally, year and
/// requirement, the nearest whole years at which the status changes.
fn year_break_even(
    prepared: &Prepared,
    param: &ParamInfo,
    questions: &[Question],
) -> Result<(Vec<BreakEven>, usize), Vec<Problem>> {
    let fallback = first_value(&prepared.checked, &param.name)
        .and_then(as_year)
        .unwrap_or(2035);
    let center_of = |q: &Question| q.now.and_then(as_year).unwrap_or(fallback);
    let mut values = BTreeSet::new();
    for q in questions {
        let (low, high) = year_window(center_of(q));
        values.extend(low..=high);
    }
    let mut programs: Vec<(i64, Checked)> = Vec::new();
    for &value in &values {
        let checked = with_value(&prepared.checked, param, Decimal::from(value))?;
        programs.push((value, checked));
    }
    let pledge_count = prepared.checked.pledges().len();
    let engines: Vec<(i64, Vec<Option<Engine<'_>>>)> = programs
        .iter()
        .map(|(value, checked)| {
            (
                *value,
                (0..pledge_count)
                    .map(|i| {
                        Engine::for_pledge(checked, i, &prepared.dataset).map(Engine::amounts_only)
                    })
                    .collect(),
            )
        })
        .collect();
    let mut found = Vec::new();
    let mut left_out = 0;
    for q in questions {
        let center = center_of(q);
        let (low, high) = year_window(center);
        let mut statuses = BTreeMap::new();
        for (value, engines) in &engines {
            if *value < low || *value > high {
                continue;
            }
            if let Some(Some(engine)) = engines.get(q.pledge) {
                let evaluated = requirement::evaluate(engine, q.requirement, q.country, q.year);
                statuses.insert(*value, evaluated.status);
            }
        }
        let now = statuses.get(&center).copied().unwrap_or(q.status);
        let later = scan_run(&statuses, now, center, high);
        let earlier = scan_run(&statuses, now, center, low);
        if later.is_none() && earlier.is_none() && !matches!(q.status, Status::Met | Status::NotMet)
        {
            left_out += 1;
            continue;
        }
        found.push(BreakEven {
            pledge: q.pledge,
            requirement: q.requirement_id.clone(),
            country: q.country_code.clone(),
            year: q.year,
            status: q.status,
            now: q.now,
            finding: Finding::Scan {
                low,
                high,
                later,
                earlier,
            },
        });
    }
    Ok((found, left_out))
}

/// "XWA meets core_floor in 2035", "core_floor is not yet due for XWA in 2035".
fn outcome_clause(status: Status, requirement: &str, country: &str, year: i32) -> String {
    match status {
        Status::Met => format!("{country} meets {requirement} in {year}"),
        Status::NotMet => format!("{country} does not meet {requirement} in {year}"),
        Status::NotYetDue => format!("{requirement} is not yet due for {country} in {year}"),
        Status::NotApplicable => format!("{requirement} does not apply to {country} in {year}"),
        Status::NoData => format!("{requirement} has no data for {country} in {year}"),
    }
}

impl BreakEven {
    /// The finding in one sentence for negotiators.
    fn sentence(&self, param: &ParamInfo) -> String {
        let name = &param.name;
        let now = match self.now {
            Some(v) => format!("now {}", written(v, param.ty)),
            None => "now without a value".to_string(),
        };
        let country = &self.country;
        let requirement = &self.requirement;
        let year = self.year;
        match &self.finding {
            Finding::Flip {
                value,
                exact: _,
                linear,
                side,
            } => {
                let v = shown(*value, param.ty);
                let condition = match side {
                    Side::AtMost => format!("is at most {v}"),
                    Side::Below => format!("is below {v}"),
                    Side::AtLeast => format!("is at least {v}"),
                    Side::Above => format!("is above {v}"),
                    Side::OnlyAt => format!("is exactly {v}"),
                    Side::ExceptAt => format!("is not {v}"),
                };
                let note = if *linear {
                    String::new()
                } else {
                    format!("; found by trial: the margin does not move in proportion to {name}")
                };
                format!(
                    "{country} meets {requirement} in {year} if {name} {condition} ({now}{note})"
                )
            }
            Finding::NoEffect => format!(
                "{}; {name} makes no difference ({now})",
                outcome_clause(self.status, requirement, country, year)
            ),
            Finding::NotFound { reason } => format!(
                "{}; no value of {name} was found at which this changes: {reason} ({now})",
                outcome_clause(self.status, requirement, country, year)
            ),
            Finding::Scan {
                low,
                high,
                later,
                earlier,
            } => {
                let mut parts = Vec::new();
                let runs = [(later, true), (earlier, false)];
                for (run, is_later) in runs
                    .iter()
                    .filter_map(|(run, is_later)| run.as_ref().map(|r| (r, *is_later)))
                {
                    let span = if run.open_ended {
                        if is_later {
                            format!("{} or later", run.from)
                        } else {
                            format!("{} or earlier", run.to)
                        }
                    } else if run.from == run.to {
                        format!("{}", run.from)
                    } else {
                        format!("{} to {}", run.from, run.to)
                    };
                    parts.push(format!(
                        "{} if {name} is {span}",
                        outcome_clause(run.status, requirement, country, year)
                    ));
                }
                if parts.is_empty() {
                    format!(
                        "{} for every {name} from {low} to {high} ({now})",
                        outcome_clause(self.status, requirement, country, year)
                    )
                } else {
                    format!(
                        "{} ({now}, where it is {})",
                        parts.join("; "),
                        status_words(self.status)
                    )
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// distance: the command
// ---------------------------------------------------------------------------

/// `pledge distance FILE [--country ...] [--year|--years] [--param name]`.
pub fn run_distance(args: &DistanceArgs, out: &mut Output) -> ExitCode {
    let Some(prepared) = prepare(&args.file, &args.data, out) else {
        return ExitCode::from(1);
    };
    let years = match year_range(&args.selection) {
        Ok(y) => y,
        Err(problem) => return fail(out, &[problem]),
    };
    let param = match &args.param {
        None => None,
        Some(text) if text.contains('=') => {
            return fail(
                out,
                &[Problem::bare(WhatIfError::Malformed {
                    form: "name".to_string(),
                    text: text.clone(),
                    help: format!(
                        "`distance --param` takes the name of a parameter only, such as `--param {}`; it finds the values itself",
                        text.split_once('=').map_or("core_floor", |(n, _)| n.trim())
                    ),
                })],
            )
        }
        Some(text) => match find_param(&prepared.checked, text.trim()) {
            Ok(p) => Some(p),
            Err(problem) => return fail(out, &[problem]),
        },
    };
    let options = Options {
        years,
        countries: args.selection.countries.clone(),
    };
    let outcomes = match eval::evaluate_on_amounts(
        &prepared.checked,
        &prepared.dataset,
        &prepared.workspace.sources,
        &options,
    ) {
        Ok(o) => o,
        Err(problems) => return fail(out, &problems),
    };
    let shortfalls = shortfalls(&prepared.checked, &outcomes);
    let break_even = match &param {
        None => None,
        Some(param) => {
            let questions = questions(&prepared, &outcomes, param);
            let found = if param.year {
                match year_break_even(&prepared, param, &questions) {
                    Ok(found) => found,
                    Err(problems) => return fail(out, &problems),
                }
            } else {
                linear_break_even(&prepared, param, &questions)
            };
            Some((param.clone(), found.0, found.1))
        }
    };
    let extra = args
        .param
        .as_ref()
        .map_or(String::new(), |p| format!("--param {p}"));
    let stamp = stamp_with(&prepared, &extra);
    let distance = Distance {
        rules: args.file.display().to_string(),
        prepared: &prepared,
        outcomes: &outcomes,
        shortfalls: &shortfalls,
        break_even: break_even.as_ref(),
        stamp: &stamp,
    };
    let text = match args.format {
        Format::Table => distance.text(false),
        Format::Markdown => distance.text(true),
        Format::Json | Format::Xlsx => distance.json(),
        Format::Csv => distance.csv(),
    };
    out.stdout.push_str(&text);
    ExitCode::SUCCESS
}

struct Distance<'a> {
    rules: String,
    prepared: &'a Prepared,
    outcomes: &'a [PledgeOutcome],
    shortfalls: &'a [Shortfall],
    break_even: Option<&'a (ParamInfo, Vec<BreakEven>, usize)>,
    stamp: &'a Stamp,
}

/// How to read "needed" and "or move within" when the compared category is
/// part of the base of its threshold.
fn growth_note(growth: &crate::eval::requirement::BaseGrowth, unit: &str) -> String {
    let share = written(growth.share, Type::Ratio);
    let rest = written(Decimal::ONE - growth.share, Type::Ratio);
    let (part, base) = (&growth.part, &growth.base);
    let moved = format!(
        "\"or move within {base}\" is the other way to meet it: move that amount from the rest of {base} into {part} (out of it, for an upper limit), and {base} stays as it is; it equals the shortfall."
    );
    if growth.to_add.is_none() {
        return format!(
            "{part} is part of {base}: spending added to {part} is added to {base} too, so with a share of {share} no amount added to {part} alone meets it. {moved} Amounts are in {unit}; the points are points of {base}."
        );
    }
    format!(
        "{part} is part of {base}: spending added to {part} is added to {base} too, which raises the threshold, {share} of {base}. \"needed\" is what to add to {part}: the shortfall ÷ {rest} (that is, 1 − {share}). {moved} Amounts are in {unit}; the points are points of {base}."
    )
}

/// "points of GDP", or of the base of `x% of base`.
fn points_header(basis: &str) -> String {
    match basis {
        "" | "gdp" => "points of GDP".to_string(),
        "points of the share" => "points".to_string(),
        other => format!("points of {other}"),
    }
}

impl Distance<'_> {
    fn data(&self) -> &Dataset {
        &self.prepared.dataset
    }

    fn shortfall_cells(s: &Shortfall) -> (String, String) {
        let direction = if s.cut { "less" } else { "more" };
        let points = s.points().map(|p| figure(p, 2, 4));
        let needed = match s.result.unit {
            "money" => match s.needed() {
                Some(needed) => format!("{} {direction}", figure(needed, 1, 2)),
                None => "not by adding alone".to_string(),
            },
            "ratio" => match &points {
                Some(p) => format!("{p} points {direction}"),
                None => String::new(),
            },
            _ => format!("{} {direction}", figure(s.amount(), 0, 4)),
        };
        (needed, points.unwrap_or_else(|| "—".to_string()))
    }

    fn text(&self, markdown: bool) -> String {
        let h = Heading { markdown };
        let data = self.data();
        let mut out = String::new();
        for (pledge_index, (program, outcome)) in self
            .prepared
            .checked
            .pledges()
            .iter()
            .zip(self.outcomes)
            .enumerate()
        {
            out.push_str(&h.title(&format!("{} — distance to the pledge", program.name), 0));
            out.push_str(&h.paragraph(&format!(
                "Data: {} ({}); amounts in {}.",
                data.manifest.name, data.manifest.edition, data.manifest.money_unit
            )));
            out.push_str(&h.paragraph(&format!(
                "For every ally, year and requirement not met: the additional spending meeting it needs (\"needed\", in {}) and the shortfall in percentage points of GDP (or of the amount a share is asked of), the largest first. Figures are exact; ≈ marks a rounded one.",
                data.manifest.money_unit
            )));
            if !markdown {
                out.push('\n');
            }
            for requirement in &program.requirements {
                let rule = outcome
                    .results
                    .iter()
                    .find(|r| r.requirement == requirement.id && !r.rule.is_empty())
                    .map_or(String::new(), |r| r.rule.clone());
                out.push_str(&h.title(&format!("{}: {rule}", requirement.id), 1));
                let these: Vec<&Shortfall> = self
                    .shortfalls
                    .iter()
                    .filter(|s| s.pledge == pledge_index && s.result.requirement == requirement.id)
                    .collect();
                if these.is_empty() {
                    out.push_str(&h.paragraph(&format!(
                        "No ally falls short of {} in the years evaluated.",
                        requirement.id
                    )));
                    if !markdown {
                        out.push('\n');
                    }
                    continue;
                }
                let basis = these
                    .iter()
                    .find(|s| !s.result.margin_basis.is_empty())
                    .map_or("gdp", |s| s.result.margin_basis.as_str());
                let growth = these.iter().find_map(|s| s.result.base_growth.clone());
                let mut header = vec![
                    "ally".to_string(),
                    "year".to_string(),
                    "needed".to_string(),
                    points_header(basis),
                ];
                if let Some(growth) = &growth {
                    header.push(format!("or move within {}", growth.base));
                }
                let rows = these
                    .iter()
                    .map(|s| {
                        let (needed, points) = Self::shortfall_cells(s);
                        let mut row = vec![
                            s.result.country.clone(),
                            s.result.year.to_string(),
                            needed,
                            points,
                        ];
                        if growth.is_some() {
                            row.push(
                                s.shift()
                                    .map_or_else(|| "—".to_string(), |m| figure(m, 1, 2)),
                            );
                        }
                        row
                    })
                    .collect();
                out.push_str(&h.grid(&Grid { header, rows }));
                if let Some(growth) = &growth {
                    out.push_str(&h.paragraph(&growth_note(growth, &data.manifest.money_unit)));
                }
                if these.iter().any(|s| s.cut) {
                    out.push_str(&h.paragraph(&format!(
                        "{} is an upper limit: \"less\" is the spending above the limit.",
                        requirement.id
                    )));
                }
                let count = these.len();
                out.push_str(&h.paragraph(&format!(
                    "{count} {} short of {}.",
                    if count == 1 {
                        "ally-year falls"
                    } else {
                        "ally-years fall"
                    },
                    requirement.id
                )));
                if !markdown {
                    out.push('\n');
                }
            }
            if let Some((param, found, left_out)) = self.break_even {
                if program.param_index(&param.name).is_none() {
                    out.push_str(&h.paragraph(&format!(
                        "The pledge has no parameter `{}`: no break-even values.",
                        param.name
                    )));
                    out.push('\n');
                    continue;
                }
                out.push_str(&h.title(&format!("Break-even values of {}", param.name), 1));
                let how = if param.year {
                    format!(
                        "{} is read as a year: every whole year from {} before to {} after its value was tried, and the nearest years at which an outcome changes are given.",
                        param.name, YEAR_WINDOW, YEAR_WINDOW
                    )
                } else {
                    format!(
                        "The value of {} at which each outcome flips, solved exactly from the margin and checked by evaluating at the solution.",
                        param.name
                    )
                };
                out.push_str(&h.paragraph(&how));
                if !markdown {
                    out.push('\n');
                }
                for requirement in &program.requirements {
                    let these: Vec<&BreakEven> = found
                        .iter()
                        .filter(|b| b.pledge == pledge_index && b.requirement == requirement.id)
                        .collect();
                    if these.is_empty() {
                        continue;
                    }
                    out.push_str(&h.paragraph(&format!("{}:", requirement.id)));
                    for b in these {
                        let line = if markdown {
                            b.sentence(param)
                        } else {
                            format!("  {}", b.sentence(param))
                        };
                        out.push_str(&h.item(&line));
                    }
                    out.push('\n');
                }
                if *left_out > 0 {
                    let what = if param.year {
                        "whose outcome is neither met nor not met and does not change"
                    } else {
                        "whose outcome is not yet due, not applicable or without data"
                    };
                    out.push_str(&h.paragraph(&format!(
                        "{left_out} ally-year-requirement(s) {what} are left out."
                    )));
                    out.push('\n');
                }
            }
        }
        out.push_str(&format!("{}\n", self.stamp.line()));
        out
    }

    fn break_even_json(param: &ParamInfo, b: &BreakEven, pledge: &str) -> BreakEvenJson {
        let mut json = BreakEvenJson {
            pledge: pledge.to_string(),
            requirement: b.requirement.clone(),
            country: b.country.clone(),
            year: b.year,
            status: b.status,
            now: exact_opt(b.now),
            finding: "",
            break_even: None,
            exact: None,
            linear: None,
            meets_when: None,
            later: None,
            earlier: None,
            tried: None,
            reason: None,
            text: b.sentence(param),
        };
        match &b.finding {
            Finding::Flip {
                value,
                exact,
                linear,
                side,
            } => {
                json.finding = "flip";
                json.break_even = Some(self::exact(*value));
                json.exact = Some(*exact);
                json.linear = Some(*linear);
                json.meets_when = Some(*side);
            }
            Finding::NoEffect => json.finding = "no_effect",
            Finding::NotFound { reason } => {
                json.finding = "not_found";
                json.reason = Some(reason.clone());
            }
            Finding::Scan {
                low,
                high,
                later,
                earlier,
                ..
            } => {
                json.finding = "scan";
                json.later = *later;
                json.earlier = *earlier;
                json.tried = Some([*low, *high]);
            }
        }
        json
    }

    fn json(&self) -> String {
        #[derive(Serialize)]
        struct ShortfallJson {
            pledge: String,
            requirement: String,
            country: String,
            year: i32,
            rule: String,
            unit: &'static str,
            shortfall: String,
            needed: Option<String>,
            shift: Option<String>,
            shift_within: Option<String>,
            shortfall_pp: Option<String>,
            margin_basis: String,
            direction: &'static str,
        }
        #[derive(Serialize)]
        struct ParamJson {
            name: String,
            unit: &'static str,
            year: bool,
        }
        #[derive(Serialize)]
        struct Document<'a> {
            rules: String,
            dataset: JsonDataset<'a>,
            stamp: &'a Stamp,
            years: Vec<i32>,
            countries: Vec<String>,
            shortfalls: Vec<ShortfallJson>,
            parameter: Option<ParamJson>,
            break_even: Vec<BreakEvenJson>,
        }
        let names: Vec<&str> = self
            .prepared
            .checked
            .pledges()
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        let document = Document {
            rules: self.rules.clone(),
            dataset: json_dataset(self.data()),
            stamp: self.stamp,
            years: self
                .outcomes
                .first()
                .map_or(Vec::new(), |o| o.years.clone()),
            countries: self
                .outcomes
                .first()
                .map_or(Vec::new(), |o| o.countries.clone()),
            shortfalls: self
                .shortfalls
                .iter()
                .map(|s| ShortfallJson {
                    pledge: s.result.pledge.clone(),
                    requirement: s.result.requirement.clone(),
                    country: s.result.country.clone(),
                    year: s.result.year,
                    rule: s.result.rule.clone(),
                    unit: s.result.unit,
                    shortfall: exact(s.amount()),
                    needed: exact_opt(s.needed()),
                    shift: exact_opt(s.shift()),
                    shift_within: s.result.base_growth.as_ref().map(|g| g.base.clone()),
                    shortfall_pp: exact_opt(s.points()),
                    margin_basis: s.result.margin_basis.clone(),
                    direction: if s.cut { "less" } else { "more" },
                })
                .collect(),
            parameter: self.break_even.map(|(p, _, _)| ParamJson {
                name: p.name.clone(),
                unit: crate::eval::outcome::unit_name(p.ty),
                year: p.year,
            }),
            break_even: self.break_even.map_or(Vec::new(), |(param, found, _)| {
                found
                    .iter()
                    .map(|b| {
                        Self::break_even_json(
                            param,
                            b,
                            names.get(b.pledge).copied().unwrap_or_default(),
                        )
                    })
                    .collect()
            }),
        };
        let mut text = serde_json::to_string_pretty(&document)
            .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        text.push('\n');
        text
    }

    fn csv(&self) -> String {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let _ = writer.write_record([
            "pledge",
            "requirement",
            "country",
            "year",
            "status",
            "shortfall",
            "needed",
            "shift",
            "shift_within",
            "shortfall_pp",
            "margin_basis",
            "unit",
            "direction",
            "parameter",
            "now",
            "break_even",
            "break_even_exact",
            "meets_when",
            "later_from",
            "later_status",
            "earlier_to",
            "earlier_status",
            "text",
        ]);
        let names: Vec<&str> = self
            .prepared
            .checked
            .pledges()
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        let blank = || String::new();
        for s in self.shortfalls {
            let r = &s.result;
            let matching = self.break_even.and_then(|(param, found, _)| {
                found
                    .iter()
                    .find(|b| {
                        b.pledge == s.pledge
                            && b.requirement == r.requirement
                            && b.country == r.country
                            && b.year == r.year
                    })
                    .map(|b| (param, b))
            });
            let mut row = vec![
                r.pledge.clone(),
                r.requirement.clone(),
                r.country.clone(),
                r.year.to_string(),
                r.status.word().to_string(),
                exact(s.amount()),
                exact_opt(s.needed()).unwrap_or_default(),
                exact_opt(s.shift()).unwrap_or_default(),
                s.result
                    .base_growth
                    .as_ref()
                    .map_or_else(String::new, |g| g.base.clone()),
                exact_opt(s.points()).unwrap_or_default(),
                r.margin_basis.clone(),
                r.unit.to_string(),
                if s.cut { "less" } else { "more" }.to_string(),
            ];
            row.extend(match matching {
                Some((param, b)) => Self::break_even_cells(param, b),
                None => (0..10).map(|_| blank()).collect(),
            });
            let _ = writer.write_record(&row);
        }
        if let Some((param, found, _)) = self.break_even {
            for b in found.iter().filter(|b| {
                !self.shortfalls.iter().any(|s| {
                    s.pledge == b.pledge
                        && s.result.requirement == b.requirement
                        && s.result.country == b.country
                        && s.result.year == b.year
                })
            }) {
                let mut row = vec![
                    names.get(b.pledge).copied().unwrap_or_default().to_string(),
                    b.requirement.clone(),
                    b.country.clone(),
                    b.year.to_string(),
                    b.status.word().to_string(),
                ];
                row.extend((0..8).map(|_| blank()));
                row.extend(Self::break_even_cells(param, b));
                let _ = writer.write_record(&row);
            }
        }
        let body = writer
            .into_inner()
            .map(|bytes| String::from_utf8_lossy(&bytes).to_string())
            .unwrap_or_default();
        format!("{}{body}", self.stamp.csv_comment())
    }

    /// parameter, now, break_even, break_even_exact, meets_when,
    /// later_from, later_status, earlier_to, earlier_status, text.
    fn break_even_cells(param: &ParamInfo, b: &BreakEven) -> Vec<String> {
        let mut cells = vec![param.name.clone(), exact_opt(b.now).unwrap_or_default()];
        let side_word = |side: Side| match side {
            Side::AtMost => "at_most",
            Side::Below => "below",
            Side::AtLeast => "at_least",
            Side::Above => "above",
            Side::OnlyAt => "only_at",
            Side::ExceptAt => "except_at",
        };
        match &b.finding {
            Finding::Flip {
                value, exact, side, ..
            } => cells.extend([
                self::exact(*value),
                exact.to_string(),
                side_word(*side).to_string(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ]),
            Finding::Scan { later, earlier, .. } => cells.extend([
                String::new(),
                String::new(),
                String::new(),
                later.map_or(String::new(), |r| r.from.to_string()),
                later.map_or(String::new(), |r| r.status.word().to_string()),
                earlier.map_or(String::new(), |r| r.to.to_string()),
                earlier.map_or(String::new(), |r| r.status.word().to_string()),
            ]),
            Finding::NoEffect | Finding::NotFound { .. } => {
                cells.extend((0..7).map(|_| String::new()))
            }
        }
        cells.push(b.sentence(param));
        cells
    }
}

#[derive(Serialize)]
struct BreakEvenJson {
    pledge: String,
    requirement: String,
    country: String,
    year: i32,
    status: Status,
    now: Option<String>,
    /// `flip`, `no_effect`, `not_found` or `scan`.
    finding: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    break_even: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    exact: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    linear: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    meets_when: Option<Side>,
    #[serde(skip_serializing_if = "Option::is_none")]
    later: Option<Run>,
    #[serde(skip_serializing_if = "Option::is_none")]
    earlier: Option<Run>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tried: Option<[i64; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    text: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap_or_default()
    }

    #[test]
    fn values_are_written_as_in_a_rule_file() {
        assert_eq!(written(d("0.0325"), Type::Ratio), "3.25%");
        assert_eq!(written(d("0.030"), Type::Ratio), "3%");
        assert_eq!(written(d("500.0"), Type::Money), "money(500)");
        assert_eq!(written(d("2035"), Type::Number), "2035");
    }

    #[test]
    fn figures_are_exact_or_marked() {
        assert_eq!(figure(d("500"), 1, 2), "500.0");
        assert_eq!(figure(d("168.75"), 1, 2), "168.75");
        assert_eq!(figure(d("1234567.5"), 1, 2), "1,234,567.5");
        assert_eq!(figure(d("0.123456"), 2, 4), "≈0.1235");
        assert_eq!(shown(d("0.03"), Type::Ratio), "3.00%");
        assert_eq!(shown(d("0.037"), Type::Ratio), "3.70%");
        assert_eq!(shown(d("0.0316666"), Type::Ratio), "about 3.1667%");
    }

    #[test]
    fn years_are_read_from_decimals() {
        assert_eq!(as_year(d("2035")), Some(2035));
        assert_eq!(as_year(d("2035.0")), Some(2035));
        assert_eq!(as_year(d("2035.5")), None);
    }

    #[test]
    fn the_line_through_two_points_has_an_exact_root() {
        // margin(p) = 3000 − p × 100000: −500 at 3.5%, −1500 at 4.5%.
        let root = secant((d("0.035"), d("-500")), (d("0.045"), d("-1500")));
        assert_eq!(root, Some(d("0.03")));
        assert_eq!(secant((d("1"), d("2")), (d("3"), d("2"))), None);
    }

    #[test]
    fn scans_find_the_nearest_change_each_way() {
        let statuses: BTreeMap<i64, Status> = (2030..=2045)
            .map(|y| {
                let s = if y >= 2040 {
                    Status::Met
                } else {
                    Status::NotMet
                };
                (y, s)
            })
            .collect();
        let later = scan_run(&statuses, Status::NotMet, 2035, 2045);
        assert_eq!(
            later.map(|r| (r.from, r.to, r.status, r.open_ended)),
            Some((2040, 2045, Status::Met, true))
        );
        assert!(scan_run(&statuses, Status::NotMet, 2035, 2030).is_none());
    }
}
