//! `pledge report`: one self-contained HTML page per run, for reading and
//! printing. One rule file gives the report on that draft; several give a
//! comparison. Charts are inline SVG drawn here; nothing is loaded from
//! anywhere, and the same input gives the same bytes.

mod comparison;
pub mod page;
mod requirement;
pub mod svg;
mod sweep;

use comparison::comparison_page;
use requirement::RequirementView;
use sweep::sweep_sections;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use askama::Template;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::analysis::Prepared;
use crate::data::Dataset;
use crate::eval::outcome::{PledgeOutcome, RequirementResult, Status};
use crate::report::numbers;
use page::{Cell, Figure, Page, RuleText, Section, Table};
use svg::{Bar, Kind, LineChart, Series};

/// One draft on the page: a pledge of a rule file and its outcomes.
pub(crate) struct Draft<'a> {
    /// `A`, `B`, ... in a comparison; empty for a report on one file.
    pub(crate) label: String,
    pub(crate) file: &'a Path,
    pub(crate) prepared: &'a Prepared,
    pub(crate) outcome: &'a PledgeOutcome,
}

impl Draft<'_> {
    pub(crate) fn data(&self) -> &Dataset {
        &self.prepared.dataset
    }
    /// `A (Hague 2025)` in a comparison, else the pledge's name.
    pub(crate) fn name(&self) -> String {
        if self.label.is_empty() {
            self.outcome.pledge.clone()
        } else {
            format!("{} ({})", self.label, self.outcome.pledge)
        }
    }
}

/// The page as HTML.
pub fn render(
    prepared: &[Prepared],
    outcomes: &[Vec<PledgeOutcome>],
    files: &[PathBuf],
    sweeps: &[serde_json::Value],
) -> Result<String, askama::Error> {
    let comparison = files.len() > 1;
    let mut drafts = Vec::new();
    for (index, ((p, o), f)) in prepared.iter().zip(outcomes).zip(files).enumerate() {
        let taken: Vec<&PledgeOutcome> = if comparison {
            o.iter().take(1).collect()
        } else {
            o.iter().collect()
        };
        for outcome in taken {
            drafts.push(Draft {
                label: if comparison {
                    letter(index)
                } else {
                    String::new()
                },
                file: f,
                prepared: p,
                outcome,
            });
        }
    }
    let page = if comparison {
        comparison_page(&drafts, prepared, sweeps)
    } else {
        draft_page(&drafts, prepared, sweeps)
    };
    let mut html = page.render()?;
    if !html.ends_with('\n') {
        html.push('\n');
    }
    Ok(html)
}

pub(crate) fn letter(index: usize) -> String {
    let code = u8::try_from(index % 26).map_or('?', |i| char::from(b'A' + i));
    code.to_string()
}

