//! Data diagnostics: every `DataError` code, each triggered by a small
//! dataset under `tests/data/datasets/err/<case>/` that has exactly one
//! problem, rendered as a negotiator sees it. The valid datasets under
//! `tests/data/datasets/ok/` hold the same items as CSV and as JSON.
//!
//! | case                         | code                            |
//! |------------------------------|---------------------------------|
//! | `unreadable`                 | line-items file missing         |
//! | `bad_manifest_json`          | `dataset.json` lacks a comma    |
//! | `bad_manifest_unknown_key`   | `money_units` instead of `money_unit` |
//! | `missing_column`             | no `amount` column              |
//! | `unknown_column_items`       | undeclared `comment` column     |
//! | `unknown_column_indicators`  | undeclared `gdp_growth` series  |
//! | `bad_number_amount`          | amount `12,5`                   |
//! | `bad_number_indicator`       | gdp `n/a`                       |
//! | `bad_year`                   | year `2O24` (letter O)          |
//! | `unknown_country_items`      | `XSB` in the items              |
//! | `unknown_country_indicators` | `POL` in the indicators         |
//! | `unknown_value`              | `nato_category` `equipmnet`     |
//! | `unknown_tag`                | tag `dual-use`                  |
//! | `duplicate_id`               | an id twice                     |
//! | `duplicate_indicator_row`    | XNA 2024 twice in indicators    |
//! | `missing_gdp_series`         | no `gdp` in `indicator_series`  |
//! | `missing_gdp_column`         | no `gdp` column in indicators   |
//! | `mixed_units`                | a `unit` cell in USD            |
//! | `bad_row`                    | a row with one cell too many    |
//! | `too_many_tags`              | 65 tags declared                |
//! | `more_problems`              | 25 rows with an unknown country |
//! | `json_unknown_country`       | `XSB` in a JSON items file      |

// Panicking is how a test fails; the no-panic rule is for the library.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use pledge::data::{load, DataSource, Dataset};
use pledge::diagnostics::{render_all, ErrorFormat};
use rust_decimal::Decimal;

