//! Warnings for clauses that can find nothing on the chosen dataset: they
//! match only through fields or tags the dataset declares unpublished (the
//! manifest's `unpublished` and `unpublished_tags`). On such a dataset the
//! category is `no data` (every clause) or carries a gap (some clauses);
//! the warning says so before anything is evaluated.

use super::{CheckError, Checker};
use crate::eval::coverage::never_published;
use crate::program::{Category, ClauseKind, Program, ScopedChange};

pub(super) fn check(checker: &mut Checker<'_>, program: &Program) {
    let (Some(manifest), Some(root)) = (checker.schema, checker.workspace.root()) else {
        return;
    };
    // Clauses of a base file are reported when the base itself is checked.
    let in_root = |span: crate::source::Span| span.file == root.id;
    let mut found = Vec::new();
    for category in &program.categories {
        let includes: Vec<_> = clauses(category)
            .filter(|c| matches!(c.kind, ClauseKind::Include(_)))
            .collect();
        let gaps: Vec<_> = includes
            .iter()
            .filter_map(|c| never_published(manifest, &c.condition).map(|r| (c.span, r)))
            .filter(|(span, _)| in_root(*span))
            .collect();
        if gaps.is_empty() {
            continue;
        }
        if gaps.len() == includes.len() && in_root(category.span) {
            let mut reasons: Vec<&str> = Vec::new();
            for (_, reason) in &gaps {
                if !reasons.contains(&reason.as_str()) {
                    reasons.push(reason);
                }
            }
            found.push(CheckError::UnpublishedCategory {
                name: category.id.clone(),
                dataset: manifest.name.clone(),
                reason: reasons.join("; "),
                span: category.span,
            });
        } else {
            for (span, reason) in gaps {
                found.push(CheckError::UnpublishedClause {
                    name: category.id.clone(),
                    dataset: manifest.name.clone(),
                    reason,
                    span,
                });
            }
        }
    }
    for warning in found {
        checker.push(warning);
    }
}

/// The clauses of a category, its country-specific changes included.
fn clauses(category: &Category) -> impl Iterator<Item = &crate::program::Clause> {
    let scoped = category.scoped.iter().map(|(_, change)| match change {
        ScopedChange::Amend(body) | ScopedChange::Replace(body) => body,
    });
    std::iter::once(&category.body)
        .chain(scoped)
        .flat_map(|body| body.clauses.iter())
}
