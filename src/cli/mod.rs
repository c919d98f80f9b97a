//! The command line: parses arguments (clap), reads files, runs the stages
//! and prints. Only this module and the data loader touch the file system.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

pub mod ast;
pub mod check;
pub mod compare;
pub mod distance;
pub mod eval;
pub mod explain;
pub mod fmt;
pub mod lsp;
pub mod output;
pub mod report;

pub use output::run_to;
pub mod sweep;
pub mod test;

pub use crate::analysis::Prepared;
use crate::data::{self, DataSource, Dataset};
use crate::diagnostics::{render_all, ErrorFormat, Problem};
use crate::eval::EvalError;
use crate::report::Format;
use crate::stamp::Stamp;
use crate::workspace::{self, Workspace};

#[derive(Debug, Parser)]
#[command(
    name = "pledge",
    version,
    about = "Write a draft definition of a defence-spending pledge, check it, and evaluate it on spending data.",
    after_help = "Exit codes: 0 success (warnings allowed), 1 errors in rules or data, or a failing test, 2 wrong command-line usage."
)]
pub struct Cli {
    /// How diagnostics are printed.
    #[arg(long, value_enum, default_value_t = ErrorFormat::Human, global = true)]
    pub error_format: ErrorFormat,
    /// Write the output to this file: the page of `report` (default: named
    /// after the rule file), the workbook of `--format xlsx`, or any other
    /// format of eval, compare, sweep, distance and explain.
    #[arg(short = 'o', long = "output", value_name = "FILE", global = true)]
    pub output: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check rule files and report every problem found.
    Check {
        /// Rule files (`.pledge`).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Check field names and values against this dataset (a bundled name or a folder).
        #[arg(long)]
        data: Option<String>,
    },
    /// Rewrite rule files in the canonical layout (comments are kept).
    Fmt {
        /// Rule files (`.pledge`).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Do not write; fail if a file is not formatted.
        #[arg(long)]
        check: bool,
    },
    /// Print the syntax tree of a rule file with explicit parentheses.
    Ast {
        /// The rule file (`.pledge`).
        file: PathBuf,
    },
    /// Evaluate a pledge on spending data, country by country and year by year.
    Eval {
        /// The rule file (`.pledge`).
        file: PathBuf,
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        selection: Selection,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Compare two or more drafts: flips, outcomes, totals, text differences, and why.
    #[command(
        after_help = "`--set name=value` changes the parameter in every draft that has it; `--set N:name=value` in draft N only (counting from 1), so a draft can be compared with itself: `pledge compare a.pledge a.pledge --set 2:core_floor=3%`."
    )]
    Compare(compare::CompareArgs),
    /// How many allies meet each requirement over a range of parameter values.
    Sweep(sweep::SweepArgs),
    /// The additional spending each ally needs, and break-even parameter values.
    Distance(distance::DistanceArgs),
    /// Run rule files' inline examples and compare their outcomes with the kept snapshots.
    Test(test::TestArgs),
    /// Write a self-contained HTML report (charts, outcomes, rules, sources) of one draft, or of a comparison of several.
    Report(report::ReportArgs),
    /// Show how each number for one country and year was derived.
    Explain {
        /// The rule file (`.pledge`).
        file: PathBuf,
        #[command(flatten)]
        data: DataArgs,
        /// The country (ISO 3166 alpha-3 code, such as POL).
        #[arg(long)]
        country: String,
        /// The year.
        #[arg(long)]
        year: i32,
        /// Only this requirement.
        #[arg(long)]
        requirement: Option<String>,
        #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
        format: ExplainFormat,
    },
    /// Language server for editors, over stdin and stdout (started by the editor, not by hand).
    Lsp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExplainFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, clap::Args)]
pub struct DataArgs {
    /// Dataset: a bundled name (`nato`, `sample`, `cofog`) or a folder with `dataset.json`.
    /// Default: the rule file's `meta dataset`, else the bundled NATO data.
    #[arg(long)]
    pub data: Option<String>,
    /// Override a parameter for a what-if run, such as `--set core_floor=3%`.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub sets: Vec<String>,
}

#[derive(Debug, Clone, clap::Args)]
pub struct Selection {
    /// Only these countries (repeat the option or separate with commas).
    #[arg(long = "country", value_delimiter = ',')]
    pub countries: Vec<String>,
    /// Only this year.
    #[arg(long, conflicts_with = "years")]
    pub year: Option<i32>,
    /// A range of years, both included, such as `2014..2024`.
    #[arg(long)]
    pub years: Option<String>,
}

/// Runs the command line and returns the exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let colour = colour_on(&std::io::stderr());
    let mut out = Output {
        error_format: cli.error_format,
        colour,
        stdout: String::new(),
        stderr: String::new(),
    };
    let code = output::run_to(cli.command, cli.output.as_deref(), &mut out);
    print!("{}", out.stdout);
    eprint!("{}", out.stderr);
    if std::env::var_os("PLEDGE_REPORT_PEAK_MEMORY").is_some() {
        // Used by the benchmark: the process's peak resident memory.
        if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
            if let Some(line) = status.lines().find(|l| l.starts_with("VmHWM:")) {
                eprintln!("peak memory: {}", line.trim_start_matches("VmHWM:").trim());
            }
        }
    }
    code
}

