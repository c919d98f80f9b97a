#![doc = include_str!("../docs/ARCHITECTURE.md")]

pub mod ast;
pub mod check;
pub mod data;
pub mod diagnostics;
pub mod parse;
pub mod print;
pub mod program;
pub mod source;
pub mod workspace;
