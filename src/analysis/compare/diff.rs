//! Compare: the clause-level differences between two resolved drafts.

use std::collections::{BTreeMap, BTreeSet};

use super::*;
use crate::analysis::Prepared;
use crate::program::{Category, CategoryBody, Program, ScopedChange};
use crate::source::Sources;

/// The clause-level differences between the reference draft and another.
pub fn diff(a: &Prepared, b: &Prepared, draft: &str) -> Vec<Change> {
    let (Some(pa), Some(pb)) = (program(a), program(b)) else {
        return Vec::new();
    };
    let mut differ = Differ {
        draft,
        a: (pa, &a.workspace.sources),
        b: (pb, &b.workspace.sources),
        changes: Vec::new(),
    };
    differ.params();
    differ.categories();
    differ.requirements();
    differ.changes
}

/// A draft's first pledge and the texts its spans point into.
type Side<'a> = (&'a Program, &'a Sources);

/// The two drafts compared and the changes found so far.
struct Differ<'a> {
    /// The label of the draft compared with A (B, C, ...).
    draft: &'a str,
    a: Side<'a>,
    b: Side<'a>,
    changes: Vec<Change>,
}

impl Differ<'_> {
    /// Records one change.
    fn push(&mut self, what: String, kind: &str, before: Option<String>, after: Option<String>) {
        self.changes.push(Change {
            draft: self.draft.to_string(),
            what,
            kind: kind.to_string(),
            before,
            after,
        });
    }

    /// Parameters: compared by value, with their years, sources aside.
    fn params(&mut self) {
        let ((pa, sa), (pb, sb)) = (self.a, self.b);
        for p in &pa.params {
            match pb.params.iter().find(|q| q.name == p.name) {
                None => self.push(
                    format!("param {}", p.name),
                    "removed",
                    Some(param_text(pa, p, sa)),
                    None,
                ),
                Some(q) => {
                    if param_key(pa, p) != param_key(pb, q) {
                        self.push(
                            format!("param {}", p.name),
                            "changed",
                            Some(param_text(pa, p, sa)),
                            Some(param_text(pb, q, sb)),
                        );
                    }
                }
            }
        }
        for q in &pb.params {
            if !pa.params.iter().any(|p| p.name == q.name) {
                self.push(
                    format!("param {}", q.name),
                    "added",
                    None,
                    Some(param_text(pb, q, sb)),
                );
            }
        }
    }

    /// Categories, clause by clause.
    fn categories(&mut self) {
        let ((pa, sa), (pb, sb)) = (self.a, self.b);
        for ca in &pa.categories {
            match pb.categories.iter().find(|c| c.id == ca.id) {
                None => self.push(
                    format!("category {}", ca.id),
                    "removed",
                    Some(category_text(pa, ca, sa)),
                    None,
                ),
                Some(cb) => self.category(ca, cb),
            }
        }
        for cb in &pb.categories {
            if !pa.categories.iter().any(|c| c.id == cb.id) {
                self.push(
                    format!("category {}", cb.id),
                    "added",
                    None,
                    Some(category_text(pb, cb, sb)),
                );
            }
        }
    }

    /// One category in both drafts: its label, its parent, its body and
    /// its bodies for some countries.
    fn category(&mut self, ca: &Category, cb: &Category) {
        let ((pa, _), (pb, _)) = (self.a, self.b);
        if ca.label != cb.label {
            self.push(
                format!("category {}: label", ca.id),
                "changed",
                ca.label.clone(),
                cb.label.clone(),
            );
        }
        let parent =
            |c: &Category, p: &Program| c.within.and_then(|w| p.category(w)).map(|w| w.id.clone());
        if parent(ca, pa) != parent(cb, pb) {
            self.push(
                format!("category {}: within", ca.id),
                "changed",
                parent(ca, pa),
                parent(cb, pb),
            );
        }
        self.body(&ca.id, "", &ca.body, &cb.body);
        let (xa, xb) = (scoped_bodies(ca), scoped_bodies(cb));
        let empty = CategoryBody::default();
        for key in xa.keys().chain(xb.keys()).collect::<BTreeSet<_>>() {
            let ba = xa.get(key).unwrap_or(&empty);
            let bb = xb.get(key).unwrap_or(&empty);
            self.body(&ca.id, key, ba, bb);
        }
    }

    /// The clauses of one body of a category (`scope` names the countries
    /// of a scoped body): removed, added, or the same in another order.
    fn body(&mut self, category: &str, scope: &str, a: &CategoryBody, b: &CategoryBody) {
        let what = if scope.is_empty() {
            format!("category {category}")
        } else {
            format!("category {category} {scope}")
        };
        let ((pa, sa), (pb, sb)) = (self.a, self.b);
        let (ca, cb) = (body_clauses(a, pa, sa), body_clauses(b, pb, sb));
        for (text, location) in &ca {
            if !cb.iter().any(|(t, _)| t == text) {
                self.push(
                    what.clone(),
                    "removed",
                    Some(format!("`{text}` ({location})")),
                    None,
                );
            }
        }
        for (text, location) in &cb {
            if !ca.iter().any(|(t, _)| t == text) {
                self.push(
                    what.clone(),
                    "added",
                    None,
                    Some(format!("`{text}` ({location})")),
                );
            }
        }
        // The same clauses in another order can change which include decides.
        let order_a: Vec<&String> = ca
            .iter()
            .map(|(t, _)| t)
            .filter(|t| cb.iter().any(|(x, _)| x == *t))
            .collect();
        let order_b: Vec<&String> = cb
            .iter()
            .map(|(t, _)| t)
            .filter(|t| ca.iter().any(|(x, _)| x == *t))
            .collect();
        if order_a != order_b {
            self.push(
                what,
                "changed",
                Some("clause order".into()),
                Some("clause order (the last matching include decides)".into()),
            );
        }
    }

    /// Requirements, including country exceptions, compared by their text.
    fn requirements(&mut self) {
        let ((pa, sa), (pb, sb)) = (self.a, self.b);
        let (ra, rb) = (requirement_texts(pa, sa), requirement_texts(pb, sb));
        // Without where it is written.
        let strip = |t: &String| {
            t.rsplit_once(" (")
                .map_or(t.clone(), |(a, _)| a.to_string())
        };
        for key in ra.keys().chain(rb.keys()).collect::<BTreeSet<_>>() {
            let what = format!("require {}{}", key.0, key.1);
            match (ra.get(key), rb.get(key)) {
                (Some(x), Some(y)) if strip(x) != strip(y) => {
                    self.push(what, "changed", Some(x.clone()), Some(y.clone()))
                }
                (Some(x), None) => self.push(what, "removed", Some(x.clone()), None),
                (None, Some(y)) => self.push(what, "added", None, Some(y.clone())),
                _ => {}
            }
        }
    }
}

