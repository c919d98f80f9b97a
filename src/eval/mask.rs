//! The clauses' answers for every item of a country-year at once
//! (`Engine::mask`), a column at a time, into one buffer per clause: `not`
//! is carried down to the tests (`not (a and b)` is `not a or not b`), and
//! the second side of an `and` (`or`) tests only the items the first left
//! true (false).

use crate::ast::CompareOp;
use crate::data::dataset::{Column, NONE};

use super::conditions::Compiled;
use super::engine::Engine;
use super::gather::TextColumns;

/// How a test's answers go into the buffer.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Into {
    Set,
    And,
    Or,
}

/// Puts the answer of `test` for each of `count` positions into `out` as
/// `into` says; a position whose answer cannot change `out` is not tested.
#[inline]
fn put(
    out: &mut Vec<bool>,
    (into, count): (Into, usize),
    negated: bool,
    test: impl Fn(usize) -> bool,
) {
    match into {
        Into::Set => {
            out.clear();
            out.extend((0..count).map(|p| test(p) != negated));
        }
        Into::And => {
            for (position, slot) in out.iter_mut().enumerate() {
                if *slot {
                    *slot = test(position) != negated;
                }
            }
        }
        Into::Or => {
            for (position, slot) in out.iter_mut().enumerate() {
                if !*slot {
                    *slot = test(position) != negated;
                }
            }
        }
    }
}

/// Puts answers read from `values` (one per position) into `out`, every
/// position tested (a comparison costs less than a branch), a loop for
/// each way so that each is a plain pass.
#[inline]
fn put_all<T: Copy>(out: &mut Vec<bool>, into: Into, values: &[T], test: impl Fn(T) -> bool) {
    match into {
        Into::Set => {
            out.clear();
            out.extend(values.iter().map(|&value| test(value)));
        }
        Into::And => {
            for (slot, &value) in out.iter_mut().zip(values) {
                *slot &= test(value);
            }
        }
        Into::Or => {
            for (slot, &value) in out.iter_mut().zip(values) {
                *slot |= test(value);
            }
        }
    }
}

impl<'a> Engine<'a> {
    /// `matches` for every item of `items` at once, a column at a time: the
    /// same answers, for a dataset without `*` cells.
    pub(crate) fn mask(
        &self,
        condition: &Compiled,
        items: &[u32],
        texts: &TextColumns<'_>,
    ) -> Vec<bool> {
        let mut out = Vec::with_capacity(items.len());
        self.mask_into(condition, false, (items, texts), Into::Set, &mut out);
        out
    }

