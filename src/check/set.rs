//! `--set name=value` and the typed `set_param`: a checked program with one
//! parameter replaced by a single value for every country and year.

use rust_decimal::Decimal;

use super::{params, unknown_help, Checker};
use crate::diagnostics::Problem;
use crate::program::{Checked, DatedValue, Program, Type};
use crate::source::{Sources, Span};
use crate::workspace::Workspace;

/// Errors of `--set name=value`.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum SetError {
    #[error("`--set` needs `name=value`, not `{text}`")]
    #[diagnostic(
        code(pledge::set::malformed),
        help("for example `--set core_floor=3%` or `--set deadline=2032`")
    )]
    Malformed { text: String },
    #[error("no pledge in this file has a parameter `{name}`")]
    #[diagnostic(code(pledge::set::unknown_param), help("{help}"))]
    UnknownParam { name: String, help: String },
    #[error("`{name}` holds {expected}, but `{value}` is {found}")]
    #[diagnostic(code(pledge::set::wrong_type), help("{help}"))]
    WrongType {
        name: String,
        value: String,
        expected: String,
        found: String,
        help: String,
    },
}

/// One problem of `--set`, typed, with the value's text where it points
/// into it.
#[derive(Debug)]
pub enum SetProblem {
    Set(SetError),
    /// The value does not parse (`text`: the value as written).
    Syntax {
        error: crate::parse::SyntaxError,
        text: String,
    },
    /// The value is not a constant (`text`: the value as written).
    Value {
        error: super::CheckError,
        text: String,
    },
}

impl SetProblem {
    /// The problem as a rendered report over the value's text.
    pub fn into_problem(self) -> Problem {
        let value_source = |text: &str| {
            let mut sources = Sources::new();
            let file = sources.add("--set", text);
            (sources, file)
        };
        match self {
            SetProblem::Set(error) => Problem::bare(error),
            SetProblem::Syntax { error, text } => {
                let (sources, file) = value_source(&text);
                Problem::new(error, &sources, file)
            }
            SetProblem::Value { error, text } => {
                let (sources, _) = value_source(&text);
                let file = super::error_file(&error);
                Problem::new(error, &sources, file)
            }
        }
    }
}

/// `--set` problems as rendered reports (see `SetProblem::into_problem`).
pub fn set_problems(problems: Vec<SetProblem>) -> Vec<Problem> {
    problems.into_iter().map(SetProblem::into_problem).collect()
}

/// Applies `--set name=value` overrides to every pledge that has the
/// parameter. The value replaces all of the parameter's values, for every
/// country and year.
pub fn apply_sets(checked: &Checked, sets: &[String]) -> Result<Checked, Vec<SetProblem>> {
    let mut pledges = checked.pledges().to_vec();
    let mut problems = Vec::new();
    for set in sets {
        let Some((name, value_text)) = set.split_once('=') else {
            problems.push(SetProblem::Set(SetError::Malformed { text: set.clone() }));
            continue;
        };
        let name = name.trim();
        let mut sources = Sources::new();
        let file = sources.add("--set", value_text.trim());
        let expr = match crate::parse::parse_expression(value_text.trim(), file) {
            Ok(expr) => expr,
            Err(error) => {
                problems.push(SetProblem::Syntax {
                    error,
                    text: value_text.trim().to_string(),
                });
                continue;
            }
        };
        let workspace = Workspace {
            sources: sources.clone(),
            files: Vec::new(),
        };
        let mut checker = Checker {
            workspace: &workspace,
            schema: None,
            diagnostics: Vec::new(),
        };
        let constant = params::constant(&mut checker, &expr);
        problems.extend(
            checker
                .diagnostics
                .into_iter()
                .map(|error| SetProblem::Value {
                    error,
                    text: value_text.trim().to_string(),
                }),
        );
        let Some((value, ty)) = constant else {
            continue;
        };
        let written = value_text.trim();
        let found = match assign(&mut pledges, name, value, ty, written, expr.span) {
            Ok(found) => found,
            Err(error) => {
                problems.push(SetProblem::Set(error));
                true
            }
        };
        if !found {
            let names: Vec<String> = pledges
                .iter()
                .flat_map(|p| p.params.iter().map(|q| q.name.clone()))
                .collect();
            problems.push(SetProblem::Set(SetError::UnknownParam {
                name: name.to_string(),
                help: unknown_help(name, &names, "`--set` changes a `param` of the rule file"),
            }));
        }
    }
    if problems.is_empty() {
        Ok(Checked::new(pledges))
    } else {
        Err(problems)
    }
}

/// Replaces the parameter `name` of every pledge that has it by `value`
/// (of type `ty`), as `--set name=VALUE` with `VALUE` written as `written`
/// does. Returns whether any pledge has the parameter.
fn assign(
    pledges: &mut [Program],
    name: &str,
    value: Decimal,
    ty: Type,
    written: &str,
    span: Span,
) -> Result<bool, SetError> {
    let mut found = false;
    for program in pledges {
        let Some(param) = program.params.iter_mut().find(|p| p.name == name) else {
            continue;
        };
        found = true;
        let fractional_year = param.used_as_year && !value.fract().is_zero();
        let year_out_of_range =
            param.used_as_year && (value < Decimal::ONE || value > Decimal::from(9999));
        if param.ty != ty || fractional_year || year_out_of_range {
            let example = match param.ty {
                Type::Ratio => "a percentage such as `3%`",
                Type::Money => "an amount such as `money(500)`",
                _ => "a plain number such as `2032`",
            };
            let (expected, found) = if fractional_year {
                ("a year".to_string(), "not a whole number".to_string())
            } else if year_out_of_range {
                (
                    "a year from 1 to 9999".to_string(),
                    "a year outside that range".to_string(),
                )
            } else {
                (param.ty.describe().to_string(), ty.describe().to_string())
            };
            return Err(SetError::WrongType {
                name: name.to_string(),
                value: written.to_string(),
                expected,
                found,
                help: format!("write {example}"),
            });
        }
        param.values = vec![DatedValue {
            value,
            from: None,
            until: None,
            source: Some(format!("--set {name}={written}")),
            span,
        }];
        param.overrides.clear();
        param.from_command_line = true;
    }
    Ok(found)
}

/// The program with the parameter `name` set to `value` in every pledge
/// that has it: the typed form of `--set name=VALUE`, where `written` is the
/// value as a rule file writes it (for traces). Used by `sweep` and
/// `distance`, so that no value is printed and parsed again.
pub fn set_param(
    checked: &Checked,
    name: &str,
    value: Decimal,
    ty: Type,
    written: &str,
) -> Result<Checked, Vec<SetProblem>> {
    let mut pledges = checked.pledges().to_vec();
    let mut sources = Sources::new();
    let file = sources.add("--set", written);
    let span = Span::new(file, 0, written.len());
    match assign(&mut pledges, name, value.normalize(), ty, written, span) {
        Ok(true) => Ok(Checked::new(pledges)),
        Ok(false) => {
            let names: Vec<String> = pledges
                .iter()
                .flat_map(|p| p.params.iter().map(|q| q.name.clone()))
                .collect();
            Err(vec![SetProblem::Set(SetError::UnknownParam {
                name: name.to_string(),
                help: unknown_help(name, &names, "`--set` changes a `param` of the rule file"),
            })])
        }
        Err(error) => Err(vec![SetProblem::Set(error)]),
    }
}
