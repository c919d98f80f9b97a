//! What one category does with the items of a country-year (`Taken`), and
//! a fast path of `Engine::take` for the commonest category: `include`
//! clauses at 100% only, with no `within` parent and no `counted in`.

use rust_decimal::Decimal;

use super::decision::{
    counted_in, decode, packed, weight_in, Decision, DecisionKind, EXCLUDE_BASE, NOT_IN_PARENT,
    UNMATCHED,
};
use super::engine::{CategoryState, Work};
use super::sum::{Scaled, Total};
use crate::program::{CategoryId, ClauseKind};

/// What one category did with the items of a country-year, and its sums.
pub(crate) struct Taken {
    pub(super) decisions: Vec<Decision>,
    pub(super) gross: Decimal,
    pub(super) not_credited: Decimal,
    pub(super) excluded: Decimal,
    pub(super) unmatched: Decimal,
    pub(super) items_counted: usize,
    pub(super) overflow: bool,
    pub(super) split: Option<usize>,
}

impl Taken {
    /// The sums turned into decimals (`[gross, not credited, excluded,
    /// unmatched]`); `None` when they cannot be added exactly.
    pub(super) fn from_sums<T: Total>(
        decisions: Vec<Decision>,
        [gross, not_credited, excluded, unmatched]: [T; 4],
        items_counted: usize,
        split: Option<usize>,
    ) -> Option<Taken> {
        let (gross, a) = gross.value()?;
        let (not_credited, b) = not_credited.value()?;
        let (excluded, c) = excluded.value()?;
        let (unmatched, d) = unmatched.value()?;
        Some(Taken {
            decisions,
            gross,
            not_credited,
            excluded,
            unmatched,
            items_counted,
            overflow: a || b || c || d,
            split,
        })
    }

    /// Sums that could not be added: the category's total is then "too
    /// large to compute exactly", never a wrong figure.
    pub(super) fn overflowed(items: usize) -> Taken {
        Taken {
            decisions: vec![UNMATCHED; items],
            gross: Decimal::ZERO,
            not_credited: Decimal::ZERO,
            excluded: Decimal::ZERO,
            unmatched: Decimal::ZERO,
            items_counted: 0,
            overflow: true,
            split: None,
        }
    }
}

/// Whether every category is to decide item by item (set by a test that
/// compares the fast paths with the general one).
pub(super) fn general_only() -> bool {
    #[cfg(test)]
    if tests::GENERAL_ONLY.with(std::cell::Cell::get) {
        return true;
    }
    false
}

/// Whether a category is only `include` clauses at 100%, with no `within`
/// parent and no `counted in`: then an item counts in full when any clause
/// matches it, and `decide` reduces to finding the last clause that does.
pub(super) fn only_whole_includes(work: &Work<'_, '_>) -> bool {
    if general_only() {
        return false;
    }
    work.parent.is_none()
        && work.body.counted_in.is_empty()
        && work
            .body
            .clauses
            .iter()
            .all(|(clause, _)| matches!(clause.kind, ClauseKind::Include(w) if w == Decimal::ONE))
}

/// `Engine::take` for a category of whole includes (`only_whole_includes`),
/// from the clauses' answers for every item: the same decisions and sums,
/// without deciding item by item.
pub(super) fn take_included<T: Total>(
    work: &Work<'_, '_>,
    masks: &[Vec<bool>],
    new: impl Fn() -> T,
) -> Option<Taken> {
    let (mut gross, mut unmatched) = (new(), new());
    let mut decisions = Vec::with_capacity(if work.keep { work.items.len() } else { 0 });
    let mut items_counted = 0;
    for (position, &amount) in work.amounts.iter().enumerate() {
        // The last matching include decides, as in `decide`.
        let last = masks
            .iter()
            .rposition(|mask| mask.get(position).copied().unwrap_or(false));
        let decision = last.and_then(|clause| packed(0, clause));
        if decision.is_some() {
            gross.add(amount);
            items_counted += 1;
        } else {
            unmatched.add(amount);
        }
        if work.keep {
            decisions.push(decision.unwrap_or(UNMATCHED));
        }
    }
    Taken::from_sums(
        decisions,
        [gross, new(), new(), unmatched],
        items_counted,
        None,
    )
}

