//! Source texts and positions. Rule files, data files and inline texts are
//! registered in a `Sources` table; every span names its file by `FileId`, so
//! a diagnostic can always show the text it blames.

use std::sync::Arc;

use miette::{NamedSource, SourceSpan};

/// An index into `Sources`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// A byte range in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span {
            file,
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
        }
    }

    /// The smallest span covering both (they must be in the same file).
    pub fn join(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

impl From<Span> for SourceSpan {
    fn from(span: Span) -> SourceSpan {
        SourceSpan::from(span.range())
    }
}

/// One registered text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The name shown to users, usually the path as given.
    pub name: String,
    pub text: Arc<String>,
    /// Where each line starts, as diagnostics count lines (after `\n`,
    /// `\r\n` or a lone `\r`).
    pub line_starts: Arc<Vec<usize>>,
}

/// All texts a run has read.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub fn new() -> Sources {
        Sources::default()
    }

    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        let text: String = text.into();
        let line_starts = Arc::new(line_starts(&text));
        self.files.push(SourceFile {
            name: name.into(),
            text: Arc::new(text),
            line_starts,
        });
        id
    }

    /// The text of a file, shared rather than copied (empty for an unknown
    /// id).
    pub fn shared_text(&self, id: FileId) -> Arc<String> {
        self.get(id)
            .map(|f| Arc::clone(&f.text))
            .unwrap_or_default()
    }

    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    pub fn name(&self, id: FileId) -> &str {
        self.get(id).map_or("<unknown>", |file| file.name.as_str())
    }

    pub fn text(&self, id: FileId) -> &str {
        self.get(id).map_or("", |file| file.text.as_str())
    }

    /// The source text under a span.
    pub fn slice(&self, span: Span) -> &str {
        self.text(span.file).get(span.range()).unwrap_or("")
    }

    /// A miette source for diagnostics about this file.
    pub fn named(&self, id: FileId) -> NamedSource<Excerpt> {
        match self.get(id) {
            Some(file) => NamedSource::new(
                file.name.clone(),
                Excerpt {
                    text: file.text.clone(),
                    line_starts: file.line_starts.clone(),
                },
            ),
            None => NamedSource::new(
                "<unknown>",
                Excerpt {
                    text: Arc::new(String::new()),
                    line_starts: Arc::new(vec![0]),
                },
            ),
        }
    }

    /// 1-based line and column of the start of a span.
    pub fn line_col(&self, span: Span) -> (usize, usize) {
        line_col(self.text(span.file), span.start as usize)
    }

    /// `file:line` of a span, for traces and messages.
    pub fn location(&self, span: Span) -> String {
        let (line, _) = self.line_col(span);
        format!("{}:{}", self.name(span.file), line)
    }
}

/// The byte offset of a 1-based line and column.
pub fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            return (offset + column.saturating_sub(1)).min(text.len());
        }
        offset += l.len();
    }
    text.len()
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map_or(0, |rest| rest.chars().count())
        + 1;
    (line, column)
}

/// Where each line of `text` starts, counting `\n`, `\r\n` and a lone
/// `\r` as line breaks, as the diagnostic renderer does.
fn line_starts(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut starts = vec![0];
    let mut at = 0;
    while let Some(&byte) = bytes.get(at) {
        at += 1;
        if byte == b'\r' && bytes.get(at) == Some(&b'\n') {
            at += 1;
        }
        if byte == b'\n' || byte == b'\r' {
            starts.push(at);
        }
    }
    starts
}

/// Context lines around a span are shown whole when they hold at most this
/// many bytes; longer ones are cut around the span.
const EXCERPT_BYTES: usize = 16384;
/// Bytes shown on each side of a span on a line that is cut.
const EXCERPT_SIDE: usize = 120;
/// A span longer than this on a cut line is not shown at all.
const EXCERPT_SPAN: usize = 2000;

/// A text as diagnostics read it: only the lines around a span are looked
/// at (found in the line index, so showing many diagnostics does not cost
/// the file's size each time), and a very long line is cut around the span.
#[derive(Debug, Clone)]
pub struct Excerpt {
    text: Arc<String>,
    line_starts: Arc<Vec<usize>>,
}

impl Excerpt {
    fn line_of(&self, offset: usize) -> usize {
        self.line_starts
            .partition_point(|&start| start <= offset)
            .saturating_sub(1)
    }

    fn line_start(&self, line: usize) -> usize {
        self.line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len())
    }
}

impl miette::SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let bytes = self.text.as_bytes();
        let start = span.offset().min(bytes.len());
        let end = (span.offset() + span.len()).min(bytes.len()).max(start);
        let first = self.line_of(start);
        let last = self.line_of(end);
        let from_line = first.saturating_sub(before + 1);
        let from = self.line_start(from_line);
        let to = self.line_start(last.saturating_add(after).saturating_add(2));
        if to.saturating_sub(from) <= EXCERPT_BYTES {
            let slice = bytes
                .get(from..to)
                .ok_or(miette::MietteError::OutOfBounds)?;
            let shifted = SourceSpan::new((span.offset() - from).into(), span.len());
            let inner = slice.read_span(&shifted, before, after)?;
            return Ok(Box::new(miette::MietteSpanContents::new(
                inner.data(),
                SourceSpan::new((inner.span().offset() + from).into(), inner.span().len()),
                inner.line() + from_line,
                inner.column(),
                inner.line_count() + from_line,
            )));
        }
        if end - start > EXCERPT_SPAN {
            return Err(miette::MietteError::OutOfBounds);
        }
        // A long line: only the part around the span, without context lines.
        let line_start = self.line_start(first);
        let line_end = self.line_start(last + 1);
        let mut window_start = start.saturating_sub(EXCERPT_SIDE).max(line_start);
        while !self.text.is_char_boundary(window_start) {
            window_start += 1;
        }
        let mut window_end = (end + EXCERPT_SIDE).min(line_end).max(end);
        while !self.text.is_char_boundary(window_end) {
            window_end -= 1;
        }
        while window_end > end && matches!(bytes.get(window_end - 1), Some(b'\n' | b'\r')) {
            window_end -= 1;
        }
        let (window_start, window_end) = if before == 0 && after == 0 {
            (start, end)
        } else {
            (window_start, window_end)
        };
        let data = bytes
            .get(window_start..window_end)
            .ok_or(miette::MietteError::OutOfBounds)?;
        Ok(Box::new(miette::MietteSpanContents::new(
            data,
            SourceSpan::new(window_start.into(), window_end - window_start),
            first,
            window_start - line_start,
            last + 1,
        )))
    }
}
