//! Rendering of `pledge sweep`: text, Markdown, JSON and CSV.

use rust_decimal::Decimal;
use serde::Serialize;

use super::*;
use crate::data::Dataset;
use crate::eval::outcome::{PledgeOutcome, Status};
use crate::report::{Grid, JsonDataset};
use crate::stamp::Stamp;

pub(crate) struct Sweep<'a> {
    pub(crate) rules: String,
    pub(crate) data: &'a Dataset,
    pub(crate) range: &'a Range,
    pub(crate) year: i32,
    pub(crate) pledges: &'a [SweepPledge],
    pub(crate) left_out: &'a [String],
    pub(crate) stamp: &'a Stamp,
}

/// How many allies meet a requirement at one value, and which.
#[derive(Serialize)]
pub(crate) struct Count {
    requirement: String,
    met: usize,
    not_met: usize,
    not_yet_due: usize,
    not_applicable: usize,
    no_data: usize,
    members: usize,
    allies_met: Vec<String>,
    allies_not_met: Vec<String>,
}

/// For each requirement not yet due for any ally at any value of the sweep,
/// the sentence `eval` gives: when it is due, and the `--set` that shows
/// where the allies stand.
fn not_due_hints(pledge: &SweepPledge, year: i32) -> Vec<String> {
    let mut hints = Vec::new();
    for requirement in pledge.requirements() {
        let results: Vec<_> = pledge
            .rows
            .iter()
            .flat_map(|row| row.outcome.results.iter())
            .filter(|r| &r.requirement == requirement)
            .collect();
        let folded = results.iter().any(|r| r.status == Status::NotYetDue)
            && results
                .iter()
                .all(|r| matches!(r.status, Status::NotYetDue | Status::NotApplicable));
        if !folded {
            continue;
        }
        let Some(first) = results.iter().find(|r| r.status == Status::NotYetDue) else {
            continue;
        };
        let due = first
            .reason
            .as_deref()
            .and_then(|r| r.split(crate::eval::requirement::NOW_MISSING).next())
            .map_or(String::new(), |r| format!(" ({r})"));
        let mut hint = format!("{requirement} is not yet due for any ally in {year}{due}.");
        if let Some(set) = crate::report::set_start_hint(&first.rule, year) {
            hint.push(' ');
            hint.push_str(&set);
        }
        hints.push(hint);
    }
    hints
}

/// The counts of every requirement of one evaluation.
pub(crate) fn counts(outcome: &PledgeOutcome) -> Vec<Count> {
    outcome
        .summaries
        .iter()
        .map(|s| Count {
            requirement: s.requirement.clone(),
            met: s.met,
            not_met: s.not_met,
            not_yet_due: s.not_yet_due,
            not_applicable: s.not_applicable,
            no_data: s.no_data,
            members: s.members,
            allies_met: allies_with(outcome, &s.requirement, Status::Met),
            allies_not_met: allies_with(outcome, &s.requirement, Status::NotMet),
        })
        .collect()
}

