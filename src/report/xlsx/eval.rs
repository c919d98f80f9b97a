//! The workbook of `eval`.

use rust_xlsxwriter::{Workbook, Worksheet, XlsxError};
use serde_json::Value;

use super::*;

/// `eval`: one sheet per requirement (one row per ally; per year the
/// status, the margin in points and its exact decimal), then one sheet per
/// category with the counted total as a share of GDP.
pub(crate) fn eval_sheets(
    workbook: &mut Workbook,
    document: &Value,
    styles: &Styles,
    names: &mut SheetNames,
) -> Result<(), XlsxError> {
    let pledges = array(&document["pledges"]);
    let several = pledges.len() > 1;
    for pledge in pledges {
        let pledge = Pledge::of(pledge);
        for requirement in &pledge.requirements {
            let name = names.take(&if several {
                format!("{} {requirement}", pledge.name)
            } else {
                requirement.clone()
            });
            let sheet = workbook.add_worksheet().set_name(&name)?;
            requirement_sheet(sheet, document, &pledge, requirement, styles)?;
        }
        for category in &pledge.categories {
            let name = names.take(&format!("{category} share of GDP"));
            let sheet = workbook.add_worksheet().set_name(&name)?;
            category_sheet(sheet, document, &pledge, category, styles)?;
        }
    }
    Ok(())
}

/// A pledge of the document: its name, years, allies, requirements and
/// categories.
struct Pledge {
    name: String,
    years: Vec<i64>,
    countries: Vec<String>,
    requirements: Vec<String>,
    categories: Vec<String>,
}

impl Pledge {
    fn of(pledge: &Value) -> Pledge {
        Pledge {
            name: text(&pledge["pledge"]),
            years: array(&pledge["years"])
                .iter()
                .filter_map(Value::as_i64)
                .collect(),
            countries: array(&pledge["countries"]).iter().map(text).collect(),
            requirements: array(&pledge["requirements"]).iter().map(text).collect(),
            categories: array(&pledge["categories"]).iter().map(text).collect(),
        }
    }
}

/// A requirement's sheet: per ally and year the outcome and the margin.
fn requirement_sheet(
    sheet: &mut Worksheet,
    document: &Value,
    pledge: &Pledge,
    requirement: &str,
    styles: &Styles,
) -> Result<(), XlsxError> {
    let results: Vec<&Value> = array(&document["results"])
        .iter()
        .filter(|r| text(&r["pledge"]) == pledge.name && text(&r["requirement"]) == requirement)
        .collect();
    let rule = results
        .iter()
        .map(|r| text(&r["rule"]))
        .find(|r| !r.is_empty())
        .unwrap_or_default();
    let basis = margin_basis(&results);
    sheet.write_string_with_format(0, 0, format!("{requirement}: {rule}"), &styles.title)?;
    sheet.write_string(
        1,
        0,
        format!("{}. One row per ally; for each year the outcome, the margin in percentage points of {basis} (positive: to spare; negative: short; in a year not yet due, the margin it would have if it were due) and the same margin as an exact decimal.", pledge.name),
    )?;
    let mut titles = vec!["ally".to_string(), "name".to_string()];
    for year in &pledge.years {
        titles.push(format!("{year}"));
        titles.push(format!("{year} margin (points)"));
        titles.push(format!("{year} margin exact"));
    }
    header(sheet, 3, &titles, styles)?;
    for (i, country) in pledge.countries.iter().enumerate() {
        let row = 4 + row_of(i);
        ally_cells(sheet, row, country, styles)?;
        for (j, year) in pledge.years.iter().enumerate() {
            if let Some(result) = find_cell(&results, country, *year) {
                let c = col(2 + 3 * j);
                let status = text(&result["status"]);
                sheet.write_string_with_format(
                    row,
                    c,
                    status_text(&status),
                    styles.status(&status),
                )?;
                exact_pair(sheet, row, c + 1, &result["margin_pp"], &styles.points)?;
            }
        }
    }
    filter(sheet, 3, 3 + row_of(pledge.countries.len()), titles.len())?;
    Ok(())
}

/// What a requirement's margins are points of: `GDP`, `the share`, or the
/// base of `x% of base`.
fn margin_basis(results: &[&Value]) -> String {
    let basis = results
        .iter()
        .map(|r| text(&r["margin_basis"]))
        .find(|b| !b.is_empty())
        .unwrap_or_else(|| "gdp".into());
    match basis.as_str() {
        "gdp" => "GDP".to_string(),
        "points of the share" => "the share".to_string(),
        other => other.to_string(),
    }
}

/// The result or total of an ally in a year.
fn find_cell<'v>(cells: &[&'v Value], country: &str, year: i64) -> Option<&'v Value> {
    cells
        .iter()
        .find(|c| text(&c["country"]) == country && c["year"].as_i64() == Some(year))
        .copied()
}

/// A category's sheet: per ally and year the counted total as a share of
/// GDP.
fn category_sheet(
    sheet: &mut Worksheet,
    document: &Value,
    pledge: &Pledge,
    category: &str,
    styles: &Styles,
) -> Result<(), XlsxError> {
    sheet.write_string_with_format(
        0,
        0,
        format!("{category}: counted total as a share of GDP"),
        &styles.title,
    )?;
    sheet.write_string(1, 0, format!("{}. Per year the share of GDP (a percentage) and the same share as an exact fraction (0.035 is 3.5%).", pledge.name))?;
    let mut titles = vec!["ally".to_string(), "name".to_string()];
    for year in &pledge.years {
        titles.push(format!("{year}"));
        titles.push(format!("{year} exact"));
    }
    header(sheet, 3, &titles, styles)?;
    let totals: Vec<&Value> = array(&document["totals"])
        .iter()
        .filter(|t| text(&t["pledge"]) == pledge.name && text(&t["category"]) == category)
        .collect();
    for (i, country) in pledge.countries.iter().enumerate() {
        let row = 4 + row_of(i);
        ally_cells(sheet, row, country, styles)?;
        for (j, year) in pledge.years.iter().enumerate() {
            if let Some(total) = find_cell(&totals, country, *year) {
                exact_pair(
                    sheet,
                    row,
                    col(2 + 2 * j),
                    &total["share_of_gdp"],
                    &styles.percent,
                )?;
            }
        }
    }
    filter(sheet, 3, 3 + row_of(pledge.countries.len()), titles.len())?;
    Ok(())
}
