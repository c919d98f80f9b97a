//! The derivation of a category's total: the items each clause took or
//! excluded, caps, partial credit, the items left out, and the
//! reconciliation of every amount.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::{Explainer, Node};
use crate::data::Dataset;
use crate::eval::engine::{decode, Body, CategoryState, DecisionKind, YearState};
use crate::program::{Category, CategoryId, Type};
use crate::report::numbers;

/// Items listed per group before "and N more".
const MAX_ITEMS_SHOWN: usize = 25;

impl Explainer<'_> {
    /// A category's total: its clauses, the items each took, caps,
    /// exclusions and the items that matched nothing.
    pub fn category(&self, category: CategoryId, country: u16, year: i32, text: &str) -> Node {
        let engine = self.engine;
        let Some(definition) = engine.program.category(category) else {
            return Node::leaf(format!("{text}: unknown category"));
        };
        let state = engine.state(country, year);
        let Some(cat) = state.category(category) else {
            return Node::leaf(format!("{text}: unknown category"));
        };
        let mut node = self.category_headline(definition, cat, country, year);
        if state.items.is_empty() {
            return node;
        }
        let bodies = engine.bodies(country);
        let Some(body) = bodies.get(category.index()) else {
            return node;
        };
        let decisions = Decisions::of(cat, body.clauses.len());
        let shares = engine.in_shares(country, year);
        let items = Items {
            data: engine.data,
            state: &state,
            category,
            shares,
            money_unit: &engine.data.manifest.money_unit,
            amount_unit: self.unit_of_value("money", shares),
        };
        node.children
            .extend(self.clause_nodes(&items, body, &decisions));
        node.children
            .extend(self.counted_in_nodes(&items, &decisions.counted_in));
        if !cat.caps.is_empty() {
            node.children
                .push(self.caps_node(&items, body, cat, country, year));
        }
        if !cat.not_credited.is_zero() {
            node.children.push(Node::leaf(format!(
                "not credited (the uncounted part of partial credit): {}",
                items.money(cat.not_credited)
            )));
        }
        if !decisions.outside_parent.is_empty() {
            node.children.push(self.outside_parent_node(
                &items,
                definition,
                &decisions.outside_parent,
            ));
        }
        if !decisions.unmatched.is_empty() {
            let unmatched = &decisions.unmatched;
            node.children.push(Node::with(
                format!(
                    "matched no clause: {} item(s), {}",
                    unmatched.len(),
                    items.money(items.total(unmatched))
                ),
                items.list(unmatched, false),
            ));
        }
        if cat.counted.is_err() {
            return node;
        }
        node.children.push(items.reconciliation(cat));
        node
    }

    /// `category core "Core defence" (file:line) = 17,707 million`, with its
    /// exact total and unit.
    fn category_headline(
        &self,
        definition: &Category,
        cat: &CategoryState,
        country: u16,
        year: i32,
    ) -> Node {
        let label_text = definition
            .label
            .as_ref()
            .map_or(String::new(), |l| format!(" \"{l}\""));
        let shown = self.show(&cat.counted, Type::Money, country, year);
        let node = Node::leaf(format!(
            "category {}{label_text} ({}) = {shown}",
            definition.id,
            self.sources.location(definition.span)
        ));
        match &cat.counted {
            Ok(total) => node.value("value", total).value(
                "unit",
                self.unit_of_value("money", self.engine.in_shares(country, year)),
            ),
            Err(_) => node,
        }
    }

    /// Per clause, in body order, the items it took and the items it
    /// excluded.
    fn clause_nodes(&self, items: &Items<'_>, body: &Body<'_>, decisions: &Decisions) -> Vec<Node> {
        let mut nodes = Vec::new();
        for (i, (clause, _)) in body.clauses.iter().enumerate() {
            let location = self.sources.location(clause.span);
            // The items a clause took count at their weights.
            let groups = [
                (decisions.included.get(i), "took", true),
                (decisions.excluded.get(i), "excluded", false),
            ];
            for (positions, verb, weighted) in groups {
                let Some(positions) = positions.filter(|p| !p.is_empty()) else {
                    continue;
                };
                let total = if weighted {
                    items.credited_total(positions)
                } else {
                    items.total(positions)
                };
                nodes.push(Node::with(
                    format!(
                        "`{}` ({location}) {verb} {} item(s): {}",
                        clause.text,
                        positions.len(),
                        items.money(total)
                    ),
                    items.list(positions, weighted),
                ));
            }
        }
        nodes
    }

    /// The items `exclude counted in` left out, per category that counts
    /// them already.
    fn counted_in_nodes(
        &self,
        items: &Items<'_>,
        counted_in: &BTreeMap<CategoryId, Vec<usize>>,
    ) -> Vec<Node> {
        counted_in
            .iter()
            .map(|(other, positions)| {
                let name = self.category_id(*other);
                Node::with(
                    format!("`exclude counted in {name}` left out {} item(s) already counted in `{name}`: {}", positions.len(), items.money(items.total(positions))),
                    items.list(positions, false),
                )
            })
            .collect()
    }

    /// The caps with their limits, and what they cut off.
    fn caps_node(
        &self,
        items: &Items<'_>,
        body: &Body<'_>,
        cat: &CategoryState,
        country: u16,
        year: i32,
    ) -> Node {
        let caps = body
            .caps
            .iter()
            .zip(&cat.caps)
            .map(|(cap, value)| {
                let limit = self.show(value, Type::Money, country, year);
                Node::leaf(format!(
                    "`{}` ({}): limit {limit}",
                    cap.text,
                    self.sources.location(cap.span)
                ))
            })
            .collect();
        let summary = if cat.counted.is_err() {
            format!(
                "caps: before them {}; they could not be applied",
                items.money(cat.gross)
            )
        } else {
            format!(
                "caps: before them {}; the lowest limit applies; cut off {}",
                items.money(cat.gross),
                items.money(cat.cut_off)
            )
        };
        Node::with(summary, caps)
    }

    /// The items a `within` category leaves out because its parent does not
    /// count them.
    fn outside_parent_node(
        &self,
        items: &Items<'_>,
        definition: &Category,
        positions: &[usize],
    ) -> Node {
        let parent = definition.within.map_or("", |p| self.category_id(p));
        Node::with(
            format!(
                "not counted in the parent `{parent}`: {} item(s), {}",
                positions.len(),
                items.money(items.total(positions))
            ),
            items.list(positions, false),
        )
    }

    /// The name of a category (empty for an unknown one).
    fn category_id(&self, category: CategoryId) -> &str {
        self.engine
            .program
            .category(category)
            .map_or("", |c| c.id.as_str())
    }
}

