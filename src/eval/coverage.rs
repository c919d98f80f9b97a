//! What the dataset publishes, and on which basis a requirement is
//! measured.
//!
//! - A clause that can only match through a field (or tags) the dataset
//!   does not publish cannot find anything: the category is missing, not
//!   zero, when none of its `include` clauses can match, and carries a gap
//!   when some cannot.
//! - A requirement that compares amounts of one country and year with each
//!   other or with GDP (`core >= 3.5% of gdp`, `x >= 20% of y`, paths) is
//!   measured on the published shares of GDP where the dataset has them.
//!   Anything else (amounts of other years, alliance sums, amounts written
//!   in money) needs the amounts themselves.

use crate::data::dataset::{Column, Dataset, ANY, NONE};
use crate::data::schema::{IndicatorUnit, Manifest};
use crate::program::*;

/// Why a condition cannot match anything in a country-year, if so.
pub fn unpublished(
    data: &Dataset,
    condition: &Condition,
    country: u16,
    year: i32,
) -> Option<String> {
    gap_of(condition, &|leaf| match leaf {
        Condition::Tag(_) => data.manifest.unpublished_tags.clone(),
        Condition::Compare { field, value, .. } => {
            field_gap(data, field, std::slice::from_ref(value), country, year)
        }
        Condition::In { field, values, .. } => field_gap(data, field, values, country, year),
        _ => None,
    })
}

/// Whether `unpublished` can give a reason for the condition in some
/// country-year: each leaf that can have a reason in one has one here, so
/// where this gives none, none of the country-years has one.
pub(crate) fn may_be_unpublished(data: &Dataset, condition: &Condition) -> bool {
    let field = |field: &str, values: &[Literal]| {
        let spec = data.manifest.field(field)?;
        (spec.unpublished.is_some()
            || spec.by_value
            || unclassified(data, field, spec.values.as_deref(), values).is_some())
        .then(String::new)
    };
    gap_of(condition, &|leaf| match leaf {
        Condition::Tag(_) => data.manifest.unpublished_tags.clone(),
        Condition::Compare {
            field: f, value, ..
        } => field(f, std::slice::from_ref(value)),
        Condition::In {
            field: f, values, ..
        } => field(f, values),
        _ => None,
    })
    .is_some()
}

/// Why a condition cannot match anything in any country-year of a dataset
/// with this manifest: it can only match through fields or tags the
/// dataset never publishes.
pub fn never_published(manifest: &Manifest, condition: &Condition) -> Option<String> {
    gap_of(condition, &|leaf| match leaf {
        Condition::Tag(_) => manifest.unpublished_tags.clone(),
        Condition::Compare { field, .. } | Condition::In { field, .. } => {
            manifest.field(field)?.unpublished.clone()
        }
        _ => None,
    })
}

/// Combines the reasons of the leaves: `a and b` needs both published,
/// `a or b` needs one, `not`, `!=` and `not in` need nothing.
fn gap_of(condition: &Condition, leaf: &dyn Fn(&Condition) -> Option<String>) -> Option<String> {
    match condition {
        Condition::And(a, b) => gap_of(a, leaf).or_else(|| gap_of(b, leaf)),
        Condition::Or(a, b) => {
            let left = gap_of(a, leaf)?;
            gap_of(b, leaf).map(|right| {
                if left == right {
                    left
                } else {
                    format!("{left}; {right}")
                }
            })
        }
        Condition::Not(_) => None,
        Condition::Compare {
            op: crate::ast::CompareOp::Ne,
            ..
        } => None,
        Condition::In { negated: true, .. } => None,
        _ => leaf(condition),
    }
}

fn field_gap(
    data: &Dataset,
    field: &str,
    values: &[Literal],
    country: u16,
    year: i32,
) -> Option<String> {
    let spec = data.manifest.field(field)?;
    if let Some(reason) = &spec.unpublished {
        return Some(reason.clone());
    }
    if let Some(reason) = unclassified(data, field, spec.values.as_deref(), values) {
        return Some(reason);
    }
    if !spec.by_value {
        return None;
    }
    // Published value by value: a value no item of the country-year has is
    // missing there, not zero.
    let index = data.field_index(field)?;
    let Some(Column::Text(column)) = data.columns.get(index) else {
        return None;
    };
    let wanted: Vec<u32> = values
        .iter()
        .map(|v| data.symbol(&v.to_string()))
        .filter(|s| *s != NONE)
        .collect();
    let items = data.by_country_year.get(&(country, year))?;
    let found = items.iter().any(|&i| {
        column
            .get(i as usize)
            .is_some_and(|s| s == ANY || wanted.contains(&s))
    });
    if found {
        return None;
    }
    // A member the source reports no expenditure for says why.
    let code = data.country_code(country);
    if let Some(reason) = data
        .manifest
        .country(code)
        .and_then(|c| c.no_expenditure.clone())
    {
        return Some(reason);
    }
    let shown: Vec<String> = values.iter().map(ToString::to_string).collect();
    Some(format!(
        "{} publishes no `{field}` {} figures for {} in {year}",
        data.manifest.name,
        shown.join(", "),
        data.country_code(country)
    ))
}

