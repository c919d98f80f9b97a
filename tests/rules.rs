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

use pledge::cli::{prepare, DataArgs, Output};
use pledge::diagnostics::ErrorFormat;
use pledge::report::Style;

#[test]
fn outcome_of_every_rule_file() {
    insta::glob!("../rules", "**/*.pledge", |path| {
        let relative = path
            .strip_prefix(env!("CARGO_MANIFEST_DIR"))
            .unwrap()
            .to_path_buf();
        let mut out = Output {
            error_format: ErrorFormat::Plain,
            colour: false,
            stdout: String::new(),
            stderr: String::new(),
        };
        let args = DataArgs {
            data: None,
            sets: Vec::new(),
        };
        let prepared = prepare(&relative, &args, &mut out)
            .unwrap_or_else(|| panic!("{} does not check:\n{}", relative.display(), out.stderr));
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
