//! Category dependency order, the cycle report, and cycles through `count`.

use std::collections::{BTreeMap, BTreeSet};

use super::{CheckError, Checker, Draft};
use crate::ast::{self, Clause, ExprKind};
use crate::program::*;
use crate::source::Span;

/// The order in which categories are computed, reporting circles.
pub(crate) fn category_order(checker: &mut Checker<'_>, draft: &Draft) -> Vec<usize> {
    let index: BTreeMap<&str, usize> = draft
        .categories
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.name.as_str(), i))
        .collect();
    let dependencies: Vec<Vec<usize>> = draft
        .categories
        .iter()
        .map(|category| {
            let mut deps = Vec::new();
            if let Some(parent) = &category.within {
                deps.extend(index.get(parent.name.as_str()));
            }
            let all_clauses = category
                .clauses
                .iter()
                .copied()
                .chain(category.scoped.iter().flat_map(|(_, _, c)| c.iter()));
            for clause in all_clauses {
                match clause {
                    Clause::ExcludeCountedIn { categories, .. } => {
                        for c in categories {
                            deps.extend(index.get(c.name.as_str()));
                        }
                    }
                    Clause::Cap { amount, .. } => {
                        names_in(amount, &mut |name| deps.extend(index.get(name)));
                    }
                    _ => {}
                }
            }
            deps
        })
        .collect();
    // Depth-first search, keeping the file order among independent categories.
    let mut state = vec![0u8; draft.categories.len()]; // 0 new, 1 visiting, 2 done
    let mut order = Vec::new();
    let mut reported = false;
    for start in 0..draft.categories.len() {
        visit(
            start,
            &dependencies,
            &mut state,
            &mut order,
            &mut Vec::new(),
            &mut |cycle| {
                if reported {
                    return;
                }
                reported = true;
                let names: Vec<String> = cycle
                    .iter()
                    .filter_map(|&i| draft.categories.get(i).map(|c| c.id.name.clone()))
                    .collect();
                if let Some(first) = cycle.first().and_then(|&i| draft.categories.get(i)) {
                    checker.push(CheckError::CategoryCycle {
                        chain: names.join(" → "),
                        span: first.id.span,
                    });
                }
            },
        );
    }
    order
}

pub(crate) fn visit(
    node: usize,
    dependencies: &[Vec<usize>],
    state: &mut [u8],
    order: &mut Vec<usize>,
    stack: &mut Vec<usize>,
    on_cycle: &mut dyn FnMut(Vec<usize>),
) {
    match state.get(node) {
        Some(2) | None => return,
        Some(1) => {
            let start = stack.iter().position(|&n| n == node).unwrap_or(0);
            let mut cycle: Vec<usize> = stack
                .get(start..)
                .map(<[usize]>::to_vec)
                .unwrap_or_default();
            cycle.push(node);
            on_cycle(cycle);
            return;
        }
        _ => {}
    }
    if let Some(s) = state.get_mut(node) {
        *s = 1;
    }
    stack.push(node);
    for &dep in dependencies.get(node).map(Vec::as_slice).unwrap_or(&[]) {
        visit(dep, dependencies, state, order, stack, on_cycle);
    }
    stack.pop();
    if let Some(s) = state.get_mut(node) {
        *s = 2;
    }
    order.push(node);
}

pub(crate) fn names_in(expr: &ast::Expr, found: &mut dyn FnMut(&str)) {
    match &expr.kind {
        ExprKind::Name(name) => found(name),
        ExprKind::Neg(inner) | ExprKind::At(inner, _) => names_in(inner, found),
        ExprKind::Binary(_, a, b) => {
            names_in(a, found);
            names_in(b, found);
        }
        ExprKind::Call(_, args) => {
            for arg in args {
                names_in(arg, found);
            }
        }
        ExprKind::Number(_) | ExprKind::Percent(_) | ExprKind::Text(_) | ExprKind::Bool(_) => {}
    }
}

