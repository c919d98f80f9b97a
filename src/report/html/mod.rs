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
use std::process::ExitCode;

use askama::Template;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::cli::{self, DataArgs, Output, Prepared, Selection};
use crate::data::Dataset;
use crate::eval::outcome::{PledgeOutcome, RequirementResult, Status};
use crate::eval::{self, Options};
use crate::report::numbers;
use page::{Cell, Figure, Page, RuleText, Section, Table};
use svg::{Bar, Kind, LineChart, Series};

#[derive(Debug, Clone, clap::Args)]
pub struct ReportArgs {
    /// One rule file for the report on one draft; two or more for a
    /// comparison (the first is the reference, A).
    #[arg(required = true, value_name = "RULES")]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub selection: Selection,
    /// Add a sweep curve: how many allies meet each requirement as a
    /// parameter runs over a range, such as `core_floor=3%..4%:0.25%`.
    #[arg(long, value_name = "PARAM=FROM..TO:STEP")]
    pub sweep: Option<String>,
    /// The year of the sweep (default: the latest year with spending line items).
    #[arg(long = "sweep-year", value_name = "YEAR", requires = "sweep")]
    pub sweep_year: Option<i32>,
}

/// The file name a report gets without `-o`: derived from the rule files,
/// in the current folder.
pub fn default_name(files: &[PathBuf]) -> PathBuf {
    let stems: Vec<String> = files
        .iter()
        .map(|f| {
            f.file_stem()
                .map_or("report".to_string(), |s| s.to_string_lossy().to_string())
        })
        .collect();
    PathBuf::from(format!("{}-report.html", stems.join("-vs-")))
}

/// Runs `pledge report`.
pub fn run(args: &ReportArgs, output: Option<&Path>, out: &mut Output) -> ExitCode {
    let years = match cli::year_range(&args.selection) {
        Ok(y) => y,
        Err(problem) => return fail(out, &[problem]),
    };
    let options = Options {
        years,
        countries: args.selection.countries.clone(),
    };
    let mut prepared: Vec<Prepared> = Vec::new();
    let mut outcomes: Vec<Vec<PledgeOutcome>> = Vec::new();
    let comparison = args.files.len() > 1;
    let mut draft_data = Vec::new();
    let mut used: BTreeSet<String> = BTreeSet::new();
    for (index, file) in args.files.iter().enumerate() {
        // One draft: `--set` as for `eval`. Several: as for `compare`,
        // `name=value` for every draft that has the parameter and
        // `N:name=value` for draft N only.
        let (own, mine) = if comparison {
            let plain = DataArgs {
                data: args.data.data.clone(),
                sets: Vec::new(),
            };
            let Some(mut draft) = cli::prepare(file, &plain, out) else {
                return ExitCode::from(1);
            };
            let mine = sets_of_draft(&args.data.sets, index, &draft, &mut used);
            if !mine.is_empty() {
                match crate::check::apply_sets(&draft.checked, &mine) {
                    Ok(checked) => draft.checked = checked,
                    Err(problems) => return fail(out, &problems),
                }
                draft.stamp = draft.stamp.with_sets(&mine);
            }
            (draft, mine)
        } else {
            let Some(draft) = cli::prepare(file, &args.data, out) else {
                return ExitCode::from(1);
            };
            (draft, args.data.sets.clone())
        };
        let draft = own;
        draft_data.push(DataArgs {
            data: args.data.data.clone(),
            sets: mine,
        });
        match eval::evaluate(
            &draft.checked,
            &draft.dataset,
            &draft.workspace.sources,
            &options,
        ) {
            Ok(o) => outcomes.push(o),
            Err(problems) => return fail(out, &problems),
        }
        prepared.push(draft);
    }
    if comparison {
        let unused: Vec<String> = args
            .data
            .sets
            .iter()
            .filter(|s| !used.contains(*s))
            .cloned()
            .collect();
        if let (false, Some(first)) = (unused.is_empty(), prepared.first()) {
            // The diagnostics of `--set` for a name no draft has.
            if let Err(problems) = crate::check::apply_sets(&first.checked, &unused) {
                return fail(out, &problems);
            }
        }
    }
    let mut sweeps = Vec::new();
    if let Some(param) = &args.sweep {
        for (file, data) in args.files.iter().zip(&draft_data) {
            match sweep_json(file, data, param, args.sweep_year, out) {
                Some(json) => sweeps.push(json),
                None => return ExitCode::from(1),
            }
        }
    }
    let html = match render(&prepared, &outcomes, &args.files, &sweeps) {
        Ok(html) => html,
        Err(e) => {
            out.stderr
                .push_str(&format!("cannot lay out the report: {e}\n"));
            return ExitCode::from(1);
        }
    };
    let path = output.map_or_else(|| default_name(&args.files), Path::to_path_buf);
    match std::fs::write(&path, html) {
        Ok(()) => {
            out.stderr
                .push_str(&format!("report written to {}\n", path.display()));
            ExitCode::SUCCESS
        }
        Err(e) => {
            out.stderr
                .push_str(&format!("cannot write {}: {e}\n", path.display()));
            ExitCode::from(1)
        }
    }
}