/// What a command printed; kept apart so that tests can run commands in-process.
pub struct Output {
    pub error_format: ErrorFormat,
    pub colour: bool,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub(crate) fn problems(&mut self, problems: &[Problem]) {
        self.stderr
            .push_str(&render_all(problems, self.error_format, self.colour));
    }
}

pub fn run(command: Command, out: &mut Output) -> ExitCode {
    match command {
        Command::Check { files, data } => check::run(&files, data.as_deref(), out),
        Command::Fmt { files, check } => fmt::run(&files, check, out),
        Command::Lsp => lsp::run(out),
        Command::Ast { file } => ast::run(&file, out),
        Command::Eval {
            file,
            data,
            selection,
            format,
        } => eval::run(&file, &data, &selection, format, out),
        Command::Compare(args) => compare::run(&args, out),
        Command::Sweep(args) => sweep::run(&args, out),
        Command::Distance(args) => distance::run(&args, out),
        Command::Test(args) => test::run(&args, out),
        Command::Report(args) => report::run(&args, None, out),
        Command::Explain {
            file,
            data,
            country,
            year,
            requirement,
            format,
        } => explain::run(
            &file,
            &data,
            &country,
            year,
            requirement.as_deref(),
            format,
            out,
        ),
    }
}

pub(crate) fn read(path: &Path) -> std::io::Result<String> {
    std::fs::read_to_string(path)
}

/// Loads the dataset named on the command line or in the rule file.
pub fn load_data(
    choice: Option<&str>,
    workspace: Option<&Workspace>,
) -> Result<Dataset, Vec<Problem>> {
    let resolved = data_choice(choice, workspace);
    match resolve_data(&resolved, Path::new("")) {
        Some(source) => data::load(&source).map_err(data::into_problems),
        None => Err(vec![Problem::bare(data::DataError::Unreadable {
            path: resolved,
            reason: "no such bundled dataset or folder".to_string(),
        })]),
    }
}

/// The dataset a run uses, as a bundled name or a path: `--data`, else the
/// `meta dataset` of the rule file (or of the nearest base that has one,
/// relative to that file), else the bundled NATO data.
pub fn data_choice(choice: Option<&str>, workspace: Option<&Workspace>) -> String {
    if let Some(name) = choice {
        return name.to_string();
    }
    let from_rules = workspace.and_then(|w| {
        w.files.iter().find_map(|file| {
            let value = file.ast.pledges.iter().find_map(|p| {
                p.items.iter().find_map(|item| match item {
                    crate::ast::Item::Meta { key, value } if key.name == "dataset" => {
                        Some(value.value.clone())
                    }
                    _ => None,
                })
            })?;
            Some((
                value,
                file.path
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default(),
            ))
        })
    });
    match from_rules {
        Some((name, _)) if data::bundled::source(&name).is_some() => name,
        Some((name, dir)) => dir.join(name).display().to_string(),
        None => data::bundled::DEFAULT.to_string(),
    }
}

fn resolve_data(name: &str, dir: &Path) -> Option<DataSource> {
    if let Some(source) = data::bundled::source(name) {
        return Some(source);
    }
    let path = dir.join(name);
    Some(DataSource::Path(path))
}

/// Loads, checks and applies `--set`; prints warnings; returns `None` after
/// printing errors.
pub fn prepare(file: &Path, args: &DataArgs, out: &mut Output) -> Option<Prepared> {
    prepare_shared(file, args, out, &mut Vec::new())
}

/// Datasets already loaded in this process, by the name or path they were
/// loaded from, so that drafts on the same data load it once.
pub type LoadedData = Vec<(String, Arc<Dataset>)>;

