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
pub mod shell;

pub use output::run_to;
pub mod sweep;
pub mod test;
pub mod watch;

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
    /// Diagnostics as human (the default), plain sentences or json.
    #[arg(
        long,
        value_enum,
        default_value_t = ErrorFormat::Human,
        global = true,
        hide_possible_values = true,
        hide_default_value = true
    )]
    pub error_format: ErrorFormat,
    /// Write the output to this file: the page of `report` (default: named
    /// after the rule file), the workbook of `--format xlsx`, or any other
    /// format of eval, compare, sweep, distance and explain.
    #[arg(short = 'o', long = "output", value_name = "FILE", global = true)]
    pub output: Option<PathBuf>,
    /// Let `extends` and `meta dataset` read files in this folder too
    /// (repeat the option for several). Without it they read only in the
    /// folder of the rule file named on the command line (and below it) and
    /// in the current folder.
    #[arg(long = "allow-path", value_name = "DIR", global = true)]
    pub allow_paths: Vec<PathBuf>,
    /// Print tables and lines at full length, however wide. By default they
    /// fit the terminal (100 columns when the output is not a terminal).
    #[arg(long, global = true)]
    pub wide: bool,
    /// Run `check`, `eval` or `report` again each time a rule file, or a
    /// file it extends, is saved (stop with Ctrl-C).
    #[arg(long, global = true)]
    pub watch: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Subcommand)]
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
        /// The country: its ISO 3166 alpha-3 code or its name, such as POL or Poland.
        #[arg(long)]
        country: String,
        /// The year.
        #[arg(long, allow_negative_numbers = true)]
        year: i32,
        /// Only this requirement.
        #[arg(long)]
        requirement: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
        format: ExplainFormat,
    },
    /// Language server for editors, over stdin and stdout (started by the editor, not by hand).
    Lsp,
    /// Print the completion script of a shell: `source <(pledge completions bash)`.
    Completions {
        /// The shell: bash, zsh, fish, powershell or elvish.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page: `pledge man > pledge.1 && man -l pledge.1`.
    Man,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExplainFormat {
    /// The derivation as a tree, for reading in a terminal
    Text,
    /// The same tree as JSON, with each number as an exact decimal in `values`
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
    /// Only these countries, in this order: codes or names, such as `POL,Spain`
    /// (repeat the option or separate with commas).
    #[arg(long = "country", value_delimiter = ',')]
    pub countries: Vec<String>,
    /// Only this year.
    #[arg(long, conflicts_with = "years", allow_negative_numbers = true)]
    pub year: Option<i32>,
    /// A range of years, both included, such as `2014..2024`.
    #[arg(long)]
    pub years: Option<String>,
}

/// Runs the command line and returns the exit code.
pub fn main() -> ExitCode {
    use std::io::Write as _;
    let cli = Cli::parse();
    let _ = ALLOWED_PATHS.set(
        cli.allow_paths
            .iter()
            .map(|p| workspace::normalize(p))
            .collect(),
    );
    let colour = colour_on(&std::io::stderr());
    let mut out = Output {
        error_format: cli.error_format,
        colour,
        stdout: String::new(),
        stderr: String::new(),
    };
    let width = text_width(cli.wide, cli.output.is_some());
    crate::report::fit::set_width(width);
    let fits = laid_out_for_width(&cli.command);
    // `test` reports on stderr, one line per check; diagnostics in JSON stay
    // one object a line.
    let report_fits =
        matches!(cli.command, Command::Test(_)) && cli.error_format != ErrorFormat::Json;
    let watched = if cli.watch {
        if !matches!(
            cli.command,
            Command::Check { .. } | Command::Eval { .. } | Command::Report(_)
        ) {
            let _ = writeln!(
                std::io::stderr(),
                "error: `--watch` works with `check`, `eval` and `report`"
            );
            return ExitCode::from(2);
        }
        watch::watched_files(&cli.command)
    } else {
        Vec::new()
    };
    let code = loop {
        let code = output::run_to(cli.command.clone(), cli.output.as_deref(), &mut out);
        if fits {
            out.stdout = crate::report::fit::wrap_text(&out.stdout, width);
        }
        if report_fits {
            out.stderr = crate::report::fit::wrap_text(&out.stderr, width);
        }
        let code = write_out(&mut out, code);
        if watched.is_empty() {
            break code;
        }
        out.stdout.clear();
        out.stderr.clear();
        let _ = writeln!(
            std::io::stderr(),
            "watching {} file(s); runs again when one is saved (Ctrl-C to stop)",
            watched.len()
        );
        watch::wait_for_change(&watched, std::time::Duration::from_millis(300), None);
        let _ = writeln!(
            std::io::stderr(),
            "\n--- a file changed: running again ---\n"
        );
    };
    if std::env::var_os("PLEDGE_REPORT_PEAK_MEMORY").is_some() {
        // Used by the benchmark: the process's peak resident memory.
        if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
            if let Some(line) = status.lines().find(|l| l.starts_with("VmHWM:")) {
                let peak = line.trim_start_matches("VmHWM:").trim();
                let _ = writeln!(std::io::stderr(), "peak memory: {peak}");
            }
        }
    }
    code
}

