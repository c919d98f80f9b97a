//! Help for the syntax mistakes drafters make most, each in their words:
//! `by 2035` after a comparison, `percent` for `%`, `=` for `==`, a pledge
//! without braces. (A decimal comma is found before parsing, in `recover`.)

use super::*;

/// The word that starts at `position`, letters, digits and `_` only.
fn word_at(text: &str, position: usize) -> String {
    text.get(position..)
        .unwrap_or("")
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// The word (or number) that ends right before `position`, spaces skipped.
fn word_before(text: &str, position: usize) -> &str {
    let before = text.get(..position).unwrap_or("").trim_end();
    let start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric() || *c == '_' || *c == '.')
        .last()
        .map_or(before.len(), |(i, _)| i);
    before.get(start..).unwrap_or("")
}

/// The word after `position`, past spaces, or `fallback`.
fn next_word(text: &str, position: usize, fallback: &str) -> String {
    let rest = text.get(position..).unwrap_or("").trim_start();
    let word: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.')
        .collect();
    if word.is_empty() {
        fallback.to_string()
    } else {
        word
    }
}

/// A help for a well-known mistake at `position`, if it is one.
pub(crate) fn targeted_help(rules: &[Rule], text: &str, position: usize) -> Option<String> {
    let expects = |rule: Rule| rules.contains(&rule);
    let rest = text.get(position..).unwrap_or("");
    let word = word_at(text, position);
    if word == "by" && !expects(Rule::kw_by) && (expects(Rule::kw_from) || expects(Rule::kw_until))
    {
        let year = next_word(text, position + 2, "2035");
        return Some(format!(
            "a requirement applies from a year on: write `from {year}`, not `by {year}`. \
             (`by` belongs to a path: `core on path to 3.5% of gdp by {year} from 2025`)"
        ));
    }
    if expects(Rule::ident) && is_keyword(&word) {
        return Some(keyword_as_name(text, position, &word));
    }
    let at_line_start = text
        .get(..position)
        .and_then(|before| before.rsplit('\n').next())
        .is_some_and(|line| line.trim().is_empty());
    let clause_word = CLAUSE_KEYWORDS.iter().any(|(keyword, _)| *keyword == word);
    let wants_value = expects(Rule::expr) || expects(Rule::primary) || expects(Rule::year_ref);
    if at_line_start && clause_word && wants_value {
        return Some(format!(
            "the clause on the line above is not finished: its value is missing at the end \
             of that line, before `{word}` starts a new clause"
        ));
    }
    if rest.starts_with('%') && text.get(..position).is_some_and(|b| b.ends_with('%')) {
        let number = word_before(text, position.saturating_sub(1));
        return Some(format!("write `%` once: `{number}%`"));
    }
    let lower = word.to_lowercase();
    if ["percent", "pct", "per", "percentage"].contains(&lower.as_str()) {
        let number = word_before(text, position);
        if number.chars().next().is_some_and(|c| c.is_ascii_digit()) {
            return Some(format!(
                "a percentage is written with `%` right after the number: write `{number}%`"
            ));
        }
    }
    if rest.starts_with('=') && !rest.starts_with("==") {
        if let Some(help) = single_equals(rules, text, position) {
            return Some(help);
        }
    }
    if expects(Rule::kw_extends) && expects(Rule::open_brace) && clause_word {
        return Some(
            "the clauses of a pledge go between braces: end the `pledge \"Name\"` line with `{` \
             and close the pledge with `}` after its last clause"
                .to_string(),
        );
    }
    None
}

/// A reserved word where a name is expected: what is being named, and a
/// name to write instead.
fn keyword_as_name(text: &str, position: usize, word: &str) -> String {
    let (what, suffix) = match word_before(text, position) {
        "category" => ("a category's name", "spending"),
        "group" => ("a group's name", "countries"),
        "param" => ("a parameter's name", "value"),
        "require" => ("a requirement's name", "floor"),
        _ => ("a name", "total"),
    };
    format!(
        "`{word}` is a reserved word of the language, so it cannot be {what}; \
         choose another, for example `{word}_{suffix}`"
    )
}

