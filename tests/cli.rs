//! The command line as a negotiator runs it: the built binary, without
//! colour, from the package root. Each snapshot holds the exit code, stdout
//! and stderr. The hashes of the reproducibility stamp are replaced by
//! `[hash]`, so that the snapshots change only when the output does.

// Panicking is how a test fails; the no-panic rule is for the library.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{pledge, redact_stamps, Run};
use std::path::PathBuf;

/// The same command at full width (`--wide`), for assertions on whole
/// lines; `run` is the run at the default width, whose lines all fit it.
fn wide(run: &Run, args: &[&str]) -> Run {
    assert!(
        run.stdout.lines().all(|l| l.chars().count() <= 100),
        "{}",
        run.stdout
    );
    let mut all = vec!["--wide"];
    all.extend_from_slice(args);
    pledge(&all)
}

fn transcript(run: &Run) -> String {
    format!(
        "exit code: {}\n----- stdout -----\n{}----- stderr -----\n{}",
        run.code,
        redact_stamps(&run.stdout),
        redact_stamps(&run.stderr)
    )
}

/// Runs a command and snapshots what it printed, with the command as the
/// snapshot's description.
fn snapshot(name: &str, args: &[&str], expected_code: i32) -> Run {
    let run = pledge(args);
    assert_eq!(
        run.code,
        expected_code,
        "pledge {}\n{}",
        args.join(" "),
        transcript(&run)
    );
    insta::with_settings!({ description => format!("pledge {}", args.join(" ")), omit_expression => true }, {
        insta::assert_snapshot!(name, transcript(&run));
    });
    run
}

#[test]
fn help() {
    let run = snapshot("help", &["--help"], 0);
    assert!(run.stdout.contains("eval"));
    let run = snapshot("eval_help", &["eval", "--help"], 0);
    assert!(run.stdout.contains("--format"));
}

const HAGUE_SAMPLE_2035: [&str; 6] = [
    "eval",
    "rules/hague-2025.pledge",
    "--data",
    "sample",
    "--year",
    "2035",
];

fn with_format(format: &str) -> Vec<&str> {
    let mut args = HAGUE_SAMPLE_2035.to_vec();
    args.extend(["--format", format]);
    args
}

#[test]
fn eval_table() {
    let run = snapshot("eval_hague_sample_2035_table", &HAGUE_SAMPLE_2035, 0);
    // data/sample/README.md, reading A: XWA short on core, XSA and XCA short
    // on the headline, XEA exactly at both.
    assert!(run
        .stdout
        .contains("2035: 4 of 5 allies meet core_floor (1 not met)"));
    assert!(run
        .stdout
        .contains("2035: 2 of 5 allies meet headline (3 not met)"));
    assert!(run.stderr.is_empty());
}

