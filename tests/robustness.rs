//! Property tests: arbitrary text and mutations of real rule files never make
//! the parser, the checker, the formatter or the evaluator panic; every input
//! ends in a result or in diagnostics. The random generator is seeded, so
//! every run tries the same cases.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use pledge::data::Dataset;

fn runner(cases: u32) -> TestRunner {
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
}

fn sample() -> Dataset {
    pledge::data::load(&pledge::data::bundled::source("sample").unwrap()).unwrap()
}

/// Parses, checks, formats and (when it checks) evaluates one text.
fn exercise(text: &str, data: &Dataset) {
    let path = PathBuf::from("fuzz/input.pledge");
    let reader = |p: &Path| {
        if p == path {
            Ok(text.to_string())
        } else {
            Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no such file",
            ))
        }
    };
    if let Ok(parsed) = pledge::parse::parse(text, pledge::source::FileId(0)) {
        let formatted = pledge::print::format(&parsed, text);
        let reparsed = pledge::parse::parse(&formatted, pledge::source::FileId(0))
            .expect("formatted output parses");
        assert_eq!(pledge::print::tree(&reparsed), pledge::print::tree(&parsed));
        assert_eq!(pledge::print::format(&reparsed, &formatted), formatted);
    }
    match pledge::workspace::load(&path, &reader)
        .map_err(pledge::workspace::LoadFailure::into_problems)
    {
        Ok(workspace) => {
            let (checked, problems) = pledge::check::check(&workspace, Some(&data.manifest))
                .into_problems(&workspace.sources);
            for problem in &problems {
                let _ = problem.render(pledge::diagnostics::ErrorFormat::Human, false);
            }
            if let Some(checked) = checked {
                let options = pledge::eval::Options {
                    years: Some((2034, 2035)),
                    countries: Vec::new(),
                };
                let _ = pledge::eval::evaluate(&checked, data, &workspace.sources, &options);
            }
        }
        Err(problems) => {
            for problem in &problems {
                let _ = problem.render(pledge::diagnostics::ErrorFormat::Plain, false);
            }
        }
    }
}

const TOKENS: &[&str] = &[
    "pledge",
    "\"P\"",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ",",
    ":",
    "=",
    "param",
    "category",
    "include",
    "exclude",
    "counted",
    "in",
    "cap",
    "require",
    "from",
    "until",
    "on",
    "path",
    "to",
    "by",
    "for",
    "amend",
    "replace",
    "within",
    "example",
    "expect",
    "item",
    "indicator",
    "country",
    "year",
    "tag",
    "and",
    "or",
    "not",
    "of",
    "at",
    "+",
    "-",
    "*",
    "/",
    ">=",
    "<=",
    "==",
    "!=",
    "<",
    ">",
    "3.5%",
    "50%",
    "2035",
    "0",
    "1e9",
    "99999999999999999999999999999999",
    "core",
    "related",
    "gdp",
    "nato_category",
    "function",
    "equipment",
    "min(",
    "max(",
    "round(",
    "money(",
    "alliance(",
    "count(",
    "//c\n",
    "/*",
    "*/",
    "\"",
    "\n",
    " ",
    "ESP",
    "met",
    "no_data",
    "dual_use",
    "extends",
    "\"../x.pledge\"",
];

#[test]
fn arbitrary_text_never_panics() {
    let data = sample();
    runner(400)
        .run(&".{0,200}", |text| {
            exercise(&text, &data);
            Ok(())
        })
        .unwrap();
}

#[test]
fn token_soup_never_panics() {
    let data = sample();
    let strategy =
        prop::collection::vec(prop::sample::select(TOKENS), 0..60).prop_map(|t| t.join(" "));
    runner(600)
        .run(&strategy, |text| {
            exercise(&text, &data);
            Ok(())
        })
        .unwrap();
}

#[test]
fn mutated_rule_files_never_panic() {
    let data = sample();
    let mut files = vec![
        std::fs::read_to_string("rules/hague-2025.pledge").unwrap(),
        std::fs::read_to_string("rules/wales-2014.pledge").unwrap(),
    ];
    files.retain(|f| !f.is_empty());
    let strategy = (
        0..files.len(),
        prop::collection::vec(
            (
                any::<prop::sample::Index>(),
                0usize..3,
                prop::sample::select(TOKENS),
            ),
            1..6,
        ),
    );
    runner(500)
        .run(&strategy, |(which, edits)| {
            let mut text = files[which].clone();
            for (index, kind, token) in edits {
                if text.is_empty() {
                    break;
                }
                let mut at = index.index(text.len());
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                match kind {
                    0 => text.insert_str(at, token),
                    1 => {
                        let mut end = (at + token.len()).min(text.len());
                        while !text.is_char_boundary(end) {
                            end -= 1;
                        }
                        text.replace_range(at..end, "");
                    }
                    _ => {
                        let mut end = (at + 1).min(text.len());
                        while !text.is_char_boundary(end) {
                            end += 1;
                        }
                        text.replace_range(at..end, token);
                    }
                }
            }
            exercise(&text, &data);
            Ok(())
        })
        .unwrap();
}

#[test]
fn hostile_nesting_is_an_error_not_a_crash() {
    let data = sample();
    for text in [
        format!(
            "pledge \"x\" {{ require r: {}core{} >= 1% of gdp }}",
            "(".repeat(10_000),
            ")".repeat(10_000)
        ),
        format!(
            "pledge \"x\" {{ category c {{ include {}tag dual_use }} }}",
            "not ".repeat(50_000)
        ),
        format!(
            "pledge \"x\" {{ require r: core >= {}1 }}",
            "- ".repeat(50_000)
        ),
        format!("pledge \"x\" {{ param p = {}1 }}", "1 + ".repeat(20_000)),
        "pledge \"x\" { param p = 123456789012345678901234567890123% }".to_string(),
    ] {
        exercise(&text, &data);
        let error = pledge::parse::parse(&text, pledge::source::FileId(0)).unwrap_err();
        assert!(error.to_string().len() < 200, "{error}");
    }
}
