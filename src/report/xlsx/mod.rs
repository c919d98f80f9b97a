//! Excel output (`--format xlsx -o FILE`) of eval, compare, sweep and
//! distance. The workbook is made from the command's JSON document, so it
//! holds the same figures: each number as an Excel number (percent formats
//! for shares) with the exact decimal as text beside it. Statuses are
//! coloured, headers frozen and filtered, and a last sheet holds the rules,
//! the data sources and the stamp. The creation date is fixed, so the same
//! input gives the same bytes.

use std::collections::BTreeSet;
use std::path::Path;

use rust_xlsxwriter::{
    Color, DocProperties, ExcelDateTime, Format, FormatAlign, Workbook, Worksheet, XlsxError,
};
use serde_json::Value;

mod whatif;
use whatif::*;

/// Which command's JSON a workbook is made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Eval,
    Compare,
    Sweep,
    Distance,
}

/// A rule file named on the command line, with its text.
pub struct RulesText {
    pub path: String,
    pub text: String,
}

/// Writes the workbook of a command's JSON document to `path`.
pub fn write(
    kind: Kind,
    json: &str,
    rules: &[RulesText],
    names: &Names,
    path: &Path,
) -> Result<(), String> {
    let document: Value =
        serde_json::from_str(json).map_err(|e| format!("the output is not JSON: {e}"))?;
    let mut workbook = build(kind, &document, rules, names).map_err(|e| e.to_string())?;
    workbook.save(path).map_err(|e| e.to_string())
}

/// The workbook as bytes (for tests).
pub fn bytes(
    kind: Kind,
    json: &str,
    rules: &[RulesText],
    names: &Names,
) -> Result<Vec<u8>, String> {
    let document: Value =
        serde_json::from_str(json).map_err(|e| format!("the output is not JSON: {e}"))?;
    let mut workbook = build(kind, &document, rules, names).map_err(|e| e.to_string())?;
    workbook.save_to_buffer().map_err(|e| e.to_string())
}

/// Country names by code, from the dataset's manifest.
pub type Names = std::collections::BTreeMap<String, String>;

pub(crate) struct Styles {
    /// Country names by code, written beside the codes.
    pub(crate) countries: Names,
    pub(crate) header: Format,
    pub(crate) text: Format,
    pub(crate) points: Format,
    pub(crate) percent: Format,
    pub(crate) number: Format,
    pub(crate) met: Format,
    pub(crate) not_met: Format,
    pub(crate) no_data: Format,
    pub(crate) other: Format,
    pub(crate) title: Format,
}

impl Styles {
    pub(crate) fn new() -> Styles {
        let status = |fill: u32, font: u32| {
            Format::new()
                .set_background_color(Color::RGB(fill))
                .set_font_color(Color::RGB(font))
                .set_align(FormatAlign::Center)
        };
        Styles {
            countries: Names::new(),
            header: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0xECEFF7))
                .set_text_wrap(),
            text: Format::new(),
            points: Format::new().set_num_format("+0.00;-0.00;0.00"),
            percent: Format::new().set_num_format("0.00%"),
            number: Format::new().set_num_format("#,##0.0"),
            met: status(0xE3F1E4, 0x1B5E20),
            not_met: status(0xFBE4E4, 0xB71C1C),
            no_data: status(0xFFF5D6, 0x6D5200),
            other: status(0xF2F2F2, 0x616161),
            title: Format::new().set_bold().set_font_size(14),
        }
    }

    pub(crate) fn status(&self, word: &str) -> &Format {
        match word {
            "met" => &self.met,
            "not_met" => &self.not_met,
            "no_data" => &self.no_data,
            _ => &self.other,
        }
    }
}

/// Status words as a negotiator reads them.
pub(crate) fn status_text(word: &str) -> &str {
    match word {
        "met" => "met",
        "not_met" => "not met",
        "not_yet_due" => "not due",
        "not_applicable" => "n/a",
        "no_data" => "no data",
        other => other,
    }
}

