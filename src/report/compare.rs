//! Rendering of `pledge compare`: text, Markdown and CSV.

use std::collections::BTreeSet;

use rust_decimal::Decimal;

use crate::analysis::compare::*;
use crate::eval::outcome::Status;
use crate::report::{self, numbers, Grid};

/// The comparison as text (or Markdown).
#[allow(clippy::too_many_lines)] // Over 100 lines: to be split (issue 10).
pub fn render(comparison: &Comparison, markdown: bool) -> String {
    let mut out = String::new();
    let heading = |text: &str, level: usize| report::heading(text, level, markdown);
    let show_grid = |grid: &Grid| {
        if markdown {
            format!("{}\n", grid.markdown())
        } else {
            format!("{}\n", grid.text())
        }
    };
    out.push_str(&heading("Comparison of drafts", 0));
    for draft in &comparison.drafts {
        let data = if draft.data.is_empty() {
            String::new()
        } else {
            format!(", on {}", draft.data)
        };
        out.push_str(&format!(
            "{}{} = {} ({}{data})\n",
            if markdown { "- " } else { "" },
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
    let labels: Vec<String> = comparison.drafts.iter().map(|d| d.label.clone()).collect();
    // 1. Flips.
    out.push_str(&heading(&format!("Flips ({})", comparison.flips.len()), 1));
    if comparison.flips.is_empty() {
        out.push_str(
            "No ally, year and requirement has a different outcome under another draft.\n\n",
        );
    } else {
        let mut header = vec!["requirement".to_string(), "ally".into(), "year".into()];
        header.extend(labels.iter().cloned());
        let rows = comparison
            .flips
            .iter()
            .map(|f| {
                let mut row = vec![f.requirement.clone(), f.country.clone(), f.year.to_string()];
                row.extend(
                    f.outcomes
                        .iter()
                        .map(|c| c.as_ref().map_or("absent".to_string(), |c| c.text.clone())),
                );
                row
            })
            .collect();
        out.push_str(&show_grid(&Grid { header, rows }));
    }
    // 2. Matrix per requirement and year.
    out.push_str(&heading("Outcomes by draft", 1));
    for requirement in &comparison.requirements {
        for &year in &comparison.years {
            let mut header = vec![format!("{requirement} {year}")];
            header.extend(labels.iter().cloned());
            let mut rows = Vec::new();
            for country in &comparison.countries {
                let Some(row_cells) =
                    comparison
                        .cells
                        .get(&(requirement.clone(), country.clone(), year))
                else {
                    continue;
                };
                let mut row = vec![country.clone()];
                row.extend(
                    row_cells
                        .iter()
                        .map(|c| c.as_ref().map_or("absent".to_string(), |c| c.text.clone())),
                );
                rows.push(row);
            }
            if rows.is_empty() {
                continue;
            }
            out.push_str(&show_grid(&Grid { header, rows }));
        }
    }
    // 3. Deltas.
    out.push_str(&heading("Changes in category totals (share of GDP)", 1));
    if comparison.deltas.is_empty() {
        out.push_str("No category total differs between the drafts in the years shown.\n\n");
    } else {
        let mut header = vec!["category".to_string(), "ally".into(), "year".into()];
        header.extend(labels.iter().cloned());
        for label in labels.iter().skip(1) {
            header.push(format!("{label} − A"));
        }
        let share = |d: &Delta, i: usize| -> String {
            match (
                d.share_of_gdp.get(i).copied().flatten(),
                d.counted.get(i).copied().flatten(),
            ) {
                (Some(s), _) => numbers::percent(s),
                (None, Some(v)) => numbers::money(v),
                _ => "no data".into(),
            }
        };
        let rows = comparison
            .deltas
            .iter()
            .map(|d| {
                let mut row = vec![d.category.clone(), d.country.clone(), d.year.to_string()];
                row.extend((0..labels.len()).map(|i| share(d, i)));
                for i in 1..labels.len() {
                    let text = match (
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
                    };
                    row.push(text);
                }
                row
            })
            .collect();
        out.push_str(&show_grid(&Grid { header, rows }));
    }
    // 4. Clause-level diff.
    out.push_str(&heading("Differences between the drafts' texts", 1));
    if comparison.changes.is_empty() {
        out.push_str("The drafts define the same parameters, categories and requirements.\n\n");
    } else {
        for change in &comparison.changes {
            let line = match change.kind.as_str() {
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
            };
            out.push_str(&format!("{}{line}\n", if markdown { "- " } else { "" }));
        }
        out.push('\n');
    }
    // 5. Why.
    if !comparison.why.is_empty() {
        out.push_str(&heading("Why", 1));
        if markdown {
            out.push_str("```text\n");
        }
        out.push_str(&crate::analysis::explain::render(&comparison.why));
        if markdown {
            out.push_str("```\n");
        }
    }
    for draft in &comparison.drafts {
        out.push_str(&format!("{}: {}\n", draft.label, draft.stamp.line()));
    }
    out
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
                    .map_or(String::new(), |d| d.normalize().to_string()),
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