    /// The answers of `condition` (its negation when `negated`) put into
    /// `out` as `into` says.
    fn mask_into(
        &self,
        condition: &Compiled,
        negated: bool,
        at: (&[u32], &TextColumns<'_>),
        into: Into,
        out: &mut Vec<bool>,
    ) {
        let (items, texts) = at;
        match condition {
            Compiled::And(a, b) | Compiled::Or(a, b) => {
                // `not (a and b)` is `not a or not b`, and the other way.
                let all = matches!(condition, Compiled::And(..)) != negated;
                let join = if all { Into::And } else { Into::Or };
                match into {
                    Into::Set => {
                        self.mask_into(a, negated, at, Into::Set, out);
                        self.mask_into(b, negated, at, join, out);
                    }
                    _ if into == join => {
                        self.mask_into(a, negated, at, into, out);
                        self.mask_into(b, negated, at, into, out);
                    }
                    _ => {
                        let mut own = Vec::with_capacity(items.len());
                        self.mask_into(condition, negated, at, Into::Set, &mut own);
                        put_all(out, into, &own, |answer| answer);
                    }
                }
            }
            Compiled::Not(inner) => self.mask_into(inner, !negated, at, into, out),
            Compiled::Tag(bit) => match texts.tags(items) {
                Some(tags) => put_all(out, into, tags, |t| (u64::from(t) & bit != 0) != negated),
                None => put(out, (into, items.len()), negated, |p| {
                    items
                        .get(p)
                        .is_some_and(|&i| self.data.tags.get(i as usize) & bit != 0)
                }),
            },
            Compiled::Text { column, op, symbol } => {
                let Some(Column::Text(values)) = self.data.columns.get(*column) else {
                    return self.mask_each(condition, negated, items, into, out);
                };
                let symbol = *symbol;
                // A text that no item has (`NONE`) is equal to no value,
                // and an item without a value (`NONE`) to no text.
                let constant = match op {
                    CompareOp::Eq if symbol == NONE => Some(false),
                    CompareOp::Ne if symbol == NONE => Some(true),
                    CompareOp::Eq | CompareOp::Ne => None,
                    _ => Some(false),
                };
                if let Some(answer) = constant {
                    return put(out, (into, items.len()), negated, |_| answer);
                }
                let local = texts.get(*column, values, items);
                if (*op == CompareOp::Eq) != negated {
                    put_all(out, into, &local, |actual| actual == symbol);
                } else {
                    put_all(out, into, &local, |actual| actual != symbol);
                }
            }
            Compiled::TextIn {
                column,
                symbols,
                negated: not_in,
            } => {
                let Some(Column::Text(values)) = self.data.columns.get(*column) else {
                    return self.mask_each(condition, negated, items, into, out);
                };
                let wanted = *not_in != negated;
                let local = texts.get(*column, values, items);
                put_all(out, into, &local, |actual| {
                    (actual != NONE && symbols.contains(actual)) != wanted
                });
            }
            Compiled::Absent { true_when_absent } => {
                put(out, (into, items.len()), negated, |_| *true_when_absent);
            }
            other => self.mask_each(other, negated, items, into, out),
        }
    }

    /// `mask_into` item by item, with `matches`.
    fn mask_each(
        &self,
        condition: &Compiled,
        negated: bool,
        items: &[u32],
        into: Into,
        out: &mut Vec<bool>,
    ) {
        put(out, (into, items.len()), negated, |p| {
            items
                .get(p)
                .is_some_and(|&i| self.matches(condition, i as usize))
        });
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use crate::eval::engine::Engine;
    use crate::eval::gather::TextColumns;

    /// Every clause of every category, on every country-year of the
    /// bundled datasets, gives item by item (`matches`) what `mask` gives;
    /// with `not`, `and` and `or` nested every way.
    #[test]
    fn masks_are_the_answers_item_by_item() {
        let file = std::env::temp_dir().join(format!("pledge-masks-{}.pledge", std::process::id()));
        let conditions = [
            "not (nato_category == equipment or not tag dual_use)",
            "not (function in [military_mobility, cyber_defence] and not kind == ukraine_military_aid)",
            "(nato_category == personnel or tag from_existing_stocks) and (not function == military_mobility or nato_category != equipment)",
            "not (not (nato_category == infrastructure and tag dual_use) or (kind != ukraine_military_aid and not tag from_existing_stocks))",
            "(tag dual_use and function not in [military_mobility]) or (nato_category in [equipment, other] and not amount > 100)",
            "not (kind == nothing_has_this or tag dual_use) and (nato_category == nothing_has_this or not amount >= 1000)",
            "nato_category != nothing_has_this or (tag dual_use or kind == ukraine_military_aid)",
        ];
        let mut text = String::from("pledge \"P\" {\n  category c \"C\" {\n");
        for condition in conditions {
            text.push_str(&format!("    include {condition}\n"));
        }
        text.push_str("  }\n  require r: c >= 1% of gdp\n}\n");
        std::fs::write(&file, text).expect("written");
        let root = env!("CARGO_MANIFEST_DIR");
        let files = [
            (file.display().to_string(), "sample"),
            (file.display().to_string(), "nato"),
            (format!("{root}/rules/hague-2025.pledge"), "nato"),
            (
                format!("{root}/rules/alternatives/narrow-related.pledge"),
                "nato",
            ),
            (
                format!("{root}/rules/alternatives/cofog-public-order.pledge"),
                "cofog",
            ),
        ];
        let mut compared = 0;
        for (path, data) in &files {
            let source = crate::data::bundled::source(data).expect("bundled");
            let dataset = crate::data::load(&source).expect("loads");
            let (checked, _) = crate::eval::checked_for_tests(path, &dataset);
            let engine = Engine::for_pledge(&checked, 0, &dataset).expect("a pledge");
            for (&(country, _), items) in &dataset.by_country_year {
                let texts = TextColumns::default();
                for body in engine.bodies(country).iter() {
                    for (clause, compiled) in &body.clauses {
                        let mask = engine.mask(&compiled.condition, items, &texts);
                        let each: Vec<bool> = items
                            .iter()
                            .map(|&i| engine.matches(&compiled.condition, i as usize))
                            .collect();
                        assert_eq!(mask, each, "{} in {path} on {data}", clause.text);
                        compared += 1;
                    }
                }
            }
        }
        assert!(compared > 100);
        let _ = std::fs::remove_file(&file);
    }
}
