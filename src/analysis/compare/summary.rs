//! The comparison in one screen: how many allies meet each requirement
//! under each draft, the flips counted per ally and requirement with their
//! years folded into ranges, the requirements only some drafts have, and
//! the allies and years only some drafts' data cover.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::{Cell, Comparison};
use crate::eval::outcome::{PledgeOutcome, Status};

/// How many allies meet a requirement in a year under one draft.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Count {
    pub met: usize,
    pub not_met: usize,
    pub no_data: usize,
    pub not_yet_due: usize,
    /// Not yet due, but met or not if it were due now (`would_be_met`).
    pub would_meet: usize,
    pub would_not: usize,
    /// Members that year among the allies evaluated.
    pub members: usize,
}

impl Count {
    /// "14 of 31", "not due (as if due: 1 of 32 would meet)", "no data for 32".
    pub fn text(&self) -> String {
        if self.members == 0 {
            return "absent".to_string();
        }
        if self.met + self.not_met == 0 && self.not_yet_due > 0 {
            return if self.would_meet + self.would_not > 0 {
                format!("not due; now {} of {}", self.would_meet, self.members)
            } else {
                "not due".to_string()
            };
        }
        if self.met + self.not_met == 0 {
            return format!("no data for {}", self.no_data);
        }
        let mut text = format!("{} of {}", self.met, self.members);
        if self.no_data > 0 {
            text.push_str(&format!(" ({} no data)", self.no_data));
        }
        text
    }
}

/// One requirement and year: the count under each draft.
#[derive(Debug, Clone, Serialize)]
pub struct CountRow {
    pub requirement: String,
    pub year: i32,
    /// One per draft; `None` when the draft has no such requirement.
    pub counts: Vec<Option<Count>>,
}

/// The flips of one ally and requirement, years folded: "two_percent BGR
/// 2014-2023: not due → short (met in 2019)".
#[derive(Debug, Clone, Serialize)]
pub struct FlipGroup {
    pub requirement: String,
    pub country: String,
    pub years: Vec<i32>,
    /// The outcomes under each draft in words (`met`, `short`, `no data`,
    /// `not due`, `n/a`, `absent`; when no draft has a verdict, where the
    /// ally would stand now: `met now`), each with its years when the draft
    /// has several: "short 2014-2018, 2020-2023; met 2019".
    pub outcomes: Vec<String>,
}

/// What the one-screen comparison holds.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Summary {
    pub counts: Vec<CountRow>,
    pub flip_groups: Vec<FlipGroup>,
    /// Requirements only some drafts have: id → labels of the drafts that have it.
    pub only_in: Vec<(String, Vec<String>)>,
    /// Per draft: the allies and years the other drafts have and its data does not.
    pub not_covered: Vec<(String, String)>,
    /// Categories whose totals differ between drafts.
    pub categories: Vec<CategoryChange>,
}

/// A category whose totals differ: for how many allies and years, and the
/// alliance's share of GDP under each draft in the latest of those years.
#[derive(Debug, Clone, Serialize)]
pub struct CategoryChange {
    pub category: String,
    pub allies: usize,
    pub years: Vec<i32>,
    pub alliance_year: Option<i32>,
    /// One per draft.
    #[serde(serialize_with = "super::decimals")]
    pub alliance_share: Vec<Option<rust_decimal::Decimal>>,
}

/// The outcome of a cell in words, with where it would stand if due now.
pub fn word(cell: Option<&Cell>) -> String {
    let Some(cell) = cell else {
        return "absent".to_string();
    };
    match cell.status {
        Status::Met => "met".into(),
        Status::NotMet => "short".into(),
        Status::NoData => "no data".into(),
        Status::NotApplicable => "n/a".into(),
        Status::NotYetDue => match cell.would_be_met {
            Some(true) => "not due, met now".into(),
            Some(false) => "not due, short now".into(),
            None => "not due".into(),
        },
    }
}

pub(crate) fn summarise(comparison: &Comparison, outcomes: &[PledgeOutcome]) -> Summary {
    Summary {
        counts: counts(comparison, outcomes),
        flip_groups: flip_groups(comparison),
        only_in: only_in(comparison, outcomes),
        not_covered: not_covered(comparison, outcomes),
        categories: category_changes(comparison, outcomes),
    }
}