/// A leaf that names only values the dataset never gives the field (a
/// draft may name spending no dataset classifies yet): it counts nothing.
fn unclassified(
    data: &Dataset,
    field: &str,
    allowed: Option<&[String]>,
    values: &[Literal],
) -> Option<String> {
    let allowed = allowed?;
    let unknown: Vec<String> = values
        .iter()
        .filter_map(|value| match value {
            Literal::Text(text) if !allowed.contains(text) => Some(format!("`{text}`")),
            _ => None,
        })
        .collect();
    if unknown.is_empty() || unknown.len() < values.len() {
        return None;
    }
    Some(format!(
        "{} has no `{field}` {}: no spending is classified so yet, and nothing counts as it",
        data.manifest.name,
        unknown.join(" or ")
    ))
}

/// Whether every value of the requirement can be measured in shares of GDP:
/// no amount of another year, no alliance sum or count, no amount written
/// in money and no money indicator but GDP.
pub fn share_measurable(program: &Program, data: &Dataset, requirement: &Requirement) -> bool {
    let bodies = requirement
        .body
        .iter()
        .chain(requirement.scoped.iter().map(|(_, b)| b));
    let mut against_gdp = false;
    for body in bodies {
        against_gdp |= matches!(body.kind, RequirementKind::Path { .. });
        for expr in body.kind.expressions() {
            if !expr_share_safe(program, data, expr) {
                return false;
            }
            against_gdp |= mentions_gdp(expr);
        }
    }
    // Only a comparison with GDP is what a published share measures; a
    // share of another category is measured on amounts.
    against_gdp
}

fn mentions_gdp(expr: &TExpr) -> bool {
    match &expr.kind {
        TExprKind::Indicator(name) => name == "gdp",
        TExprKind::Neg(a)
        | TExprKind::Round(a, _)
        | TExprKind::At(a, _)
        | TExprKind::Alliance(a) => mentions_gdp(a),
        TExprKind::Add(a, b)
        | TExprKind::Sub(a, b)
        | TExprKind::Mul(a, b)
        | TExprKind::Div(a, b) => mentions_gdp(a) || mentions_gdp(b),
        TExprKind::Min(items) | TExprKind::Max(items) => items.iter().any(mentions_gdp),
        _ => false,
    }
}

/// Whether every cap of every category can be applied in shares of GDP.
pub fn caps_share_safe(program: &Program, data: &Dataset) -> bool {
    program.categories.iter().all(|category| {
        let scoped = category.scoped.iter().map(|(_, change)| match change {
            ScopedChange::Amend(body) | ScopedChange::Replace(body) => body,
        });
        std::iter::once(&category.body)
            .chain(scoped)
            .flat_map(|body| body.caps.iter())
            .all(|cap| expr_share_safe(program, data, &cap.amount))
    })
}

fn expr_share_safe(program: &Program, data: &Dataset, expr: &TExpr) -> bool {
    let safe = |e: &TExpr| expr_share_safe(program, data, e);
    match &expr.kind {
        TExprKind::Const(_) => expr.ty != Type::Money,
        TExprKind::Param(p) => {
            expr.ty != Type::Money && program.param(*p).is_some_and(|p| p.ty != Type::Money)
        }
        TExprKind::Category(_) => true,
        TExprKind::Indicator(name) => {
            name == "gdp"
                || data
                    .manifest
                    .indicator(name)
                    .is_some_and(|s| s.unit != IndicatorUnit::Money)
        }
        TExprKind::Neg(a) | TExprKind::Round(a, _) => safe(a),
        TExprKind::Add(a, b)
        | TExprKind::Sub(a, b)
        | TExprKind::Mul(a, b)
        | TExprKind::Div(a, b) => safe(a) && safe(b),
        TExprKind::Min(items) | TExprKind::Max(items) => items.iter().all(safe),
        TExprKind::At(inner, AtSpec::Relative(0)) => safe(inner),
        TExprKind::At(..) | TExprKind::Alliance(_) | TExprKind::Count(_) => false,
    }
}

