//! Stage 1: rule text → `ast::File`. Runs the pest grammar, lowers its pairs
//! into the typed tree (operator precedence from one Pratt table), and turns
//! pest's errors into `SyntaxError`s that say in words what was expected.
//! Guards against hostile input: nesting and expression size are bounded, so
//! no input can overflow the stack.

use std::str::FromStr;

use miette::Diagnostic;
use pest::iterators::{Pair, Pairs};
use pest::pratt_parser::{Assoc, Op, PrattParser};
use pest::Parser;
use rust_decimal::Decimal;
use thiserror::Error;

use crate::ast::*;
use crate::lexical::{self, Piece};
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

/// Parses one rule file.
pub fn parse(text: &str, file: FileId) -> Result<File, SyntaxError> {
    guard_nesting(text, file)?;
    let mut pairs = PledgeParser::parse(Rule::file, text).map_err(|e| convert(e, text, file))?;
    let lower = Lower::new(file);
    let root = pairs.next().map(|p| p.into_inner());
    let mut pledges = Vec::new();
    for pair in root.into_iter().flatten() {
        if pair.as_rule() == Rule::pledge {
            pledges.push(lower.pledge(pair)?);
        }
    }
    Ok(File { pledges })
}

/// Parses a standalone expression, as given to `--set name=value`.
pub fn parse_expression(text: &str, file: FileId) -> Result<Expr, SyntaxError> {
    guard_nesting(text, file)?;
    let mut pairs =
        PledgeParser::parse(Rule::standalone_expr, text).map_err(|e| convert(e, text, file))?;
    let lower = Lower::new(file);
    let expr = pairs
        .next()
        .and_then(|p| p.into_inner().next())
        .ok_or_else(|| internal(file, text.len()))?;
    lower.expr(expr)
}

/// Rejects input nested so deeply that parsing it would exhaust the stack.
fn guard_nesting(text: &str, file: FileId) -> Result<(), SyntaxError> {
    let bytes = text.as_bytes();
    let word_byte = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
    let mut depth = 0usize;
    let mut prefix_run = 0usize;
    for (piece, start, end) in lexical::pieces(text) {
        match piece {
            Piece::Text => prefix_run = 0,
            Piece::LineComment | Piece::BlockComment { .. } => {}
            Piece::Code => {
                let mut i = start;
                while i < end {
                    let Some(&byte) = bytes.get(i) else { break };
                    match byte {
                        b'(' | b'[' | b'{' => {
                            depth += 1;
                            prefix_run = 0;
                            if depth > MAX_NESTING {
                                return Err(SyntaxError::TooDeep {
                                    span: Span::new(file, i, i + 1),
                                });
                            }
                        }
                        b')' | b']' | b'}' => {
                            depth = depth.saturating_sub(1);
                            prefix_run = 0;
                        }
                        b'-' => prefix_run += 1,
                        b'n' if text.get(i..i + 3) == Some("not")
                            && !bytes.get(i + 3).is_some_and(word_byte)
                            && !(i > 0 && bytes.get(i - 1).is_some_and(word_byte)) =>
                        {
                            prefix_run += 1;
                            i += 2;
                        }
                        b' ' | b'\t' | b'\r' | b'\n' => {}
                        _ => prefix_run = 0,
                    }
                    if prefix_run > MAX_NESTING {
                        return Err(SyntaxError::TooDeep {
                            span: Span::new(file, i, i + 1),
                        });
                    }
                    i += 1;
                }
            }
        }
    }
    Ok(())
}

fn internal(file: FileId, at: usize) -> SyntaxError {
    unexpected(
        "a complete clause".to_string(),
        "something the parser could not read".to_string(),
        "check the clause against docs/language.md".to_string(),
        Span::new(file, at, at),
    )
}

/// An `Unexpected` error whose label points at the place of the expected thing.
fn unexpected(expected: String, found: String, help: String, span: Span) -> SyntaxError {
    SyntaxError::Unexpected {
        label: format!("expected {expected} here"),
        expected,
        found,
        help,
        span,
    }
}

/// Converts a pest error into words a negotiator understands.
fn convert(error: pest::error::Error<Rule>, text: &str, file: FileId) -> SyntaxError {
    let position = match error.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    };
    // An unclosed `/*` makes the rest of the file unreadable, but pest
    // reports it only as an unexpected `/` (comments are skipped silently).
    if let Some(start) = unclosed_comment(text).filter(|start| *start <= position) {
        return SyntaxError::Unexpected {
            expected: "`*/` to close the comment".to_string(),
            found: "the end of the file".to_string(),
            help: "this comment is not closed: add `*/` where the comment ends".to_string(),
            label: "this comment is not closed".to_string(),
            span: Span::new(file, start, start + 2),
        };
    }
    let rules: Vec<Rule> = match &error.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => positives.clone(),
        pest::error::ErrorVariant::CustomError { .. } => Vec::new(),
    };
    if let Some(error) = unknown_function(&rules, text, position, file) {
        return error;
    }
    let mut expected: Vec<&'static str> = rules.iter().map(|rule| describe(*rule)).collect();
    expected.sort_unstable();
    expected.dedup();
    if expected.is_empty() {
        expected.push("a complete clause");
    }
    let expected_text = join_alternatives(&expected);
    let (found, length) = describe_found(text, position);
    let help = help_for(&rules, text, position);
    unexpected(
        expected_text,
        found,
        help,
        Span::new(file, position, position + length),
    )
}

