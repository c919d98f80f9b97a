//! `pledge test`: the tests of a rule library, for the people who write it.
//!
//! For every rule file found, three things are tested:
//!
//! 1. the file checks cleanly against its dataset;
//! 2. every inline `example` holds: its items and indicators become a small
//!    dataset of their own, and each `expect` is evaluated on it;
//! 3. the outcomes on the file's dataset are the ones recorded in its
//!    outcome snapshot (`snapshots/NAME.outcome`). A change is shown line by
//!    line and written next to the snapshot as `NAME.outcome.new`;
//!    `pledge test --update` accepts it.
//!
//! Everything is printed to `Output::stderr` in order, ending with a line
//! `N passed, N failed`.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;

use miette::Diagnostic;
use rust_decimal::Decimal;
use thiserror::Error;

use crate::cli::{self, DataArgs, Output};
use crate::data::dataset::{Column, Dataset, NONE};
use crate::data::schema::CountrySpec;
use crate::diagnostics::{render_all, Problem};
use crate::eval::engine::{compare, Engine};
use crate::eval::outcome::{unit_name, PledgeOutcome, RequirementResult, Status};
use crate::eval::{self, requirement, Options};
use crate::program::{Example, ExpectationKind, Literal, Program, TExpr, TExprKind, Type};
use crate::report::{self, numbers};
use crate::source::{Sources, Span};
use crate::stamp::Stamp;
use crate::workspace::LoadError;

#[derive(Debug, Clone, clap::Args)]
pub struct TestArgs {
    /// Rule files or folders (searched recursively for `.pledge`); default `rules`.
    pub paths: Vec<std::path::PathBuf>,
    /// Accept changed and new outcome snapshots.
    #[arg(long)]
    pub update: bool,
}

/// The folder, next to the rule files, that holds the outcome snapshots.
pub const SNAPSHOT_DIR: &str = "snapshots";
/// The extension of an outcome snapshot.
pub const SNAPSHOT_EXTENSION: &str = "outcome";
/// The extension of a pending (not yet accepted) outcome snapshot.
pub const PENDING_EXTENSION: &str = "outcome.new";

/// The first word of the line that states the stamp in a snapshot; the
/// comparison ignores that line.
const STAMP_PREFIX: &str = "stamp: ";

/// Problems found by `pledge test`.
#[derive(Debug, Error, Diagnostic)]
pub enum TestError {
    #[error("example \"{example}\": expected `{expected}` in {year}, but {actual}")]
    #[diagnostic(code(pledge::test::expectation_failed), help("{help}"))]
    ExpectationFailed {
        example: String,
        expected: String,
        year: i32,
        actual: String,
        help: String,
        #[label("this expectation does not hold")]
        span: Span,
    },
    #[error("example \"{example}\": `{expression}` has no value in {year}: {reason}")]
    #[diagnostic(
        code(pledge::test::no_value),
        help("an example's items and indicators are all the data it has: add the items (and lines such as `indicator gdp = 1000`) that {year} needs, or expect the outcome `no_data` of a requirement instead")
    )]
    NoValue {
        example: String,
        expression: String,
        year: i32,
        reason: String,
        #[label("this cannot be computed from the example's data")]
        span: Span,
    },
    #[error(
        "the outcomes of `{file}` on its dataset changed: {count} line(s) differ from its snapshot"
    )]
    #[diagnostic(
        code(pledge::test::outcome_changed),
        help("the lines that moved are listed below (- in the snapshot, + now). If the change is what you meant, accept it with `pledge test --update`; if not, correct the rule file. The new version is written next to the snapshot as `{pending}`")
    )]
    OutcomeChanged {
        file: String,
        pending: String,
        count: usize,
    },
    #[error("`{file}` has no outcome snapshot yet")]
    #[diagnostic(
        code(pledge::test::new_snapshot),
        help("new snapshot, review it (`{pending}`, next to where the snapshot belongs) and run `pledge test --update`")
    )]
    NewSnapshot { file: String, pending: String },
    #[error("cannot {action} `{path}`: {reason}")]
    #[diagnostic(
        code(pledge::test::snapshot_io),
        help("outcome snapshots live in a folder `snapshots` next to the rule files; check that it can be read and written")
    )]
    SnapshotIo {
        action: &'static str,
        path: String,
        reason: String,
    },
    #[error("no rule files (`.pledge`) in `{path}`")]
    #[diagnostic(
        code(pledge::test::no_rule_files),
        help("give rule files or folders that hold them; without a path, `pledge test` looks in `rules`")
    )]
    NoRuleFiles { path: String },
    #[error("the snapshot `{path}` belongs to no rule file")]
    #[diagnostic(
        code(pledge::test::stale_snapshot),
        help("its rule file was renamed or removed: restore the file, or remove the snapshot with `pledge test --update`")
    )]
    StaleSnapshot { path: String },
}