/// `published shares of GDP` when the requirement is measured on them for
/// the country-year; empty otherwise.
pub fn measured_on(
    engine: &super::engine::Engine<'_>,
    requirement: RequirementId,
    country: u16,
    year: i32,
) -> String {
    if engine.view_for(requirement).in_shares(country, year) {
        "published shares of GDP".to_string()
    } else {
        String::new()
    }
}

/// The categories a requirement compares, for its country.
pub fn categories_of(program: &Program, requirement: RequirementId, code: &str) -> Vec<CategoryId> {
    let mut found = Vec::new();
    let Some(req) = program.requirement(requirement) else {
        return found;
    };
    if let Some((body, _)) = super::requirement::body_for(req, code) {
        for expr in body.kind.expressions() {
            collect_categories(expr, &mut found);
        }
    }
    found
}

fn collect_categories(expr: &TExpr, found: &mut Vec<CategoryId>) {
    let mut walk = |e: &TExpr| collect_categories(e, found);
    match &expr.kind {
        TExprKind::Category(c) => {
            if !found.contains(c) {
                found.push(*c);
            }
        }
        TExprKind::Neg(a) | TExprKind::Round(a, _) | TExprKind::At(a, _) => walk(a),
        TExprKind::Alliance(a) => walk(a),
        TExprKind::Add(a, b)
        | TExprKind::Sub(a, b)
        | TExprKind::Mul(a, b)
        | TExprKind::Div(a, b) => {
            walk(a);
            walk(b);
        }
        TExprKind::Min(items) | TExprKind::Max(items) => items.iter().for_each(walk),
        TExprKind::Const(_)
        | TExprKind::Param(_)
        | TExprKind::Indicator(_)
        | TExprKind::Count(_) => {}
    }
}

/// The clauses of the compared categories that the data could not apply in
/// the country-year, as sentences.
pub fn gaps(
    engine: &super::engine::Engine<'_>,
    requirement: RequirementId,
    country: u16,
    year: i32,
) -> Vec<String> {
    let engine = engine.view_for(requirement);
    if !engine.data.has_items(country, year) {
        return Vec::new();
    }
    let code = engine.country_code(country).to_string();
    let state = engine.state(country, year);
    let mut out = Vec::new();
    for category in categories_of(engine.program, requirement, &code) {
        let Some(c) = state.category(category) else {
            continue;
        };
        if c.counted.is_err() {
            continue;
        }
        let name = engine
            .program
            .category(category)
            .map_or("", |c| c.id.as_str());
        for (clause, reason) in &c.gaps {
            out.push(format!("`{name}` without `{clause}`: {reason}"));
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use std::path::Path;

    use super::*;

    /// A clause with a reason in some country-year is one that
    /// `may_be_unpublished` says may have one, on every bundled dataset.
    #[test]
    fn may_be_unpublished_misses_no_gap() {
        let root = env!("CARGO_MANIFEST_DIR");
        let mut gaps = 0;
        for data in ["nato", "cofog", "nato-cofog", "sample"] {
            let source = crate::data::bundled::source(data).expect("bundled");
            let dataset = crate::data::load(&source).expect("loads");
            let rules = std::fs::read_dir(format!("{root}/rules/alternatives"))
                .expect("rules")
                .chain(std::fs::read_dir(format!("{root}/rules")).expect("rules"));
            for entry in rules {
                let path = entry.expect("entry").path();
                if path.extension().is_none_or(|e| e != "pledge") {
                    continue;
                }
                let read = |p: &Path| std::fs::read_to_string(p);
                let Ok(workspace) = crate::workspace::load(&path, &read) else {
                    continue;
                };
                let (checked, _) = crate::check::check(&workspace, Some(&dataset.manifest))
                    .into_problems(&workspace.sources);
                let Some(checked) = checked else { continue };
                for program in checked.pledges() {
                    for category in program.categories() {
                        let scoped = category.scoped.iter().map(|(_, change)| match change {
                            ScopedChange::Amend(body) | ScopedChange::Replace(body) => body,
                        });
                        for body in std::iter::once(&category.body).chain(scoped) {
                            for clause in &body.clauses {
                                let may = may_be_unpublished(&dataset, &clause.condition);
                                for &(country, year) in dataset.by_country_year.keys() {
                                    let gap =
                                        unpublished(&dataset, &clause.condition, country, year);
                                    gaps += usize::from(gap.is_some());
                                    assert!(may || gap.is_none(), "{} on {data}", clause.text);
                                }
                            }
                        }
                    }
                }
            }
        }
        assert!(gaps > 0);
    }
}
