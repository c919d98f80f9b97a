//! `pledge ast`: print the syntax tree with explicit parentheses.

use std::path::Path;
use std::process::ExitCode;

use super::*;
use crate::print;

pub fn run(file: &Path, out: &mut Output) -> ExitCode {
    match read_and_parse(file, out) {
        Some((_, parsed)) => {
            out.stdout.push_str(&print::tree(&parsed));
            ExitCode::SUCCESS
        }
        None => ExitCode::from(1),
    }
}
