//! Compare: why one ally's outcomes differ between drafts (the contrastive explanation).

use std::collections::BTreeSet;

use super::*;
use crate::analysis::explain::Node;
use crate::analysis::Prepared;
use crate::eval::engine::{decode, DecisionKind, Engine};
use crate::eval::outcome::PledgeOutcome;
use crate::report::numbers;
use crate::source::Sources;

/// Why an ally's outcomes differ: per requirement that flips (or, if none,
/// that changes value), the categories whose totals differ and the items
/// each draft treats differently, citing the deciding clause of each draft.
#[allow(clippy::too_many_lines)] // Over 100 lines: to be split.
pub(crate) fn explain_why(
    prepared: &[Prepared],
    drafts: &[Draft],
    outcomes: &[PledgeOutcome],
    country: &str,
    years: &[i32],
    flips: &[Flip],
) -> Vec<Node> {
    let Some(reference) = prepared.first() else {
        return Vec::new();
    };
    let Some(country_index) = reference.dataset.country_index(country) else {
        return Vec::new();
    };
    let mut chosen: BTreeSet<i32> = flips
        .iter()
        .filter(|f| f.country == country)
        .map(|f| f.year)
        .collect();
    if chosen.is_empty() {
        chosen.extend(years.iter().copied());
    }
    let mut nodes = Vec::new();
    for (index, other) in prepared.iter().enumerate().skip(1) {
        let (Some(engine_a), Some(engine_b)) = (
            Engine::for_pledge(&reference.checked, 0, &reference.dataset),
            Engine::for_pledge(&other.checked, 0, &other.dataset),
        ) else {
            continue;
        };
        let (Some(oa), Some(ob)) = (outcomes.first(), outcomes.get(index)) else {
            continue;
        };
        let name_b = drafts.get(index).map_or(String::new(), |d| d.label.clone());
        for &year in &chosen {
            let mut children = Vec::new();
            for requirement in &oa.requirements {
                let (Some(ra), Some(rb)) = (
                    oa.result(requirement, country, year),
                    ob.result(requirement, country, year),
                ) else {
                    continue;
                };
                if ra.status == rb.status && ra.value == rb.value && ra.threshold == rb.threshold {
                    continue;
                }
                let mut req_node = Node::leaf(format!(
                    "{requirement}: A {} → {name_b} {}",
                    describe_outcome(ra),
                    describe_outcome(rb)
                ));
                if ra.rule != rb.rule {
                    req_node
                        .children
                        .push(Node::leaf(format!("rule in A: `{}`", ra.rule)));
                    req_node
                        .children
                        .push(Node::leaf(format!("rule in {name_b}: `{}`", rb.rule)));
                }
                if ra.value != rb.value {
                    req_node.children.push(Node::leaf(format!(
                        "value: A {} → {name_b} {}",
                        opt_in_unit(ra.value, ra.unit),
                        opt_in_unit(rb.value, rb.unit)
                    )));
                }
                if ra.threshold != rb.threshold {
                    req_node.children.push(Node::leaf(format!(
                        "threshold: A {} → {name_b} {}",
                        opt_in_unit(ra.threshold, ra.unit),
                        opt_in_unit(rb.threshold, rb.unit)
                    )));
                }
                children.push(req_node);
            }
            // Categories whose totals differ, item by item.
            let (pa, pb) = (engine_a.program, engine_b.program);
            for (ia, category) in pa.categories.iter().enumerate() {
                let Some(ib) = pb.category_index(&category.id) else {
                    continue;
                };
                let (state_a, state_b) = (
                    engine_a.state(country_index, year),
                    engine_b.state(country_index, year),
                );
                let (Some(cat_a), Some(cat_b)) =
                    (state_a.categories.get(ia), state_b.categories.get(ib))
                else {
                    continue;
                };
                if cat_a.counted == cat_b.counted {
                    continue;
                }
                let show = |v: &crate::eval::engine::Value| {
                    v.as_ref().map_or_else(
                        |m| format!("no data ({})", m.reason),
                        |d| numbers::money(*d),
                    )
                };
                let mut node = Node::leaf(format!(
                    "category {}: A {} → {name_b} {}",
                    category.id,
                    show(&cat_a.counted),
                    show(&cat_b.counted)
                ));
                let bodies_a = engine_a.bodies(country_index);
                let bodies_b = engine_b.bodies(country_index);
                let treatment = |engine: &Engine<'_>,
                                 bodies: &[crate::eval::engine::Body<'_>],
                                 state: &crate::eval::engine::YearState,
                                 cat: usize,
                                 position: usize,
                                 sources: &Sources|
                 -> String {
                    let weight = state.weight(cat, position);
                    let decision = state
                        .categories
                        .get(cat)
                        .and_then(|c| c.decisions.get(position))
                        .copied()
                        .unwrap_or(crate::eval::engine::UNMATCHED);
                    let clause = |i: usize| {
                        bodies
                            .get(cat)
                            .and_then(|b| b.clauses.get(i))
                            .map(|(c, _)| format!("`{}` ({})", c.text, sources.location(c.span)))
                    };
                    match decode(decision) {
                        DecisionKind::Included(i) => format!(
                            "counted at {} by {}",
                            numbers::percent(weight).replace(".00%", "%"),
                            clause(i).unwrap_or_default()
                        ),
                        DecisionKind::Excluded(i) => {
                            format!("excluded by {}", clause(i).unwrap_or_default())
                        }
                        DecisionKind::CountedIn(other) => format!(
                            "left out: already counted in `{}`",
                            engine
                                .program
                                .categories
                                .get(other)
                                .map_or("", |c| c.id.as_str())
                        ),
                        DecisionKind::NotInParent => {
                            "not counted in its parent category".to_string()
                        }
                        DecisionKind::Unmatched => "matched no clause".to_string(),
                    }
                };
                let mut shown = 0;
                let mut more = 0;
                // Items by id, so that explanations diff across editions.
                let id = |position: usize| {
                    reference
                        .dataset
                        .id(state_a.items.get(position).copied().unwrap_or(0) as usize)
                };
                let mut order: Vec<usize> = (0..state_a.items.len()).collect();
                order.sort_by(|&a, &b| id(a).cmp(id(b)));
                for position in order {
                    let (wa, wb) = (state_a.weight(ia, position), state_b.weight(ib, position));
                    let (da, db) = (
                        cat_a.decisions.get(position).map(|d| decode(*d)),
                        cat_b.decisions.get(position).map(|d| decode(*d)),
                    );
                    let same_kind = std::mem::discriminant(&da) == std::mem::discriminant(&db);
                    if wa == wb && same_kind {
                        continue;
                    }
                    if shown >= 25 {
                        more += 1;
                        continue;
                    }
                    shown += 1;
                    let item = state_a.items.get(position).copied().unwrap_or(0) as usize;
                    let amount = reference
                        .dataset
                        .amount
                        .get(item)
                        .copied()
                        .unwrap_or_default();
                    let change = amount * (wb - wa);
                    node.children.push(Node::with(
                        format!(
                            "{}: {} ({}{})",
                            reference.dataset.describe_item(item),
                            numbers::money(amount),
                            if change.is_sign_negative() { "" } else { "+" },
                            numbers::money(change)
                        ),
                        vec![
                            Node::leaf(format!(
                                "A: {}",
                                treatment(
                                    &engine_a,
                                    bodies_a.as_slice(),
                                    &state_a,
                                    ia,
                                    position,
                                    &reference.workspace.sources
                                )
                            )),
                            Node::leaf(format!(
                                "{name_b}: {}",
                                treatment(
                                    &engine_b,
                                    bodies_b.as_slice(),
                                    &state_b,
                                    ib,
                                    position,
                                    &other.workspace.sources
                                )
                            )),
                        ],
                    ));
                }
                if more > 0 {
                    node.children
                        .push(Node::leaf(format!("… and {more} more items")));
                }
                if cat_a.cut_off != cat_b.cut_off {
                    node.children.push(Node::leaf(format!(
                        "cut off by caps: A {} → {name_b} {}",
                        numbers::money(cat_a.cut_off),
                        numbers::money(cat_b.cut_off)
                    )));
                }
                children.push(node);
            }
            // Parameters that differ.
            for change in diff(reference, other, &name_b) {
                if change.what.starts_with("param ") {
                    children.push(Node::leaf(format!(
                        "{}: A {} → {name_b} {}",
                        change.what,
                        change.before.unwrap_or_else(|| "absent".into()),
                        change.after.unwrap_or_else(|| "absent".into())
                    )));
                }
            }
            if children.is_empty() {
                children.push(Node::leaf("no difference for this ally in this year"));
            }
            nodes.push(Node::with(
                format!("Why {country}'s outcomes differ in {year} (A → {name_b})"),
                children,
            ));
        }
    }
    nodes
}