/// Runs `pledge test` and returns the exit code: 0 when everything passed,
/// 1 otherwise.
pub fn run(args: &TestArgs, out: &mut Output) -> ExitCode {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from("rules")]
    } else {
        args.paths.clone()
    };
    let mut tally = Tally::default();
    let mut files: BTreeMap<PathBuf, RuleFile> = BTreeMap::new();
    for path in &paths {
        match collect(path) {
            Ok(found) => {
                for file in found {
                    files.entry(file.absolute.clone()).or_insert(file);
                }
            }
            Err(problem) => {
                problems(out, &[problem]);
                tally.failed += 1;
            }
        }
    }
    let mut files: Vec<RuleFile> = files.into_values().collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    for file in &files {
        test_file(file, args.update, out, &mut tally);
    }
    for path in &paths {
        stale_snapshots(path, &files, args.update, out, &mut tally);
    }
    out.stderr.push_str(&format!(
        "\n{} passed, {} failed\n",
        tally.passed, tally.failed
    ));
    if tally.failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// When a folder holding the snapshots was tested as a whole, reports the
/// snapshots no rule file produced (with `--update`, removes them).
fn stale_snapshots(
    path: &Path,
    files: &[RuleFile],
    update: bool,
    out: &mut Output,
    tally: &mut Tally,
) {
    let dir = path.join(SNAPSHOT_DIR);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    let canonical = |p: &Path| std::fs::canonicalize(p).ok();
    let known: std::collections::BTreeSet<PathBuf> = files
        .iter()
        .filter_map(|f| canonical(&f.snapshot))
        .collect();
    let mut stale: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|p| p.extension().is_some_and(|e| e == "outcome"))
        .filter(|p| canonical(p).is_some_and(|c| !known.contains(&c)))
        .collect();
    stale.sort();
    for snapshot in stale {
        if update && std::fs::remove_file(&snapshot).is_ok() {
            out.stderr.push_str(&format!(
                "ok   removed {} (no rule file)\n",
                snapshot.display()
            ));
            tally.passed += 1;
        } else {
            out.stderr
                .push_str(&format!("FAIL snapshot {}\n", snapshot.display()));
            problems(
                out,
                &[Problem::bare(TestError::StaleSnapshot {
                    path: snapshot.display().to_string(),
                })],
            );
            tally.failed += 1;
        }
    }
}

#[derive(Debug, Default)]
struct Tally {
    passed: usize,
    failed: usize,
}

/// A rule file to test and where its snapshot lives.
#[derive(Debug, Clone)]
struct RuleFile {
    /// As found (the path given, or the folder given joined with the names below it).
    path: PathBuf,
    /// Absolute, without `.` and `..`, to find the same file given twice.
    absolute: PathBuf,
    /// The path relative to the snapshot root, with `/`: `alternatives/broad-related.pledge`.
    name: String,
    /// `snapshots/alternatives__broad-related.outcome` under the snapshot root.
    snapshot: PathBuf,
}

impl RuleFile {
    fn pending(&self) -> PathBuf {
        self.snapshot.with_extension(PENDING_EXTENSION)
    }
}

/// Renders problems under the result line they belong to, each followed by
/// a blank line.
fn problems(out: &mut Output, list: &[Problem]) {
    for problem in list {
        out.stderr.push_str(&render_all(
            std::slice::from_ref(problem),
            out.error_format,
            out.colour,
        ));
        out.stderr.push('\n');
    }
}

fn display(path: &Path) -> String {
    path.display().to_string()
}

// ---------------------------------------------------------------------------
// Finding rule files and their snapshots

