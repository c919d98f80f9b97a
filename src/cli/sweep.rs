//! `pledge sweep`: the command-line arguments and the run.

use std::path::PathBuf;
use std::process::ExitCode;

use super::{fail, prepare, DataArgs, Output};
use crate::analysis::whatif::latest_item_year;
use crate::analysis::whatif::sweep::sweep;
use crate::analysis::whatif::{parse_range, whatif_problems};
use crate::diagnostics::Problem;
use crate::eval;
use crate::report::whatif::stamp_with;
use crate::report::whatif::sweep::Sweep;
use crate::report::Format;

#[derive(Debug, Clone, clap::Args)]
pub struct SweepArgs {
    /// The rule file (`.pledge`).
    pub file: PathBuf,
    #[command(flatten)]
    pub data: DataArgs,
    /// The parameter and its range: `core_floor=3%..4%:0.25%` (from, to, step; both ends included)
    #[arg(long)]
    pub param: String,
    /// Only this year (default: the latest year with spending line items for nearly every ally)
    #[arg(long)]
    pub year: Option<i32>,
    /// Only these countries, in this order: codes or names, such as `POL,Spain`
    /// (repeat the option or separate with commas).
    #[arg(long = "country", value_delimiter = ',')]
    pub countries: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// `pledge sweep FILE --param name=FROM..TO:STEP`.
pub fn run(args: &SweepArgs, out: &mut Output) -> ExitCode {
    let Some(prepared) = prepare(&args.file, &args.data, out) else {
        return ExitCode::from(1);
    };
    let range = match parse_range(&prepared.checked, &args.param) {
        Ok(r) => r,
        Err(problems) => return fail(out, &whatif_problems(problems, &prepared.workspace.sources)),
    };
    let Some(year) = args.year.or_else(|| latest_item_year(&prepared.dataset)) else {
        return fail(
            out,
            &[Problem::bare(eval::EvalError::BadYears {
                text: "(the dataset has no years)".to_string(),
            })],
        );
    };
    let result = match sweep(&prepared, &range, year, &args.countries) {
        Ok(result) => result,
        Err(problems) => return fail(out, &whatif_problems(problems, &prepared.workspace.sources)),
    };
    let stamp = stamp_with(&prepared, &format!("--param {}", args.param));
    let sweep = Sweep {
        rules: args.file.display().to_string(),
        data: &prepared.dataset,
        range: &range,
        year,
        pledges: &result.pledges,
        left_out: &result.left_out,
        stamp: &stamp,
    };
    let text = match args.format {
        Format::Table => sweep.text(false),
        Format::Markdown => sweep.text(true),
        Format::Json | Format::Xlsx => sweep.json(),
        Format::Csv => sweep.csv(),
    };
    out.stdout.push_str(&text);
    ExitCode::SUCCESS
}
