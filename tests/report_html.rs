//! `pledge report`: the HTML page, run in-process on the sample data and on
//! NATO's data. Snapshots of the whole page, and its structure: one bar per
//! ally with figures, one threshold line per chart of shares, nothing
//! loaded from the network, the same bytes on a second run.

// Panicking is how a test fails; the no-panic rule is for the library.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{redact_stamps, run, scratch};
use std::path::PathBuf;
use std::process::ExitCode;

/// The folder of this binary's scratch files.
const SCRATCH: &str = "pledge-report";

/// Runs `pledge report ARGS -o FILE` and returns the page.
fn report(args: &[&str], name: &str) -> String {
    let path = scratch(SCRATCH, name);
    let mut argv = vec!["report"];
    argv.extend_from_slice(args);
    let path_text = path.display().to_string();
    argv.extend_from_slice(&["-o", &path_text]);
    let (code, out) = run(&argv);
    assert_eq!(code, ExitCode::SUCCESS, "{}", out.stderr);
    assert!(
        out.stderr
            .contains(&format!("report written to {path_text}")),
        "{}",
        out.stderr
    );
    std::fs::read_to_string(&path).unwrap()
}

/// The SVG charts of a page with the given `data-chart` kind.
fn charts<'a>(html: &'a str, kind: &str) -> Vec<&'a str> {
    let marker = format!("<svg class=\"chart\" data-chart=\"{kind}\"");
    html.match_indices(&marker)
        .map(|(start, _)| {
            let end = html[start..].find("</svg>").unwrap();
            &html[start..start + end]
        })
        .collect()
}

fn assert_self_contained(html: &str) {
    for needle in ["http://", "https://"] {
        for attribute in ["src=\"", "href=\"", "url("] {
            assert!(
                !html.contains(&format!("{attribute}{needle}")),
                "the page loads {attribute}{needle}"
            );
        }
    }
    assert!(!html.contains("src="), "the page loads a file");
    assert!(!html.contains("<script"), "the page has a script");
    assert!(!html.contains("@import"), "the page imports a style sheet");
    assert!(!html.contains("@font-face"), "the page loads a font");
}

fn assert_one_threshold_per_share_chart(html: &str) {
    let shares = charts(html, "shares");
    assert!(!shares.is_empty(), "no chart of shares");
    for chart in shares {
        assert_eq!(chart.matches("class=\"threshold\"").count(), 1, "{chart}");
    }
}

#[test]
fn sample_report_snapshot_and_structure() {
    let args = [
        "rules/hague-2025.pledge",
        "--data",
        "sample",
        "--sweep",
        "core_floor=3%..4%:0.25%",
    ];
    let html = report(&args, "sample.html");
    assert_self_contained(&html);
    assert_one_threshold_per_share_chart(&html);
    // Five allies, all with figures: five bars in each chart of shares.
    for chart in charts(&html, "shares") {
        assert_eq!(chart.matches("class=\"bar\"").count(), 5, "{chart}");
    }
    // The credible path: one small chart per ally, each with its line.
    assert_eq!(charts(&html, "trajectory").len(), 5);
    // The sweep curve: one line per requirement, five values each.
    let sweep = charts(&html, "sweep");
    assert_eq!(sweep.len(), 1);
    assert_eq!(sweep[0].matches("class=\"series\"").count(), 3);
    // Money gaps: Westland is 500 short of 3.5% in 2036's terms.
    assert!(!charts(&html, "gaps").is_empty());
    // Names beside codes, the rules with line numbers, the stamp.
    assert!(html.contains("XWA Westland (fictional)"));
    assert!(html.contains("<span class=\"no\">1</span>"));
    assert!(html.contains("stamp: pledge "));
    // Deterministic bytes.
    assert_eq!(html, report(&args, "sample-again.html"));
    insta::assert_snapshot!("report_sample", redact_stamps(&html));
}

