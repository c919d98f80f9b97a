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

use super::{DataArgs, Output};
use crate::analysis::examples::{run_example, TestError};
use crate::analysis::snapshot::{compared_lines, diff};
use crate::diagnostics::{render_all, Problem};
use crate::eval::{self, Options};
use crate::report::snapshot::{outcome_snapshot, render_diff};
use crate::workspace::LoadError;

#[derive(Debug, Clone, clap::Args)]
pub struct TestArgs {
    /// Rule files or folders (searched recursively for `.pledge`); default `rules`.
    pub paths: Vec<std::path::PathBuf>,
    /// Accept changed and new outcome snapshots.
    #[arg(long)]
    pub update: bool,
    /// Check every rule file against this dataset (a bundled name or a
    /// folder) instead of its `meta dataset`. Outcome snapshots are kept for
    /// each file's own dataset, so they are not compared then.
    #[arg(long)]
    pub data: Option<String>,
}

/// The folder, next to the rule files, that holds the outcome snapshots.
pub const SNAPSHOT_DIR: &str = "snapshots";
/// The extension of an outcome snapshot.
pub const SNAPSHOT_EXTENSION: &str = "outcome";
/// The extension of a pending (not yet accepted) outcome snapshot.
pub const PENDING_EXTENSION: &str = "outcome.new";

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
        test_file(file, args, out, &mut tally);
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

fn test_file(file: &RuleFile, args: &TestArgs, out: &mut Output, tally: &mut Tally) {
    let update = args.update;
    let shown = display(&file.path);
    // `prepare` prints the problems it finds; they go under the result line.
    let mark = out.stderr.len();
    let data_args = DataArgs {
        data: args.data.clone(),
        sets: Vec::new(),
    };
    let prepared = super::prepare(&file.path, &data_args, out);
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
    for (pledge, program) in prepared.checked.pledges().iter().enumerate() {
        for example in program.examples() {
            let failures: Vec<Problem> = run_example(
                &prepared.checked,
                pledge,
                example,
                &prepared.dataset,
                sources,
                &shown,
            )
            .into_iter()
            .map(|failure| failure.into_problem(sources))
            .collect();
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

    if let Some(data) = &args.data {
        out.stderr.push_str(&format!(
            "skip snapshot {} (kept for the file's own dataset, not `--data {data}`)\n",
            display(&file.snapshot)
        ));
        return;
    }
    let outcomes = match eval::evaluate(
        &prepared.checked,
        &prepared.dataset,
        sources,
        &Options::default(),
    ) {
        Ok(outcomes) => outcomes,
        Err(errors) => {
            out.stderr
                .push_str(&format!("FAIL snapshot {}\n", display(&file.snapshot)));
            problems(out, &eval::into_problems(errors, sources));
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
// Outcome snapshots

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

#[cfg(test)]
mod tests {
    use super::*;

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
