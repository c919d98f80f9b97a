//! `pledge ast`: print the syntax tree with explicit parentheses.

use std::path::Path;
use std::process::ExitCode;

use super::*;
use crate::diagnostics::Problem;
use crate::parse;
use crate::print;
use crate::source::{FileId, Sources};
use crate::workspace::{self};

pub fn run(file: &Path, out: &mut Output) -> ExitCode {
    let text = match read(file) {
        Ok(t) => t,
        Err(e) => {
            out.problems(&[Problem::bare(workspace::LoadError::Unreadable {
                path: file.display().to_string(),
                reason: e.to_string(),
            })]);
            return ExitCode::from(1);
        }
    };
    let mut sources = Sources::new();
    let id: FileId = sources.add(file.display().to_string(), text.clone());
    match parse::parse(&text, id) {
        Ok(parsed) => {
            out.stdout.push_str(&print::tree(&parsed));
            ExitCode::SUCCESS
        }
        Err(error) => {
            out.problems(&[Problem::new(error, &sources, id)]);
            ExitCode::from(1)
        }
    }
}
