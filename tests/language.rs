//! The language test corpus: every file under `tests/data/{parse,check}/{ok,err}/`
//! is a test case whose rendered output is a reviewed snapshot in
//! `tests/snapshots/`. Also checks that `pledge fmt` is idempotent and never
//! changes meaning, and that every rule file in `rules/` is formatted and
//! checks cleanly against its dataset.
//!
//! Paths are kept relative to the crate root (the working directory of
//! integration tests), so that the snapshots do not depend on where the
//! repository is checked out.

// A test reports a broken expectation by panicking, so the lints that keep
// panics out of the library do not apply here.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};

use pledge::data::schema::Manifest;
use pledge::diagnostics::{render_all, ErrorFormat, Problem};
use pledge::source::Sources;
use pledge::workspace::{self, Workspace};

/// `path` relative to the crate root, as a negotiator would type it there.
fn relative(path: &Path) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    path.strip_prefix(&root).unwrap_or(path).to_path_buf()
}

fn read(path: &Path) -> std::io::Result<String> {
    std::fs::read_to_string(path)
}

/// The schema of the bundled `sample` dataset, which check cases are checked against.
fn sample_schema() -> Manifest {
    let source = pledge::data::bundled::source("sample").expect("the sample dataset is bundled");
    pledge::data::load(&source)
        .expect("the bundled sample dataset loads")
        .manifest
}

/// Parses one file, naming it by its relative path.
fn parse_file(path: &Path) -> (Sources, Result<pledge::ast::File, Problem>) {
    let text = read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut sources = Sources::new();
    let id = sources.add(path.display().to_string(), text.clone());
    let parsed = pledge::parse::parse(&text, id).map_err(|error| Problem::new(error, &sources, id));
    (sources, parsed)
}

/// Every test input must say what it tests on its first line.
fn assert_described(path: &Path) {
    let text = read(path).unwrap();
    let first = text.lines().next().unwrap_or("");
    assert!(
        first.starts_with("//") || first.starts_with('#'),
        "{}: the first line must be a comment saying what the file tests",
        path.display()
    );
}

/// An error a user sees must name its code, point into the file and say what to do.
fn assert_well_formed(path: &Path, problem: &Problem) {
    let rendered = problem.render(ErrorFormat::Human, false);
    assert!(
        problem.code().starts_with("pledge::"),
        "{}: a diagnostic without a stable code:\n{rendered}",
        path.display()
    );
    assert!(
        rendered.contains("╭─["),
        "{}: a diagnostic that points at no place in a file:\n{rendered}",
        path.display()
    );
    assert!(
        rendered.contains("help:"),
        "{}: a diagnostic without a help line:\n{rendered}",
        path.display()
    );
}

#[test]
fn parse_ok() {
    insta::glob!("data/parse/ok/*.pledge", |absolute| {
        let path = relative(absolute);
        assert_described(&path);
        let (_, parsed) = parse_file(&path);
        let file = parsed.unwrap_or_else(|problem| {
            panic!(
                "{} should parse:\n{}",
                path.display(),
                problem.render(ErrorFormat::Human, false)
            )
        });
        insta::assert_snapshot!(pledge::print::tree(&file));
    });
}

#[test]
fn parse_err() {
    insta::glob!("data/parse/err/*.pledge", |absolute| {
        let path = relative(absolute);
        assert_described(&path);
        let (_, parsed) = parse_file(&path);
        let Err(problem) = parsed else {
            panic!("{} should not parse", path.display());
        };
        assert!(
            problem.code().starts_with("pledge::syntax::"),
            "{}: a parse error must have a syntax code, not {}",
            path.display(),
            problem.code()
        );
        assert_well_formed(&path, &problem);
        insta::assert_snapshot!(problem.render(ErrorFormat::Human, false));
    });
}

/// Files with several syntax errors: every one is reported, each with its
/// help, in the order of the file.
#[test]
fn parse_err_all() {
    insta::glob!("data/parse/multi/*.pledge", |absolute| {
        let path = relative(absolute);
        assert_described(&path);
        let text = read(&path).unwrap();
        let mut sources = Sources::new();
        let id = sources.add(path.display().to_string(), text.clone());
        let Err(errors) = pledge::parse::parse_all(&text, id) else {
            panic!("{} should not parse", path.display());
        };
        assert!(errors.len() > 1, "{}: only one error found", path.display());
        let problems: Vec<Problem> = errors
            .into_iter()
            .map(|error| Problem::new(error, &sources, id))
            .collect();
        for problem in &problems {
            assert_well_formed(&path, problem);
        }
        insta::assert_snapshot!(render_all(&problems, ErrorFormat::Human, false));
    });
}

#[test]
fn three_separate_mistakes_are_three_errors() {
    let path = Path::new("tests/data/parse/multi/three_mistakes.pledge");
    let text = read(path).unwrap();
    let errors = pledge::parse::parse_all(&text, pledge::source::FileId(0)).unwrap_err();
    let lines: Vec<usize> = errors
        .iter()
        .map(|error| text[..error.span().start as usize].lines().count())
        .collect();
    assert_eq!(lines, [4, 6, 7], "{errors:?}");
}

/// Loads and checks a check case against the sample schema: the checked
/// workspace (when loading succeeded) and every problem found.
fn check_file(path: &Path, schema: &Manifest) -> (Option<Workspace>, bool, Vec<Problem>) {
    match workspace::load(path, &read).map_err(pledge::workspace::LoadFailure::into_problems) {
        Ok(workspace) => {
            let (checked, problems) =
                pledge::check::check(&workspace, Some(schema)).into_problems(&workspace.sources);
            (Some(workspace), checked.is_some(), problems)
        }
        Err(problems) => (None, false, problems),
    }
}

