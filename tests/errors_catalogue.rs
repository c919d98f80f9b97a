//! Keeps `docs/errors.md` in step with the program: every diagnostic code in
//! `src/` has a section in the catalogue and every section names a code that
//! exists; every rule-file example in the catalogue produces the code it
//! documents.
//!
//! A section starts with a heading such as "### `pledge::check::unknown_category`".
//! Its examples are fenced blocks; a ```pledge block is a rule file. When an
//! example needs several files (a base for `extends`), each block starts with
//! a comment `// file: name.pledge`; the first block is the file that is
//! checked.

// A test reports a broken expectation by panicking, so the lints that keep
// panics out of the library do not apply here.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use pledge::data::schema::Manifest;
use pledge::diagnostics::{render_all, ErrorFormat, Problem};

const CATALOGUE: &str = "docs/errors.md";

/// Codes the program declares but cannot produce at present, so their
/// sections show the intended input as text rather than as a ```pledge
/// example that the test could check. When one becomes reachable, give its
/// section a ```pledge example and remove it from this list.
const NOT_PRODUCED_AT_PRESENT: [&str; 0] = [];

/// Every `code(pledge::...)` in the source files under `src/`.
fn source_codes() -> BTreeSet<String> {
    let mut codes = BTreeSet::new();
    let mut pending = vec![PathBuf::from("src")];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                codes.extend(codes_in(&text));
            }
        }
    }
    codes
}

/// The codes of `code(pledge::...)` attributes in one source text.
fn codes_in(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (start, _) in text.match_indices("code(") {
        let rest = text[start + "code(".len()..].trim_start();
        if !rest.starts_with("pledge::") {
            continue;
        }
        let code: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
            .collect();
        found.push(code);
    }
    found
}

/// One fenced block of the catalogue.
#[derive(Debug, Clone)]
struct Block {
    language: String,
    text: String,
}

/// One section of the catalogue: a code, its explanation and its examples.
#[derive(Debug, Default)]
struct Section {
    prose: String,
    blocks: Vec<Block>,
}

/// The sections of the catalogue by code, and every code heading in order
/// (to find codes listed twice).
fn catalogue() -> (BTreeMap<String, Section>, Vec<String>) {
    let text = std::fs::read_to_string(CATALOGUE).unwrap();
    let mut sections: BTreeMap<String, Section> = BTreeMap::new();
    let mut headings = Vec::new();
    let mut current: Option<String> = None;
    let mut block: Option<Block> = None;
    for line in text.lines() {
        if let Some(open) = &mut block {
            if line.trim_end() == "```" {
                let finished = block.take().unwrap();
                if let Some(code) = &current {
                    sections.get_mut(code).unwrap().blocks.push(finished);
                }
            } else {
                open.text.push_str(line);
                open.text.push('\n');
            }
            continue;
        }
        if let Some(language) = line.strip_prefix("```") {
            block = Some(Block {
                language: language.trim().to_string(),
                text: String::new(),
            });
            continue;
        }
        if line.starts_with('#') {
            current = line
                .strip_prefix("### `")
                .and_then(|rest| rest.strip_suffix('`'))
                .filter(|code| code.starts_with("pledge::"))
                .map(str::to_string);
            if let Some(code) = &current {
                headings.push(code.clone());
                sections.entry(code.clone()).or_default();
            }
            continue;
        }
        if let Some(code) = &current {
            let section = sections.get_mut(code).unwrap();
            section.prose.push_str(line);
            section.prose.push('\n');
        }
    }
    assert!(
        block.is_none(),
        "{CATALOGUE}: a fenced block is never closed"
    );
    (sections, headings)
}

#[test]
fn every_code_is_documented_and_every_documented_code_exists() {
    let in_source = source_codes();
    let (sections, headings) = catalogue();
    assert!(
        in_source.len() > 40,
        "only {} codes found in src/",
        in_source.len()
    );
    let documented: BTreeSet<String> = sections.keys().cloned().collect();
    let missing: Vec<&String> = in_source.difference(&documented).collect();
    let stale: Vec<&String> = documented.difference(&in_source).collect();
    assert!(
        missing.is_empty(),
        "codes with no section in {CATALOGUE} (add a heading \"### `code`\", a sentence and an example): {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "sections of {CATALOGUE} for codes that no longer exist in src/: {stale:?}"
    );
    let mut seen = BTreeSet::new();
    for heading in &headings {
        assert!(seen.insert(heading), "{CATALOGUE} lists `{heading}` twice");
    }
}

#[test]
fn every_section_explains_and_shows_an_example() {
    let (sections, _) = catalogue();
    for (code, section) in &sections {
        let words = section.prose.split_whitespace().count();
        assert!(
            words >= 10,
            "the section of `{code}` needs a sentence saying what it means and what to do"
        );
        assert!(
            !section.blocks.is_empty(),
            "the section of `{code}` has no example"
        );
        let rule_file_code = ["pledge::syntax::", "pledge::check::", "pledge::load::"]
            .iter()
            .any(|family| code.starts_with(family));
        // These depend on the files and folders named on the command line.
        let command_line_only = [
            "pledge::load::unreadable",
            "pledge::load::base_outside",
            "pledge::load::dataset_outside",
        ]
        .contains(&code.as_str());
        if rule_file_code && !command_line_only && !NOT_PRODUCED_AT_PRESENT.contains(&code.as_str())
        {
            assert!(
                section.blocks.iter().any(|b| b.language == "pledge"),
                "the section of `{code}` needs a ```pledge example that produces it"
            );
        }
    }
}

