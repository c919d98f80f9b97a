#![doc = include_str!("../docs/ARCHITECTURE.md")]

// pest is used without its `std` feature (which checks the stack on every
// rule, a cost our own nesting guard makes unnecessary); its generated
// parser then refers to `alloc`.
extern crate alloc;

pub mod analysis;
pub mod ast;
pub mod check;
pub mod cli;
pub mod data;
pub mod diagnostics;
pub mod eval;
mod fast_hash;
pub mod lexical;
// The language server talks to an editor over stdio: not in a browser.
#[cfg(not(target_arch = "wasm32"))]
pub mod lsp;
pub mod parse;
pub mod print;
pub mod program;
pub mod report;
pub mod source;
pub mod stamp;
pub mod synthetic;
pub mod workspace;
