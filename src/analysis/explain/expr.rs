//! The derivation of an expression: its value and where each part comes from.

use super::{unit_of, Explainer, Node};
use crate::program::{AtSpec, TExpr, TExprKind, Type};

impl Explainer<'_> {
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
                if let Some(req) = self.engine.program.requirement(*r) {
                    children.push(Node::leaf(format!(
                        "members meeting `{}` in {year}",
                        req.id
                    )));
                }
            }
        }
        exact(Node::with(label, children))
    }
}