impl Sweep<'_> {
    pub(crate) fn text(&self, markdown: bool) -> String {
        let h = Heading { markdown };
        let param = &self.range.param;
        let ty = param.ty;
        let mut out = String::new();
        for pledge in self.pledges {
            out.push_str(&h.title(
                &format!(
                    "{} — sweep of {} in {}",
                    pledge.name(),
                    param.name,
                    self.year
                ),
                0,
            ));
            out.push_str(&h.paragraph(&format!(
                "Data: {} ({}); amounts in {}.",
                self.data.manifest.name,
                self.data.manifest.edition.trim_end_matches('.'),
                self.data.manifest.money_unit
            )));
            out.push_str(&h.paragraph(&format!(
                "How many allies meet each requirement in {} when {} is set to each value from {} to {} in steps of {} (both ends included), as with `--set {}=VALUE`.",
                self.year,
                param.name,
                written(self.range.from, ty),
                written(self.range.to, ty),
                written(self.range.step, ty),
                param.name
            )));
            if !markdown {
                out.push('\n');
            }
            let mut header = vec![format!("{} =", param.name)];
            header.extend(pledge.requirements().iter().cloned());
            let rows = pledge
                .rows
                .iter()
                .map(|row| {
                    let mut cells = vec![written(row.value, ty)];
                    cells.extend(
                        pledge
                            .requirements()
                            .iter()
                            .map(|r| count_cell(&row.outcome, r)),
                    );
                    cells
                })
                .collect();
            out.push_str(&h.grid(&Grid { header, rows }));
            for hint in not_due_hints(pledge, self.year) {
                out.push_str(&h.paragraph(&hint));
            }
            if !markdown && !not_due_hints(pledge, self.year).is_empty() {
                out.push('\n');
            }

            out.push_str(&h.title("Who meets what", 1));
            for row in &pledge.rows {
                let phrases: Vec<String> = pledge
                    .requirements()
                    .iter()
                    .enumerate()
                    .map(|(i, r)| count_phrase(&row.outcome, r, i == 0))
                    .collect();
                out.push_str(&h.item(&format!(
                    "{}={}: {}",
                    param.name,
                    written(row.value, ty),
                    phrases.join("; ")
                )));
            }
            out.push('\n');

            out.push_str(&h.title("Changes between consecutive values", 1));
            let changes = change_sentences(&pledge.changes(ty));
            if changes.is_empty() {
                out.push_str(&h.paragraph(&format!(
                    "No ally's outcome changes over this range of {}.",
                    param.name
                )));
            } else {
                for (from, to, sentence) in &changes {
                    out.push_str(&h.item(&format!(
                        "from {} to {}: {sentence}",
                        written(*from, ty),
                        written(*to, ty)
                    )));
                }
                if changes.len() + 1 < pledge.rows.len() {
                    out.push_str(&h.item("(no change between the other consecutive values)"));
                }
            }
            out.push('\n');
        }
        for name in self.left_out {
            out.push_str(&h.paragraph(&format!(
                "The pledge \"{name}\" has no parameter `{}`; it is left out.",
                param.name
            )));
        }
        out.push_str(&format!("{}\n", self.stamp.line()));
        out
    }

    pub(crate) fn json(&self) -> String {
        #[derive(Serialize)]
        struct Value {
            value: String,
            written: String,
        }
        #[derive(Serialize)]
        struct Row {
            value: String,
            written: String,
            requirements: Vec<Count>,
        }
        #[derive(Serialize)]
        struct Pledge {
            pledge: String,
            requirements: Vec<String>,
            rows: Vec<Row>,
            changes: Vec<Change>,
        }
        #[derive(Serialize)]
        struct Document<'a> {
            rules: String,
            dataset: JsonDataset<'a>,
            stamp: &'a Stamp,
            parameter: String,
            unit: &'static str,
            year: i32,
            values: Vec<Value>,
            pledges: Vec<Pledge>,
            left_out: Vec<String>,
        }
        let ty = self.range.param.ty;
        let document = Document {
            rules: self.rules.clone(),
            dataset: json_dataset(self.data),
            stamp: self.stamp,
            parameter: self.range.param.name.clone(),
            unit: crate::eval::outcome::unit_name(ty),
            year: self.year,
            values: self
                .range
                .values
                .iter()
                .map(|v| Value {
                    value: exact(*v),
                    written: written(*v, ty),
                })
                .collect(),
            pledges: self
                .pledges
                .iter()
                .map(|pledge| Pledge {
                    pledge: pledge.name().to_string(),
                    requirements: pledge.requirements().to_vec(),
                    rows: pledge
                        .rows
                        .iter()
                        .map(|row| Row {
                            value: exact(row.value),
                            written: written(row.value, ty),
                            requirements: counts(&row.outcome),
                        })
                        .collect(),
                    changes: pledge.changes(ty),
                })
                .collect(),
            left_out: self.left_out.to_vec(),
        };
        crate::report::json_text(&document)
    }

    pub(crate) fn csv(&self) -> String {
        let ty = self.range.param.ty;
        let mut writer = csv::Writer::from_writer(Vec::new());
        let _ = writer.write_record([
            "pledge",
            "parameter",
            "value",
            "written",
            "year",
            "requirement",
            "country",
            "status",
            "margin",
            "margin_pp",
            "margin_basis",
            "unit",
            "reason",
        ]);
        for pledge in self.pledges {
            for row in &pledge.rows {
                for r in &row.outcome.results {
                    let _ = writer.write_record([
                        r.pledge.clone(),
                        self.range.param.name.clone(),
                        exact(row.value),
                        written(row.value, ty),
                        r.year.to_string(),
                        r.requirement.clone(),
                        r.country.clone(),
                        r.status.word().to_string(),
                        exact_opt(r.margin).unwrap_or_default(),
                        exact_opt(r.margin_pp).unwrap_or_default(),
                        r.margin_basis.clone(),
                        r.unit.to_string(),
                        r.reason.clone().unwrap_or_default(),
                    ]);
                }
            }
        }
        let body = writer
            .into_inner()
            .map(|bytes| String::from_utf8_lossy(&bytes).to_string())
            .unwrap_or_default();
        format!("{}{body}", self.stamp.csv_comment())
    }
}