#[test]
fn eval_json() {
    let run = snapshot("eval_hague_sample_2035_json", &with_format("json"), 0);
    // The document is valid JSON and keeps exact decimals as strings.
    let document: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let xea_headline = document["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["requirement"] == "headline" && r["country"] == "XEA")
        .unwrap();
    assert_eq!(xea_headline["status"], "met");
    assert_eq!(xea_headline["value"], "2500");
    assert_eq!(xea_headline["margin"], "0");
    assert!(document["stamp"]["rules"].is_string());
}

#[test]
fn eval_csv() {
    let run = snapshot("eval_hague_sample_2035_csv", &with_format("csv"), 0);
    // One stamp comment, a header, 3 requirements × 5 countries.
    assert_eq!(run.stdout.lines().count(), 2 + 15);
    assert!(run
        .stdout
        .contains("Hague 2025,core_floor,XWA,2035,not_met,3000,3500,-500,-0.5,gdp,money,"));
}

#[test]
fn eval_markdown() {
    let run = snapshot(
        "eval_hague_sample_2035_markdown",
        &with_format("markdown"),
        0,
    );
    assert!(run.stdout.contains("| ally | 2035 |"));
}

#[test]
fn eval_wales_two_countries_three_years() {
    let run = snapshot(
        "eval_wales_pol_esp_2022_2024",
        &[
            "eval",
            "rules/wales-2014.pledge",
            "--country",
            "POL,ESP",
            "--years",
            "2022..2024",
        ],
        0,
    );
    assert!(run
        .stdout
        .contains("2024: 1 of 2 allies meets two_percent (1 not met)"));
    // Spain 2024: equipment 5,365.9 of defence 17,707.0 against 20%: 1,824.5
    // to spare, which is 10.30 points of defence (0.13 points of GDP).
    // Rows in the order asked, names beside codes.
    assert!(
        run.stdout.contains("ESP Spain   met +10.30"),
        "{}",
        run.stdout
    );
    let poland = run.stdout.find("POL Poland").unwrap_or(usize::MAX);
    let spain = run.stdout.find("ESP Spain").unwrap_or(0);
    assert!(poland < spain, "{}", run.stdout);
    assert!(run
        .stdout
        .contains("Margins are in percentage points of `defence`, not of GDP"));
}

#[test]
fn explain_why_poland_meets_two_percent() {
    let run = snapshot(
        "explain_wales_pol_2024_two_percent",
        &[
            "explain",
            "rules/wales-2014.pledge",
            "--country",
            "POL",
            "--year",
            "2024",
            "--requirement",
            "two_percent",
        ],
        0,
    );
    assert!(run.stdout.starts_with("two_percent — POL 2024: met"));
}

#[test]
fn explain_a_share_only_year_before_the_deadline() {
    // 2025: NATO published shares of GDP only. The core floor is not due
    // until 2035; explain still shows where Canada stands, on the shares,
    // with the edition of each figure.
    let args = [
        "explain",
        "rules/hague-2025.pledge",
        "--country",
        "CAN",
        "--year",
        "2025",
        "--requirement",
        "core_floor",
    ];
    let run = snapshot("explain_hague_can_2025", &args, 0);
    let run = wide(&run, &args);
    assert!(run
        .stdout
        .contains("not yet due (due from 2035); as if due now: short, -1.49 points"));
    assert!(run.stdout.contains("2.01% of GDP (August 2025 edition)"));
    assert!(run
        .stdout
        .contains("as if it were due in 2025 (a margin, not a verdict)"));
}

#[test]
fn explain_why_spain_is_short() {
    let args = [
        "explain",
        "rules/wales-2014.pledge",
        "--country",
        "ESP",
        "--year",
        "2024",
    ];
    let run = snapshot("explain_wales_esp_2024", &args, 0);
    let run = wide(&run, &args);
    // Measured on NATO's published share: 1.2825% against 2%, 0.72 points.
    assert!(run
        .stdout
        .contains("two_percent — ESP 2024: not met, -0.72 points"));
    assert!(run
        .stdout
        .contains("measured on the published shares of GDP, NATO Defence Expenditure of NATO Countries (2014-2024), June 2024: 1.28% of GDP against 2.00% of GDP"));
    assert!(run.stdout.contains("shortfall: 0.72% of GDP (0.72 points)"));
}

#[test]
fn explain_gives_a_share_of_defence_in_points_of_defence() {
    let run = pledge(&[
        "--wide",
        "explain",
        "rules/wales-2014.pledge",
        "--data",
        "nato",
        "--country",
        "BEL",
        "--year",
        "2024",
        "--requirement",
        "twenty_percent",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Equipment 1,044.9 against 20% of defence 6,894.8 = 1,379.0: 334.1
    // short, 4.845% of defence. Added to equipment, money adds to defence
    // too: 334.0514127 / 0.8 = 417.56.
    assert!(
        run.stdout
            .contains("twenty_percent — BEL 2024: not met, -4.85 points of defence"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "shortfall: 334.1 USD million (2015 prices) (4.85 points of defence); meeting it needs 417.6 USD million (2015 prices) more in major_equipment, which adds as much to defence (the shortfall ÷ (1 − 20%)), or 334.1 USD million (2015 prices) moved from the rest of defence into major_equipment, which leaves defence as it is"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn errors_in_the_rules_stop_the_run() {
    let run = snapshot(
        "eval_unknown_category",
        &[
            "eval",
            "tests/data/cli/unknown-category.pledge",
            "--data",
            "sample",
        ],
        1,
    );
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("pledge::check::unknown_category"));
}

#[test]
fn an_unknown_country_is_an_error() {
    let run = snapshot(
        "eval_unknown_country",
        &["eval", "rules/wales-2014.pledge", "--country", "XYZ"],
        1,
    );
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("pledge::eval::unknown_country"));
}

#[test]
fn every_rule_file_checks_cleanly() {
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in ["rules", "rules/alternatives"] {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(dir);
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "pledge") {
                files.push(
                    path.strip_prefix(env!("CARGO_MANIFEST_DIR"))
                        .unwrap()
                        .to_path_buf(),
                );
            }
        }
    }
    files.sort();
    assert_eq!(files.len(), 11);
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    let mut args = vec!["check"];
    args.extend(names.iter().map(String::as_str));
    let run = snapshot("check_rules", &args, 0);
    // The only warnings say what NATO's data does not publish (the related
    // category, Ukraine aid): the drafts themselves are clean.
    assert!(run
        .stderr
        .ends_with("checked 11 file(s): 0 error(s), 6 warning(s)\n"));
    let warnings = run.stderr.matches("pledge::check::").count();
    let unpublished = run.stderr.matches("pledge::check::unpublished_").count();
    assert_eq!(warnings, unpublished, "{}", run.stderr);
}

#[test]
fn sweep_distance_and_test_from_the_command_line() {
    let run = snapshot(
        "sweep_core_floor_sample_2035",
        &[
            "sweep",
            "rules/hague-2025.pledge",
            "--data",
            "sample",
            "--year",
            "2035",
            "--param",
            "core_floor=3%..4%:0.25%",
        ],
        0,
    );
    assert!(run
        .stdout
        .contains("from 3% to 3.25%: XWA stops meeting core_floor"));
    let run = snapshot(
        "distance_core_floor_sample_2035",
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
        0,
    );
    assert!(run
        .stdout
        .contains("XWA meets core_floor in 2035 if core_floor is at most 3.00% (now 3.50%)"));
    let run = snapshot(
        "test_passing_rule_file",
        &["test", "tests/data/pledge_test/hague-sample.pledge"],
        0,
    );
    assert!(run.stderr.ends_with("passed, 0 failed\n"), "{}", run.stderr);
}

#[test]
fn explain_the_core_floor_as_if_it_were_due_in_2024() {
    // Poland: core 26,838.5 of GDP 651,390.1 is 4.12%, above 3.5% by 0.62.
    let run = snapshot(
        "explain_hague_pol_2024",
        &[
            "explain",
            "rules/hague-2025.pledge",
            "--country",
            "POL",
            "--year",
            "2024",
            "--requirement",
            "core_floor",
            "--set",
            "deadline=2024",
        ],
        0,
    );
    assert!(run
        .stdout
        .starts_with("core_floor — POL 2024: met, +0.62 points"));
    assert!(run
        .stdout
        .contains("POL-2024-equipment (data/nato/line_items.csv:966)"));
    // Spain: short, with the amount needed.
    let run = snapshot(
        "explain_hague_esp_2024",
        &[
            "explain",
            "rules/hague-2025.pledge",
            "--country",
            "ESP",
            "--year",
            "2024",
            "--requirement",
            "core_floor",
            "--set",
            "deadline=2024",
        ],
        0,
    );
    assert!(run.stdout.starts_with("core_floor — ESP 2024: not met"));
    assert!(run.stdout.contains("shortfall: "));
}

#[test]
fn every_table_fits_a_hundred_columns_and_wide_prints_it_whole() {
    for args in [
        &["eval", "rules/wales-2014.pledge"][..],
        &["eval", "rules/hague-2025.pledge"],
        &[
            "explain",
            "rules/wales-2014.pledge",
            "--country",
            "ESP",
            "--year",
            "2024",
        ],
        &[
            "sweep",
            "rules/hague-2025.pledge",
            "--data",
            "sample",
            "--param",
            "core_floor=3%..4%:0.25%",
        ],
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
    ] {
        let run = pledge(args);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let widest = run.stdout.lines().map(|l| l.chars().count()).max();
        assert!(widest <= Some(100), "pledge {}: {widest:?}", args.join(" "));
    }
    let run = pledge(&["--wide", "eval", "rules/wales-2014.pledge"]);
    assert!(run.stdout.lines().any(|l| l.starts_with("Legend: met +x")));
    assert!(run.stdout.lines().any(|l| l.chars().count() > 100));
}

#[test]
fn countries_by_name_in_the_order_asked() {
    let run = pledge(&[
        "eval",
        "rules/wales-2014.pledge",
        "--country",
        "türkiye,Turkey,spain",
        "--year",
        "2024",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let turkey = run.stdout.find("TUR Türkiye").unwrap();
    let spain = run.stdout.find("ESP Spain").unwrap();
    assert!(turkey < spain, "{}", run.stdout);
    assert!(run.stdout.contains("1 of 2 allies"), "{}", run.stdout);
}

#[test]
fn sweep_takes_countries_and_says_how_to_see_a_requirement_not_yet_due() {
    let run = pledge(&[
        "sweep",
        "rules/hague-2025.pledge",
        "--param",
        "core_floor=3%..4%:0.5%",
        "--year",
        "2024",
        "--country",
        "Poland,ESP",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("0 of 2 (2 not due)"), "{}", run.stdout);
    assert!(
        run.stdout.contains("run with `--set deadline=2024`"),
        "{}",
        run.stdout
    );
}

#[test]
fn explain_json_gives_exact_numbers_with_their_unit() {
    let run = pledge(&[
        "explain",
        "rules/wales-2014.pledge",
        "--country",
        "Spain",
        "--year",
        "2024",
        "--requirement",
        "halt_decline",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let top = &json["requirements"][0]["values"];
    assert_eq!(top["status"], "met");
    assert_eq!(top["unit"], "USD million, constant 2015 prices");
    assert!(
        top["margin"].as_str().unwrap().parse::<f64>().is_ok(),
        "{top}"
    );
    assert!(run.stdout.contains("\"amount\": \"5365.939584\""));
}

#[test]
fn an_alliance_requirement_has_one_row_and_years_after_until_fold() {
    let rules = "pledge \"Alliance\" {\n  param floor = 2%\n  category core \"Core\" {\n    include nato_category in [equipment, personnel, infrastructure, other]\n  }\n  require alliance_share: alliance(core) / alliance(gdp) >= floor from 2020 until 2022\n  require most_allies: count(two) >= 10 from 2020\n  require two: core >= floor of gdp from 2014\n}\n";
    let path = std::env::temp_dir().join(format!("pledge-alliance-{}.pledge", std::process::id()));
    std::fs::write(&path, rules).unwrap();
    let file = path.display().to_string();
    let run = pledge(&[
        "eval",
        &file,
        "--data",
        "nato",
        "--years",
        "2020..2024",
        "--country",
        "POL,ESP,DEU",
    ]);
    std::fs::remove_file(&path).ok();
    assert_eq!(run.code, 0, "{}", run.stderr);
    // One alliance row, the margin of a count, years after `until` folded.
    assert!(
        run.stdout
            .contains("alliance  met +0.69  met +0.63  met +0.51\n"),
        "{}",
        run.stdout
    );
    assert!(run
        .stdout
        .contains("Not applicable to any ally in 2023-2024 (it applies until 2022)."));
    assert!(run
        .stdout
        .contains("2020: the alliance meets alliance_share"));
    assert!(run.stdout.contains("short -1"), "{}", run.stdout);
    assert!(!run.stdout.contains("DEU Germany  met +0.69"));
}

#[test]
fn a_year_outside_the_data_says_which_years_it_covers() {
    let run = pledge(&["eval", "rules/wales-2014.pledge", "--year", "2030"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains(
        "The data covers 2014-2025; 2030 is outside it, so every figure for it is missing."
    ));
}

#[test]
fn completions_load_in_bash_and_the_man_page_is_a_manual() {
    let run = pledge(&["completions", "bash"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("_pledge()"), "{}", run.stdout);
    let dir = std::env::temp_dir().join(format!("pledge-completions-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("pledge.bash");
    std::fs::write(&script, &run.stdout).unwrap();
    let loaded = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!("source {} && complete -p pledge", script.display()))
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&loaded.stdout).contains("-F _pledge pledge"),
        "{}",
        String::from_utf8_lossy(&loaded.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
    let man = pledge(&["man"]);
    assert_eq!(man.code, 0);
    assert!(
        man.stdout.starts_with(".ie \\n(.g .ds Aq") || man.stdout.contains(".TH pledge 1"),
        "{}",
        &man.stdout[..200.min(man.stdout.len())]
    );
    for command in ["check", "eval", "compare", "report", "lsp", "completions"] {
        assert!(man.stdout.contains(command), "the manual lacks `{command}`");
    }
}

#[test]
fn watch_is_for_check_eval_and_report() {
    let run = pledge(&[
        "--watch",
        "sweep",
        "rules/hague-2025.pledge",
        "--param",
        "core_floor=3%..4%:1%",
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("`--watch` works with `check`, `eval` and `report`"),
        "{}",
        run.stderr
    );
}