pub(crate) fn build(
    kind: Kind,
    document: &Value,
    rules: &[RulesText],
    names: &Names,
) -> Result<Workbook, XlsxError> {
    let mut workbook = Workbook::new();
    let fixed = ExcelDateTime::from_ymd(2025, 1, 1)?;
    workbook.set_properties(
        &DocProperties::new()
            .set_creation_datetime(&fixed)
            .set_title("pledge output")
            .set_author("pledge"),
    );
    let styles = Styles {
        countries: names.clone(),
        ..Styles::new()
    };
    let mut names = SheetNames::default();
    match kind {
        Kind::Eval => eval_sheets(&mut workbook, document, &styles, &mut names)?,
        Kind::Compare => compare_sheets(&mut workbook, document, &styles, &mut names)?,
        Kind::Sweep => sweep_sheets(&mut workbook, document, &styles, &mut names)?,
        Kind::Distance => distance_sheets(&mut workbook, document, &styles, &mut names)?,
    }
    about_sheet(&mut workbook, document, rules, &styles, &mut names)?;
    Ok(workbook)
}

/// Sheet names: at most 31 characters, none of `[]:*?/\`, unique.
#[derive(Default)]
pub(crate) struct SheetNames {
    pub(crate) used: BTreeSet<String>,
}

impl SheetNames {
    pub(crate) fn take(&mut self, wanted: &str) -> String {
        let clean: String = wanted
            .chars()
            .map(|c| if "[]:*?/\\".contains(c) { '-' } else { c })
            .collect();
        let base: String = clean.chars().take(28).collect();
        let mut name = clean.chars().take(31).collect::<String>();
        let mut n = 2;
        while self.used.contains(&name.to_lowercase()) {
            name = format!("{base}~{n}");
            n += 1;
        }
        self.used.insert(name.to_lowercase());
        name
    }
}

pub(crate) fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// An exact decimal string as a number, when it is one.
pub(crate) fn number(value: &Value) -> Option<f64> {
    match value {
        Value::String(s) => s.parse::<f64>().ok(),
        Value::Number(n) => n.to_string().parse::<f64>().ok(),
        _ => None,
    }
}

/// A key of an object, or null.
pub(crate) fn field<'a>(value: &'a Value, key: &str) -> &'a Value {
    value.get(key).unwrap_or(&Value::Null)
}

pub(crate) fn array(value: &Value) -> &[Value] {
    value.as_array().map_or(&[], Vec::as_slice)
}

/// Writes a header row, freezes it (and the first column), and sets widths.
pub(crate) fn header(
    sheet: &mut Worksheet,
    row: u32,
    titles: &[String],
    styles: &Styles,
) -> Result<(), XlsxError> {
    for (col, title) in titles.iter().enumerate() {
        let col = u16::try_from(col).unwrap_or(u16::MAX);
        sheet.write_string_with_format(row, col, title, &styles.header)?;
        let width = match title.as_str() {
            "name" => 22,
            _ if col == 0 => 12,
            _ => 13,
        };
        sheet.set_column_width(col, width)?;
    }
    let frozen = if titles.get(1).is_some_and(|t| t == "name") {
        2
    } else {
        1
    };
    sheet.set_freeze_panes(row + 1, frozen)?;
    Ok(())
}

pub(crate) fn filter(
    sheet: &mut Worksheet,
    first: u32,
    last: u32,
    columns: usize,
) -> Result<(), XlsxError> {
    if columns > 0 && last > first {
        sheet.autofilter(first, 0, last, u16::try_from(columns - 1).unwrap_or(0))?;
    }
    Ok(())
}

/// A number cell and its exact decimal in the next column.
pub(crate) fn exact_pair(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    value: &Value,
    format: &Format,
) -> Result<(), XlsxError> {
    if let Some(n) = number(value) {
        sheet.write_number_with_format(row, col, n, format)?;
        sheet.write_string(row, col + 1, text(value))?;
    }
    Ok(())
}

/// The ally's code in column A and its name in column B.
pub(crate) fn ally_cells(
    sheet: &mut Worksheet,
    row: u32,
    code: &str,
    styles: &Styles,
) -> Result<(), XlsxError> {
    sheet.write_string(row, 0, code)?;
    if let Some(name) = styles.countries.get(code) {
        sheet.write_string(row, 1, name)?;
    }
    Ok(())
}

pub(crate) fn col(index: usize) -> u16 {
    u16::try_from(index).unwrap_or(u16::MAX)
}

pub(crate) fn row_of(index: usize) -> u32 {
    u32::try_from(index).unwrap_or(u32::MAX)
}

