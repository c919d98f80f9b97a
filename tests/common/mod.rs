//! Helpers shared by the integration tests: running `pledge` as a binary or
//! in-process, scratch paths, and redacting the stamp's hashes.

// Each test binary uses what it needs of this module.
#![allow(dead_code)]
// Panicking is how a test fails; the no-panic rule is for the library.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::{Command, ExitCode};

use clap::Parser;
use pledge::cli::{run_to, Cli, Output};
use pledge::diagnostics::ErrorFormat;

/// What a run of the built binary returned.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the built binary from the package root, as a negotiator types it:
/// no colour, and tables laid out for 100 columns.
pub fn pledge(args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_pledge"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .env("COLUMNS", "100")
        .output()
        .unwrap();
    Run {
        code: output.status.code().unwrap(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// An empty output without colour, whose text is kept for the test to read.
pub fn captured(error_format: ErrorFormat) -> Output {
    Output {
        error_format,
        colour: false,
        stdout: String::new(),
        stderr: String::new(),
    }
}

/// Runs `pledge ARGS` in this process: its exit code and what it printed.
pub fn run(args: &[&str]) -> (ExitCode, Output) {
    let mut argv = vec!["pledge"];
    argv.extend_from_slice(args);
    let cli = Cli::try_parse_from(argv).unwrap();
    let mut out = captured(ErrorFormat::Plain);
    let code = run_to(cli.command, cli.output.as_deref(), &mut out);
    (code, out)
}

/// A path named `name` in the folder `folder` (made if needed) under the
/// system's temporary folder, one folder per test process.
pub fn scratch(folder: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("{folder}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Replaces the 16 hex digits that follow `prefix` on a line with `[hash]`.
pub fn redact_after(line: &str, prefix: &str) -> String {
    let Some(start) = line.find(prefix).map(|i| i + prefix.len()) else {
        return line.to_string();
    };
    let hash_len = line[start..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .count();
    if hash_len != 16 {
        return line.to_string();
    }
    format!("{}[hash]{}", &line[..start], &line[start + hash_len..])
}

/// The stamp's rule and data hashes, in text (`stamp: ... · rules X · data Y`)
/// and in JSON (`"stamp": { "rules": "X", "data": "Y" }`).
pub fn redact_stamps(text: &str) -> String {
    let mut out = String::new();
    let mut in_json_stamp = false;
    for line in text.split_inclusive('\n') {
        let mut line = line.to_string();
        if line.contains("stamp: pledge ") {
            line = redact_after(&redact_after(&line, " · rules "), " · data ");
        } else if line.trim_start().starts_with("\"stamp\": {") {
            in_json_stamp = true;
        } else if in_json_stamp {
            if line.trim_start().starts_with('}') {
                in_json_stamp = false;
            } else {
                line = redact_after(&redact_after(&line, "\"rules\": \""), "\"data\": \"");
            }
        }
        out.push_str(&line);
    }
    out
}
