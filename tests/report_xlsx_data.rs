//! Datasets read from Excel workbooks: the sample dataset's line items and
//! indicators written as two sheets of one workbook give the same outcomes
//! as the CSV files, and a bad cell is reported at the workbook, sheet and
//! row, as in a CSV file.

// Panicking is how a test fails; the no-panic rule is for the library.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use common::run;
use rust_xlsxwriter::Workbook;
use serde_json::Value;

/// Writes a CSV file into a sheet: numbers as numbers where the text is a
/// plain number, the rest as text.
fn sheet_from_csv(workbook: &mut Workbook, name: &str, path: &Path, spoil: Option<(usize, usize)>) {
    let sheet = workbook.add_worksheet();
    sheet.set_name(name).unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    for (row, line) in text.lines().enumerate() {
        for (col, cell) in line.split(',').enumerate() {
            let (r, c) = (row as u32, col as u16);
            if spoil == Some((row, col)) {
                sheet.write_string(r, c, "about 900").unwrap();
            } else if cell.is_empty() {
                continue;
            } else if row > 0 && cell.parse::<f64>().is_ok_and(|f| f.to_string() == cell) {
                sheet
                    .write_number(r, c, cell.parse::<f64>().unwrap())
                    .unwrap();
            } else {
                sheet.write_string(r, c, cell).unwrap();
            }
        }
    }
}

/// The sample dataset with both files in one workbook.
fn workbook_dataset(name: &str, spoil: Option<(usize, usize)>) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pledge-xlsx-data-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut manifest: Value =
        serde_json::from_str(&std::fs::read_to_string("data/sample/dataset.json").unwrap())
            .unwrap();
    manifest["line_items"] = Value::String("sample.xlsx".into());
    manifest["indicators"] = Value::String("sample.xlsx".into());
    std::fs::write(
        dir.join("dataset.json"),
        serde_json::to_string_pretty(&manifest).unwrap(),
    )
    .unwrap();
    let mut workbook = Workbook::new();
    sheet_from_csv(
        &mut workbook,
        "line_items",
        Path::new("data/sample/line_items.csv"),
        spoil,
    );
    sheet_from_csv(
        &mut workbook,
        "indicators",
        Path::new("data/sample/indicators.csv"),
        None,
    );
    workbook.save(dir.join("sample.xlsx")).unwrap();
    dir
}

#[test]
fn a_workbook_dataset_gives_the_outcomes_of_the_csv_files() {
    let dir = workbook_dataset("same", None);
    let dir_text = dir.display().to_string();
    let eval = |data: &str| {
        let (code, out) = run(&[
            "eval",
            "rules/hague-2025.pledge",
            "--data",
            data,
            "--format",
            "json",
        ]);
        assert_eq!(code, ExitCode::SUCCESS, "{}", out.stderr);
        serde_json::from_str::<Value>(&out.stdout).unwrap()
    };
    let from_csv = eval("sample");
    let from_xlsx = eval(&dir_text);
    assert_eq!(from_csv["results"], from_xlsx["results"]);
    assert_eq!(from_csv["totals"], from_xlsx["totals"]);
    // `explain` traces an item to its sheet and row.
    let (code, out) = run(&[
        "explain",
        "rules/hague-2025.pledge",
        "--data",
        &dir_text,
        "--country",
        "XWA",
        "--year",
        "2030",
        "--requirement",
        "credible_path",
    ]);
    assert_eq!(code, ExitCode::SUCCESS, "{}", out.stderr);
    assert!(
        out.stdout.contains("sample.xlsx [sheet line_items]:"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_bad_cell_is_reported_at_its_sheet_and_row() {
    // Row 3 of the sheet (index 2), column `amount` (index 3).
    let dir = workbook_dataset("bad", Some((2, 3)));
    let (code, out) = run(&[
        "eval",
        "rules/hague-2025.pledge",
        "--data",
        &dir.display().to_string(),
    ]);
    assert_eq!(code, ExitCode::from(1));
    assert!(
        out.stderr.contains("`about 900` is not a number"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("sample.xlsx [sheet line_items] starting at line 2"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("label at line 3"), "{}", out.stderr);
}

#[test]
fn a_file_that_is_not_a_workbook_says_so() {
    let dir = workbook_dataset("broken", None);
    std::fs::write(dir.join("sample.xlsx"), "not a workbook").unwrap();
    let (code, out) = run(&[
        "eval",
        "rules/hague-2025.pledge",
        "--data",
        &dir.display().to_string(),
    ]);
    assert_eq!(code, ExitCode::from(1));
    assert!(
        out.stderr.contains("it is not an Excel workbook"),
        "{}",
        out.stderr
    );
}