/// The rule files under a path argument, sorted, each with its snapshot.
fn collect(path: &Path) -> Result<Vec<RuleFile>, Problem> {
    let metadata = std::fs::metadata(path).map_err(|e| {
        Problem::bare(LoadError::Unreadable {
            path: display(path),
            reason: e.to_string(),
        })
    })?;
    let (start, mut found) = if metadata.is_dir() {
        let mut found = Vec::new();
        walk(path, &mut found).map_err(|e| {
            Problem::bare(LoadError::Unreadable {
                path: display(path),
                reason: e.to_string(),
            })
        })?;
        (path.to_path_buf(), found)
    } else {
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        (parent, vec![path.to_path_buf()])
    };
    if found.is_empty() {
        return Err(Problem::bare(TestError::NoRuleFiles {
            path: display(path),
        }));
    }
    found.sort();
    let (root, absolute_root) = snapshot_root(&start);
    let snapshot_dir = if root == Path::new(".") {
        PathBuf::from(SNAPSHOT_DIR)
    } else {
        root.join(SNAPSHOT_DIR)
    };
    Ok(found
        .into_iter()
        .map(|file| {
            let absolute = absolute(&file);
            let relative: Vec<String> = absolute
                .strip_prefix(&absolute_root)
                .map(Path::to_path_buf)
                .unwrap_or_else(|_| file.file_name().map(PathBuf::from).unwrap_or_default())
                .components()
                .map(|c| c.as_os_str().to_string_lossy().to_string())
                .collect();
            let name = relative.join("/");
            let stem = name.strip_suffix(".pledge").unwrap_or(&name);
            let snapshot =
                snapshot_dir.join(format!("{}.{SNAPSHOT_EXTENSION}", stem.replace('/', "__")));
            RuleFile {
                path: file,
                absolute,
                name,
                snapshot,
            }
        })
        .collect())
}

/// Every `.pledge` file under a folder (not following symbolic links).
fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<(PathBuf, bool)> = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let is_dir = entry.file_type()?.is_dir();
        entries.push((dir.join(entry.file_name()), is_dir));
    }
    entries.sort();
    for (path, is_dir) in entries {
        if is_dir {
            walk(&path, found)?;
        } else if path.extension().is_some_and(|e| e == "pledge") {
            found.push(path);
        }
    }
    Ok(())
}

/// The folder whose `snapshots` folder holds the snapshots of the rule files
/// found from `start`: the nearest folder, from `start` upwards, whose
/// `snapshots` folder already holds outcome snapshots; else `start` itself.
/// So `pledge test rules/alternatives` and `pledge test rules` use the same
/// `rules/snapshots`. Returns the folder as the user would write it, and
/// absolute.
fn snapshot_root(start: &Path) -> (PathBuf, PathBuf) {
    let absolute_start = absolute(start);
    for (levels, ancestor) in absolute_start.ancestors().enumerate() {
        if holds_snapshots(&ancestor.join(SNAPSHOT_DIR)) {
            let shown = relative_ancestor(start, levels).unwrap_or_else(|| ancestor.to_path_buf());
            return (shown, ancestor.to_path_buf());
        }
    }
    (start.to_path_buf(), absolute_start)
}

fn holds_snapshots(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries.filter_map(Result::ok).any(|entry| {
        let name = entry.file_name().to_string_lossy().to_string();
        name.ends_with(&format!(".{SNAPSHOT_EXTENSION}"))
            || name.ends_with(&format!(".{PENDING_EXTENSION}"))
    })
}

/// `start` with `levels` trailing names removed, when it has that many.
fn relative_ancestor(start: &Path, levels: usize) -> Option<PathBuf> {
    let mut path = start.to_path_buf();
    for _ in 0..levels {
        match path.components().next_back() {
            Some(Component::Normal(_)) => {
                path.pop();
            }
            _ => return None,
        }
    }
    if path.as_os_str().is_empty() {
        path = PathBuf::from(".");
    }
    Some(path)
}

/// An absolute path with `.` and `..` resolved by their names.
fn absolute(path: &Path) -> PathBuf {
    let full = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut clean = PathBuf::new();
    for component in full.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                clean.pop();
            }
            other => clean.push(other.as_os_str()),
        }
    }
    clean
}

// ---------------------------------------------------------------------------
// One rule file

fn test_file(file: &RuleFile, update: bool, out: &mut Output, tally: &mut Tally) {
    let shown = display(&file.path);
    // `prepare` prints the problems it finds; they go under the result line.
    let mark = out.stderr.len();
    let data_args = DataArgs {
        data: None,
        sets: Vec::new(),
    };
    let prepared = cli::prepare(&file.path, &data_args, out);
    let found = if out.stderr.is_char_boundary(mark) {
        out.stderr.split_off(mark)
    } else {
        String::new()
    };
    let Some(prepared) = prepared else {
        out.stderr.push_str(&format!("FAIL check {shown}\n"));
        out.stderr.push_str(&found);
        tally.failed += 1;
        return;
    };
    out.stderr.push_str(&format!("ok   check {shown}\n"));
    out.stderr.push_str(&found);
    tally.passed += 1;

    let sources = &prepared.workspace.sources;
    for program in prepared.checked.pledges() {
        for example in &program.examples {
            let failures = run_example(program, example, &prepared.dataset, sources, &shown);
            if failures.is_empty() {
                out.stderr
                    .push_str(&format!("ok   example \"{}\" ({shown})\n", example.name));
                tally.passed += 1;
            } else {
                out.stderr
                    .push_str(&format!("FAIL example \"{}\" ({shown})\n", example.name));
                problems(out, &failures);
                tally.failed += 1;
            }
        }
    }

    let outcomes = match eval::evaluate(
        &prepared.checked,
        &prepared.dataset,
        sources,
        &Options::default(),
    ) {
        Ok(outcomes) => outcomes,
        Err(found) => {
            out.stderr
                .push_str(&format!("FAIL snapshot {}\n", display(&file.snapshot)));
            problems(out, &found);
            tally.failed += 1;
            return;
        }
    };
    let text = outcome_snapshot(&file.name, &outcomes, &prepared.dataset, &prepared.stamp);
    if check_snapshot(file, &text, update, out) {
        tally.passed += 1;
    } else {
        tally.failed += 1;
    }
}

