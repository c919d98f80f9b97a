//! The outcome snapshot of a rule file for `pledge test`: one stable line per
//! requirement, ally and year, then the summary lines.

use crate::analysis::examples::exact;
use crate::analysis::snapshot::Change;
use crate::data::Dataset;
use crate::eval::outcome::{PledgeOutcome, RequirementResult, Status};
use crate::report::{self, numbers};
use crate::stamp::Stamp;

/// The outcome snapshot of a rule file: a header, one line per requirement,
/// ally and year, then the summary lines. Stable: the same inputs give the
/// same text, and only the `stamp:` line depends on the exact bytes of the
/// rules and data.
pub fn outcome_snapshot(
    name: &str,
    outcomes: &[PledgeOutcome],
    data: &Dataset,
    stamp: &Stamp,
) -> String {
    let mut out = String::new();
    out.push_str(
        "# The outcomes of a rule file on its dataset, kept by `pledge test`.\n\
         # A change fails the test; accept it with `pledge test --update`.\n",
    );
    out.push_str(&format!("rule file: {name}\n"));
    out.push_str(&format!("dataset: {}\n", data.manifest.name));
    out.push_str(&format!("edition: {}\n", data.manifest.edition));
    out.push_str(&format!("money unit: {}\n", data.manifest.money_unit));
    out.push_str(&format!("{}\n", stamp.line()));
    for outcome in outcomes {
        out.push_str(&format!("\npledge: {}\n\n", outcome.pledge));
        let width = outcome
            .requirements
            .iter()
            .map(|r| r.chars().count())
            .max()
            .unwrap_or(0);
        for result in &outcome.results {
            out.push_str(&result_line(result, width));
            out.push('\n');
        }
        out.push('\n');
        for summary in &outcome.summaries {
            out.push_str(&report::summary_line(summary));
            out.push('\n');
        }
    }
    out
}

/// `core_floor  POL  2024  met             value 12345.6  threshold 11000  margin +0.42 pp`
/// Values and thresholds are exact, so that any change of a figure shows;
/// the margin in points is rounded for reading.
pub(crate) fn result_line(result: &RequirementResult, width: usize) -> String {
    let detail = match (result.status, result.value, result.threshold) {
        (Status::Met | Status::NotMet, Some(value), Some(threshold)) => {
            let margin = match (result.margin_pp, result.margin) {
                (Some(pp), _) => {
                    let basis = match result.margin_basis.as_str() {
                        "gdp" | "points of the share" | "" => String::new(),
                        other => format!(" of {other}"),
                    };
                    format!("margin {} pp{basis}", numbers::points(pp))
                }
                (None, Some(margin)) => {
                    format!("margin {}", numbers::in_unit(margin, result.unit))
                }
                (None, None) => String::new(),
            };
            format!(
                "value {}  threshold {}  {margin}",
                exact(value, result.unit),
                exact(threshold, result.unit)
            )
        }
        // Where a requirement not yet due stands now is not an outcome: the
        // snapshot keeps the reason it is not due.
        _ => result
            .reason
            .as_deref()
            .unwrap_or_default()
            .split(crate::eval::requirement::NOW_MISSING)
            .next()
            .unwrap_or_default()
            .to_string(),
    };
    let mut line = format!(
        "{:<width$}  {}  {}  {:<14}  {detail}",
        result.requirement,
        result.country,
        result.year,
        result.status.word()
    );
    if result.country_specific {
        line.push_str(&format!("  (rule for {}: {})", result.country, result.rule));
    }
    line.trim_end().to_string()
}

/// The changes as `-` and `+` lines, red and green on a terminal.
pub(crate) fn render_diff(changes: &[Change<'_>], colour: bool) -> String {
    let paint = |sign: char, line: &str| {
        let text = format!("{sign} {line}");
        let text = text.trim_end();
        if colour {
            let colour = if sign == '-' {
                anstyle::AnsiColor::Red
            } else {
                anstyle::AnsiColor::Green
            };
            let style = anstyle::Style::new().fg_color(Some(colour.into()));
            format!("{style}{text}{style:#}\n")
        } else {
            format!("{text}\n")
        }
    };
    let mut out = String::new();
    for change in changes {
        match change {
            Change::Paired(old, new) => {
                out.push_str(&paint('-', old));
                out.push_str(&paint('+', new));
            }
            Change::Removed(old) => out.push_str(&paint('-', old)),
            Change::Added(new) => out.push_str(&paint('+', new)),
        }
    }
    out
}
