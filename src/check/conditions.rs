//! Category bodies, conditions and field values against the schema; requirements.

use rust_decimal::Decimal;

use super::{unknown_help, CheckError, Checker};
use crate::ast::{self, Clause, Ident, ValueKind};
use crate::data::schema::FieldType;
use crate::print;
use crate::program::*;
use crate::source::Span;

use super::{lower::*, params::*, types::*};

pub(crate) fn lower_body<'c>(
    checker: &mut Checker<'_>,
    env: &mut Env,
    params: &[Param],
    clauses: impl IntoIterator<Item = &'c Clause>,
) -> CategoryBody {
    let mut body = CategoryBody::default();
    for clause in clauses {
        match clause {
            Clause::Include {
                weight,
                condition,
                span,
            } => {
                let weight_value = match weight {
                    Some(w) => {
                        if w.value < Decimal::ZERO || w.value > Decimal::ONE_HUNDRED {
                            checker.push(CheckError::BadWeight {
                                value: w.value.to_string(),
                                span: w.span,
                            });
                        }
                        w.value / Decimal::ONE_HUNDRED
                    }
                    None => Decimal::ONE,
                };
                if let Some(condition) = lower_condition(checker, condition) {
                    body.clauses.push(crate::program::Clause {
                        kind: ClauseKind::Include(weight_value),
                        condition,
                        text: print::clause_text(clause, false),
                        span: *span,
                    });
                }
            }
            Clause::Exclude { condition, span } => {
                if let Some(condition) = lower_condition(checker, condition) {
                    body.clauses.push(crate::program::Clause {
                        kind: ClauseKind::Exclude,
                        condition,
                        text: print::clause_text(clause, false),
                        span: *span,
                    });
                }
            }
            Clause::ExcludeCountedIn { categories, .. } => {
                for category in categories {
                    match env.categories.get(&category.name) {
                        Some(&index) => {
                            env.used_categories.insert(index);
                            body.counted_in.push((index, category.span));
                        }
                        None => {
                            let names: Vec<String> = env.categories.keys().cloned().collect();
                            checker.push(CheckError::UnknownCategory {
                                name: category.name.clone(),
                                help: unknown_help(
                                    &category.name,
                                    &names,
                                    "`exclude counted in` names another category",
                                ),
                                span: category.span,
                            });
                        }
                    }
                }
            }
            Clause::Cap { amount, span } => {
                if let Some(expr) = type_expr(checker, env, params, amount) {
                    if expr.ty != Type::Money {
                        checker.push(CheckError::UnitMismatch {
                            left: "a category total (an amount)".into(),
                            right: expr.ty.describe().into(),
                            help: format!(
                                "a cap is an amount: write `{} of gdp` or `money(...)`",
                                print::expr(amount)
                            ),
                            span: amount.span,
                        });
                    } else {
                        body.caps.push(Cap {
                            amount: expr,
                            text: print::clause_text(clause, false),
                            span: *span,
                        });
                    }
                }
            }
        }
    }
    body
}

/// Whether the dataset (if any) has the tag; reports it when not.
pub(crate) fn known_tag(checker: &mut Checker<'_>, tag: &ast::Ident) -> bool {
    let Some(schema) = checker.schema else {
        return true;
    };
    if schema.tags.contains(&tag.name) {
        return true;
    }
    checker.push(CheckError::UnknownTag {
        name: tag.name.clone(),
        help: unknown_help(
            &tag.name,
            &schema.tags,
            "the dataset's tags are listed in its dataset.json",
        ),
        span: tag.span,
    });
    false
}

pub(crate) fn lower_condition(
    checker: &mut Checker<'_>,
    condition: &ast::Condition,
) -> Option<Condition> {
    Some(match condition {
        ast::Condition::And(a, b) => {
            let a = lower_condition(checker, a);
            let b = lower_condition(checker, b);
            Condition::And(Box::new(a?), Box::new(b?))
        }
        ast::Condition::Or(a, b) => {
            let a = lower_condition(checker, a);
            let b = lower_condition(checker, b);
            Condition::Or(Box::new(a?), Box::new(b?))
        }
        ast::Condition::Not(inner, _) => Condition::Not(Box::new(lower_condition(checker, inner)?)),
        ast::Condition::Tag(tag) => {
            if !known_tag(checker, tag) {
                return None;
            }
            Condition::Tag(tag.name.clone())
        }
        ast::Condition::Compare { field, op, value } => {
            let ordered = !matches!(op, ast::CompareOp::Eq | ast::CompareOp::Ne);
            let value = lower_field_value(checker, field, value, ordered)?;
            Condition::Compare {
                field: field.name.clone(),
                op: *op,
                value,
            }
        }
        ast::Condition::In {
            field,
            negated,
            values,
        } => {
            let mut lowered = Vec::new();
            let mut ok = true;
            for value in values {
                match lower_field_value(checker, field, value, false) {
                    Some(v) => lowered.push(v),
                    None => ok = false,
                }
            }
            if !ok {
                return None;
            }
            Condition::In {
                field: field.name.clone(),
                negated: *negated,
                values: lowered,
            }
        }
    })
}

/// "did you mean `x`?", the values a field allows, and what a new value does.
fn values_help(field: &str, value: &str, allowed: &[String]) -> String {
    let known = format!(
        "the values of `{field}` are {}. A value the dataset does not classify yet counts \
         nothing, and the results name it as a gap",
        super::list_names(allowed)
    );
    crate::diagnostics::suggest(value, allowed.iter().map(String::as_str), &known, || {
        known.clone()
    })
}