// ---------------------------------------------------------------------------
// Examples

/// Runs one example; returns one problem per expectation that does not hold.
pub fn run_example(
    program: &Program,
    example: &Example,
    file_data: &Dataset,
    sources: &Sources,
    file_name: &str,
) -> Vec<Problem> {
    let data = example_dataset(file_data, example, sources, file_name);
    let engine = Engine::new(program, &data);
    let country: u16 = 0;
    // The example's items must not count twice, as in `pledge eval`.
    let mut double = crate::eval::DoubleCounting::default();
    let years: std::collections::BTreeSet<i32> = example.rows.iter().map(|r| r.year).collect();
    for (index, _) in program.requirements.iter().enumerate() {
        for &year in &years {
            let evaluated = requirement::evaluate(&engine, index, country, year);
            if matches!(evaluated.status, Status::Met | Status::NotMet) {
                double.look(&engine, index, country, year);
            }
        }
    }
    let mut failures = double.problems(&engine, sources);
    for expectation in &example.expectations {
        let year = expectation.year;
        let error = match &expectation.kind {
            ExpectationKind::Status {
                requirement: index,
                status,
            } => {
                let evaluated = requirement::evaluate(&engine, *index, country, year);
                let actual = evaluated.status.word();
                if actual == status {
                    continue;
                }
                let mut described = format!("the outcome is `{actual}`");
                match (evaluated.value, evaluated.threshold) {
                    (Some(value), Some(threshold)) => described.push_str(&format!(
                        ": the value is {} and the threshold {}",
                        exact(value, evaluated.unit),
                        exact(threshold, evaluated.unit)
                    )),
                    _ => {
                        if let Some(reason) = &evaluated.reason {
                            described.push_str(&format!(" ({reason})"));
                        }
                    }
                }
                let id = program
                    .requirements
                    .get(*index)
                    .map_or(String::new(), |r| r.id.clone());
                let rule = if evaluated.rule.is_empty() {
                    String::new()
                } else {
                    format!(" (`{}`)", evaluated.rule)
                };
                TestError::ExpectationFailed {
                    example: example.name.clone(),
                    expected: expectation.text.clone(),
                    year,
                    actual: described,
                    help: format!(
                        "work out by hand what the example's items and indicators for {year} give under `{id}`{rule}, then correct the rule or the expectation"
                    ),
                    span: expectation.span,
                }
            }
            ExpectationKind::Compare { left, op, right } => {
                let values = [left, right].map(|side| (side, engine.eval(side, country, year)));
                if let Some((side, Err(missing))) = values.iter().find(|(_, v)| v.is_err()) {
                    failures.push(Problem::new(
                        TestError::NoValue {
                            example: example.name.clone(),
                            expression: side_text(sources, side),
                            year,
                            reason: missing.reason.clone(),
                            span: expectation.span,
                        },
                        sources,
                        expectation.span.file,
                    ));
                    continue;
                }
                let [(_, Ok(l)), (_, Ok(r))] = &values else {
                    continue;
                };
                if compare(*l, *op, *r) {
                    continue;
                }
                let shown: Vec<String> = values
                    .iter()
                    .filter(|(side, _)| !matches!(side.kind, TExprKind::Const(_)))
                    .filter_map(|(side, value)| {
                        let value = value.as_ref().ok()?;
                        Some(format!(
                            "`{}` is {}",
                            side_text(sources, side),
                            exact(*value, unit_name(side.ty))
                        ))
                    })
                    .collect();
                let actual = if shown.is_empty() {
                    format!("{} {} {} is false", l, op.symbol(), r)
                } else {
                    shown.join(" and ")
                };
                TestError::ExpectationFailed {
                    example: example.name.clone(),
                    expected: expectation.text.clone(),
                    year,
                    actual,
                    help: format!(
                        "add up by hand the example's items for {year} that each category takes (with `of` weights, `exclude` clauses and caps), then correct the rule or the expectation"
                    ),
                    span: expectation.span,
                }
            }
        };
        failures.push(Problem::new(error, sources, expectation.span.file));
    }
    failures
}