/// `prepare`, taking the dataset from `loaded` when it was loaded before
/// (and keeping it there when it is loaded now).
pub fn prepare_shared(
    file: &Path,
    args: &DataArgs,
    out: &mut Output,
    loaded: &mut LoadedData,
) -> Option<Prepared> {
    let workspace =
        match workspace::load(file, &read).map_err(crate::workspace::LoadFailure::into_problems) {
            Ok(w) => w,
            Err(problems) => {
                out.problems(&problems);
                return None;
            }
        };
    let dataset_choice = data_choice(args.data.as_deref(), Some(&workspace));
    let known = loaded
        .iter()
        .find(|(choice, _)| *choice == dataset_choice)
        .map(|(_, d)| Arc::clone(d));
    let dataset = match known {
        Some(d) => d,
        None => match load_data(Some(&dataset_choice), None) {
            Ok(d) => {
                let d = Arc::new(d);
                loaded.push((dataset_choice.clone(), Arc::clone(&d)));
                d
            }
            Err(problems) => {
                out.problems(&problems);
                return None;
            }
        },
    };
    let (checked, mut problems) =
        crate::check::check(&workspace, Some(&dataset.manifest)).into_problems(&workspace.sources);
    // What the dataset does not publish is said by `check`; the results
    // say it again where it matters, as `no data` and gaps.
    problems.retain(|p| !p.code().starts_with("pledge::check::unpublished_"));
    out.problems(&problems);
    let checked = checked?;
    let checked =
        match crate::check::apply_sets(&checked, &args.sets).map_err(crate::check::set_problems) {
            Ok(c) => c,
            Err(problems) => {
                out.problems(&problems);
                return None;
            }
        };
    let texts: Vec<&str> = workspace
        .files
        .iter()
        .map(|f| workspace.sources.text(f.id))
        .chain(args.sets.iter().map(String::as_str))
        .collect();
    let stamp = Stamp::new(&texts, &dataset.content_hash);
    Some(Prepared {
        workspace,
        dataset,
        dataset_choice,
        checked,
        stamp,
    })
}

/// Parses `--year` / `--years` into an inclusive range.
pub fn year_range(selection: &Selection) -> Result<Option<(i32, i32)>, Problem> {
    if let Some(year) = selection.year {
        return Ok(Some((year, year)));
    }
    let Some(text) = &selection.years else {
        return Ok(None);
    };
    let bad = || Problem::bare(EvalError::BadYears { text: text.clone() });
    let (from, to) = text.split_once("..").ok_or_else(bad)?;
    let from: i32 = from.trim().parse().map_err(|_| bad())?;
    let to: i32 = to
        .trim()
        .trim_start_matches('=')
        .parse()
        .map_err(|_| bad())?;
    if from > to || to - from > 200 {
        return Err(bad());
    }
    Ok(Some((from, to)))
}

/// Reads and parses one rule file on its own (without its `extends` chain);
/// prints the problem and returns `None` when it cannot.
pub(crate) fn read_and_parse(file: &Path, out: &mut Output) -> Option<(String, crate::ast::File)> {
    let text = match read(file) {
        Ok(t) => t,
        Err(e) => {
            out.problems(&[Problem::bare(workspace::LoadError::Unreadable {
                path: file.display().to_string(),
                reason: e.to_string(),
            })]);
            return None;
        }
    };
    let mut sources = crate::source::Sources::new();
    let id = sources.add(file.display().to_string(), text.clone());
    match crate::parse::parse_all(&text, id) {
        Ok(parsed) => Some((text, parsed)),
        Err(errors) => {
            let problems: Vec<Problem> = errors
                .into_iter()
                .map(|error| Problem::new(error, &sources, id))
                .collect();
            out.problems(&problems);
            None
        }
    }
}

/// Whether to colour what goes to `stream`: a terminal, and neither
/// `NO_COLOR` nor `CLICOLOR=0` set (`CLICOLOR_FORCE` forces it), as anstream
/// decides.
pub(crate) fn colour_on(stream: &impl anstream::stream::RawStream) -> bool {
    anstream::AutoStream::choice(stream) != anstream::ColorChoice::Never
}

/// Prints the problems and returns the exit code of a failed run.
pub(crate) fn fail(out: &mut Output, problems: &[Problem]) -> ExitCode {
    out.problems(problems);
    ExitCode::from(1)
}

// The option values of the library's own enums. Implemented here rather than
// derived where the enums live, so that clap stays in the command line.

impl clap::ValueEnum for ErrorFormat {
    fn value_variants<'a>() -> &'a [Self] {
        &[ErrorFormat::Human, ErrorFormat::Plain, ErrorFormat::Json]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        let (name, help) = match self {
            ErrorFormat::Human => ("human", "Boxes and arrows pointing into the file"),
            ErrorFormat::Plain => (
                "plain",
                "The same content as plain sentences, for screen readers and logs",
            ),
            ErrorFormat::Json => ("json", "One JSON object per diagnostic, one per line"),
        };
        Some(clap::builder::PossibleValue::new(name).help(help))
    }
}

impl clap::ValueEnum for Format {
    fn value_variants<'a>() -> &'a [Self] {
        &[
            Format::Table,
            Format::Json,
            Format::Csv,
            Format::Markdown,
            Format::Xlsx,
        ]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        let (name, help) = match self {
            Format::Table => ("table", "Text tables, for reading in a terminal"),
            Format::Json => ("json", "One JSON document; exact decimals as strings"),
            Format::Csv => ("csv", "One row per result, for spreadsheets and scripts"),
            Format::Markdown => ("markdown", "The tables as Markdown, for documents"),
            Format::Xlsx => (
                "xlsx",
                "An Excel workbook, written to the file given with `-o`",
            ),
        };
        Some(clap::builder::PossibleValue::new(name).help(help))
    }
}
