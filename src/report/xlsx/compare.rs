//! The workbook of `compare`.

use rust_xlsxwriter::{Workbook, Worksheet, XlsxError};
use serde_json::Value;

use super::*;

/// `compare`: the drafts, then one sheet per requirement with its flips
/// (one row per ally and year whose outcome differs), then the totals and
/// the text changes.
pub(crate) fn compare_sheets(
    workbook: &mut Workbook,
    document: &Value,
    styles: &Styles,
    names: &mut SheetNames,
) -> Result<(), XlsxError> {
    let drafts = array(&document["drafts"]);
    let labels: Vec<String> = drafts.iter().map(|d| text(&d["label"])).collect();
    drafts_sheet(
        workbook.add_worksheet().set_name(names.take("drafts"))?,
        drafts,
        styles,
    )?;
    let flips = array(&document["flips"]);
    for requirement in array(&document["requirements"]).iter().map(text) {
        let sheet = workbook
            .add_worksheet()
            .set_name(names.take(&requirement))?;
        flips_sheet(sheet, &requirement, flips, &labels, styles)?;
    }
    let deltas = array(&document["deltas"]);
    if !deltas.is_empty() {
        let sheet = workbook.add_worksheet().set_name(names.take("totals"))?;
        totals_sheet(sheet, deltas, &labels, styles)?;
    }
    let changes = array(&document["changes"]);
    if !changes.is_empty() {
        let sheet = workbook
            .add_worksheet()
            .set_name(names.take("text changes"))?;
        changes_sheet(sheet, changes, styles)?;
    }
    Ok(())
}

/// Each draft: its label, pledge, rule file, data and stamp.
fn drafts_sheet(sheet: &mut Worksheet, drafts: &[Value], styles: &Styles) -> Result<(), XlsxError> {
    let titles: Vec<String> = ["draft", "pledge", "rule file", "data", "stamp"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    header(sheet, 0, &titles, styles)?;
    for (i, draft) in drafts.iter().enumerate() {
        let row = 1 + row_of(i);
        sheet.write_string(row, 0, text(&draft["label"]))?;
        sheet.write_string(row, 1, text(&draft["pledge"]))?;
        sheet.write_string(row, 2, text(&draft["file"]))?;
        sheet.write_string(row, 3, text(&draft["data"]))?;
        sheet.write_string(row, 4, stamp_line(&draft["stamp"]))?;
    }
    sheet.set_column_width(1, 36)?;
    sheet.set_column_width(2, 40)?;
    Ok(())
}

/// A requirement's flips: per ally and year whose outcome differs, every
/// draft's outcome and margin.
fn flips_sheet(
    sheet: &mut Worksheet,
    requirement: &str,
    flips: &[Value],
    labels: &[String],
    styles: &Styles,
) -> Result<(), XlsxError> {
    sheet.write_string_with_format(
        0,
        0,
        format!("{requirement}: flips between drafts"),
        &styles.title,
    )?;
    sheet.write_string(1, 0, "One row per ally and year whose outcome differs between the drafts; per draft the outcome, the margin in percentage points and its exact decimal.")?;
    let mut titles = vec!["ally".to_string(), "name".to_string(), "year".to_string()];
    for label in labels {
        titles.push(label.clone());
        titles.push(format!("{label} margin (points)"));
        titles.push(format!("{label} margin exact"));
    }
    header(sheet, 3, &titles, styles)?;
    let mut row = 4;
    for flip in flips
        .iter()
        .filter(|f| text(&f["requirement"]) == requirement)
    {
        flip_row(sheet, row, flip, styles)?;
        row += 1;
    }
    if row == 4 {
        sheet.write_string(4, 0, "No ally changes outcome between the drafts.")?;
    }
    filter(sheet, 3, row.saturating_sub(1), titles.len())?;
    Ok(())
}

/// One flip: the ally, the year, and per draft the outcome and margin.
fn flip_row(
    sheet: &mut Worksheet,
    row: u32,
    flip: &Value,
    styles: &Styles,
) -> Result<(), XlsxError> {
    ally_cells(sheet, row, &text(&flip["country"]), styles)?;
    if let Some(year) = flip["year"].as_i64() {
        sheet.write_number(row, 2, year as f64)?;
    }
    for (j, outcome) in array(&flip["outcomes"]).iter().enumerate() {
        let c = col(3 + 3 * j);
        if outcome.is_null() {
            sheet.write_string_with_format(row, c, "not in this draft", &styles.other)?;
            continue;
        }
        let status = text(&outcome["status"]);
        sheet.write_string_with_format(row, c, status_text(&status), styles.status(&status))?;
        exact_pair(sheet, row, c + 1, &outcome["margin_pp"], &styles.points)?;
    }
    Ok(())
}

/// The category totals that differ: per ally, category and year, every
/// draft's share of GDP.
fn totals_sheet(
    sheet: &mut Worksheet,
    deltas: &[Value],
    labels: &[String],
    styles: &Styles,
) -> Result<(), XlsxError> {
    let mut titles = vec![
        "ally".to_string(),
        "name".to_string(),
        "category".to_string(),
        "year".to_string(),
    ];
    for label in labels {
        titles.push(format!("{label} share of GDP"));
        titles.push(format!("{label} exact"));
    }
    header(sheet, 0, &titles, styles)?;
    for (i, delta) in deltas.iter().enumerate() {
        let row = 1 + row_of(i);
        ally_cells(sheet, row, &text(&delta["country"]), styles)?;
        sheet.write_string(row, 2, text(&delta["category"]))?;
        if let Some(year) = delta["year"].as_i64() {
            sheet.write_number(row, 3, year as f64)?;
        }
        for (j, share) in array(&delta["share_of_gdp"]).iter().enumerate() {
            exact_pair(sheet, row, col(4 + 2 * j), share, &styles.percent)?;
        }
    }
    filter(sheet, 0, row_of(deltas.len()), titles.len())?;
    Ok(())
}

/// The differences between the drafts' texts.
fn changes_sheet(
    sheet: &mut Worksheet,
    changes: &[Value],
    styles: &Styles,
) -> Result<(), XlsxError> {
    let titles: Vec<String> = ["draft", "what", "change", "before", "after"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    header(sheet, 0, &titles, styles)?;
    for (i, change) in changes.iter().enumerate() {
        let row = 1 + row_of(i);
        for (c, key) in ["draft", "what", "kind", "before", "after"]
            .iter()
            .enumerate()
        {
            sheet.write_string(row, col(c), text(&change[*key]))?;
        }
    }
    sheet.set_column_width(1, 30)?;
    sheet.set_column_width(3, 50)?;
    sheet.set_column_width(4, 50)?;
    filter(sheet, 0, row_of(changes.len()), titles.len())?;
    Ok(())
}