/// The positions of a country-year's items, grouped by the decision one
/// category took for them.
struct Decisions {
    /// Per clause, the items it took.
    included: Vec<Vec<usize>>,
    /// Per clause, the items it excluded.
    excluded: Vec<Vec<usize>>,
    /// Per other category, the items left out as counted there already.
    counted_in: BTreeMap<CategoryId, Vec<usize>>,
    outside_parent: Vec<usize>,
    unmatched: Vec<usize>,
}

impl Decisions {
    fn of(cat: &CategoryState, clauses: usize) -> Decisions {
        let mut decisions = Decisions {
            included: vec![Vec::new(); clauses],
            excluded: vec![Vec::new(); clauses],
            counted_in: BTreeMap::new(),
            outside_parent: Vec::new(),
            unmatched: Vec::new(),
        };
        for (position, &decision) in cat.decisions.iter().enumerate() {
            match decode(decision) {
                DecisionKind::Included(i) => {
                    if let Some(list) = decisions.included.get_mut(i) {
                        list.push(position);
                    }
                }
                DecisionKind::Excluded(i) => {
                    if let Some(list) = decisions.excluded.get_mut(i) {
                        list.push(position);
                    }
                }
                DecisionKind::CountedIn(c) => {
                    decisions.counted_in.entry(c).or_default().push(position);
                }
                DecisionKind::NotInParent => decisions.outside_parent.push(position),
                DecisionKind::Unmatched => decisions.unmatched.push(position),
            }
        }
        decisions
    }
}

/// The items of one category in one country-year as the explanation shows
/// them: amounts in money, or shares of GDP where the figures are shares.
struct Items<'e> {
    data: &'e Dataset,
    state: &'e YearState,
    category: CategoryId,
    /// The figures are shares of GDP.
    shares: bool,
    /// The dataset's money unit.
    money_unit: &'e str,
    /// The unit of the exact amounts: the money unit or `share of GDP`.
    amount_unit: String,
}

