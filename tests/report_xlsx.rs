//! `--format xlsx -o FILE` of eval, compare, sweep and distance: each
//! workbook reads back with calamine, holds the sheets, rows and statuses
//! of the JSON output, every number equals the JSON's exact decimal within
//! f64 rounding, and a second run gives the same bytes.

// Panicking is how a test fails; the no-panic rule is for the library.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::process::ExitCode;

use calamine::{open_workbook, Data, Range, Reader, Xlsx};
use common::scratch;
use pledge::cli::Output;
use serde_json::Value;

/// The folder of this binary's scratch files.
const SCRATCH: &str = "pledge-xlsx";

/// Runs `pledge ARGV` in this process, with `-o FILE` when `output` names one.
fn run(argv: &[&str], output: Option<&str>) -> (ExitCode, Output) {
    let mut all = argv.to_vec();
    if let Some(path) = output {
        all.extend_from_slice(&["-o", path]);
    }
    common::run(&all)
}

/// The JSON output of a command, and its workbook (written twice: the
/// bytes must be the same).
fn both(argv: &[&str], name: &str) -> (Value, Xlsx<std::io::BufReader<std::fs::File>>) {
    let mut json_args = argv.to_vec();
    json_args.extend_from_slice(&["--format", "json"]);
    let (code, out) = run(&json_args, None);
    assert_eq!(code, ExitCode::SUCCESS, "{}", out.stderr);
    let json: Value = serde_json::from_str(&out.stdout).unwrap();
    let mut xlsx_args = argv.to_vec();
    xlsx_args.extend_from_slice(&["--format", "xlsx"]);
    let first = scratch(SCRATCH, &format!("{name}.xlsx"));
    let second = scratch(SCRATCH, &format!("{name}-again.xlsx"));
    for path in [&first, &second] {
        let text = path.display().to_string();
        let (code, out) = run(&xlsx_args, Some(&text));
        assert_eq!(code, ExitCode::SUCCESS, "{}", out.stderr);
        assert!(out.stdout.is_empty());
        assert!(out.stderr.contains(&format!("workbook written to {text}")));
    }
    assert_eq!(
        std::fs::read(&first).unwrap(),
        std::fs::read(&second).unwrap(),
        "two runs gave different bytes"
    );
    (json, open_workbook(&first).unwrap())
}

fn cell(range: &Range<Data>, row: usize, col: usize) -> Data {
    range
        .get_value((row as u32, col as u32))
        .cloned()
        .unwrap_or(Data::Empty)
}

