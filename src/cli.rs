//! The command line: parses arguments (clap), reads files, runs the stages
//! and prints. Only this module and the data loader touch the file system.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::check;
use crate::data::{self, DataSource, Dataset};
use crate::diagnostics::{render_all, summary, ErrorFormat, Problem};
use crate::eval::{self, EvalError, Options};
use crate::parse;
use crate::print;
use crate::program::Checked;
use crate::report::{self, Format, Style};
use crate::source::{FileId, Sources};
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
    Compare(crate::compare::CompareArgs),
    /// How many allies meet each requirement over a range of parameter values.
    Sweep(crate::whatif::SweepArgs),
    /// The additional spending each ally needs, and break-even parameter values.
    Distance(crate::whatif::DistanceArgs),
    /// Run rule files' inline examples and compare their outcomes with the kept snapshots.
    Test(crate::testing::TestArgs),
    /// Write a self-contained HTML report (charts, outcomes, rules, sources) of one draft, or of a comparison of several.
    Report(crate::report::html::ReportArgs),
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
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut out = Output {
        error_format: cli.error_format,
        colour,
        stdout: String::new(),
        stderr: String::new(),
    };
    let code = run_to(cli.command, cli.output.as_deref(), &mut out);
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
    fn problems(&mut self, problems: &[Problem]) {
        self.stderr
            .push_str(&render_all(problems, self.error_format, self.colour));
    }
}

