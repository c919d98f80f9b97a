//! What a category did with one item: `Decision`, its packing and decoding.

use rust_decimal::Decimal;

use super::engine::CategoryState;
use crate::program::*;

/// What a category did with one item, packed in four bytes: the index of the
/// deciding `include` clause (below `EXCLUDE_BASE`), of the deciding
/// `exclude` clause (plus `EXCLUDE_BASE`), or of the category named in
/// `exclude counted in` (plus `COUNTED_IN_BASE`). Each range holds 2^30
/// indices, far more clauses than a rule file within the size limits can
/// have. (It was two bytes once, which made a category with more than 16,383
/// clauses read as excluding items it counted.)
pub type Decision = u32;
pub const EXCLUDE_BASE: u32 = 0x4000_0000;
pub const COUNTED_IN_BASE: u32 = 0x8000_0000;
pub const NOT_IN_PARENT: u32 = 0xFFFF_FFFE;
pub const UNMATCHED: u32 = 0xFFFF_FFFF;

/// A clause or category index as part of a decision: `base + index`, or
/// `None` if the index does not fit below the next base (so a decision never
/// wraps around or reads as another kind).
pub(crate) fn packed(base: u32, index: usize) -> Option<Decision> {
    let index = u32::try_from(index).ok().filter(|i| *i < EXCLUDE_BASE)?;
    base.checked_add(index).filter(|d| *d < NOT_IN_PARENT)
}

/// The decision that an item is left to `category`, named in `exclude
/// counted in`; `None` if its index does not fit (see `packed`).
pub(crate) fn counted_in(category: CategoryId) -> Option<Decision> {
    packed(COUNTED_IN_BASE, category.index())
}

/// Readable form of a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionKind {
    Included(usize),
    Excluded(usize),
    CountedIn(CategoryId),
    NotInParent,
    Unmatched,
}

pub fn decode(decision: Decision) -> DecisionKind {
    match decision {
        UNMATCHED => DecisionKind::Unmatched,
        NOT_IN_PARENT => DecisionKind::NotInParent,
        // The inverse of `counted_in`: the id the engine packed, which the
        // checker made.
        d if d >= COUNTED_IN_BASE => {
            DecisionKind::CountedIn(CategoryId::new((d - COUNTED_IN_BASE) as usize))
        }
        d if d >= EXCLUDE_BASE => DecisionKind::Excluded((d - EXCLUDE_BASE) as usize),
        d => DecisionKind::Included(d as usize),
    }
}

/// Per category, whether evaluation reads its per-item decisions: a
/// `within` parent, a `counted in` target (also in scoped changes), a
/// category a requirement adds to another, and the parents of each.
pub(crate) fn decisions_read(program: &Program) -> Vec<bool> {
    let mut read = vec![false; program.categories_by_id().len()];
    let mut mark = |category: CategoryId| {
        if let Some(slot) = read.get_mut(category.index()) {
            *slot = true;
        }
    };
    for (_, category) in program.categories_by_id() {
        category.within.into_iter().for_each(&mut mark);
        let scoped = category.scoped.iter().map(|(_, change)| match change {
            ScopedChange::Amend(body) | ScopedChange::Replace(body) => body,
        });
        for body in std::iter::once(&category.body).chain(scoped) {
            body.counted_in.iter().for_each(|&(target, _)| mark(target));
        }
    }
    for (_, requirement) in program.requirements_by_id() {
        for &(a, b) in &requirement.added_together {
            mark(a);
            mark(b);
        }
    }
    // `weight_in` walks up the parents of a category it reads.
    loop {
        let mut changed = false;
        for (id, category) in program.categories_by_id() {
            let parent = category.within.map(CategoryId::index);
            if read.get(id.index()).copied().unwrap_or(false) {
                if let Some(slot) = parent.and_then(|p| read.get_mut(p)) {
                    changed |= !*slot;
                    *slot = true;
                }
            }
        }
        if !changed {
            return read;
        }
    }
}

/// The weight at which `category` counts the item at `position` (zero when
/// it does not count). A `within` category never counts more than its parent.
pub fn weight_in(categories: &[CategoryState], category: CategoryId, position: usize) -> Decimal {
    let mut current = Some(category);
    let mut weight: Option<Decimal> = None;
    let mut steps = 0;
    while let Some(index) = current {
        let Some(state) = categories.get(index.index()) else {
            break;
        };
        let own = match state.decisions.get(position).map(|d| decode(*d)) {
            Some(DecisionKind::Included(clause)) => state
                .clause_weights
                .get(clause)
                .copied()
                .unwrap_or_default(),
            _ => Decimal::ZERO,
        };
        weight = Some(weight.map_or(own, |w| w.min(own)));
        current = state.parent;
        steps += 1;
        if steps > categories.len() {
            break;
        }
    }
    weight.unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_round_trips_at_the_limits_and_refuses_beyond() {
        let last = (EXCLUDE_BASE - 1) as usize;
        assert_eq!(
            packed(0, last).map(decode),
            Some(DecisionKind::Included(last))
        );
        assert_eq!(
            packed(EXCLUDE_BASE, last).map(decode),
            Some(DecisionKind::Excluded(last))
        );
        assert_eq!(
            counted_in(CategoryId::new(last)).map(decode),
            Some(DecisionKind::CountedIn(CategoryId::new(last)))
        );
        assert_eq!(counted_in(CategoryId::new(last + 1)), None);
        assert_eq!(packed(0, last + 1), None);
        assert_eq!(packed(COUNTED_IN_BASE, usize::MAX), None);
        assert_eq!(packed(NOT_IN_PARENT, 0), None);
    }
}
