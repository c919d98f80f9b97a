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

use rust_decimal::Decimal;

use crate::check;
use crate::data::Dataset;
use crate::program::{Checked, Type};
use crate::report::numbers;
use crate::source::Sources;

pub mod break_even;
pub mod distance;
pub mod sweep;

#[allow(unused_imports)]
use break_even::*;
#[allow(unused_imports)]
use distance::*;
#[allow(unused_imports)]
use sweep::*;

/// At most this many values in one sweep.
pub const MAX_VALUES: usize = 1000;

/// How many whole years on either side of a year parameter's current value
/// `distance --param` tries.
pub const YEAR_WINDOW: i64 = 30;

/// How many trial values the break-even search evaluates at most, beyond
/// the first three.
pub(crate) const MAX_TRIALS: usize = 60;

/// Decimal places kept in a computed break-even value (as stored: shares as
/// fractions). One unit of the last place is the step used to check a flip.
pub(crate) const SOLUTION_PLACES: u32 = 16;

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

/// One problem of a what-if run, typed: its own, a `--set` problem when a
/// value cannot be set, or an evaluation error.
#[derive(Debug)]
pub enum WhatIfProblem {
    WhatIf(WhatIfError),
    Set(Box<crate::check::SetProblem>),
    Eval(Box<crate::eval::EvalError>),
}

impl WhatIfProblem {
    /// The problem in one line.
    pub fn message(&self) -> String {
        match self {
            WhatIfProblem::WhatIf(error) => error.to_string(),
            WhatIfProblem::Set(problem) => match problem.as_ref() {
                crate::check::SetProblem::Set(error) => error.to_string(),
                crate::check::SetProblem::Syntax { error, .. } => error.to_string(),
                crate::check::SetProblem::Value { error, .. } => error.to_string(),
            },
            WhatIfProblem::Eval(error) => error.to_string(),
        }
    }

    /// The problem as a rendered report over the rule files' texts.
    pub fn into_problem(self, sources: &Sources) -> crate::diagnostics::Problem {
        match self {
            WhatIfProblem::WhatIf(error) => crate::diagnostics::Problem::bare(error),
            WhatIfProblem::Set(problem) => problem.into_problem(),
            WhatIfProblem::Eval(error) => (*error).into_problem(sources),
        }
    }
}

/// Evaluation errors as what-if problems.
pub(crate) fn eval_problems(errors: Vec<crate::eval::EvalError>) -> Vec<WhatIfProblem> {
    errors
        .into_iter()
        .map(|e| WhatIfProblem::Eval(Box::new(e)))
        .collect()
}

/// What-if problems as rendered reports (see `WhatIfProblem::into_problem`).
pub fn whatif_problems(
    problems: Vec<WhatIfProblem>,
    sources: &Sources,
) -> Vec<crate::diagnostics::Problem> {
    problems
        .into_iter()
        .map(|problem| problem.into_problem(sources))
        .collect()
}

// ---------------------------------------------------------------------------
// Parameters and values
// ---------------------------------------------------------------------------

/// The parameter a what-if run changes.
#[derive(Debug, Clone)]
pub(crate) struct ParamInfo {
    pub(crate) name: String,
    pub(crate) ty: Type,
    /// Read as a year somewhere (`from deadline`): only whole numbers.
    pub(crate) year: bool,
}

impl ParamInfo {
    pub(crate) fn example(&self) -> &'static str {
        if self.year {
            return "a year such as `2032`";
        }
        match self.ty {
            Type::Ratio => "a percentage such as `3%`",
            Type::Money => "an amount such as `money(500)`",
            _ => "a plain number such as `20`",
        }
    }

    pub(crate) fn expected(&self) -> String {
        if self.year {
            "a year".to_string()
        } else {
            self.ty.describe().to_string()
        }
    }

    pub(crate) fn range_example(&self) -> String {
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

pub(crate) fn param_names(checked: &Checked) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for param in checked.pledges().iter().flat_map(|p| p.params.iter()) {
        if !names.contains(&param.name) {
            names.push(param.name.clone());
        }
    }
    names
}

/// The parameter `distance --param` names: a name only, since `distance`
/// finds the values itself.
pub(crate) fn distance_param(checked: &Checked, text: &str) -> Result<ParamInfo, WhatIfProblem> {
    if let Some((name, _)) = text.split_once('=') {
        return Err(WhatIfProblem::WhatIf(WhatIfError::Malformed {
            form: "name".to_string(),
            text: text.to_string(),
            help: format!(
                "`distance --param` takes the name of a parameter only, such as `--param {}`; it finds the values itself",
                name.trim()
            ),
        }));
    }
    find_param(checked, text.trim())
}