#[test]
fn check_ok() {
    let schema = sample_schema();
    insta::glob!("data/check/ok/*.pledge", |absolute| {
        let path = relative(absolute);
        assert_described(&path);
        let (workspace, checked, problems) = check_file(&path, &schema);
        let rendered = render_all(&problems, ErrorFormat::Human, false);
        assert!(
            !problems.iter().any(Problem::is_error),
            "{} should check without errors:\n{rendered}",
            path.display()
        );
        assert!(
            checked,
            "{}: no checked program without errors",
            path.display()
        );
        let workspace = workspace.expect("a file that checks was loaded");
        let root = workspace
            .root()
            .expect("a loaded workspace has a root file");
        let problems_text = if rendered.is_empty() {
            "(no problems)\n".to_string()
        } else {
            rendered
        };
        insta::assert_snapshot!(format!(
            "{problems_text}---\n{}",
            pledge::print::tree(&root.ast)
        ));
    });
}

#[test]
fn check_err() {
    let schema = sample_schema();
    insta::glob!("data/check/err/*.pledge", |absolute| {
        let path = relative(absolute);
        assert_described(&path);
        let (_, checked, problems) = check_file(&path, &schema);
        assert!(
            !problems.is_empty(),
            "{} should produce an error or a warning; move it to check/ok",
            path.display()
        );
        for problem in &problems {
            assert!(
                !problem.code().starts_with("pledge::syntax::"),
                "{}: a check case must parse; move it to parse/err",
                path.display()
            );
            assert_well_formed(&path, problem);
        }
        assert_eq!(
            checked,
            !problems.iter().any(Problem::is_error),
            "{}: a program is checked exactly when there are no errors",
            path.display()
        );
        insta::assert_snapshot!(render_all(&problems, ErrorFormat::Human, false));
    });
}

/// Every `.pledge` file below `dir`, sorted, with relative paths.
fn pledge_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "pledge") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

fn format_text(path: &Path, text: &str) -> Option<String> {
    let mut sources = Sources::new();
    let id = sources.add(path.display().to_string(), text.to_string());
    let parsed = pledge::parse::parse(text, id).ok()?;
    Some(pledge::print::format(&parsed, text))
}

fn tree_of(path: &Path, text: &str) -> String {
    let mut sources = Sources::new();
    let id = sources.add(path.display().to_string(), text.to_string());
    match pledge::parse::parse(text, id) {
        Ok(parsed) => pledge::print::tree(&parsed),
        Err(error) => Problem::new(error, &sources, id).render(ErrorFormat::Human, false),
    }
}

#[test]
fn fmt_is_idempotent_and_keeps_meaning() {
    let mut files = pledge_files(Path::new("rules"));
    files.extend(pledge_files(Path::new("tests/data")));
    let mut formatted_count = 0;
    for path in &files {
        let text = read(path).unwrap();
        let Some(once) = format_text(path, &text) else {
            continue; // parse/err cases do not parse, so there is nothing to format
        };
        formatted_count += 1;
        let twice = format_text(path, &once).unwrap_or_else(|| {
            panic!(
                "{}: the formatted text does not parse:\n{once}",
                path.display()
            )
        });
        assert_eq!(
            once,
            twice,
            "{}: formatting twice changes the text again",
            path.display()
        );
        assert_eq!(
            tree_of(path, &text),
            tree_of(path, &once),
            "{}: formatting changes the meaning",
            path.display()
        );
    }
    assert!(
        formatted_count > 50,
        "only {formatted_count} files were formatted"
    );
}

#[test]
fn rule_files_are_formatted() {
    let files = pledge_files(Path::new("rules"));
    assert!(!files.is_empty(), "no rule files found in rules/");
    for path in &files {
        let text = read(path).unwrap();
        let formatted =
            format_text(path, &text).unwrap_or_else(|| panic!("{} does not parse", path.display()));
        assert_eq!(
            text,
            formatted,
            "{} is not formatted; run `pledge fmt {}`",
            path.display(),
            path.display()
        );
    }
}

#[test]
fn rule_files_check_cleanly_against_their_dataset() {
    let files = pledge_files(Path::new("rules"));
    assert!(!files.is_empty(), "no rule files found in rules/");
    for path in &files {
        let workspace = workspace::load(path, &read)
            .map_err(pledge::workspace::LoadFailure::into_problems)
            .unwrap_or_else(|problems| {
                panic!(
                    "{} does not load:\n{}",
                    path.display(),
                    render_all(&problems, ErrorFormat::Human, false)
                )
            });
        let dataset = pledge::cli::load_data(None, Some(&workspace)).unwrap_or_else(|problems| {
            panic!(
                "the dataset of {} does not load:\n{}",
                path.display(),
                render_all(&problems, ErrorFormat::Human, false)
            )
        });
        let (checked, mut problems) = pledge::check::check(&workspace, Some(&dataset.manifest))
            .into_problems(&workspace.sources);
        // Saying what the dataset does not publish is not a fault of the draft.
        problems.retain(|p| !p.code().starts_with("pledge::check::unpublished_"));
        assert!(
            problems.is_empty(),
            "{} should check with no errors and no warnings but what the data leaves out:\n{}",
            path.display(),
            render_all(&problems, ErrorFormat::Human, false)
        );
        assert!(checked.is_some(), "{}: no checked program", path.display());
    }
}