/// The `--set` values of draft `index` (from 0) in a comparison; records
/// which were used.
fn sets_of_draft(
    sets: &[String],
    index: usize,
    draft: &Prepared,
    used: &mut BTreeSet<String>,
) -> Vec<String> {
    let params: BTreeSet<&str> = draft
        .checked
        .pledges()
        .iter()
        .flat_map(|p| p.params.iter().map(|q| q.name.as_str()))
        .collect();
    let mut mine = Vec::new();
    for set in sets {
        let numbered = set
            .split_once(':')
            .and_then(|(n, rest)| n.trim().parse::<usize>().ok().map(|n| (n, rest)));
        match numbered {
            Some((n, rest)) if n == index + 1 => {
                mine.push(rest.to_string());
                used.insert(set.clone());
            }
            Some(_) => {}
            None => {
                let name = set.split_once('=').map_or(set.as_str(), |(n, _)| n).trim();
                if params.contains(name) {
                    mine.push(set.clone());
                    used.insert(set.clone());
                }
            }
        }
    }
    mine
}

fn fail(out: &mut Output, problems: &[crate::diagnostics::Problem]) -> ExitCode {
    out.stderr.push_str(&crate::diagnostics::render_all(
        problems,
        out.error_format,
        out.colour,
    ));
    ExitCode::from(1)
}

/// Runs `pledge sweep --format json` for the curve.
fn sweep_json(
    file: &Path,
    data: &DataArgs,
    param: &str,
    year: Option<i32>,
    out: &mut Output,
) -> Option<serde_json::Value> {
    let args = crate::whatif::SweepArgs {
        file: file.to_path_buf(),
        data: data.clone(),
        param: param.to_string(),
        year,
        format: crate::report::Format::Json,
    };
    let mut inner = Output {
        error_format: out.error_format,
        colour: out.colour,
        stdout: String::new(),
        stderr: String::new(),
    };
    let code = crate::whatif::run_sweep(&args, &mut inner);
    out.stderr.push_str(&inner.stderr);
    if code != ExitCode::SUCCESS {
        return None;
    }
    serde_json::from_str(&inner.stdout).ok()
}

/// One draft on the page: a pledge of a rule file and its outcomes.
struct Draft<'a> {
    /// `A`, `B`, ... in a comparison; empty for a report on one file.
    label: String,
    file: &'a Path,
    prepared: &'a Prepared,
    outcome: &'a PledgeOutcome,
}

impl Draft<'_> {
    fn data(&self) -> &Dataset {
        &self.prepared.dataset
    }
    /// `A (Hague 2025)` in a comparison, else the pledge's name.
    fn name(&self) -> String {
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

fn letter(index: usize) -> String {
    let code = u8::try_from(index % 26).map_or('?', |i| char::from(b'A' + i));
    code.to_string()
}

fn facts_of(drafts: &[Draft<'_>]) -> Vec<(String, String)> {
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

fn common_parts(
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

fn draft_page(drafts: &[Draft<'_>], prepared: &[Prepared], sweeps: &[serde_json::Value]) -> Page {
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

fn status_text(status: Status) -> &'static str {
    match status {
        Status::Met => "met",
        Status::NotMet => "not met",
        Status::NotYetDue => "not due",
        Status::NotApplicable => "n/a",
        Status::NoData => "no data",
    }
}

fn slug(text: &str) -> String {
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
fn ally(data: &Dataset, code: &str) -> String {
    match data.manifest.country(code) {
        Some(c) if !c.name.is_empty() => format!("{code} {}", c.name),
        _ => code.to_string(),
    }
}

/// Years as ranges: `2014-2023`, `2014-2020, 2022`.
fn year_ranges(years: &[i32]) -> String {
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

fn f(value: Decimal) -> f64 {
    value.to_f64().unwrap_or(0.0)
}

/// An axis label for amounts: `1,250`.
fn whole_number(value: f64) -> String {
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
fn readable(text: &str) -> String {
    text.replace('`', "")
}

/// A reason with the ally's code taken out, so that allies with the same
/// reason are listed together: "no spending line items in 2025".
fn general_reason(reason: &str, code: &str) -> String {
    reason
        .replace(&format!(" for {code} "), " ")
        .replace(&format!(" for {code}"), "")
        .replace(&format!("{code} "), "")
}