/// `take_included` on the amounts as integers (`Scaled`): the same
/// decisions and sums, the amounts that are not taken added as what is left
/// of the country-year's total.
pub(super) fn take_included_scaled(
    work: &Work<'_, '_>,
    masks: &[Vec<bool>],
    scaled: &Scaled,
) -> Option<Taken> {
    let count = work.items.len();
    // The decision of the item at a position, as in `take_included`.
    let decide = |position: usize| {
        masks
            .iter()
            .rposition(|mask| mask.get(position).copied().unwrap_or(false))
            .and_then(|clause| packed(0, clause))
    };
    let mut decisions = Vec::with_capacity(if work.keep { count } else { 0 });
    let (mut gross, mut items_counted) = (0i128, 0usize);
    match masks {
        [mask] if mask.len() == count && packed(0, 0).is_some() => {
            for (&taken, &value) in mask.iter().zip(&scaled.values) {
                gross += if taken { value } else { 0 };
                items_counted += usize::from(taken);
            }
            if work.keep {
                decisions.extend(mask.iter().map(|&taken| if taken { 0 } else { UNMATCHED }));
            }
        }
        _ => {
            // Clause after clause, the last matching one deciding.
            let mut all = vec![UNMATCHED; count];
            for (index, mask) in masks.iter().enumerate() {
                let decision = packed(0, index).unwrap_or(UNMATCHED);
                for (slot, &matched) in all.iter_mut().zip(mask) {
                    if matched {
                        *slot = decision;
                    }
                }
            }
            for (&decision, &value) in all.iter().zip(&scaled.values) {
                let taken = decision != UNMATCHED;
                gross += if taken { value } else { 0 };
                items_counted += usize::from(taken);
            }
            if work.keep {
                decisions = all;
            }
        }
    }
    let last_amount = |taken: bool| {
        move || {
            (0..count)
                .rev()
                .find(|&position| decide(position).is_some() == taken)
                .and_then(|position| work.amounts.get(position).copied())
                .unwrap_or(Decimal::ZERO)
        }
    };
    let (gross_value, _) = scaled.value(gross, last_amount(true))?;
    let (unmatched, _) = scaled.value(scaled.total - gross, last_amount(false))?;
    Some(Taken {
        decisions,
        gross: gross_value,
        not_credited: Decimal::ZERO,
        excluded: Decimal::ZERO,
        unmatched,
        items_counted,
        overflow: false,
        split: None,
    })
}

/// The decisions of `take_masked`, and the parent's weight of each item
/// when the category has a `within` parent.
fn masked_decisions(
    work: &Work<'_, '_>,
    categories: &[CategoryState],
    masks: &[Vec<bool>],
) -> (Vec<Decision>, Option<Vec<Decimal>>) {
    let body = work.body;
    let count = work.items.len();
    let mut decisions: Vec<Decision> = vec![UNMATCHED; count];
    for (index, ((clause, _), mask)) in body.clauses.iter().zip(masks).enumerate() {
        if let ClauseKind::Include(_) = clause.kind {
            // (An index that cannot be packed leaves the item unmatched, as
            // in `decide`.)
            let decision = packed(0, index).unwrap_or(UNMATCHED);
            for (slot, &matched) in decisions.iter_mut().zip(mask) {
                if matched {
                    *slot = decision;
                }
            }
        }
    }
    for (index, ((clause, _), mask)) in body.clauses.iter().zip(masks).enumerate().rev() {
        if let (ClauseKind::Exclude, Some(decision)) = (clause.kind, packed(EXCLUDE_BASE, index)) {
            for (slot, &matched) in decisions.iter_mut().zip(mask) {
                if matched {
                    *slot = decision;
                }
            }
        }
    }
    for &other in body.counted_in.iter().rev() {
        if let Some(decision) = counted_in(other) {
            set_where_counted(categories, other, decision, &mut decisions);
        }
    }
    let parent_weights: Option<Vec<Decimal>> = work.parent.map(|parent| {
        (0..count)
            .map(|position| weight_in(categories, parent, position))
            .collect()
    });
    if let Some(weights) = &parent_weights {
        for (slot, weight) in decisions.iter_mut().zip(weights) {
            if weight.is_zero() {
                *slot = NOT_IN_PARENT;
            }
        }
    }
    (decisions, parent_weights)
}

