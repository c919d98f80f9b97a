//! What the outcome table folds: a requirement on the alliance as a whole
//! (one row, not one per ally), the years after a requirement stops
//! applying, and years the data does not cover.

use crate::data::Dataset;
use crate::eval::outcome::{RequirementResult, Status};

/// Whether a requirement is on the alliance as a whole: its rule reads only
/// alliance totals or counts of members, and every member with a verdict
/// has the same one in every year.
pub(crate) fn alliance_wide(rule: &str, results: &[&RequirementResult], countries: usize) -> bool {
    if countries < 2 || !(rule.contains("alliance(") || rule.contains("count(")) {
        return false;
    }
    let judged: Vec<&&RequirementResult> = results
        .iter()
        .filter(|r| r.status != Status::NotApplicable)
        .collect();
    judged.iter().all(|r| {
        judged
            .iter()
            .filter(|o| o.year == r.year)
            .all(|o| o.status == r.status && o.margin == r.margin && o.margin_pp == r.margin_pp)
    })
}

/// The one result that stands for the alliance in a year.
pub(crate) fn alliance_result<'a>(
    results: &[&'a RequirementResult],
    year: i32,
) -> Option<&'a RequirementResult> {
    let of_year = || results.iter().copied().filter(move |r| r.year == year);
    of_year()
        .find(|r| r.status != Status::NotApplicable)
        .or_else(|| of_year().next())
}

/// "2024: the alliance meets most_allies".
pub(crate) fn alliance_line(result: &RequirementResult, requirement: &str) -> String {
    let verdict = match result.status {
        Status::Met => format!("the alliance meets {requirement}"),
        Status::NotMet => format!("the alliance does not meet {requirement}"),
        Status::NotYetDue => format!("{requirement} is not yet due"),
        Status::NotApplicable => format!("{requirement} does not apply"),
        Status::NoData => format!("no data for {requirement}"),
    };
    format!("{}: {verdict}", result.year)
}

/// The years in which the requirement is not yet due for any ally (each
/// is not yet due or not applicable, and one at least not yet due): folded
/// into one sentence, so the table shows the years that count.
pub(crate) fn not_due_years(results: &[&RequirementResult], years: &[i32]) -> Vec<i32> {
    years
        .iter()
        .copied()
        .filter(|&year| {
            let of_year: Vec<&&RequirementResult> =
                results.iter().filter(|r| r.year == year).collect();
            of_year.iter().any(|r| r.status == Status::NotYetDue)
                && of_year
                    .iter()
                    .all(|r| matches!(r.status, Status::NotYetDue | Status::NotApplicable))
        })
        .collect()
}

/// The years after a requirement stops applying (`until`): every ally is
/// "n/a" in them, and in no later year does it apply again.
pub(crate) fn ended_years(rule: &str, results: &[&RequirementResult], years: &[i32]) -> Vec<i32> {
    if !rule.contains(" until ") {
        return Vec::new();
    }
    let applies = |year: i32| {
        results
            .iter()
            .any(|r| r.year == year && r.status != Status::NotApplicable)
    };
    let Some(last) = years.iter().copied().filter(|&y| applies(y)).max() else {
        return Vec::new();
    };
    years.iter().copied().filter(|&y| y > last).collect()
}

/// "The data covers 2014-2025; 2030 is outside it, so its figures are
/// missing." when a year asked for is not in the data.
pub(crate) fn outside_data(data: &Dataset, years: &[i32]) -> Option<String> {
    let covered = data.years();
    let (Some(first), Some(last)) = (covered.first(), covered.last()) else {
        return None;
    };
    let outside: Vec<i32> = years
        .iter()
        .copied()
        .filter(|y| !covered.contains(y))
        .collect();
    if outside.is_empty() {
        return None;
    }
    let (list, verb) = if outside.len() == 1 {
        (super::numbers::year_ranges(&outside), "is")
    } else {
        (super::numbers::year_ranges(&outside), "are")
    };
    Some(format!(
        "The data covers {first}-{last}; {list} {verb} outside it, so every figure for {} is missing.",
        if outside.len() == 1 { "it" } else { "them" }
    ))
}

/// Why a requirement is not yet due, from its first result not yet due,
/// without what keeps the margin now unknown.
pub(crate) fn not_due_reason(results: &[&RequirementResult]) -> Option<String> {
    results
        .iter()
        .find(|r| r.status == Status::NotYetDue)
        .and_then(|r| r.reason.as_deref())
        .map(|r| {
            r.split(crate::eval::requirement::NOW_MISSING)
                .next()
                .unwrap_or("")
                .to_string()
        })
}
