//! `pledge test`, run in-process on temporary copies of the rule files in
//! `tests/data/pledge_test/`: examples, outcome snapshots, the diff shown
//! when a clause changes, and `--update`. Each test works in its own folder
//! under the system's temporary folder, removed at the end. In the
//! snapshots, that folder is written `[tmp]` and the stamp's hashes `[hash]`.

// Panicking is how a test fails; the no-panic rule is for the library.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use common::captured;
use pledge::cli::test::{run, TestArgs};
use pledge::diagnostics::ErrorFormat;

const FIXTURES: &str = "tests/data/pledge_test";

/// A folder of its own for one test, removed when the test ends.
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("pledge-test-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("snapshots")).unwrap();
        Scratch { dir }
    }

    /// Copies a fixture (a path under `tests/data/pledge_test/`) to the same
    /// place in the scratch folder.
    fn copy(&self, fixture: &str) -> PathBuf {
        let target = self.dir.join(fixture);
        std::fs::copy(Path::new(FIXTURES).join(fixture), &target).unwrap();
        target
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

struct Run {
    code: ExitCode,
    stderr: String,
}

impl Run {
    fn passed(&self) -> bool {
        self.code == ExitCode::SUCCESS
    }
}

/// `pledge test PATH [--update]`, without colour.
fn pledge_test(path: &Path, update: bool) -> Run {
    let mut out = captured(ErrorFormat::Human);
    let args = TestArgs {
        paths: vec![path.to_path_buf()],
        update,
        data: None,
    };
    let code = run(&args, &mut out);
    assert_eq!(out.stdout, "", "`pledge test` prints everything to stderr");
    Run {
        code,
        stderr: out.stderr,
    }
}

/// The output with the scratch folder written `[tmp]` and the stamp's
/// hashes written `[hash]`.
fn redacted(text: &str, scratch: &Scratch) -> String {
    let text = text.replace(&scratch.dir.display().to_string(), "[tmp]");
    text.lines()
        .map(|line| match line.find("stamp: pledge ") {
            Some(_) => line
                .split(" · ")
                .map(|part| match part.split_once(' ') {
                    Some((label @ ("rules" | "data"), _)) => format!("{label} [hash]"),
                    _ => part.to_string(),
                })
                .collect::<Vec<_>>()
                .join(" · "),
            None => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn a_changed_clause_fails_with_a_diff_until_it_is_accepted() {
    let scratch = Scratch::new("changed-clause");
    let rules = scratch.copy("hague-sample.pledge");
    let snapshot = scratch.copy("snapshots/hague-sample.outcome");
    let pending = scratch.path("snapshots/hague-sample.outcome.new");

    // The copy and its snapshot agree: the check, the example and the snapshot pass.
    let run = pledge_test(&scratch.dir, false);
    assert!(run.passed(), "{}", run.stderr);
    assert!(
        run.stderr.ends_with("\n3 passed, 0 failed\n"),
        "{}",
        run.stderr
    );
    assert!(run
        .stderr
        .contains("ok   example \"half of dual-use transport counts in related spending\""));

    // A comment changes the stamp but no outcome: a note, and still a pass.
    let text = read(&rules);
    std::fs::write(&rules, format!("// A comment.\n{text}")).unwrap();
    let run = pledge_test(&scratch.dir, false);
    assert!(run.passed(), "{}", run.stderr);
    assert!(
        run.stderr.contains("stamp changed, outcomes unchanged"),
        "{}",
        run.stderr
    );
    std::fs::write(&rules, &text).unwrap();

    // A cap of 1% instead of 1.5%: the outcomes that move are shown, and the
    // new version waits next to the snapshot.
    let before = read(&snapshot);
    let changed = text.replace("param related_cap = 1.5%", "param related_cap = 1%");
    assert_ne!(changed, text);
    std::fs::write(&rules, &changed).unwrap();
    let run = pledge_test(&scratch.dir, false);
    assert!(!run.passed());
    assert!(run.stderr.contains("pledge::test::outcome_changed"));
    assert!(
        run.stderr.ends_with("\n2 passed, 1 failed\n"),
        "{}",
        run.stderr
    );
    insta::assert_snapshot!("changed_clause", redacted(&run.stderr, &scratch));
    assert_eq!(
        read(&snapshot),
        before,
        "the snapshot is kept until accepted"
    );
    let proposed = read(&pending);
    assert!(proposed.contains("rule file: hague-sample.pledge"));

    // `--update` accepts the change; then the test passes again.
    let run = pledge_test(&scratch.dir, true);
    assert!(run.passed(), "{}", run.stderr);
    assert!(run.stderr.contains("(updated)"), "{}", run.stderr);
    assert!(!pending.exists());
    assert_eq!(read(&snapshot), proposed);
    let run = pledge_test(&scratch.dir, false);
    assert!(run.passed(), "{}", run.stderr);
    assert!(!run.stderr.contains("note"), "{}", run.stderr);
}

#[test]
fn a_missing_snapshot_is_proposed_and_fails_until_accepted() {
    let scratch = Scratch::new("new-snapshot");
    scratch.copy("hague-sample.pledge");
    let snapshot = scratch.path("snapshots/hague-sample.outcome");
    let pending = scratch.path("snapshots/hague-sample.outcome.new");

    let run = pledge_test(&scratch.dir, false);
    assert!(!run.passed());
    assert!(
        run.stderr.contains("pledge::test::new_snapshot"),
        "{}",
        run.stderr
    );
    let words = run.stderr.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains("so there is nothing to compare its outcomes with yet"));
    assert!(words.contains("`pledge test --update`"));
    assert!(!snapshot.exists());
    // Apart from the stamp, what is proposed is the reviewed snapshot of the fixture.
    let expected = read(&Path::new(FIXTURES).join("snapshots/hague-sample.outcome"));
    let without_stamp = |text: &str| {
        text.lines()
            .filter(|line| !line.starts_with("stamp: "))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(without_stamp(&read(&pending)), without_stamp(&expected));

    let run = pledge_test(&scratch.dir, true);
    assert!(run.passed(), "{}", run.stderr);
    assert!(run.stderr.contains("(written)"));
    assert!(snapshot.exists());
    assert!(!pending.exists());
}

#[test]
fn an_expectation_that_does_not_hold_is_reported_where_it_is_written() {
    let scratch = Scratch::new("failing-example");
    scratch.copy("failing-example.pledge");
    // `--update` writes the snapshot, so only the example fails.
    let run = pledge_test(&scratch.dir, true);
    assert!(!run.passed());
    assert!(
        run.stderr.ends_with("\n2 passed, 1 failed\n"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("pledge::test::expectation_failed"));
    assert!(run.stderr.contains("pledge::test::no_value"));
    insta::assert_snapshot!("failing_example", redacted(&run.stderr, &scratch));
}

#[test]
fn a_file_named_directly_uses_the_snapshots_of_its_folder() {
    let scratch = Scratch::new("named-file");
    let rules = scratch.copy("hague-sample.pledge");
    scratch.copy("snapshots/hague-sample.outcome");
    let run = pledge_test(&rules, false);
    assert!(run.passed(), "{}", run.stderr);
    let shown = redacted(&run.stderr, &scratch);
    assert!(
        shown.contains("ok   snapshot [tmp]/snapshots/hague-sample.outcome\n"),
        "{shown}"
    );
}

#[test]
fn a_folder_without_rule_files_fails() {
    let scratch = Scratch::new("empty");
    let run = pledge_test(&scratch.dir, false);
    assert!(!run.passed());
    assert!(
        run.stderr.contains("pledge::test::no_rule_files"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.ends_with("\n0 passed, 1 failed\n"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_example_that_counts_an_item_twice_fails() {
    let scratch = Scratch::new("double-counting-example");
    scratch.copy("double-counting-example.pledge");
    let run = pledge_test(&scratch.dir, true);
    assert!(!run.passed());
    assert!(
        run.stderr.contains("pledge::check::overlap"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("pledge::eval::double_counted"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("FAIL example \"a rail line that is both\""),
        "{}",
        run.stderr
    );
}

#[test]
fn a_snapshot_without_its_rule_file_fails_until_removed() {
    let scratch = Scratch::new("stale-snapshot");
    scratch.copy("hague-sample.pledge");
    scratch.copy("snapshots/hague-sample.outcome");
    std::fs::write(
        scratch.path("snapshots/old-draft.outcome"),
        "outcomes of a removed draft\n",
    )
    .unwrap();
    let run = pledge_test(&scratch.dir, false);
    assert!(!run.passed());
    assert!(
        run.stderr.contains("pledge::test::stale_snapshot"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("old-draft.outcome"), "{}", run.stderr);
    let run = pledge_test(&scratch.dir, true);
    assert!(run.passed(), "{}", run.stderr);
    assert!(!scratch.path("snapshots/old-draft.outcome").exists());
    assert!(pledge_test(&scratch.dir, false).passed());
}
