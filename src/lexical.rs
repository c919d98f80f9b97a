//! Where quoted texts and comments are in a rule text, for the scans that
//! run outside the grammar: the nesting guard and the span trimming of
//! `parse`, and the comment keeping of `print`. One scanner, following the
//! grammar's rules: a quoted text ends at its closing `"` or at the end of
//! the line; `\"` and `\\` are escapes; `//` runs to the end of the line;
//! `/* ... */` does not nest.

/// What a stretch of text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece {
    /// Anything else: names, numbers, operators, punctuation, spaces.
    Code,
    /// A quoted text, with its quotes (or up to the end of the line when it
    /// is not closed).
    Text,
    LineComment,
    /// `/* ... */`; `closed` is false when the file ends inside it.
    BlockComment {
        closed: bool,
    },
}

/// The pieces of a text in order, as `(piece, start, end)` byte ranges that
/// together cover the whole text.
pub fn pieces(text: &str) -> Pieces<'_> {
    Pieces {
        bytes: text.as_bytes(),
        at: 0,
    }
}

pub struct Pieces<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Iterator for Pieces<'_> {
    type Item = (Piece, usize, usize);

    fn next(&mut self) -> Option<Self::Item> {
        let bytes = self.bytes;
        let start = self.at;
        let first = *bytes.get(start)?;
        let second = bytes.get(start + 1).copied();
        let (piece, end) = match (first, second) {
            (b'"', _) => {
                let mut i = start + 1;
                loop {
                    match bytes.get(i) {
                        None | Some(b'\n') => break (Piece::Text, i),
                        Some(b'"') => break (Piece::Text, i + 1),
                        Some(b'\\') if matches!(bytes.get(i + 1), Some(b'"' | b'\\')) => i += 2,
                        Some(_) => i += 1,
                    }
                }
            }
            (b'/', Some(b'/')) => {
                let mut i = start;
                while bytes.get(i).is_some_and(|&b| b != b'\n') {
                    i += 1;
                }
                (Piece::LineComment, i)
            }
            (b'/', Some(b'*')) => {
                let mut i = start + 2;
                loop {
                    match (bytes.get(i), bytes.get(i + 1)) {
                        (None, _) => break (Piece::BlockComment { closed: false }, bytes.len()),
                        (Some(b'*'), Some(b'/')) => {
                            break (Piece::BlockComment { closed: true }, i + 2)
                        }
                        _ => i += 1,
                    }
                }
            }
            _ => {
                let mut i = start + 1;
                while let Some(&b) = bytes.get(i) {
                    let opens_comment = b == b'/' && matches!(bytes.get(i + 1), Some(b'/' | b'*'));
                    if b == b'"' || opens_comment {
                        break;
                    }
                    i += 1;
                }
                (Piece::Code, i)
            }
        };
        self.at = end.max(start + 1);
        Some((piece, start, self.at))
    }
}

/// The length of `text` up to the end of its last byte that is neither
/// space nor comment.
pub fn significant_length(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut last = 0;
    for (piece, start, end) in pieces(text) {
        match piece {
            Piece::Text => last = end,
            Piece::Code => {
                if let Some(offset) = bytes
                    .get(start..end)
                    .and_then(|code| code.iter().rposition(|b| !b.is_ascii_whitespace()))
                {
                    last = start + offset + 1;
                }
            }
            Piece::LineComment | Piece::BlockComment { .. } => {}
        }
    }
    last
}

/// Which bytes of a text are significant (neither space nor comment), so
/// that the significant end of any stretch of it is found from the end of
/// the stretch instead of by reading the stretch again from its start.
pub struct Significant {
    bits: Vec<u64>,
}

impl Significant {
    pub fn new(text: &str) -> Significant {
        let bytes = text.as_bytes();
        // Every byte that is not a space, a word of 64 bytes at a time ...
        let mut bits: Vec<u64> = bytes
            .chunks(64)
            .map(|chunk| {
                chunk
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| !b.is_ascii_whitespace())
                    .fold(0, |word, (bit, _)| word | 1 << bit)
            })
            .collect();
        // ... then quoted texts, spaces included, and comments, excluded.
        for (piece, start, end) in pieces(text) {
            let significant = match piece {
                Piece::Code => continue,
                Piece::Text => true,
                Piece::LineComment | Piece::BlockComment { .. } => false,
            };
            for i in start..end {
                if let Some(word) = bits.get_mut(i / 64) {
                    if significant {
                        *word |= 1 << (i % 64);
                    } else {
                        *word &= !(1 << (i % 64));
                    }
                }
            }
        }
        Significant { bits }
    }

    /// The end of the last significant byte in `start..end`, or `start`
    /// when there is none: `start + significant_length(&text[start..end])`
    /// for a stretch that starts outside quoted texts and comments and does
    /// not end just before a comment's `//` or `/*`, as the spans of the
    /// grammar's pairs do.
    pub fn end(&self, start: usize, end: usize) -> usize {
        (start..end)
            .rev()
            .find(|&i| {
                self.bits
                    .get(i / 64)
                    .is_some_and(|word| word >> (i % 64) & 1 == 1)
            })
            .map_or(start, |i| i + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(Piece, &str)> {
        pieces(text)
            .map(|(piece, start, end)| (piece, text.get(start..end).unwrap_or("")))
            .collect()
    }

    #[test]
    fn splits_texts_and_comments_from_code() {
        assert_eq!(
            kinds("a \"b // c\" /* d */ e // f\ng"),
            vec![
                (Piece::Code, "a "),
                (Piece::Text, "\"b // c\""),
                (Piece::Code, " "),
                (Piece::BlockComment { closed: true }, "/* d */"),
                (Piece::Code, " e "),
                (Piece::LineComment, "// f"),
                (Piece::Code, "\ng"),
            ]
        );
        assert_eq!(kinds("\"a \\\" b\""), vec![(Piece::Text, "\"a \\\" b\"")]);
        assert_eq!(
            kinds("\"open\nx"),
            vec![(Piece::Text, "\"open"), (Piece::Code, "\nx")]
        );
        assert_eq!(
            kinds("x /* open"),
            vec![
                (Piece::Code, "x "),
                (Piece::BlockComment { closed: false }, "/* open")
            ]
        );
    }

    #[test]
    fn significant_length_leaves_out_trailing_spaces_and_comments() {
        assert_eq!(
            significant_length("include x  // note\n  "),
            "include x".len()
        );
        assert_eq!(
            significant_length("source \"a // b\" /* c */"),
            "source \"a // b\"".len()
        );
        assert_eq!(significant_length("   "), 0);
    }

    #[test]
    fn the_significant_end_of_a_stretch_is_its_significant_length() {
        // Longer than two words of the map, with pieces across their edges.
        let text = &"include x  // note\n  source \"a // b\" /* c */ y \"open\n z\t\r\n".repeat(3);
        let significant = Significant::new(text);
        for start in 0..text.len() {
            for end in start..=text.len() {
                let (Some(stretch), Some(&first)) =
                    (text.get(start..end), text.as_bytes().get(start))
                else {
                    continue;
                };
                // Stretches that start at a word or a quote, as pairs do.
                let at_token = first == b'"' || first.is_ascii_alphabetic();
                let inside = pieces(text)
                    .any(|(piece, from, to)| piece != Piece::Code && from < start && start < to);
                let before_comment =
                    stretch.ends_with('/') && matches!(text.as_bytes().get(end), Some(b'/' | b'*'));
                if at_token && !inside && !before_comment {
                    assert_eq!(
                        significant.end(start, end),
                        start + significant_length(stretch),
                        "{stretch:?}"
                    );
                }
            }
        }
    }
}