pub fn run(command: Command, out: &mut Output) -> ExitCode {
    match command {
        Command::Check { files, data } => run_check(&files, data.as_deref(), out),
        Command::Fmt { files, check } => run_fmt(&files, check, out),
        Command::Lsp => run_lsp(out),
        Command::Ast { file } => run_ast(&file, out),
        Command::Eval {
            file,
            data,
            selection,
            format,
        } => run_eval(&file, &data, &selection, format, out),
        Command::Compare(args) => crate::compare::run(&args, out),
        Command::Sweep(args) => crate::whatif::run_sweep(&args, out),
        Command::Distance(args) => crate::whatif::run_distance(&args, out),
        Command::Test(args) => crate::testing::run(&args, out),
        Command::Report(args) => crate::report::html::run(&args, None, out),
        Command::Explain {
            file,
            data,
            country,
            year,
            requirement,
            format,
        } => run_explain(
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

// ---- Reports and files: `-o FILE`, `report` and `--format xlsx`. ----

/// Runs a command and writes its output to `output` when given: the report
/// page, an Excel workbook (`--format xlsx`), or the printed output.
pub fn run_to(command: Command, output: Option<&Path>, out: &mut Output) -> ExitCode {
    use crate::report::xlsx::{Kind, RulesText};
    let (format, kind, files, data) = match &command {
        Command::Eval {
            format, file, data, ..
        } => (
            Some(*format),
            Kind::Eval,
            vec![file.clone()],
            data.data.clone(),
        ),
        Command::Compare(a) => (
            Some(a.format),
            Kind::Compare,
            a.files.clone(),
            a.data.data.clone(),
        ),
        Command::Sweep(a) => (
            Some(a.format),
            Kind::Sweep,
            vec![a.file.clone()],
            a.data.data.clone(),
        ),
        Command::Distance(a) => (
            Some(a.format),
            Kind::Distance,
            vec![a.file.clone()],
            a.data.data.clone(),
        ),
        Command::Report(args) => return crate::report::html::run(args, output, out),
        Command::Explain { .. } => (None, Kind::Eval, Vec::new(), None),
        _ => {
            if output.is_some() {
                out.stderr.push_str(
                    "error: `-o FILE` is for report, eval, compare, sweep, distance and explain\n",
                );
                return ExitCode::from(2);
            }
            return run(command, out);
        }
    };
    if format == Some(Format::Xlsx) {
        let Some(path) = output else {
            out.stderr.push_str("error: `--format xlsx` writes an Excel workbook: name the file with `-o FILE`, such as `-o outcomes.xlsx`\n");
            return ExitCode::from(2);
        };
        let command = with_format(command, Format::Json);
        let code = run(command, out);
        let json = std::mem::take(&mut out.stdout);
        if code != ExitCode::SUCCESS {
            return code;
        }
        let rules: Vec<RulesText> = files
            .iter()
            .map(|f| RulesText {
                path: f.display().to_string(),
                text: read(f).unwrap_or_default(),
            })
            .collect();
        let names = country_names(files.first(), data.as_deref());
        return match crate::report::xlsx::write(kind, &json, &rules, &names, path) {
            Ok(()) => {
                out.stderr
                    .push_str(&format!("workbook written to {}\n", path.display()));
                ExitCode::SUCCESS
            }
            Err(e) => {
                out.stderr
                    .push_str(&format!("cannot write {}: {e}\n", path.display()));
                ExitCode::from(1)
            }
        };
    }
    let code = run(command, out);
    if let Some(path) = output {
        let text = std::mem::take(&mut out.stdout);
        if let Err(e) = std::fs::write(path, text) {
            out.stderr
                .push_str(&format!("cannot write {}: {e}\n", path.display()));
            return ExitCode::from(1);
        }
        out.stderr
            .push_str(&format!("written to {}\n", path.display()));
    }
    code
}

/// The country names of the dataset a command runs on (for the workbook).
fn country_names(file: Option<&PathBuf>, data: Option<&str>) -> crate::report::xlsx::Names {
    let workspace = file.and_then(|f| workspace::load(f, &read).ok());
    let choice = data_choice(data, workspace.as_ref());
    load_data(Some(&choice), None)
        .map(|d| {
            d.manifest
                .countries
                .iter()
                .map(|c| (c.code.clone(), c.name.clone()))
                .collect()
        })
        .unwrap_or_default()
}

fn with_format(command: Command, new: Format) -> Command {
    match command {
        Command::Eval {
            file,
            data,
            selection,
            ..
        } => Command::Eval {
            file,
            data,
            selection,
            format: new,
        },
        Command::Compare(mut a) => {
            a.format = new;
            Command::Compare(a)
        }
        Command::Sweep(mut a) => {
            a.format = new;
            Command::Sweep(a)
        }
        Command::Distance(mut a) => {
            a.format = new;
            Command::Distance(a)
        }
        other => other,
    }
}

// ---- end of reports and files ----

fn read(path: &Path) -> std::io::Result<String> {
    std::fs::read_to_string(path)
}

/// Loads the dataset named on the command line or in the rule file.
pub fn load_data(
    choice: Option<&str>,
    workspace: Option<&Workspace>,
) -> Result<Dataset, Vec<Problem>> {
    let resolved = data_choice(choice, workspace);
    match resolve_data(&resolved, Path::new("")) {
        Some(source) => data::load(&source),
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

fn run_check(files: &[PathBuf], data: Option<&str>, out: &mut Output) -> ExitCode {
    let dataset = match data {
        Some(name) => match load_data(Some(name), None) {
            Ok(d) => Some(d),
            Err(problems) => {
                out.problems(&problems);
                return ExitCode::from(1);
            }
        },
        None => None,
    };
    let mut errors = 0;
    let mut warnings = 0;
    for file in files {
        let workspace = match workspace::load(file, &read) {
            Ok(w) => w,
            Err(problems) => {
                let (e, w) = summary(&problems);
                errors += e;
                warnings += w;
                out.problems(&problems);
                continue;
            }
        };
        let owned;
        let schema = match &dataset {
            Some(d) => Some(&d.manifest),
            None => match load_data(None, Some(&workspace)) {
                Ok(d) => {
                    owned = d;
                    Some(&owned.manifest)
                }
                Err(problems) => {
                    out.problems(&problems);
                    errors += problems.len();
                    continue;
                }
            },
        };
        let (_, problems) = check::check(&workspace, schema);
        let (e, w) = summary(&problems);
        errors += e;
        warnings += w;
        out.problems(&problems);
    }
    out.stderr.push_str(&format!(
        "checked {} file(s): {errors} error(s), {warnings} warning(s)\n",
        files.len()
    ));
    if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn run_lsp(out: &mut Output) -> ExitCode {
    match crate::lsp::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            out.stderr.push_str(&format!("pledge lsp: {message}\n"));
            ExitCode::from(1)
        }
    }
}

#[cfg(target_arch = "wasm32")]
fn run_lsp(out: &mut Output) -> ExitCode {
    out.stderr
        .push_str("pledge lsp: the language server needs a native build of pledge\n");
    ExitCode::from(1)
}

fn run_fmt(files: &[PathBuf], check_only: bool, out: &mut Output) -> ExitCode {
    let mut failed = false;
    for file in files {
        let text = match read(file) {
            Ok(t) => t,
            Err(e) => {
                out.problems(&[Problem::bare(workspace::LoadError::Unreadable {
                    path: file.display().to_string(),
                    reason: e.to_string(),
                })]);
                failed = true;
                continue;
            }
        };
        let mut sources = Sources::new();
        let id = sources.add(file.display().to_string(), text.clone());
        let parsed = match parse::parse(&text, id) {
            Ok(p) => p,
            Err(error) => {
                out.problems(&[Problem::new(error, &sources, id)]);
                failed = true;
                continue;
            }
        };
        let formatted = print::format(&parsed, &text);
        if formatted == text {
            continue;
        }
        if check_only {
            out.stderr.push_str(&format!(
                "{} is not formatted; run `pledge fmt {}`\n",
                file.display(),
                file.display()
            ));
            failed = true;
        } else if let Err(e) = std::fs::write(file, formatted) {
            out.stderr
                .push_str(&format!("cannot write {}: {e}\n", file.display()));
            failed = true;
        } else {
            out.stderr
                .push_str(&format!("formatted {}\n", file.display()));
        }
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn run_ast(file: &Path, out: &mut Output) -> ExitCode {
    let text = match read(file) {
        Ok(t) => t,
        Err(e) => {
            out.problems(&[Problem::bare(workspace::LoadError::Unreadable {
                path: file.display().to_string(),
                reason: e.to_string(),
            })]);
            return ExitCode::from(1);
        }
    };
    let mut sources = Sources::new();
    let id: FileId = sources.add(file.display().to_string(), text.clone());
    match parse::parse(&text, id) {
        Ok(parsed) => {
            out.stdout.push_str(&print::tree(&parsed));
            ExitCode::SUCCESS
        }
        Err(error) => {
            out.problems(&[Problem::new(error, &sources, id)]);
            ExitCode::from(1)
        }
    }
}

/// Everything a run on data needs: the rules, checked, and the dataset.
pub struct Prepared {
    pub workspace: Workspace,
    pub dataset: Dataset,
    /// The dataset as a bundled name or a path (see `data_choice`).
    pub dataset_choice: String,
    pub checked: Checked,
    pub stamp: Stamp,
}

/// Loads, checks and applies `--set`; prints warnings; returns `None` after
/// printing errors.
pub fn prepare(file: &Path, args: &DataArgs, out: &mut Output) -> Option<Prepared> {
    let workspace = match workspace::load(file, &read) {
        Ok(w) => w,
        Err(problems) => {
            out.problems(&problems);
            return None;
        }
    };
    let dataset_choice = data_choice(args.data.as_deref(), Some(&workspace));
    let dataset = match load_data(Some(&dataset_choice), None) {
        Ok(d) => d,
        Err(problems) => {
            out.problems(&problems);
            return None;
        }
    };
    let (checked, mut problems) = check::check(&workspace, Some(&dataset.manifest));
    // What the dataset does not publish is said by `check`; the results
    // say it again where it matters, as `no data` and gaps.
    problems.retain(|p| !p.code().starts_with("pledge::check::unpublished_"));
    out.problems(&problems);
    let checked = checked?;
    let checked = match check::apply_sets(&checked, &args.sets) {
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

fn run_eval(
    file: &Path,
    args: &DataArgs,
    selection: &Selection,
    format: Format,
    out: &mut Output,
) -> ExitCode {
    let Some(prepared) = prepare(file, args, out) else {
        return ExitCode::from(1);
    };
    let years = match year_range(selection) {
        Ok(y) => y,
        Err(problem) => {
            out.problems(&[problem]);
            return ExitCode::from(1);
        }
    };
    let options = Options {
        years,
        countries: selection.countries.clone(),
    };
    let outcomes = match eval::evaluate(
        &prepared.checked,
        &prepared.dataset,
        &prepared.workspace.sources,
        &options,
    ) {
        Ok(o) => o,
        Err(problems) => {
            out.problems(&problems);
            return ExitCode::from(1);
        }
    };
    let rules = file.display().to_string();
    match format {
        Format::Table | Format::Markdown => {
            let style = Style {
                colour: format == Format::Table
                    && std::io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none(),
            };
            for outcome in &outcomes {
                out.stdout.push_str(&report::table(
                    outcome,
                    &prepared.dataset,
                    style,
                    format == Format::Markdown,
                ));
            }
            out.stdout
                .push_str(&format!("\n{}\n", prepared.stamp.line()));
        }
        Format::Json | Format::Xlsx => out.stdout.push_str(&report::json(
            &rules,
            &outcomes,
            &prepared.dataset,
            &prepared.stamp,
        )),
        Format::Csv => out
            .stdout
            .push_str(&report::csv(&outcomes, &prepared.stamp)),
    }
    ExitCode::SUCCESS
}

#[allow(clippy::too_many_arguments)]
fn run_explain(
    file: &Path,
    args: &DataArgs,
    country: &str,
    year: i32,
    requirement: Option<&str>,
    format: ExplainFormat,
    out: &mut Output,
) -> ExitCode {
    let Some(prepared) = prepare(file, args, out) else {
        return ExitCode::from(1);
    };
    let country_code = country.trim().to_uppercase();
    let Some(country_index) = prepared.dataset.country_index(&country_code) else {
        out.problems(&[eval::unknown_country(&prepared.dataset, country)]);
        return ExitCode::from(1);
    };
    let mut nodes = Vec::new();
    let mut found = requirement.is_none();
    for (pledge_index, program) in prepared.checked.pledges().iter().enumerate() {
        let Some(engine) =
            eval::engine::Engine::for_pledge(&prepared.checked, pledge_index, &prepared.dataset)
        else {
            continue;
        };
        let explainer = crate::explain::Explainer {
            engine: &engine,
            sources: &prepared.workspace.sources,
        };
        for (index, req) in program.requirements.iter().enumerate() {
            if requirement.is_some_and(|r| r != req.id) {
                continue;
            }
            found = true;
            if let Some(mut node) = explainer.requirement(index, country_index, year) {
                if prepared.checked.pledges().len() > 1 {
                    node.label = format!("{}: {}", program.name, node.label);
                }
                nodes.push(node);
            }
        }
    }
    if !found {
        let names: Vec<String> = prepared
            .checked
            .pledges()
            .iter()
            .flat_map(|p| p.requirements.iter().map(|r| r.id.clone()))
            .collect();
        let wanted = requirement.unwrap_or_default();
        out.problems(&[Problem::bare(EvalError::UnknownRequirement {
            name: wanted.to_string(),
            help: check_help(wanted, &names),
        })]);
        return ExitCode::from(1);
    }
    match format {
        ExplainFormat::Text => {
            out.stdout.push_str(&crate::explain::render(&nodes));
            out.stdout.push_str(&format!("{}\n", prepared.stamp.line()));
        }
        ExplainFormat::Json => {
            let document = serde_json::json!({
                "rules": file.display().to_string(),
                "country": country_code,
                "year": year,
                "stamp": prepared.stamp,
                "requirements": nodes,
            });
            out.stdout
                .push_str(&serde_json::to_string_pretty(&document).unwrap_or_default());
            out.stdout.push('\n');
        }
    }
    ExitCode::SUCCESS
}

fn check_help(name: &str, names: &[String]) -> String {
    check::unknown_help(
        name,
        names,
        "`--requirement` takes a requirement id of the rule file",
    )
}
