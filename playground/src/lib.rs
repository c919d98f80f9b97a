//! The pledge playground: the checker, the evaluator and the bundled data,
//! compiled to WebAssembly and called from `docs/playground.html`. Every
//! function takes the draft's text and returns JSON; nothing touches a file
//! system or the network. Rule files are read from the embedded library, so
//! a draft may `extends "hague-2025.pledge"` as it would in `rules/`.

use std::path::{Path, PathBuf};

use pledge::diagnostics::Problem;
use pledge::workspace::{self, Workspace};
use serde_json::{json, Value};
use wasm_bindgen::prelude::wasm_bindgen;

include!(concat!(env!("OUT_DIR"), "/library.rs"));

/// Where the playground's draft lives, beside the library's files.
const DRAFT: &str = "rules/draft.pledge";

/// The library's rule files: `[{"path": "alternatives/x.pledge", "text": "..."}]`.
#[wasm_bindgen]
pub fn library() -> String {
    let files: Vec<Value> = LIBRARY
        .iter()
        .map(|(path, text)| json!({"path": path, "text": text}))
        .collect();
    Value::Array(files).to_string()
}

/// The bundled datasets' names.
#[wasm_bindgen]
pub fn datasets() -> String {
    json!(pledge::data::bundled::NAMES).to_string()
}

/// Checks a draft: `{"diagnostics": [...]}`, each with severity, code,
/// message, help, the place (1-based line and column) and the rendering
/// `pledge check` prints.
#[wasm_bindgen]
pub fn check(text: &str, dataset: &str) -> String {
    let (_, problems, _) = prepare(text, dataset);
    json!({"diagnostics": diagnostics(text, &problems)}).to_string()
}

/// Evaluates a draft: `{"diagnostics": [...], "table": "..."}`, the table
/// being what `pledge eval` prints.
#[wasm_bindgen]
pub fn evaluate(text: &str, dataset: &str) -> String {
    let (prepared, mut problems, data) = prepare(text, dataset);
    let mut table = String::new();
    if let (Some((workspace, checked)), Some(data)) = (prepared, data) {
        match pledge::eval::evaluate(
            &checked,
            &data,
            &workspace.sources,
            &pledge::eval::Options::default(),
        ) {
            Ok(outcomes) => {
                let style = pledge::report::Style { colour: false };
                for outcome in &outcomes {
                    table.push_str(&pledge::report::table(outcome, &data, style, false));
                }
                // The same stamp as `pledge eval` prints for the same rules and data.
                let texts: Vec<&str> = workspace
                    .files
                    .iter()
                    .map(|f| workspace.sources.text(f.id))
                    .collect();
                let stamp = pledge::stamp::Stamp::new(&texts, &data.content_hash);
                table.push_str(&format!("\n{}\n", stamp.line()));
            }
            Err(more) => problems.extend(pledge::eval::into_problems(more, &workspace.sources)),
        }
    }
    json!({"diagnostics": diagnostics(text, &problems), "table": table}).to_string()
}

/// Compares the draft (A) with a library file (B) as `pledge compare`
/// does: `{"diagnostics": [...], "text": "..."}`. Each runs on `dataset`,
/// or on its own `meta dataset` when `dataset` is empty.
#[wasm_bindgen]
pub fn compare(text: &str, library_path: &str, dataset: &str) -> String {
    let Some((_, other)) = LIBRARY.iter().find(|(p, _)| *p == library_path) else {
        return json!({"diagnostics": [], "text": format!("`{library_path}` is not a file of the rule library")}).to_string();
    };
    let mut drafts = Vec::new();
    let mut problems = Vec::new();
    for (path, source) in [(DRAFT.to_string(), text), (format!("rules/{library_path}"), *other)] {
        let (prepared, more, data) = prepare_at(&path, text, source, dataset);
        problems.extend(more.into_iter().filter(|p| p.is_error() || path == DRAFT));
        match (prepared, data) {
            (Some((workspace, checked)), Some(dataset)) => {
                let texts: Vec<&str> = workspace
                    .files
                    .iter()
                    .map(|f| workspace.sources.text(f.id))
                    .collect();
                let stamp = pledge::stamp::Stamp::new(&texts, &dataset.content_hash);
                let name = dataset_name(dataset.manifest.name.as_str());
                drafts.push(pledge::analysis::Prepared {
                    workspace,
                    dataset_choice: if name.is_empty() { "data".to_string() } else { name },
                    dataset: std::sync::Arc::new(dataset),
                    checked,
                    stamp,
                });
            }
            _ => return json!({"diagnostics": diagnostics(text, &problems), "text": ""}).to_string(),
        }
    }
    let mut outcomes = Vec::new();
    for draft in &drafts {
        match pledge::eval::evaluate(
            &draft.checked,
            &draft.dataset,
            &draft.workspace.sources,
            &pledge::eval::Options::default(),
        ) {
            Ok(mut o) if !o.is_empty() => outcomes.push(o.remove(0)),
            Ok(_) => return json!({"diagnostics": diagnostics(text, &problems), "text": "A file holds no pledge."}).to_string(),
            Err(errors) => {
                problems.extend(pledge::eval::into_problems(errors, &draft.workspace.sources));
                return json!({"diagnostics": diagnostics(text, &problems), "text": ""}).to_string();
            }
        }
    }
    let files = [PathBuf::from("your draft"), PathBuf::from(format!("rules/{library_path}"))];
    let comparison = pledge::analysis::compare::compare(&drafts, &files, &outcomes, false, None);
    let rendered = pledge::report::compare::render(&comparison, false);
    json!({"diagnostics": diagnostics(text, &problems), "text": rendered}).to_string()
}

