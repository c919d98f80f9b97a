//! Regression tests for hostile input: every case found by the first fuzz
//! run, and every crash found by `tests/fuzz.rs`, asserting the behaviour
//! wanted: a coded diagnostic and a
//! proper exit code, never a panic (exit 101), a hang or a blow-up.
//!
//! Each test runs the `pledge` binary as a separate process, under a memory
//! bound (`ulimit -v`) and a generous time bound (the process is killed when
//! it is exceeded), so that a regression fails the test instead of the
//! machine. The bounds on time are guards against a blow-up (a cost that
//! grows with the square of the rule file), about ten times what a debug
//! build takes; speed itself is measured by `cargo bench`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PLEDGE: &str = env!("CARGO_BIN_EXE_pledge");
/// Bytes of each output stream kept; the rest is read and counted.
const KEEP: usize = 1 << 20;
/// Virtual memory bound of each run, in KiB (4 GiB).
const MEMORY_KIB: u64 = 4 << 20;

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    stderr_len: usize,
    elapsed: Duration,
    timed_out: bool,
}

impl Run {
    /// No panic, no hang, no abort, no exit code 101.
    fn assert_sound(&self) {
        assert!(!self.timed_out, "timed out after {:?}", self.elapsed);
        assert_ne!(self.code, Some(101), "panicked:\n{}", self.stderr);
        assert!(self.code.is_some(), "killed by a signal:\n{}", self.stderr);
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
        assert!(
            !self.stderr.contains("memory allocation"),
            "{}",
            self.stderr
        );
        assert!(!self.stderr.contains("out of memory"), "{}", self.stderr);
    }

    /// Sound, exit code 1 and a diagnostic with a code `pledge::...`.
    fn assert_coded_error(&self) {
        self.assert_sound();
        assert_eq!(self.code, Some(1), "stderr:\n{}", self.stderr);
        assert!(
            self.stderr.contains("pledge::"),
            "no code in:\n{}",
            self.stderr
        );
    }

    fn assert_code(&self, code: &str) {
        self.assert_coded_error();
        assert!(
            self.stderr.contains(code),
            "no `{code}` in:\n{}",
            self.stderr
        );
    }
}

fn drain(mut from: impl Read + Send + 'static) -> std::thread::JoinHandle<(String, usize)> {
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut total = 0;
        let mut buffer = [0u8; 65536];
        while let Ok(n) = from.read(&mut buffer) {
            if n == 0 {
                break;
            }
            total += n;
            if kept.len() < KEEP {
                kept.extend_from_slice(&buffer[..n.min(KEEP - kept.len())]);
            }
        }
        (String::from_utf8_lossy(&kept).into_owned(), total)
    })
}

/// Runs `pledge ARGS` in `dir` with at most `limit` of wall time.
fn pledge_in(dir: &Path, args: &[&str], limit: Duration) -> Run {
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(format!("ulimit -v {MEMORY_KIB}; exec \"$0\" \"$@\""))
        .arg(PLEDGE)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("PLEDGE_HOSTILE_MARKER", "hostile-marker-5f3a9c");
    run(command, limit)
}

fn run(mut command: Command, limit: Duration) -> Run {
    let start = Instant::now();
    let mut child = command.spawn().expect("spawn pledge");
    let out = child.stdout.take().map(drain);
    let err = child.stderr.take().map(drain);
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > limit {
            timed_out = true;
            let _ = child.kill();
            break child.wait().expect("wait");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let elapsed = start.elapsed();
    let (stdout, _) = out.map(|h| h.join().unwrap()).unwrap_or_default();
    let (stderr, stderr_len) = err.map(|h| h.join().unwrap()).unwrap_or_default();
    Run {
        code: status.code(),
        stdout,
        stderr,
        stderr_len,
        elapsed,
        timed_out,
    }
}

fn pledge(args: &[&str]) -> Run {
    pledge_in(Path::new(env!("CARGO_MANIFEST_DIR")), args, SHORT)
}

const SHORT: Duration = Duration::from_secs(20);

/// A fresh empty folder for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("hostile")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A copy of the bundled sample dataset in `dir/data`.
fn sample_copy(dir: &Path) -> PathBuf {
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    for file in ["dataset.json", "line_items.csv", "indicators.csv"] {
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("data/sample")
                .join(file),
            data.join(file),
        )
        .unwrap();
    }
    data
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "`{from}` not in {}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

const RULES: &str = "pledge \"T\" {
  category core \"Core\" {
    include nato_category in [equipment, personnel, infrastructure, other]
  }
  require floor: core >= 2% of gdp
}
";

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

