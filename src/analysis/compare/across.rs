//! Why an ally's outcomes differ when the drafts ran on different data:
//! each draft's verdict is explained on its own figures, with the line
//! items each of its categories counts (the rows of its own data files), so
//! that a flip can be traced to the text or to the data.

use std::collections::BTreeSet;

use rust_decimal::Decimal;

use super::why::WhyQuestion;
use super::{describe_outcome, opt_in_unit, Draft};
use crate::analysis::explain::Node;
use crate::analysis::Prepared;
use crate::eval::engine::{decode, DecisionKind, Engine, YearState};
use crate::eval::outcome::PledgeOutcome;
use crate::program::CategoryId;
use crate::report::numbers;

/// Items listed per category and draft.
const MAX_ITEMS: usize = 12;

/// Why an ally's outcomes differ, draft by draft on its own data, for the
/// requirements that flip (every requirement when none does).
pub(crate) fn explain_across_data(question: &WhyQuestion<'_>) -> Vec<Node> {
    let country = question.country;
    let requirements: BTreeSet<&str> = question
        .ally_flips()
        .map(|f| f.requirement.as_str())
        .collect();
    let mut nodes = Vec::new();
    for year in question.years_explained() {
        let mut children = Vec::new();
        for ((draft, outcome), p) in question
            .drafts
            .iter()
            .zip(question.outcomes)
            .zip(question.prepared)
        {
            children.push(draft_node(draft, outcome, p, country, year, &requirements));
        }
        nodes.push(Node::with(
            format!("Why {country}'s outcomes differ in {year}: each draft on its own data"),
            children,
        ));
    }
    nodes
}

fn draft_node(
    draft: &Draft,
    outcome: &PledgeOutcome,
    prepared: &Prepared,
    country: &str,
    year: i32,
    requirements: &BTreeSet<&str>,
) -> Node {
    let label = format!(
        "{} on {} ({})",
        draft.label, prepared.dataset_choice, prepared.dataset.manifest.name
    );
    let mut children = Vec::new();
    for requirement in &outcome.requirements {
        if !requirements.is_empty() && !requirements.contains(requirement.as_str()) {
            continue;
        }
        let Some(result) = outcome.result(requirement, country, year) else {
            children.push(Node::leaf(format!(
                "{requirement}: absent (no figures for {country} in {year} in this data)"
            )));
            continue;
        };
        let figures = match (result.value, result.threshold) {
            (Some(_), Some(_)) => format!(
                "; value {} against {}",
                opt_in_unit(result.value, result.unit),
                opt_in_unit(result.threshold, result.unit)
            ),
            _ => String::new(),
        };
        children.push(Node::leaf(format!(
            "{requirement}: {}{figures}",
            describe_outcome(result)
        )));
    }
    let (Some(engine), Some(index)) = (
        Engine::for_pledge(&prepared.checked, 0, &prepared.dataset),
        prepared.dataset.country_index(country),
    ) else {
        children.push(Node::leaf(format!("{country} is not in this data")));
        return Node::with(label, children);
    };
    let state = engine.state(index, year);
    for (position, category) in engine.program.categories_by_id() {
        children.push(category_node(
            &engine,
            (index, &state),
            position,
            &category.id,
            prepared,
        ));
    }
    Node::with(label, children)
}

/// A category's total and the items it counts, largest first, each with the
/// clause that counted it.
fn category_node(
    engine: &Engine<'_>,
    (country, state): (u16, &YearState),
    category: CategoryId,
    id: &str,
    prepared: &Prepared,
) -> Node {
    let data = &prepared.dataset;
    let Some(cat) = state.category(category) else {
        return Node::leaf(format!("category {id}: unknown"));
    };
    let total = match &cat.counted {
        Ok(v) => numbers::money(*v),
        Err(missing) => format!("no data ({})", missing.reason),
    };
    let mut node = Node::leaf(format!("category {id} = {total}"));
    // (counted, item, clause, weight)
    let mut counted: Vec<(Decimal, usize, usize, Decimal)> = Vec::new();
    for (position, decision) in cat.decisions.iter().enumerate() {
        if let DecisionKind::Included(clause) = decode(*decision) {
            let item = state.items.get(position).copied().unwrap_or(0) as usize;
            let weight = state.weight(category, position);
            let amount = data.amount.get(item).unwrap_or_default() * weight;
            counted.push((amount, item, clause, weight));
        }
    }
    counted.sort_by(|a, b| b.0.cmp(&a.0).then(data.id(a.1).cmp(data.id(b.1))));
    let body_clauses = engine.bodies(country);
    for (amount, item, clause, weight) in counted.iter().take(MAX_ITEMS) {
        let by = body_clauses
            .get(category.index())
            .and_then(|b| b.clauses.get(*clause))
            .map_or(String::new(), |(c, _)| {
                format!(
                    " by `{}` ({})",
                    c.text,
                    prepared.workspace.sources.location(c.span)
                )
            });
        let credit = if *weight == Decimal::ONE {
            numbers::money(*amount)
        } else {
            format!(
                "{} × {} = {}",
                numbers::money(data.amount.get(*item).unwrap_or_default()),
                numbers::percent(*weight).replace(".00%", "%"),
                numbers::money(*amount)
            )
        };
        node.children.push(Node::leaf(format!(
            "{}{}: {credit}{by}",
            data.describe_item(*item),
            fields(data, *item)
        )));
    }
    if counted.len() > MAX_ITEMS {
        node.children.push(Node::leaf(format!(
            "… and {} more items",
            counted.len() - MAX_ITEMS
        )));
    }
    node
}

/// ` [cofog GF0301, cofog_level group]`: the item's fields.
fn fields(data: &crate::data::Dataset, item: usize) -> String {
    let fields: Vec<String> = data
        .manifest
        .fields
        .iter()
        .enumerate()
        .filter_map(|(f, spec)| {
            data.field_text(item, f)
                .filter(|v| !v.is_empty())
                .map(|v| format!("{} {v}", spec.name))
        })
        .collect();
    if fields.is_empty() {
        String::new()
    } else {
        format!(" [{}]", fields.join(", "))
    }
}