fn category_changes(comparison: &Comparison, outcomes: &[PledgeOutcome]) -> Vec<CategoryChange> {
    let mut by_category: BTreeMap<&str, (BTreeSet<&str>, BTreeSet<i32>)> = BTreeMap::new();
    for delta in &comparison.deltas {
        let entry = by_category.entry(delta.category.as_str()).or_default();
        entry.0.insert(delta.country.as_str());
        entry.1.insert(delta.year);
    }
    by_category
        .into_iter()
        .map(|(category, (allies, years))| {
            // The latest year in which every draft has an alliance share.
            let alliance_year = years.iter().rev().copied().find(|&year| {
                outcomes.iter().all(|o| {
                    o.alliance.iter().any(|a| {
                        a.category == category && a.year == year && a.share_of_gdp.is_some()
                    })
                })
            });
            let alliance_share = outcomes
                .iter()
                .map(|o| {
                    o.alliance
                        .iter()
                        .find(|a| a.category == category && Some(a.year) == alliance_year)
                        .and_then(|a| a.share_of_gdp)
                })
                .collect();
            CategoryChange {
                category: category.to_string(),
                allies: allies.len(),
                years: years.into_iter().collect(),
                alliance_year,
                alliance_share,
            }
        })
        .collect()
}

fn count(outcome: &PledgeOutcome, requirement: &str, year: i32) -> Option<Count> {
    if !outcome.requirements.iter().any(|r| r == requirement) {
        return None;
    }
    let mut count = Count {
        met: 0,
        not_met: 0,
        no_data: 0,
        not_yet_due: 0,
        would_meet: 0,
        would_not: 0,
        members: 0,
    };
    for r in outcome
        .results
        .iter()
        .filter(|r| r.requirement == requirement && r.year == year)
    {
        match r.status {
            Status::Met => count.met += 1,
            Status::NotMet => count.not_met += 1,
            Status::NoData => count.no_data += 1,
            Status::NotYetDue => {
                count.not_yet_due += 1;
                match r.would_be_met {
                    Some(true) => count.would_meet += 1,
                    Some(false) => count.would_not += 1,
                    None => {}
                }
            }
            Status::NotApplicable => continue,
        }
        count.members += 1;
    }
    Some(count)
}

/// Per requirement, the years whose counts differ between drafts, and the
/// latest year with figures.
fn counts(comparison: &Comparison, outcomes: &[PledgeOutcome]) -> Vec<CountRow> {
    let mut rows = Vec::new();
    let years: BTreeSet<i32> = outcomes.iter().flat_map(|o| o.years.clone()).collect();
    for requirement in &comparison.requirements {
        let all: Vec<CountRow> = years
            .iter()
            .map(|&year| CountRow {
                requirement: requirement.clone(),
                year,
                counts: outcomes
                    .iter()
                    .map(|o| count(o, requirement, year))
                    .collect(),
            })
            .filter(|row| row.counts.iter().flatten().any(|c| c.members > 0))
            .collect();
        let latest = all
            .iter()
            .rev()
            .find(|row| {
                row.counts
                    .iter()
                    .flatten()
                    .any(|c| c.met + c.not_met + c.would_meet + c.would_not > 0)
            })
            .map(|row| row.year);
        for row in all {
            // Drafts without the requirement, or without figures that year,
            // do not make a difference of counts.
            let present: Vec<String> = row
                .counts
                .iter()
                .flatten()
                .filter(|c| c.members > 0)
                .map(Count::text)
                .collect();
            let distinct: BTreeSet<&String> = present.iter().collect();
            if (present.len() > 1 && distinct.len() > 1) || Some(row.year) == latest {
                rows.push(row);
            }
        }
    }
    rows
}

fn flip_groups(comparison: &Comparison) -> Vec<FlipGroup> {
    // (requirement, ally) → per draft: word → years.
    type PerDraft = Vec<BTreeMap<String, Vec<i32>>>;
    let mut groups: BTreeMap<(usize, String), (Vec<i32>, PerDraft)> = BTreeMap::new();
    let drafts = comparison.drafts.len();
    for flip in &comparison.flips {
        let present: Vec<bool> = flip.outcomes.iter().map(Option::is_some).collect();
        // A requirement that some drafts lack is listed once, not per ally.
        if present.contains(&false) && requirement_missing(comparison, &flip.requirement, &present)
        {
            continue;
        }
        // Where the ally would stand before a deadline matters only when no
        // draft has a verdict.
        let verdicts = flip
            .outcomes
            .iter()
            .flatten()
            .any(|c| c.status != Status::NotYetDue);
        let index = comparison
            .requirements
            .iter()
            .position(|r| *r == flip.requirement)
            .unwrap_or(usize::MAX);
        let entry = groups
            .entry((index, flip.country.clone()))
            .or_insert_with(|| (Vec::new(), vec![BTreeMap::new(); drafts]));
        entry.0.push(flip.year);
        for (draft, cell) in flip.outcomes.iter().enumerate() {
            let text = match cell {
                Some(c) if verdicts && c.status == Status::NotYetDue => "not due".to_string(),
                Some(c) if c.status == Status::NotYetDue => word(Some(c)).replace("not due, ", ""),
                other => word(other.as_ref()),
            };
            if let Some(words) = entry.1.get_mut(draft) {
                words.entry(text).or_default().push(flip.year);
            }
        }
    }
    groups
        .into_iter()
        .map(|((index, country), (years, per_draft))| FlipGroup {
            requirement: comparison
                .requirements
                .get(index)
                .cloned()
                .unwrap_or_default(),
            country,
            years,
            outcomes: per_draft.iter().map(words_with_years).collect(),
        })
        .collect()
}