/// `eval`: one sheet per requirement (one row per ally; per year the
/// status, the margin in points and its exact decimal), then one sheet per
/// category with the counted total as a share of GDP.
#[allow(clippy::too_many_lines)] // Over 100 lines: to be split.
pub(crate) fn eval_sheets(
    workbook: &mut Workbook,
    document: &Value,
    styles: &Styles,
    names: &mut SheetNames,
) -> Result<(), XlsxError> {
    let pledges = array(&document["pledges"]);
    let several = pledges.len() > 1;
    for pledge in pledges {
        let pledge_name = text(&pledge["pledge"]);
        let years: Vec<i64> = array(&pledge["years"])
            .iter()
            .filter_map(Value::as_i64)
            .collect();
        let countries: Vec<String> = array(&pledge["countries"]).iter().map(text).collect();
        for requirement in array(&pledge["requirements"]).iter().map(text) {
            let results: Vec<&Value> = array(&document["results"])
                .iter()
                .filter(|r| {
                    text(&r["pledge"]) == pledge_name && text(&r["requirement"]) == requirement
                })
                .collect();
            let name = names.take(&if several {
                format!("{pledge_name} {requirement}")
            } else {
                requirement.clone()
            });
            let sheet = workbook.add_worksheet().set_name(&name)?;
            let rule = results
                .iter()
                .map(|r| text(&r["rule"]))
                .find(|r| !r.is_empty())
                .unwrap_or_default();
            let basis = results
                .iter()
                .map(|r| text(&r["margin_basis"]))
                .find(|b| !b.is_empty())
                .unwrap_or_else(|| "gdp".into());
            let basis = match basis.as_str() {
                "gdp" => "GDP".to_string(),
                "points of the share" => "the share".to_string(),
                other => other.to_string(),
            };
            sheet.write_string_with_format(
                0,
                0,
                format!("{requirement}: {rule}"),
                &styles.title,
            )?;
            sheet.write_string(
                1,
                0,
                format!("{pledge_name}. One row per ally; for each year the outcome, the margin in percentage points of {basis} (positive: to spare; negative: short; in a year not yet due, the margin it would have if it were due) and the same margin as an exact decimal."),
            )?;
            let mut titles = vec!["ally".to_string(), "name".to_string()];
            for year in &years {
                titles.push(format!("{year}"));
                titles.push(format!("{year} margin (points)"));
                titles.push(format!("{year} margin exact"));
            }
            header(sheet, 3, &titles, styles)?;
            for (i, country) in countries.iter().enumerate() {
                let row = 4 + row_of(i);
                ally_cells(sheet, row, country, styles)?;
                for (j, year) in years.iter().enumerate() {
                    let c = col(2 + 3 * j);
                    let Some(result) = results.iter().find(|r| {
                        &text(&r["country"]) == country && r["year"].as_i64() == Some(*year)
                    }) else {
                        continue;
                    };
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
            filter(sheet, 3, 3 + row_of(countries.len()), titles.len())?;
        }
        for category in array(&pledge["categories"]).iter().map(text) {
            let name = names.take(&format!("{category} share of GDP"));
            let sheet = workbook.add_worksheet().set_name(&name)?;
            sheet.write_string_with_format(
                0,
                0,
                format!("{category}: counted total as a share of GDP"),
                &styles.title,
            )?;
            sheet.write_string(1, 0, format!("{pledge_name}. Per year the share of GDP (a percentage) and the same share as an exact fraction (0.035 is 3.5%)."))?;
            let mut titles = vec!["ally".to_string(), "name".to_string()];
            for year in &years {
                titles.push(format!("{year}"));
                titles.push(format!("{year} exact"));
            }
            header(sheet, 3, &titles, styles)?;
            let totals: Vec<&Value> = array(&document["totals"])
                .iter()
                .filter(|t| text(&t["pledge"]) == pledge_name && text(&t["category"]) == category)
                .collect();
            for (i, country) in countries.iter().enumerate() {
                let row = 4 + row_of(i);
                ally_cells(sheet, row, country, styles)?;
                for (j, year) in years.iter().enumerate() {
                    if let Some(total) = totals.iter().find(|t| {
                        &text(&t["country"]) == country && t["year"].as_i64() == Some(*year)
                    }) {
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
            filter(sheet, 3, 3 + row_of(countries.len()), titles.len())?;
        }
    }
    Ok(())
}

/// `compare`: the drafts, then one sheet per requirement with its flips
/// (one row per ally and year whose outcome differs), then the totals.
#[allow(clippy::too_many_lines)] // Over 100 lines: to be split.
pub(crate) fn compare_sheets(
    workbook: &mut Workbook,
    document: &Value,
    styles: &Styles,
    names: &mut SheetNames,
) -> Result<(), XlsxError> {
    let drafts = array(&document["drafts"]);
    let labels: Vec<String> = drafts.iter().map(|d| text(&d["label"])).collect();
    {
        let sheet = workbook.add_worksheet().set_name(names.take("drafts"))?;
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
    }
    let flips = array(&document["flips"]);
    for requirement in array(&document["requirements"]).iter().map(text) {
        let sheet = workbook
            .add_worksheet()
            .set_name(names.take(&requirement))?;
        sheet.write_string_with_format(
            0,
            0,
            format!("{requirement}: flips between drafts"),
            &styles.title,
        )?;
        sheet.write_string(1, 0, "One row per ally and year whose outcome differs between the drafts; per draft the outcome, the margin in percentage points and its exact decimal.")?;
        let mut titles = vec!["ally".to_string(), "name".to_string(), "year".to_string()];
        for label in &labels {
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
                sheet.write_string_with_format(
                    row,
                    c,
                    status_text(&status),
                    styles.status(&status),
                )?;
                exact_pair(sheet, row, c + 1, &outcome["margin_pp"], &styles.points)?;
            }
            row += 1;
        }
        if row == 4 {
            sheet.write_string(4, 0, "No ally changes outcome between the drafts.")?;
        }
        filter(sheet, 3, row.saturating_sub(1), titles.len())?;
    }
    let deltas = array(&document["deltas"]);
    if !deltas.is_empty() {
        let sheet = workbook.add_worksheet().set_name(names.take("totals"))?;
        let mut titles = vec![
            "ally".to_string(),
            "name".to_string(),
            "category".to_string(),
            "year".to_string(),
        ];
        for label in &labels {
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
    }
    let changes = array(&document["changes"]);
    if !changes.is_empty() {
        let sheet = workbook
            .add_worksheet()
            .set_name(names.take("text changes"))?;
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
    }
    Ok(())
}

pub(crate) fn stamp_line(stamp: &Value) -> String {
    format!(
        "stamp: {} · rules {} · data {}",
        text(&stamp["engine"]),
        text(&stamp["rules"]),
        text(&stamp["data"])
    )
}

/// The last sheet: data sources, stamp and the rules text.
pub(crate) fn about_sheet(
    workbook: &mut Workbook,
    document: &Value,
    rules: &[RulesText],
    styles: &Styles,
    names: &mut SheetNames,
) -> Result<(), XlsxError> {
    let sheet = workbook
        .add_worksheet()
        .set_name(names.take("rules and data"))?;
    sheet.set_column_width(0, 16)?;
    sheet.set_column_width(1, 110)?;
    let mut row = 0;
    let mut line = |sheet: &mut Worksheet, label: &str, value: String| -> Result<(), XlsxError> {
        sheet.write_string_with_format(row, 0, label, &styles.header)?;
        sheet.write_string_with_format(row, 1, value, &styles.text)?;
        row += 1;
        Ok(())
    };
    let dataset = &document["dataset"];
    if dataset.is_object() {
        line(sheet, "data", text(&dataset["name"]))?;
        line(sheet, "edition", text(&dataset["edition"]))?;
        line(sheet, "amounts in", text(&dataset["money_unit"]))?;
    }
    if document["stamp"].is_object() {
        line(sheet, "stamp", stamp_line(&document["stamp"]))?;
    }
    for draft in array(&document["drafts"]) {
        line(
            sheet,
            &format!("stamp {}", text(&draft["label"])),
            stamp_line(&draft["stamp"]),
        )?;
    }
    line(
        sheet,
        "numbers",
        "Numbers are Excel numbers (rounded to about 15 digits); the \"exact\" columns hold the exact decimals the program computed. Shares are fractions shown as percentages.".to_string(),
    )?;
    for file in rules {
        row += 1;
        sheet.write_string_with_format(row, 0, "rules", &styles.header)?;
        sheet.write_string_with_format(row, 1, &file.path, &styles.header)?;
        row += 1;
        for (i, text) in file.text.lines().enumerate() {
            sheet.write_number(row, 0, (i + 1) as f64)?;
            sheet.write_string(row, 1, text)?;
            row += 1;
        }
    }
    Ok(())
}
