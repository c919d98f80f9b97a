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