/// `=` where `==` (a condition), nothing (`tag`) or nothing (an expected
/// outcome) is meant.
fn single_equals(rules: &[Rule], text: &str, position: usize) -> Option<String> {
    let expects = |rule: Rule| rules.contains(&rule);
    let before = word_before(text, position);
    let value = next_word(text, position + 1, "value");
    let rest = text.get(position..).unwrap_or("");
    if rest.starts_with("=>") || rest.starts_with("=<") {
        let meant = if rest.starts_with("=>") { ">=" } else { "<=" };
        let written = rest.get(..2).unwrap_or("");
        return Some(format!(
            "write `{meant}`, not `{written}`: the comparison sign comes before `=`"
        ));
    }
    if expects(Rule::kw_on) {
        return Some(format!(
            "a requirement compares with `>=` (at least), `<=` (at most) or `==` (equal): \
             write `{before} >= {value}`"
        ));
    }
    if before == "tag" {
        return Some(format!("a tag is tested without `=`: write `tag {value}`"));
    }
    if expects(Rule::status_word) {
        return Some(format!(
            "an expected outcome follows the requirement without `=`: write \
             `expect {before} {value}`; to compare a value, write `==`"
        ));
    }
    if expects(Rule::compare_op) {
        return Some(format!(
            "a condition compares with two equals signs: write `{before} == {value}` \
             (a single `=` gives a `param` its value)"
        ));
    }
    None
}

/// At most a few alternatives: the clauses that could start next become
/// "the end of the clause", the operators "an operator".
pub(crate) fn shorten(rules: &[Rule], expected: Vec<&'static str>) -> Vec<&'static str> {
    const FEW: usize = 4;
    if expected.len() <= FEW {
        return expected;
    }
    let starts_clause = |rule: &Rule| {
        CLAUSE_KEYWORDS.iter().any(|(_, keyword)| keyword == rule)
            || matches!(
                rule,
                Rule::pledge_item
                    | Rule::scope_item
                    | Rule::example_stmt
                    | Rule::clause
                    | Rule::close_brace
                    | Rule::kw_include
                    | Rule::kw_exclude
                    | Rule::kw_cap
                    | Rule::kw_country
                    | Rule::kw_year
                    | Rule::kw_indicator
                    | Rule::kw_item
                    | Rule::kw_expect
            )
    };
    let starts_value = |rule: &Rule| {
        matches!(
            rule,
            Rule::expr
                | Rule::primary
                | Rule::paren_expr
                | Rule::open_paren
                | Rule::call
                | Rule::function_name
                | Rule::percent
                | Rule::number
                | Rule::signed_number
                | Rule::integer
                | Rule::boolean
                | Rule::string
                | Rule::ident
                | Rule::neg
                | Rule::prefix_op
        )
    };
    let mut grouped: Vec<&'static str> = rules
        .iter()
        .filter(|rule| !starts_clause(rule) && !is_operator(rule) && !starts_value(rule))
        .map(|rule| describe(*rule))
        .collect();
    grouped.sort_unstable();
    grouped.dedup();
    if rules.iter().any(starts_value) {
        grouped.insert(0, "a value such as `2%`, `gdp` or `2% of gdp`");
    }
    if rules.iter().any(is_operator) {
        grouped.push("an operator (`+`, `-`, `*`, `/`, `of`)");
    }
    if grouped.is_empty() && !rules.iter().any(is_operator) {
        // Only a clause can come here: say which kind, in a few words.
        return block_contents(rules);
    }
    if rules.iter().any(starts_clause) {
        grouped.push("the end of the clause");
    }
    grouped.truncate(FEW);
    grouped
}

/// What a block accepts next, in a few words.
fn block_contents(rules: &[Rule]) -> Vec<&'static str> {
    let expects = |rule: Rule| rules.contains(&rule);
    let mut out = Vec::new();
    if expects(Rule::kw_category) {
        out.push("a pledge clause (`param`, `category`, `require`, ...)");
    } else if expects(Rule::kw_amend) {
        out.push("a clause for these countries (`param`, `require`, `amend`, `replace`)");
    } else if expects(Rule::kw_include) {
        out.push("`include`, `exclude` or `cap`");
    } else if expects(Rule::kw_expect) {
        out.push("an example line (`country`, `year`, `indicator`, `item` or `expect`)");
    }
    if expects(Rule::close_brace) {
        out.push("`}` to close the block");
    }
    if out.is_empty() {
        out.push("a complete clause");
    }
    out
}
