//! Rendering of `pledge compare`: text, Markdown and CSV.

use std::collections::BTreeSet;

use rust_decimal::Decimal;

use crate::analysis::compare::summary::{Count, Summary};
use crate::analysis::compare::*;
use crate::eval::outcome::Status;
use crate::report::{self, numbers, Grid};

/// Every ally and year: the flips one by one, the outcome of every ally
/// under every draft, every changed category total (`--full`).
pub fn render_full(comparison: &Comparison, markdown: bool) -> String {
    let labels: Vec<String> = comparison.drafts.iter().map(|d| d.label.clone()).collect();
    let mut out = header(comparison, markdown);
    out.push_str(&every_flip(comparison, &labels, markdown));
    out.push_str(&outcomes_by_draft(comparison, &labels, markdown));
    out.push_str(&total_changes(comparison, &labels, markdown));
    out.push_str(&text_changes(comparison, markdown));
    out.push_str(&why(comparison, markdown));
    out.push_str(&stamp_lines(comparison));
    out
}

/// Every flip on a row of its own, with its outcome under every draft.
fn every_flip(comparison: &Comparison, labels: &[String], markdown: bool) -> String {
    let mut out = report::heading(&format!("Flips ({})", comparison.flips.len()), 1, markdown);
    if comparison.flips.is_empty() {
        out.push_str(
            "No ally, year and requirement has a different outcome under another draft.\n\n",
        );
        return out;
    }
    let mut header = vec!["requirement".to_string(), "ally".into(), "year".into()];
    header.extend(labels.iter().cloned());
    let rows = comparison
        .flips
        .iter()
        .map(|f| {
            let mut row = vec![f.requirement.clone(), f.country.clone(), f.year.to_string()];
            row.extend(f.outcomes.iter().map(cell_text));
            row
        })
        .collect();
    out.push_str(&grid(&Grid { header, rows }, markdown));
    out
}

/// One grid per requirement and year: every ally's outcome under every
/// draft.
fn outcomes_by_draft(comparison: &Comparison, labels: &[String], markdown: bool) -> String {
    let mut out = report::heading("Outcomes by draft", 1, markdown);
    for requirement in &comparison.requirements {
        for &year in &comparison.years {
            let mut header = vec![format!("{requirement} {year}")];
            header.extend(labels.iter().cloned());
            let rows: Vec<Vec<String>> = comparison
                .countries
                .iter()
                .filter_map(|country| {
                    let cells =
                        comparison
                            .cells
                            .get(&(requirement.clone(), country.clone(), year))?;
                    let mut row = vec![country.clone()];
                    row.extend(cells.iter().map(cell_text));
                    Some(row)
                })
                .collect();
            if !rows.is_empty() {
                out.push_str(&grid(&Grid { header, rows }, markdown));
            }
        }
    }
    out
}

/// An outcome under one draft, or `absent` where the draft has none.
fn cell_text(cell: &Option<Cell>) -> String {
    cell.as_ref()
        .map_or("absent".to_string(), |c| c.text.clone())
}

/// Every category total that differs: its share of GDP under every draft
/// and the change from A.
fn total_changes(comparison: &Comparison, labels: &[String], markdown: bool) -> String {
    let mut out = report::heading("Changes in category totals (share of GDP)", 1, markdown);
    if comparison.deltas.is_empty() {
        out.push_str("No category total differs between the drafts in the years shown.\n\n");
        return out;
    }
    let mut header = vec!["category".to_string(), "ally".into(), "year".into()];
    header.extend(labels.iter().cloned());
    for label in labels.iter().skip(1) {
        header.push(format!("{label} − A"));
    }
    let rows = comparison
        .deltas
        .iter()
        .map(|d| {
            let mut row = vec![d.category.clone(), d.country.clone(), d.year.to_string()];
            row.extend((0..labels.len()).map(|i| delta_share(d, i)));
            row.extend((1..labels.len()).map(|i| delta_change(d, i)));
            row
        })
        .collect();
    out.push_str(&grid(&Grid { header, rows }, markdown));
    out
}

/// A category total under draft `i`: its share of GDP, else the amount.
fn delta_share(d: &Delta, i: usize) -> String {
    match (
        d.share_of_gdp.get(i).copied().flatten(),
        d.counted.get(i).copied().flatten(),
    ) {
        (Some(s), _) => numbers::percent(s),
        (None, Some(v)) => numbers::money(v),
        _ => "no data".into(),
    }
}

/// The change of a category total from A to draft `i`: in points of GDP,
/// else in money.
fn delta_change(d: &Delta, i: usize) -> String {
    match (
        d.share_of_gdp.first().copied().flatten(),
        d.share_of_gdp.get(i).copied().flatten(),
    ) {
        (Some(a), Some(b)) => {
            format!(
                "{} pp",
                numbers::points(
                    (b - a)
                        .checked_mul(Decimal::ONE_HUNDRED)
                        .unwrap_or_default()
                )
            )
        }
        _ => match (
            d.counted.first().copied().flatten(),
            d.counted.get(i).copied().flatten(),
        ) {
            (Some(a), Some(b)) => numbers::money(b - a),
            _ => "n/a".into(),
        },
    }
}

