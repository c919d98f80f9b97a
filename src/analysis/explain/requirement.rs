//! The derivation of one requirement's verdict: its rule, when it applies,
//! the figures it compares, and its margin or shortfall.

use rust_decimal::Decimal;

use super::{Explainer, Node};
use crate::eval::engine::Engine;
use crate::eval::outcome::Status;
use crate::eval::requirement::{self, body_for, BaseGrowth, Evaluated};
use crate::program::{RequirementBody, RequirementId, RequirementKind};
use crate::report::numbers;

impl Explainer<'_> {
    /// The derivation of one requirement for a country and year.
    pub fn requirement(&self, requirement: RequirementId, country: u16, year: i32) -> Option<Node> {
        let req = self.engine.program.requirement(requirement)?;
        let code = self.engine.country_code(country).to_string();
        let outcome = requirement::evaluate(self.engine, requirement, country, year);
        let mut headline = headline(&req.id, &code, year, &outcome);
        let Some((body, specific)) = body_for(req, &code) else {
            return Some(Node::leaf(headline));
        };
        let mut children = vec![self.rule_node(body, specific)];
        // Measured on the shares of GDP the source publishes: say so, with
        // the two figures the verdict compares.
        let view = self.engine.view_for(requirement);
        let shares = view.in_shares(country, year);
        if shares {
            children.push(self.shares_node(view, &outcome, body, country, year));
        }
        children.extend(self.schedule_nodes(&body.kind, country, year));
        if !shows_figures(&body.kind, &outcome) {
            return Some(Node::with(headline, children));
        }
        // The parts of the verdict come from the figures it was measured on.
        let on_shares = Explainer {
            engine: view,
            sources: self.sources,
        };
        let parts: &Explainer<'_> = if shares { &on_shares } else { self };
        children.extend(self.figure_nodes(parts, &body.kind, &outcome, country, year));
        if let (Some(margin), Some(_)) = (outcome.margin, outcome.value) {
            let points_of = points_of(&outcome);
            children.push(self.margin_node(&outcome, margin, &points_of, year));
            if let Some(pp) = outcome.margin_pp {
                headline.push_str(&headline_points(&outcome, pp, &points_of));
            }
        }
        let unit = self.unit_of_value(outcome.unit, shares);
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

    /// The rule that applies, where it is written, and whether it is a rule
    /// for this country only.
    fn rule_node(&self, body: &RequirementBody, specific: bool) -> Node {
        let scope_note = if specific {
            ", a rule for this country only"
        } else {
            ""
        };
        Node::leaf(format!(
            "rule `{}` ({}{scope_note})",
            body.text,
            self.sources.location(body.span)
        ))
    }

    /// The note of a verdict measured on the shares of GDP the source
    /// publishes, with the two figures it compares and the value in money.
    fn shares_node(
        &self,
        view: &Engine<'_>,
        outcome: &requirement::Evaluated,
        body: &RequirementBody,
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

    /// When the requirement applies: its `from` and `until` years, or the
    /// start and the target year of a path.
    fn schedule_nodes(&self, kind: &RequirementKind, country: u16, year: i32) -> Vec<Node> {
        match kind {
            RequirementKind::Compare { from, until, .. } => {
                let mut nodes = Vec::new();
                if let Some(from) = from {
                    nodes.push(self.year_node("applies from", from, country, year));
                }
                if let Some(until) = until {
                    nodes.push(self.year_node("applies until", until, country, year));
                }
                nodes
            }
            RequirementKind::Path { by, from, .. } => vec![
                self.year_node("path starts in", from, country, year),
                self.year_node("target year", by, country, year),
            ],
        }
    }

    /// The figures the verdict compares, taken from `parts` (the engine the
    /// verdict was measured on): value and threshold, or for a path value,
    /// target, the value in the base year and the point on the line.
    fn figure_nodes(
        &self,
        parts: &Explainer<'_>,
        kind: &RequirementKind,
        outcome: &Evaluated,
        country: u16,
        year: i32,
    ) -> Vec<Node> {
        match kind {
            RequirementKind::Compare { left, right, .. } => vec![
                parts.labelled("value", left, country, year),
                parts.labelled("threshold", right, country, year),
            ],
            RequirementKind::Path {
                value,
                target,
                from,
                ..
            } => {
                let mut nodes = vec![
                    parts.labelled("value", value, country, year),
                    parts.labelled("target", target, country, year),
                ];
                if let Ok(base) = self.engine.year_spec(from, country, year) {
                    if base != year {
                        nodes.push(parts.labelled(
                            &format!("value in the base year {base}"),
                            value,
                            country,
                            base,
                        ));
                    }
                }
                if let Some(threshold) = outcome.threshold {
                    nodes.push(Node::leaf(format!(
                        "point on the straight line for {year}: {}",
                        self.in_unit(threshold, outcome.unit)
                    )));
                }
                nodes
            }
        }
    }

    /// The margin to spare or the shortfall, in the requirement's unit and in
    /// points; for a requirement not yet due, marked as a margin, not a
    /// verdict.
    fn margin_node(
        &self,
        outcome: &Evaluated,
        margin: Decimal,
        points_of: &str,
        year: i32,
    ) -> Node {
        let label = if margin.is_sign_negative() && !margin.is_zero() {
            self.shortfall_text(outcome, margin, points_of)
        } else {
            format!(
                "margin: {}{} to spare",
                self.in_unit(margin, outcome.unit),
                points_in_brackets(outcome.margin_pp, points_of)
            )
        };
        if outcome.status == Status::NotYetDue {
            Node::leaf(format!(
                "as if it were due in {year} (a margin, not a verdict): {label}"
            ))
        } else {
            Node::leaf(label)
        }
    }

    /// The shortfall and what meeting it needs.
    fn shortfall_text(&self, outcome: &Evaluated, margin: Decimal, points_of: &str) -> String {
        let pp = points_in_brackets(outcome.margin_pp.map(|pp| -pp), points_of);
        let shortfall = self.in_unit(-margin, outcome.unit);
        let needs = match &outcome.base_growth {
            Some(growth) => self.growth_needs(growth, &shortfall, outcome.unit),
            None => format!("{shortfall} more"),
        };
        format!("shortfall: {shortfall}{pp}; meeting it needs {needs}")
    }

    /// What meeting a shortfall needs when the compared category is part of
    /// the base of its threshold: more in the part (which raises the base
    /// too), or the shortfall moved from the rest of the base into the part.
    fn growth_needs(&self, growth: &BaseGrowth, shortfall: &str, unit: &str) -> String {
        let share = crate::check::describe_value(growth.share, crate::program::Type::Ratio);
        let (part, base) = (&growth.part, &growth.base);
        let add = match growth.to_add {
            Some(add) => format!(
                "{} more in {part}, which adds as much to {base} (the shortfall ÷ (1 − {share}))",
                self.in_unit(add, unit)
            ),
            None => {
                format!("more than any amount added to {part} alone, which adds as much to {base}")
            }
        };
        format!("{add}, or {shortfall} moved from the rest of {base} into {part}, which leaves {base} as it is")
    }
}

/// `core_floor — XWA 2030: not met`, with the reason of the verdict in
/// brackets where it has one.
fn headline(id: &str, code: &str, year: i32, outcome: &Evaluated) -> String {
    let mut headline = format!(
        "{id} — {code} {year}: {}",
        outcome.status.word().replace('_', " ")
    );
    if let Some(reason) = &outcome.reason {
        headline.push_str(&format!(" ({reason})"));
    }
    headline
}

/// Whether the verdict has figures to show: not where the requirement does
/// not apply, nor where it is not yet due and has no value. (Not yet due
/// with a value, the figures still show where the ally stands.)
fn shows_figures(kind: &RequirementKind, outcome: &Evaluated) -> bool {
    let due_later_without_value = outcome.status == Status::NotYetDue && outcome.value.is_none();
    match kind {
        RequirementKind::Compare { .. } => {
            outcome.status != Status::NotApplicable && !due_later_without_value
        }
        RequirementKind::Path { .. } => !due_later_without_value,
    }
}

/// What the points of a money requirement are points of: ` of GDP`, or
/// ` of` the base of `x% of base`; nothing for other units.
fn points_of(outcome: &Evaluated) -> String {
    match outcome.margin_basis.as_str() {
        _ if outcome.unit != "money" => String::new(),
        "" | "gdp" => " of GDP".to_string(),
        base => format!(" of {base}"),
    }
}

/// ` (0.35 points of GDP)`, or nothing without points.
fn points_in_brackets(points: Option<Decimal>, points_of: &str) -> String {
    points.map_or(String::new(), |pp| {
        format!(" ({} points{points_of})", numbers::fixed(pp, 2))
    })
}

/// The margin in points at the end of the headline: `, +0.35 points`,
/// `, exactly`; for a requirement not yet due, with the verdict it would
/// have now.
fn headline_points(outcome: &Evaluated, pp: Decimal, points_of: &str) -> String {
    let of_base = if points_of == " of GDP" {
        ""
    } else {
        points_of
    };
    let as_if = if outcome.status == Status::NotYetDue {
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
    format!("{as_if}, {shown}")
}