/// The text of one side of an `expect` as written in the rule file.
fn side_text(sources: &Sources, expr: &TExpr) -> String {
    let text = sources.slice(expr.span).trim();
    if text.is_empty() {
        match expr.kind {
            TExprKind::Const(value) => value.normalize().to_string(),
            _ => "the expression".to_string(),
        }
    } else {
        text.to_string()
    }
}

/// A value exactly as computed, in its unit: shares as percentages.
fn exact(value: Decimal, unit: &str) -> String {
    if unit == unit_name(Type::Ratio) {
        crate::check::describe_value(value, crate::program::Type::Ratio)
    } else {
        value.normalize().to_string()
    }
}

/// The items and indicators of an example as a dataset with one member, the
/// example's country, with the fields, tags and data series of the file's
/// dataset. Each item points at its line in the rule file.
pub fn example_dataset(
    file_data: &Dataset,
    example: &Example,
    sources: &Sources,
    file_name: &str,
) -> Dataset {
    let mut manifest = file_data.manifest.clone();
    // An example's items are all it has: what the real dataset does not
    // publish is simply absent here.
    manifest.unpublished_tags = None;
    for field in &mut manifest.fields {
        field.unpublished = None;
        field.by_value = false;
    }
    let name = manifest
        .country(&example.country)
        .map_or_else(|| example.country.clone(), |c| c.name.clone());
    manifest.name = format!("example \"{}\"", example.name);
    manifest.countries = vec![CountrySpec {
        code: example.country.clone(),
        name,
        member_from: Some(0),
        no_expenditure: None,
    }];
    let mut data = Dataset::new(manifest, file_name.to_string(), file_name.to_string());
    let fields: Vec<String> = data
        .manifest
        .fields
        .iter()
        .map(|f| f.name.clone())
        .collect();
    for row in &example.rows {
        for (index, field) in fields.iter().enumerate() {
            let value = row
                .fields
                .iter()
                .rev()
                .find(|(name, _)| name == field)
                .map(|(_, value)| value);
            let symbol = match (data.columns.get(index), value) {
                (Some(Column::Text(_)), Some(value)) => data.intern(&value.to_string()),
                _ => NONE,
            };
            match data.columns.get_mut(index) {
                Some(Column::Text(values)) => values.push(symbol),
                Some(Column::Number(values)) => values.push(match value {
                    Some(Literal::Number(n)) => Some(*n),
                    _ => None,
                }),
                Some(Column::Bool(values)) => values.push(match value {
                    Some(Literal::Bool(b)) => Some(*b),
                    _ => None,
                }),
                None => {}
            }
        }
        let tags = row
            .tags
            .iter()
            .filter_map(|tag| data.tag_bit(tag))
            .fold(0u64, |bits, bit| bits | bit);
        let (line, _) = sources.line_col(row.span);
        data.country.push(0);
        data.year.push(row.year);
        data.amount.push(row.amount);
        data.line.push(u32::try_from(line).unwrap_or(u32::MAX));
        data.tags.push(tags);
        data.push_id("");
    }
    let series: Vec<String> = data
        .manifest
        .indicator_series
        .iter()
        .map(|s| s.name.clone())
        .collect();
    for (year, name, value) in &example.indicators {
        let Some(slot) = series.iter().position(|s| s == name) else {
            continue;
        };
        let values = data
            .indicators
            .entry((0, *year))
            .or_insert_with(|| vec![None; series.len()]);
        if let Some(cell) = values.get_mut(slot) {
            *cell = Some(*value);
        }
    }
    data.index();
    data
}

// ---------------------------------------------------------------------------
// Outcome snapshots