/// The stamp of every draft, one line each.
fn stamp_lines(comparison: &Comparison) -> String {
    comparison
        .drafts
        .iter()
        .map(|draft| format!("{}: {}\n", draft.label, draft.stamp.line()))
        .collect()
}

/// CSV: one row per requirement, ally, year and draft of the shown years,
/// with a `flip` column.
pub fn csv(comparison: &Comparison) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let _ = writer.write_record([
        "requirement",
        "country",
        "year",
        "draft",
        "pledge",
        "status",
        "margin_pp",
        "flip",
    ]);
    for ((requirement, country, year), cells) in &comparison.cells {
        if !comparison.years.contains(year) {
            continue;
        }
        let statuses: BTreeSet<Option<Status>> =
            cells.iter().map(|c| c.as_ref().map(|c| c.status)).collect();
        for (draft, cell) in comparison.drafts.iter().zip(cells) {
            let _ = writer.write_record([
                requirement.clone(),
                country.clone(),
                year.to_string(),
                draft.label.clone(),
                draft.pledge.clone(),
                cell.as_ref()
                    .map_or("absent".to_string(), |c| c.status.word().to_string()),
                cell.as_ref()
                    .and_then(|c| c.margin_pp)
                    .map_or(String::new(), super::numbers::plain),
                (statuses.len() > 1).to_string(),
            ]);
        }
    }
    let body = writer
        .into_inner()
        .map(|bytes| String::from_utf8_lossy(&bytes).to_string())
        .unwrap_or_default();
    let stamps: String = comparison
        .drafts
        .iter()
        .map(|d| format!("# {}: {}\n", d.label, d.stamp.line()))
        .collect();
    format!("{stamps}{body}")
}

/// Flip rows shown before `--full` is needed.
const MAX_FLIP_ROWS: usize = 80;

/// The comparison in one screen: counts per draft first, then the flips
/// per ally and requirement with years folded, what only some drafts have,
/// the categories that change, the text differences and, if asked, why.
pub fn render(comparison: &Comparison, markdown: bool) -> String {
    let mut out = header(comparison, markdown);
    let summary = &comparison.summary;
    let labels: Vec<String> = comparison.drafts.iter().map(|d| d.label.clone()).collect();
    out.push_str(&counts(summary, &labels, markdown));
    out.push_str(&flips(comparison, &labels, markdown));
    out.push_str(&coverage(summary, markdown));
    out.push_str(&categories(summary, &labels, markdown));
    out.push_str(&text_changes(comparison, markdown));
    out.push_str(&why(comparison, markdown));
    out.push_str(&stamp_lines(comparison));
    out
}

fn grid(grid: &Grid, markdown: bool) -> String {
    if markdown {
        format!("{}\n", grid.markdown())
    } else {
        format!("{}\n", grid.text())
    }
}

fn bullet(markdown: bool) -> &'static str {
    if markdown {
        "- "
    } else {
        ""
    }
}

fn header(comparison: &Comparison, markdown: bool) -> String {
    let mut out = report::heading("Comparison of drafts", 0, markdown);
    for draft in &comparison.drafts {
        let data = if draft.data.is_empty() {
            String::new()
        } else {
            format!(", on {}", draft.data)
        };
        out.push_str(&format!(
            "{}{} = {} ({}{data})\n",
            bullet(markdown),
            draft.label,
            draft.pledge,
            draft.file
        ));
    }
    if comparison.drafts.iter().any(|d| !d.data.is_empty()) {
        out.push_str(
            "The drafts ran on different data: a flip may come from the data (another edition or source), not from the text.\n",
        );
    }
    out.push('\n');
    out
}

fn counts(summary: &Summary, labels: &[String], markdown: bool) -> String {
    let mut out = report::heading("Allies meeting each requirement", 1, markdown);
    if summary.counts.is_empty() {
        out.push_str("No requirement has an outcome in the years of the data.\n\n");
        return out;
    }
    let mut header = vec!["requirement".to_string(), "year".into()];
    header.extend(labels.iter().cloned());
    let mut rows = Vec::new();
    let mut previous = String::new();
    for row in &summary.counts {
        let name = if row.requirement == previous {
            String::new()
        } else {
            row.requirement.clone()
        };
        previous.clone_from(&row.requirement);
        let mut cells = vec![name, row.year.to_string()];
        cells.extend(
            row.counts
                .iter()
                .map(|c| c.as_ref().map_or("absent".to_string(), Count::text)),
        );
        rows.push(cells);
    }
    out.push_str(&grid(&Grid { header, rows }, markdown));
    out.push_str("Years left out have the same counts under every draft. \"not due; now N of M\": not yet due, and N allies would meet it if it were due that year.\n\n");
    out
}