/// "short" when one word covers every year; else the most frequent first,
/// each with its years: "short 2014-2018, 2020-2023; met 2019".
fn words_with_years(words: &BTreeMap<String, Vec<i32>>) -> String {
    if words.len() == 1 {
        return words.keys().next().cloned().unwrap_or_default();
    }
    let mut list: Vec<(&String, &Vec<i32>)> = words.iter().collect();
    list.sort_by_key(|(word, years)| (std::cmp::Reverse(years.len()), (*word).clone()));
    list.iter()
        .map(|(word, years)| format!("{word} {}", crate::report::numbers::year_ranges(years)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Whether the drafts without a cell lack the requirement itself (rather
/// than the ally or year).
fn requirement_missing(comparison: &Comparison, requirement: &str, present: &[bool]) -> bool {
    present.iter().enumerate().any(|(draft, &has)| {
        !has && !comparison
            .cells
            .iter()
            .any(|((r, _, _), row)| r == requirement && row.get(draft).is_some_and(Option::is_some))
    })
}

fn only_in(comparison: &Comparison, outcomes: &[PledgeOutcome]) -> Vec<(String, Vec<String>)> {
    comparison
        .requirements
        .iter()
        .filter_map(|requirement| {
            let having: Vec<String> = outcomes
                .iter()
                .zip(&comparison.drafts)
                .filter(|(o, _)| o.requirements.iter().any(|r| r == requirement))
                .map(|(_, d)| d.label.clone())
                .collect();
            (having.len() < outcomes.len()).then(|| (requirement.clone(), having))
        })
        .collect()
}

/// Per draft, the allies (every year) and years (every ally) that other
/// drafts' data have and its data does not.
fn not_covered(comparison: &Comparison, outcomes: &[PledgeOutcome]) -> Vec<(String, String)> {
    let covered: Vec<BTreeSet<(String, i32)>> = outcomes
        .iter()
        .map(|o| {
            o.results
                .iter()
                .filter(|r| r.status != Status::NotApplicable)
                .map(|r| (r.country.clone(), r.year))
                .collect()
        })
        .collect();
    let all: BTreeSet<(String, i32)> = covered.iter().flatten().cloned().collect();
    let mut out = Vec::new();
    for (draft, have) in comparison.drafts.iter().zip(&covered) {
        let missing: Vec<&(String, i32)> = all.difference(have).collect();
        if missing.is_empty() {
            continue;
        }
        let mut by_country: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
        for (country, year) in &missing {
            by_country.entry(country.as_str()).or_default().push(*year);
        }
        let years_of = |country: &str| -> BTreeSet<i32> {
            all.iter()
                .filter(|(c, _)| c == country)
                .map(|(_, y)| *y)
                .collect()
        };
        let whole: Vec<&str> = by_country
            .iter()
            .filter(|(c, years)| years.len() == years_of(c).len())
            .map(|(c, _)| *c)
            .collect();
        let mut parts = Vec::new();
        if !whole.is_empty() {
            parts.push(format!("{} (every year)", whole.join(", ")));
        }
        let mut by_years: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        for (country, years) in &by_country {
            if !whole.contains(country) {
                by_years
                    .entry(crate::report::numbers::year_ranges(years))
                    .or_default()
                    .push(country);
            }
        }
        for (years, countries) in by_years {
            let who = if countries.len() > 8 {
                format!("{} allies", countries.len())
            } else {
                countries.join(", ")
            };
            parts.push(format!("{who} in {years}"));
        }
        out.push((draft.label.clone(), parts.join("; ")));
    }
    out
}
