//! The workbooks of `sweep` and `distance`.

use std::collections::BTreeSet;

use rust_xlsxwriter::{Workbook, XlsxError};
use serde_json::Value;

use super::*;

/// `sweep`: per pledge, a sheet of counts per value, then one sheet per
/// requirement: one row per ally, one column per value, met or not met.
pub(crate) fn sweep_sheets(
    workbook: &mut Workbook,
    document: &Value,
    styles: &Styles,
    names: &mut SheetNames,
) -> Result<(), XlsxError> {
    let parameter = text(&document["parameter"]);
    let ratio = text(&document["unit"]) == "ratio";
    let value_format = if ratio {
        &styles.percent
    } else {
        &styles.number
    };
    for pledge in array(&document["pledges"]) {
        let rows = array(&pledge["rows"]);
        let requirements: Vec<String> = array(&pledge["requirements"]).iter().map(text).collect();
        {
            let sheet = workbook.add_worksheet().set_name(names.take("sweep"))?;
            sheet.write_string_with_format(
                0,
                0,
                format!(
                    "{}: allies meeting each requirement as {parameter} varies, {}",
                    text(&pledge["pledge"]),
                    text(&document["year"])
                ),
                &styles.title,
            )?;
            let mut titles = vec![parameter.clone(), format!("{parameter} exact")];
            for requirement in &requirements {
                titles.push(format!("{requirement} met"));
                titles.push(format!("{requirement} of"));
            }
            header(sheet, 2, &titles, styles)?;
            for (i, row) in rows.iter().enumerate() {
                let r = 3 + row_of(i);
                exact_pair(sheet, r, 0, &row["value"], value_format)?;
                for (j, requirement) in requirements.iter().enumerate() {
                    if let Some(entry) = array(&row["requirements"])
                        .iter()
                        .find(|e| &text(&e["requirement"]) == requirement)
                    {
                        let c = col(2 + 2 * j);
                        sheet.write_number(r, c, entry["met"].as_f64().unwrap_or(0.0))?;
                        sheet.write_number(r, c + 1, entry["members"].as_f64().unwrap_or(0.0))?;
                    }
                }
            }
            filter(sheet, 2, 2 + row_of(rows.len()), titles.len())?;
        }
        for requirement in &requirements {
            let sheet = workbook.add_worksheet().set_name(names.take(requirement))?;
            sheet.write_string_with_format(
                0,
                0,
                format!("{requirement}: outcome per ally for each value of {parameter}"),
                &styles.title,
            )?;
            let mut titles = vec!["ally".to_string(), "name".to_string()];
            titles.extend(
                rows.iter()
                    .map(|r| format!("{parameter} = {}", text(&r["written"]))),
            );
            header(sheet, 2, &titles, styles)?;
            let mut allies: BTreeSet<String> = BTreeSet::new();
            for row in rows {
                for entry in array(&row["requirements"])
                    .iter()
                    .filter(|e| &text(&e["requirement"]) == requirement)
                {
                    for key in ["allies_met", "allies_not_met"] {
                        allies.extend(array(&entry[key]).iter().map(text));
                    }
                }
            }
            for (i, ally) in allies.iter().enumerate() {
                let r = 3 + row_of(i);
                ally_cells(sheet, r, ally, styles)?;
                for (j, row) in rows.iter().enumerate() {
                    let Some(entry) = array(&row["requirements"])
                        .iter()
                        .find(|e| &text(&e["requirement"]) == requirement)
                    else {
                        continue;
                    };
                    let has = |key: &str| array(&entry[key]).iter().any(|a| &text(a) == ally);
                    let status = if has("allies_met") {
                        "met"
                    } else if has("allies_not_met") {
                        "not_met"
                    } else {
                        "no_data"
                    };
                    sheet.write_string_with_format(
                        r,
                        col(2 + j),
                        status_text(status),
                        styles.status(status),
                    )?;
                }
            }
            filter(sheet, 2, 2 + row_of(allies.len()), titles.len())?;
        }
    }
    Ok(())
}