fn flips(comparison: &Comparison, labels: &[String], markdown: bool) -> String {
    let groups = &comparison.summary.flip_groups;
    let allies: std::collections::BTreeSet<&str> =
        groups.iter().map(|g| g.country.as_str()).collect();
    let title = if groups.is_empty() {
        "Flips".to_string()
    } else {
        format!(
            "Flips: {} {}, {} {} ({})",
            comparison.flips.len(),
            if comparison.flips.len() == 1 {
                "ally-year"
            } else {
                "ally-years"
            },
            allies.len(),
            if allies.len() == 1 { "ally" } else { "allies" },
            labels.join(" → ")
        )
    };
    let mut out = report::heading(&title, 1, markdown);
    if groups.is_empty() {
        out.push_str("No ally has a different outcome under another draft.\n\n");
        return out;
    }
    let mut header = vec!["requirement".to_string(), "ally".into(), "years".into()];
    header.extend(labels.iter().cloned());
    let rows = groups
        .iter()
        .take(MAX_FLIP_ROWS)
        .map(|g| {
            let mut row = vec![
                g.requirement.clone(),
                g.country.clone(),
                numbers::year_ranges(&g.years),
            ];
            row.extend(g.outcomes.iter().cloned());
            row
        })
        .collect();
    out.push_str(&grid(&Grid { header, rows }, markdown));
    if groups.len() > MAX_FLIP_ROWS {
        out.push_str(&format!(
            "… and {} more rows: `--full` lists every ally and year.\n\n",
            groups.len() - MAX_FLIP_ROWS
        ));
    }
    out
}

fn coverage(summary: &Summary, markdown: bool) -> String {
    let mut out = String::new();
    if !summary.only_in.is_empty() {
        out.push_str(&report::heading(
            "Requirements only some drafts have",
            1,
            markdown,
        ));
        for (requirement, having) in &summary.only_in {
            let who = if having.is_empty() {
                "no draft".to_string()
            } else {
                having.join(", ")
            };
            out.push_str(&format!(
                "{}`{requirement}`: only in {who}\n",
                bullet(markdown)
            ));
        }
        out.push('\n');
    }
    if !summary.not_covered.is_empty() {
        out.push_str(&report::heading(
            "Allies and years not in every draft's data",
            1,
            markdown,
        ));
        for (label, missing) in &summary.not_covered {
            out.push_str(&format!(
                "{}{label}'s data has no figures for {missing}\n",
                bullet(markdown)
            ));
        }
        out.push_str("These show as `absent` and are not counted as flips of the text.\n\n");
    }
    out
}

fn categories(summary: &Summary, labels: &[String], markdown: bool) -> String {
    let mut out = report::heading("Category totals that change", 1, markdown);
    if summary.categories.is_empty() {
        out.push_str("No category total differs between the drafts in the years shown.\n\n");
        return out;
    }
    for change in &summary.categories {
        let alliance = match change.alliance_year {
            Some(year) => {
                let shares: Vec<String> = labels
                    .iter()
                    .zip(&change.alliance_share)
                    .map(|(l, s)| format!("{l} {}", s.map_or("no data".into(), numbers::percent)))
                    .collect();
                format!("; alliance in {year}: {} of GDP", shares.join(", "))
            }
            None => String::new(),
        };
        out.push_str(&format!(
            "{}`{}`: differs for {} {} in {}{alliance}\n",
            bullet(markdown),
            change.category,
            change.allies,
            if change.allies == 1 { "ally" } else { "allies" },
            numbers::year_ranges(&change.years)
        ));
    }
    out.push_str("`--full` lists every ally and year; `--why ALLY` names the line items.\n\n");
    out
}

fn text_changes(comparison: &Comparison, markdown: bool) -> String {
    let mut out = report::heading("Differences between the drafts' texts", 1, markdown);
    if comparison.changes.is_empty() {
        out.push_str("The drafts define the same parameters, categories and requirements.\n\n");
        return out;
    }
    for change in &comparison.changes {
        out.push_str(&format!("{}{}\n", bullet(markdown), change_line(change)));
    }
    out.push('\n');
    out
}

pub(crate) fn change_line(change: &Change) -> String {
    match change.kind.as_str() {
        "added" => format!(
            "{} {}: added {}",
            change.draft,
            change.what,
            change.after.clone().unwrap_or_default()
        ),
        "removed" => format!(
            "{} {}: removed {}",
            change.draft,
            change.what,
            change.before.clone().unwrap_or_default()
        ),
        _ => format!(
            "{} {}: {} → {}",
            change.draft,
            change.what,
            change.before.clone().unwrap_or_default(),
            change.after.clone().unwrap_or_default()
        ),
    }
}

fn why(comparison: &Comparison, markdown: bool) -> String {
    if comparison.why.is_empty() {
        return String::new();
    }
    let mut out = report::heading("Why", 1, markdown);
    if markdown {
        out.push_str("```text\n");
    }
    out.push_str(&crate::analysis::explain::render(&comparison.why));
    if markdown {
        out.push_str("```\n");
    }
    out
}