fn join_alternatives(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}

/// What is at the error position, in words, and how many bytes to underline.
fn describe_found(text: &str, position: usize) -> (String, usize) {
    let rest = text.get(position..).unwrap_or("");
    let Some(first) = rest.chars().next() else {
        return ("the end of the file".to_string(), 0);
    };
    if first.is_alphanumeric() || first == '_' {
        let word: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.' || *c == '%')
            .collect();
        let length = word.len();
        return (format!("`{word}`"), length);
    }
    if first == '"' {
        return ("a quoted text".to_string(), 1);
    }
    if first == '\n' || first == '\r' {
        return ("the end of the line".to_string(), 0);
    }
    (format!("`{first}`"), first.len_utf8())
}

/// The names of the built-in functions, as the grammar's `function_name`.
const FUNCTIONS: [&str; 6] = ["min", "max", "round", "money", "alliance", "count"];

/// `f(x)` with a name that is not a function: pest stops at the `(`, but
/// the mistake is the name before it. Only where the name was read as a
/// value or field, that is where an operator or comparison could follow.
fn unknown_function(
    rules: &[Rule],
    text: &str,
    position: usize,
    file: FileId,
) -> Option<SyntaxError> {
    let after_a_value = rules.iter().any(|rule| {
        matches!(
            rule,
            Rule::add
                | Rule::sub
                | Rule::mul
                | Rule::div
                | Rule::of
                | Rule::kw_of
                | Rule::at_year
                | Rule::kw_at
                | Rule::compare_op
                | Rule::field_compare
                | Rule::in_list
                | Rule::not_in_list
                | Rule::kw_in
        )
    });
    if !after_a_value || !text.get(position..)?.starts_with('(') {
        return None;
    }
    let before = text.get(..position)?.trim_end();
    let start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric() || *c == '_')
        .last()
        .map(|(i, _)| i)?;
    let name = before.get(start..)?;
    let starts_like_a_name = name
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_');
    if !starts_like_a_name || is_keyword(name) || FUNCTIONS.contains(&name) {
        return None;
    }
    let list = "`min`, `max`, `round`, `money`, `alliance` and `count`";
    let lower = name.to_lowercase();
    let help = if FUNCTIONS.contains(&lower.as_str()) {
        format!("functions are written in small letters: write `{lower}(...)`")
    } else {
        format!(
            "`{name}` is not a function of the language; the functions are {list}. \
             A parameter or category is written without brackets"
        )
    };
    Some(SyntaxError::Unexpected {
        expected: "a function (`min`, `max`, `round`, `money`, `alliance` or `count`)".to_string(),
        found: format!("`{name}`"),
        help,
        label: format!("`{name}` is not a function"),
        span: Span::new(file, start, start + name.len()),
    })
}

/// Where a `/* ...` comment starts that is never closed, if there is one.
/// Texts and line comments are skipped, as the grammar does.
fn unclosed_comment(text: &str) -> Option<usize> {
    lexical::pieces(text)
        .find(|(piece, _, _)| *piece == Piece::BlockComment { closed: false })
        .map(|(_, start, _)| start)
}

/// Clauses that open a pledge-level item, with the rule of their keyword.
const CLAUSE_KEYWORDS: [(&str, Rule); 11] = [
    ("source", Rule::kw_source),
    ("status", Rule::kw_status),
    ("meta", Rule::kw_meta),
    ("param", Rule::kw_param),
    ("group", Rule::kw_group),
    ("category", Rule::kw_category),
    ("amend", Rule::kw_amend),
    ("replace", Rule::kw_replace),
    ("require", Rule::kw_require),
    ("for", Rule::kw_for),
    ("example", Rule::kw_example),
];

