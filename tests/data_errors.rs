//! Data diagnostics: every `DataError` code, each triggered by a small
//! dataset under `tests/data/datasets/err/<case>/` that has exactly one
//! problem, rendered as a negotiator sees it. The valid datasets under
//! `tests/data/datasets/ok/` hold the same items as CSV and as JSON.
//!
//! | case                           | code                            |
//! |--------------------------------|---------------------------------|
//! | `unreadable`                   | line-items file missing         |
//! | `unreadable_indicators`        | indicators file missing         |
//! | `bad_manifest_json`            | `dataset.json` lacks a comma    |
//! | `bad_manifest_unknown_key`     | `money_units` instead of `money_unit` |
//! | `missing_column`               | no `amount` column              |
//! | `missing_gdp_column`           | no `gdp` column in indicators (`missing_column`) |
//! | `unknown_column_items`         | undeclared `comment` column     |
//! | `unknown_column_indicators`    | undeclared `gdp_growth` series  |
//! | `duplicate_column_items`       | `amount` twice in the header    |
//! | `duplicate_column_indicators`  | `gdp` twice in the header       |
//! | `empty_cell_amount`            | an empty `amount` cell          |
//! | `empty_cell_year`              | an empty `year` cell            |
//! | `empty_cell_country_indicators`| an empty `country` cell in indicators |
//! | `bad_number_amount`            | amount `12,5`                   |
//! | `bad_number_indicator`         | gdp `n/a`                       |
//! | `bad_number_too_precise`       | an amount of 32 digits          |
//! | `bad_year`                     | year `2O24` (letter O)          |
//! | `unknown_country_items`        | `XSB` in the items              |
//! | `unknown_country_indicators`   | `POL` in the indicators         |
//! | `unknown_country_transposed`   | `PLO` for `POL`                 |
//! | `unknown_country_crlf`         | `XSB` on line 7 of a file with `\r\n` line ends, a blank line and a quoted cell on two lines |
//! | `unknown_value`                | `nato_category` `equipmnet`     |
//! | `unknown_tag`                  | tag `dual-use`                  |
//! | `duplicate_id`                 | an id twice                     |
//! | `duplicate_id_last_column`     | an id twice, `id` the last column |
//! | `duplicate_indicator_row`      | XNA 2024 twice in indicators    |
//! | `missing_gdp_series`           | no `gdp` in `indicator_series`  |
//! | `mixed_units`                  | a `unit` cell in USD            |
//! | `bad_row`                      | a row with one cell too many    |
//! | `too_many_tags`                | 65 tags declared                |
//! | `more_problems`                | 25 rows with an unknown country |
//! | `exactly_twenty_problems`      | 20 such rows: no note           |
//! | `json_unknown_country`         | `XSB` in a JSON items file      |
//! | `json_one_line`                | the same, every object on one line |
//! | `json_unknown_key`             | an undeclared key in one object |
//! | `json_duplicate_key`           | `amount` twice in one object    |
//! | `json_empty_amount`            | `"amount": null`                |
//! | `json_bad_syntax`              | a missing comma between objects |
//! | `json_more_problems`           | 25 objects with an unknown country |

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
    match load(&DataSource::Path(PathBuf::from(dir))).map_err(pledge::data::into_problems) {
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
        let problems =
            match load(&DataSource::Path(dir.clone())).map_err(pledge::data::into_problems) {
                Ok(_) => panic!("{} loaded, but it has a problem on purpose", dir.display()),
                Err(problems) => problems,
            };
        assert!(!problems.is_empty());
        // The folder name says which problem it holds; the code must match.
        let case = dir.file_name().unwrap().to_string_lossy().to_string();
        let expected = match case.as_str() {
            c if c.starts_with("unreadable") => "unreadable",
            c if c.starts_with("bad_manifest") => "bad_manifest",
            "missing_column" | "missing_gdp_column" => "missing_column",
            c if c.starts_with("unknown_column") || c == "json_unknown_key" => "unknown_column",
            c if c.starts_with("duplicate_column") || c == "json_duplicate_key" => {
                "duplicate_column"
            }
            c if c.starts_with("empty_cell") || c == "json_empty_amount" => "empty_cell",
            c if c.starts_with("bad_number") => "bad_number",
            "bad_year" => "bad_year",
            c if c.starts_with("unknown_country")
                || c == "json_unknown_country"
                || c == "json_one_line" =>
            {
                "unknown_country"
            }
            "unknown_value" => "unknown_value",
            "unknown_tag" => "unknown_tag",
            c if c.starts_with("duplicate_id") || c == "duplicate_indicator_row" => "duplicate_key",
            "missing_gdp_series" => "missing_gdp",
            "mixed_units" => "mixed_units",
            "bad_row" | "json_bad_syntax" => "bad_row",
            "too_many_tags" => "too_many_tags",
            "more_problems" | "exactly_twenty_problems" | "json_more_problems" => "unknown_country",
            other => panic!("add the case `{other}` to this table"),
        };
        let first = problems.first().unwrap();
        assert_eq!(
            first.code(),
            format!("pledge::data::{expected}"),
            "case {case}"
        );
        assert!(problems.iter().all(|p| p.is_error()), "case {case}");
        let notes = problems
            .iter()
            .filter(|p| p.code() == "pledge::data::more_problems")
            .count();
        if case == "more_problems" || case == "json_more_problems" {
            // 25 bad rows: 20 are shown, then one note that there are more.
            assert_eq!(problems.len(), 21, "case {case}");
            assert_eq!(
                problems.last().unwrap().code(),
                "pledge::data::more_problems",
                "case {case}"
            );
            assert_eq!(notes, 1, "case {case}");
        } else if case == "exactly_twenty_problems" {
            // 20 bad rows: all are shown, and there are no more.
            assert_eq!(problems.len(), 20);
            assert_eq!(notes, 0);
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
        assert_eq!(csv.amount.get(item), json.amount.get(item), "item {item}");
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
    let amounts: Vec<Decimal> = csv.amount.iter().collect();
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

#[test]
fn json_numbers_keep_every_digit() {
    // A binary floating-point number would keep about 16 significant digits:
    // 12345678.123456789012 would become 12345678.123456789.
    let data = load_dir("tests/data/datasets/ok/json_precision");
    let expected: Vec<Decimal> = [
        "12345678.123456789012",
        "-0.000000000000000001",
        "1500",
        "98765432109876543.21",
        "9007199254740993",
    ]
    .iter()
    .map(|a| d(a))
    .collect();
    let amounts: Vec<Decimal> = data.amount.iter().collect();
    assert_eq!(amounts, expected);
    // Read back with the decimals as written, not only the same number.
    let written: Vec<String> = amounts.iter().map(ToString::to_string).collect();
    let wanted: Vec<String> = expected.iter().map(ToString::to_string).collect();
    assert_eq!(written, wanted);
    assert_eq!(
        data.amount.get(0).map(|a| a.to_string()).as_deref(),
        Some("12345678.123456789012")
    );
    let years_planned = data.field_index("years_planned").unwrap();
    assert_eq!(
        data.field_text(0, years_planned).as_deref(),
        Some("2.500000000000000000001")
    );
    assert_eq!(data.field_text(2, years_planned).as_deref(), Some("2.5"));
    // Each item's line is the line where its object starts.
    assert_eq!(
        data.describe_item(3),
        "XSA-2024-equipment (tests/data/datasets/ok/json_precision/line_items.json:8)"
    );
}

#[test]
fn every_bundled_dataset_loads() {
    for name in pledge::data::bundled::NAMES {
        let source = pledge::data::bundled::source(name).unwrap();
        if let Err(problems) = load(&source).map_err(pledge::data::into_problems) {
            panic!(
                "the bundled dataset `{name}` does not load:\n{}",
                render_all(&problems, ErrorFormat::Human, false)
            );
        }
    }
}

#[test]
fn cofog_gdp_is_derived_from_total_expenditure_and_its_share() {
    let source = pledge::data::bundled::source("cofog").unwrap();
    let data = load(&source).map_err(pledge::data::into_problems).unwrap();
    let ltu = data.country_index("LTU").unwrap();
    // LTU 2017: TOTAL 14106.8 EUR million at 33.4% of GDP gives
    // 14106.8 / 0.334 = 42235.928143712..., written to 6 decimal places.
    assert_eq!(data.indicator(ltu, 2017, "gdp"), Some(d("42235.928144")));
    assert_eq!(
        data.indicator(ltu, 2017, "total_share_pct"),
        Some(d("0.334"))
    );
    // Where both exist, TOTAL / gdp gives back the published TOTAL share.
    let total = data.field_index("cofog").unwrap();
    let mut derived = 0;
    for item in 0..data.len() {
        if data.field_text(item, total).as_deref() != Some("TOTAL") {
            continue;
        }
        let (country, year) = (data.country[item], data.year[item]);
        let gdp = data.indicator(country, year, "gdp").unwrap();
        let share = data.indicator(country, year, "total_share_pct").unwrap();
        let gap = (data.amount.get(item).unwrap() / gdp - share).abs();
        assert!(gap < d("0.00000000001"), "{}", data.describe_item(item));
        derived += 1;
    }
    assert_eq!(derived, 25 * 11);
    // No GDP where there is no EUR amount.
    for code in ["ALB", "CAN", "GBR", "TUR", "USA"] {
        let country = data.country_index(code).unwrap();
        for year in 2014..=2024 {
            assert_eq!(data.indicator(country, year, "gdp"), None, "{code} {year}");
        }
    }
    // The field naming the extract is not a reserved word of the language.
    assert!(data.field_index("extract").is_some());
    assert!(data.field_index("source").is_none());
}

/// A fresh folder holding the manifest (one country, XNA; one text field,
/// `programme`; `tags`) and the indicators (its GDP in 2024) of a fictional
/// dataset named `name`; the caller writes its line items.
fn fictional_dataset(folder: &str, name: &str, tags: &[&str]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pledge-{folder}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let tags: Vec<String> = tags.iter().map(|t| format!("\"{t}\"")).collect();
    let manifest = format!(
        r#"{{
  "name": "{name} (fictional)",
  "source": "Written by the loader tests.",
  "edition": "test",
  "money_unit": "EUR million (fictional)",
  "line_items": "line_items.csv",
  "indicators": "indicators.csv",
  "countries": [{{"code": "XNA", "name": "Northland (fictional)", "member_from": 1949}}],
  "fields": [{{"name": "programme", "type": "text"}}],
  "tags": [{}],
  "indicator_series": [{{"name": "gdp", "unit": "money"}}]
}}"#,
        tags.join(", ")
    );
    std::fs::write(dir.join("dataset.json"), manifest).unwrap();
    std::fs::write(
        dir.join("indicators.csv"),
        "country,year,gdp\nXNA,2024,1000000\n",
    )
    .unwrap();
    dir
}