/// A parameter's values with their years and sources, the values for some
/// countries, and where it is written.
fn param_text(program: &Program, p: &crate::program::Param, sources: &Sources) -> String {
    let values: Vec<String> = p
        .values
        .iter()
        .map(|v| {
            let mut text = dated_value(program, p, v);
            if let Some(source) = &v.source {
                text.push_str(&format!(" (source \"{source}\")"));
            }
            text
        })
        .collect();
    let mut text = values.join(", ");
    for (countries, values) in &p.overrides {
        let list: Vec<String> = values.iter().map(|v| dated_value(program, p, v)).collect();
        text.push_str(&format!(
            "; for {}: {}",
            countries.iter().cloned().collect::<Vec<_>>().join(", "),
            list.join(", ")
        ));
    }
    let location = p
        .values
        .first()
        .map_or_else(|| at(sources, p.span), |v| at(sources, v.span));
    if p.from_command_line {
        format!("{text} (set on the command line)")
    } else {
        format!("{text} ({location})")
    }
}

/// A category's bodies for some countries, by `for XWA (amend)` or `for
/// XWA (replace)`.
fn scoped_bodies(category: &Category) -> BTreeMap<String, CategoryBody> {
    category
        .scoped
        .iter()
        .map(|(countries, change)| {
            let who = countries.iter().cloned().collect::<Vec<_>>().join(", ");
            match change {
                ScopedChange::Amend(body) => (format!("for {who} (amend)"), body.clone()),
                ScopedChange::Replace(body) => (format!("for {who} (replace)"), body.clone()),
            }
        })
        .collect()
}

/// A body's clauses, caps and `exclude counted in`, each with where it is
/// written, in order and without repeats in a row.
fn body_clauses(body: &CategoryBody, p: &Program, sources: &Sources) -> Vec<(String, String)> {
    let mut list: Vec<(String, String)> = body
        .clauses
        .iter()
        .map(|c| (c.text.clone(), at(sources, c.span)))
        .chain(
            body.caps
                .iter()
                .map(|c| (c.text.clone(), at(sources, c.span))),
        )
        .chain(body.counted_in.iter().map(|(id, span)| {
            let name = p.category(*id).map_or("", |c| c.id.as_str());
            (format!("exclude counted in {name}"), at(sources, *span))
        }))
        .collect();
    list.dedup();
    list
}

/// Every requirement's text with where it is written, by requirement and
/// country exception (` for XWA`).
fn requirement_texts(p: &Program, sources: &Sources) -> BTreeMap<(String, String), String> {
    let mut map = BTreeMap::new();
    for r in &p.requirements {
        if let Some(body) = &r.body {
            map.insert(
                (r.id.clone(), String::new()),
                format!("`{}` ({})", body.text, at(sources, body.span)),
            );
        }
        for (countries, body) in &r.scoped {
            let who = countries.iter().cloned().collect::<Vec<_>>().join(", ");
            map.insert(
                (r.id.clone(), format!(" for {who}")),
                format!("`{}` ({})", body.text, at(sources, body.span)),
            );
        }
    }
    map
}

/// A whole category as one line, with where it is written:
/// `` `equipment "Major equipment" within core { include nato_category == equipment }` (file:21) ``.
fn category_text(
    program: &Program,
    category: &crate::program::Category,
    sources: &Sources,
) -> String {
    let label = category
        .label
        .as_ref()
        .map_or(String::new(), |l| format!(" \"{l}\""));
    let within = category
        .within
        .and_then(|p| program.category(p))
        .map_or(String::new(), |p| format!(" within {}", p.id));
    let mut clauses: Vec<String> = category
        .body
        .clauses
        .iter()
        .map(|c| c.text.clone())
        .chain(category.body.caps.iter().map(|c| c.text.clone()))
        .collect();
    clauses.extend(category.body.counted_in.iter().map(|(id, _)| {
        let name = program.category(*id).map_or("", |c| c.id.as_str());
        format!("exclude counted in {name}")
    }));
    format!(
        "`{}{label}{within} {{ {} }}` ({})",
        category.id,
        clauses.join("; "),
        at(sources, category.span)
    )
}
