//! pest errors in words: `describe(Rule)`, the help for each place, unknown functions; the nesting guard.

use crate::lexical::{self, Piece};
use crate::source::{FileId, Span};

use super::lower::*;
use super::*;

/// Rejects input nested so deeply that parsing it would exhaust the stack.
pub(crate) fn guard_nesting(text: &str, file: FileId) -> Result<(), SyntaxError> {
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

pub(crate) fn internal(file: FileId, at: usize) -> SyntaxError {
    unexpected(
        "a complete clause".to_string(),
        "something the parser could not read".to_string(),
        "check the clause against docs/language.md".to_string(),
        Span::new(file, at, at),
    )
}

/// An `Unexpected` error whose label points at the place of the expected thing.
pub(crate) fn unexpected(expected: String, found: String, help: String, span: Span) -> SyntaxError {
    SyntaxError::Unexpected {
        label: format!("expected {expected} here"),
        expected,
        found,
        help,
        span,
    }
}

/// Converts a pest error into words a negotiator understands.
pub(crate) fn convert(error: pest::error::Error<Rule>, text: &str, file: FileId) -> SyntaxError {
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
    let expected = super::hints::shorten(&rules, expected);
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

pub(crate) fn join_alternatives(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}

/// What is at the error position, in words, and how many bytes to underline.
pub(crate) fn describe_found(text: &str, position: usize) -> (String, usize) {
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
pub(crate) const FUNCTIONS: [&str; 6] = ["min", "max", "round", "money", "alliance", "count"];

/// An arithmetic operator or `at`, which can only follow a value.
pub(crate) fn is_operator(rule: &Rule) -> bool {
    matches!(
        rule,
        Rule::add
            | Rule::sub
            | Rule::mul
            | Rule::div
            | Rule::infix_op
            | Rule::of
            | Rule::kw_of
            | Rule::at_year
            | Rule::kw_at
            | Rule::postfix_op
    )
}

/// `f(x)` with a name that is not a function: pest stops at the `(`, but
/// the mistake is the name before it. Only where the name was read as a
/// value or field, that is where an operator or comparison could follow.
pub(crate) fn unknown_function(
    rules: &[Rule],
    text: &str,
    position: usize,
    file: FileId,
) -> Option<SyntaxError> {
    let after_a_value = rules.iter().any(|rule| {
        is_operator(rule)
            || matches!(
                rule,
                Rule::compare_op
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
pub(crate) fn unclosed_comment(text: &str) -> Option<usize> {
    lexical::pieces(text)
        .find(|(piece, _, _)| *piece == Piece::BlockComment { closed: false })
        .map(|(_, start, _)| start)
}

/// Clauses that open a pledge-level item, with the rule of their keyword.
pub(crate) const CLAUSE_KEYWORDS: [(&str, Rule); 11] = [
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
pub(crate) fn help_for(rules: &[Rule], text: &str, position: usize) -> String {
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
    if let Some(help) = super::hints::targeted_help(rules, text, position) {
        return help;
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
    punctuation_help(&expects, rest)
}

/// The help for a missing or misplaced piece of punctuation (or, failing
/// that, a pointer to the language reference).
fn punctuation_help(expects: &dyn Fn(Rule) -> bool, rest: &str) -> String {
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

pub(crate) fn is_keyword(word: &str) -> bool {
    PledgeParser::parse(Rule::keyword, word).is_ok_and(|pairs| pairs.as_str() == word)
}

/// Every grammar rule as words. Exhaustive on purpose: a new rule must say
/// how it reads in an error message.
pub(crate) fn describe(rule: Rule) -> &'static str {
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
