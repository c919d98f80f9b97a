//! The warning for a later `include` that lowers the weight of items an
//! earlier `include` of the same category counts at a higher weight: the
//! last matching `include` decides (docs/language.md, section 4.6), which a
//! drafter who adds a partial clause for a few items rarely means.

use std::collections::HashSet;

use rust_decimal::Decimal;

use super::overlap::{describe, matches, search};
use super::{CheckError, Checker};
use crate::program::{Clause, ClauseKind, Program, ScopedChange};
use crate::source::Span;

pub(super) fn check(checker: &mut Checker<'_>, program: &Program) {
    let mut reported = HashSet::new();
    for category in &program.categories {
        let own: Vec<&Clause> = category.body.clauses.iter().collect();
        check_clauses(checker, &mut reported, &category.id, &own);
        for (_, change) in &category.scoped {
            let clauses: Vec<&Clause> = match change {
                ScopedChange::Amend(body) => own.iter().copied().chain(&body.clauses).collect(),
                ScopedChange::Replace(body) => body.clauses.iter().collect(),
            };
            check_clauses(checker, &mut reported, &category.id, &clauses);
        }
    }
}

/// The first pair of includes in `clauses` where a later one lowers an
/// item an earlier one counts at a higher weight.
fn check_clauses(
    checker: &mut Checker<'_>,
    reported: &mut HashSet<Span>,
    category: &str,
    clauses: &[&Clause],
) {
    let excludes: Vec<&Clause> = clauses
        .iter()
        .copied()
        .filter(|c| c.kind == ClauseKind::Exclude)
        .collect();
    for (index, later) in clauses.iter().enumerate() {
        let ClauseKind::Include(later_weight) = later.kind else {
            continue;
        };
        for earlier in clauses.iter().take(index) {
            let ClauseKind::Include(earlier_weight) = earlier.kind else {
                continue;
            };
            if earlier_weight <= later_weight {
                continue;
            }
            let mut all = vec![&earlier.condition, &later.condition];
            all.extend(excludes.iter().map(|c| &c.condition));
            let found = search(&all, |item| {
                matches(&earlier.condition, item)
                    && matches(&later.condition, item)
                    && !excludes.iter().any(|c| matches(&c.condition, item))
            });
            if let Some(item) = found {
                if !reported.insert(later.span) {
                    return;
                }
                let other = (earlier.span.file == later.span.file).then_some(earlier.span);
                checker.push(CheckError::LoweredWeight {
                    category: category.to_string(),
                    earlier: percent(earlier_weight),
                    later: percent(later_weight),
                    example: describe(&item),
                    span: later.span,
                    other,
                });
                return;
            }
        }
    }
}

/// A weight as a percentage: `0.5` is `50%`.
fn percent(weight: Decimal) -> String {
    format!("{}%", (weight * Decimal::ONE_HUNDRED).normalize())
}