/// A help line for the error at `position`, where pest expected `rules`.
fn help_for(rules: &[Rule], text: &str, position: usize) -> String {
    let rest = text.get(position..).unwrap_or("");
    let word: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    let expects = |rule: Rule| rules.contains(&rule);
    if expects(Rule::close_quote) {
        return if rest.starts_with('\\') {
            "inside a quoted text, `\\` must be followed by `\"` (a quote) or `\\` (a backslash)"
                .to_string()
        } else {
            "this quoted text is not closed: add `\"` before the end of the line".to_string()
        };
    }
    if rest.is_empty() {
        return if expects(Rule::close_brace) {
            "the file ends too early: a block opened with `{` is missing its `}`".to_string()
        } else {
            "the file ends too early: the last clause is not finished, and every `{` needs its `}`"
                .to_string()
        };
    }
    if expects(Rule::ident) && is_keyword(&word) {
        return format!("`{word}` is a reserved word of the language; choose another name, for example `{word}_total`");
    }
    if expects(Rule::ident) && rest.starts_with('"') {
        let inner: String = rest
            .chars()
            .skip(1)
            .take_while(|c| *c != '"' && *c != '\n')
            .collect();
        return format!("a name is written without quotes: write `{inner}`, not `\"{inner}\"`");
    }
    let misplaced_clause = CLAUSE_KEYWORDS
        .iter()
        .any(|(keyword, rule)| *keyword == word && !expects(*rule));
    if misplaced_clause && expects(Rule::close_brace) {
        // A block that accepts `amend` but not `category` is a `for` block.
        if expects(Rule::kw_amend) && !expects(Rule::kw_category) {
            let accepted = "a `for` block accepts only `param`, `require`, `amend category`, \
                            `replace category` and `replace require`";
            return if word == "category" {
                format!(
                    "{accepted}: define the category outside the `for` block, and change it \
                     for these countries with `amend category` or `replace category`"
                )
            } else {
                format!(
                    "{accepted}: write `{word}` outside the `for` block (close the `for` \
                     block with `}}` first)"
                )
            };
        }
        return format!(
            "`{word}` cannot be written here: the block before it is probably missing its \
             closing `}}`; add `}}` before `{word}`"
        );
    }
    let category_clause = ["include", "exclude", "cap"].contains(&word.as_str());
    if category_clause && expects(Rule::close_brace) && !expects(Rule::kw_include) {
        return format!(
            "`{word}` belongs inside a category: write it between the `{{` and `}}` of \
             `category name {{ ... }}` or `amend category name {{ ... }}`"
        );
    }
    if expects(Rule::close_brace) && rest.starts_with('"') {
        return "texts must be attached to a clause such as `source \"...\"`".to_string();
    }
    if rest.starts_with('%') {
        return "write `%` right after the number, without a space: `3.5%`".to_string();
    }
    if expects(Rule::colon) {
        return "write `:` after the requirement id, as in `require core_floor: core >= 3.5% of gdp`"
            .to_string();
    }
    if expects(Rule::equals) {
        return "write `=` between the name and its value, as in `param core_floor = 3.5%`"
            .to_string();
    }
    if expects(Rule::close_bracket) {
        return "separate the items of a list with `,` and close the list with `]`, as in \
                `[equipment, personnel]`"
            .to_string();
    }
    if expects(Rule::open_bracket) {
        return "write a list in square brackets with `,` between the items, as in \
                `[EST, LVA, LTU]`"
            .to_string();
    }
    if expects(Rule::comma) && expects(Rule::open_brace) {
        return "separate the countries and groups of a `for` with `,`, as in \
                `for ESP, eastern_flank { ... }`"
            .to_string();
    }
    if expects(Rule::open_brace) {
        return "write `{` before the clauses of the block and `}` after them".to_string();
    }
    if expects(Rule::close_paren) {
        return "every `(` needs a `)`: close the bracket opened earlier in this clause"
            .to_string();
    }
    "see docs/language.md for the form of each clause".to_string()
}

fn is_keyword(word: &str) -> bool {
    PledgeParser::parse(Rule::keyword, word).is_ok_and(|pairs| pairs.as_str() == word)
}

