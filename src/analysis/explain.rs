//! `pledge explain`: the derivation of every number as a tree, from the
//! requirement down to the clauses (file:line and text) and the line items
//! they took (with weights and cap cut-offs), the parameters and data series
//! read, and the items that were excluded or matched nothing.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::eval::engine::{decode, DecisionKind, Engine, Value};
use crate::eval::requirement::{self, body_for};
use crate::program::*;
use crate::report::numbers;
use crate::source::Sources;

/// Items listed per group before "and N more".
const MAX_ITEMS_SHOWN: usize = 25;

#[derive(Debug, Clone, Serialize)]
pub struct Node {
    pub label: String,
    /// The numbers of the label as exact decimals (`"value": "17707.0"`),
    /// with their unit, for programs: the label rounds them for people.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub values: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Node>,
}

impl Node {
    pub fn leaf(label: impl Into<String>) -> Node {
        Node {
            label: label.into(),
            values: BTreeMap::new(),
            children: Vec::new(),
        }
    }

    pub fn with(label: impl Into<String>, children: Vec<Node>) -> Node {
        Node {
            label: label.into(),
            values: BTreeMap::new(),
            children,
        }
    }

    /// The node with an exact number (or a unit) under `key`.
    #[must_use]
    pub fn value(mut self, key: &'static str, value: impl ToString) -> Node {
        self.values.insert(key, value.to_string());
        self
    }

    /// The node with an exact number under `key` when there is one.
    #[must_use]
    pub fn maybe(self, key: &'static str, value: Option<Decimal>) -> Node {
        match value {
            Some(v) => self.value(key, v),
            None => self,
        }
    }
}

/// Renders trees with box-drawing branches.
pub fn render(nodes: &[Node]) -> String {
    let mut out = String::new();
    for node in nodes {
        out.push_str(&node.label);
        out.push('\n');
        render_children(&node.children, "", &mut out);
        out.push('\n');
    }
    out
}

fn render_children(children: &[Node], prefix: &str, out: &mut String) {
    for (i, child) in children.iter().enumerate() {
        let last = i + 1 == children.len();
        out.push_str(prefix);
        out.push_str(if last { "└─ " } else { "├─ " });
        out.push_str(&child.label);
        out.push('\n');
        let next = format!("{prefix}{}", if last { "   " } else { "│  " });
        render_children(&child.children, &next, out);
    }
}

pub struct Explainer<'a> {
    pub engine: &'a Engine<'a>,
    pub sources: &'a Sources,
}

