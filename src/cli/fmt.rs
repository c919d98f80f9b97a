//! `pledge fmt`: rewrite rule files in the canonical layout.

use std::path::PathBuf;
use std::process::ExitCode;

use super::*;
use crate::print;

pub fn run(files: &[PathBuf], check_only: bool, out: &mut Output) -> ExitCode {
    let mut failed = false;
    for file in files {
        let Some((text, parsed)) = read_and_parse(file, out) else {
            failed = true;
            continue;
        };
        let formatted = print::format(&parsed, &text);
        if formatted == text {
            continue;
        }
        // Never write a file that would no longer read back.
        if let Err(error) = crate::parse::parse(&formatted, crate::source::FileId(0)) {
            out.problems(&[Problem::bare(FmtError::WouldNotParse {
                path: file.display().to_string(),
                reason: error.to_string(),
            })]);
            failed = true;
            continue;
        }
        if check_only {
            out.stderr.push_str(&format!(
                "{} is not formatted; run `pledge fmt {}`\n",
                file.display(),
                file.display()
            ));
            failed = true;
        } else if let Err(e) = std::fs::write(file, formatted) {
            out.problems(&[Problem::bare(FmtError::CannotWrite {
                path: file.display().to_string(),
                reason: e.to_string(),
            })]);
            failed = true;
        } else {
            out.stderr
                .push_str(&format!("formatted {}\n", file.display()));
        }
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Why `pledge fmt` leaves a file as it is.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum FmtError {
    #[error("`{path}` is left as it is: its formatted text would not read back ({reason})")]
    #[diagnostic(
        code(pledge::fmt::would_not_parse),
        help("simplify the deepest condition or expression (give parts of it their own `category` or `param`), then run `pledge fmt` again")
    )]
    WouldNotParse { path: String, reason: String },
    #[error("cannot write `{path}`: {reason}")]
    #[diagnostic(
        code(pledge::fmt::cannot_write),
        help("check that the file and its folder can be written, or use `pledge fmt --check` to only check the layout")
    )]
    CannotWrite { path: String, reason: String },
}
