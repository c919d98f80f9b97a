//! The static overlap check: two categories whose clauses can count the same
//! line item, with no precedence declared between them, get a warning that
//! shows an example item. The search tries every combination of the values
//! the conditions mention (bounded), so a reported example is real.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;

use super::{CheckError, Checker};
use crate::ast::CompareOp;
use crate::program::{CategoryId, ClauseKind, Condition, Literal, Program};

/// At most this many candidate items are tried per pair of clauses.
const MAX_CANDIDATES: usize = 4096;

/// Only categories that a requirement adds together can double count, so
/// only those pairs are searched (this also keeps large files fast).
pub(super) fn check(checker: &mut Checker<'_>, program: &Program) {
    let mut pairs: Vec<(CategoryId, CategoryId)> = program
        .requirements
        .iter()
        .flat_map(|r| r.added_together.iter().copied())
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    // One warning per category: the first overlap found for it, and the
    // other categories it overlaps named in the same warning.
    let mut found: BTreeMap<CategoryId, Vec<(CategoryId, Found)>> = BTreeMap::new();
    for (a, b) in pairs {
        if related(program, a, b) || precedence_declared(program, a, b) {
            continue;
        }
        if let Some(overlap) = find_overlap(program, a, b) {
            found.entry(b).or_default().push((a, overlap));
        }
    }
    // The warning shows the nearest category before it (the last found),
    // so that its excerpt stays short.
    let mut order: Vec<(CategoryId, Vec<(CategoryId, Found)>)> = found.into_iter().collect();
    order.sort_by_key(|(b, list)| (list.last().map(|(a, _)| *a), *b));
    for (b, mut list) in order {
        let Some((a, (clause_a, clause_b, example))) = list.pop() else {
            continue;
        };
        let list = list.into_iter();
        let (Some(first), Some(second)) = (program.category(a), program.category(b)) else {
            continue;
        };
        let rest: Vec<String> = list
            .filter_map(|(c, _)| program.category(c).map(|c| format!("`{}`", c.id)))
            .collect();
        let others = match rest.len() {
            0 => String::new(),
            n if n <= MAX_OTHERS_NAMED => {
                format!("; `{}` also overlaps {}", second.id, rest.join(", "))
            }
            n => format!(
                "; `{}` also overlaps {} and {} more",
                second.id,
                rest.get(..MAX_OTHERS_NAMED).unwrap_or_default().join(", "),
                n - MAX_OTHERS_NAMED
            ),
        };
        let other = (clause_a.file == clause_b.file).then_some(clause_a);
        checker.push(CheckError::Overlap {
            first: first.id.clone(),
            second: second.id.clone(),
            example,
            others,
            span: clause_b,
            other,
        });
    }
}

/// At most this many other overlapping categories are named in a warning.
const MAX_OTHERS_NAMED: usize = 10;

fn ancestors(program: &Program, mut category: CategoryId) -> Vec<CategoryId> {
    let mut out = Vec::new();
    while let Some(parent) = program.category(category).and_then(|c| c.within) {
        if out.contains(&parent) {
            break;
        }
        out.push(parent);
        category = parent;
    }
    out
}

/// One is a part (`within`) of the other.
fn related(program: &Program, a: CategoryId, b: CategoryId) -> bool {
    ancestors(program, a).contains(&b) || ancestors(program, b).contains(&a)
}

/// One excludes items counted in the other (or in one of its parents).
fn precedence_declared(program: &Program, a: CategoryId, b: CategoryId) -> bool {
    let excludes = |from: CategoryId, other: CategoryId| {
        let mut targets = vec![other];
        targets.extend(ancestors(program, other));
        program.category(from).is_some_and(|category| {
            let bodies =
                std::iter::once(&category.body).chain(category.scoped.iter().map(|(_, change)| {
                    match change {
                        crate::program::ScopedChange::Amend(body)
                        | crate::program::ScopedChange::Replace(body) => body,
                    }
                }));
            bodies
                .flat_map(|body| body.counted_in.iter())
                .any(|(target, _)| targets.contains(target))
        })
    };
    excludes(a, b) || excludes(b, a)
}

type Found = (crate::source::Span, crate::source::Span, String);

fn find_overlap(program: &Program, a: CategoryId, b: CategoryId) -> Option<Found> {
    let first = program.category(a)?;
    let second = program.category(b)?;
    let excludes = |body: &crate::program::CategoryBody| -> Vec<Condition> {
        body.clauses
            .iter()
            .filter(|c| c.kind == ClauseKind::Exclude)
            .map(|c| c.condition.clone())
            .collect()
    };
    let excludes_a = excludes(&first.body);
    let excludes_b = excludes(&second.body);
    for clause_a in first
        .body
        .clauses
        .iter()
        .filter(|c| c.kind != ClauseKind::Exclude)
    {
        for clause_b in second
            .body
            .clauses
            .iter()
            .filter(|c| c.kind != ClauseKind::Exclude)
        {
            let mut all = vec![&clause_a.condition, &clause_b.condition];
            all.extend(excludes_a.iter());
            all.extend(excludes_b.iter());
            let found = search(&all, |item| {
                matches(&clause_a.condition, item)
                    && matches(&clause_b.condition, item)
                    && !excludes_a.iter().any(|c| matches(c, item))
                    && !excludes_b.iter().any(|c| matches(c, item))
            });
            if let Some(item) = found {
                return Some((clause_a.span, clause_b.span, describe(&item)));
            }
        }
    }
    None
}

