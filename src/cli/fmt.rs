//! `pledge fmt`: rewrite rule files in the canonical layout.

use std::path::PathBuf;
use std::process::ExitCode;

use super::*;
use crate::diagnostics::Problem;
use crate::parse;
use crate::print;
use crate::source::Sources;
use crate::workspace::{self};

pub fn run(files: &[PathBuf], check_only: bool, out: &mut Output) -> ExitCode {
    let mut failed = false;
    for file in files {
        let text = match read(file) {
            Ok(t) => t,
            Err(e) => {
                out.problems(&[Problem::bare(workspace::LoadError::Unreadable {
                    path: file.display().to_string(),
                    reason: e.to_string(),
                })]);
                failed = true;
                continue;
            }
        };
        let mut sources = Sources::new();
        let id = sources.add(file.display().to_string(), text.clone());
        let parsed = match parse::parse(&text, id) {
            Ok(p) => p,
            Err(error) => {
                out.problems(&[Problem::new(error, &sources, id)]);
                failed = true;
                continue;
            }
        };
        let formatted = print::format(&parsed, &text);
        if formatted == text {
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
            out.stderr
                .push_str(&format!("cannot write {}: {e}\n", file.display()));
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