/// Credits an included item at `weight` of its amount: all of it to
/// `gross`, or the weighted part with the rest to `not_credited`. `false`
/// (nothing added) when the weight is zero, which each caller files in
/// its own way.
pub(super) fn credit<T: Total>(
    amount: Decimal,
    weight: Decimal,
    gross: &mut T,
    not_credited: &mut T,
) -> bool {
    if weight == Decimal::ONE {
        gross.add(amount);
    } else if !weight.is_zero() {
        let credited = amount * weight;
        gross.add(credited);
        not_credited.add(amount - credited);
    } else {
        return false;
    }
    true
}

/// `Engine::take` for any category from the clauses' answers for every item
/// (`masks`, one per clause): the same decisions and sums as `decide` item
/// by item, made a clause at a time. The rule of `decide`, in reverse: the
/// last matching include, then the first matching exclude over it, then the
/// first `counted in` category that counts the item over that, and last an
/// item outside the `within` parent over everything.
pub(super) fn take_masked<T: Total>(
    work: &Work<'_, '_>,
    categories: &[CategoryState],
    masks: &[Vec<bool>],
    new: impl Fn() -> T,
) -> Option<Taken> {
    let body = work.body;
    let (decisions, parent_weights) = masked_decisions(work, categories, masks);
    let (mut gross, mut not_credited, mut excluded, mut unmatched) = (new(), new(), new(), new());
    let mut items_counted = 0;
    // Without a parent an included item counts at its clause's weight:
    // whole, not at all, or in part.
    let whole: Vec<Option<bool>> = body
        .weights
        .iter()
        .map(|w| (*w == Decimal::ONE || w.is_zero()).then_some(*w == Decimal::ONE))
        .collect();
    // The excluded and unmatched amounts as integers, when there are any.
    let values = work.scaled.map(|scaled| &scaled.values);
    let mut left_out = [0i128; 2];
    for (position, (&decision, &amount)) in decisions.iter().zip(work.amounts).enumerate() {
        let weight = match decode(decision) {
            DecisionKind::Included(clause) => {
                let own = body.weights.get(clause).copied().unwrap_or_default();
                match parent_weights.as_ref().and_then(|w| w.get(position)) {
                    Some(parent) => own.min(*parent),
                    None => match whole.get(clause).copied().flatten() {
                        Some(true) => {
                            gross.add(amount);
                            items_counted += 1;
                            continue;
                        }
                        Some(false) => {
                            not_credited.add(amount);
                            continue;
                        }
                        None => own,
                    },
                }
            }
            DecisionKind::Excluded(_) | DecisionKind::CountedIn(_) => {
                match values.and_then(|v| v.get(position)) {
                    Some(value) => left_out[0] += value,
                    None => excluded.add(amount),
                }
                continue;
            }
            DecisionKind::NotInParent | DecisionKind::Unmatched => {
                match values.and_then(|v| v.get(position)) {
                    Some(value) => left_out[1] += value,
                    None => unmatched.add(amount),
                }
                continue;
            }
        };
        if credit(amount, weight, &mut gross, &mut not_credited) {
            items_counted += 1;
        } else {
            not_credited.add(amount);
        }
    }
    let mut taken = Taken::from_sums(
        Vec::new(),
        [gross, not_credited, excluded, unmatched],
        items_counted,
        None,
    )?;
    if let Some(scaled) = work.scaled {
        // The excluded and unmatched amounts, added as integers; a sum of
        // zero is the last amount of its kind.
        let (decisions, amounts) = (&decisions, work.amounts);
        let last = |excluded: bool| move || last_left_out(decisions, amounts, excluded);
        taken.excluded = scaled.value(left_out[0], last(true))?.0;
        taken.unmatched = scaled.value(left_out[1], last(false))?.0;
    }
    if work.keep {
        taken.decisions = decisions;
    }
    Some(taken)
}

/// The amount of the last item excluded (`excluded`) or left unmatched
/// (outside the parent too), or zero when there is none.
fn last_left_out(decisions: &[Decision], amounts: &[Decimal], excluded: bool) -> Decimal {
    decisions
        .iter()
        .rposition(|&decision| match decode(decision) {
            DecisionKind::Excluded(_) | DecisionKind::CountedIn(_) => excluded,
            DecisionKind::NotInParent | DecisionKind::Unmatched => !excluded,
            DecisionKind::Included(_) => false,
        })
        .and_then(|position| amounts.get(position).copied())
        .unwrap_or(Decimal::ZERO)
}

