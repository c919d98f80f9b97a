//! Every rule file in `rules/` is a test: it checks with no errors and no
//! warnings against its dataset (its `meta dataset`, else the bundled NATO
//! data), and its outcome table on that dataset is a reviewed snapshot, so a
//! redraft that changes any outcome shows up as a diff.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::{Path, PathBuf};

use common::captured;
use pledge::cli::{prepare, DataArgs, Output, Prepared};
use pledge::diagnostics::ErrorFormat;
use pledge::report::Style;

/// A rule file of the library, loaded and checked against its dataset, as
/// `pledge` does: its path from the package root, and what was printed.
fn prepared(path: &Path) -> (PathBuf, Prepared, Output) {
    let relative = path
        .strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap()
        .to_path_buf();
    let mut out = captured(ErrorFormat::Plain);
    let args = DataArgs {
        data: None,
        sets: Vec::new(),
    };
    let prepared = prepare(&relative, &args, &mut out)
        .unwrap_or_else(|| panic!("{} does not check:\n{}", relative.display(), out.stderr));
    (relative, prepared, out)
}

#[test]
fn outcome_of_every_rule_file() {
    insta::glob!("../rules", "**/*.pledge", |path| {
        let (relative, prepared, out) = prepared(path);
        assert!(
            out.stderr.is_empty(),
            "{} has warnings:\n{}",
            relative.display(),
            out.stderr
        );
        let outcomes = pledge::eval::evaluate(
            &prepared.checked,
            &prepared.dataset,
            &prepared.workspace.sources,
            &pledge::eval::Options::default(),
        )
        .unwrap_or_else(|problems| panic!("{}: {problems:?}", relative.display()));
        let mut text = String::new();
        for outcome in &outcomes {
            text.push_str(&pledge::report::table(
                outcome,
                &prepared.dataset,
                Style::default(),
                false,
            ));
        }
        insta::assert_snapshot!(text);
    });
}

/// Evaluation keeps per-item decisions only for the categories whose
/// decisions it reads (`within` parents, `counted in` targets, categories
/// added together); every total of every rule file in `rules/` is the one
/// an engine keeping every decision gives.
#[test]
fn totals_do_not_depend_on_which_decisions_are_kept() {
    insta::glob!("../rules", "**/*.pledge", |path| {
        let (relative, prepared, _) = prepared(path);
        let data = &prepared.dataset;
        let outcomes = pledge::eval::evaluate(
            &prepared.checked,
            data,
            &prepared.workspace.sources,
            &pledge::eval::Options::default(),
        )
        .unwrap();
        let mut compared = 0;
        for (index, outcome) in outcomes.iter().enumerate() {
            let engine =
                pledge::eval::engine::Engine::for_pledge(&prepared.checked, index, data).unwrap();
            for (id, category) in engine.program.categories_by_id() {
                for total in outcome.totals.iter().filter(|t| t.category == category.id) {
                    let country = data.country_index(&total.country).unwrap();
                    let state = engine.state(country, total.year);
                    let kept = state.category(id).unwrap();
                    let has_items = !state.items.is_empty();
                    let what = format!(
                        "{}: {} {} {}",
                        relative.display(),
                        total.category,
                        total.country,
                        total.year
                    );
                    assert_eq!(
                        total.counted,
                        kept.counted.clone().ok().filter(|_| has_items),
                        "{what}"
                    );
                    assert_eq!(total.items_counted, kept.items_counted, "{what}");
                    if has_items {
                        assert_eq!(total.excluded, Some(kept.excluded), "{what}");
                        assert_eq!(total.not_credited, Some(kept.not_credited), "{what}");
                    }
                    compared += 1;
                }
            }
        }
        assert!(compared > 0, "{}: no totals", relative.display());
    });
}