/// Every grammar rule as words. Exhaustive on purpose: a new rule must say
/// how it reads in an error message.
fn describe(rule: Rule) -> &'static str {
    match rule {
        Rule::EOI => "the end of the file",
        Rule::WHITESPACE | Rule::COMMENT => "a space or comment",
        Rule::file | Rule::pledge | Rule::kw_pledge => "`pledge \"Name\" { ... }`",
        Rule::extends | Rule::kw_extends => "`extends \"base.pledge\"`",
        Rule::pledge_item => "a pledge clause (`param`, `category`, `require`, ...)",
        Rule::source_decl | Rule::kw_source | Rule::value_source => "`source \"...\"`",
        Rule::status_decl | Rule::kw_status => "`status`",
        Rule::meta_decl | Rule::kw_meta => "`meta key = \"...\"`",
        Rule::param_decl | Rule::kw_param => "`param name = value`",
        Rule::param_value => "a parameter value such as `3.5%` or `2035`",
        Rule::from_year | Rule::kw_from => "`from` and a year",
        Rule::until_year | Rule::kw_until => "`until` and a year",
        Rule::year_ref => "a year such as `2035` or a parameter name",
        Rule::group_decl | Rule::kw_group => "`group name = [...]`",
        Rule::country_list => "a list of countries such as `[EST, LVA]`",
        Rule::category_decl | Rule::kw_category => "`category name \"Label\" { ... }`",
        Rule::within | Rule::kw_within => "`within` and a category name",
        Rule::clause => "a clause (`include`, `exclude` or `cap`)",
        Rule::include_clause | Rule::kw_include => "`include`",
        Rule::weight => "a share such as `50% of`",
        Rule::exclude_clause | Rule::kw_exclude => "`exclude`",
        Rule::exclude_counted | Rule::kw_counted => "`exclude counted in` and a category",
        Rule::cap_clause | Rule::kw_cap => "`cap` and an amount",
        Rule::condition | Rule::cond_primary => "a condition such as `nato_category == equipment`",
        Rule::cond_group => "a condition in brackets `( ... )`",
        Rule::cond_infix | Rule::cond_and | Rule::kw_and => "`and`",
        Rule::cond_or | Rule::kw_or => "`or`",
        Rule::cond_not | Rule::kw_not => "`not`",
        Rule::tag_test | Rule::kw_tag => "`tag` and a tag name",
        Rule::field_test => "a field test such as `function == cyber_defence`",
        Rule::in_list | Rule::kw_in => "`in [...]`",
        Rule::not_in_list => "`not in [...]`",
        Rule::field_compare => "a comparison such as `== equipment`",
        Rule::value_list => "a list of values such as `[a, b]`",
        Rule::value => "a value (a name, number, text, `true` or `false`)",
        Rule::compare_op => "a comparison such as `>=`, `==` or `in`",
        Rule::require_decl | Rule::kw_require => "`require id: ...`",
        Rule::requirement | Rule::compare_req => "a requirement such as `core >= 2% of gdp`",
        Rule::path_req | Rule::kw_path => "`on path to <target> by <year> from <year>`",
        Rule::kw_on => "`on path to`",
        Rule::kw_to => "`to`",
        Rule::kw_by => "`by` and a year",
        Rule::scope_decl | Rule::kw_for => "`for COUNTRY { ... }`",
        Rule::scope_item => "a clause for these countries (`param`, `amend`, `replace`, `require`)",
        Rule::amend_decl | Rule::kw_amend => "`amend category name { ... }`",
        Rule::replace_decl | Rule::kw_replace => "`replace category ...` or `replace require ...`",
        Rule::replace_category => "`category name { ... }`",
        Rule::replace_require => "`require id: ...`",
        Rule::example_decl | Rule::kw_example => "`example \"name\" { ... }`",
        Rule::example_stmt => {
            "an example line (`country`, `year`, `indicator`, `item` or `expect`)"
        }
        Rule::ex_country | Rule::kw_country => "`country` and a country code",
        Rule::ex_year | Rule::kw_year => "`year`",
        Rule::ex_indicator | Rule::kw_indicator => "`indicator name = number`",
        Rule::ex_item | Rule::kw_item => "`item` and an amount",
        Rule::item_attr | Rule::item_tag | Rule::item_field => {
            "a field and value, or `tag` and a name"
        }
        Rule::ex_expect | Rule::kw_expect => "`expect`",
        Rule::expect_status => "a requirement and an outcome such as `core_floor met`",
        Rule::expect_compare => "an expectation such as `core == 40`",
        Rule::status_word => {
            "an outcome (`met`, `not_met`, `not_yet_due`, `not_applicable`, `no_data`)"
        }
        Rule::expr | Rule::primary | Rule::standalone_expr => {
            "a value or expression such as `2% of gdp`"
        }
        Rule::paren_expr => "an expression in brackets `( ... )`",
        Rule::infix_op | Rule::add | Rule::sub | Rule::mul | Rule::div => {
            "an operator (`+`, `-`, `*`, `/`)"
        }
        Rule::of | Rule::kw_of => "`of`",
        Rule::prefix_op | Rule::neg => "`-`",
        Rule::postfix_op | Rule::at_year | Rule::kw_at => "`at` and a year",
        Rule::relative_year | Rule::year_offset => "`year`, `year - 1` or a year",
        Rule::call | Rule::function_name => "a function such as `min(...)`",
        Rule::percent => "a percentage such as `3.5%`",
        Rule::signed_number | Rule::number | Rule::integer => "a number",
        Rule::boolean => "`true` or `false`",
        Rule::string | Rule::string_inner => "a quoted text such as `\"...\"`",
        Rule::close_quote => "`\"` to close the quoted text",
        Rule::colon => "`:` after the requirement id",
        Rule::equals => "`=` between the name and its value",
        Rule::comma => "`,` before the next item",
        Rule::open_brace => "`{` to open the block",
        Rule::close_brace => "`}` to close the block",
        Rule::open_bracket => "`[` to open the list",
        Rule::close_bracket => "`]` to close the list",
        Rule::open_paren => "`(`",
        Rule::close_paren => "`)` to close the bracket",
        Rule::ident | Rule::ident_char => "a name",
        Rule::keyword => "a keyword",
    }
}

/// Lowers pest pairs into the AST. Holds the precedence tables.
struct Lower {
    file: FileId,
    expr_table: PrattParser<Rule>,
    condition_table: PrattParser<Rule>,
}

type Result<T, E = SyntaxError> = std::result::Result<T, E>;

/// Punctuation pairs (`:`, `,`, `{`, ...) exist only so that syntax errors
/// can name them; the lowering skips them.
fn is_punctuation(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::colon
            | Rule::equals
            | Rule::comma
            | Rule::open_brace
            | Rule::close_brace
            | Rule::open_bracket
            | Rule::close_bracket
            | Rule::open_paren
            | Rule::close_paren
            | Rule::close_quote
    )
}

/// The next pair that is not punctuation.
fn take<'i>(pairs: &mut Pairs<'i, Rule>, file: FileId, at: usize) -> Result<Pair<'i, Rule>> {
    pairs
        .find(|pair| !is_punctuation(pair.as_rule()))
        .ok_or_else(|| internal(file, at))
}

/// The remaining pairs without punctuation.
fn significant<'i>(pairs: Pairs<'i, Rule>) -> impl Iterator<Item = Pair<'i, Rule>> {
    pairs.filter(|pair| !is_punctuation(pair.as_rule()))
}

impl Lower {
    fn new(file: FileId) -> Lower {
        // The one precedence table of the language, loosest first. Every
        // operator is left-associative so long chains never recurse deeply;
        // `a of b of c` means `(a of b) of c`, which has the same value.
        let expr_table = PrattParser::new()
            .op(Op::infix(Rule::add, Assoc::Left) | Op::infix(Rule::sub, Assoc::Left))
            .op(Op::infix(Rule::mul, Assoc::Left) | Op::infix(Rule::div, Assoc::Left))
            .op(Op::infix(Rule::of, Assoc::Left))
            .op(Op::prefix(Rule::neg))
            .op(Op::postfix(Rule::at_year));
        let condition_table = PrattParser::new()
            .op(Op::infix(Rule::cond_or, Assoc::Left))
            .op(Op::infix(Rule::cond_and, Assoc::Left))
            .op(Op::prefix(Rule::cond_not));
        Lower {
            file,
            expr_table,
            condition_table,
        }
    }

