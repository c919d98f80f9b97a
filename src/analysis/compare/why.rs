//! Compare: why one ally's outcomes differ between drafts (the contrastive explanation).

use std::collections::BTreeSet;

use super::*;
use crate::analysis::explain::Node;
use crate::analysis::Prepared;
use crate::eval::engine::{decode, Body, DecisionKind, Engine, Value, YearState};
use crate::eval::outcome::PledgeOutcome;
use crate::program::{Category, CategoryId};
use crate::report::numbers;
use crate::source::Sources;

/// Items listed per category before "and N more".
const MAX_ITEMS_SHOWN: usize = 25;

/// What `--why` asks: why one ally's outcomes differ between the drafts.
pub(crate) struct WhyQuestion<'a> {
    pub(crate) prepared: &'a [Prepared],
    pub(crate) drafts: &'a [Draft],
    pub(crate) outcomes: &'a [PledgeOutcome],
    /// The ally, as a code of the data.
    pub(crate) country: &'a str,
    /// The years shown in the comparison.
    pub(crate) years: &'a [i32],
    pub(crate) flips: &'a [Flip],
}

impl WhyQuestion<'_> {
    /// The flips of the ally.
    pub(crate) fn ally_flips(&self) -> impl Iterator<Item = &Flip> {
        self.flips.iter().filter(|f| f.country == self.country)
    }

    /// The years explained: those in which the ally's outcomes flip, else
    /// every year shown.
    pub(crate) fn years_explained(&self) -> BTreeSet<i32> {
        let mut chosen: BTreeSet<i32> = self.ally_flips().map(|f| f.year).collect();
        if chosen.is_empty() {
            chosen.extend(self.years.iter().copied());
        }
        chosen
    }
}

/// Why an ally's outcomes differ: per requirement that flips (or, if none,
/// that changes value), the categories whose totals differ and the items
/// each draft treats differently, citing the deciding clause of each draft.
pub(crate) fn explain_why(question: &WhyQuestion<'_>) -> Vec<Node> {
    let Some(reference) = question.prepared.first() else {
        return Vec::new();
    };
    let Some(country_index) = reference.dataset.country_index(question.country) else {
        return Vec::new();
    };
    let country = question.country;
    let years = question.years_explained();
    let mut nodes = Vec::new();
    for (index, other) in question.prepared.iter().enumerate().skip(1) {
        let Some(pair) = Pair::new(question, reference, index, other) else {
            continue;
        };
        let params = pair.param_nodes();
        for &year in &years {
            let mut children = pair.requirement_nodes(country, year);
            children.extend(pair.category_nodes(country_index, year));
            children.extend(params.iter().cloned());
            if children.is_empty() {
                children.push(Node::leaf("no difference for this ally in this year"));
            }
            nodes.push(Node::with(
                format!(
                    "Why {country}'s outcomes differ in {year} (A → {})",
                    pair.name_b
                ),
                children,
            ));
        }
    }
    nodes
}

/// The reference draft (A) and one other draft, with their engines and
/// outcomes.
struct Pair<'a> {
    reference: &'a Prepared,
    other: &'a Prepared,
    engine_a: Engine<'a>,
    engine_b: Engine<'a>,
    outcome_a: &'a PledgeOutcome,
    outcome_b: &'a PledgeOutcome,
    /// The other draft's label (B, C, ...).
    name_b: String,
}