/// Checks a field name and a value against the schema.
pub(crate) fn lower_field_value(
    checker: &mut Checker<'_>,
    field: &Ident,
    value: &ast::Value,
    ordered: bool,
) -> Option<Literal> {
    let literal = match &value.kind {
        ValueKind::Number(n) => Literal::Number(*n),
        ValueKind::Text(t) | ValueKind::Symbol(t) => Literal::Text(t.clone()),
        ValueKind::Bool(b) => Literal::Bool(*b),
    };
    let field_type = if field.name == "amount" {
        Some(FieldType::Number)
    } else if let Some(schema) = checker.schema {
        match schema.field(&field.name) {
            Some(spec) => {
                if let (Some(allowed), Literal::Text(text)) = (&spec.values, &literal) {
                    if !allowed.contains(text) {
                        checker.push(CheckError::UnknownValue {
                            field: field.name.clone(),
                            value: text.clone(),
                            help: values_help(&field.name, text, allowed),
                            span: value.span,
                        });
                    }
                }
                Some(spec.ty)
            }
            None => {
                let mut names: Vec<String> = schema.fields.iter().map(|f| f.name.clone()).collect();
                names.push("amount".into());
                checker.push(CheckError::UnknownField {
                    name: field.name.clone(),
                    help: unknown_help(
                        &field.name,
                        &names,
                        "the dataset's fields are listed in its dataset.json",
                    ),
                    span: field.span,
                });
                return None;
            }
        }
    } else {
        None
    };
    if let Some(field_type) = field_type {
        if ordered && field_type != FieldType::Number {
            checker.push(CheckError::FieldType {
                field: field.name.clone(),
                field_type: "text (compared with `==`, `!=`, `in` and `not in`)".into(),
                value_type: "compared by order (`<`, `>`, `<=`, `>=`)".into(),
                span: value.span,
            });
            return None;
        }
        let matches = matches!(
            (field_type, &literal),
            (FieldType::Text, Literal::Text(_))
                | (FieldType::Number, Literal::Number(_))
                | (FieldType::Bool, Literal::Bool(_))
        );
        if !matches {
            let describe_field = match field_type {
                FieldType::Text => "text",
                FieldType::Number => "numbers",
                FieldType::Bool => "true or false",
            };
            let describe_value = match literal {
                Literal::Text(_) => "a text",
                Literal::Number(_) => "a number",
                Literal::Bool(_) => "true or false",
            };
            checker.push(CheckError::FieldType {
                field: field.name.clone(),
                field_type: describe_field.into(),
                value_type: describe_value.into(),
                span: value.span,
            });
            return None;
        }
    }
    Some(literal)
}

pub(crate) fn lower_requirement(
    checker: &mut Checker<'_>,
    env: &mut Env,
    params: &[Param],
    decl: &ast::RequireDecl,
) -> Option<RequirementBody> {
    let text = print::requirement_body(&decl.body, false);
    let kind = match &decl.body {
        ast::Requirement::Compare {
            left,
            op,
            op_span,
            right,
            from,
            until,
        } => {
            let l = type_expr(checker, env, params, left);
            let r = type_expr(checker, env, params, right);
            let from = lower_year_opt(checker, env, params, from);
            let until = lower_year_opt(checker, env, params, until);
            let (l, r) = (l?, r?);
            if matches!(op, ast::CompareOp::Eq | ast::CompareOp::Ne) {
                checker.push(CheckError::BadComparison {
                    op: op.symbol().into(),
                    span: *op_span,
                });
                return None;
            }
            check_comparable(checker, &l, right, &r, left, *op_span)?;
            if matches!(l.ty, Type::Bool | Type::Text) {
                checker.push(CheckError::BadComparison {
                    op: op.symbol().into(),
                    span: *op_span,
                });
                return None;
            }
            RequirementKind::Compare {
                left: l,
                op: *op,
                right: r,
                from,
                until,
            }
        }
        ast::Requirement::Path {
            value,
            target,
            by,
            from,
        } => {
            let by_year = print::year_ref(by);
            let v = type_expr(checker, env, params, value);
            let t = type_expr(checker, env, params, target);
            let by = lower_year(checker, env, params, by);
            let from = lower_year(checker, env, params, from);
            let (v, t) = (v?, t?);
            check_comparable(checker, &v, target, &t, value, decl.id.span)?;
            path_to_dated_param(checker, params, &t, by_year);
            RequirementKind::Path {
                value: v,
                target: t,
                by: by?,
                from: from?,
            }
        }
    };
    Some(RequirementBody {
        kind,
        text,
        span: decl.span,
    })
}

/// A path aims, in each year, at its target's value in that year: a target
/// built on a parameter with dated values moves with them, which a drafter
/// who means "the final value" does not expect.
fn path_to_dated_param(checker: &mut Checker<'_>, params: &[Param], target: &TExpr, by: String) {
    let mut fixed: Vec<Span> = Vec::new();
    walk(target, &mut |expr| {
        if let TExprKind::At(inner, _) = &expr.kind {
            walk(inner, &mut |e| fixed.push(e.span));
        }
    });
    let mut found: Option<(String, Span)> = None;
    walk(target, &mut |expr| {
        if let TExprKind::Param(id) = expr.kind {
            let Some(param) = params.get(id.index()) else {
                return;
            };
            let dated = |values: &[DatedValue]| {
                values.len() > 1 || values.iter().any(|v| v.from.is_some() || v.until.is_some())
            };
            let is_dated =
                dated(&param.values) || param.overrides.iter().any(|(_, values)| dated(values));
            if is_dated && found.is_none() && !fixed.contains(&expr.span) {
                found = Some((param.name.clone(), expr.span));
            }
        }
    });
    if let Some((name, span)) = found {
        checker.push(CheckError::PathToDatedParam { name, by, span });
    }
}