    /// The span of a pair without the spaces and comments pest leaves at
    /// its end, so that labels underline only the clause itself.
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let s = pair.as_span();
        let end = s.start() + lexical::significant_length(s.as_str());
        Span::new(self.file, s.start(), end)
    }

    fn ident(&self, pair: Pair<'_, Rule>) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: self.span(&pair),
        }
    }

    fn text(&self, pair: Pair<'_, Rule>) -> Text {
        let span = self.span(&pair);
        let raw = pair
            .into_inner()
            .find(|inner| inner.as_rule() == Rule::string_inner)
            .map_or("", |inner| inner.as_str());
        Text {
            value: unescape(raw),
            span,
        }
    }

    fn decimal(&self, pair: &Pair<'_, Rule>, text: &str) -> Result<Decimal> {
        let digits = text.chars().filter(char::is_ascii_digit).count();
        let parsed = if digits > 28 {
            None
        } else {
            Decimal::from_str(text).ok()
        };
        parsed.ok_or_else(|| SyntaxError::BadNumber {
            text: pair.as_str().to_string(),
            span: self.span(pair),
        })
    }

    fn year(&self, pair: &Pair<'_, Rule>) -> Result<i32> {
        let text = pair.as_str();
        match text.parse::<i32>() {
            Ok(year) if (1..=9999).contains(&year) => Ok(year),
            _ => Err(SyntaxError::BadYear {
                text: text.to_string(),
                span: self.span(pair),
            }),
        }
    }

    fn pledge(&self, pair: Pair<'_, Rule>) -> Result<Pledge> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        take(&mut inner, self.file, span.start as usize)?; // the keyword
        let name = self.text(take(&mut inner, self.file, span.start as usize)?);
        let mut extends = None;
        let mut items = Vec::new();
        for pair in significant(inner) {
            match pair.as_rule() {
                Rule::extends => {
                    let mut parts = pair.into_inner();
                    parts.next();
                    if let Some(path) = parts.next() {
                        extends = Some(self.text(path));
                    }
                }
                _ => items.push(self.item(pair)?),
            }
        }
        Ok(Pledge {
            name,
            extends,
            items,
            span,
        })
    }

    fn item(&self, pair: Pair<'_, Rule>) -> Result<Item> {
        let span = self.span(&pair);
        let at = span.start as usize;
        let rule = pair.as_rule();
        let mut inner = pair.into_inner();
        Ok(match rule {
            Rule::source_decl => {
                take(&mut inner, self.file, at)?;
                Item::Source(self.text(take(&mut inner, self.file, at)?))
            }
            Rule::status_decl => {
                take(&mut inner, self.file, at)?;
                Item::Status(self.ident(take(&mut inner, self.file, at)?))
            }
            Rule::meta_decl => {
                take(&mut inner, self.file, at)?;
                let key = self.ident(take(&mut inner, self.file, at)?);
                let value = self.text(take(&mut inner, self.file, at)?);
                Item::Meta { key, value }
            }
            Rule::param_decl => {
                take(&mut inner, self.file, at)?;
                let name = self.ident(take(&mut inner, self.file, at)?);
                let values = significant(inner)
                    .map(|value| self.param_value(value))
                    .collect::<Result<Vec<_>>>()?;
                Item::Param(ParamDecl { name, values, span })
            }
            Rule::group_decl => {
                take(&mut inner, self.file, at)?;
                let name = self.ident(take(&mut inner, self.file, at)?);
                let list = take(&mut inner, self.file, at)?;
                let members = significant(list.into_inner())
                    .map(|p| self.ident(p))
                    .collect();
                Item::Group(GroupDecl {
                    name,
                    members,
                    span,
                })
            }
            Rule::category_decl => Item::Category(self.category(inner, span)?),
            Rule::amend_decl => {
                take(&mut inner, self.file, at)?;
                take(&mut inner, self.file, at)?;
                let category = self.ident(take(&mut inner, self.file, at)?);
                let clauses = significant(inner)
                    .map(|c| self.clause(c))
                    .collect::<Result<Vec<_>>>()?;
                Item::Amend(AmendDecl {
                    category,
                    clauses,
                    span,
                })
            }
            Rule::replace_decl => {
                take(&mut inner, self.file, at)?;
                let what = take(&mut inner, self.file, at)?;
                match what.as_rule() {
                    Rule::replace_category => Item::Replace(ReplaceDecl::Category(
                        self.category(what.into_inner(), span)?,
                    )),
                    _ => {
                        Item::Replace(ReplaceDecl::Require(self.require(what.into_inner(), span)?))
                    }
                }
            }
            Rule::require_decl => Item::Require(self.require(inner, span)?),
            Rule::scope_decl => {
                take(&mut inner, self.file, at)?;
                let mut targets = Vec::new();
                let mut items = Vec::new();
                for part in significant(inner) {
                    if part.as_rule() == Rule::ident {
                        targets.push(self.ident(part));
                    } else {
                        items.push(self.item(part)?);
                    }
                }
                Item::Scope(ScopeDecl {
                    targets,
                    items,
                    span,
                })
            }
            Rule::example_decl => {
                take(&mut inner, self.file, at)?;
                let name = self.text(take(&mut inner, self.file, at)?);
                let statements = significant(inner)
                    .map(|s| self.example_statement(s))
                    .collect::<Result<Vec<_>>>()?;
                Item::Example(ExampleDecl {
                    name,
                    statements,
                    span,
                })
            }
            _ => return Err(internal(self.file, at)),
        })
    }

    fn param_value(&self, pair: Pair<'_, Rule>) -> Result<ParamValue> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let value = self.expr(take(&mut inner, self.file, span.start as usize)?)?;
        let mut result = ParamValue {
            value,
            from: None,
            until: None,
            source: None,
            span,
        };
        for part in significant(inner) {
            match part.as_rule() {
                Rule::from_year => result.from = Some(self.year_after_keyword(part)?),
                Rule::until_year => result.until = Some(self.year_after_keyword(part)?),
                _ => {
                    if let Some(text) = part.into_inner().nth(1) {
                        result.source = Some(self.text(text));
                    }
                }
            }
        }
        Ok(result)
    }

    fn year_after_keyword(&self, pair: Pair<'_, Rule>) -> Result<YearRef> {
        let at = pair.as_span().start();
        let mut inner = pair.into_inner();
        take(&mut inner, self.file, at)?;
        self.year_ref(take(&mut inner, self.file, at)?)
    }

    fn year_ref(&self, pair: Pair<'_, Rule>) -> Result<YearRef> {
        let at = pair.as_span().start();
        let inner = pair
            .into_inner()
            .next()
            .ok_or_else(|| internal(self.file, at))?;
        match inner.as_rule() {
            Rule::integer => Ok(YearRef::Literal {
                year: self.year(&inner)?,
                span: self.span(&inner),
            }),
            _ => Ok(YearRef::Param(self.ident(inner))),
        }
    }

    fn category(&self, inner: Pairs<'_, Rule>, span: Span) -> Result<CategoryDecl> {
        let mut id = None;
        let mut label = None;
        let mut within = None;
        let mut clauses = Vec::new();
        for part in significant(inner) {
            match part.as_rule() {
                Rule::kw_category => {}
                Rule::ident => id = Some(self.ident(part)),
                Rule::string => label = Some(self.text(part)),
                Rule::within => {
                    if let Some(parent) = part.into_inner().nth(1) {
                        within = Some(self.ident(parent));
                    }
                }
                _ => clauses.push(self.clause(part)?),
            }
        }
        let id = id.ok_or_else(|| internal(self.file, span.start as usize))?;
        Ok(CategoryDecl {
            id,
            label,
            within,
            clauses,
            span,
        })
    }

    fn clause(&self, pair: Pair<'_, Rule>) -> Result<Clause> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut weight = None;
        let mut condition = None;
        let mut categories = Vec::new();
        let mut amount = None;
        for part in significant(pair.into_inner()) {
            match part.as_rule() {
                Rule::weight => {
                    if let Some(percent) = part.into_inner().next() {
                        let text = percent.as_str().trim_end_matches('%');
                        weight = Some(Percent {
                            value: self.decimal(&percent, text)?,
                            span: self.span(&percent),
                        });
                    }
                }
                Rule::condition => condition = Some(self.condition(part)?),
                Rule::ident => categories.push(self.ident(part)),
                Rule::expr => amount = Some(self.expr(part)?),
                _ => {}
            }
        }
        let missing = || internal(self.file, span.start as usize);
        Ok(match rule {
            Rule::include_clause => Clause::Include {
                weight,
                condition: condition.ok_or_else(missing)?,
                span,
            },
            Rule::exclude_clause => Clause::Exclude {
                condition: condition.ok_or_else(missing)?,
                span,
            },
            Rule::exclude_counted => Clause::ExcludeCountedIn { categories, span },
            _ => Clause::Cap {
                amount: amount.ok_or_else(missing)?,
                span,
            },
        })
    }

    fn condition(&self, pair: Pair<'_, Rule>) -> Result<Condition> {
        let span = self.span(&pair);
        let (condition, depth) = self.condition_depth(pair)?;
        if depth > MAX_EXPRESSION_DEPTH {
            return Err(SyntaxError::TooLong { depth, span });
        }
        Ok(condition)
    }

    fn condition_depth(&self, pair: Pair<'_, Rule>) -> Result<(Condition, u32)> {
        self.condition_table
            .map_primary(|primary| -> Result<(Condition, u32)> {
                match primary.as_rule() {
                    Rule::cond_group => {
                        let at = primary.as_span().start();
                        let mut inner = primary.into_inner();
                        self.condition_depth(take(&mut inner, self.file, at)?)
                    }
                    Rule::tag_test => {
                        let at = primary.as_span().start();
                        let mut inner = primary.into_inner();
                        take(&mut inner, self.file, at)?;
                        Ok((
                            Condition::Tag(self.ident(take(&mut inner, self.file, at)?)),
                            1,
                        ))
                    }
                    _ => Ok((self.field_test(primary)?, 1)),
                }
            })
            .map_prefix(|op, operand| {
                let (operand, depth) = operand?;
                Ok((Condition::Not(Box::new(operand), self.span(&op)), depth + 1))
            })
            .map_infix(|left, op, right| {
                let (left, dl) = left?;
                let (right, dr) = right?;
                let node = match op.as_rule() {
                    Rule::cond_and => Condition::And(Box::new(left), Box::new(right)),
                    _ => Condition::Or(Box::new(left), Box::new(right)),
                };
                Ok((node, dl.max(dr) + 1))
            })
            .parse(pair.into_inner())
    }

    fn field_test(&self, pair: Pair<'_, Rule>) -> Result<Condition> {
        let at = pair.as_span().start();
        let mut inner = pair.into_inner();
        let field = self.ident(take(&mut inner, self.file, at)?);
        let test = take(&mut inner, self.file, at)?;
        match test.as_rule() {
            Rule::in_list | Rule::not_in_list => {
                let negated = test.as_rule() == Rule::not_in_list;
                let list = test
                    .into_inner()
                    .find(|p| p.as_rule() == Rule::value_list)
                    .ok_or_else(|| internal(self.file, at))?;
                let values = significant(list.into_inner())
                    .map(|v| self.value(v))
                    .collect::<Result<Vec<_>>>()?;
                Ok(Condition::In {
                    field,
                    negated,
                    values,
                })
            }
            _ => {
                let mut parts = test.into_inner();
                let op = compare_op(take(&mut parts, self.file, at)?.as_str());
                let value = self.value(take(&mut parts, self.file, at)?)?;
                Ok(Condition::Compare { field, op, value })
            }
        }
    }

    fn value(&self, pair: Pair<'_, Rule>) -> Result<Value> {
        let span = self.span(&pair);
        let inner = pair
            .into_inner()
            .next()
            .ok_or_else(|| internal(self.file, span.start as usize))?;
        let kind = match inner.as_rule() {
            Rule::signed_number => ValueKind::Number(self.decimal(&inner, inner.as_str())?),
            Rule::string => ValueKind::Text(self.text(inner).value),
            Rule::boolean => ValueKind::Bool(inner.as_str() == "true"),
            _ => ValueKind::Symbol(inner.as_str().to_string()),
        };
        Ok(Value { kind, span })
    }

    fn require(&self, inner: Pairs<'_, Rule>, span: Span) -> Result<RequireDecl> {
        let at = span.start as usize;
        let mut id = None;
        let mut body = None;
        for part in significant(inner) {
            match part.as_rule() {
                Rule::ident => id = Some(self.ident(part)),
                Rule::compare_req => body = Some(self.compare_requirement(part)?),
                Rule::path_req => body = Some(self.path_requirement(part)?),
                _ => {}
            }
        }
        Ok(RequireDecl {
            id: id.ok_or_else(|| internal(self.file, at))?,
            body: body.ok_or_else(|| internal(self.file, at))?,
            span,
        })
    }

    fn compare_requirement(&self, pair: Pair<'_, Rule>) -> Result<Requirement> {
        let at = pair.as_span().start();
        let mut inner = pair.into_inner();
        let left = self.expr(take(&mut inner, self.file, at)?)?;
        let op_pair = take(&mut inner, self.file, at)?;
        let op = compare_op(op_pair.as_str());
        let op_span = self.span(&op_pair);
        let right = self.expr(take(&mut inner, self.file, at)?)?;
        let mut from = None;
        let mut until = None;
        for part in significant(inner) {
            match part.as_rule() {
                Rule::from_year => from = Some(self.year_after_keyword(part)?),
                _ => until = Some(self.year_after_keyword(part)?),
            }
        }
        Ok(Requirement::Compare {
            left,
            op,
            op_span,
            right,
            from,
            until,
        })
    }

    fn path_requirement(&self, pair: Pair<'_, Rule>) -> Result<Requirement> {
        let at = pair.as_span().start();
        let mut exprs = Vec::new();
        let mut years = Vec::new();
        for part in significant(pair.into_inner()) {
            match part.as_rule() {
                Rule::expr => exprs.push(self.expr(part)?),
                Rule::year_ref => years.push(self.year_ref(part)?),
                _ => {}
            }
        }
        let mut exprs = exprs.into_iter();
        let mut years = years.into_iter();
        let missing = || internal(self.file, at);
        Ok(Requirement::Path {
            value: exprs.next().ok_or_else(missing)?,
            target: exprs.next().ok_or_else(missing)?,
            by: years.next().ok_or_else(missing)?,
            from: years.next().ok_or_else(missing)?,
        })
    }

    fn example_statement(&self, pair: Pair<'_, Rule>) -> Result<ExampleStatement> {
        let span = self.span(&pair);
        let at = span.start as usize;
        let rule = pair.as_rule();
        let mut inner = pair.into_inner();
        take(&mut inner, self.file, at)?; // the keyword
        Ok(match rule {
            Rule::ex_country => {
                ExampleStatement::Country(self.ident(take(&mut inner, self.file, at)?))
            }
            Rule::ex_year => {
                let year = take(&mut inner, self.file, at)?;
                ExampleStatement::Year {
                    year: self.year(&year)?,
                    span,
                }
            }
            Rule::ex_indicator => {
                let name = self.ident(take(&mut inner, self.file, at)?);
                let number = take(&mut inner, self.file, at)?;
                ExampleStatement::Indicator {
                    name,
                    value: self.decimal(&number, number.as_str())?,
                    span,
                }
            }
            Rule::ex_item => {
                let number = take(&mut inner, self.file, at)?;
                let amount = self.decimal(&number, number.as_str())?;
                let mut fields = Vec::new();
                let mut tags = Vec::new();
                for attr in significant(inner) {
                    let attr_at = attr.as_span().start();
                    let rule = attr.as_rule();
                    let mut parts = attr.into_inner();
                    if rule == Rule::item_tag {
                        take(&mut parts, self.file, attr_at)?;
                        tags.push(self.ident(take(&mut parts, self.file, attr_at)?));
                    } else {
                        let field = self.ident(take(&mut parts, self.file, attr_at)?);
                        let value = self.value(take(&mut parts, self.file, attr_at)?)?;
                        fields.push((field, value));
                    }
                }
                ExampleStatement::Item {
                    amount,
                    fields,
                    tags,
                    span,
                }
            }
            _ => {
                let what = take(&mut inner, self.file, at)?;
                let what_rule = what.as_rule();
                let mut parts = what.into_inner();
                if what_rule == Rule::expect_status {
                    let requirement = self.ident(take(&mut parts, self.file, at)?);
                    let status = self.ident(take(&mut parts, self.file, at)?);
                    ExampleStatement::ExpectStatus {
                        requirement,
                        status,
                        span,
                    }
                } else {
                    let left = self.expr(take(&mut parts, self.file, at)?)?;
                    let op = compare_op(take(&mut parts, self.file, at)?.as_str());
                    let right = self.expr(take(&mut parts, self.file, at)?)?;
                    ExampleStatement::ExpectCompare {
                        left,
                        op,
                        right,
                        span,
                    }
                }
            }
        })
    }

    fn expr(&self, pair: Pair<'_, Rule>) -> Result<Expr> {
        let span = self.span(&pair);
        let (expr, depth) = self.expr_depth(pair)?;
        if depth > MAX_EXPRESSION_DEPTH {
            return Err(SyntaxError::TooLong { depth, span });
        }
        Ok(expr)
    }

    fn expr_depth(&self, pair: Pair<'_, Rule>) -> Result<(Expr, u32)> {
        self.expr_table
            .map_primary(|primary| self.primary(primary))
            .map_prefix(|op, operand| {
                let (operand, depth) = operand?;
                let span = self.span(&op).join(operand.span);
                Ok((
                    Expr {
                        kind: ExprKind::Neg(Box::new(operand)),
                        span,
                    },
                    depth + 1,
                ))
            })
            .map_postfix(|operand, op| {
                let (operand, depth) = operand?;
                let span = operand.span.join(self.span(&op));
                let at = self.at_year(op)?;
                Ok((
                    Expr {
                        kind: ExprKind::At(Box::new(operand), at),
                        span,
                    },
                    depth + 1,
                ))
            })
            .map_infix(|left, op, right| {
                let (left, dl) = left?;
                let (right, dr) = right?;
                let op = match op.as_rule() {
                    Rule::add => BinaryOp::Add,
                    Rule::sub => BinaryOp::Sub,
                    Rule::mul => BinaryOp::Mul,
                    Rule::div => BinaryOp::Div,
                    _ => BinaryOp::Of,
                };
                let span = left.span.join(right.span);
                Ok((
                    Expr {
                        kind: ExprKind::Binary(op, Box::new(left), Box::new(right)),
                        span,
                    },
                    dl.max(dr) + 1,
                ))
            })
            .parse(pair.into_inner())
    }

    fn primary(&self, pair: Pair<'_, Rule>) -> Result<(Expr, u32)> {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::paren_expr => {
                let mut inner = pair.into_inner();
                return self.expr_depth(take(&mut inner, self.file, span.start as usize)?);
            }
            Rule::percent => {
                let text = pair.as_str().trim_end_matches('%');
                ExprKind::Percent(self.decimal(&pair, text)?)
            }
            Rule::number => ExprKind::Number(self.decimal(&pair, pair.as_str())?),
            Rule::string => ExprKind::Text(self.text(pair).value),
            Rule::boolean => ExprKind::Bool(pair.as_str() == "true"),
            Rule::call => {
                let mut inner = pair.into_inner();
                let name = self.ident(take(&mut inner, self.file, span.start as usize)?);
                let mut args = Vec::new();
                let mut depth = 0;
                for arg in significant(inner) {
                    let (arg, d) = self.expr_depth(arg)?;
                    depth = depth.max(d);
                    args.push(arg);
                }
                return Ok((
                    Expr {
                        kind: ExprKind::Call(name, args),
                        span,
                    },
                    depth + 1,
                ));
            }
            _ => ExprKind::Name(pair.as_str().to_string()),
        };
        Ok((Expr { kind, span }, 1))
    }

    fn at_year(&self, pair: Pair<'_, Rule>) -> Result<AtYear> {
        let at = pair.as_span().start();
        let mut inner = pair.into_inner();
        take(&mut inner, self.file, at)?;
        let what = take(&mut inner, self.file, at)?;
        if what.as_rule() == Rule::relative_year {
            let span = self.span(&what);
            let mut offset = 0;
            if let Some(offset_pair) = what.into_inner().find(|p| p.as_rule() == Rule::year_offset)
            {
                let text: String = offset_pair
                    .as_str()
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .collect();
                offset = text.parse::<i32>().map_err(|_| SyntaxError::BadYear {
                    text: offset_pair.as_str().to_string(),
                    span: self.span(&offset_pair),
                })?;
                if offset.abs() > 1000 {
                    return Err(SyntaxError::BadYear {
                        text: offset_pair.as_str().to_string(),
                        span: self.span(&offset_pair),
                    });
                }
            }
            Ok(AtYear::Relative { offset, span })
        } else {
            Ok(AtYear::Fixed(self.year_ref(what)?))
        }
    }
}

fn compare_op(text: &str) -> CompareOp {
    match text {
        ">=" => CompareOp::Ge,
        "<=" => CompareOp::Le,
        ">" => CompareOp::Gt,
        "<" => CompareOp::Lt,
        "!=" => CompareOp::Ne,
        _ => CompareOp::Eq,
    }
}

fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
}

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