// ---------------------------------------------------------------------------
// Long lines, byte-order marks, line endings

#[test]
fn an_error_far_along_a_very_long_line_does_not_panic() {
    let dir = scratch("long-line");
    for filler in ["a".repeat(100_000), "\u{e9}".repeat(100_000)] {
        let line =
            format!("pledge \"T\" {{ source \"{filler}\" require r: unknown >= 1% of gdp }}\n");
        let file = write(&dir, "long.pledge", &line);
        let run = pledge(&["check", &file, "--data", "sample"]);
        run.assert_coded_error();
        assert!(
            run.stderr_len < 10_000,
            "{} bytes of diagnostics",
            run.stderr_len
        );
    }
    let tabs = format!(
        "pledge \"T\" {{ require r: core >= 1% of gdp {} @ }}\n",
        "\t".repeat(100_000)
    );
    let file = write(&dir, "tabs.pledge", &tabs);
    pledge(&["check", &file]).assert_code("pledge::syntax");
}

#[test]
fn a_100_kb_line_is_not_printed_whole() {
    let dir = scratch("100kb-line");
    let text = format!(
        "pledge \"T\" {{\n  source \"{}\"\n  require r: nothing >= 1% of gdp\n}}\n",
        "a".repeat(100_000)
    );
    let file = write(&dir, "wide.pledge", &text);
    let wide = format!(
        "pledge \"T\" {{ source \"{}\" require r: nothing >= 1% of gdp }}\n",
        "a".repeat(100_000)
    );
    let wide_file = write(&dir, "wide-one-line.pledge", &wide);
    for file in [file, wide_file] {
        let run = pledge(&["check", &file, "--data", "sample"]);
        run.assert_coded_error();
        assert!(
            run.stderr_len < 10_000,
            "{} bytes of diagnostics",
            run.stderr_len
        );
    }
}

#[test]
fn a_byte_order_mark_is_accepted() {
    let dir = scratch("bom");
    let file = write(&dir, "bom.pledge", &format!("\u{feff}{RULES}"));
    let run = pledge(&["check", &file, "--data", "sample"]);
    run.assert_sound();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
}

#[test]
fn crlf_line_endings_are_accepted() {
    let dir = scratch("crlf");
    let file = write(&dir, "crlf.pledge", &RULES.replace('\n', "\r\n"));
    let run = pledge(&["check", &file, "--data", "sample"]);
    run.assert_sound();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
}

// ---------------------------------------------------------------------------
// Closed pipes and full disks

fn closed_stdout(args: &[&str]) -> Run {
    let mut command = Command::new(PLEDGE);
    command
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = command.spawn().unwrap();
    // The reader goes away before anything is written.
    drop(child.stdout.take());
    let err = child.stderr.take().map(drain);
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > SHORT {
            timed_out = true;
            let _ = child.kill();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let (stderr, stderr_len) = err.map(|h| h.join().unwrap()).unwrap_or_default();
    Run {
        code: status.code(),
        stdout: String::new(),
        stderr,
        stderr_len,
        elapsed: start.elapsed(),
        timed_out,
    }
}

#[test]
fn eval_into_a_closed_pipe_exits_quietly() {
    let run = closed_stdout(&["eval", "rules/hague-2025.pledge", "--data", "sample"]);
    run.assert_sound();
    assert!(
        run.stderr.is_empty() || !run.stderr.contains("Broken pipe"),
        "{}",
        run.stderr
    );
}

#[test]
fn compare_into_a_closed_pipe_exits_quietly() {
    let run = closed_stdout(&[
        "compare",
        "rules/hague-2025.pledge",
        "rules/alternatives/broad-related.pledge",
        "--data",
        "sample",
    ]);
    run.assert_sound();
}

#[test]
fn every_command_and_format_into_a_closed_pipe_exits_quietly() {
    let dir = scratch("closed-pipe-all");
    let report = dir.join("report.html").display().to_string();
    let hague = "rules/hague-2025.pledge";
    let broad = "rules/alternatives/broad-related.pledge";
    let data = ["--data", "sample"];
    let mut runs: Vec<Vec<&str>> = Vec::new();
    for format in ["table", "json", "csv", "markdown"] {
        runs.push([&["eval", hague][..], &data, &["--format", format]].concat());
        runs.push([&["compare", hague, broad][..], &data, &["--format", format]].concat());
        runs.push(
            [
                &["sweep", hague][..],
                &data,
                &["--param", "core_floor=3%..4%:0.5%", "--format", format],
            ]
            .concat(),
        );
        runs.push([&["distance", hague][..], &data, &["--format", format]].concat());
    }
    for format in ["text", "json"] {
        runs.push(
            [
                &["explain", hague][..],
                &data,
                &["--country", "XNA", "--year", "2030", "--format", format],
            ]
            .concat(),
        );
    }
    runs.push([&["compare", hague, broad][..], &data, &["--why", "XSA"]].concat());
    runs.push([&["check", hague][..], &data].concat());
    runs.push(vec!["test", "rules"]);
    runs.push(vec!["fmt", "--check", hague]);
    runs.push(vec!["ast", hague]);
    runs.push([&["report", hague][..], &data, &["-o", &report]].concat());
    for args in runs {
        let run = closed_stdout(&args);
        run.assert_sound();
        assert_eq!(run.code, Some(0), "{args:?}:\n{}", run.stderr);
        assert!(
            !run.stderr.contains("Broken pipe"),
            "{args:?}:\n{}",
            run.stderr
        );
    }
}

fn to_dev_full(args: &[&str], stderr_too: bool) -> Run {
    let redirect = if stderr_too {
        ">/dev/full 2>/dev/full"
    } else {
        ">/dev/full"
    };
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(format!("\"$0\" \"$@\" {redirect}; echo \"exit=$?\" >&2"))
        .arg(PLEDGE)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut run = run(command, SHORT);
    run.code = run
        .stderr
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("exit="))
        .and_then(|c| c.trim().parse().ok());
    run
}

