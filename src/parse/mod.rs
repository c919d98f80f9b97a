//! Stage 1: rule text → `ast::File`. Runs the pest grammar, lowers its pairs
//! into the typed tree (operator precedence from one Pratt table), and turns
//! pest's errors into `SyntaxError`s that say in words what was expected.
//! Guards against hostile input: nesting and expression size are bounded, so
//! no input can overflow the stack.

use miette::Diagnostic;
use pest::Parser;
use thiserror::Error;

use crate::ast::*;
use crate::source::{FileId, Span};

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/pledge.pest"]
struct PledgeParser;

/// How deeply brackets may nest, and how many `-`/`not` may follow each other.
pub const MAX_NESTING: usize = 64;
/// How deep an expression or condition tree may grow.
pub const MAX_EXPRESSION_DEPTH: u32 = 256;

/// Errors of the parsing stage.
#[derive(Debug, Error, Diagnostic, Clone, PartialEq, Eq)]
pub enum SyntaxError {
    #[error("expected {expected}, found {found}")]
    #[diagnostic(code(pledge::syntax::unexpected), help("{help}"))]
    Unexpected {
        expected: String,
        found: String,
        help: String,
        /// Usually "expected ... here"; says what is wrong where the span
        /// is not the place of the missing thing (an unclosed comment).
        label: String,
        #[label("{label}")]
        span: Span,
    },
    #[error("brackets or `not`/`-` are nested more than {MAX_NESTING} deep")]
    #[diagnostic(
        code(pledge::syntax::too_deep),
        help("split the clause into parameters or smaller categories")
    )]
    TooDeep {
        #[label("nesting exceeds the limit here")]
        span: Span,
    },
    #[error("this expression or condition is too long ({depth} levels; the limit is {MAX_EXPRESSION_DEPTH})")]
    #[diagnostic(
        code(pledge::syntax::too_long),
        help("split it: give parts of it their own `param` or `category`")
    )]
    TooLong {
        depth: u32,
        #[label("this expression")]
        span: Span,
    },
    #[error("the number `{text}` is too large or too precise")]
    #[diagnostic(
        code(pledge::syntax::bad_number),
        help("numbers may have at most 28 significant digits; write amounts in the dataset's money unit")
    )]
    BadNumber {
        text: String,
        #[label("cannot be represented exactly")]
        span: Span,
    },
    #[error("the year `{text}` is not a valid year")]
    #[diagnostic(
        code(pledge::syntax::bad_year),
        help("write a four-digit year such as `2035`, or an offset such as `year - 1`")
    )]
    BadYear {
        text: String,
        #[label("not a year")]
        span: Span,
    },
}

impl SyntaxError {
    pub fn span(&self) -> Span {
        match self {
            SyntaxError::Unexpected { span, .. }
            | SyntaxError::TooDeep { span }
            | SyntaxError::TooLong { span, .. }
            | SyntaxError::BadNumber { span, .. }
            | SyntaxError::BadYear { span, .. } => *span,
        }
    }
}

/// Parses one rule file; the first syntax error when there are several
/// (`parse_all` reports them all).
pub fn parse(text: &str, file: FileId) -> Result<File, SyntaxError> {
    parse_all(text, file).map_err(|errors| {
        errors
            .into_iter()
            .next()
            .unwrap_or_else(|| internal(file, 0))
    })
}

/// Parses a standalone expression, as given to `--set name=value`.
pub fn parse_expression(text: &str, file: FileId) -> Result<Expr, SyntaxError> {
    guard_nesting(text, file)?;
    let mut pairs =
        PledgeParser::parse(Rule::standalone_expr, text).map_err(|e| convert(e, text, file))?;
    let lower = Lower::new(file, text);
    let expr = pairs
        .next()
        .and_then(|p| p.into_inner().next())
        .ok_or_else(|| internal(file, text.len()))?;
    lower.expr(expr)
}

mod expected;
mod hints;
mod lower;
mod lower_expr;
mod recover;

pub use recover::{parse_all, MAX_SYNTAX_ERRORS};

#[allow(unused_imports)]
use expected::*;
use lower::*;

#[cfg(test)]
mod tests {
    use super::*;

    fn parses_as(rule: Rule, text: &str) -> bool {
        PledgeParser::parse(rule, text).is_ok_and(|pairs| pairs.as_str() == text)
    }

    #[test]
    fn the_function_list_of_messages_is_the_grammars() {
        for name in FUNCTIONS {
            assert!(parses_as(Rule::function_name, name), "{name}");
        }
    }

    #[test]
    fn the_clause_keywords_of_messages_are_the_grammars() {
        for (word, rule) in CLAUSE_KEYWORDS {
            assert!(parses_as(rule, word), "{word}");
        }
    }

    #[test]
    fn the_keyword_rule_matches_the_reserved_words_and_nothing_else() {
        let reserved: Vec<&str> = "amend and at by category cap counted country extends exclude \
             example expect from for false group include indicator item in meta not on of or \
             pledge param path require replace source status to tag true until within year"
            .split_whitespace()
            .collect();
        assert_eq!(reserved.len(), 38);
        // Each reserved word, its beginnings, and it with a letter, digit or
        // `_` before or after it; every word of one or two letters.
        let mut words: Vec<String> = Vec::new();
        for word in &reserved {
            for end in 0..=word.len() {
                words.push(word[..end].to_string());
            }
            for tail in ["s", "_", "1", "X"] {
                words.push(format!("{word}{tail}"));
                words.push(format!("{tail}{word}"));
            }
        }
        for a in 'a'..='z' {
            words.push(a.to_string());
            for b in 'a'..='z' {
                words.push(format!("{a}{b}"));
            }
        }
        for word in &words {
            assert_eq!(
                parses_as(Rule::keyword, word),
                reserved.contains(&word.as_str()),
                "{word}"
            );
        }
    }

    #[test]
    fn an_unclosed_comment_is_found_but_not_one_in_a_text_or_line_comment() {
        assert_eq!(unclosed_comment("a /* b"), Some(2));
        assert_eq!(unclosed_comment("a /* b */ c"), None);
        assert_eq!(unclosed_comment("\"/*\" // /*\n"), None);
        assert_eq!(unclosed_comment("\"a\\\" /*\" /* x"), Some(9));
    }

    #[test]
    fn punctuation_is_skipped_when_lowering() {
        let text = "pledge \"P\" { group g = [EST, LVA,] param p = (1 + 2) * 3, min(1, 2) \
                    from 2030 for g, EST { require r: p >= 1 } }";
        let file = parse(text, FileId(0));
        let items = file
            .as_ref()
            .ok()
            .and_then(|file| file.pledges.first())
            .map_or(&[][..], |pledge| pledge.items.as_slice());
        assert!(
            matches!(items, [Item::Group(g), Item::Param(p), Item::Scope(s)]
            if g.members.len() == 2 && p.values.len() == 2
                && s.targets.len() == 2 && s.items.len() == 1),
            "{file:?}"
        );
    }
}