/// An output stream that cannot be written.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum OutputError {
    #[error("the output cannot be written to {stream}: {reason}")]
    #[diagnostic(
        code(pledge::output::write_failed),
        help("check that the disk has free space and that the folder exists and can be written, or write the output to another file with `-o FILE`")
    )]
    WriteFailed { stream: String, reason: String },
}

/// Says that the file `path` (of `-o FILE`) cannot be written; exit code 1.
pub(crate) fn write_failed(
    out: &mut Output,
    path: &Path,
    error: &dyn std::fmt::Display,
) -> ExitCode {
    out.problems(&[Problem::bare(OutputError::WriteFailed {
        stream: format!("`{}`", path.display()),
        reason: error.to_string(),
    })]);
    ExitCode::from(1)
}

/// Prints what a command wrote. A reader that goes away early (a closed
/// pipe, as in `pledge eval ... | head -1`) ends the run quietly, with the
/// command's own exit code; any other failure to write (a full disk) is said
/// on stderr with a code and ends the run with exit code 1.
fn write_out(out: &mut Output, code: ExitCode) -> ExitCode {
    use std::io::{ErrorKind, Write as _};
    let mut code = code;
    let written = {
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(out.stdout.as_bytes())
            .and_then(|()| stdout.flush())
    };
    match written {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::BrokenPipe => {}
        Err(e) => {
            out.problems(&[Problem::bare(OutputError::WriteFailed {
                stream: "the standard output".to_string(),
                reason: e.to_string(),
            })]);
            code = ExitCode::from(1);
        }
    }
    let mut stderr = std::io::stderr().lock();
    match stderr
        .write_all(out.stderr.as_bytes())
        .and_then(|()| stderr.flush())
    {
        Err(e) if e.kind() != ErrorKind::BrokenPipe => ExitCode::from(1),
        _ => code,
    }
}

/// The width tables and lines are laid out for: the terminal's, or 100
/// columns when the output is not a terminal; none with `--wide`.
fn text_width(wide: bool, to_file: bool) -> Option<usize> {
    use std::io::IsTerminal;
    if wide {
        return None;
    }
    let stdout = std::io::stdout();
    let terminal = if !to_file && stdout.is_terminal() {
        terminal_width(&stdout)
    } else {
        None
    };
    Some(terminal.unwrap_or(crate::report::fit::DEFAULT_WIDTH))
}

#[cfg(not(target_arch = "wasm32"))]
fn terminal_width(stdout: &std::io::Stdout) -> Option<usize> {
    terminal_size::terminal_size_of(stdout).map(|(w, _)| usize::from(w.0))
}

#[cfg(target_arch = "wasm32")]
fn terminal_width(_: &std::io::Stdout) -> Option<usize> {
    None
}

