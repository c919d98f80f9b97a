//! Positions as the editor counts them (line, UTF-16 column) and byte
//! offsets into the text, and the word under the cursor.

use lsp_types::{Position, Range};

/// The LSP position of a byte offset.
pub fn position(text: &str, offset: usize) -> Position {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let before = text.get(..offset).unwrap_or("");
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column: usize = before
        .get(line_start..)
        .unwrap_or("")
        .chars()
        .map(char::len_utf16)
        .sum();
    Position::new(to_u32(line), to_u32(column))
}

/// The byte offset of an LSP position (clamped to the line and the text).
pub fn offset(text: &str, position: Position) -> usize {
    let mut line_start = 0;
    for _ in 0..position.line {
        match text.get(line_start..).and_then(|rest| rest.find('\n')) {
            Some(i) => line_start += i + 1,
            None => return text.len(),
        }
    }
    let line = text.get(line_start..).unwrap_or("");
    let line = line.split('\n').next().unwrap_or("");
    let mut units = 0usize;
    for (i, c) in line.char_indices() {
        if units >= position.character as usize {
            return line_start + i;
        }
        units += c.len_utf16();
    }
    line_start + line.len()
}

pub fn range(text: &str, bytes: std::ops::Range<usize>) -> Range {
    Range::new(position(text, bytes.start), position(text, bytes.end))
}

/// The name (letters, digits, `_`) at or just before a byte offset, with
/// its byte range.
pub fn word_at(text: &str, offset: usize) -> Option<(String, std::ops::Range<usize>)> {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let before = text.get(..offset)?;
    let start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_word(*c))
        .last()
        .map_or(offset, |(i, _)| i);
    let after = text.get(offset..)?;
    let end = offset + after.find(|c: char| !is_word(c)).unwrap_or(after.len());
    let word = text.get(start..end)?;
    (!word.is_empty()).then(|| (word.to_string(), start..end))
}

/// The text of the line before the cursor.
pub fn line_before(text: &str, offset: usize) -> &str {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let before = text.get(..offset).unwrap_or("");
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    before.get(start..).unwrap_or("")
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_columns() {
        let text = "a\nTürkiye core\n";
        let at = text.find("core").unwrap_or(0);
        assert_eq!(position(text, at), Position::new(1, 8));
        assert_eq!(offset(text, Position::new(1, 8)), at);
        assert_eq!(offset(text, Position::new(9, 0)), text.len());
    }

    #[test]
    fn finds_the_word_under_the_cursor() {
        let text = "require core_floor: core >= 3.5% of gdp";
        let at = text.find("floor").unwrap_or(0);
        assert_eq!(word_at(text, at).map(|w| w.0), Some("core_floor".into()));
        assert_eq!(word_at(text, text.len()).map(|w| w.0), Some("gdp".into()));
        assert_eq!(word_at(text, text.find(':').unwrap_or(0) + 1), None);
    }
}