/// Collects pairs of categories that an expression adds together. Terms
/// with opposite signs are not pairs: `core - pensions` subtracts an overlap
/// on purpose.
/// `count(x)` inside requirement `x`, or requirements that count each other
/// in a circle: how many allies meet `x` would depend on itself.
pub(crate) fn count_cycles(checker: &mut Checker<'_>, requirements: &[Requirement]) {
    // For each requirement, the requirements it counts, with the span of the
    // first `count(...)` naming each.
    let counts: Vec<BTreeMap<RequirementId, Span>> = requirements
        .iter()
        .map(|requirement| {
            let mut found = BTreeMap::new();
            let bodies = requirement
                .body
                .iter()
                .chain(requirement.scoped.iter().map(|(_, b)| b));
            for body in bodies {
                for expr in body.kind.expressions() {
                    walk(expr, &mut |sub| {
                        if let TExprKind::Count(other) = sub.kind {
                            found.entry(other).or_insert(sub.span);
                        }
                    });
                }
            }
            found
        })
        .collect();
    let mut reported: BTreeSet<RequirementId> = BTreeSet::new();
    for start in (0..requirements.len()).map(RequirementId::new) {
        if reported.contains(&start) {
            continue;
        }
        // The shortest chain of counts from `start` back to `start`.
        let mut previous: BTreeMap<RequirementId, RequirementId> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([start]);
        let mut closing = None;
        while let Some(at) = queue.pop_front() {
            let Some(next) = counts.get(at.index()) else {
                continue;
            };
            if next.contains_key(&start) {
                closing = Some(at);
                break;
            }
            for &other in next.keys() {
                if other != start && !previous.contains_key(&other) {
                    previous.insert(other, at);
                    queue.push_back(other);
                }
            }
        }
        let Some(last) = closing else { continue };
        let mut chain = vec![last];
        while let Some(&before) = chain.last().and_then(|at| previous.get(at)) {
            chain.push(before);
        }
        chain.reverse();
        if chain.first() != Some(&start) {
            chain.insert(0, start);
        }
        let names: Vec<String> = chain
            .iter()
            .chain(std::iter::once(&start))
            .filter_map(|&i| requirements.get(i.index()).map(|r| format!("`{}`", r.id)))
            .collect();
        let Some(name) = requirements.get(start.index()).map(|r| r.id.clone()) else {
            continue;
        };
        let first_link = chain.get(1).copied().unwrap_or(start);
        let Some(&span) = counts.get(start.index()).and_then(|c| c.get(&first_link)) else {
            continue;
        };
        reported.extend(chain.iter().copied());
        checker.push(CheckError::CountCycle {
            chain: if chain.len() == 1 {
                String::new()
            } else {
                format!(" through {}", names.join(" → "))
            },
            name,
            span,
        });
    }
}

pub(crate) fn collect_sums(expr: &TExpr, pairs: &mut BTreeSet<(CategoryId, CategoryId)>) {
    let add_pairs = |terms: &[(CategoryId, bool)],
                     pairs: &mut BTreeSet<(CategoryId, CategoryId)>| {
        for (i, (a, sign_a)) in terms.iter().enumerate() {
            for (b, sign_b) in terms.iter().skip(i + 1) {
                if a != b && sign_a == sign_b {
                    pairs.insert(((*a).min(*b), (*a).max(*b)));
                }
            }
        }
    };
    let mut terms = Vec::new();
    additive_terms(expr, true, &mut terms);
    add_pairs(&terms, pairs);
    walk(expr, &mut |sub| {
        if let TExprKind::Mul(a, b) | TExprKind::Div(a, b) = &sub.kind {
            for side in [a, b] {
                let mut inner = Vec::new();
                additive_terms(side, true, &mut inner);
                add_pairs(&inner, pairs);
            }
        }
    });
}

pub(crate) fn additive_terms(expr: &TExpr, positive: bool, terms: &mut Vec<(CategoryId, bool)>) {
    match &expr.kind {
        TExprKind::Add(a, b) => {
            additive_terms(a, positive, terms);
            additive_terms(b, positive, terms);
        }
        TExprKind::Sub(a, b) => {
            additive_terms(a, positive, terms);
            additive_terms(b, !positive, terms);
        }
        TExprKind::Neg(a) => additive_terms(a, !positive, terms),
        TExprKind::Category(c) => terms.push((*c, positive)),
        _ => {}
    }
}
