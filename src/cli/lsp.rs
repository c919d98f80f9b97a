//! `pledge lsp`: the language server for editors, over stdin and stdout.

use std::process::ExitCode;

use super::Output;

#[cfg(not(target_arch = "wasm32"))]
pub fn run(out: &mut Output) -> ExitCode {
    match crate::lsp::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            out.stderr.push_str(&format!("pledge lsp: {message}\n"));
            ExitCode::from(1)
        }
    }
}

#[cfg(target_arch = "wasm32")]
pub fn run(out: &mut Output) -> ExitCode {
    out.stderr
        .push_str("pledge lsp: the language server needs a native build of pledge\n");
    ExitCode::from(1)
}
