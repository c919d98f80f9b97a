//! Every syntax error of a file, not only the first: after an error, the
//! clause that holds it is blanked out (replaced by spaces, so that every
//! position stays where it was) up to the next line that starts a clause or
//! closes a block, and the file is read again. Errors in the frame of the
//! file (a pledge without `{`, a missing `}`) end the search, because what
//! follows them cannot be read in its right place.

use std::borrow::Cow;

use pest::Parser;

use crate::lexical::{self, Piece};
use crate::source::{FileId, Span};

use super::expected::*;
use super::lower::*;
use super::*;

/// The most syntax errors reported for one file.
pub const MAX_SYNTAX_ERRORS: usize = 20;

/// Words that start a clause or a line of an example: a reading can start
/// again at a line that begins with one of them.
const STATEMENT_WORDS: [&str; 22] = [
    "pledge",
    "source",
    "status",
    "meta",
    "param",
    "group",
    "category",
    "amend",
    "replace",
    "require",
    "for",
    "example",
    "include",
    "exclude",
    "cap",
    "country",
    "year",
    "indicator",
    "item",
    "expect",
    "within",
    "extends",
];

/// Parses one rule file and reports every syntax error found in it.
pub fn parse_all(text: &str, file: FileId) -> Result<File, Vec<SyntaxError>> {
    guard_nesting(text, file).map_err(|error| vec![error])?;
    let (mut errors, mut masked) = decimal_commas(text, file);
    let mut last_position: Option<usize> = None;
    loop {
        let error = match PledgeParser::parse(Rule::file, &masked) {
            Ok(pairs) => match lower_file(pairs, &masked, file) {
                Ok(parsed) if errors.is_empty() => return Ok(parsed),
                Ok(_) => break,
                Err(error) => {
                    errors.push(error);
                    break;
                }
            },
            Err(error) => error,
        };
        let position = match error.location {
            pest::error::InputLocation::Pos(p) => p,
            pest::error::InputLocation::Span((s, _)) => s,
        };
        let rules: Vec<Rule> = match &error.variant {
            pest::error::ErrorVariant::ParsingError { positives, .. } => positives.clone(),
            pest::error::ErrorVariant::CustomError { .. } => Vec::new(),
        };
        if last_position.is_some_and(|last| position <= last) {
            break;
        }
        last_position = Some(position);
        errors.push(convert(error, &masked, file));
        if errors.len() >= MAX_SYNTAX_ERRORS || ends_the_search(&rules, &masked, position) {
            break;
        }
        match blank_clause(&masked, position) {
            Some(next) => masked = Cow::Owned(next),
            None => break,
        }
    }
    errors.sort_by_key(|error| error.span().start);
    Err(errors)
}

/// Lowers the pairs of a whole file into the tree.
fn lower_file(
    mut pairs: pest::iterators::Pairs<'_, Rule>,
    text: &str,
    file: FileId,
) -> Result<File, SyntaxError> {
    let lower = Lower::new(file, text);
    let root = pairs.next().map(|p| p.into_inner());
    let mut pledges = Vec::new();
    for pair in root.into_iter().flatten() {
        if pair.as_rule() == Rule::pledge {
            pledges.push(lower.pledge(pair)?);
        }
    }
    Ok(File { pledges })
}

/// Whether an error breaks the frame of the file, so that nothing after it
/// can be read in its right place: the end of the file, a pledge header
/// without `{`, a clause outside any pledge, a block missing its `}`.
fn ends_the_search(rules: &[Rule], text: &str, position: usize) -> bool {
    let expects = |rule: Rule| rules.contains(&rule);
    let rest = text.get(position..).unwrap_or("");
    let word: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    let misplaced_clause = CLAUSE_KEYWORDS
        .iter()
        .any(|(keyword, rule)| *keyword == word && !expects(*rule));
    rest.trim().is_empty()
        || unclosed_comment(text).is_some()
        || expects(Rule::EOI)
        || expects(Rule::kw_pledge)
        || expects(Rule::kw_extends)
        || (misplaced_clause && expects(Rule::close_brace))
}

/// The first word of the line that starts at `start`, or `}` when the line
/// starts by closing a block.
fn first_word(text: &str, start: usize) -> &str {
    let line = text.get(start..).unwrap_or("");
    let line = line.split('\n').next().unwrap_or("").trim_start();
    if line.starts_with('}') {
        return "}";
    }
    let end = line
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(line.len());
    line.get(..end).unwrap_or("")
}

fn starts_statement(text: &str, start: usize) -> bool {
    let word = first_word(text, start);
    word == "}" || STATEMENT_WORDS.contains(&word)
}

/// The starts of the lines of `text`.
fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

