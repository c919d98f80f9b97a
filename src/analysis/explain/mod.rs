//! `pledge explain`: the derivation of every number as a tree, from the
//! requirement down to the clauses (file:line and text) and the line items
//! they took (with weights and cap cut-offs), the parameters and data series
//! read, and the items that were excluded or matched nothing.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::eval::engine::{Engine, Value};
use crate::program::{ParamId, TExpr, Type, YearSpec};
use crate::report::numbers;
use crate::source::Sources;

mod category;
mod expr;
mod requirement;

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

/// Explains the numbers of one engine, citing the rule files' texts.
pub struct Explainer<'a> {
    pub engine: &'a Engine<'a>,
    pub sources: &'a Sources,
}

impl Explainer<'_> {
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

    fn param_node(&self, param: ParamId, country: u16, year: i32) -> Node {
        let Some(p) = self.engine.program.param(param) else {
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
}

fn unit_of(ty: Type) -> &'static str {
    crate::eval::outcome::unit_name(ty)
}