impl Explainer<'_> {
    /// The note of a verdict measured on the shares of GDP the source
    /// publishes, with the two figures it compares and the value in money.
    fn shares_node(
        &self,
        view: &Engine<'_>,
        outcome: &requirement::Evaluated,
        body: &crate::program::RequirementBody,
        country: u16,
        year: i32,
    ) -> Node {
        let edition = view
            .data
            .by_country_year
            .get(&(country, year))
            .and_then(|items| items.iter().find_map(|&i| view.data.edition_of(i as usize)))
            .map_or(String::new(), |e| format!(", {}", e.name));
        let figures = match (outcome.value, outcome.threshold) {
            (Some(v), Some(t)) => format!(
                ": {} of GDP against {} of GDP",
                numbers::percent(v),
                numbers::percent(t)
            ),
            _ => String::new(),
        };
        let below = if outcome.value.is_some() {
            "; the figures below are those shares, item by item"
        } else {
            ""
        };
        let mut node = Node::leaf(format!(
            "measured on the published shares of GDP{edition}{figures}{below}"
        ));
        // The same value in money, where the amounts are published.
        let compared = match &body.kind {
            RequirementKind::Compare { left, .. } => left,
            RequirementKind::Path { value, .. } => value,
        };
        if let Ok(amount) = self.engine.eval(compared, country, year) {
            node.children.push(Node::leaf(format!(
                "in money: {} = {}",
                self.sources.slice(compared.span),
                self.show(&Ok(amount), compared.ty, country, year)
            )));
        }
        node
    }

    /// The derivation of one requirement for a country and year.
    #[allow(clippy::too_many_lines)] // Over 100 lines: to be split.
    pub fn requirement(&self, requirement: RequirementId, country: u16, year: i32) -> Option<Node> {
        let program = self.engine.program;
        let req = program.requirements.get(requirement)?;
        let code = self.engine.country_code(country).to_string();
        let outcome = requirement::evaluate(self.engine, requirement, country, year);
        let mut headline = format!(
            "{} — {code} {year}: {}",
            req.id,
            outcome.status.word().replace('_', " ")
        );
        let mut children = Vec::new();
        if let Some(reason) = &outcome.reason {
            headline.push_str(&format!(" ({reason})"));
        }
        let Some((body, specific)) = body_for(req, &code) else {
            return Some(Node::with(headline, children));
        };
        let scope_note = if specific {
            ", a rule for this country only"
        } else {
            ""
        };
        children.push(Node::leaf(format!(
            "rule `{}` ({}{scope_note})",
            body.text,
            self.sources.location(body.span)
        )));
        // Measured on the shares of GDP the source publishes: say so, with
        // the two figures the verdict compares.
        let view = self.engine.view_for(requirement);
        let on_shares = Explainer {
            engine: view,
            sources: self.sources,
        };
        // The parts of the verdict come from the figures it was measured on.
        let parts: &Explainer<'_> = if view.in_shares(country, year) {
            &on_shares
        } else {
            self
        };
        if view.in_shares(country, year) {
            children.push(self.shares_node(view, &outcome, body, country, year));
        }
        match &body.kind {
            RequirementKind::Compare {
                left,
                right,
                from,
                until,
                ..
            } => {
                if let Some(from) = from {
                    children.push(self.year_node("applies from", from, country, year));
                }
                if let Some(until) = until {
                    children.push(self.year_node("applies until", until, country, year));
                }
                // Not yet due: the figures still show where the ally stands.
                if outcome.status == crate::eval::outcome::Status::NotApplicable
                    || (outcome.status == crate::eval::outcome::Status::NotYetDue
                        && outcome.value.is_none())
                {
                    return Some(Node::with(headline, children));
                }
                children.push(parts.labelled("value", left, country, year));
                children.push(parts.labelled("threshold", right, country, year));
            }
            RequirementKind::Path {
                value,
                target,
                by,
                from,
            } => {
                children.push(self.year_node("path starts in", from, country, year));
                children.push(self.year_node("target year", by, country, year));
                if outcome.status == crate::eval::outcome::Status::NotYetDue
                    && outcome.value.is_none()
                {
                    return Some(Node::with(headline, children));
                }
                children.push(parts.labelled("value", value, country, year));
                children.push(parts.labelled("target", target, country, year));
                if let Ok(base) = self.engine.year_spec(from, country, year) {
                    if base != year {
                        children.push(parts.labelled(
                            &format!("value in the base year {base}"),
                            value,
                            country,
                            base,
                        ));
                    }
                }
                if let Some(threshold) = outcome.threshold {
                    children.push(Node::leaf(format!(
                        "point on the straight line for {year}: {}",
                        self.in_unit(threshold, outcome.unit)
                    )));
                }
            }
        }
        let not_due = outcome.status == crate::eval::outcome::Status::NotYetDue;
        if let (Some(margin), Some(_)) = (outcome.margin, outcome.value) {
            // Points of GDP, of the base of `x% of base`, or of the share.
            let points_of = match outcome.margin_basis.as_str() {
                _ if outcome.unit != "money" => String::new(),
                "" | "gdp" => " of GDP".to_string(),
                base => format!(" of {base}"),
            };
            let label = if margin.is_sign_negative() && !margin.is_zero() {
                let pp = outcome.margin_pp.map_or(String::new(), |pp| {
                    format!(" ({} points{points_of})", numbers::fixed(-pp, 2))
                });
                let shortfall = self.in_unit(-margin, outcome.unit);
                let needs = match &outcome.base_growth {
                    Some(growth) => {
                        let share =
                            crate::check::describe_value(growth.share, crate::program::Type::Ratio);
                        let (part, base) = (&growth.part, &growth.base);
                        let add = match growth.to_add {
                            Some(add) => format!(
                                "{} more in {part}, which adds as much to {base} (the shortfall ÷ (1 − {share}))",
                                self.in_unit(add, outcome.unit)
                            ),
                            None => format!("more than any amount added to {part} alone, which adds as much to {base}"),
                        };
                        format!("{add}, or {shortfall} moved from the rest of {base} into {part}, which leaves {base} as it is")
                    }
                    None => format!("{shortfall} more"),
                };
                format!("shortfall: {shortfall}{pp}; meeting it needs {needs}")
            } else {
                let pp = outcome.margin_pp.map_or(String::new(), |pp| {
                    format!(" ({} points{points_of})", numbers::fixed(pp, 2))
                });
                format!(
                    "margin: {}{pp} to spare",
                    self.in_unit(margin, outcome.unit)
                )
            };
            let label = if not_due {
                format!("as if it were due in {year} (a margin, not a verdict): {label}")
            } else {
                label
            };
            children.push(Node::leaf(label));
            if let Some(pp) = outcome.margin_pp {
                let of_base = if points_of == " of GDP" {
                    ""
                } else {
                    points_of.as_str()
                };
                let as_if = if not_due {
                    let word = if outcome.would_be_met == Some(true) {
                        "met"
                    } else {
                        "short"
                    };
                    format!("; as if due now: {word}")
                } else {
                    String::new()
                };
                let shown = match numbers::points(pp).as_str() {
                    _ if pp.is_zero() => "exactly".to_string(),
                    "+0.00" => format!("by less than 0.01 points{of_base}"),
                    points => format!("{points} points{of_base}"),
                };
                headline.push_str(&format!("{as_if}, {shown}"));
            }
        }
        let unit = self.unit_of_value(outcome.unit, view.in_shares(country, year));
        Some(
            Node::with(headline, children)
                .value("status", outcome.status.word())
                .maybe("value", outcome.value)
                .maybe("threshold", outcome.threshold)
                .maybe("margin", outcome.margin)
                .maybe("margin_points", outcome.margin_pp)
                .value("unit", unit),
        )
    }

    fn year_node(&self, label: &str, spec: &YearSpec, country: u16, year: i32) -> Node {
        match spec {
            YearSpec::Literal(y) => Node::leaf(format!("{label} {y}")),
            YearSpec::Param(p) => {
                let value = self.engine.year_spec(spec, country, year);
                let text =
                    value.map_or_else(|m| format!("no value ({})", m.reason), |y| y.to_string());
                let mut node = Node::leaf(format!("{label} {text}"));
                node.children.push(self.param_node(*p, country, year));
                node
            }
        }
    }

    fn labelled(&self, label: &str, expr: &TExpr, country: u16, year: i32) -> Node {
        let mut node = self.expr(expr, country, year);
        node.label = format!("{label}: {}", node.label);
        node
    }

    /// The unit of the exact numbers of a node: the dataset's money unit,
    /// `share of GDP` where the figures are shares, or the value's type.
    fn unit_of_value(&self, unit: &str, shares: bool) -> String {
        match unit {
            "money" if shares => "share of GDP".to_string(),
            "money" => self.engine.data.manifest.money_unit.clone(),
            other => other.replace('_', " "),
        }
    }

    /// A value in its unit; amounts with the dataset's money unit.
    fn in_unit(&self, value: Decimal, unit: &str) -> String {
        if unit == "money" {
            numbers::money_in(value, &self.engine.data.manifest.money_unit)
        } else {
            numbers::in_unit(value, unit)
        }
    }

    fn show(&self, value: &Value, ty: Type, country: u16, year: i32) -> String {
        match value {
            Ok(v) if ty == Type::Money && self.engine.in_shares(country, year) => {
                format!("{} of GDP", numbers::percent(*v))
            }
            Ok(v) => {
                let text = self.in_unit(*v, unit_of(ty));
                if ty == Type::Money {
                    match self.engine.data.indicator(country, year, "gdp") {
                        Some(gdp) if !gdp.is_zero() => {
                            format!(
                                "{text} ({} of GDP)",
                                numbers::percent(v.checked_div(gdp).unwrap_or_default())
                            )
                        }
                        _ => text,
                    }
                } else {
                    text
                }
            }
            Err(missing) => format!("no data: {}", missing.reason),
        }
    }

    /// An expression with its value and where each part comes from.
    pub fn expr(&self, expr: &TExpr, country: u16, year: i32) -> Node {
        let text = self.sources.slice(expr.span).to_string();
        let value = self.engine.eval(expr, country, year);
        // A value of another year is shown as a share of that year's GDP; an
        // alliance total is not a share of one country's GDP.
        let shown = match &expr.kind {
            TExprKind::At(_, spec) => {
                let other = match spec {
                    AtSpec::Relative(offset) => Ok(year + offset),
                    AtSpec::Fixed(spec) => self.engine.year_spec(spec, country, year),
                };
                self.show(&value, expr.ty, country, other.unwrap_or(year))
            }
            TExprKind::Alliance(_) => match &value {
                Ok(v) => self.in_unit(*v, unit_of(expr.ty)),
                Err(missing) => format!("no data: {}", missing.reason),
            },
            _ => self.show(&value, expr.ty, country, year),
        };
        let shares = matches!(expr.kind, TExprKind::At(..))
            && expr.ty == Type::Money
            && self.engine.in_shares(country, year);
        let unit = self.unit_of_value(unit_of(expr.ty), shares);
        let exact = |node: Node| match &value {
            Ok(v) => node.value("value", v).value("unit", unit.clone()),
            Err(_) => node,
        };
        let label = format!("{text} = {shown}");
        let mut children = Vec::new();
        match &expr.kind {
            TExprKind::Const(_) => {}
            TExprKind::Category(c) => return self.category(*c, country, year, &text),
            TExprKind::Param(p) => return self.param_node(*p, country, year),
            TExprKind::Indicator(name) => {
                let code = self.engine.country_code(country);
                let line = self.engine.data.indicator_lines.get(&(country, year));
                let location = line.map_or(String::new(), |l| {
                    format!(" ({}:{l})", self.engine.data.indicators_file)
                });
                if name == "gdp" && self.engine.in_shares(country, year) {
                    return Node::leaf(format!(
                        "gdp for {code} in {year}: the figures are published as shares of it"
                    ));
                }
                let shown = match &value {
                    Ok(v) => self.in_unit(*v, unit_of(expr.ty)),
                    Err(missing) => format!("no data: {}", missing.reason),
                };
                return exact(Node::leaf(format!(
                    "{name} for {code} in {year} = {shown}{location}"
                )));
            }
            TExprKind::Neg(a) | TExprKind::Round(a, _) => {
                children.push(self.expr(a, country, year))
            }
            TExprKind::Add(a, b)
            | TExprKind::Sub(a, b)
            | TExprKind::Mul(a, b)
            | TExprKind::Div(a, b) => {
                for side in [a, b] {
                    if !matches!(side.kind, TExprKind::Const(_)) {
                        children.push(self.expr(side, country, year));
                    }
                }
            }
            TExprKind::Min(items) | TExprKind::Max(items) => {
                for item in items {
                    if !matches!(item.kind, TExprKind::Const(_)) {
                        children.push(self.expr(item, country, year));
                    }
                }
            }
            TExprKind::At(inner, spec) => {
                let other = match spec {
                    AtSpec::Relative(offset) => Ok(year + offset),
                    AtSpec::Fixed(spec) => self.engine.year_spec(spec, country, year),
                };
                if let Ok(other) = other {
                    children.push(self.expr(inner, country, other));
                }
            }
            TExprKind::Alliance(_) => {
                children.push(Node::leaf(format!(
                    "summed over the members in {year} that have data"
                )));
            }
            TExprKind::Count(r) => {
                if let Some(req) = self.engine.program.requirements.get(*r) {
                    children.push(Node::leaf(format!(
                        "members meeting `{}` in {year}",
                        req.id
                    )));
                }
            }
        }
        exact(Node::with(label, children))
    }

    fn param_node(&self, param: ParamId, country: u16, year: i32) -> Node {
        let Some(p) = self.engine.program.params.get(param) else {
            return Node::leaf("unknown parameter");
        };
        match self.engine.param_value(p, country, year, 0) {
            Ok(value) => {
                let shown = self.in_unit(value.value, unit_of(p.ty));
                let shown = if p.ty == Type::Number {
                    value.value.normalize().to_string()
                } else {
                    shown
                };
                let source = value
                    .source
                    .as_ref()
                    .map_or(String::new(), |s| format!(", source \"{s}\""));
                let place = if p.from_command_line {
                    "set on the command line".to_string()
                } else {
                    self.sources.location(value.span)
                };
                Node::leaf(format!("param {} = {shown} ({place}{source})", p.name))
                    .value("value", value.value)
                    .value("unit", self.unit_of_value(unit_of(p.ty), false))
            }
            Err(missing) => Node::leaf(format!("param {}: no data: {}", p.name, missing.reason)),
        }
    }

    /// A category's total: its clauses, the items each took, caps,
    /// exclusions and the items that matched nothing.
    #[allow(clippy::too_many_lines)] // Over 100 lines: to be split.
    pub fn category(&self, category: CategoryId, country: u16, year: i32, text: &str) -> Node {
        let engine = self.engine;
        let data = engine.data;
        let Some(definition) = engine.program.categories.get(category) else {
            return Node::leaf(format!("{text}: unknown category"));
        };
        let state = engine.state(country, year);
        let Some(cat) = state.categories.get(category) else {
            return Node::leaf(format!("{text}: unknown category"));
        };
        let label_text = definition
            .label
            .as_ref()
            .map_or(String::new(), |l| format!(" \"{l}\""));
        let shown = self.show(&cat.counted, Type::Money, country, year);
        let mut node = Node::leaf(format!(
            "category {}{label_text} ({}) = {shown}",
            definition.id,
            self.sources.location(definition.span)
        ));
        if let Ok(total) = &cat.counted {
            node = node.value("value", total).value(
                "unit",
                self.unit_of_value("money", engine.in_shares(country, year)),
            );
        }
        if state.items.is_empty() {
            return node;
        }
        let bodies = engine.bodies(country);
        let Some(body) = bodies.get(category) else {
            return node;
        };
        // Group items by the decision taken for them.
        let mut included: Vec<Vec<usize>> = vec![Vec::new(); body.clauses.len()];
        let mut excluded: Vec<Vec<usize>> = vec![Vec::new(); body.clauses.len()];
        let mut counted_in: std::collections::BTreeMap<CategoryId, Vec<usize>> = Default::default();
        let mut outside_parent = Vec::new();
        let mut unmatched = Vec::new();
        for (position, &decision) in cat.decisions.iter().enumerate() {
            match decode(decision) {
                DecisionKind::Included(i) => {
                    if let Some(list) = included.get_mut(i) {
                        list.push(position);
                    }
                }
                DecisionKind::Excluded(i) => {
                    if let Some(list) = excluded.get_mut(i) {
                        list.push(position);
                    }
                }
                DecisionKind::CountedIn(c) => counted_in.entry(c).or_default().push(position),
                DecisionKind::NotInParent => outside_parent.push(position),
                DecisionKind::Unmatched => unmatched.push(position),
            }
        }
        let amount = |position: usize| -> Decimal {
            state
                .items
                .get(position)
                .and_then(|&i| data.amount.get(i as usize))
                .copied()
                .unwrap_or_default()
        };
        // Amounts in money, or shares of GDP where the figures are shares.
        let shares = engine.in_shares(country, year);
        let unit = engine.data.manifest.money_unit.as_str();
        let amount_unit = self.unit_of_value("money", shares);
        let money = |value: Decimal| -> String {
            if shares {
                format!("{} of GDP", numbers::percent(value))
            } else {
                numbers::money_in(value, unit)
            }
        };
        let item_line = |position: usize, weight: Option<Decimal>| -> Node {
            let item = state.items.get(position).copied().unwrap_or(0) as usize;
            let a = amount(position);
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
            let fields = if fields.is_empty() {
                String::new()
            } else {
                format!(" [{}]", fields.join(", "))
            };
            let credit = match weight {
                Some(w) if w != Decimal::ONE => format!(
                    " × {} = {}",
                    numbers::percent(w).replace(".00%", "%"),
                    money(a * w)
                ),
                _ => String::new(),
            };
            // The release an item comes from, where the dataset has several.
            let edition = data.edition_of(item).map_or(String::new(), |e| {
                format!(" ({} edition)", edition_short(&e.name))
            });
            let node = Node::leaf(format!(
                "{}{fields}: {}{credit}{edition}",
                data.describe_item(item),
                money(a)
            ))
            .value("amount", a)
            .value("unit", amount_unit.clone());
            match weight {
                Some(w) if w != Decimal::ONE => node.value("weight", w).value("credited", a * w),
                _ => node,
            }
        };
        let list = |positions: &[usize], weights: bool| -> Vec<Node> {
            // By id, so that explanations of two editions can be diffed.
            let id =
                |position: usize| data.id(state.items.get(position).copied().unwrap_or(0) as usize);
            let mut positions = positions.to_vec();
            positions.sort_by(|&a, &b| id(a).cmp(id(b)));
            let mut nodes: Vec<Node> = positions
                .iter()
                .take(MAX_ITEMS_SHOWN)
                .map(|&p| item_line(p, weights.then(|| state.weight(category, p))))
                .collect();
            if positions.len() > MAX_ITEMS_SHOWN {
                nodes.push(Node::leaf(format!(
                    "… and {} more items",
                    positions.len() - MAX_ITEMS_SHOWN
                )));
            }
            nodes
        };
        for (i, (clause, _)) in body.clauses.iter().enumerate() {
            let location = self.sources.location(clause.span);
            if let Some(positions) = included.get(i).filter(|p| !p.is_empty()) {
                let total: Decimal = positions
                    .iter()
                    .map(|&p| amount(p) * state.weight(category, p))
                    .sum();
                node.children.push(Node::with(
                    format!(
                        "`{}` ({location}) took {} item(s): {}",
                        clause.text,
                        positions.len(),
                        money(total)
                    ),
                    list(positions, true),
                ));
            }
            if let Some(positions) = excluded.get(i).filter(|p| !p.is_empty()) {
                let total: Decimal = positions.iter().map(|&p| amount(p)).sum();
                node.children.push(Node::with(
                    format!(
                        "`{}` ({location}) excluded {} item(s): {}",
                        clause.text,
                        positions.len(),
                        money(total)
                    ),
                    list(positions, false),
                ));
            }
        }
        for (other, positions) in &counted_in {
            let name = engine
                .program
                .categories
                .get(*other)
                .map_or("", |c| c.id.as_str());
            let total: Decimal = positions.iter().map(|&p| amount(p)).sum();
            node.children.push(Node::with(
                format!("`exclude counted in {name}` left out {} item(s) already counted in `{name}`: {}", positions.len(), money(total)),
                list(positions, false),
            ));
        }
        if !cat.caps.is_empty() {
            let mut caps = Vec::new();
            for (cap, value) in body.caps.iter().zip(&cat.caps) {
                let limit = self.show(value, Type::Money, country, year);
                caps.push(Node::leaf(format!(
                    "`{}` ({}): limit {limit}",
                    cap.text,
                    self.sources.location(cap.span)
                )));
            }
            let summary = if cat.counted.is_err() {
                format!(
                    "caps: before them {}; they could not be applied",
                    money(cat.gross)
                )
            } else {
                format!(
                    "caps: before them {}; the lowest limit applies; cut off {}",
                    money(cat.gross),
                    money(cat.cut_off)
                )
            };
            node.children.push(Node::with(summary, caps));
        }
        if !cat.not_credited.is_zero() {
            node.children.push(Node::leaf(format!(
                "not credited (the uncounted part of partial credit): {}",
                money(cat.not_credited)
            )));
        }
        if !outside_parent.is_empty() {
            let parent = definition
                .within
                .and_then(|p| engine.program.categories.get(p))
                .map_or("", |c| c.id.as_str());
            let total: Decimal = outside_parent.iter().map(|&p| amount(p)).sum();
            node.children.push(Node::with(
                format!(
                    "not counted in the parent `{parent}`: {} item(s), {}",
                    outside_parent.len(),
                    money(total)
                ),
                list(&outside_parent, false),
            ));
        }
        if !unmatched.is_empty() {
            let total: Decimal = unmatched.iter().map(|&p| amount(p)).sum();
            node.children.push(Node::with(
                format!(
                    "matched no clause: {} item(s), {}",
                    unmatched.len(),
                    money(total)
                ),
                list(&unmatched, false),
            ));
        }
        if cat.counted.is_err() {
            return node;
        }
        // The unit once, before the amounts it applies to.
        let (unit_label, plain): (String, &dyn Fn(Decimal) -> String) = if shares {
            (String::new(), &money)
        } else {
            (
                format!(" in {}", numbers::short_unit(unit)),
                &numbers::money,
            )
        };
        node.children.push(Node::leaf(format!(
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
        .value("unit", amount_unit.clone()));
        node
    }
}

fn unit_of(ty: Type) -> &'static str {
    crate::eval::outcome::unit_name(ty)
}

/// "June 2024" from "NATO Defence Expenditure of NATO Countries (2014-2024), June 2024".
fn edition_short(name: &str) -> &str {
    name.rsplit(", ").next().unwrap_or(name)
}
