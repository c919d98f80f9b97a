//! Example blocks into `program::Example`.

use rust_decimal::Decimal;

use super::{unknown_help, CheckError, Checker};
use crate::ast::{self};
use crate::print;
use crate::program::*;

use super::{conditions::*, lower::*, types::*};

pub(crate) fn lower_example(
    checker: &mut Checker<'_>,
    env: &mut Env,
    params: &[Param],
    example: &ast::ExampleDecl,
) -> Example {
    let mut country = "XXX".to_string();
    let mut year = 2035;
    let mut rows = Vec::new();
    let mut indicators = Vec::new();
    let mut expectations = Vec::new();
    for statement in &example.statements {
        match statement {
            ast::ExampleStatement::Country(code) => country = code.name.clone(),
            ast::ExampleStatement::Year { year: y, .. } => year = *y,
            ast::ExampleStatement::Indicator { name, value, .. } => {
                let value = match env.indicators.get(&name.name) {
                    Some(Type::Ratio) => *value / Decimal::ONE_HUNDRED,
                    Some(_) => *value,
                    None => {
                        let names: Vec<String> = env.indicators.keys().cloned().collect();
                        checker.push(CheckError::UnknownName {
                            name: name.name.clone(),
                            help: unknown_help(
                                &name.name,
                                &names,
                                "an example sets data series of the dataset",
                            ),
                            span: name.span,
                        });
                        continue;
                    }
                };
                indicators.push((year, name.name.clone(), value));
            }
            ast::ExampleStatement::Item {
                amount,
                fields,
                tags,
                span,
            } => {
                let mut lowered = Vec::new();
                for (field, value) in fields {
                    if let Some(literal) = lower_field_value(checker, field, value, false) {
                        lowered.push((field.name.clone(), literal));
                    }
                }
                let mut tag_names = Vec::new();
                for tag in tags {
                    if known_tag(checker, tag) {
                        tag_names.push(tag.name.clone());
                    }
                }
                rows.push(ExampleRow {
                    year,
                    amount: *amount,
                    fields: lowered,
                    tags: tag_names,
                    span: *span,
                });
            }
            ast::ExampleStatement::ExpectStatus {
                requirement,
                status,
                span,
            } => {
                let Some(&index) = env.requirements.get(&requirement.name) else {
                    let names: Vec<String> = env.requirements.keys().cloned().collect();
                    checker.push(CheckError::UnknownRequirement {
                        name: requirement.name.clone(),
                        help: unknown_help(
                            &requirement.name,
                            &names,
                            "`expect` names a requirement of this pledge",
                        ),
                        span: requirement.span,
                    });
                    continue;
                };
                // The grammar admits only the five outcome words.
                expectations.push(Expectation {
                    year,
                    kind: ExpectationKind::Status {
                        requirement: index,
                        status: status.name.clone(),
                    },
                    text: format!("{} {}", requirement.name, status.name),
                    span: *span,
                });
            }
            ast::ExampleStatement::ExpectCompare { .. } => {
                if let Some(expectation) =
                    compare_expectation(checker, env, params, year, statement)
                {
                    expectations.push(expectation);
                }
            }
        }
    }
    Example {
        name: example.name.value.clone(),
        span: example.name.span,
        country,
        rows,
        indicators,
        expectations,
    }
}

/// Two `country` lines (an example is about one country), and a `year`
/// line that sets nothing because the next `year` line follows it at once.
pub(crate) fn repeated_lines(checker: &mut Checker<'_>, example: &ast::ExampleDecl) {
    let mut country: Option<&ast::Ident> = None;
    let mut open_year: Option<(i32, crate::source::Span)> = None;
    for statement in &example.statements {
        match statement {
            ast::ExampleStatement::Country(code) => {
                if let Some(first) = country {
                    checker.push(CheckError::ExampleLineTwice {
                        message: format!(
                            "the example \"{}\" names two countries, `{}` and `{}`",
                            example.name.value, first.name, code.name
                        ),
                        help: format!(
                            "an example is about one country, and only its last `country` line \
                             counts: remove one, or write a second `example` for `{}`",
                            code.name
                        ),
                        label: "a second `country` line".to_string(),
                        span: code.span,
                        other: first.span,
                        other_label: "the first".to_string(),
                    });
                } else {
                    country = Some(code);
                }
            }
            ast::ExampleStatement::Year { year, span } => {
                if let Some((first, first_span)) = open_year {
                    checker.push(CheckError::ExampleLineTwice {
                        message: format!(
                            "the `year {first}` line of the example \"{}\" sets nothing",
                            example.name.value
                        ),
                        help: format!(
                            "the lines after `year {first}` are about {first}, up to the next \
                             `year` line; here `year {year}` follows at once: write the items, \
                             indicators and expectations of {first} after `year {first}`, or \
                             remove that line"
                        ),
                        label: "sets nothing".to_string(),
                        span: first_span,
                        other: *span,
                        other_label: format!("`year {year}` follows at once"),
                    });
                }
                open_year = Some((*year, *span));
            }
            _ => open_year = None,
        }
    }
}

/// An expectation that compares two expressions (`expect related == 25`),
/// typed; `None` after reporting why it cannot be.
fn compare_expectation(
    checker: &mut Checker<'_>,
    env: &mut Env,
    params: &[Param],
    year: i32,
    statement: &ast::ExampleStatement,
) -> Option<Expectation> {
    let ast::ExampleStatement::ExpectCompare {
        left,
        op,
        right,
        span,
    } = statement
    else {
        return None;
    };
    let l = type_expr(checker, env, params, left);
    let r = type_expr(checker, env, params, right);
    let (Some(mut l), Some(r)) = (l, r) else {
        return None;
    };
    // A plain number on either side takes the other side's unit, so
    // that `expect related == 25` reads naturally.
    let r = adopt_unit(r, l.ty);
    l = adopt_unit(l, r.ty);
    check_comparable(checker, &l, right, &r, left, *span)?;
    Some(Expectation {
        year,
        kind: ExpectationKind::Compare {
            left: l,
            op: *op,
            right: r,
        },
        text: format!(
            "{} {} {}",
            print::expr(left),
            op.symbol(),
            print::expr(right)
        ),
        span: *span,
    })
}

pub(crate) fn adopt_unit(expr: TExpr, ty: Type) -> TExpr {
    if let TExprKind::Const(_) = expr.kind {
        if expr.ty == Type::Number && ty == Type::Money {
            return TExpr { ty, ..expr };
        }
    }
    expr
}