impl<'a> Pair<'a> {
    fn new(
        question: &WhyQuestion<'a>,
        reference: &'a Prepared,
        index: usize,
        other: &'a Prepared,
    ) -> Option<Pair<'a>> {
        Some(Pair {
            reference,
            other,
            engine_a: Engine::for_pledge(&reference.checked, 0, &reference.dataset)?,
            engine_b: Engine::for_pledge(&other.checked, 0, &other.dataset)?,
            outcome_a: question.outcomes.first()?,
            outcome_b: question.outcomes.get(index)?,
            name_b: question
                .drafts
                .get(index)
                .map_or(String::new(), |d| d.label.clone()),
        })
    }

    /// The requirements whose outcome or figures differ for the ally in
    /// `year`.
    fn requirement_nodes(&self, country: &str, year: i32) -> Vec<Node> {
        let mut nodes = Vec::new();
        for requirement in &self.outcome_a.requirements {
            let (Some(ra), Some(rb)) = (
                self.outcome_a.result(requirement, country, year),
                self.outcome_b.result(requirement, country, year),
            ) else {
                continue;
            };
            if ra.status == rb.status && ra.value == rb.value && ra.threshold == rb.threshold {
                continue;
            }
            nodes.push(self.requirement_node(requirement, ra, rb));
        }
        nodes
    }

    /// One requirement's outcome in both drafts, with the rule, value and
    /// threshold that differ.
    fn requirement_node(
        &self,
        requirement: &str,
        ra: &RequirementResult,
        rb: &RequirementResult,
    ) -> Node {
        let name_b = &self.name_b;
        let mut node = Node::leaf(format!(
            "{requirement}: A {} → {name_b} {}",
            describe_outcome(ra),
            describe_outcome(rb)
        ));
        if ra.rule != rb.rule {
            node.children
                .push(Node::leaf(format!("rule in A: `{}`", ra.rule)));
            node.children
                .push(Node::leaf(format!("rule in {name_b}: `{}`", rb.rule)));
        }
        if ra.value != rb.value {
            node.children.push(Node::leaf(format!(
                "value: A {} → {name_b} {}",
                opt_in_unit(ra.value, ra.unit),
                opt_in_unit(rb.value, rb.unit)
            )));
        }
        if ra.threshold != rb.threshold {
            node.children.push(Node::leaf(format!(
                "threshold: A {} → {name_b} {}",
                opt_in_unit(ra.threshold, ra.unit),
                opt_in_unit(rb.threshold, rb.unit)
            )));
        }
        node
    }

    /// Categories whose totals differ, item by item.
    fn category_nodes(&self, country: u16, year: i32) -> Vec<Node> {
        self.engine_a
            .program
            .categories_by_id()
            .filter_map(|(ia, category)| self.category_node(ia, category, country, year))
            .collect()
    }

    /// One category whose total differs: both totals, the items the drafts
    /// treat differently and the amounts the caps cut off.
    fn category_node(
        &self,
        ia: CategoryId,
        category: &Category,
        country: u16,
        year: i32,
    ) -> Option<Node> {
        let ib = self.engine_b.program.category_index(&category.id)?;
        let (state_a, state_b) = (
            self.engine_a.state(country, year),
            self.engine_b.state(country, year),
        );
        let cat_a = state_a.category(ia)?;
        let cat_b = state_b.category(ib)?;
        if cat_a.counted == cat_b.counted {
            return None;
        }
        let name_b = &self.name_b;
        let mut node = Node::leaf(format!(
            "category {}: A {} → {name_b} {}",
            category.id,
            total(&cat_a.counted),
            total(&cat_b.counted)
        ));
        let bodies_a = self.engine_a.bodies(country);
        let bodies_b = self.engine_b.bodies(country);
        let a = CategoryView {
            engine: &self.engine_a,
            bodies: bodies_a.as_slice(),
            state: &state_a,
            category: ia,
            sources: &self.reference.workspace.sources,
        };
        let b = CategoryView {
            engine: &self.engine_b,
            bodies: bodies_b.as_slice(),
            state: &state_b,
            category: ib,
            sources: &self.other.workspace.sources,
        };
        node.children.extend(self.item_nodes(&a, &b));
        if cat_a.cut_off != cat_b.cut_off {
            node.children.push(Node::leaf(format!(
                "cut off by caps: A {} → {name_b} {}",
                numbers::money(cat_a.cut_off),
                numbers::money(cat_b.cut_off)
            )));
        }
        Some(node)
    }

    /// The items the two drafts treat differently, by id (so that
    /// explanations diff across editions), at most `MAX_ITEMS_SHOWN`.
    fn item_nodes(&self, a: &CategoryView<'_, '_>, b: &CategoryView<'_, '_>) -> Vec<Node> {
        let id = |position: usize| self.reference.dataset.id(a.item(position));
        let mut order: Vec<usize> = (0..a.state.items.len()).collect();
        order.sort_by(|&x, &y| id(x).cmp(id(y)));
        let differing: Vec<usize> = order
            .into_iter()
            .filter(|&position| a.treats_differently(b, position))
            .collect();
        let mut nodes: Vec<Node> = differing
            .iter()
            .take(MAX_ITEMS_SHOWN)
            .map(|&position| self.item_node(a, b, position))
            .collect();
        let more = differing.len().saturating_sub(MAX_ITEMS_SHOWN);
        if more > 0 {
            nodes.push(Node::leaf(format!("… and {more} more items")));
        }
        nodes
    }

    /// One item: its amount, the change in what is counted, and how each
    /// draft treats it.
    fn item_node(
        &self,
        a: &CategoryView<'_, '_>,
        b: &CategoryView<'_, '_>,
        position: usize,
    ) -> Node {
        let data = &self.reference.dataset;
        let item = a.item(position);
        let amount = data.amount.get(item).unwrap_or_default();
        let change = amount * (b.weight(position) - a.weight(position));
        Node::with(
            format!(
                "{}: {} ({}{})",
                data.describe_item(item),
                numbers::money(amount),
                if change.is_sign_negative() { "" } else { "+" },
                numbers::money(change)
            ),
            vec![
                Node::leaf(format!("A: {}", a.treatment(position))),
                Node::leaf(format!("{}: {}", self.name_b, b.treatment(position))),
            ],
        )
    }

    /// The parameters that differ between the two drafts.
    fn param_nodes(&self) -> Vec<Node> {
        diff(self.reference, self.other, &self.name_b)
            .into_iter()
            .filter(|change| change.what.starts_with("param "))
            .map(|change| {
                Node::leaf(format!(
                    "{}: A {} → {} {}",
                    change.what,
                    change.before.unwrap_or_else(|| "absent".into()),
                    self.name_b,
                    change.after.unwrap_or_else(|| "absent".into())
                ))
            })
            .collect()
    }
}