/// A candidate line item: field values and tags.
#[derive(Debug, Clone, Default)]
pub(crate) struct Candidate {
    fields: BTreeMap<String, Literal>,
    tags: BTreeSet<String>,
}

pub(super) fn describe(item: &Candidate) -> String {
    let mut parts: Vec<String> = item
        .fields
        .iter()
        .map(|(k, v)| format!("{k} = {v}"))
        .collect();
    parts.extend(item.tags.iter().map(|t| format!("tag {t}")));
    if parts.is_empty() {
        "any item".to_string()
    } else {
        format!("an item with {}", parts.join(", "))
    }
}

/// Tries combinations of the values mentioned in the conditions.
pub(super) fn search(
    conditions: &[&Condition],
    accept: impl Fn(&Candidate) -> bool,
) -> Option<Candidate> {
    let mut values: BTreeMap<String, BTreeSet<Option<Literal>>> = BTreeMap::new();
    let mut tags: BTreeSet<String> = BTreeSet::new();
    for condition in conditions {
        mentions(condition, &mut values, &mut tags);
    }
    let dimensions: Vec<(String, Vec<Option<Literal>>)> = values
        .into_iter()
        .map(|(field, set)| (field, set.into_iter().collect()))
        .collect();
    let tag_list: Vec<String> = tags.into_iter().collect();
    let mut total: usize = 1;
    for (_, options) in &dimensions {
        total = total.saturating_mul(options.len().max(1));
    }
    total = total.saturating_mul(
        1usize
            .checked_shl(tag_list.len().min(20) as u32)
            .unwrap_or(usize::MAX),
    );
    for index in 0..total.min(MAX_CANDIDATES) {
        let mut rest = index;
        let mut candidate = Candidate::default();
        for (field, options) in &dimensions {
            let n = options.len().max(1);
            if let Some(Some(value)) = options.get(rest % n) {
                candidate.fields.insert(field.clone(), value.clone());
            }
            rest /= n;
        }
        for tag in &tag_list {
            if rest % 2 == 1 {
                candidate.tags.insert(tag.clone());
            }
            rest /= 2;
        }
        if accept(&candidate) {
            return Some(candidate);
        }
    }
    None
}

fn mentions(
    condition: &Condition,
    values: &mut BTreeMap<String, BTreeSet<Option<Literal>>>,
    tags: &mut BTreeSet<String>,
) {
    match condition {
        Condition::And(a, b) | Condition::Or(a, b) => {
            mentions(a, values, tags);
            mentions(b, values, tags);
        }
        Condition::Not(inner) => mentions(inner, values, tags),
        Condition::Tag(tag) => {
            tags.insert(tag.clone());
        }
        Condition::Compare { field, value, .. } => {
            let set = values.entry(field.clone()).or_default();
            set.insert(None);
            if let Literal::Number(n) = value {
                set.insert(Some(Literal::Number(*n - Decimal::ONE)));
                set.insert(Some(Literal::Number(*n + Decimal::ONE)));
            }
            set.insert(Some(value.clone()));
        }
        Condition::In {
            field,
            values: list,
            ..
        } => {
            let set = values.entry(field.clone()).or_default();
            set.insert(None);
            for value in list {
                set.insert(Some(value.clone()));
            }
        }
    }
}

pub(super) fn matches(condition: &Condition, item: &Candidate) -> bool {
    match condition {
        Condition::And(a, b) => matches(a, item) && matches(b, item),
        Condition::Or(a, b) => matches(a, item) || matches(b, item),
        Condition::Not(inner) => !matches(inner, item),
        Condition::Tag(tag) => item.tags.contains(tag),
        Condition::Compare { field, op, value } => item
            .fields
            .get(field)
            .map_or(*op == CompareOp::Ne, |actual| {
                compare_literals(actual, *op, value)
            }),
        Condition::In {
            field,
            negated,
            values,
        } => {
            let found = item
                .fields
                .get(field)
                .is_some_and(|actual| values.contains(actual));
            found != *negated
        }
    }
}

/// Compares two literals; numbers by value, others by equality only.
pub(crate) fn compare_literals(actual: &Literal, op: CompareOp, expected: &Literal) -> bool {
    match (actual, expected) {
        (Literal::Number(a), Literal::Number(b)) => match op {
            CompareOp::Ge => a >= b,
            CompareOp::Le => a <= b,
            CompareOp::Gt => a > b,
            CompareOp::Lt => a < b,
            CompareOp::Eq => a == b,
            CompareOp::Ne => a != b,
        },
        _ => match op {
            CompareOp::Eq => actual == expected,
            CompareOp::Ne => actual != expected,
            _ => false,
        },
    }
}