/// Sets `decision` for the items that `other` counts (at a weight above
/// zero, as `weight_in` tells).
fn set_where_counted(
    categories: &[CategoryState],
    other: CategoryId,
    decision: Decision,
    decisions: &mut [Decision],
) {
    match categories.get(other.index()).filter(|s| s.parent.is_none()) {
        // Without a parent the weight is the deciding clause's.
        Some(state) => {
            let counts: Vec<bool> = state.clause_weights.iter().map(|w| !w.is_zero()).collect();
            for (slot, &theirs) in decisions.iter_mut().zip(&state.decisions) {
                if let DecisionKind::Included(clause) = decode(theirs) {
                    if counts.get(clause).copied().unwrap_or(false) {
                        *slot = decision;
                    }
                }
            }
        }
        None => {
            for (position, slot) in decisions.iter_mut().enumerate() {
                if !weight_in(categories, other, position).is_zero() {
                    *slot = decision;
                }
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    thread_local! {
        /// Set by the test below: every category takes the general path.
        pub(super) static GENERAL_ONLY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }

    /// The outcomes of one rule file on a bundled dataset, as debug text.
    fn outcomes(file: &str, dataset: &crate::data::Dataset, general_only: bool) -> String {
        let (checked, sources) = crate::eval::checked_for_tests(file, dataset);
        GENERAL_ONLY.with(|g| g.set(general_only));
        let outcomes = crate::eval::evaluate(
            &checked,
            dataset,
            &sources,
            &crate::eval::Options::default(),
        );
        // Every decision of every category, as `explain` reads them.
        let mut states = String::new();
        for index in 0..checked.pledges().len() {
            let engine = crate::eval::engine::Engine::for_pledge(&checked, index, dataset)
                .expect("a pledge");
            for &(country, year) in dataset.by_country_year.keys() {
                let state = engine.state(country, year);
                states.push_str(&format!("{:?}", state.categories));
            }
        }
        GENERAL_ONLY.with(|g| g.set(false));
        format!("{:?}\n{states}", outcomes.map_err(|e| format!("{e:?}")))
    }

    /// The fast path gives what deciding item by item gives, for every
    /// rule file of the library on its dataset.
    #[test]
    fn the_fast_path_gives_the_outcomes_of_the_general_one() {
        let root = env!("CARGO_MANIFEST_DIR");
        // Two whole includes that both match the rail items, so that the
        // last one decides.
        let overlapping =
            std::env::temp_dir().join(format!("pledge-fast-path-{}.pledge", std::process::id()));
        std::fs::write(
            &overlapping,
            "pledge \"P\" {\n  category c \"C\" {\n    include nato_category == infrastructure\n    include function == military_mobility\n  }\n  require r: c >= 1% of gdp\n}\n",
        )
        .expect("written");
        let overlapping = overlapping.display().to_string();
        let files = [
            (overlapping.as_str(), "sample"),
            ("rules/hague-2025.pledge", "nato"),
            ("rules/wales-2014.pledge", "nato"),
            ("rules/alternatives/broad-related.pledge", "nato"),
            ("rules/alternatives/narrow-related.pledge", "nato"),
            ("rules/alternatives/rutte-draft-2032.pledge", "nato"),
            ("rules/alternatives/spain-flexibility.pledge", "nato"),
            ("rules/alternatives/ukraine-aid-excluded.pledge", "nato"),
            ("rules/alternatives/ukraine-aid-in-related.pledge", "nato"),
            ("rules/alternatives/cofog-public-order.pledge", "cofog"),
            (
                "rules/alternatives/hague-cofog-related.pledge",
                "nato-cofog",
            ),
            (
                "rules/alternatives/southern-border-security.pledge",
                "nato-cofog",
            ),
        ];
        let mut loaded: Vec<(&str, crate::data::Dataset)> = Vec::new();
        for (file, data) in files {
            if !loaded.iter().any(|(name, _)| *name == data) {
                let source = crate::data::bundled::source(data).expect("bundled");
                loaded.push((data, crate::data::load(&source).expect("loads")));
            }
            let dataset = &loaded
                .iter()
                .find(|(name, _)| *name == data)
                .expect("loaded")
                .1;
            let path = if file.starts_with('/') {
                file.to_string()
            } else {
                format!("{root}/{file}")
            };
            let fast = outcomes(&path, dataset, false);
            let general = outcomes(&path, dataset, true);
            assert!(fast.len() > 1000, "{file}: {fast}");
            assert_eq!(fast, general, "{file}");
        }
        let _ = std::fs::remove_file(&overlapping);
    }
}
