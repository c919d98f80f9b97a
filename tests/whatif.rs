//! `pledge sweep` and `pledge distance`, run in-process through
//! `pledge::cli::sweep::run` and `pledge::cli::distance::run` on the fictional sample
//! dataset, with every expected figure computed by hand from
//! `data/sample/README.md`.
//!
//! The 2035 figures of the Hague rule (`rules/hague-2025.pledge`, reading A
//! of the README):
//!
//! | ally | gdp    | core | core % | core + related | headline % |
//! |------|--------|------|--------|----------------|------------|
//! | XNA  | 200000 | 8000 | 4.0    | 10400          | 5.2        |
//! | XSA  | 150000 | 5550 | 3.7    | 6750           | 4.5        |
//! | XEA  | 50000  | 1750 | 3.5    | 2500           | 5.0        |
//! | XWA  | 100000 | 3000 | 3.0    | 4500           | 4.5        |
//! | XCA  | 40000  | 1480 | 3.7    | 1960           | 4.9        |
//!
//! In other years every amount is `a2035 × (y − 2015) / 20` and GDP is
//! `g2035 − step × (2035 − y)` (XWA: step 2000).

// Panicking is how a test fails; the no-panic rule is for the library.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::redact_stamps;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use pledge::cli::distance::{run as run_distance, DistanceArgs};
use pledge::cli::sweep::{run as run_sweep, SweepArgs};
use pledge::cli::{DataArgs, Output, Selection};
use pledge::diagnostics::ErrorFormat;
use pledge::report::Format;
use serde_json::Value;

const HAGUE: &str = "rules/hague-2025.pledge";

struct Run {
    code: ExitCode,
    stdout: String,
    stderr: String,
}

impl Run {
    fn ok(&self) -> bool {
        self.code == ExitCode::SUCCESS
    }

    fn json(&self) -> Value {
        assert!(self.ok(), "the run failed:\n{}", self.stderr);
        serde_json::from_str(&self.stdout).unwrap()
    }

    /// The codes of the diagnostics printed (`pledge::...` lines).
    fn codes(&self) -> Vec<String> {
        self.stderr
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with("pledge::"))
            .map(str::to_string)
            .collect()
    }
}

fn output() -> Output {
    common::captured(ErrorFormat::Human)
}

fn sample(sets: &[&str]) -> DataArgs {
    DataArgs {
        data: Some("sample".to_string()),
        sets: sets.iter().map(|s| s.to_string()).collect(),
    }
}

fn sweep_file(file: &Path, param: &str, year: Option<i32>, format: Format) -> Run {
    let mut out = output();
    let args = SweepArgs {
        file: file.to_path_buf(),
        data: sample(&[]),
        param: param.to_string(),
        year,
        countries: Vec::new(),
        format,
    };
    let code = run_sweep(&args, &mut out);
    Run {
        code,
        stdout: out.stdout,
        stderr: out.stderr,
    }
}

fn sweep(param: &str, year: Option<i32>, format: Format) -> Run {
    sweep_file(Path::new(HAGUE), param, year, format)
}

fn distance_file(
    file: &Path,
    countries: &[&str],
    year: Option<i32>,
    years: Option<&str>,
    param: Option<&str>,
    format: Format,
) -> Run {
    let mut out = output();
    let args = DistanceArgs {
        file: file.to_path_buf(),
        data: sample(&[]),
        selection: Selection {
            countries: countries.iter().map(|c| c.to_string()).collect(),
            year,
            years: years.map(str::to_string),
        },
        param: param.map(str::to_string),
        format,
    };
    let code = run_distance(&args, &mut out);
    Run {
        code,
        stdout: out.stdout,
        stderr: out.stderr,
    }
}

fn distance(year: Option<i32>, param: Option<&str>, format: Format) -> Run {
    distance_file(Path::new(HAGUE), &[], year, None, param, format)
}

/// A rule file of its own, in a fresh folder.
fn rule_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pledge-whatif-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.pledge"));
    std::fs::write(&path, text).unwrap();
    path
}

fn transcript(run: &Run) -> String {
    format!(
        "exit code: {}\n----- stdout -----\n{}----- stderr -----\n{}",
        if run.ok() { 0 } else { 1 },
        redact_stamps(&run.stdout),
        run.stderr
    )
}

