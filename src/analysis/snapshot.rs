//! Outcome snapshots for `pledge test`: the snapshot text of a rule file's
//! outcomes, and the line-by-line difference between two snapshots.

use crate::analysis::examples::exact;
use crate::data::Dataset;
use crate::eval::outcome::{PledgeOutcome, RequirementResult, Status};
use crate::report::{self, numbers};
use crate::stamp::Stamp;

/// The first word of the line that states the stamp in a snapshot; the
/// comparison ignores that line.
pub(crate) const STAMP_PREFIX: &str = "stamp: ";

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

/// The lines of a snapshot that the comparison looks at (all but the stamp).
pub(crate) fn compared_lines(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|line| !line.starts_with(STAMP_PREFIX))
        .collect()
}

/// One line that moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Change<'a> {
    /// A line of the snapshot and the line that replaces it (same
    /// requirement, ally and year).
    Paired(&'a str, &'a str),
    Removed(&'a str),
    Added(&'a str),
}

/// The most cells of the table of common subsequences; beyond it, the
/// differing middle is shown as removed and added in full.
pub(crate) const MAX_DIFF_CELLS: usize = 25_000_000;

/// The lines that differ between `before` and `now`, in order, with each
/// removed line paired with the added line about the same requirement, ally
/// and year.
pub(crate) fn diff<'a>(before: &[&'a str], now: &[&'a str]) -> Vec<Change<'a>> {
    let prefix = before
        .iter()
        .zip(now.iter())
        .take_while(|(a, b)| a == b)
        .count();
    let before = before.get(prefix..).unwrap_or_default();
    let now = now.get(prefix..).unwrap_or_default();
    let suffix = before
        .iter()
        .rev()
        .zip(now.iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let before = before
        .get(..before.len().saturating_sub(suffix))
        .unwrap_or_default();
    let now = now
        .get(..now.len().saturating_sub(suffix))
        .unwrap_or_default();

    // Edits in order: (removed, added) runs separated by common lines.
    let mut runs: Vec<(Vec<&'a str>, Vec<&'a str>)> = Vec::new();
    let mut current: (Vec<&'a str>, Vec<&'a str>) = (Vec::new(), Vec::new());
    let (n, m) = (before.len(), now.len());
    let cells = (n + 1).saturating_mul(m + 1);
    if cells > MAX_DIFF_CELLS {
        current = (before.to_vec(), now.to_vec());
    } else {
        // table[i * (m + 1) + j]: the longest common subsequence of before[i..] and now[j..].
        let width = m + 1;
        let mut table = vec![0u32; cells];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                let value = if before.get(i) == now.get(j) {
                    table.get((i + 1) * width + j + 1).copied().unwrap_or(0) + 1
                } else {
                    let down = table.get((i + 1) * width + j).copied().unwrap_or(0);
                    let right = table.get(i * width + j + 1).copied().unwrap_or(0);
                    down.max(right)
                };
                if let Some(cell) = table.get_mut(i * width + j) {
                    *cell = value;
                }
            }
        }
        let at = |i: usize, j: usize| table.get(i * width + j).copied().unwrap_or(0);
        let (mut i, mut j) = (0, 0);
        while i < n || j < m {
            match (before.get(i), now.get(j)) {
                (Some(a), Some(b)) if a == b => {
                    if !current.0.is_empty() || !current.1.is_empty() {
                        runs.push(std::mem::take(&mut current));
                    }
                    i += 1;
                    j += 1;
                }
                (Some(a), Some(_)) if at(i + 1, j) >= at(i, j + 1) => {
                    current.0.push(a);
                    i += 1;
                }
                (Some(_), Some(b)) => {
                    current.1.push(b);
                    j += 1;
                }
                (Some(a), None) => {
                    current.0.push(a);
                    i += 1;
                }
                (None, Some(b)) => {
                    current.1.push(b);
                    j += 1;
                }
                (None, None) => break,
            }
        }
    }
    if !current.0.is_empty() || !current.1.is_empty() {
        runs.push(current);
    }

    let mut changes = Vec::new();
    for (removed, added) in runs {
        let mut used = vec![false; added.len()];
        for old in removed {
            let partner = added.iter().enumerate().position(|(k, new)| {
                !used.get(k).copied().unwrap_or(true) && line_key(new) == line_key(old)
            });
            match partner {
                Some(k) => {
                    if let Some(flag) = used.get_mut(k) {
                        *flag = true;
                    }
                    changes.push(Change::Paired(old, added.get(k).copied().unwrap_or("")));
                }
                None => changes.push(Change::Removed(old)),
            }
        }
        for (k, new) in added.iter().enumerate() {
            if !used.get(k).copied().unwrap_or(false) {
                changes.push(Change::Added(new));
            }
        }
    }
    changes
}

/// What a snapshot line is about: requirement, ally and year for an outcome
/// line; year and requirement for a summary line; the label of a header line.
pub(crate) fn line_key(line: &str) -> Option<String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let first = *words.first()?;
    if let Some(year) = first.strip_suffix(':') {
        if year.chars().all(|c| c.is_ascii_digit()) {
            let requirement = words
                .iter()
                .position(|w| *w == "meet" || *w == "meets")
                .and_then(|p| words.get(p + 1))?;
            return Some(format!("{year} {requirement}"));
        }
        return Some(first.to_string());
    }
    if let Some((label, _)) = line.split_once(": ") {
        if !label.contains("  ") {
            return Some(label.to_string());
        }
    }
    let key: Vec<&str> = words.iter().take(3).copied().collect();
    (key.len() == 3).then(|| key.join(" "))
}

pub(crate) fn render_diff(changes: &[Change<'_>], colour: bool) -> String {
    let paint = |sign: char, line: &str| {
        let text = format!("{sign} {line}");
        let text = text.trim_end();
        if colour {
            let code = if sign == '-' { "31" } else { "32" };
            format!("\x1b[{code}m{text}\x1b[0m\n")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_diff_pairs_lines_about_the_same_outcome() {
        let before = vec![
            "rule file: a.pledge",
            "core  POL  2035  met      value 1",
            "core  ESP  2035  met      value 2",
            "2035: 2 of 2 allies meet core",
        ];
        let now = vec![
            "rule file: a.pledge",
            "core  POL  2035  met      value 1",
            "core  ESP  2035  not_met  value 0",
            "2035: 1 of 2 allies meet core (1 not met)",
        ];
        let changes = diff(&before, &now);
        assert_eq!(
            changes,
            vec![
                Change::Paired(
                    "core  ESP  2035  met      value 2",
                    "core  ESP  2035  not_met  value 0"
                ),
                Change::Paired(
                    "2035: 2 of 2 allies meet core",
                    "2035: 1 of 2 allies meet core (1 not met)"
                ),
            ]
        );
        let added = diff(before.get(..2).unwrap_or_default(), &before);
        assert_eq!(
            added,
            vec![
                Change::Added("core  ESP  2035  met      value 2"),
                Change::Added("2035: 2 of 2 allies meet core"),
            ]
        );
        assert!(diff(&before, &before).is_empty());
    }

    #[test]
    fn a_stamp_change_alone_is_not_a_change() {
        let old = "rule file: a\nstamp: pledge 0.1.0 · rules 1 · data 2\nx\n";
        let new = "rule file: a\nstamp: pledge 0.1.0 · rules 3 · data 2\nx\n";
        assert_eq!(compared_lines(old), compared_lines(new));
    }
}