impl Items<'_> {
    /// The dataset index of the item at `position` of the country-year.
    fn item(&self, position: usize) -> usize {
        self.state.items.get(position).copied().unwrap_or(0) as usize
    }

    fn amount(&self, position: usize) -> Decimal {
        self.state
            .items
            .get(position)
            .and_then(|&i| self.data.amount.get(i as usize))
            .unwrap_or_default()
    }

    /// The amounts of the items at `positions`, added.
    fn total(&self, positions: &[usize]) -> Decimal {
        positions.iter().map(|&p| self.amount(p)).sum()
    }

    /// The amounts the category credits for the items at `positions`.
    fn credited_total(&self, positions: &[usize]) -> Decimal {
        positions
            .iter()
            .map(|&p| self.amount(p) * self.state.weight(self.category, p))
            .sum()
    }

    /// An amount with its unit, or a share of GDP.
    fn money(&self, value: Decimal) -> String {
        if self.shares {
            format!("{} of GDP", numbers::percent(value))
        } else {
            numbers::money_in(value, self.money_unit)
        }
    }

    /// The items at `positions` by id (so that explanations of two
    /// editions can be diffed), at most `MAX_ITEMS_SHOWN`, with their
    /// weights where `weights`.
    fn list(&self, positions: &[usize], weights: bool) -> Vec<Node> {
        let id = |position: usize| self.data.id(self.item(position));
        let mut positions = positions.to_vec();
        positions.sort_by(|&a, &b| id(a).cmp(id(b)));
        let mut nodes: Vec<Node> = positions
            .iter()
            .take(MAX_ITEMS_SHOWN)
            .map(|&p| self.item_line(p, weights.then(|| self.state.weight(self.category, p))))
            .collect();
        if positions.len() > MAX_ITEMS_SHOWN {
            nodes.push(Node::leaf(format!(
                "… and {} more items",
                positions.len() - MAX_ITEMS_SHOWN
            )));
        }
        nodes
    }

    /// One item: what it is, its fields and tags, its amount, the part
    /// credited at a weight other than 100%, and its edition.
    fn item_line(&self, position: usize, weight: Option<Decimal>) -> Node {
        let data = self.data;
        let item = self.item(position);
        let a = self.amount(position);
        let fields = item_fields(data, item);
        let partial = weight.filter(|w| *w != Decimal::ONE);
        let credit = partial.map_or(String::new(), |w| {
            format!(
                " × {} = {}",
                numbers::percent(w).replace(".00%", "%"),
                self.money(a * w)
            )
        });
        // The release an item comes from, where the dataset has several.
        let edition = data.edition_of(item).map_or(String::new(), |e| {
            format!(" ({} edition)", edition_short(&e.name))
        });
        let node = Node::leaf(format!(
            "{}{fields}: {}{credit}{edition}",
            data.describe_item(item),
            self.money(a)
        ))
        .value("amount", a)
        .value("unit", self.amount_unit.clone());
        match partial {
            Some(w) => node.value("weight", w).value("credited", a * w),
            None => node,
        }
    }

    /// Every amount of the category added up to all its items, with the
    /// unit once before the amounts.
    fn reconciliation(&self, cat: &CategoryState) -> Node {
        let (unit_label, plain): (String, &dyn Fn(Decimal) -> String) = if self.shares {
            (String::new(), &|value| self.money(value))
        } else {
            (
                format!(" in {}", numbers::short_unit(self.money_unit)),
                &numbers::money,
            )
        };
        Node::leaf(format!(
            "reconciliation{unit_label}: counted {} + cut off {} + not credited {} + excluded {} + unmatched {} = all items {}",
            plain(cat.counted.clone().unwrap_or(cat.gross - cat.cut_off)),
            plain(cat.cut_off),
            plain(cat.not_credited),
            plain(cat.excluded),
            plain(cat.unmatched),
            plain(cat.input)
        ))
        .maybe("counted", cat.counted.clone().ok())
        .value("cut_off", cat.cut_off)
        .value("not_credited", cat.not_credited)
        .value("excluded", cat.excluded)
        .value("unmatched", cat.unmatched)
        .value("all_items", cat.input)
        .value("unit", self.amount_unit.clone())
    }
}

/// ` [cofog GF0301, tag nato]`: the fields and tags of an item (`all, not
/// split` for a field the source does not split); empty without any.
fn item_fields(data: &Dataset, item: usize) -> String {
    let fields: Vec<String> = (0..data.manifest.fields.len())
        .filter_map(|f| {
            let name = &data.manifest.fields.get(f)?.name;
            data.field_text(item, f).map(|v| {
                if v == "*" {
                    format!("{name} all, not split")
                } else {
                    format!("{name} {v}")
                }
            })
        })
        .chain(data.tag_names(item).into_iter().map(|t| format!("tag {t}")))
        .collect();
    if fields.is_empty() {
        String::new()
    } else {
        format!(" [{}]", fields.join(", "))
    }
}

/// "June 2024" from "NATO Defence Expenditure of NATO Countries (2014-2024), June 2024".
fn edition_short(name: &str) -> &str {
    name.rsplit(", ").next().unwrap_or(name)
}