pub(crate) fn find_param(checked: &Checked, name: &str) -> Result<ParamInfo, WhatIfProblem> {
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
        WhatIfProblem::WhatIf(WhatIfError::UnknownParam {
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
pub(crate) fn written(value: Decimal, ty: Type) -> String {
    check::describe_value(value, ty)
}

/// Reads one end or the step of a range, of the parameter's kind.
pub(crate) fn parse_value(text: &str, param: &ParamInfo) -> Result<Decimal, WhatIfProblem> {
    let trimmed = text.trim();
    let bad = |why: String| {
        WhatIfProblem::WhatIf(WhatIfError::BadValue {
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
        return Err(WhatIfProblem::WhatIf(WhatIfError::WrongType {
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
pub(crate) struct Range {
    pub(crate) param: ParamInfo,
    pub(crate) from: Decimal,
    pub(crate) to: Decimal,
    pub(crate) step: Decimal,
    pub(crate) values: Vec<Decimal>,
}

pub(crate) const RANGE_FORM: &str = "name=FROM..TO:STEP";

pub(crate) fn parse_range(checked: &Checked, text: &str) -> Result<Range, Vec<WhatIfProblem>> {
    let malformed = |help: String| {
        vec![WhatIfProblem::WhatIf(WhatIfError::Malformed {
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
        return Err(vec![WhatIfProblem::WhatIf(WhatIfError::BadStep {
            step: step_text.unwrap_or("1").trim().to_string(),
        })]);
    }
    if from > to {
        return Err(vec![WhatIfProblem::WhatIf(WhatIfError::Backwards {
            from: from_text.trim().to_string(),
            to: to_text.trim().to_string(),
        })]);
    }
    let too_many = |count: String| vec![WhatIfProblem::WhatIf(WhatIfError::TooManySteps { count })];
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
pub(crate) fn with_value(
    checked: &Checked,
    param: &ParamInfo,
    value: Decimal,
) -> Result<Checked, Vec<WhatIfProblem>> {
    check::set_param(
        checked,
        &param.name,
        value,
        param.ty,
        &written(value, param.ty),
    )
    .map_err(|problems| {
        problems
            .into_iter()
            .map(|p| WhatIfProblem::Set(Box::new(p)))
            .collect()
    })
}

// ---------------------------------------------------------------------------
// Values in words
// ---------------------------------------------------------------------------

/// The latest year in which the dataset has spending line items.
/// The latest year with spending line items for the most countries: a year
/// the source covers for a few countries only (NATO's 2025 estimates for
/// six allies) is not taken as the default.
pub(crate) fn latest_item_year(data: &Dataset) -> Option<i32> {
    let mut countries: std::collections::BTreeMap<i32, usize> = std::collections::BTreeMap::new();
    for &(_, year) in data.by_country_year.keys() {
        *countries.entry(year).or_default() += 1;
    }
    let Some(most) = countries.values().copied().max() else {
        return data.years().last().copied();
    };
    countries
        .iter()
        .rev()
        // Years with at least nine tenths of the best coverage.
        .find(|(_, &n)| n * 10 >= most * 9)
        .map(|(&year, _)| year)
        .or_else(|| data.years().last().copied())
}
/// `1,234.5`: thousands grouped, at least `min` decimals, at most `max`;
/// `≈` in front when the exact value needs more.
pub(crate) fn figure(value: Decimal, min: u32, max: u32) -> String {
    let normalized = value.normalize();
    let (places, about) = if normalized.scale() <= max {
        (normalized.scale().max(min), "")
    } else {
        (max, "≈")
    };
    format!(
        "{about}{}",
        numbers::group_thousands(&numbers::fixed(value, places))
    )
}

/// A parameter value for a sentence: shares as `3.00%` (at least two
/// decimals), amounts grouped, numbers plain; "about" when rounded.
pub(crate) fn shown(value: Decimal, ty: Type) -> String {
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

pub(crate) fn exact(value: Decimal) -> String {
    value.normalize().to_string()
}

pub(crate) fn exact_opt(value: Option<Decimal>) -> Option<String> {
    value.map(exact)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::outcome::Status;
    use std::collections::BTreeMap;
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
