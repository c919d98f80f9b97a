#![doc = include_str!("../docs/ARCHITECTURE.md")]

pub mod ast;
pub mod check;
pub mod cli;
pub mod compare;
pub mod data;
pub mod diagnostics;
pub mod eval;
pub mod explain;
pub mod parse;
pub mod print;
pub mod program;
pub mod report;
pub mod source;
pub mod stamp;
pub mod synthetic;
pub mod workspace;