/// The outcome snapshot of a rule file: a header, one line per requirement,
/// ally and year, then the summary lines. Stable: the same inputs give the
/// same text, and only the `stamp:` line depends on the exact bytes of the
/// rules and data.
pub fn outcome_snapshot(
    name: &str,
    outcomes: &[PledgeOutcome],
    data: &Dataset,
    stamp: &Stamp,
) -> String {
    let mut out = String::new();
    out.push_str(
        "# The outcomes of a rule file on its dataset, kept by `pledge test`.\n\
         # A change fails the test; accept it with `pledge test --update`.\n",
    );
    out.push_str(&format!("rule file: {name}\n"));
    out.push_str(&format!("dataset: {}\n", data.manifest.name));
    out.push_str(&format!("edition: {}\n", data.manifest.edition));
    out.push_str(&format!("money unit: {}\n", data.manifest.money_unit));
    out.push_str(&format!("{}\n", stamp.line()));
    for outcome in outcomes {
        out.push_str(&format!("\npledge: {}\n\n", outcome.pledge));
        let width = outcome
            .requirements
            .iter()
            .map(|r| r.chars().count())
            .max()
            .unwrap_or(0);
        for result in &outcome.results {
            out.push_str(&result_line(result, width));
            out.push('\n');
        }
        out.push('\n');
        for summary in &outcome.summaries {
            out.push_str(&report::summary_line(summary));
            out.push('\n');
        }
    }
    out
}

/// `core_floor  POL  2024  met             value 12345.6  threshold 11000  margin +0.42 pp`
/// Values and thresholds are exact, so that any change of a figure shows;
/// the margin in points is rounded for reading.
fn result_line(result: &RequirementResult, width: usize) -> String {
    let detail = match (result.status, result.value, result.threshold) {
        (Status::Met | Status::NotMet, Some(value), Some(threshold)) => {
            let margin = match (result.margin_pp, result.margin) {
                (Some(pp), _) => {
                    let basis = match result.margin_basis.as_str() {
                        "gdp" | "points of the share" | "" => String::new(),
                        other => format!(" of {other}"),
                    };
                    format!("margin {} pp{basis}", numbers::points(pp))
                }
                (None, Some(margin)) => {
                    format!("margin {}", numbers::in_unit(margin, result.unit))
                }
                (None, None) => String::new(),
            };
            format!(
                "value {}  threshold {}  {margin}",
                exact(value, result.unit),
                exact(threshold, result.unit)
            )
        }
        // Where a requirement not yet due stands now is not an outcome: the
        // snapshot keeps the reason it is not due.
        _ => result
            .reason
            .as_deref()
            .unwrap_or_default()
            .split(crate::eval::requirement::NOW_MISSING)
            .next()
            .unwrap_or_default()
            .to_string(),
    };
    let mut line = format!(
        "{:<width$}  {}  {}  {:<14}  {detail}",
        result.requirement,
        result.country,
        result.year,
        result.status.word()
    );
    if result.country_specific {
        line.push_str(&format!("  (rule for {}: {})", result.country, result.rule));
    }
    line.trim_end().to_string()
}

/// The lines of a snapshot that the comparison looks at (all but the stamp).
fn compared_lines(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|line| !line.starts_with(STAMP_PREFIX))
        .collect()
}

/// Compares the new snapshot text with the one on disk, writes or removes
/// files as needed, prints the result; true when it passes.
fn check_snapshot(file: &RuleFile, text: &str, update: bool, out: &mut Output) -> bool {
    let snapshot = display(&file.snapshot);
    let pending = file.pending();
    let pending_name = pending
        .file_name()
        .map_or(String::new(), |n| n.to_string_lossy().to_string());
    let old = match std::fs::read_to_string(&file.snapshot) {
        Ok(old) => Some(old),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            out.stderr.push_str(&format!("FAIL snapshot {snapshot}\n"));
            problems(out, &[io_problem("read", &file.snapshot, &e)]);
            return false;
        }
    };
    if update {
        let status = match &old {
            Some(old) if old == text => "",
            Some(_) => " (updated)",
            None => " (written)",
        };
        if !status.is_empty() {
            if let Err(problem) = write(&file.snapshot, text) {
                out.stderr.push_str(&format!("FAIL snapshot {snapshot}\n"));
                problems(out, &[problem]);
                return false;
            }
        }
        if let Err(problem) = remove_pending(&pending) {
            out.stderr.push_str(&format!("FAIL snapshot {snapshot}\n"));
            problems(out, &[problem]);
            return false;
        }
        out.stderr
            .push_str(&format!("ok   snapshot {snapshot}{status}\n"));
        return true;
    }
    let Some(old) = old else {
        out.stderr.push_str(&format!(
            "FAIL snapshot {snapshot} (new; written as {})\n",
            display(&pending)
        ));
        let mut found = vec![Problem::bare(TestError::NewSnapshot {
            file: file.name.clone(),
            pending: pending_name,
        })];
        if let Err(problem) = write(&pending, text) {
            found.push(problem);
        }
        problems(out, &found);
        return false;
    };
    let before = compared_lines(&old);
    let now = compared_lines(text);
    if before == now {
        if let Err(problem) = remove_pending(&pending) {
            out.stderr.push_str(&format!("FAIL snapshot {snapshot}\n"));
            problems(out, &[problem]);
            return false;
        }
        out.stderr.push_str(&format!("ok   snapshot {snapshot}\n"));
        if old != text {
            out.stderr.push_str(&format!(
                "note {snapshot}: stamp changed, outcomes unchanged (`pledge test --update` records the new stamp)\n"
            ));
        }
        return true;
    }
    let changes = diff(&before, &now);
    let count = changes.len();
    out.stderr.push_str(&format!(
        "FAIL snapshot {snapshot} (changed; new version in {})\n",
        display(&pending)
    ));
    let mut found = vec![Problem::bare(TestError::OutcomeChanged {
        file: file.name.clone(),
        pending: pending_name,
        count,
    })];
    if let Err(problem) = write(&pending, text) {
        found.push(problem);
    }
    problems(out, &found);
    out.stderr.push_str(&render_diff(&changes, out.colour));
    false
}