#[test]
fn exit_codes_are_documented() {
    let text = std::fs::read_to_string(CATALOGUE).unwrap();
    let section = text
        .split("## Exit codes")
        .nth(1)
        .expect("a section \"## Exit codes\"");
    let section = section.split("\n## ").next().unwrap_or(section);
    for code in ["`0`", "`1`", "`2`"] {
        assert!(
            section.contains(code),
            "the exit code {code} is not documented"
        );
    }
}

/// The schema of the bundled `sample` dataset, which the examples are checked against.
fn sample_schema() -> Manifest {
    sample_dataset().manifest
}

fn sample_dataset() -> pledge::data::Dataset {
    pledge_dataset("sample")
}

fn pledge_dataset(name: &str) -> pledge::data::Dataset {
    let source = pledge::data::bundled::source(name).expect("the dataset is bundled");
    pledge::data::load(&source).expect("the bundled dataset loads")
}

/// A fresh folder for one example's files.
fn scratch_dir(index: usize) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "pledge-errors-catalogue-{}-{index}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes the ```pledge blocks of a section as files; returns the file to check.
fn write_example(dir: &Path, blocks: &[&Block]) -> PathBuf {
    let mut main = None;
    for block in blocks {
        let first_line = block.text.lines().next().unwrap_or("");
        let name = first_line
            .strip_prefix("// file:")
            .map(|name| name.trim().to_string())
            .unwrap_or_else(|| "example.pledge".to_string());
        let path = dir.join(&name);
        std::fs::write(&path, &block.text).unwrap();
        main.get_or_insert(path);
    }
    main.expect("at least one block")
}

fn read(path: &Path) -> std::io::Result<String> {
    std::fs::read_to_string(path)
}

fn codes(problems: &[Problem]) -> Vec<String> {
    problems.iter().map(Problem::code).collect()
}

#[test]
fn every_rule_file_example_produces_its_code() {
    let schema = sample_schema();
    let (sections, _) = catalogue();
    let mut checked = 0;
    for (index, (code, section)) in sections.iter().enumerate() {
        let rule_file_code = ["pledge::syntax::", "pledge::check::", "pledge::load::"]
            .iter()
            .any(|family| code.starts_with(family));
        let blocks: Vec<&Block> = section
            .blocks
            .iter()
            .filter(|b| b.language == "pledge")
            .collect();
        if !rule_file_code || blocks.is_empty() {
            continue;
        }
        let dir = scratch_dir(index);
        let main = write_example(&dir, &blocks);
        // An example may name the bundled dataset it is checked against
        // with a line `// pledge check --data NAME`.
        let named = blocks.iter().find_map(|b| {
            b.text
                .lines()
                .find_map(|l| l.trim().strip_prefix("// pledge check --data "))
                .map(|name| pledge_dataset(name.trim()).manifest)
        });
        let problems = match pledge::workspace::load(&main, &read)
            .map_err(pledge::workspace::LoadFailure::into_problems)
        {
            Ok(workspace) => {
                pledge::check::check(&workspace, Some(named.as_ref().unwrap_or(&schema)))
                    .into_problems(&workspace.sources)
                    .1
            }
            Err(problems) => problems,
        };
        let produced = codes(&problems);
        let _ = std::fs::remove_dir_all(&dir);
        assert!(
            produced.contains(code),
            "the example of `{code}` in {CATALOGUE} produces {produced:?} instead:\n{}",
            render_all(&problems, ErrorFormat::Human, false)
        );
        checked += 1;
    }
    assert!(checked > 30, "only {checked} examples were checked");
}

#[test]
fn every_evaluation_example_produces_its_code() {
    let dataset = sample_dataset();
    let (sections, _) = catalogue();
    for (index, (code, section)) in sections.iter().enumerate() {
        let blocks: Vec<&Block> = section
            .blocks
            .iter()
            .filter(|b| b.language == "pledge")
            .collect();
        if !code.starts_with("pledge::eval::") || blocks.is_empty() {
            continue;
        }
        let dir = scratch_dir(1000 + index);
        let main = write_example(&dir, &blocks);
        let workspace = pledge::workspace::load(&main, &read)
            .map_err(pledge::workspace::LoadFailure::into_problems)
            .unwrap_or_else(|problems| {
                panic!(
                    "the example of `{code}` does not load:\n{}",
                    render_all(&problems, ErrorFormat::Human, false)
                )
            });
        let (checked, problems) = pledge::check::check(&workspace, Some(&dataset.manifest))
            .into_problems(&workspace.sources);
        let checked = checked.unwrap_or_else(|| {
            panic!(
                "the example of `{code}` must check without errors to reach evaluation:\n{}",
                render_all(&problems, ErrorFormat::Human, false)
            )
        });
        let options = pledge::eval::Options::default();
        let result = pledge::eval::evaluate(&checked, &dataset, &workspace.sources, &options)
            .map_err(|errors| pledge::eval::into_problems(errors, &workspace.sources));
        let _ = std::fs::remove_dir_all(&dir);
        let produced = match &result {
            Ok(_) => Vec::new(),
            Err(problems) => codes(problems),
        };
        assert!(
            produced.contains(code),
            "the example of `{code}` in {CATALOGUE} produces {produced:?} when evaluated on the sample data"
        );
    }
}
