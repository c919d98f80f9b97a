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

mod compare;
mod eval;
mod whatif;
use compare::compare_sheets;
use eval::eval_sheets;
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