fn io_problem(action: &'static str, path: &Path, error: &std::io::Error) -> Problem {
    Problem::bare(TestError::SnapshotIo {
        action,
        path: display(path),
        reason: error.to_string(),
    })
}

fn write(path: &Path, text: &str) -> Result<(), Problem> {
    if let Some(dir) = path.parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir).map_err(|e| io_problem("create the folder", dir, &e))?;
        }
    }
    std::fs::write(path, text).map_err(|e| io_problem("write", path, &e))
}

fn remove_pending(path: &Path) -> Result<(), Problem> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_problem("remove", path, &e)),
    }
}

// ---------------------------------------------------------------------------
// Differences between two snapshots

/// One line that moved.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Change<'a> {
    /// A line of the snapshot and the line that replaces it (same
    /// requirement, ally and year).
    Paired(&'a str, &'a str),
    Removed(&'a str),
    Added(&'a str),
}

/// The most cells of the table of common subsequences; beyond it, the
/// differing middle is shown as removed and added in full.
const MAX_DIFF_CELLS: usize = 25_000_000;

/// The lines that differ between `before` and `now`, in order, with each
/// removed line paired with the added line about the same requirement, ally
/// and year.
fn diff<'a>(before: &[&'a str], now: &[&'a str]) -> Vec<Change<'a>> {
    let prefix = before
        .iter()
        .zip(now.iter())
        .take_while(|(a, b)| a == b)
        .count();
    let before = before.get(prefix..).unwrap_or_default();
    let now = now.get(prefix..).unwrap_or_default();
    let suffix = before
        .iter()
        .rev()
        .zip(now.iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let before = before
        .get(..before.len().saturating_sub(suffix))
        .unwrap_or_default();
    let now = now
        .get(..now.len().saturating_sub(suffix))
        .unwrap_or_default();

    // Edits in order: (removed, added) runs separated by common lines.
    let mut runs: Vec<(Vec<&'a str>, Vec<&'a str>)> = Vec::new();
    let mut current: (Vec<&'a str>, Vec<&'a str>) = (Vec::new(), Vec::new());
    let (n, m) = (before.len(), now.len());
    let cells = (n + 1).saturating_mul(m + 1);
    if cells > MAX_DIFF_CELLS {
        current = (before.to_vec(), now.to_vec());
    } else {
        // table[i * (m + 1) + j]: the longest common subsequence of before[i..] and now[j..].
        let width = m + 1;
        let mut table = vec![0u32; cells];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                let value = if before.get(i) == now.get(j) {
                    table.get((i + 1) * width + j + 1).copied().unwrap_or(0) + 1
                } else {
                    let down = table.get((i + 1) * width + j).copied().unwrap_or(0);
                    let right = table.get(i * width + j + 1).copied().unwrap_or(0);
                    down.max(right)
                };
                if let Some(cell) = table.get_mut(i * width + j) {
                    *cell = value;
                }
            }
        }
        let at = |i: usize, j: usize| table.get(i * width + j).copied().unwrap_or(0);
        let (mut i, mut j) = (0, 0);
        while i < n || j < m {
            match (before.get(i), now.get(j)) {
                (Some(a), Some(b)) if a == b => {
                    if !current.0.is_empty() || !current.1.is_empty() {
                        runs.push(std::mem::take(&mut current));
                    }
                    i += 1;
                    j += 1;
                }
                (Some(a), Some(_)) if at(i + 1, j) >= at(i, j + 1) => {
                    current.0.push(a);
                    i += 1;
                }
                (Some(_), Some(b)) => {
                    current.1.push(b);
                    j += 1;
                }
                (Some(a), None) => {
                    current.0.push(a);
                    i += 1;
                }
                (None, Some(b)) => {
                    current.1.push(b);
                    j += 1;
                }
                (None, None) => break,
            }
        }
    }
    if !current.0.is_empty() || !current.1.is_empty() {
        runs.push(current);
    }

    let mut changes = Vec::new();
    for (removed, added) in runs {
        let mut used = vec![false; added.len()];
        for old in removed {
            let partner = added.iter().enumerate().position(|(k, new)| {
                !used.get(k).copied().unwrap_or(true) && line_key(new) == line_key(old)
            });
            match partner {
                Some(k) => {
                    if let Some(flag) = used.get_mut(k) {
                        *flag = true;
                    }
                    changes.push(Change::Paired(old, added.get(k).copied().unwrap_or("")));
                }
                None => changes.push(Change::Removed(old)),
            }
        }
        for (k, new) in added.iter().enumerate() {
            if !used.get(k).copied().unwrap_or(false) {
                changes.push(Change::Added(new));
            }
        }
    }
    changes
}