#[test]
fn nato_report_snapshot_and_structure() {
    let html = report(&["rules/hague-2025.pledge"], "nato.html");
    assert_self_contained(&html);
    assert_one_threshold_per_share_chart(&html);
    // core_floor, as if due in 2024: 31 allies with figures; Iceland has
    // none and is listed with its reason instead of a zero bar.
    let shares = charts(&html, "shares");
    assert_eq!(shares[0].matches("class=\"bar\"").count(), 31);
    assert!(!shares[0].contains("ISL Iceland"));
    assert!(html.contains("ISL Iceland"));
    assert!(html.contains("POL Poland"));
    assert!(html.contains("Iceland has no armed forces"));
    insta::assert_snapshot!("report_nato", redact_stamps(&html));
}

#[test]
fn comparison_report_has_flips_and_counts() {
    let args = [
        "rules/hague-2025.pledge",
        "rules/alternatives/broad-related.pledge",
        "--data",
        "sample",
    ];
    let html = report(&args, "compare.html");
    assert_self_contained(&html);
    assert_one_threshold_per_share_chart(&html);
    let flips = charts(&html, "flips");
    assert_eq!(flips.len(), 1, "one requirement with flips");
    // Southland meets headline under B only, in 2035 and 2036.
    assert_eq!(flips[0].matches("class=\"flip\"").count(), 2);
    assert!(html.contains("not met under A, met under B in 2035-2036"));
    assert_eq!(charts(&html, "meeting").len(), 3);
    assert_eq!(html, report(&args, "compare-again.html"));
}

#[test]
fn default_name_comes_from_the_rule_files() {
    let one = pledge::cli::report::default_name(&[PathBuf::from("rules/hague-2025.pledge")]);
    assert_eq!(one, PathBuf::from("hague-2025-report.html"));
    let two = pledge::cli::report::default_name(&[
        PathBuf::from("rules/hague-2025.pledge"),
        PathBuf::from("rules/alternatives/broad-related.pledge"),
    ]);
    assert_eq!(
        two,
        PathBuf::from("hague-2025-vs-broad-related-report.html")
    );
}

#[test]
fn wales_report_draws_own_thresholds_as_margins() {
    let html = report(&["rules/wales-2014.pledge"], "wales.html");
    assert_self_contained(&html);
    assert_one_threshold_per_share_chart(&html);
    let shares = charts(&html, "shares");
    // two_percent, halt_decline (margins: each ally's own threshold is its
    // spending of the year before), twenty_percent (a share of defence).
    assert_eq!(shares.len(), 3);
    for chart in &shares {
        assert_eq!(chart.matches("class=\"bar\"").count(), 31, "{chart}");
    }
    assert!(shares[1].contains("threshold (each ally&#39;s own)"));
    assert!(shares[2].contains("share of defence per ally"));
    assert!(shares[2].contains("20.00% threshold"));
    // Money gaps only for shares of GDP: none under twenty_percent.
    assert!(charts(&html, "gaps")
        .iter()
        .all(|c| !c.contains("twenty_percent")));
}

#[test]
fn a_draft_compared_with_itself_under_another_value() {
    let args = [
        "rules/hague-2025.pledge",
        "rules/hague-2025.pledge",
        "--data",
        "sample",
        "--set",
        "2:core_floor=3%",
    ];
    let html = report(&args, "itself.html");
    assert!(html
        .contains("core_floor in 2036: under A, 4 of 5 allies meet; under B, 5 of 5 allies meet."));
    assert!(!charts(&html, "flips").is_empty());
}

/// A report that cannot be written is a coded error, naming the file.
#[test]
fn an_unwritable_report_is_a_coded_error() {
    let missing = scratch(SCRATCH, "no-such-folder").join("report.html");
    let path_text = missing.display().to_string();
    let (code, out) = run(&["report", "rules/wales-2014.pledge", "-o", &path_text]);
    assert_eq!(code, ExitCode::from(1), "{}", out.stderr);
    assert!(
        out.stderr.contains("pledge::output::write_failed"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains(&path_text), "{}", out.stderr);
    assert!(!missing.exists());
}
