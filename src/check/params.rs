//! Parameters: constant values, dated values, year parameters and overlapping years.

use rust_decimal::Decimal;

use super::{unknown_help, CheckError, Checker};
use crate::ast::{self, ExprKind, YearRef};
use crate::program::*;

use super::lower::*;

/// Constant values of a parameter, with their types.
pub(crate) fn lower_values(
    checker: &mut Checker<'_>,
    values: &[ast::ParamValue],
) -> Vec<(DatedValue, Type)> {
    let mut out = Vec::new();
    for value in values {
        if let Some((number, ty)) = constant(checker, &value.value) {
            out.push((
                DatedValue {
                    value: number,
                    from: None,
                    until: None,
                    source: value.source.as_ref().map(|s| s.value.clone()),
                    span: value.value.span,
                },
                ty,
            ));
        }
    }
    out
}

/// Evaluates a constant expression (a parameter value or `--set`).
pub(crate) fn constant(checker: &mut Checker<'_>, expr: &ast::Expr) -> Option<(Decimal, Type)> {
    match constant_value(expr) {
        Ok(value) => Some(value),
        Err(found) => {
            checker.push(CheckError::ParamNotConstant {
                found,
                span: expr.span,
            });
            None
        }
    }
}

/// The value of a written-out number, percentage or `money(n)`, as a
/// `param` line, `--set` and `--param` hold it; otherwise what it is instead.
pub(crate) fn constant_value(expr: &ast::Expr) -> Result<(Decimal, Type), String> {
    match &expr.kind {
        ExprKind::Number(n) => Ok((*n, Type::Number)),
        ExprKind::Percent(p) => Ok((*p / Decimal::ONE_HUNDRED, Type::Ratio)),
        ExprKind::Neg(inner) => constant_value(inner).map(|(v, t)| (-v, t)),
        ExprKind::Call(name, args) if name.name == "money" && args.len() == 1 => {
            let Some(first) = args.first() else {
                return Err("`money()` without an amount".to_string());
            };
            let (value, ty) = constant_value(first)?;
            if ty != Type::Number {
                return Err("`money()` of something that is not a plain number".to_string());
            }
            Ok((value, Type::Money))
        }
        ExprKind::Name(name) => Err(format!("the name `{name}`")),
        ExprKind::Text(_) | ExprKind::Bool(_) => Err("a text or true/false".to_string()),
        ExprKind::Binary(..) | ExprKind::Call(..) | ExprKind::At(..) => {
            Err("a calculation".to_string())
        }
    }
}

pub(crate) fn lower_year_opt(
    checker: &mut Checker<'_>,
    env: &mut Env,
    params: &[Param],
    year: &Option<YearRef>,
) -> Option<YearSpec> {
    year.as_ref()
        .and_then(|y| lower_year(checker, env, params, y))
}

pub(crate) fn lower_year(
    checker: &mut Checker<'_>,
    env: &mut Env,
    params: &[Param],
    year: &YearRef,
) -> Option<YearSpec> {
    match year {
        YearRef::Literal { year, .. } => Some(YearSpec::Literal(*year)),
        YearRef::Param(name) => {
            let Some(&(index, _)) = env.params.get(&name.name) else {
                let names: Vec<String> = env.params.keys().cloned().collect();
                checker.push(CheckError::UnknownParam {
                    name: name.name.clone(),
                    help: unknown_help(
                        &name.name,
                        &names,
                        "a year is a number such as `2035` or a parameter holding one",
                    ),
                    span: name.span,
                });
                return None;
            };
            env.used_params.insert(index);
            env.year_params.insert(index);
            if env.poisoned.contains(&name.name) {
                return None;
            }
            let param = params.get(index.index())?;
            let all_values = param
                .values
                .iter()
                .chain(param.overrides.iter().flat_map(|(_, v)| v.iter()));
            for value in all_values {
                if param.ty != Type::Number || !value.value.fract().is_zero() {
                    checker.push(CheckError::NotAYear {
                        name: name.name.clone(),
                        value: describe_value(value.value, param.ty),
                        span: name.span,
                    });
                    return None;
                }
            }
            Some(YearSpec::Param(index))
        }
    }
}

/// A value as a negotiator would write it.
pub(crate) fn describe_value(value: Decimal, ty: Type) -> String {
    match ty {
        Type::Ratio => match value.checked_mul(Decimal::ONE_HUNDRED) {
            Some(percent) => format!("{}%", percent.normalize()),
            None => value.normalize().to_string(),
        },
        Type::Money => format!("money({})", value.normalize()),
        _ => value.normalize().to_string(),
    }
}

pub(crate) fn check_overlapping_values(checker: &mut Checker<'_>, param: &Param) {
    let lists = std::iter::once(&param.values).chain(param.overrides.iter().map(|(_, v)| v));
    for values in lists {
        for (i, a) in values.iter().enumerate() {
            for b in values.iter().skip(i + 1) {
                if let Some(years) = common_years(a, b) {
                    checker.push(CheckError::OverlappingValues {
                        name: param.name.clone(),
                        years,
                        span: b.span,
                    });
                }
            }
        }
    }
}

/// The years covered by both values, in words, when their ranges are literal.
pub(crate) fn common_years(a: &DatedValue, b: &DatedValue) -> Option<String> {
    let literal = |spec: &Option<YearSpec>| match spec {
        None => Some(None),
        Some(YearSpec::Literal(y)) => Some(Some(*y)),
        Some(YearSpec::Param(_)) => None,
    };
    let start = match (literal(&a.from)?, literal(&b.from)?) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    };
    let end = match (literal(&a.until)?, literal(&b.until)?) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    };
    match (start, end) {
        (Some(s), Some(e)) if s > e => None,
        (Some(s), Some(e)) if s == e => Some(s.to_string()),
        (Some(s), Some(e)) => Some(format!("{s}-{e}")),
        (Some(s), None) => Some(format!("every year from {s}")),
        (None, Some(e)) => Some(format!("every year until {e}")),
        (None, None) => Some("every year".to_string()),
    }
}