pub(crate) fn facts_of(drafts: &[Draft<'_>]) -> Vec<(String, String)> {
    let mut facts = Vec::new();
    for draft in drafts {
        let prefix = if draft.label.is_empty() {
            String::new()
        } else {
            format!("{}: ", draft.label)
        };
        facts.push((
            format!("{prefix}Rules"),
            format!("{} ({})", draft.file.display(), draft.outcome.pledge),
        ));
        if let Some(source) = &draft.outcome.source {
            let status = draft
                .outcome
                .status
                .as_ref()
                .map_or(String::new(), |s| format!(" (status: {s})"));
            facts.push((format!("{prefix}Source"), format!("{source}{status}")));
        }
    }
    let mut seen = BTreeSet::new();
    for draft in drafts {
        let m = &draft.data().manifest;
        if seen.insert(m.name.clone()) {
            facts.push(("Data".into(), m.name.clone()));
            facts.push(("Amounts in".into(), m.money_unit.clone()));
        }
    }
    if let Some(first) = drafts.first() {
        let years = &first.outcome.years;
        if let (Some(a), Some(b)) = (years.first(), years.last()) {
            facts.push((
                "Years".into(),
                if a == b {
                    a.to_string()
                } else {
                    format!("{a}–{b}")
                },
            ));
        }
        facts.push((
            "Allies".into(),
            format!("{} evaluated", first.outcome.countries.len()),
        ));
    }
    facts
}

pub(crate) fn common_parts(
    drafts: &[Draft<'_>],
    prepared: &[Prepared],
) -> (Vec<RuleText>, Vec<(String, String)>, Vec<String>) {
    let mut rules = Vec::new();
    for p in prepared {
        for file in &p.workspace.files {
            let text = p.workspace.sources.text(file.id);
            rules.push(RuleText {
                name: file.path.display().to_string(),
                lines: text
                    .lines()
                    .enumerate()
                    .map(|(i, l)| (i + 1, l.to_string()))
                    .collect(),
            });
        }
    }
    let mut sources = Vec::new();
    let mut seen = BTreeSet::new();
    for p in prepared {
        let m = &p.dataset.manifest;
        if !seen.insert(m.name.clone()) {
            continue;
        }
        sources.push((
            "Dataset".into(),
            format!("{} (--data {})", m.name, p.dataset_choice),
        ));
        sources.push(("Source".into(), m.source.clone()));
        sources.push(("Edition".into(), m.edition.clone()));
        sources.push(("Amounts in".into(), m.money_unit.clone()));
        for edition in &m.editions {
            let mut text = edition.name.clone();
            if let Some(source) = &edition.source {
                text.push_str(&format!(" — {source}"));
            }
            if let Some(confidence) = &edition.confidence {
                text.push_str(&format!(" ({confidence})"));
            }
            sources.push((format!("Edition {}", edition.id), text));
        }
        for country in &m.countries {
            if let Some(why) = &country.no_expenditure {
                sources.push((format!("{} {}", country.code, country.name), why.clone()));
            }
        }
    }
    let stamps = drafts
        .iter()
        .map(|d| {
            if d.label.is_empty() {
                d.prepared.stamp.line()
            } else {
                format!("{}: {}", d.label, d.prepared.stamp.line())
            }
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    (rules, sources, stamps)
}

pub(crate) fn draft_page(
    drafts: &[Draft<'_>],
    prepared: &[Prepared],
    sweeps: &[serde_json::Value],
) -> Page {
    let title = match drafts {
        [one] => format!("{} — outcomes", one.outcome.pledge),
        _ => drafts
            .iter()
            .map(|d| d.outcome.pledge.clone())
            .collect::<Vec<_>>()
            .join(", "),
    };
    let mut findings = Vec::new();
    let mut sections = Vec::new();
    for draft in drafts {
        for requirement in &draft.outcome.requirements {
            let view = RequirementView::new(draft, requirement);
            findings.push(view.finding());
            sections.push(view.section(&format!("req-{}", slug(requirement)), 2, ""));
        }
    }
    finish_page(title, findings, sections, drafts, prepared, sweeps)
}

/// The page from its title, findings and sections: with the sweeps after
/// the sections, and the facts, rules, sources and stamps of the drafts.
fn finish_page(
    title: String,
    findings: Vec<String>,
    mut sections: Vec<Section>,
    drafts: &[Draft<'_>],
    prepared: &[Prepared],
    sweeps: &[serde_json::Value],
) -> Page {
    sections.extend(sweep_sections(sweeps, drafts));
    let (rules, sources, stamps) = common_parts(drafts, prepared);
    Page {
        title,
        facts: facts_of(drafts),
        findings,
        sections,
        rules,
        sources,
        stamps,
    }
}

pub(crate) fn status_text(status: Status) -> &'static str {
    match status {
        Status::Met => "met",
        Status::NotMet => "not met",
        Status::NotYetDue => "not due",
        Status::NotApplicable => "n/a",
        Status::NoData => "no data",
    }
}

pub(crate) fn slug(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

/// `POL Poland`: the code and, when the dataset names it, the name.
pub(crate) fn ally(data: &Dataset, code: &str) -> String {
    match data.manifest.country(code) {
        Some(c) if !c.name.is_empty() => format!("{code} {}", c.name),
        _ => code.to_string(),
    }
}

/// Years as ranges: `2014-2023`, `2014-2020, 2022`.
pub(crate) fn year_ranges(years: &[i32]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut run: Option<(i32, i32)> = None;
    for &year in years {
        run = match run {
            Some((s, e)) if year == e + 1 => Some((s, year)),
            Some((s, e)) => {
                parts.push(if s == e {
                    s.to_string()
                } else {
                    format!("{s}-{e}")
                });
                Some((year, year))
            }
            None => Some((year, year)),
        };
    }
    if let Some((s, e)) = run {
        parts.push(if s == e {
            s.to_string()
        } else {
            format!("{s}-{e}")
        });
    }
    parts.join(", ")
}

pub(crate) fn f(value: Decimal) -> f64 {
    value.to_f64().unwrap_or(0.0)
}

/// An axis label for amounts: `1,250`.
pub(crate) fn whole_number(value: f64) -> String {
    let digits = format!("{:.0}", value.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if value < -0.5 {
        format!("-{out}")
    } else {
        out
    }
}

/// Engine text for the page: code quotes (`x`) dropped.
pub(crate) fn readable(text: &str) -> String {
    text.replace('`', "")
}

/// A reason with the ally's code taken out, so that allies with the same
/// reason are listed together: "no spending line items in 2025".
pub(crate) fn general_reason(reason: &str, code: &str) -> String {
    reason
        .replace(&format!(" for {code} "), " ")
        .replace(&format!(" for {code}"), "")
        .replace(&format!("{code} "), "")
}
