//! `pledge distance`: the command-line arguments and the run.

use std::path::PathBuf;
use std::process::ExitCode;

use super::{fail, prepare, year_range, DataArgs, Output, Selection};
use crate::analysis::whatif::distance::distance;
use crate::analysis::whatif::{distance_param, whatif_problems};
use crate::eval::Options;
use crate::report::whatif::distance::Distance;
use crate::report::whatif::stamp_with;
use crate::report::Format;

#[derive(Debug, Clone, clap::Args)]
pub struct DistanceArgs {
    /// The rule file (`.pledge`).
    pub file: PathBuf,
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub selection: Selection,
    /// Also give, per ally and requirement, the value of this parameter at which the outcome flips
    #[arg(long)]
    pub param: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// `pledge distance FILE [--country ...] [--year|--years] [--param name]`.
pub fn run(args: &DistanceArgs, out: &mut Output) -> ExitCode {
    let Some(prepared) = prepare(&args.file, &args.data, out) else {
        return ExitCode::from(1);
    };
    let years = match year_range(&args.selection) {
        Ok(y) => y,
        Err(problem) => return fail(out, &[problem]),
    };
    let param = match &args.param {
        None => None,
        Some(text) => match distance_param(&prepared.checked, text) {
            Ok(p) => Some(p),
            Err(problem) => return fail(out, &[problem.into_problem(&prepared.workspace.sources)]),
        },
    };
    let options = Options {
        years,
        countries: args.selection.countries.clone(),
    };
    let result = match distance(&prepared, param.as_ref(), &options) {
        Ok(result) => result,
        Err(problems) => return fail(out, &whatif_problems(problems, &prepared.workspace.sources)),
    };
    let extra = args
        .param
        .as_ref()
        .map_or(String::new(), |p| format!("--param {p}"));
    let stamp = stamp_with(&prepared, &extra);
    let distance = Distance {
        rules: args.file.display().to_string(),
        prepared: &prepared,
        outcomes: &result.outcomes,
        shortfalls: &result.shortfalls,
        break_even: result.break_even.as_ref(),
        stamp: &stamp,
    };
    let text = match args.format {
        Format::Table => distance.text(false),
        Format::Markdown => distance.text(true),
        Format::Json | Format::Xlsx => distance.json(),
        Format::Csv => distance.csv(),
    };
    out.stdout.push_str(&text);
    ExitCode::SUCCESS
}
