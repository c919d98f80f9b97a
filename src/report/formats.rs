//! The outcomes for programs: the JSON document of `eval --format json` and
//! the CSV rows of `eval --format csv` (both documented in docs/output.md).

use serde::Serialize;
use std::fmt::Write as _;

use crate::data::Dataset;
use crate::eval::outcome::{PledgeOutcome, RequirementResult};

/// The JSON document of `eval --format json` (documented in docs/output.md).
#[derive(Serialize)]
pub struct JsonDocument<'a> {
    pub rules: String,
    pub dataset: JsonDataset<'a>,
    pub stamp: &'a crate::stamp::Stamp,
    pub pledges: Vec<JsonPledge<'a>>,
    pub results: Vec<&'a RequirementResult>,
    pub totals: Vec<JsonTotal<'a>>,
    pub summaries: Vec<JsonSummary<'a>>,
}

#[derive(Serialize)]
pub struct JsonDataset<'a> {
    pub name: &'a str,
    pub edition: &'a str,
    pub money_unit: &'a str,
}

#[derive(Serialize)]
pub struct JsonPledge<'a> {
    pub pledge: &'a str,
    pub source: Option<&'a str>,
    pub status: Option<&'a str>,
    pub years: &'a [i32],
    pub countries: &'a [String],
    pub requirements: &'a [String],
    pub categories: &'a [String],
    pub alliance: &'a [crate::eval::outcome::AllianceTotal],
}

#[derive(Serialize)]
pub struct JsonTotal<'a> {
    pub pledge: &'a str,
    #[serde(flatten)]
    pub total: &'a crate::eval::outcome::CategoryTotal,
}

#[derive(Serialize)]
pub struct JsonSummary<'a> {
    pub pledge: &'a str,
    #[serde(flatten)]
    pub summary: &'a crate::eval::outcome::Summary,
}

pub fn json(
    rules: &str,
    outcomes: &[PledgeOutcome],
    data: &Dataset,
    stamp: &crate::stamp::Stamp,
) -> String {
    let document = JsonDocument {
        rules: rules.to_string(),
        dataset: JsonDataset {
            name: &data.manifest.name,
            edition: &data.manifest.edition,
            money_unit: &data.manifest.money_unit,
        },
        stamp,
        pledges: outcomes
            .iter()
            .map(|o| JsonPledge {
                pledge: &o.pledge,
                source: o.source.as_deref(),
                status: o.status.as_deref(),
                years: &o.years,
                countries: &o.countries,
                requirements: &o.requirements,
                categories: &o.categories,
                alliance: &o.alliance,
            })
            .collect(),
        results: outcomes.iter().flat_map(|o| o.results.iter()).collect(),
        totals: outcomes
            .iter()
            .flat_map(|o| {
                o.totals.iter().map(move |t| JsonTotal {
                    pledge: &o.pledge,
                    total: t,
                })
            })
            .collect(),
        summaries: outcomes
            .iter()
            .flat_map(|o| {
                o.summaries.iter().map(move |s| JsonSummary {
                    pledge: &o.pledge,
                    summary: s,
                })
            })
            .collect(),
    };
    json_text(&document)
}

/// A JSON document, pretty-printed, with a final newline: every JSON output
/// of the program.
pub fn json_text(document: &impl serde::Serialize) -> String {
    let mut text = serde_json::to_string_pretty(document)
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}

/// The first columns of a CSV row about one outcome: which outcome it is.
pub(crate) const OUTCOME_COLUMNS: [&str; 5] =
    ["pledge", "requirement", "country", "year", "status"];

/// CSV: one row per requirement, country and year, after a stamp comment.
pub fn csv(outcomes: &[PledgeOutcome], stamp: &crate::stamp::Stamp) -> String {
    let mut writer = csv::Writer::from_writer(stamp.csv_comment().into_bytes());
    let _ = writer.write_record(OUTCOME_COLUMNS.iter().chain(&[
        "value",
        "threshold",
        "margin",
        "margin_pp",
        "margin_basis",
        "unit",
        "reason",
        "rule",
        "country_specific",
        "would_be_met",
        "measured_on",
        "gaps",
    ]));
    // The year and the four figures of a row are written into one text,
    // reused from row to row, and each cell is a part of it.
    let mut figures = String::new();
    for outcome in outcomes {
        for r in &outcome.results {
            figures.clear();
            let _ = write!(figures, "{}", r.year);
            let mut bounds = [0..figures.len(), 0..0, 0..0, 0..0, 0..0];
            let figures_of_row = [r.value, r.threshold, r.margin, r.margin_pp];
            for (bound, value) in bounds.iter_mut().skip(1).zip(figures_of_row) {
                let start = figures.len();
                if let Some(value) = value {
                    super::numbers::write_plain(&mut figures, value);
                }
                *bound = start..figures.len();
            }
            let [year, value, threshold, margin, margin_pp] =
                bounds.map(|bound| figures.get(bound).unwrap_or_default());
            let gaps = r.gaps.join("; ");
            let row: [&str; 17] = [
                &r.pledge,
                &r.requirement,
                &r.country,
                year,
                r.status.word(),
                value,
                threshold,
                margin,
                margin_pp,
                &r.margin_basis,
                r.unit,
                r.reason.as_deref().unwrap_or_default(),
                &r.rule,
                if r.country_specific { "true" } else { "false" },
                match r.would_be_met {
                    Some(true) => "true",
                    Some(false) => "false",
                    None => "",
                },
                &r.measured_on,
                &gaps,
            ];
            let _ = writer.write_record(row);
        }
    }
    match writer.into_inner() {
        Ok(bytes) => String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
        Err(_) => stamp.csv_comment(),
    }
}
