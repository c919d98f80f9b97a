//! Compare: the clause-level differences between two resolved drafts.

use std::collections::{BTreeMap, BTreeSet};

use super::*;
use crate::analysis::Prepared;
use crate::program::{Category, CategoryBody, Program, ScopedChange};
use crate::source::Sources;

/// The clause-level differences between the reference draft and another.
#[allow(clippy::too_many_lines)] // Over 100 lines: to be split.
pub fn diff(a: &Prepared, b: &Prepared, draft: &str) -> Vec<Change> {
    let (Some(pa), Some(pb)) = (program(a), program(b)) else {
        return Vec::new();
    };
    let (sa, sb) = (&a.workspace.sources, &b.workspace.sources);
    let mut changes = Vec::new();
    let mut push = |what: String, kind: &str, before: Option<String>, after: Option<String>| {
        changes.push(Change {
            draft: draft.to_string(),
            what,
            kind: kind.to_string(),
            before,
            after,
        });
    };
    // Parameters: compared by value, with their years, sources aside.
    let param_text = |program: &Program, p: &crate::program::Param, sources: &Sources| -> String {
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
    };
    for p in &pa.params {
        match pb.params.iter().find(|q| q.name == p.name) {
            None => push(
                format!("param {}", p.name),
                "removed",
                Some(param_text(pa, p, sa)),
                None,
            ),
            Some(q) => {
                if param_key(pa, p) != param_key(pb, q) {
                    push(
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
            push(
                format!("param {}", q.name),
                "added",
                None,
                Some(param_text(pb, q, sb)),
            );
        }
    }
    // Categories, clause by clause.
    for ca in &pa.categories {
        match pb.categories.iter().find(|c| c.id == ca.id) {
            None => push(
                format!("category {}", ca.id),
                "removed",
                Some(category_text(pa, ca, sa)),
                None,
            ),
            Some(cb) => {
                if ca.label != cb.label {
                    push(
                        format!("category {}: label", ca.id),
                        "changed",
                        ca.label.clone(),
                        cb.label.clone(),
                    );
                }
                let parent = |c: &Category, p: &Program| {
                    c.within
                        .and_then(|w| p.categories.get(w))
                        .map(|w| w.id.clone())
                };
                if parent(ca, pa) != parent(cb, pb) {
                    push(
                        format!("category {}: within", ca.id),
                        "changed",
                        parent(ca, pa),
                        parent(cb, pb),
                    );
                }
                let scope = String::new();
                body_diff(
                    &mut push, &ca.id, &scope, &ca.body, &cb.body, pa, pb, sa, sb,
                );
                let scoped = |c: &Category| -> BTreeMap<String, (String, CategoryBody)> {
                    c.scoped
                        .iter()
                        .map(|(countries, change)| {
                            let who = countries.iter().cloned().collect::<Vec<_>>().join(", ");
                            match change {
                                ScopedChange::Amend(body) => {
                                    (format!("for {who} (amend)"), (who, body.clone()))
                                }
                                ScopedChange::Replace(body) => {
                                    (format!("for {who} (replace)"), (who, body.clone()))
                                }
                            }
                        })
                        .collect()
                };
                let (xa, xb) = (scoped(ca), scoped(cb));
                let empty = CategoryBody::default();
                for key in xa.keys().chain(xb.keys()).collect::<BTreeSet<_>>() {
                    let ba = xa.get(key).map_or(&empty, |(_, b)| b);
                    let bb = xb.get(key).map_or(&empty, |(_, b)| b);
                    body_diff(&mut push, &ca.id, key, ba, bb, pa, pb, sa, sb);
                }
            }
        }
    }
    for cb in &pb.categories {
        if !pa.categories.iter().any(|c| c.id == cb.id) {
            push(
                format!("category {}", cb.id),
                "added",
                None,
                Some(category_text(pb, cb, sb)),
            );
        }
    }
    // Requirements, including country exceptions.
    let requirement_texts =
        |p: &Program, sources: &Sources| -> BTreeMap<(String, String), String> {
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
        };
    let (ra, rb) = (requirement_texts(pa, sa), requirement_texts(pb, sb));
    let strip = |t: &String| {
        t.rsplit_once(" (")
            .map_or(t.clone(), |(a, _)| a.to_string())
    };
    for key in ra.keys().chain(rb.keys()).collect::<BTreeSet<_>>() {
        let what = format!("require {}{}", key.0, key.1);
        match (ra.get(key), rb.get(key)) {
            (Some(x), Some(y)) if strip(x) != strip(y) => {
                push(what, "changed", Some(x.clone()), Some(y.clone()))
            }
            (Some(x), None) => push(what, "removed", Some(x.clone()), None),
            (None, Some(y)) => push(what, "added", None, Some(y.clone())),
            _ => {}
        }
    }
    changes
}

/// Records one change: (what, kind, before, after).
pub(crate) type Push<'a> = dyn FnMut(String, &str, Option<String>, Option<String>) + 'a;

#[allow(clippy::too_many_arguments)]
pub(crate) fn body_diff(
    push: &mut Push<'_>,
    category: &str,
    scope: &str,
    a: &CategoryBody,
    b: &CategoryBody,
    pa: &Program,
    pb: &Program,
    sa: &Sources,
    sb: &Sources,
) {
    let what = if scope.is_empty() {
        format!("category {category}")
    } else {
        format!("category {category} {scope}")
    };
    let clauses = |body: &CategoryBody, p: &Program, sources: &Sources| -> Vec<(String, String)> {
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
                let name = p.categories.get(*id).map_or("", |c| c.id.as_str());
                (format!("exclude counted in {name}"), at(sources, *span))
            }))
            .collect();
        list.dedup();
        list
    };
    let (ca, cb) = (clauses(a, pa, sa), clauses(b, pb, sb));
    for (text, location) in &ca {
        if !cb.iter().any(|(t, _)| t == text) {
            push(
                what.clone(),
                "removed",
                Some(format!("`{text}` ({location})")),
                None,
            );
        }
    }
    for (text, location) in &cb {
        if !ca.iter().any(|(t, _)| t == text) {
            push(
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
        push(
            what,
            "changed",
            Some("clause order".into()),
            Some("clause order (the last matching include decides)".into()),
        );
    }
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
        .and_then(|p| program.categories().get(p))
        .map_or(String::new(), |p| format!(" within {}", p.id));
    let mut clauses: Vec<String> = category
        .body
        .clauses
        .iter()
        .map(|c| c.text.clone())
        .chain(category.body.caps.iter().map(|c| c.text.clone()))
        .collect();
    clauses.extend(category.body.counted_in.iter().map(|(id, _)| {
        let name = program.categories().get(*id).map_or("", |c| c.id.as_str());
        format!("exclude counted in {name}")
    }));
    format!(
        "`{}{label}{within} {{ {} }}` ({})",
        category.id,
        clauses.join("; "),
        at(sources, category.span)
    )
}