/// The text with the clause that holds the error at `position` blanked out,
/// or `None` when there is nothing sensible to blank.
fn blank_clause(text: &str, position: usize) -> Option<String> {
    let starts = line_starts(text);
    let line = starts
        .partition_point(|start| *start <= position)
        .checked_sub(1)?;
    let line_start = *starts.get(line)?;
    let at_line_start = text
        .get(line_start..position)
        .is_some_and(|before| before.trim().is_empty());
    // An error at the first word of a line is often the end of an
    // unfinished clause above it: blank that clause too, unless the line
    // above opens or closes a block.
    let ends_block = |index: usize| {
        let from = starts.get(index).copied().unwrap_or(0);
        let to = starts.get(index + 1).copied().unwrap_or(text.len());
        let line = text.get(from..to).unwrap_or("").trim_end();
        line.ends_with('{') || line.ends_with('}')
    };
    let mut first = if at_line_start && line > 0 && !ends_block(line - 1) {
        line - 1
    } else {
        line
    };
    while first > 0 && !starts_statement(text, *starts.get(first)?) && !ends_block(first - 1) {
        first -= 1;
    }
    let start = *starts.get(first)?;
    let end = starts
        .iter()
        .skip(line + 1)
        .copied()
        .find(|start| starts_statement(text, *start))
        .unwrap_or(text.len());
    let end = balance(text, start, end);
    let mut bytes = text.as_bytes().to_vec();
    for byte in bytes.get_mut(start..end)? {
        if *byte != b'\n' && *byte != b'\r' {
            *byte = b' ';
        }
    }
    String::from_utf8(bytes).ok()
}

/// Moves `end` so that the blanked text `start..end` opens and closes as
/// many blocks as it closes: past the `}` of a block it opens, or back to
/// a `}` it would close without having opened.
fn balance(text: &str, start: usize, end: usize) -> usize {
    let mut depth = 0i64;
    for (piece, from, to) in lexical::pieces(text) {
        if piece != Piece::Code || to <= start {
            continue;
        }
        for (offset, byte) in text
            .as_bytes()
            .iter()
            .enumerate()
            .take(to)
            .skip(from.max(start))
        {
            match byte {
                b'{' => depth += 1,
                b'}' if depth == 0 => return offset.min(end),
                b'}' => {
                    depth -= 1;
                    if depth == 0 && offset >= end {
                        return offset + 1;
                    }
                }
                _ => {}
            }
            if depth == 0 && offset + 1 >= end {
                return end;
            }
        }
    }
    if depth == 0 {
        end
    } else {
        text.len()
    }
}

/// `3,5%`: a decimal comma in a percentage. Each one is an error that says
/// to write a point; the text returned has points in their place, so that
/// the rest of the file is read as meant.
/// The text is borrowed as it is when it has no decimal comma.
fn decimal_commas(text: &str, file: FileId) -> (Vec<SyntaxError>, Cow<'_, str>) {
    let bytes = text.as_bytes();
    let mut errors = Vec::new();
    let mut fixed: Option<Vec<u8>> = None;
    for (piece, from, to) in lexical::pieces(text) {
        if piece != Piece::Code {
            continue;
        }
        for comma in (from..to).filter(|i| bytes.get(*i) == Some(&b',')) {
            let digits_before = bytes
                .get(..comma)
                .unwrap_or(&[])
                .iter()
                .rev()
                .take_while(|b| b.is_ascii_digit())
                .count();
            let digits_after = bytes
                .get(comma + 1..)
                .unwrap_or(&[])
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            let start = comma - digits_before;
            let end = comma + 1 + digits_after;
            let word_before = start > 0
                && bytes
                    .get(start - 1)
                    .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'.');
            if digits_before == 0
                || digits_after == 0
                || word_before
                || bytes.get(end) != Some(&b'%')
            {
                continue;
            }
            let written = text.get(start..=end).unwrap_or("");
            let meant = written.replace(',', ".");
            errors.push(SyntaxError::Unexpected {
                expected: "a percentage such as `3.5%`".to_string(),
                found: format!("`{written}`"),
                help: format!(
                    "decimals are written with a point, not a comma: write `{meant}`, not `{written}`"
                ),
                label: "a decimal comma".to_string(),
                span: Span::new(file, start, end + 1),
            });
            let fixed = fixed.get_or_insert_with(|| bytes.to_vec());
            if let Some(byte) = fixed.get_mut(comma) {
                *byte = b'.';
            }
        }
    }
    let fixed = match fixed {
        Some(fixed) => Cow::Owned(String::from_utf8(fixed).unwrap_or_else(|_| text.to_string())),
        None => Cow::Borrowed(text),
    };
    (errors, fixed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(text: &str) -> usize {
        parse_all(text, FileId(0))
            .err()
            .map_or(0, |errors| errors.len())
    }

    #[test]
    fn separate_mistakes_are_each_reported() {
        let text =
            "pledge \"P\" {\n  category core {\n    include nato_category = equipment\n  }\n  \
                    param floor = 3.5 percent\n  require r: core >= floor of gdp by 2035\n}\n";
        assert_eq!(count(text), 3);
    }

    #[test]
    fn a_decimal_comma_is_one_error_and_the_rest_is_read() {
        assert_eq!(count("pledge \"P\" {\n  param floor = 3,5%\n}\n"), 1);
        assert_eq!(
            count("pledge \"P\" {\n  param floor = 3,5% from 2030, 4%\n}\n"),
            1
        );
    }

    #[test]
    fn a_broken_frame_stops_the_search() {
        assert_eq!(count("pledge \"P\"\n  param a = 1\n  param b = 2\n}\n"), 1);
    }
}
