//! `pledge report`: the command-line arguments, the drafts' preparation, and
//! the page written to a file (the page itself is `report::html`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::{self as cli, DataArgs, Output, Prepared, Selection};
use crate::eval::outcome::PledgeOutcome;
use crate::eval::{self, Options};
use crate::report::html::*;

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
    let mut loaded = Vec::new();
    for (index, file) in args.files.iter().enumerate() {
        // One draft: `--set` as for `eval`. Several: as for `compare`,
        // `name=value` for every draft that has the parameter and
        // `N:name=value` for draft N only.
        let (own, mine) = if comparison {
            let plain = DataArgs {
                data: args.data.data.clone(),
                sets: Vec::new(),
            };
            let Some(mut draft) = cli::prepare_shared(file, &plain, out, &mut loaded) else {
                return ExitCode::from(1);
            };
            let mine = sets_of_draft(&args.data.sets, index, &draft, &mut used);
            if !mine.is_empty() {
                match crate::check::apply_sets(&draft.checked, &mine)
                    .map_err(crate::check::set_problems)
                {
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
            Err(errors) => {
                return fail(out, &eval::into_problems(errors, &draft.workspace.sources))
            }
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
            if let Err(problems) = crate::check::apply_sets(&first.checked, &unused)
                .map_err(crate::check::set_problems)
            {
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
    write_page(&prepared, &outcomes, &args.files, &sweeps, output, out)
}

/// Lays out the page and writes it to `output` (or the default name).
fn write_page(
    prepared: &[Prepared],
    outcomes: &[Vec<PledgeOutcome>],
    files: &[PathBuf],
    sweeps: &[serde_json::Value],
    output: Option<&Path>,
    out: &mut Output,
) -> ExitCode {
    let html = match render(prepared, outcomes, files, sweeps) {
        Ok(html) => html,
        Err(e) => {
            out.stderr
                .push_str(&format!("cannot lay out the report: {e}\n"));
            return ExitCode::from(1);
        }
    };
    let path = output.map_or_else(|| default_name(files), Path::to_path_buf);
    match std::fs::write(&path, html) {
        Ok(()) => {
            out.stderr
                .push_str(&format!("report written to {}\n", path.display()));
            ExitCode::SUCCESS
        }
        Err(e) => super::write_failed(out, &path, &e),
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
    let args = crate::cli::sweep::SweepArgs {
        file: file.to_path_buf(),
        data: data.clone(),
        param: param.to_string(),
        year,
        countries: Vec::new(),
        format: crate::report::Format::Json,
    };
    let mut inner = Output {
        error_format: out.error_format,
        colour: out.colour,
        stdout: String::new(),
        stderr: String::new(),
    };
    let code = crate::cli::sweep::run(&args, &mut inner);
    out.stderr.push_str(&inner.stderr);
    if code != ExitCode::SUCCESS {
        return None;
    }
    serde_json::from_str(&inner.stdout).ok()
}