#[test]
fn eval_onto_a_full_disk_is_an_error() {
    let run = to_dev_full(
        &["eval", "rules/hague-2025.pledge", "--data", "sample"],
        false,
    );
    run.assert_coded_error();
}

#[test]
fn diagnostics_onto_a_full_disk_do_not_panic() {
    let run = to_dev_full(
        &[
            "check",
            "tests/data/cli/unknown-category.pledge",
            "--data",
            "sample",
        ],
        true,
    );
    run.assert_sound();
    assert_eq!(run.code, Some(1));
}

// ---------------------------------------------------------------------------
// Files outside the draft

#[test]
fn extends_cannot_read_the_process_environment() {
    let dir = scratch("extends-environ");
    let file = write(
        &dir,
        "draft.pledge",
        "pledge \"D\" extends \"/proc/self/environ\" {\n}\n",
    );
    let run = pledge(&["check", &file]);
    run.assert_coded_error();
    assert!(
        !run.stderr.contains("hostile-marker-5f3a9c"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("PATH="), "{}", run.stderr);
}

#[test]
fn extends_is_confined_to_the_draft_folder() {
    let dir = scratch("extends-outside");
    write(&dir, "outside.pledge", RULES);
    let file = write(
        &dir,
        "drafts/draft.pledge",
        "pledge \"D\" extends \"../outside.pledge\" {\n}\n",
    );
    // Run from the drafts' folder: the current folder is allowed too (so that
    // `rules/alternatives/*.pledge` may extend `../hague-2025.pledge` when run
    // from the repository), and the scratch folder lies inside the repository.
    let drafts = dir.join("drafts");
    let run = pledge_in(&drafts, &["check", &file, "--data", "sample"], SHORT);
    run.assert_code("pledge::load::base_outside");
    // A folder allowed on the command line may be read.
    let allowed = dir.display().to_string();
    let run = pledge_in(
        &drafts,
        &["check", &file, "--data", "sample", "--allow-path", &allowed],
        SHORT,
    );
    run.assert_sound();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
}

#[test]
fn extends_needs_a_pledge_file() {
    let dir = scratch("extends-kind");
    write(&dir, "notes.txt", "secret line one\nsecret line two\n");
    let file = write(
        &dir,
        "draft.pledge",
        "pledge \"D\" extends \"notes.txt\" {\n}\n",
    );
    let run = pledge(&["check", &file]);
    run.assert_coded_error();
    assert!(!run.stderr.contains("secret line"), "{}", run.stderr);
}

#[test]
fn meta_dataset_cannot_read_system_files() {
    let dir = scratch("meta-passwd");
    let file = write(
        &dir,
        "draft.pledge",
        &RULES.replace(
            "pledge \"T\" {",
            "pledge \"T\" {\n  meta dataset = \"/etc/passwd\"",
        ),
    );
    let run = pledge(&["eval", &file]);
    run.assert_coded_error();
    assert!(!run.stderr.contains("root:"), "{}", run.stderr);
    assert!(!run.stdout.contains("root:"), "{}", run.stdout);
}

#[test]
fn a_manifest_cannot_name_files_outside_its_folder() {
    let dir = scratch("manifest-outside");
    let data = sample_copy(&dir);
    for items in ["/etc/passwd", "../../../../../../../../etc/passwd"] {
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample/dataset.json"),
            data.join("dataset.json"),
        )
        .unwrap();
        edit(
            &data.join("dataset.json"),
            "\"line_items\": \"line_items.csv\"",
            &format!("\"line_items\": \"{items}\""),
        );
        let run = pledge(&[
            "eval",
            "rules/hague-2025.pledge",
            "--data",
            &data.display().to_string(),
        ]);
        run.assert_coded_error();
        assert!(!run.stderr.contains("root:"), "{}", run.stderr);
    }
}

