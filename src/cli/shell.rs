//! `pledge completions SHELL` and `pledge man`: what a shell needs to
//! complete pledge's commands and options, and its manual page.

use std::process::ExitCode;

use clap::CommandFactory;

use super::{Cli, Output};

/// Writes the completion script for `shell` to the output.
pub fn completions(shell: clap_complete::Shell, out: &mut Output) -> ExitCode {
    let mut command = Cli::command();
    let mut bytes = Vec::new();
    clap_complete::generate(shell, &mut command, "pledge", &mut bytes);
    out.stdout.push_str(&String::from_utf8_lossy(&bytes));
    ExitCode::SUCCESS
}

/// Writes the manual page (roff) to the output.
pub fn man(out: &mut Output) -> ExitCode {
    let command = Cli::command();
    let mut bytes = Vec::new();
    match clap_mangen::Man::new(command).render(&mut bytes) {
        Ok(()) => {
            out.stdout.push_str(&String::from_utf8_lossy(&bytes));
            ExitCode::SUCCESS
        }
        Err(error) => {
            out.stderr
                .push_str(&format!("pledge man: cannot write the page: {error}\n"));
            ExitCode::from(1)
        }
    }
}