/// The bundled name of a dataset, from its manifest's name.
fn dataset_name(manifest_name: &str) -> String {
    pledge::data::bundled::NAMES
        .iter()
        .find(|name| {
            pledge::data::bundled::source(name)
                .and_then(|s| pledge::data::load(&s).ok())
                .is_some_and(|d| d.manifest.name == manifest_name)
        })
        .map_or(String::new(), |n| (*n).to_string())
}

type Prepared = Option<(Workspace, pledge::program::Checked)>;

/// Loads the draft with the library, loads its dataset and checks it.
fn prepare(text: &str, dataset: &str) -> (Prepared, Vec<Problem>, Option<pledge::data::Dataset>) {
    prepare_at(DRAFT, text, text, dataset)
}

/// Loads the rule file at `path` (the draft, whose text is `draft`, or a
/// library file whose text is `source`), its dataset, and checks it.
fn prepare_at(
    path: &str,
    draft: &str,
    source: &str,
    dataset: &str,
) -> (Prepared, Vec<Problem>, Option<pledge::data::Dataset>) {
    let root = PathBuf::from(path);
    let read = |path: &Path| -> std::io::Result<String> {
        let path = workspace::normalize(path);
        if path == root {
            return Ok(source.to_string());
        }
        if path == PathBuf::from(DRAFT) {
            return Ok(draft.to_string());
        }
        LIBRARY
            .iter()
            .find(|(p, _)| Path::new("rules").join(p) == path)
            .map(|(_, t)| t.to_string())
            .ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "not a file of the rule library",
                )
            })
    };
    let workspace = match workspace::load(&root, &read) {
        Ok(w) => w,
        Err(failure) => return (None, failure.into_problems(), None),
    };
    let choice = (!dataset.is_empty()).then_some(dataset);
    let data = match pledge::cli::load_data(choice, Some(&workspace)) {
        Ok(d) => d,
        Err(problems) => return (None, problems, None),
    };
    let (checked, problems) =
        pledge::check::check(&workspace, Some(&data.manifest)).into_problems(&workspace.sources);
    (checked.map(|c| (workspace, c)), problems, Some(data))
}

fn diagnostics(text: &str, problems: &[Problem]) -> Vec<Value> {
    problems
        .iter()
        .map(|problem| {
            let here = problem.file_name().is_some_and(|n| n == DRAFT);
            let place = problem
                .labels()
                .first()
                .filter(|_| here)
                .map(|(range, _)| (line_col(text, range.start), line_col(text, range.end)));
            let ((line, column), (end_line, end_column)) = place.unwrap_or(((1, 1), (1, 1)));
            json!({
                "severity": if problem.is_error() { "error" } else { "warning" },
                "code": problem.code(),
                "message": problem.message(),
                "help": problem.help(),
                "line": line, "column": column, "endLine": end_line, "endColumn": end_column,
                "inDraft": here,
                "rendered": problem.render(pledge::diagnostics::ErrorFormat::Human, false),
            })
        })
        .collect()
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_library_is_embedded() {
        assert!(LIBRARY.iter().any(|(p, _)| *p == "hague-2025.pledge"));
        assert!(LIBRARY.iter().any(|(p, _)| p.starts_with("alternatives/")));
    }
}
