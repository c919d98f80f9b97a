//! The invariants of `docs/ARCHITECTURE.md` that a scan of `src/` can check:
//! the command line is the only place with clap and exit codes, only the
//! checker builds a `Program` and makes its ids, analyses never import commands, the command
//! line builds no analysis error, the interpreter and the requirement code
//! do not import each other both ways, no file grows past 800 lines, and
//! rendered problems are built only at the edges.

use std::path::{Path, PathBuf};

/// The most lines a file in `src/` may have.
const MAX_LINES: usize = 800;

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// Every file of `src/` with its path relative to `src/` (with `/`) and its
/// text, without `#[cfg(test)]` modules (tests may build what they like).
fn sources() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    files.sort();
    files
        .iter()
        .map(|path| {
            let relative = path
                .strip_prefix(&root)
                .map(|p| p.to_string_lossy().replace('\\', "/"))
                .unwrap_or_default();
            let text = std::fs::read_to_string(path).unwrap_or_default();
            (relative, text)
        })
        .collect()
}

/// The code of a file: without `#[cfg(test)]` modules (tests may build what
/// they like) and without comment lines.
fn code(text: &str) -> String {
    let before_tests = text.split("#[cfg(test)]").next().unwrap_or(text);
    before_tests
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn no_file_in_src_is_over_the_limit() {
    let long: Vec<String> = sources()
        .iter()
        .filter(|(_, text)| text.lines().count() > MAX_LINES)
        .map(|(path, text)| format!("{path}: {} lines", text.lines().count()))
        .collect();
    assert!(long.is_empty(), "files over {MAX_LINES} lines: {long:?}");
}

#[test]
fn clap_and_exit_codes_live_only_in_the_command_line() {
    let outside: Vec<String> = sources()
        .iter()
        .filter(|(path, _)| !path.starts_with("cli/") && path != "main.rs")
        .filter(|(_, text)| {
            let code = code(text);
            code.contains("clap") || code.contains("ExitCode")
        })
        .map(|(path, _)| path.clone())
        .collect();
    assert!(
        outside.is_empty(),
        "clap or ExitCode outside src/cli/: {outside:?}"
    );
}

#[test]
fn only_the_checker_builds_a_program() {
    let outside: Vec<String> = sources()
        .iter()
        .filter(|(path, _)| !path.starts_with("check/") && path != "program.rs")
        .filter(|(_, text)| {
            code(text).lines().any(|line| {
                let builds = line.contains("Program {")
                    || line.contains("Checked {")
                    || line.contains("Checked::new(");
                builds && !line.contains("impl ") && !line.contains("struct ")
            })
        })
        .map(|(path, _)| path.clone())
        .collect();
    assert!(
        outside.is_empty(),
        "a Program or Checked built outside src/check/: {outside:?}"
    );
}

#[test]
fn only_the_checker_makes_program_ids() {
    // The ids' field is private to `program.rs`, so the compiler already
    // refuses `CategoryId(3)` elsewhere; their crate-private constructor is
    // called only by the checker, which builds the lists the ids point
    // into. `eval/decision.rs` decodes the category id the engine packed
    // into a decision, which came from the checker.
    let outside: Vec<String> = sources()
        .iter()
        .filter(|(path, _)| {
            !path.starts_with("check/") && path != "program.rs" && path != "eval/decision.rs"
        })
        .filter(|(_, text)| {
            let code = code(text);
            ["ParamId::new(", "CategoryId::new(", "RequirementId::new("]
                .iter()
                .any(|call| code.contains(call))
        })
        .map(|(path, _)| path.clone())
        .collect();
    assert!(
        outside.is_empty(),
        "program ids made outside src/check/: {outside:?}"
    );
}

#[test]
fn only_the_command_line_and_the_data_loader_touch_the_file_system() {
    // `lsp/` is the other edge: an editor's files that are not open are read
    // from disk. `synthetic.rs` writes generated datasets for the benchmarks;
    // it stands outside the pipeline.
    let outside: Vec<String> = sources()
        .iter()
        .filter(|(path, _)| {
            !path.starts_with("cli/")
                && !path.starts_with("data/")
                && !path.starts_with("lsp/")
                && path != "synthetic.rs"
        })
        .filter(|(_, text)| code(text).contains("fs::"))
        .map(|(path, _)| path.clone())
        .collect();
    assert!(
        outside.is_empty(),
        "file system access outside src/cli/, src/data/ and src/lsp/: {outside:?}"
    );
}

#[test]
fn stages_do_not_import_the_command_line() {
    // The language server, the other edge, shares the command line's choice
    // of dataset.
    let importing: Vec<String> = sources()
        .iter()
        .filter(|(path, _)| {
            !path.starts_with("cli/") && !path.starts_with("lsp/") && path != "main.rs"
        })
        .filter(|(_, text)| code(text).contains("crate::cli"))
        .map(|(path, _)| path.clone())
        .collect();
    assert!(importing.is_empty(), "modules importing cli: {importing:?}");
}

#[test]
fn analyses_use_only_the_number_formatting_of_report() {
    let importing: Vec<String> = sources()
        .iter()
        .filter(|(path, _)| path.starts_with("analysis/"))
        .filter(|(_, text)| {
            code(text)
                .lines()
                .filter(|line| line.contains("crate::report"))
                .any(|line| !line.contains("crate::report::numbers"))
        })
        .map(|(path, _)| path.clone())
        .collect();
    assert!(
        importing.is_empty(),
        "analyses importing report beyond report::numbers: {importing:?}"
    );
}

#[test]
fn the_command_line_builds_no_analysis_error() {
    // The analyses say what is wrong with a comparison or a what-if
    // question; the command line only turns their errors into problems.
    let building: Vec<String> = sources()
        .iter()
        .filter(|(path, _)| path.starts_with("cli/"))
        .filter(|(_, text)| {
            let code = code(text);
            ["CompareError::", "WhatIfError::"]
                .iter()
                .any(|error| code.contains(error))
        })
        .map(|(path, _)| path.clone())
        .collect();
    assert!(
        building.is_empty(),
        "analysis errors built in src/cli/: {building:?}"
    );
}

#[test]
fn the_interpreter_and_requirements_do_not_import_each_other_both_ways() {
    let files = sources();
    let text_of = |name: &str| {
        files
            .iter()
            .find(|(path, _)| path == name)
            .map(|(_, text)| code(text))
            .unwrap_or_default()
    };
    let engine = text_of("eval/engine.rs");
    let requirement = text_of("eval/requirement.rs");
    assert!(!engine.is_empty() && !requirement.is_empty());
    assert!(
        !(engine.contains("requirement::") && requirement.contains("engine::")),
        "eval/engine.rs and eval/requirement.rs import each other"
    );
}

#[test]
fn problems_are_built_at_the_edges_or_by_into_problem() {
    // Outside the edges (`cli/`, `lsp/`) and `diagnostics.rs`, a rendered
    // `Problem` is built only by the `into_problem(s)` of a stage's typed
    // error, which the edges call.
    let mut outside = Vec::new();
    for (path, text) in sources() {
        if path.starts_with("cli/") || path.starts_with("lsp/") || path == "diagnostics.rs" {
            continue;
        }
        let mut function = String::new();
        for line in code(&text).lines() {
            if let Some(rest) = line.split("fn ").nth(1) {
                if line.trim_start().starts_with("fn ")
                    || line.trim_start().starts_with("pub fn ")
                    || line.trim_start().starts_with("pub(crate) fn ")
                {
                    function = rest.split(['(', '<']).next().unwrap_or("").to_string();
                }
            }
            let builds = ["Problem::new(", "Problem::bare("].iter().any(|call| {
                line.match_indices(call)
                    .any(|(at, _)| !line[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_'))
            });
            if builds && !function.starts_with("into_problem") {
                outside.push(format!("{path}: in `{function}`"));
            }
        }
    }
    assert!(
        outside.is_empty(),
        "Problems built outside the edges and the into_problem conversions: {outside:?}"
    );
}