/// A category total in money, or why there is none.
fn total(value: &Value) -> String {
    value.as_ref().map_or_else(
        |m| format!("no data ({})", m.reason),
        |d| numbers::money(*d),
    )
}

/// One draft's category in a country-year: what it decided for each item.
struct CategoryView<'v, 'a> {
    engine: &'v Engine<'a>,
    bodies: &'v [Body<'a>],
    state: &'v YearState,
    category: CategoryId,
    sources: &'v Sources,
}

impl CategoryView<'_, '_> {
    /// The dataset index of the item at `position` of the country-year.
    fn item(&self, position: usize) -> usize {
        self.state.items.get(position).copied().unwrap_or(0) as usize
    }

    fn weight(&self, position: usize) -> Decimal {
        self.state.weight(self.category, position)
    }

    fn decision(&self, position: usize) -> Option<DecisionKind> {
        self.state
            .category(self.category)
            .and_then(|c| c.decisions.get(position))
            .map(|d| decode(*d))
    }

    /// Whether the other draft counts the item at another weight or decides
    /// it by another kind of decision.
    fn treats_differently(&self, other: &CategoryView<'_, '_>, position: usize) -> bool {
        let (da, db) = (self.decision(position), other.decision(position));
        let same_kind = std::mem::discriminant(&da) == std::mem::discriminant(&db);
        !(self.weight(position) == other.weight(position) && same_kind)
    }

    /// How the draft treats the item, citing the deciding clause.
    fn treatment(&self, position: usize) -> String {
        let decision = self.decision(position).unwrap_or(DecisionKind::Unmatched);
        let clause = |i: usize| {
            self.bodies
                .get(self.category.index())
                .and_then(|b| b.clauses.get(i))
                .map(|(c, _)| format!("`{}` ({})", c.text, self.sources.location(c.span)))
                .unwrap_or_default()
        };
        match decision {
            DecisionKind::Included(i) => format!(
                "counted at {} by {}",
                numbers::percent(self.weight(position)).replace(".00%", "%"),
                clause(i)
            ),
            DecisionKind::Excluded(i) => format!("excluded by {}", clause(i)),
            DecisionKind::CountedIn(other) => format!(
                "left out: already counted in `{}`",
                self.engine
                    .program
                    .category(other)
                    .map_or("", |c| c.id.as_str())
            ),
            DecisionKind::NotInParent => "not counted in its parent category".to_string(),
            DecisionKind::Unmatched => "matched no clause".to_string(),
        }
    }
}