#[test]
fn a_base_meta_dataset_is_not_used() {
    let dir = scratch("base-meta");
    write(
        &dir,
        "base.pledge",
        &RULES.replace(
            "pledge \"T\" {",
            "pledge \"T\" {\n  meta dataset = \"sample\"",
        ),
    );
    let file = write(
        &dir,
        "draft.pledge",
        "pledge \"D\" extends \"base.pledge\" {\n}\n",
    );
    let run = pledge(&["eval", &file, "--format", "csv"]);
    run.assert_sound();
    // Without `meta dataset` in the draft, the bundled NATO data is used.
    assert!(!run.stdout.contains("XNA"), "{}", run.stdout);
}

// ---------------------------------------------------------------------------
// Special files and links

#[test]
fn dev_zero_as_a_base() {
    let dir = scratch("dev-zero-base");
    let file = write(
        &dir,
        "draft.pledge",
        "pledge \"D\" extends \"/dev/zero\" {\n}\n",
    );
    pledge(&["check", &file]).assert_coded_error();
}

#[test]
fn dev_urandom_as_items() {
    let dir = scratch("dev-urandom-items");
    let data = sample_copy(&dir);
    edit(
        &data.join("dataset.json"),
        "\"line_items\": \"line_items.csv\"",
        "\"line_items\": \"/dev/urandom\"",
    );
    let run = pledge(&[
        "eval",
        "rules/hague-2025.pledge",
        "--data",
        &data.display().to_string(),
    ]);
    run.assert_coded_error();
    assert!(
        !run.stderr.contains('\u{fffd}'),
        "binary shown:\n{}",
        run.stderr
    );
}

#[test]
fn dev_zero_as_a_dataset() {
    pledge(&["eval", "rules/hague-2025.pledge", "--data", "/dev/zero"]).assert_coded_error();
}

#[test]
fn a_fifo_as_a_base() {
    let dir = scratch("fifo-base");
    let status = Command::new("mkfifo")
        .arg(dir.join("base.pledge"))
        .status()
        .unwrap();
    assert!(status.success());
    let file = write(
        &dir,
        "draft.pledge",
        "pledge \"D\" extends \"base.pledge\" {\n}\n",
    );
    pledge(&["check", &file]).assert_coded_error();
}

#[test]
fn links_to_the_same_folder_do_not_explode() {
    let dir = scratch("symlink-loop");
    std::os::unix::fs::symlink(".", dir.join("a")).unwrap();
    std::os::unix::fs::symlink(".", dir.join("b")).unwrap();
    let file = write(
        &dir,
        "x.pledge",
        "pledge \"A\" extends \"a/x.pledge\" {\n}\npledge \"B\" extends \"b/x.pledge\" {\n}\n",
    );
    let run = pledge_in(&dir, &["check", &file], Duration::from_secs(10));
    run.assert_coded_error();
}

// ---------------------------------------------------------------------------
// Command line