fn string(range: &Range<Data>, row: usize, col: usize) -> String {
    match cell(range, row, col) {
        Data::String(s) => s,
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

fn close(number: f64, exact: &str) {
    let wanted: f64 = exact.parse().unwrap();
    assert!(
        (number - wanted).abs() <= 1e-12 * wanted.abs().max(1.0),
        "{number} is not {exact}"
    );
}

/// Every number followed by an "exact" column equals that exact decimal.
/// Returns how many pairs were checked.
fn numbers_match_exact(range: &Range<Data>, header_row: usize) -> usize {
    let (rows, cols) = range.get_size();
    let mut checked = 0;
    for col in 0..cols.saturating_sub(1) {
        if !string(range, header_row, col + 1).ends_with("exact") {
            continue;
        }
        for row in header_row + 1..rows {
            if let Data::Float(n) = cell(range, row, col) {
                close(n, &string(range, row, col + 1));
                checked += 1;
            }
        }
    }
    checked
}

fn status_word(json: &str) -> &str {
    match json {
        "not_met" => "not met",
        "not_yet_due" => "not due",
        "not_applicable" => "n/a",
        "no_data" => "no data",
        other => other,
    }
}

/// The allies and years of a pledge's outcome: the rows and column groups
/// of its sheets.
struct Axes<'j> {
    countries: Vec<&'j str>,
    years: Vec<i64>,
}

impl<'j> Axes<'j> {
    fn of(pledge: &'j Value) -> Axes<'j> {
        let countries = pledge["countries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        let years = pledge["years"]
            .as_array()
            .unwrap()
            .iter()
            .map(|y| y.as_i64().unwrap())
            .collect();
        Axes { countries, years }
    }

    /// The row of a result's or total's country (after the header on row
    /// 4), and the position of its year.
    fn place(&self, entry: &Value) -> (usize, usize) {
        let row = 4 + self
            .countries
            .iter()
            .position(|c| *c == entry["country"].as_str().unwrap())
            .unwrap();
        let year = self
            .years
            .iter()
            .position(|y| *y == entry["year"].as_i64().unwrap())
            .unwrap();
        (row, year)
    }
}

#[test]
fn eval_workbook_matches_the_json() {
    let (json, mut book) = both(&["eval", "rules/wales-2014.pledge"], "eval");
    let pledge = &json["pledges"][0];
    let mut expected: Vec<String> = pledge["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_string())
        .collect();
    let categories = pledge["categories"].as_array().unwrap();
    expected.extend(
        categories
            .iter()
            .map(|c| format!("{} share of GDP", c.as_str().unwrap())),
    );
    expected.push("rules and data".into());
    let names = book.sheet_names();
    assert_eq!(names, expected);
    let axes = Axes::of(pledge);
    let requirement = pledge["requirements"][0].as_str().unwrap();
    let sheet = book.worksheet_range(requirement).unwrap();
    requirement_sheet_matches(&json, &sheet, &axes, requirement);
    // The shares of GDP of the first category, against the JSON totals.
    let category = categories[0].as_str().unwrap();
    let shares = book
        .worksheet_range(&format!("{category} share of GDP"))
        .unwrap();
    share_sheet_matches(&json, &shares, &axes, category);
    // The last sheet: data, stamp, rules text.
    let about = book.worksheet_range("rules and data").unwrap();
    let text: Vec<String> = (0..about.get_size().0)
        .map(|r| string(&about, r, 1))
        .collect();
    assert!(text.contains(&json["dataset"]["name"].as_str().unwrap().to_string()));
    assert!(text.iter().any(|t| t.starts_with("stamp: pledge ")));
    assert!(text.iter().any(|t| t.starts_with("pledge \"Wales 2014")));
}

/// A requirement's sheet: one row per ally, and every result's status and
/// margin equal to the JSON's.
fn requirement_sheet_matches(json: &Value, sheet: &Range<Data>, axes: &Axes, requirement: &str) {
    let countries = &axes.countries;
    // Header on row 4 (index 3), one row per ally after it.
    assert_eq!(string(sheet, 3, 0), "ally");
    for (i, country) in countries.iter().enumerate() {
        assert_eq!(string(sheet, 4 + i, 0), *country);
    }
    // Names beside the codes.
    let poland = countries.iter().position(|c| *c == "POL").unwrap();
    assert_eq!(string(sheet, 4 + poland, 1), "Poland");
    assert_eq!(sheet.get_size().0, 4 + countries.len());
    // Every result: its status, and its margin equal to the JSON's decimal.
    let mut seen = 0;
    for result in json["results"].as_array().unwrap() {
        if result["requirement"] != requirement {
            continue;
        }
        let (row, year) = axes.place(result);
        let col = 2 + 3 * year;
        assert_eq!(
            string(sheet, row, col),
            status_word(result["status"].as_str().unwrap())
        );
        match result["margin_pp"].as_str() {
            Some(exact) => {
                let Data::Float(n) = cell(sheet, row, col + 1) else {
                    panic!("no number at {row},{}", col + 1);
                };
                close(n, exact);
                assert_eq!(string(sheet, row, col + 2), exact);
            }
            None => assert_eq!(cell(sheet, row, col + 1), Data::Empty),
        }
        seen += 1;
    }
    assert_eq!(seen, countries.len() * axes.years.len());
    assert!(numbers_match_exact(sheet, 3) > 0);
}

/// A category's sheet of shares of GDP, against the JSON totals.
fn share_sheet_matches(json: &Value, shares: &Range<Data>, axes: &Axes, category: &str) {
    let mut checked = 0;
    for total in json["totals"].as_array().unwrap() {
        if total["category"] != category {
            continue;
        }
        let Some(exact) = total["share_of_gdp"].as_str() else {
            continue;
        };
        let (row, year) = axes.place(total);
        let col = 2 + 2 * year;
        let Data::Float(n) = cell(shares, row, col) else {
            panic!("no share at {row},{col}");
        };
        close(n, exact);
        checked += 1;
    }
    assert!(checked > 100);
}

#[test]
fn compare_workbook_matches_the_json() {
    let (json, mut book) = both(
        &[
            "compare",
            "rules/hague-2025.pledge",
            "rules/alternatives/broad-related.pledge",
            "--data",
            "sample",
        ],
        "compare",
    );
    let names = book.sheet_names();
    assert_eq!(names.first().unwrap(), "drafts");
    for requirement in json["requirements"].as_array().unwrap() {
        assert!(names.contains(&requirement.as_str().unwrap().to_string()));
    }
    assert_eq!(names.last().unwrap(), "rules and data");
    let headline = book.worksheet_range("headline").unwrap();
    let flips: Vec<&Value> = json["flips"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["requirement"] == "headline")
        .collect();
    assert!(!flips.is_empty());
    for (i, flip) in flips.iter().enumerate() {
        let row = 4 + i;
        assert_eq!(string(&headline, row, 0), flip["country"].as_str().unwrap());
        assert!(string(&headline, row, 1).ends_with("(fictional)"));
        for (j, outcome) in flip["outcomes"].as_array().unwrap().iter().enumerate() {
            assert_eq!(
                string(&headline, row, 3 + 3 * j),
                status_word(outcome["status"].as_str().unwrap())
            );
            if let Some(exact) = outcome["margin_pp"].as_str() {
                assert_eq!(string(&headline, row, 5 + 3 * j), exact);
            }
        }
    }
    assert!(numbers_match_exact(&headline, 3) > 0);
    let totals = book.worksheet_range("totals").unwrap();
    assert_eq!(
        totals.get_size().0,
        1 + json["deltas"].as_array().unwrap().len()
    );
    assert!(numbers_match_exact(&totals, 0) > 0);
}

#[test]
fn sweep_workbook_matches_the_json() {
    let (json, mut book) = both(
        &[
            "sweep",
            "rules/hague-2025.pledge",
            "--data",
            "sample",
            "--param",
            "core_floor=3%..4%:0.25%",
        ],
        "sweep",
    );
    let pledge = &json["pledges"][0];
    let sweep = book.worksheet_range("sweep").unwrap();
    let rows = pledge["rows"].as_array().unwrap();
    assert_eq!(sweep.get_size().0, 3 + rows.len());
    for (i, row) in rows.iter().enumerate() {
        let Data::Float(n) = cell(&sweep, 3 + i, 0) else {
            panic!("no value");
        };
        close(n, row["value"].as_str().unwrap());
        for (j, entry) in row["requirements"].as_array().unwrap().iter().enumerate() {
            assert_eq!(
                cell(&sweep, 3 + i, 2 + 2 * j),
                Data::Float(entry["met"].as_f64().unwrap())
            );
        }
    }
    // One sheet per requirement, one row per ally, met or not per value.
    let core = book.worksheet_range("core_floor").unwrap();
    assert_eq!(core.get_size().0, 3 + 5);
    let first = &rows[0]["requirements"][0];
    for ally in first["allies_met"].as_array().unwrap() {
        let row = (3..8)
            .find(|r| string(&core, *r, 0) == ally.as_str().unwrap())
            .unwrap();
        assert_eq!(string(&core, row, 2), "met");
    }
}

#[test]
fn distance_workbook_matches_the_json() {
    let (json, mut book) = both(
        &[
            "distance",
            "rules/hague-2025.pledge",
            "--data",
            "sample",
            "--year",
            "2035",
            "--param",
            "core_floor",
        ],
        "distance",
    );
    let shortfalls = json["shortfalls"].as_array().unwrap();
    let headline: Vec<&Value> = shortfalls
        .iter()
        .filter(|s| s["requirement"] == "headline")
        .collect();
    let sheet = book.worksheet_range("headline").unwrap();
    assert_eq!(sheet.get_size().0, 4 + headline.len());
    for (i, s) in headline.iter().enumerate() {
        assert_eq!(string(&sheet, 4 + i, 0), s["country"].as_str().unwrap());
        let Data::Float(n) = cell(&sheet, 4 + i, 3) else {
            panic!("no amount");
        };
        close(n, s["needed"].as_str().unwrap());
    }
    assert!(numbers_match_exact(&sheet, 3) > 0);
    let break_even = book.worksheet_range("break-even").unwrap();
    assert_eq!(
        break_even.get_size().0,
        1 + json["break_even"].as_array().unwrap().len()
    );
    assert!(numbers_match_exact(&break_even, 0) > 0);
}

#[test]
fn xlsx_needs_an_output_file() {
    let (code, out) = run(
        &["eval", "rules/hague-2025.pledge", "--format", "xlsx"],
        None,
    );
    assert_eq!(code, ExitCode::from(2));
    assert!(out.stderr.contains("-o FILE"), "{}", out.stderr);
}