/// The `requirements` entry of one sweep row.
fn count<'a>(document: &'a Value, written: &str, requirement: &str) -> &'a Value {
    let rows = document["pledges"][0]["rows"].as_array().unwrap();
    let row = rows
        .iter()
        .find(|r| r["written"] == written)
        .unwrap_or_else(|| panic!("no row for {written}"));
    row["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["requirement"] == requirement)
        .unwrap()
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

// ---------------------------------------------------------------------------
// sweep
// ---------------------------------------------------------------------------

#[test]
fn sweep_counts_who_meets_core_floor_at_3_35_and_4_percent_in_2035() {
    let document = sweep("core_floor=3%..4%:0.5%", Some(2035), Format::Json).json();
    assert_eq!(document["parameter"], "core_floor");
    assert_eq!(document["year"], 2035);
    let written: Vec<&str> = document["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["written"].as_str().unwrap())
        .collect();
    assert_eq!(written, ["3%", "3.5%", "4%"]);
    // Core shares: XNA 4.0, XSA 3.7, XEA 3.5, XWA 3.0, XCA 3.7.
    let expected = [
        ("3%", 5, vec!["XCA", "XEA", "XNA", "XSA", "XWA"]),
        ("3.5%", 4, vec!["XCA", "XEA", "XNA", "XSA"]),
        ("4%", 1, vec!["XNA"]),
    ];
    for (value, met, allies) in expected {
        for requirement in ["core_floor", "credible_path"] {
            // In 2035, the deadline year, the path is simply core >= floor.
            let c = count(&document, value, requirement);
            assert_eq!(c["met"], met, "{requirement} at {value}");
            assert_eq!(c["members"], 5);
            assert_eq!(
                strings(&c["allies_met"]),
                allies,
                "{requirement} at {value}"
            );
        }
        // The headline (5%) does not depend on core_floor: XEA (5.0) and XNA (5.2).
        let headline = count(&document, value, "headline");
        assert_eq!(headline["met"], 2);
        assert_eq!(strings(&headline["allies_met"]), ["XEA", "XNA"]);
        assert_eq!(strings(&headline["allies_not_met"]), ["XCA", "XSA", "XWA"]);
    }
}

#[test]
fn sweep_lists_the_allies_that_change_between_consecutive_values() {
    let document = sweep("core_floor=3%..4%:0.5%", Some(2035), Format::Json).json();
    let changes: Vec<(String, String, String, String, String)> = document["pledges"][0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["from_written"].as_str().unwrap().to_string(),
                c["to_written"].as_str().unwrap().to_string(),
                c["requirement"].as_str().unwrap().to_string(),
                c["country"].as_str().unwrap().to_string(),
                c["after"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let change = |from: &str, to: &str, requirement: &str, country: &str| {
        (
            from.to_string(),
            to.to_string(),
            requirement.to_string(),
            country.to_string(),
            "not_met".to_string(),
        )
    };
    // XWA (3.0%) stops at 3.5%; XCA, XSA (3.7%) and XEA (3.5%) stop at 4%.
    assert_eq!(
        changes,
        [
            change("3%", "3.5%", "core_floor", "XWA"),
            change("3%", "3.5%", "credible_path", "XWA"),
            change("3.5%", "4%", "core_floor", "XCA"),
            change("3.5%", "4%", "core_floor", "XEA"),
            change("3.5%", "4%", "core_floor", "XSA"),
            change("3.5%", "4%", "credible_path", "XCA"),
            change("3.5%", "4%", "credible_path", "XEA"),
            change("3.5%", "4%", "credible_path", "XSA"),
        ]
    );
    let table = sweep("core_floor=3%..4%:0.5%", Some(2035), Format::Table);
    assert!(table.stdout.contains(
        "from 3% to 3.5%: XWA stops meeting core_floor; XWA stops meeting credible_path"
    ));
    assert!(table.stdout.contains(
        "from 3.5% to 4%: XCA, XEA and XSA stop meeting core_floor; XCA, XEA and XSA stop meeting credible_path"
    ));
    assert!(table.stdout.contains(
        "core_floor=3.5%: core_floor 4 of 5 allies (XCA, XEA, XNA, XSA); headline 2 of 5 (XEA, XNA); credible_path 4 of 5 (XCA, XEA, XNA, XSA)"
    ));
}

#[test]
fn sweep_values_are_exact_decimals() {
    // 3% + 3 × 0.1% is exactly 3.3%: in binary floating point 0.03 + 0.001
    // + 0.001 + 0.001 is 0.033000000000000002.
    let document = sweep("core_floor=3%..3.3%:0.1%", Some(2035), Format::Json).json();
    let values: Vec<(&str, &str)> = document["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["value"].as_str().unwrap(), v["written"].as_str().unwrap()))
        .collect();
    assert_eq!(
        values,
        [
            ("0.03", "3%"),
            ("0.031", "3.1%"),
            ("0.032", "3.2%"),
            ("0.033", "3.3%")
        ]
    );
    // XWA's core is exactly 3.0% of GDP: it meets 3% and not 3.1%.
    assert_eq!(count(&document, "3%", "core_floor")["met"], 5);
    assert_eq!(count(&document, "3.1%", "core_floor")["met"], 4);
}

#[test]
fn sweep_includes_both_ends_when_the_step_does_not_divide_the_range() {
    let document = sweep("core_floor=3%..4%:0.3%", Some(2035), Format::Json).json();
    let written: Vec<&str> = document["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["written"].as_str().unwrap())
        .collect();
    assert_eq!(written, ["3%", "3.3%", "3.6%", "3.9%", "4%"]);
    // 3.6%: XCA, XSA (3.7) and XNA (4.0); 3.9%: XNA only.
    assert_eq!(count(&document, "3.6%", "core_floor")["met"], 3);
    assert_eq!(count(&document, "3.9%", "core_floor")["met"], 1);
}

#[test]
fn sweep_of_a_year_parameter_moves_requirements_out_of_force() {
    // deadline 2036: in 2035 core_floor and headline are not yet due; the
    // path still applies (from 2025), now a point on the line to 2036.
    let document = sweep("deadline=2034..2036", Some(2035), Format::Json).json();
    let written: Vec<&str> = document["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["written"].as_str().unwrap())
        .collect();
    assert_eq!(written, ["2034", "2035", "2036"], "the step of a year is 1");
    assert_eq!(count(&document, "2035", "core_floor")["met"], 4);
    let later = count(&document, "2036", "core_floor");
    assert_eq!(later["met"], 0);
    assert_eq!(later["not_yet_due"], 5);
    // XWA on the path to 2036 in 2035: (1500 × 100000 × 1 + 3500 × 80000 × 10)
    // / (80000 × 11) = 3352.27… > 3000, still not met.
    assert_eq!(count(&document, "2036", "credible_path")["met"], 4);
    let table = sweep("deadline=2034..2036", Some(2035), Format::Table);
    assert!(table.stdout.contains(
        "from 2035 to 2036: XCA, XEA, XNA and XSA stop meeting core_floor (not yet due); core_floor goes from not met to not yet due for XWA"
    ));
}

#[test]
fn sweep_defaults_to_the_latest_year_with_line_items() {
    // The sample data run to 2036. In 2036 XCA's headline is met:
    // 1960 × 1.05 = 2058 >= 5% of 40800 = 2040.
    let document = sweep("core_floor=3.5%..3.5%:1%", None, Format::Json).json();
    assert_eq!(document["year"], 2036);
    assert_eq!(
        strings(&count(&document, "3.5%", "headline")["allies_met"]),
        ["XCA", "XEA", "XNA"]
    );
}

#[test]
fn sweep_evaluates_at_most_1000_values() {
    // 0% to 9.99% in steps of 0.01% is exactly 1000 values.
    let allowed = sweep("core_floor=0%..9.99%:0.01%", Some(2035), Format::Csv);
    assert!(allowed.ok(), "{}", allowed.stderr);
    assert_eq!(
        allowed
            .stdout
            .lines()
            .filter(|l| l.contains(",core_floor,XWA,"))
            .count(),
        1000
    );
    // 3% to 4% in steps of 0.001% would be 1001.
    let refused = sweep("core_floor=3%..4%:0.001%", Some(2035), Format::Table);
    assert_eq!(refused.codes(), ["pledge::sweep::too_many_steps"]);
    assert!(refused.stderr.contains("the range gives 1001 values"));
}

#[test]
fn sweep_leaves_out_pledges_without_the_parameter() {
    let file = rule_file(
        "two-pledges",
        r#"pledge "With a floor" {
  param floor = 3.5%

  category core "Core defence" {
    include nato_category in [equipment, personnel, infrastructure, other]
  }

  require core_floor: core >= floor of gdp from 2035
}

pledge "Fixed" {
  category core "Core defence" {
    include nato_category in [equipment, personnel, infrastructure, other]
  }

  require core_floor: core >= 2% of gdp from 2035
}
"#,
    );
    let document = sweep_file(&file, "floor=3%..4%:1%", Some(2035), Format::Json).json();
    assert_eq!(document["pledges"].as_array().unwrap().len(), 1);
    assert_eq!(document["pledges"][0]["pledge"], "With a floor");
    assert_eq!(strings(&document["left_out"]), ["Fixed"]);
    // Core without Ukraine aid (core_cat): XWA 2800 = 2.8%, XNA 7600 = 3.8%.
    assert_eq!(count(&document, "3%", "core_floor")["met"], 4);
    assert_eq!(
        strings(&count(&document, "4%", "core_floor")["allies_met"]),
        Vec::<String>::new()
    );
}

/// The Wales rule names its figures as parameters, so they can be swept.
/// Belgium 2024 (NATO data): equipment 1044.9017873 of defence 6894.766 is
/// 15.155% of defence: it meets a share of 15%, not of 20%.
#[test]
fn sweep_of_the_wales_equipment_share() {
    let mut out = output();
    let args = SweepArgs {
        file: PathBuf::from("rules/wales-2014.pledge"),
        data: DataArgs {
            data: Some("nato".to_string()),
            sets: Vec::new(),
        },
        param: "equipment_share=15%..20%:5%".to_string(),
        year: Some(2024),
        countries: Vec::new(),
        format: Format::Json,
    };
    let code = run_sweep(&args, &mut out);
    assert_eq!(code, ExitCode::SUCCESS, "{}", out.stderr);
    let document: Value = serde_json::from_str(&out.stdout).unwrap();
    let at_15 = count(&document, "15%", "twenty_percent");
    let at_20 = count(&document, "20%", "twenty_percent");
    assert!(strings(&at_15["allies_met"]).contains(&"BEL".to_string()));
    assert!(strings(&at_20["allies_not_met"]).contains(&"BEL".to_string()));
    // The other requirements do not use the share.
    assert_eq!(
        count(&document, "15%", "two_percent")["met"],
        count(&document, "20%", "two_percent")["met"]
    );
}

#[test]
fn sweep_refuses_malformed_ranges() {
    let cases = [
        ("core_floor", "pledge::sweep::malformed"),
        ("core_floor=3%", "pledge::sweep::malformed"),
        ("core_floor=3%..4%", "pledge::sweep::malformed"),
        ("=3%..4%:1%", "pledge::sweep::malformed"),
        ("core_floor=3%+1%..4%:1%", "pledge::sweep::bad_value"),
        ("core_floor=3%%..4%:1%", "pledge::sweep::bad_value"),
        ("core_floor=headline..4%:1%", "pledge::sweep::bad_value"),
        ("core_floor=3%..4%:0%", "pledge::sweep::bad_step"),
        ("core_floor=3%..4%:-0.5%", "pledge::sweep::bad_step"),
        ("core_floor=4%..3%:0.5%", "pledge::sweep::backwards"),
        ("core_floor=3%..money(4):1%", "pledge::sweep::wrong_type"),
        ("deadline=2030.5..2040:1", "pledge::sweep::wrong_type"),
        ("deadline=2030..2040:0.5", "pledge::sweep::wrong_type"),
        ("core_flor=3%..4%:1%", "pledge::sweep::unknown_param"),
    ];
    for (param, code) in cases {
        let run = sweep(param, Some(2035), Format::Table);
        assert!(!run.ok(), "{param} was accepted");
        assert_eq!(run.codes(), [code], "{param}:\n{}", run.stderr);
        assert!(run.stdout.is_empty(), "{param} printed a result");
    }
    let unknown = sweep("core_flor=3%..4%:1%", Some(2035), Format::Table);
    assert!(unknown.stderr.contains("did you mean `core_floor`?"));
    let wrong = sweep("core_floor=3..4:1", Some(2035), Format::Table);
    assert_eq!(
        wrong.codes(),
        ["pledge::sweep::wrong_type"; 3],
        "each of the three values is reported"
    );
}

#[test]
fn sweep_table_snapshot() {
    let run = sweep("core_floor=3%..4%:0.25%", Some(2035), Format::Table);
    insta::assert_snapshot!("sweep_core_floor_2035_table", transcript(&run));
}

#[test]
fn sweep_markdown_snapshot() {
    let run = sweep("deadline=2033..2037", Some(2035), Format::Markdown);
    insta::assert_snapshot!("sweep_deadline_2035_markdown", transcript(&run));
}

#[test]
fn sweep_csv_snapshot() {
    let run = sweep("core_floor=3%..3.5%:0.5%", Some(2035), Format::Csv);
    insta::assert_snapshot!("sweep_core_floor_2035_csv", transcript(&run));
}

#[test]
fn sweep_error_snapshots() {
    let mut transcripts = String::new();
    for param in [
        "core_floor=3%..4%",
        "core_floor=3%..4%:0%",
        "core_floor=4%..3%:0.5%",
        "core_floor=3%..4%:0.0001%",
        "core_flor=3%..4%:1%",
        "deadline=2030.5..2040",
        "core_floor=3%+1%..4%:1%",
    ] {
        let run = sweep(param, Some(2035), Format::Table);
        transcripts.push_str(&format!("$ --param {param}\n{}\n", transcript(&run)));
    }
    insta::assert_snapshot!("sweep_errors", transcripts);
}

// ---------------------------------------------------------------------------
// distance: shortfalls
// ---------------------------------------------------------------------------

/// The shortfalls of the JSON document as (requirement, country, year,
/// shortfall, shortfall_pp).
fn shortfalls(document: &Value) -> Vec<(String, String, i64, String, String)> {
    document["shortfalls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["requirement"].as_str().unwrap().to_string(),
                s["country"].as_str().unwrap().to_string(),
                s["year"].as_i64().unwrap(),
                s["shortfall"].as_str().unwrap().to_string(),
                s["shortfall_pp"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn row(
    requirement: &str,
    country: &str,
    year: i64,
    money: &str,
    points: &str,
) -> (String, String, i64, String, String) {
    (
        requirement.to_string(),
        country.to_string(),
        year,
        money.to_string(),
        points.to_string(),
    )
}

#[test]
fn distance_gives_each_shortfall_in_money_and_points_of_gdp_in_2035() {
    let document = distance(Some(2035), None, Format::Json).json();
    assert_eq!(
        shortfalls(&document),
        [
            // XWA: 3.5% of 100000 = 3500 against a core of 3000.
            row("core_floor", "XWA", 2035, "500", "0.5"),
            // 5% of GDP against core + related: XSA 7500 − 6750, XWA 5000 −
            // 4500, XCA 2000 − 1960. XSA and XWA are both 0.5 points short;
            // the larger amount comes first.
            row("headline", "XSA", 2035, "750", "0.5"),
            row("headline", "XWA", 2035, "500", "0.5"),
            row("headline", "XCA", 2035, "40", "0.1"),
            // 2035 is the deadline: the path is core >= 3.5% of GDP.
            row("credible_path", "XWA", 2035, "500", "0.5"),
        ]
    );
    assert!(document["shortfalls"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["direction"] == "more" && s["unit"] == "money"));
    let table = distance(Some(2035), None, Format::Table);
    assert!(table
        .stdout
        .lines()
        .any(|l| l.starts_with("XWA   2035  ") && l.ends_with("  500.0 more           0.50")));
}

/// `pledge distance` on another dataset than the sample.
fn distance_on(file: &Path, data: &str, countries: &[&str], year: i32, format: Format) -> Run {
    let mut out = output();
    let args = DistanceArgs {
        file: file.to_path_buf(),
        data: DataArgs {
            data: Some(data.to_string()),
            sets: Vec::new(),
        },
        selection: Selection {
            countries: countries.iter().map(|c| c.to_string()).collect(),
            year: Some(year),
            years: None,
        },
        param: None,
        format,
    };
    let code = run_distance(&args, &mut out);
    Run {
        code,
        stdout: out.stdout,
        stderr: out.stderr,
    }
}

fn shortfall_of<'a>(document: &'a Value, requirement: &str, country: &str) -> &'a Value {
    document["shortfalls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["requirement"] == requirement && s["country"] == country)
        .unwrap_or_else(|| panic!("no shortfall for {requirement} {country}"))
}

/// Belgium 2024 in the NATO data (data/nato/line_items.csv): equipment E =
/// 1044.901787; defence D = 1044.901787 + 3458.966207 + 268.41324 +
/// 2122.484766 = 6894.766. Wales asks for 20% of D = 1378.9532.
///
/// - Moving money from the rest of defence into equipment keeps D: the
///   shift is 0.2 D − E = 334.051413.
/// - Adding x to equipment adds x to defence: E + x = 0.2 (D + x), so
///   x = (0.2 D − E) / 0.8 = 417.56426625. Check: E + x = 1462.466… =
///   0.2 × 7312.330… .
/// - The shortfall is 334.051413 / 6894.766 = 4.845% of defence (E is
///   15.155% of D): 4.845 points of defence, not of GDP.
#[test]
fn distance_adds_to_a_part_of_the_base_more_than_it_would_shift() {
    let wales = Path::new("rules/wales-2014.pledge");
    let document = distance_on(wales, "nato", &["BEL"], 2024, Format::Json).json();
    let bel = shortfall_of(&document, "twenty_percent", "BEL");
    assert_eq!(bel["shortfall"], "334.051413");
    assert_eq!(bel["needed"], "417.56426625");
    assert_eq!(bel["shift"], "334.051413");
    assert_eq!(bel["shift_within"], "defence");
    assert_eq!(bel["shortfall_pp"], "4.84500000435112663722017542");
    assert_eq!(bel["margin_basis"], "defence");
    assert_eq!(bel["direction"], "more");
    // Two per cent of GDP has no base that grows: needed is the shortfall,
    // 2% of 530709.1 = 10614.182 against 6894.766.
    let two = shortfall_of(&document, "two_percent", "BEL");
    assert_eq!(two["shortfall"], "3719.416");
    assert_eq!(two["needed"], "3719.416");
    assert_eq!(two["shift"], Value::Null);
    assert_eq!(two["shift_within"], Value::Null);

    let table = distance_on(wales, "nato", &["BEL"], 2024, Format::Table);
    assert!(table.ok(), "{}", table.stderr);
    assert!(
        table
            .stdout
            .contains("ally  year  needed, USD million (2015 prices)  points of defence  or move within defence"),
        "{}",
        table.stdout
    );
    assert!(
        table
            .stdout
            .contains("BEL   2024                       ≈417.56 more            ≈4.8450                 ≈334.05"),
        "{}",
        table.stdout
    );
    assert!(table
        .stdout
        .contains("the shortfall ÷ 80% (that is, 1 − 20%)"));

    let csv = distance_on(wales, "nato", &["BEL"], 2024, Format::Csv);
    assert!(csv.stdout.contains(
        "twenty_percent,BEL,2024,not_met,334.051413,417.56426625,334.051413,defence,4.84500000435112663722017542,defence,money,more,"
    ));
}

/// The same solution through two `within` links and for an upper limit, on
/// the tiny dataset (XTA 2025: equipment 100, personnel 200, infrastructure
/// 40; defence 340, hardware 140).
#[test]
fn distance_solves_linearly_for_any_part_of_the_base() {
    let file = rule_file(
        "parts",
        r#"pledge "Parts" {
  category defence "Defence" {
    include nato_category in [equipment, personnel, infrastructure, other]
  }
  category hardware "Hardware" within defence {
    include nato_category in [equipment, infrastructure]
  }
  category equipment "Equipment" within hardware {
    include nato_category == equipment
  }
  require floor: equipment >= 40% of defence from 2025
  require limit: equipment <= 20% of defence from 2025
  require all: equipment >= 100% of hardware from 2025
}
"#,
    );
    let document = distance_on(&file, "tests/data/eval/tiny", &["XTA"], 2025, Format::Json).json();
    // 40% of 340 = 136 against 100: shift 36; add x with 100 + x = 0.4 (340
    // + x): x = 36 / 0.6 = 60 (160 = 0.4 × 400).
    let floor = shortfall_of(&document, "floor", "XTA");
    assert_eq!(floor["shortfall"], "36");
    assert_eq!(floor["needed"], "60");
    assert_eq!(floor["shift"], "36");
    assert_eq!(floor["shift_within"], "defence");
    // 20% of 340 = 68 against 100: 32 too much; cut x with 100 − x = 0.2
    // (340 − x): x = 32 / 0.8 = 40 (60 = 0.2 × 300).
    let limit = shortfall_of(&document, "limit", "XTA");
    assert_eq!(limit["shortfall"], "32");
    assert_eq!(limit["needed"], "40");
    assert_eq!(limit["direction"], "less");
    // 100% of hardware (140) against 100: adding to equipment alone never
    // closes the gap of 40; moving 40 of infrastructure into it does.
    let all = shortfall_of(&document, "all", "XTA");
    assert_eq!(all["shortfall"], "40");
    assert_eq!(all["needed"], Value::Null);
    assert_eq!(all["shift"], "40");
    assert_eq!(all["shift_within"], "hardware");
}

#[test]
fn distance_sorts_by_shortfall_and_keeps_every_digit() {
    // XWA on the path (from 2025: 1500 of 80000 = 1.875%, to 3.5% in 2035).
    // 2030: 1.875% + (3.5% − 1.875%) × 5/10 = 2.6875% of 90000 = 2418.75
    //       against a core of 3000 × 15/20 = 2250: 168.75 short, 0.1875 points.
    // 2034: (1500 × 98000 × 1 + 3430 × 80000 × 9) / 800000 = 3270.75
    //       against 2850: 420.75 short, 420.75 / 98000 = 0.4293… points.
    let document = distance_file(
        Path::new(HAGUE),
        &["XWA"],
        None,
        Some("2030..2034"),
        None,
        Format::Json,
    )
    .json();
    let path: Vec<(String, String, i64, String, String)> = shortfalls(&document)
        .into_iter()
        .filter(|s| s.0 == "credible_path")
        .collect();
    let years: Vec<i64> = path.iter().map(|s| s.2).collect();
    assert_eq!(years, [2034, 2033, 2032, 2031, 2030], "the largest first");
    assert_eq!(
        path[4],
        row("credible_path", "XWA", 2030, "168.75", "0.1875")
    );
    assert_eq!(path[0].3, "420.75");
    assert!(path[0].4.starts_with("0.42933673469387755"));
    // core_floor is not yet due before 2035: no shortfall.
    assert!(shortfalls(&document).iter().all(|s| s.0 == "credible_path"));
    let table = distance_file(
        Path::new(HAGUE),
        &["XWA"],
        Some(2030),
        None,
        None,
        Format::Table,
    );
    assert!(
        table
            .stdout
            .lines()
            .any(|l| l.starts_with("XWA   2030  ") && l.ends_with("  168.75 more         0.1875")),
        "{}",
        table.stdout
    );
}

#[test]
fn distance_says_less_for_an_upper_limit() {
    let file = rule_file(
        "upper-limit",
        r#"pledge "Not too much" {
  category core "Core defence" {
    include nato_category in [equipment, personnel, infrastructure, other]
  }

  require at_most: core <= 3% of gdp
}
"#,
    );
    // XNA: core_cat 7600 against 3% of 200000 = 6000: 1600 too much, 0.8 points.
    let document = distance_file(&file, &["XNA"], Some(2035), None, None, Format::Json).json();
    let s = &document["shortfalls"][0];
    assert_eq!(s["shortfall"], "1600");
    assert_eq!(s["shortfall_pp"], "0.8");
    assert_eq!(s["direction"], "less");
    let table = distance_file(&file, &["XNA"], Some(2035), None, None, Format::Table);
    assert!(table.stdout.contains("1,600.0 less"), "{}", table.stdout);
}

// ---------------------------------------------------------------------------
// distance: break-even values
// ---------------------------------------------------------------------------

fn break_even<'a>(document: &'a Value, requirement: &str, country: &str, year: i64) -> &'a Value {
    document["break_even"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["requirement"] == requirement && b["country"] == country && b["year"] == year)
        .unwrap_or_else(|| panic!("no break-even for {requirement} {country} {year}"))
}

#[test]
fn distance_gives_the_break_even_core_floor_exactly() {
    let document = distance(Some(2035), Some("core_floor"), Format::Json).json();
    assert_eq!(document["parameter"]["name"], "core_floor");
    // The margin core − floor × gdp is linear in the floor; it is zero at
    // core / gdp: XWA 3000/100000, XCA 1480/40000, XEA 1750/50000,
    // XNA 8000/200000, XSA 5550/150000.
    for (country, value, status) in [
        ("XWA", "0.03", "not_met"),
        ("XCA", "0.037", "met"),
        ("XEA", "0.035", "met"),
        ("XNA", "0.04", "met"),
        ("XSA", "0.037", "met"),
    ] {
        for requirement in ["core_floor", "credible_path"] {
            let b = break_even(&document, requirement, country, 2035);
            assert_eq!(b["finding"], "flip", "{requirement} {country}");
            assert_eq!(b["break_even"], value, "{requirement} {country}");
            assert_eq!(b["exact"], true);
            assert_eq!(b["linear"], true, "{requirement} {country}");
            assert_eq!(b["meets_when"], "at_most");
            assert_eq!(b["status"], status);
            assert_eq!(b["now"], "0.035");
        }
    }
    assert_eq!(
        break_even(&document, "core_floor", "XWA", 2035)["text"],
        "XWA meets core_floor in 2035 if core_floor is at most 3.00% (now 3.50%)"
    );
    assert_eq!(
        break_even(&document, "core_floor", "XCA", 2035)["text"],
        "XCA meets core_floor in 2035 if core_floor is at most 3.70% (now 3.50%)"
    );
    // The headline does not use core_floor.
    let headline = break_even(&document, "headline", "XCA", 2035);
    assert_eq!(headline["finding"], "no_effect");
    assert_eq!(
        headline["text"],
        "XCA does not meet headline in 2035; core_floor makes no difference (now 3.50%)"
    );
}

#[test]
fn distance_gives_the_break_even_headline() {
    // (core + related) / gdp: XSA 4.5%, XWA 4.5%, XCA 4.9%, XEA 5.0%, XNA 5.2%.
    let document = distance(Some(2035), Some("headline"), Format::Json).json();
    for (country, value) in [
        ("XSA", "0.045"),
        ("XWA", "0.045"),
        ("XCA", "0.049"),
        ("XEA", "0.05"),
        ("XNA", "0.052"),
    ] {
        let b = break_even(&document, "headline", country, 2035);
        assert_eq!(b["break_even"], value, "{country}");
        assert_eq!(b["exact"], true);
        assert_eq!(b["meets_when"], "at_most");
    }
}

#[test]
fn distance_finds_the_break_even_of_a_cap_that_binds_only_above_some_value() {
    // headline margin = core + min(related, cap × gdp) − 5% × gdp: not
    // linear in the cap, because the cap stops binding once it exceeds the
    // related spending.
    let document = distance(Some(2035), Some("related_cap"), Format::Json).json();
    // XEA: 1750 + 50000 × cap − 2500 = 0 at cap = 1.5% (related 950 > 750).
    let xea = break_even(&document, "headline", "XEA", 2035);
    assert_eq!(xea["break_even"], "0.015");
    assert_eq!(xea["exact"], true);
    assert_eq!(xea["meets_when"], "at_least");
    // XNA: 8000 + 200000 × cap − 10000 = 0 at cap = 1% (related 2400 = 1.2%).
    let xna = break_even(&document, "headline", "XNA", 2035);
    assert_eq!(xna["break_even"], "0.01");
    assert_eq!(xna["exact"], true);
    assert_eq!(xna["linear"], false);
    assert_eq!(xna["meets_when"], "at_least");
    assert_eq!(
        xna["text"],
        "XNA meets headline in 2035 if related_cap is at least 1.00% (now 1.50%; found by trial: the margin does not move in proportion to related_cap)"
    );
    // XCA: related 480 is below every cap above 1.2%: at best 1960 < 2000.
    let xca = break_even(&document, "headline", "XCA", 2035);
    assert_eq!(xca["finding"], "not_found");
    assert!(xca["reason"]
        .as_str()
        .unwrap()
        .starts_with("it is not met at every value tried"));
    // core_floor does not use the cap.
    assert_eq!(
        break_even(&document, "core_floor", "XWA", 2035)["finding"],
        "no_effect"
    );
}

#[test]
fn distance_says_when_a_break_even_value_is_rounded() {
    // floor × gdp × 3 ≤ core: XNA 8000 / 600000 = 1.3333…%, which no
    // decimal holds exactly.
    let file = rule_file(
        "third",
        r#"pledge "A third" {
  param floor = 1%

  category core "Core defence" {
    include nato_category in [equipment, personnel, infrastructure, other]
    include kind == ukraine_military_aid and not tag from_existing_stocks
  }

  require third: core >= floor of gdp * 3
}
"#,
    );
    let document = distance_file(
        &file,
        &["XNA"],
        Some(2035),
        None,
        Some("floor"),
        Format::Json,
    )
    .json();
    let b = break_even(&document, "third", "XNA", 2035);
    assert_eq!(b["finding"], "flip");
    assert_eq!(b["exact"], false);
    assert_eq!(b["break_even"], "0.0133333333333333");
    assert_eq!(b["meets_when"], "at_most");
    assert_eq!(
        b["text"],
        "XNA meets third in 2035 if floor is at most about 1.3333% (now 1.00%)"
    );
}

#[test]
fn distance_distinguishes_at_most_from_below_for_a_strict_comparison() {
    let file = rule_file(
        "strict",
        r#"pledge "Strict" {
  param floor = 3.5%

  category core "Core defence" {
    include nato_category in [equipment, personnel, infrastructure, other]
    include kind == ukraine_military_aid and not tag from_existing_stocks
  }

  require above: core > floor of gdp
}
"#,
    );
    // XEA: core is exactly 3.5% of GDP, so `>` is not met at 3.5%.
    let document = distance_file(
        &file,
        &["XEA"],
        Some(2035),
        None,
        Some("floor"),
        Format::Json,
    )
    .json();
    let b = break_even(&document, "above", "XEA", 2035);
    assert_eq!(b["status"], "not_met");
    assert_eq!(b["break_even"], "0.035");
    assert_eq!(b["meets_when"], "below");
    assert_eq!(
        b["text"],
        "XEA meets above in 2035 if floor is below 3.50% (now 3.50%)"
    );
}

#[test]
fn distance_gives_the_break_even_deadline_by_trying_whole_years() {
    let document = distance(Some(2035), Some("deadline"), Format::Json).json();
    assert_eq!(document["parameter"]["year"], true);
    // XWA's path in 2035 with deadline D: required share
    // 1.875% + 1.625% × 10 / (D − 2025), met when at most 3.0%:
    // D = 2039: 3.0357% (not met); D = 2040: 2.9583% (met).
    let path = break_even(&document, "credible_path", "XWA", 2035);
    assert_eq!(path["finding"], "scan");
    assert_eq!(path["later"]["from"], 2040);
    assert_eq!(path["later"]["status"], "met");
    assert_eq!(path["later"]["open_ended"], true);
    assert!(
        path["earlier"].is_null(),
        "an earlier deadline changes nothing"
    );
    assert_eq!(path["tried"], serde_json::json!([2005, 2065]));
    assert_eq!(
        path["text"],
        "XWA meets credible_path in 2035 if deadline is 2040 or later (now 2035, where it is not met)"
    );
    // core_floor applies from the deadline: from 2036 on it is not yet due in 2035.
    let floor = break_even(&document, "core_floor", "XWA", 2035);
    assert_eq!(floor["later"]["from"], 2036);
    assert_eq!(floor["later"]["status"], "not_yet_due");
    assert_eq!(
        floor["text"],
        "XWA is not yet due to meet core_floor in 2035 if deadline is 2036 or later (now 2035, where it is not met)"
    );
    // XNA meets its path whatever the deadline.
    assert_eq!(
        break_even(&document, "credible_path", "XNA", 2035)["text"],
        "XNA meets credible_path in 2035 for every deadline from 2005 to 2065 (now 2035)"
    );
}

#[test]
fn distance_refuses_a_parameter_it_does_not_know() {
    let unknown = distance(Some(2035), Some("core_flor"), Format::Table);
    assert_eq!(unknown.codes(), ["pledge::sweep::unknown_param"]);
    assert!(unknown.stderr.contains("did you mean `core_floor`?"));
    let with_value = distance(Some(2035), Some("core_floor=3%"), Format::Table);
    assert_eq!(with_value.codes(), ["pledge::sweep::malformed"]);
    assert!(with_value.stderr.contains("`--param core_floor`"));
}

#[test]
fn distance_table_snapshot() {
    let run = distance(Some(2035), Some("core_floor"), Format::Table);
    insta::assert_snapshot!("distance_core_floor_2035_table", transcript(&run));
}

#[test]
fn distance_deadline_markdown_snapshot() {
    let run = distance(Some(2035), Some("deadline"), Format::Markdown);
    insta::assert_snapshot!("distance_deadline_2035_markdown", transcript(&run));
}

#[test]
fn distance_csv_snapshot() {
    let run = distance(Some(2035), Some("core_floor"), Format::Csv);
    insta::assert_snapshot!("distance_core_floor_2035_csv", transcript(&run));
}

#[test]
fn distance_json_snapshot() {
    let run = distance_file(
        Path::new(HAGUE),
        &["XWA", "XEA"],
        Some(2035),
        None,
        Some("related_cap"),
        Format::Json,
    );
    insta::assert_snapshot!("distance_related_cap_2035_json", transcript(&run));
}

#[test]
fn outputs_carry_the_stamp_and_it_names_the_what_if_option() {
    let a = sweep("core_floor=3%..4%:0.5%", Some(2035), Format::Table);
    let b = sweep("core_floor=3%..4%:0.25%", Some(2035), Format::Table);
    let stamp = |run: &Run| {
        run.stdout
            .lines()
            .find(|l| l.starts_with("stamp: pledge "))
            .unwrap()
            .to_string()
    };
    assert_ne!(
        stamp(&a),
        stamp(&b),
        "a different range gives another stamp"
    );
    assert_eq!(
        stamp(&a),
        stamp(&sweep("core_floor=3%..4%:0.5%", Some(2035), Format::Table))
    );
    let csv = sweep("core_floor=3%..4%:0.5%", Some(2035), Format::Csv);
    assert_eq!(
        format!("# {}", stamp(&a)),
        csv.stdout.lines().next().unwrap()
    );
    let json = sweep("core_floor=3%..4%:0.5%", Some(2035), Format::Json).json();
    assert_eq!(json["stamp"]["engine"], "pledge 0.1.0");
    for format in [Format::Table, Format::Markdown, Format::Csv] {
        let run = distance(Some(2035), Some("core_floor"), format);
        assert!(run.stdout.contains("stamp: pledge "));
    }
    assert!(distance(Some(2035), None, Format::Json).json()["stamp"]["rules"].is_string());
}

#[test]
fn set_options_apply_before_the_what_if_run() {
    // With --set headline=4.5%, XSA, XWA (4.5%) and XCA (4.9%) meet the
    // headline too.
    let mut out = output();
    let args = SweepArgs {
        file: PathBuf::from(HAGUE),
        data: sample(&["headline=4.5%"]),
        param: "core_floor=3.5%..3.5%:1%".to_string(),
        year: Some(2035),
        countries: Vec::new(),
        format: Format::Json,
    };
    assert_eq!(run_sweep(&args, &mut out), ExitCode::SUCCESS);
    let document: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        strings(&count(&document, "3.5%", "headline")["allies_met"]),
        ["XCA", "XEA", "XNA", "XSA", "XWA"]
    );
}