/// Whether a command prints text for people, whose long lines are wrapped
/// to the width (tables are split where they are drawn).
fn laid_out_for_width(command: &Command) -> bool {
    match command {
        Command::Eval { format, .. } => *format == Format::Table,
        Command::Sweep(a) => a.format == Format::Table,
        Command::Distance(a) => a.format == Format::Table,
        Command::Explain { format, .. } => *format == ExplainFormat::Text,
        Command::Test(_) => true,
        Command::Compare(a) => a.format == Format::Table,
        _ => false,
    }
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
        Command::Completions { shell } => shell::completions(shell, out),
        Command::Man => shell::man(out),
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

/// The largest rule file read, in bytes (16 MiB).
pub const MAX_FILE_BYTES: u64 = 16 << 20;

/// The folders named with `--allow-path`.
static ALLOWED_PATHS: std::sync::OnceLock<Vec<PathBuf>> = std::sync::OnceLock::new();

/// The folders a rule file's `extends` and `meta dataset` may read besides
/// its own folder tree: the current folder and those of `--allow-path`.
fn allowed_roots() -> Vec<PathBuf> {
    let mut roots = vec![PathBuf::new()];
    if let Ok(current) = std::env::current_dir() {
        roots.push(workspace::normalize(&current));
    }
    if let Some(allowed) = ALLOWED_PATHS.get() {
        roots.extend(allowed.iter().cloned());
        // Also in absolute form, for rule files named by an absolute path.
        if let Ok(current) = std::env::current_dir() {
            roots.extend(
                allowed
                    .iter()
                    .map(|p| workspace::normalize(&current.join(p))),
            );
        }
    }
    roots
}

/// Loads a rule file and its bases from disk: regular `.pledge` files in
/// the allowed folders, each real file (after links) once.
pub(crate) fn load_rules(file: &Path) -> Result<Workspace, workspace::LoadFailure> {
    let seen: std::cell::RefCell<std::collections::BTreeMap<PathBuf, PathBuf>> =
        std::cell::RefCell::default();
    let reader = |path: &Path| -> std::io::Result<String> {
        if let Ok(real) = std::fs::canonicalize(path) {
            let mut seen = seen.borrow_mut();
            match seen.get(&real) {
                Some(first) if first != path => {
                    return Err(std::io::Error::other(format!(
                        "it is the file `{}` again, reached through a link; name that file instead",
                        first.display()
                    )))
                }
                Some(_) => {}
                None => {
                    seen.insert(real, path.to_path_buf());
                }
            }
        }
        read(path)
    };
    workspace::load_within(file, &reader, Some(&allowed_roots()))
}

/// Reads a rule file: a regular file only (not a folder, a device or a
/// pipe), at most [`MAX_FILE_BYTES`], valid UTF-8; a byte-order mark at the
/// start is dropped. The errors say the cause in words.
pub(crate) fn read(path: &Path) -> std::io::Result<String> {
    use std::io::{Error, ErrorKind, Read as _};
    let metadata = std::fs::metadata(path).map_err(|e| match e.kind() {
        ErrorKind::NotFound => Error::new(e.kind(), "there is no such file"),
        ErrorKind::PermissionDenied => Error::new(e.kind(), "permission denied"),
        _ => e,
    })?;
    if metadata.is_dir() {
        return Err(Error::other("it is a folder, not a file"));
    }
    if !metadata.is_file() {
        return Err(Error::other(
            "it is not a regular file (a device, a pipe or a socket)",
        ));
    }
    if metadata.len() > MAX_FILE_BYTES {
        return Err(Error::other(format!(
            "it holds {} bytes, more than the {MAX_FILE_BYTES} bytes a rule file may hold",
            metadata.len()
        )));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Error::other("it is larger than a rule file may be"));
    }
    let text =
        String::from_utf8(bytes).map_err(|_| Error::other("it is not text (not valid UTF-8)"))?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
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
/// `meta dataset` of the rule file named on the command line (relative to
/// it; a base's is not used), else the bundled NATO data.
pub fn data_choice(choice: Option<&str>, workspace: Option<&Workspace>) -> String {
    if let Some(name) = choice {
        return name.to_string();
    }
    let from_rules = workspace.and_then(|w| {
        w.root().and_then(|file| {
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

/// A path that a rule file may not read.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum PathError {
    #[error("the dataset `{path}` named by `meta dataset` lies outside the folders a rule file may read")]
    #[diagnostic(
        code(pledge::load::dataset_outside),
        help("name a bundled dataset (`nato`, `sample`, `cofog`) or a folder inside the rule file's folder or the current folder; give another folder with `--data DIR`, or allow it with `--allow-path DIR`")
    )]
    DatasetOutside { path: String },
}

/// The problem when the root file's `meta dataset` names a path outside the
/// allowed folders.
pub(crate) fn dataset_outside(workspace: &Workspace) -> Option<Problem> {
    let root = workspace.root()?;
    let choice = data_choice(None, Some(workspace));
    if data::bundled::source(&choice).is_some() {
        return None;
    }
    let mut roots = allowed_roots();
    roots.push(
        workspace::normalize(&root.path)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default(),
    );
    let path = workspace::normalize(Path::new(&choice));
    if workspace::within(&path, &roots) {
        None
    } else {
        Some(Problem::bare(PathError::DatasetOutside { path: choice }))
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
    let workspace = match load_rules(file).map_err(crate::workspace::LoadFailure::into_problems) {
        Ok(w) => w,
        Err(problems) => {
            out.problems(&problems);
            return None;
        }
    };
    if args.data.is_none() {
        if let Some(problem) = dataset_outside(&workspace) {
            out.problems(&[problem]);
            return None;
        }
    }
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
        if !(1..=9999).contains(&year) {
            return Err(Problem::bare(EvalError::BadYears {
                text: year.to_string(),
            }));
        }
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
    let valid = 1..=9999;
    if !valid.contains(&from) || !valid.contains(&to) || from > to || to - from > 200 {
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