/// Paths relative to the package root (where `cargo test` runs), so that
/// the rendered file names do not depend on where the repository lives.
fn relative(path: &Path) -> PathBuf {
    path.strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

fn load_dir(dir: &str) -> Dataset {
    match load(&DataSource::Path(PathBuf::from(dir))) {
        Ok(dataset) => dataset,
        Err(problems) => panic!(
            "{dir} should load:\n{}",
            render_all(&problems, ErrorFormat::Human, false)
        ),
    }
}

fn d(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

#[test]
fn diagnostics() {
    insta::glob!("data/datasets/err/*", |dir| {
        let dir = relative(dir);
        let problems = match load(&DataSource::Path(dir.clone())) {
            Ok(_) => panic!("{} loaded, but it has a problem on purpose", dir.display()),
            Err(problems) => problems,
        };
        assert!(!problems.is_empty());
        // The folder name says which problem it holds; the code must match.
        let case = dir.file_name().unwrap().to_string_lossy().to_string();
        let expected = match case.as_str() {
            "unreadable" => "unreadable",
            c if c.starts_with("bad_manifest") => "bad_manifest",
            "missing_column" => "missing_column",
            c if c.starts_with("unknown_column") => "unknown_column",
            c if c.starts_with("bad_number") => "bad_number",
            "bad_year" => "bad_year",
            c if c.starts_with("unknown_country") || c == "json_unknown_country" => {
                "unknown_country"
            }
            "unknown_value" => "unknown_value",
            "unknown_tag" => "unknown_tag",
            "duplicate_id" | "duplicate_indicator_row" => "duplicate_key",
            c if c.starts_with("missing_gdp") => "missing_gdp",
            "mixed_units" => "mixed_units",
            "bad_row" => "bad_row",
            "too_many_tags" => "too_many_tags",
            "more_problems" => "unknown_country",
            other => panic!("add the case `{other}` to this table"),
        };
        let first = problems.first().unwrap();
        assert_eq!(
            first.code(),
            format!("pledge::data::{expected}"),
            "case {case}"
        );
        assert!(problems.iter().all(|p| p.is_error()), "case {case}");
        if case == "more_problems" {
            // 25 bad rows: 20 are shown, then one note that there are more.
            assert_eq!(problems.len(), 21);
            assert_eq!(
                problems.last().unwrap().code(),
                "pledge::data::more_problems"
            );
        } else {
            assert_eq!(problems.len(), 1, "case {case} has exactly one problem");
        }
        insta::assert_snapshot!(render_all(&problems, ErrorFormat::Human, false));
    });
}

#[test]
fn csv_and_json_line_items_load_to_the_same_dataset() {
    let csv = load_dir("tests/data/datasets/ok/csv");
    let json = load_dir("tests/data/datasets/ok/json");

    assert_eq!(csv.len(), 8);
    assert_eq!(json.len(), csv.len());
    assert_eq!(csv.manifest.fields, json.manifest.fields);
    for item in 0..csv.len() {
        assert_eq!(csv.id(item), json.id(item), "item {item}");
        assert_eq!(csv.country[item], json.country[item], "item {item}");
        assert_eq!(csv.year[item], json.year[item], "item {item}");
        assert_eq!(csv.amount[item], json.amount[item], "item {item}");
        for field in 0..csv.manifest.fields.len() {
            assert_eq!(
                csv.field_text(item, field),
                json.field_text(item, field),
                "item {item}, field {}",
                csv.manifest.fields[field].name
            );
        }
        assert_eq!(csv.tag_names(item), json.tag_names(item), "item {item}");
    }
    assert_eq!(csv.indicators, json.indicators);
    assert_eq!(csv.by_country_year, json.by_country_year);

    // The values themselves, exactly as written in the files.
    let amounts: Vec<Decimal> = csv.amount.clone();
    let expected: Vec<Decimal> = ["100.5", "200", "40.25", "0.000001", "-3", "80", "12.5", "7"]
        .iter()
        .map(|a| d(a))
        .collect();
    assert_eq!(amounts, expected);

    let field = |name: &str| csv.field_index(name).unwrap();
    let rail = 2;
    assert_eq!(csv.id(rail), "XNA-2024-rail");
    assert_eq!(
        csv.field_text(rail, field("nato_category")).as_deref(),
        Some("infrastructure")
    );
    assert_eq!(
        csv.field_text(rail, field("function")).as_deref(),
        Some("military_mobility")
    );
    // A quoted cell with a comma is one value.
    assert_eq!(
        csv.field_text(rail, field("programme")).as_deref(),
        Some("Rail, north corridor")
    );
    assert_eq!(
        csv.field_text(rail, field("years_planned")).as_deref(),
        Some("2.5")
    );
    // An empty cell is "no value", never a default.
    assert_eq!(csv.field_text(rail, field("estimate")), None);
    assert_eq!(csv.tag_names(rail), vec!["dual_use"]);
    assert_eq!(
        csv.field_text(0, field("estimate")).as_deref(),
        Some("false")
    );
    assert_eq!(
        csv.field_text(1, field("estimate")).as_deref(),
        Some("true")
    );
    assert_eq!(csv.field_text(1, field("years_planned")), None);
    assert_eq!(csv.tag_names(6), vec!["from_existing_stocks", "dual_use"]);
    assert!(csv.tag_names(7).is_empty());

    // Indicators: money as written, percent read as a share, empty cells absent.
    let xna = csv.country_index("XNA").unwrap();
    let xsa = csv.country_index("XSA").unwrap();
    let xob = csv.country_index("XOB").unwrap();
    assert_eq!(csv.indicator(xna, 2024, "gdp"), Some(d("10000")));
    assert_eq!(csv.indicator(xna, 2024, "reported_share"), Some(d("0.035")));
    assert_eq!(
        csv.indicator(xna, 2024, "real_change_pct"),
        Some(d("-1.25"))
    );
    assert_eq!(csv.indicator(xna, 2025, "reported_share"), None);
    assert_eq!(csv.indicator(xsa, 2024, "gdp"), Some(d("4000.5")));
    assert_eq!(
        csv.indicator(xsa, 2024, "reported_share"),
        Some(d("0.0175"))
    );
    assert_eq!(csv.indicator(xob, 2024, "gdp"), None);
    assert_eq!(csv.indicator(xna, 2023, "gdp"), None);

    // Items are grouped by country and year; years come from items and indicators.
    let by_year: BTreeMap<(String, i32), usize> = csv
        .by_country_year
        .iter()
        .map(|(&(c, y), items)| ((csv.country_code(c).to_string(), y), items.len()))
        .collect();
    let expected: BTreeMap<(String, i32), usize> = [
        (("XNA".to_string(), 2024), 4),
        (("XNA".to_string(), 2025), 1),
        (("XOB".to_string(), 2024), 1),
        (("XSA".to_string(), 2024), 2),
    ]
    .into_iter()
    .collect();
    assert_eq!(by_year, expected);
    assert_eq!(csv.years(), vec![2024, 2025]);

    // Traces point at the line (CSV) or the line where the element starts (JSON).
    assert_eq!(
        csv.describe_item(2),
        "XNA-2024-rail (tests/data/datasets/ok/csv/line_items.csv:4)"
    );
    assert_eq!(
        json.describe_item(2),
        "XNA-2024-rail (tests/data/datasets/ok/json/line_items.json:6)"
    );
}
