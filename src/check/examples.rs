//! Example blocks into `program::Example`.

use rust_decimal::Decimal;

use super::{unknown_help, CheckError, Checker};
use crate::ast::{self};
use crate::print;
use crate::program::*;

use super::{conditions::*, lower::*, types::*};

/// An error for a second `country` line, and for a `year` line that
/// directly follows another (which then has no effect).
pub(crate) fn lines_twice(checker: &mut Checker<'_>, example: &ast::ExampleDecl) {
    let mut country_at: Option<crate::source::Span> = None;
    // The `year` line just before, while nothing has followed it yet.
    let mut empty_year: Option<crate::source::Span> = None;
    for statement in &example.statements {
        let previous_year = empty_year.take();
        match statement {
            ast::ExampleStatement::Country(code) => match country_at {
                Some(first) => checker.push(CheckError::ExampleTwice {
                    message: "this example has two `country` lines",
                    help: "an example describes one country: keep one `country` line, or write a second example",
                    again: code.span,
                    first,
                }),
                None => country_at = Some(code.span),
            },
            ast::ExampleStatement::Year { span, .. } => {
                if let Some(first) = previous_year {
                    checker.push(CheckError::ExampleTwice {
                        message: "this example has two `year` lines in a row",
                        help: "a `year` line sets the year of the lines that follow it: keep one, or put the indicators, items and expectations of the first year between them",
                        again: *span,
                        first,
                    });
                }
                empty_year = Some(*span);
            }
            _ => {}
        }
    }
}

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