/// What a snapshot line is about: requirement, ally and year for an outcome
/// line; year and requirement for a summary line; the label of a header line.
fn line_key(line: &str) -> Option<String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let first = *words.first()?;
    if let Some(year) = first.strip_suffix(':') {
        if year.chars().all(|c| c.is_ascii_digit()) {
            let requirement = words
                .iter()
                .position(|w| *w == "meet" || *w == "meets")
                .and_then(|p| words.get(p + 1))?;
            return Some(format!("{year} {requirement}"));
        }
        return Some(first.to_string());
    }
    if let Some((label, _)) = line.split_once(": ") {
        if !label.contains("  ") {
            return Some(label.to_string());
        }
    }
    let key: Vec<&str> = words.iter().take(3).copied().collect();
    (key.len() == 3).then(|| key.join(" "))
}

fn render_diff(changes: &[Change<'_>], colour: bool) -> String {
    let paint = |sign: char, line: &str| {
        let text = format!("{sign} {line}");
        let text = text.trim_end();
        if colour {
            let code = if sign == '-' { "31" } else { "32" };
            format!("\x1b[{code}m{text}\x1b[0m\n")
        } else {
            format!("{text}\n")
        }
    };
    let mut out = String::new();
    for change in changes {
        match change {
            Change::Paired(old, new) => {
                out.push_str(&paint('-', old));
                out.push_str(&paint('+', new));
            }
            Change::Removed(old) => out.push_str(&paint('-', old)),
            Change::Added(new) => out.push_str(&paint('+', new)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_diff_pairs_lines_about_the_same_outcome() {
        let before = vec![
            "rule file: a.pledge",
            "core  POL  2035  met      value 1",
            "core  ESP  2035  met      value 2",
            "2035: 2 of 2 allies meet core",
        ];
        let now = vec![
            "rule file: a.pledge",
            "core  POL  2035  met      value 1",
            "core  ESP  2035  not_met  value 0",
            "2035: 1 of 2 allies meet core (1 not met)",
        ];
        let changes = diff(&before, &now);
        assert_eq!(
            changes,
            vec![
                Change::Paired(
                    "core  ESP  2035  met      value 2",
                    "core  ESP  2035  not_met  value 0"
                ),
                Change::Paired(
                    "2035: 2 of 2 allies meet core",
                    "2035: 1 of 2 allies meet core (1 not met)"
                ),
            ]
        );
        let added = diff(before.get(..2).unwrap_or_default(), &before);
        assert_eq!(
            added,
            vec![
                Change::Added("core  ESP  2035  met      value 2"),
                Change::Added("2035: 2 of 2 allies meet core"),
            ]
        );
        assert!(diff(&before, &before).is_empty());
    }

    #[test]
    fn a_stamp_change_alone_is_not_a_change() {
        let old = "rule file: a\nstamp: pledge 0.1.0 · rules 1 · data 2\nx\n";
        let new = "rule file: a\nstamp: pledge 0.1.0 · rules 3 · data 2\nx\n";
        assert_eq!(compared_lines(old), compared_lines(new));
    }

    #[test]
    fn relative_ancestors_keep_the_users_spelling() {
        assert_eq!(
            relative_ancestor(Path::new("rules/alternatives"), 1),
            Some(PathBuf::from("rules"))
        );
        assert_eq!(
            relative_ancestor(Path::new("rules"), 1),
            Some(PathBuf::from("."))
        );
        assert_eq!(relative_ancestor(Path::new("."), 1), None);
    }
}