/// A large file's columns are stored narrow while their values allow and
/// widened when a value needs more room (`pledge::data::packed`): a free-text
/// field of 600 values (past one byte of symbols), an amount of 20 digits
/// after 599 small ones, and a blank line half-way (item lines no longer one
/// after the other). Every value reads back as written, and evaluation sees
/// the same items.
#[test]
fn narrow_columns_widen_without_changing_a_value() {
    let tags = ["t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8"];
    let dir = fictional_dataset("widen", "Widening columns", &tags);
    let mut items = String::from("id,country,year,amount,programme,tags\n");
    let mut amounts = Vec::new();
    for i in 0..600 {
        if i == 300 {
            items.push('\n');
        }
        let amount = if i == 599 {
            "98765432109876543.21".to_string()
        } else {
            format!("{}.{:0width$}", i, i % 7, width = i % 4 + 1)
        };
        let tag = if i % 3 == 0 { "t8" } else { "" };
        items.push_str(&format!("i{i},XNA,2024,{amount},p{i},{tag}\n"));
        amounts.push(amount);
    }
    std::fs::write(dir.join("line_items.csv"), &items).unwrap();
    let data = load(&DataSource::Path(dir.clone())).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(data.len(), 600);
    let programme = data.field_index("programme").unwrap();
    for (i, amount) in amounts.iter().enumerate() {
        assert_eq!(
            data.field_text(i, programme),
            Some(format!("p{i}")),
            "item {i}"
        );
        assert_eq!(
            data.amount.get(i).map(|a| a.to_string()).as_ref(),
            Some(amount)
        );
        let line = i + 2 + usize::from(i >= 300);
        assert_eq!(
            data.describe_item(i),
            format!("i{i} ({}:{line})", data.items_file),
            "item {i}"
        );
        let tags: Vec<&str> = if i % 3 == 0 { vec!["t8"] } else { vec![] };
        assert_eq!(data.tag_names(i), tags, "item {i}");
    }
    // Evaluation reads the same values: the last programme and the tag.
    let rules = dir.join("widen.pledge");
    std::fs::write(
        &rules,
        "pledge \"Widen\" {\n  category last \"Last\" { include programme == p599 }\n  \
         category tagged \"Tagged\" { include tag t8 }\n  \
         require r: last >= 1% of gdp\n  require s: tagged >= 1% of gdp\n}\n",
    )
    .unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_pledge"))
        .args(["eval", &rules.display().to_string(), "--data"])
        .arg(&dir)
        .args(["--format", "csv"])
        .output()
        .unwrap();
    let csv = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{csv}");
    let value = |requirement: &str| {
        csv.lines()
            .find(|l| l.starts_with(&format!("Widen,{requirement},XNA,2024,")))
            .and_then(|l| l.split(',').nth(5))
            .map(str::to_string)
    };
    assert_eq!(value("r").as_deref(), Some("98765432109876543.21"));
    let tagged: Decimal = (0..599).step_by(3).map(|i| d(&amounts[i])).sum();
    assert_eq!(value("s"), Some(tagged.normalize().to_string()));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bytes_that_are_not_utf8_are_refused_in_every_column() {
    let dir = fictional_dataset("not-utf8", "Bytes that are not text", &["t0"]);
    let header = "id,country,year,amount,programme,tags\n";
    let good = "i1,XNA,2024,10.5,p1,t0\n";
    // Each cell of the second row in turn holds a byte that UTF-8 never has,
    // alone or after text a fast path would take (`XN`, `202`, digits, a
    // known value).
    for column in 0..6 {
        for prefix in ["", "XN", "202", "10.", "p1", "t0"] {
            let mut cells: Vec<Vec<u8>> = ["i2", "XNA", "2024", "7.25", "p1", "t0"]
                .iter()
                .map(|c| c.as_bytes().to_vec())
                .collect();
            let mut bad = prefix.as_bytes().to_vec();
            bad.push(0xFF);
            cells[column] = bad;
            let mut file = format!("{header}{good}").into_bytes();
            let offset = file.len() + cells[..column].iter().map(|c| c.len() + 1).sum::<usize>();
            file.extend_from_slice(&cells.join(&b","[..]));
            file.push(b'\n');
            std::fs::write(dir.join("line_items.csv"), &file).unwrap();
            let problems = load(&DataSource::Path(dir.clone())).unwrap_err();
            let case = format!("column {column}, prefix {prefix:?}");
            assert_eq!(problems.len(), 1, "{case}: {problems:?}");
            match &problems[0].error {
                pledge::data::DataError::NotUtf8 { span } => {
                    assert_eq!(span.start as usize, offset, "{case}");
                }
                other => panic!("{case}: {other:?}"),
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