#[test]
fn a_huge_year_range_is_refused() {
    let run = pledge(&[
        "eval",
        "rules/hague-2025.pledge",
        "--data",
        "sample",
        "--years=-2147483648..2147483647",
    ]);
    run.assert_sound();
    assert!(matches!(run.code, Some(1 | 2)), "{}", run.stderr);
    assert!(
        run.stderr.contains("pledge::eval::bad_years"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_year_outside_1_to_9999_is_refused() {
    for year in ["0", "10000", "-5", "2147483647"] {
        let run = pledge(&[
            "eval",
            "rules/hague-2025.pledge",
            "--data",
            "sample",
            "--year",
            year,
        ]);
        run.assert_sound();
        assert!(
            matches!(run.code, Some(1 | 2)),
            "--year {year}: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains("pledge::"),
            "--year {year}: {}",
            run.stderr
        );
    }
}

#[test]
fn a_deadline_outside_1_to_9999_is_refused() {
    for year in ["0", "10000", "2147483647"] {
        let run = pledge(&[
            "eval",
            "rules/hague-2025.pledge",
            "--data",
            "sample",
            "--set",
            &format!("deadline={year}"),
        ]);
        run.assert_sound();
        assert_ne!(run.code, Some(0), "--set deadline={year}: {}", run.stdout);
        assert!(
            run.stderr.contains("pledge::"),
            "--set deadline={year}: {}",
            run.stderr
        );
    }
}

#[test]
fn at_year_offsets_at_the_edge_do_not_overflow() {
    let dir = scratch("at-year-edge");
    for offset in ["+ 2147483647", "- 2147483647", "+ 1"] {
        let file = write(
            &dir,
            "edge.pledge",
            &RULES.replace(
                "core >= 2% of gdp",
                &format!("core at year {offset} >= 2% of gdp"),
            ),
        );
        for args in [
            vec!["check", &file, "--data", "sample"],
            vec!["eval", &file, "--data", "sample", "--year", "9999"],
            vec!["eval", &file, "--data", "sample", "--year", "1"],
        ] {
            pledge(&args).assert_sound();
        }
    }
}

#[test]
fn an_at_year_offset_of_i32_min_is_refused() {
    let run = pledge(&[
        "check",
        "tests/data/fuzz/at-year-minus-i32-min.input",
        "--data",
        "sample",
    ]);
    run.assert_coded_error();
}

// ---------------------------------------------------------------------------
// Quadratic costs (the bounds are generous: the test binary is a debug build)

fn many_requirements(n: usize) -> String {
    let mut text = String::from("pledge \"Many\" {\n  category core \"Core\" {\n    include nato_category == equipment\n  }\n");
    for i in 0..n {
        text.push_str(&format!("  require r{i}: core >= {}% of gdp\n", i % 5 + 1));
    }
    text.push_str("}\n");
    text
}

/// `n` categories with one requirement each, or (`identical`) `n` copies of
/// one category added up in a single requirement.
fn many_categories(n: usize, identical: bool) -> String {
    let values = ["equipment", "personnel", "infrastructure", "other"];
    let mut text = String::from("pledge \"Many\" {\n");
    for i in 0..n {
        let value = if identical {
            "equipment"
        } else {
            values[i % 4]
        };
        text.push_str(&format!(
            "  category c{i} \"C{i}\" {{\n    include nato_category == {value}\n  }}\n"
        ));
        if !identical {
            text.push_str(&format!("  require r{i}: c{i} >= 1% of gdp\n"));
        }
    }
    if identical {
        let sum: Vec<String> = (0..n).map(|i| format!("c{i}")).collect();
        text.push_str(&format!(
            "  require all: {} >= 1% of gdp\n",
            sum.join(" + ")
        ));
    }
    text.push_str("}\n");
    text
}

#[test]
fn eight_hundred_requirements_are_fast() {
    let dir = scratch("800-requirements");
    let file = write(&dir, "many.pledge", &many_requirements(800));
    let run = pledge_in(
        &dir,
        &["eval", &file, "--data", "sample", "--format", "csv"],
        Duration::from_secs(60),
    );
    run.assert_sound();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.elapsed < Duration::from_secs(5), "{:?}", run.elapsed);
}

#[test]
fn three_thousand_categories_are_bounded() {
    let dir = scratch("3000-categories");
    let file = write(&dir, "many.pledge", &many_categories(3_000, false));
    let run = pledge_in(
        &dir,
        &["eval", &file, "--data", "sample", "--format", "csv"],
        Duration::from_secs(120),
    );
    run.assert_sound();
    assert!(run.elapsed < Duration::from_secs(20), "{:?}", run.elapsed);
}

#[test]
fn identical_categories_give_few_warnings() {
    let dir = scratch("identical-categories");
    let file = write(&dir, "same.pledge", &many_categories(200, true));
    let run = pledge_in(
        &dir,
        &["check", &file, "--data", "sample"],
        Duration::from_secs(120),
    );
    run.assert_sound();
    let warnings = run.stderr.matches("pledge::check::").count();
    assert!(
        warnings <= 200,
        "{warnings} warnings, {} bytes",
        run.stderr_len
    );
    assert!(
        run.stderr_len < 1_000_000,
        "{} bytes of warnings",
        run.stderr_len
    );
}

#[test]
fn many_diagnostics_in_a_big_file_render_fast() {
    let dir = scratch("many-diagnostics");
    let mut text = String::from("pledge \"T\" {\n");
    for i in 0..20_000 {
        text.push_str(&format!("  require r{i}: unknown{i} >= 1% of gdp\n"));
    }
    text.push_str("}\n");
    let file = write(&dir, "errors.pledge", &text);
    let run = pledge_in(
        &dir,
        &["check", &file, "--data", "sample"],
        Duration::from_secs(120),
    );
    run.assert_coded_error();
    assert!(run.elapsed < Duration::from_secs(10), "{:?}", run.elapsed);
}

#[test]
fn a_header_of_100000_columns_is_bounded() {
    let dir = scratch("wide-header");
    let data = sample_copy(&dir);
    let items = std::fs::read_to_string(data.join("line_items.csv")).unwrap();
    let mut header = items.lines().next().unwrap().to_string();
    for i in 0..100_000 {
        header.push_str(&format!(",extra{i}"));
    }
    std::fs::write(data.join("line_items.csv"), format!("{header}\n")).unwrap();
    let run = pledge_in(
        &dir,
        &[
            "eval",
            "../../../../rules/hague-2025.pledge",
            "--data",
            &data.display().to_string(),
        ],
        Duration::from_secs(120),
    );
    run.assert_coded_error();
    assert!(run.elapsed < Duration::from_secs(5), "{:?}", run.elapsed);
}

#[test]
fn a_million_categories_are_bounded() {
    let dir = scratch("million-categories");
    let mut text = String::from("pledge \"Many\" {\n");
    for i in 0..1_000_000 {
        text.push_str(&format!(
            "  category c{i} {{ include nato_category == equipment }}\n"
        ));
    }
    text.push_str("  require r: c0 >= 1% of gdp\n}\n");
    let file = write(&dir, "million.pledge", &text);
    drop(text);
    let run = pledge_in(
        &dir,
        &["check", &file, "--data", "sample"],
        Duration::from_secs(60),
    );
    let _ = std::fs::remove_dir_all(&dir);
    run.assert_sound();
    assert!(run.elapsed < Duration::from_secs(30), "{:?}", run.elapsed);
}

#[test]
fn a_one_gib_line_is_refused() {
    use std::io::Write as _;
    let dir = scratch("one-gib-line");
    let path = dir.join("huge.pledge");
    {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        file.write_all(b"pledge \"T\" { source \"").unwrap();
        let chunk = vec![b'a'; 1 << 20];
        for _ in 0..1024 {
            file.write_all(&chunk).unwrap();
        }
        file.write_all(b"\" }\n").unwrap();
    }
    let run = pledge_in(
        &dir,
        &["check", &path.display().to_string()],
        Duration::from_secs(60),
    );
    let _ = std::fs::remove_dir_all(&dir);
    run.assert_coded_error();
    assert!(run.elapsed < Duration::from_secs(10), "{:?}", run.elapsed);
    assert!(
        run.stderr_len < 10_000,
        "{} bytes of diagnostics",
        run.stderr_len
    );
}

// ---------------------------------------------------------------------------
// Data accepted that should not be

#[test]
fn an_items_row_over_64_mib_is_refused() {
    use std::io::Write as _;
    let dir = scratch("long-items-row");
    let data = sample_copy(&dir);
    {
        let path = data.join("line_items.csv");
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        // One quoted cell of 65 MiB: a row that never ends within the bound.
        file.write_all(b"\"").unwrap();
        let chunk = vec![b'a'; 1 << 20];
        for _ in 0..65 {
            file.write_all(&chunk).unwrap();
        }
        file.write_all(b"\",XNA,2024,1,equipment,,\n").unwrap();
    }
    let run = eval_on(&data);
    let _ = std::fs::remove_dir_all(&dir);
    run.assert_coded_error();
    assert!(run.stderr.contains("longer than 64 MiB"), "{}", run.stderr);
    assert!(
        run.stderr_len < 10_000,
        "{} bytes of diagnostics",
        run.stderr_len
    );
}

fn eval_on(data: &Path) -> Run {
    pledge(&[
        "eval",
        "rules/hague-2025.pledge",
        "--data",
        &data.display().to_string(),
        "--format",
        "csv",
    ])
}

#[test]
fn a_country_listed_twice_is_refused() {
    let dir = scratch("country-twice");
    let data = sample_copy(&dir);
    edit(
        &data.join("dataset.json"),
        "\"countries\": [",
        "\"countries\": [\n    {\"code\": \"XNA\", \"name\": \"Northland again\", \"member_from\": 1949},",
    );
    eval_on(&data).assert_coded_error();
}

#[test]
fn repeated_fields_tags_and_series_are_refused() {
    let manifest = std::fs::read_to_string("data/sample/dataset.json").unwrap();
    let value: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    for key in ["fields", "tags", "indicator_series"] {
        let dir = scratch(&format!("repeated-{key}"));
        let data = sample_copy(&dir);
        let mut value = value.clone();
        let list = value[key].as_array_mut().unwrap();
        let first = list[0].clone();
        list.push(first);
        std::fs::write(
            data.join("dataset.json"),
            serde_json::to_string_pretty(&value).unwrap(),
        )
        .unwrap();
        let run = eval_on(&data);
        run.assert_coded_error();
    }
}

#[test]
fn a_gdp_of_zero_or_below_is_refused() {
    for gdp in ["0", "-156000"] {
        let dir = scratch(&format!("gdp-{gdp}"));
        let data = sample_copy(&dir);
        edit(
            &data.join("indicators.csv"),
            "XNA,2024,156000",
            &format!("XNA,2024,{gdp}"),
        );
        eval_on(&data).assert_coded_error();
    }
}

#[test]
fn invalid_utf8_cells_are_refused() {
    let dir = scratch("invalid-utf8");
    let data = sample_copy(&dir);
    let mut bytes = std::fs::read(data.join("line_items.csv")).unwrap();
    let at = bytes
        .windows(18)
        .position(|w| w == b"XNA-2024-equipment")
        .unwrap();
    bytes[at + 3] = 0xff;
    std::fs::write(data.join("line_items.csv"), bytes).unwrap();
    let run = eval_on(&data);
    run.assert_coded_error();
    assert!(run.stderr.contains("line_items.csv"), "{}", run.stderr);
}

#[test]
fn numbers_outside_the_documented_syntax_are_refused() {
    for amount in ["1_000", "1e5", ".5"] {
        let dir = scratch(&format!("number-{}", amount.replace('.', "dot")));
        let data = sample_copy(&dir);
        edit(
            &data.join("line_items.csv"),
            "XNA-2024-equipment,XNA,2024,900,",
            &format!("XNA-2024-equipment,XNA,2024,{amount},"),
        );
        eval_on(&data).assert_code("pledge::data::bad_number");
    }
}

#[test]
fn sums_beyond_the_precision_are_refused() {
    let dir = scratch("huge-sums");
    let data = sample_copy(&dir);
    let huge = "9999999999999999999999999999";
    let mut items = std::fs::read_to_string(data.join("line_items.csv")).unwrap();
    items = items.replacen(
        "XNA-2024-equipment,XNA,2024,900,",
        &format!("XNA-2024-equipment,XNA,2024,{huge},"),
        1,
    );
    items = items.replacen(
        "XNA-2024-personnel,XNA,2024,1080,",
        &format!("XNA-2024-personnel,XNA,2024,{huge},"),
        1,
    );
    std::fs::write(data.join("line_items.csv"), items).unwrap();
    eval_on(&data).assert_coded_error();
}

// ---------------------------------------------------------------------------
// Smaller

#[test]
fn fmt_never_writes_a_file_it_cannot_read_back() {
    let dir = scratch("fmt-nesting");
    let text = format!(
        "pledge \"T\" {{\n  category c \"C\" {{\n    include {}tag dual_use\n  }}\n}}\n",
        "not ".repeat(64)
    );
    let file = write(&dir, "deep.pledge", &text);
    let before = pledge(&["check", &file]);
    before.assert_sound();
    let run = pledge(&["fmt", &file]);
    run.assert_sound();
    let after = pledge(&["check", &file]);
    after.assert_sound();
    // Either fmt refused (and the file is unchanged), or the result still parses.
    assert!(
        after.code == before.code || std::fs::read_to_string(&file).unwrap() == text,
        "fmt wrote a file that no longer parses:\n{}",
        after.stderr
    );
}

#[test]
fn compare_with_an_empty_draft_says_why() {
    let dir = scratch("compare-empty");
    let empty = write(&dir, "empty.pledge", "// nothing here\n");
    let run = pledge(&[
        "compare",
        "rules/hague-2025.pledge",
        &empty,
        "--data",
        "sample",
    ]);
    run.assert_coded_error();
}

#[test]
fn fmt_on_a_read_only_file_has_a_code() {
    let dir = scratch("fmt-read-only");
    let file = write(&dir, "ugly.pledge", &RULES.replace("  ", "      "));
    let mut permissions = std::fs::metadata(&file).unwrap().permissions();
    permissions.set_readonly(true);
    std::fs::set_permissions(&file, permissions).unwrap();
    // As root a read-only file can still be written: make the folder read-only too
    // is not enough either, so only run the check where the write really fails.
    if std::fs::OpenOptions::new().write(true).open(&file).is_ok() {
        eprintln!("skipped: this user can write read-only files");
        return;
    }
    pledge(&["fmt", &file]).assert_coded_error();
}

#[test]
fn missing_base_tells_the_cause() {
    let dir = scratch("missing-base-cause");
    std::fs::create_dir_all(dir.join("base.pledge")).unwrap();
    let file = write(
        &dir,
        "draft.pledge",
        "pledge \"D\" extends \"base.pledge\" {\n}\n",
    );
    let run = pledge(&["check", &file]);
    run.assert_coded_error();
    assert!(
        !run.stderr.to_lowercase().contains("no such file"),
        "{}",
        run.stderr
    );
}

#[test]
fn explain_lists_items_by_id() {
    let dir = scratch("explain-order");
    let data = sample_copy(&dir);
    // Put XNA's 2024 items in reverse order in the file.
    let items = std::fs::read_to_string(data.join("line_items.csv")).unwrap();
    let mut lines: Vec<&str> = items.lines().collect();
    let header = lines.remove(0);
    let (mut xna, rest): (Vec<&str>, Vec<&str>) =
        lines.into_iter().partition(|l| l.contains(",XNA,2024,"));
    xna.sort();
    xna.reverse();
    let text = std::iter::once(header)
        .chain(xna.iter().copied())
        .chain(rest)
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(data.join("line_items.csv"), format!("{text}\n")).unwrap();
    let rules = write(&dir, "rules.pledge", RULES);
    let run = pledge(&[
        "explain",
        &rules,
        "--data",
        &data.display().to_string(),
        "--country",
        "XNA",
        "--year",
        "2024",
        "--wide",
    ]);
    run.assert_sound();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    // Within each list of items (consecutive item lines), ids are in order.
    let mut groups: Vec<Vec<&str>> = Vec::new();
    let mut previous_item = false;
    for line in run.stdout.lines() {
        let id = line
            .split("─ ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .filter(|id| id.starts_with("XNA-2024-"));
        match id {
            Some(id) => {
                if !previous_item {
                    groups.push(Vec::new());
                }
                groups.last_mut().unwrap().push(id);
                previous_item = true;
            }
            None => previous_item = false,
        }
    }
    assert!(groups.iter().any(|g| g.len() >= 2), "{}", run.stdout);
    for group in groups {
        let mut sorted = group.clone();
        sorted.sort();
        assert_eq!(group, sorted, "{}", run.stdout);
    }
}

#[test]
fn an_example_with_two_countries_is_refused() {
    let dir = scratch("example-two-countries");
    for twice in ["country XNA\n    country XSA", "year 2035\n    year 2034"] {
        let text = RULES.replace(
            "  require floor: core >= 2% of gdp\n",
            &format!(
                "  require floor: core >= 2% of gdp\n  example \"e\" {{\n    {twice}\n    indicator gdp = 100\n    item 5 nato_category equipment\n    expect floor met\n  }}\n"
            ),
        );
        let file = write(&dir, "twice.pledge", &text);
        {
            let f = file;
            pledge(&["check", &f, "--data", "sample"]).assert_coded_error();
        }
    }
}

#[test]
fn compare_why_lists_items_by_id() {
    let dir = scratch("compare-why-order");
    let data = sample_copy(&dir);
    edit(
        &data.join("line_items.csv"),
        "XNA-2035-equipment,XNA,2035,2000,equipment,,,\n",
        "XNA-2035-z-border,XNA,2035,10,,border_security,,\nXNA-2035-m-coast,XNA,2035,10,,coast_guard,,\nXNA-2035-equipment,XNA,2035,2000,equipment,,,\nXNA-2035-a-border,XNA,2035,10,,border_security,,\n",
    );
    let run = pledge(&[
        "compare",
        "rules/hague-2025.pledge",
        "rules/alternatives/broad-related.pledge",
        "--data",
        &data.display().to_string(),
        "--why",
        "XNA",
        "--year",
        "2035",
    ]);
    run.assert_sound();
    // The items under one category line, in the order shown.
    let ids: Vec<&str> = run
        .stdout
        .lines()
        .filter_map(|line| line.strip_prefix("   ├─ ").or(line.strip_prefix("   └─ ")))
        .filter_map(|rest| rest.split_whitespace().next())
        .filter(|id| id.starts_with("XNA-2035-"))
        .collect();
    assert!(ids.len() >= 4, "{}", run.stdout);
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "{}", run.stdout);
}