/// `distance`: one sheet per requirement with a shortfall (one row per ally
/// and year), then the break-even values when asked.
pub(crate) fn distance_sheets(
    workbook: &mut Workbook,
    document: &Value,
    styles: &Styles,
    names: &mut SheetNames,
) -> Result<(), XlsxError> {
    let unit = text(field(field(document, "dataset"), "money_unit"));
    let shortfalls = array(&document["shortfalls"]);
    let mut requirements: Vec<(String, String)> = Vec::new();
    for s in shortfalls {
        let key = (text(&s["pledge"]), text(&s["requirement"]));
        if !requirements.contains(&key) {
            requirements.push(key);
        }
    }
    if requirements.is_empty() {
        let sheet = workbook.add_worksheet().set_name(names.take("distance"))?;
        sheet.write_string(
            0,
            0,
            "No ally falls short of any requirement in the years evaluated.",
        )?;
    }
    for (pledge, requirement) in &requirements {
        let sheet = workbook.add_worksheet().set_name(names.take(requirement))?;
        let rows: Vec<&Value> = shortfalls
            .iter()
            .filter(|s| &text(&s["pledge"]) == pledge && &text(&s["requirement"]) == requirement)
            .collect();
        let rule = rows.first().map(|r| text(&r["rule"])).unwrap_or_default();
        sheet.write_string_with_format(0, 0, format!("{requirement}: {rule}"), &styles.title)?;
        sheet.write_string(1, 0, format!("{pledge}. The additional spending each ally needs (in {unit}) and the shortfall in percentage points, with their exact decimals."))?;
        let titles: Vec<String> = [
            "ally",
            "name",
            "year",
            "needed",
            "needed exact",
            "shortfall (points)",
            "shortfall exact",
            "shortfall (amount)",
            "shortfall amount exact",
            "points of",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        header(sheet, 3, &titles, styles)?;
        for (i, s) in rows.iter().enumerate() {
            let r = 4 + row_of(i);
            ally_cells(sheet, r, &text(&s["country"]), styles)?;
            if let Some(year) = s["year"].as_i64() {
                sheet.write_number(r, 2, year as f64)?;
            }
            exact_pair(sheet, r, 3, &s["needed"], &styles.number)?;
            exact_pair(sheet, r, 5, &s["shortfall_pp"], &styles.points)?;
            exact_pair(sheet, r, 7, &s["shortfall"], &styles.number)?;
            sheet.write_string(r, 9, text(&s["margin_basis"]))?;
        }
        filter(sheet, 3, 3 + row_of(rows.len()), titles.len())?;
    }
    let break_even = array(&document["break_even"]);
    if !break_even.is_empty() {
        let sheet = workbook
            .add_worksheet()
            .set_name(names.take("break-even"))?;
        let titles: Vec<String> = [
            "ally",
            "name",
            "requirement",
            "year",
            "outcome now",
            "break-even",
            "break-even exact",
            "now",
            "now exact",
            "meaning",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        header(sheet, 0, &titles, styles)?;
        let ratio = text(field(field(document, "parameter"), "unit")) == "ratio";
        let format = if ratio {
            &styles.percent
        } else {
            &styles.number
        };
        for (i, b) in break_even.iter().enumerate() {
            let r = 1 + row_of(i);
            ally_cells(sheet, r, &text(&b["country"]), styles)?;
            sheet.write_string(r, 2, text(&b["requirement"]))?;
            if let Some(year) = b["year"].as_i64() {
                sheet.write_number(r, 3, year as f64)?;
            }
            let status = text(&b["status"]);
            sheet.write_string_with_format(r, 4, status_text(&status), styles.status(&status))?;
            exact_pair(sheet, r, 5, &b["break_even"], format)?;
            exact_pair(sheet, r, 7, &b["now"], format)?;
            sheet.write_string(r, 9, text(&b["text"]))?;
        }
        sheet.set_column_width(9, 80)?;
        filter(sheet, 0, row_of(break_even.len()), titles.len())?;
    }
    Ok(())
}