pub(crate) fn allies_with(
    outcome: &PledgeOutcome,
    requirement: &str,
    status: Status,
) -> Vec<String> {
    outcome
        .results
        .iter()
        .filter(|r| r.requirement == requirement && r.status == status)
        .map(|r| r.country.clone())
        .collect()
}

/// `4 of 5`, with the allies not yet due or without data in brackets.
pub(crate) fn count_cell(outcome: &PledgeOutcome, requirement: &str) -> String {
    let Some(summary) = outcome
        .summaries
        .iter()
        .find(|s| s.requirement == requirement)
    else {
        return String::new();
    };
    let mut cell = format!("{} of {}", summary.met, summary.members);
    let mut extra = Vec::new();
    if summary.not_yet_due > 0 {
        extra.push(format!("{} not due", summary.not_yet_due));
    }
    if summary.no_data > 0 {
        extra.push(format!("{} no data", summary.no_data));
    }
    if !extra.is_empty() {
        cell.push_str(&format!(" ({})", extra.join(", ")));
    }
    cell
}

/// `core_floor 4 of 5 allies (XCA, XEA, XNA, XSA)`.
pub(crate) fn count_phrase(outcome: &PledgeOutcome, requirement: &str, first: bool) -> String {
    let Some(summary) = outcome
        .summaries
        .iter()
        .find(|s| s.requirement == requirement)
    else {
        return requirement.to_string();
    };
    let met = allies_with(outcome, requirement, Status::Met);
    let mut inside = Vec::new();
    if !met.is_empty() {
        inside.push(met.join(", "));
    }
    let mut others = Vec::new();
    for status in [Status::NotYetDue, Status::NoData] {
        let n = summary.count(status);
        if n > 0 {
            others.push(format!("{n} {}", status.words()));
        }
    }
    if !others.is_empty() {
        inside.push(others.join(", "));
    }
    let allies = if first {
        if summary.members == 1 {
            " ally"
        } else {
            " allies"
        }
    } else {
        ""
    };
    let mut phrase = format!(
        "{requirement} {} of {}{allies}",
        summary.met, summary.members
    );
    if !inside.is_empty() {
        phrase.push_str(&format!(" ({})", inside.join("; ")));
    }
    phrase
}

/// Allies whose outcome of one requirement goes from one status to another.
pub(crate) type ChangeGroup = ((String, Status, Status), Vec<String>);

/// The changes between two consecutive values, in sentences grouped by
/// requirement and kind of change.
pub(crate) fn change_sentences(changes: &[Change]) -> Vec<(Decimal, Decimal, String)> {
    // (from, to) → requirement → (before, after) → countries, in order.
    let mut grouped: Vec<((Decimal, Decimal), Vec<ChangeGroup>)> = Vec::new();
    for change in changes {
        let key = (change.from, change.to);
        if grouped.last().is_none_or(|(k, _)| *k != key) {
            grouped.push((key, Vec::new()));
        }
        let Some((_, kinds)) = grouped.last_mut() else {
            continue;
        };
        let kind = (change.requirement.clone(), change.before, change.after);
        match kinds.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, countries)) => countries.push(change.country.clone()),
            None => kinds.push((kind, vec![change.country.clone()])),
        }
    }
    let mut sentences = Vec::new();
    for ((from, to), kinds) in grouped {
        let parts: Vec<String> = kinds
            .iter()
            .map(|((requirement, before, after), countries)| {
                let who = and_list(countries);
                let one = countries.len() == 1;
                if *after == Status::Met {
                    let verb = if one { "starts" } else { "start" };
                    format!("{who} {verb} meeting {requirement}")
                } else if *before == Status::Met {
                    let verb = if one { "stops" } else { "stop" };
                    let tail = if *after == Status::NotMet {
                        String::new()
                    } else {
                        format!(" ({})", after.words())
                    };
                    format!("{who} {verb} meeting {requirement}{tail}")
                } else {
                    format!(
                        "{requirement} goes from {} to {} for {who}",
                        before.words(),
                        after.words()
                    )
                }
            })
            .collect();
        sentences.push((from, to, parts.join("; ")));
    }
    sentences
}
