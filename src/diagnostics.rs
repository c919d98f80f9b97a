//! Rendering of diagnostics from every stage. Each stage has its own error
//! enum (`SyntaxError`, `CheckError`, `DataError`, `EvalError`); this module
//! attaches the source text they point at and renders them as a human
//! (graphical), plain (narrated) or JSON report.

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, JSONReportHandler};
use miette::{LabeledSpan, NamedSource, NarratableReportHandler, Severity, SourceCode};

use crate::source::{Excerpt, FileId, Sources};

/// How diagnostics are printed (`--error-format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ErrorFormat {
    /// Boxes and arrows pointing into the file.
    #[default]
    Human,
    /// The same content as plain sentences, for screen readers and logs.
    Plain,
    /// One JSON object per diagnostic, one per line.
    Json,
}

/// One diagnostic with the source text it points at.
pub struct Problem {
    report: Located,
}

impl std::fmt::Debug for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.report)
    }
}

/// A diagnostic and the text its labels point into, as miette's
/// `Report::with_source_code` gives it to the renderers, without building
/// a report handler for each diagnostic (a file can have thousands of
/// warnings, of which only the first few of each kind are shown).
struct Located {
    error: Box<dyn Diagnostic + Send + Sync>,
    source: Option<NamedSource<Excerpt>>,
}

impl std::fmt::Display for Located {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.error, f)
    }
}

impl std::fmt::Debug for Located {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.error, f)
    }
}

impl std::error::Error for Located {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.error.source()
    }
}

impl Diagnostic for Located {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.error.code()
    }

    fn severity(&self) -> Option<Severity> {
        self.error.severity()
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.error.help()
    }

    fn url<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.error.url()
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.error.labels()
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.error
            .source_code()
            .or_else(|| self.source.as_ref().map(|s| s as &dyn SourceCode))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        self.error.related()
    }

    fn diagnostic_source(&self) -> Option<&dyn Diagnostic> {
        self.error.diagnostic_source()
    }
}

impl Problem {
    /// A diagnostic whose labels point into `file`.
    pub fn new<E>(error: E, sources: &Sources, file: FileId) -> Problem
    where
        E: Diagnostic + Send + Sync + 'static,
    {
        Problem {
            report: Located {
                error: Box::new(error),
                source: Some(sources.named(file)),
            },
        }
    }

    /// A diagnostic with no source text (for example a missing file).
    pub fn bare<E>(error: E) -> Problem
    where
        E: Diagnostic + Send + Sync + 'static,
    {
        Problem {
            report: Located {
                error: Box::new(error),
                source: None,
            },
        }
    }

    pub fn is_error(&self) -> bool {
        !matches!(
            self.report.severity(),
            Some(Severity::Warning) | Some(Severity::Advice)
        )
    }

    /// The stable code, such as `pledge::check::unknown_category`.
    pub fn code(&self) -> String {
        self.report
            .code()
            .map(|code| code.to_string())
            .unwrap_or_default()
    }

    pub fn message(&self) -> String {
        self.report.to_string()
    }

    /// The help text, if any.
    pub fn help(&self) -> Option<String> {
        self.report.help().map(|h| h.to_string())
    }

    /// The name of the file the labels point into, if any.
    pub fn file_name(&self) -> Option<String> {
        let source = self.report.source_code()?;
        let span = miette::SourceSpan::from((0usize, 0usize));
        let contents = source.read_span(&span, 0, 0).ok()?;
        contents.name().map(str::to_string)
    }

    /// The labelled places: byte range in the file and the label's text,
    /// the primary label first.
    pub fn labels(&self) -> Vec<(std::ops::Range<usize>, Option<String>)> {
        let mut labels: Vec<_> = self
            .report
            .labels()
            .into_iter()
            .flatten()
            .map(|l| {
                let primary = l.primary();
                let range = l.offset()..l.offset() + l.len();
                (primary, range, l.label().map(str::to_string))
            })
            .collect();
        labels.sort_by_key(|(primary, range, _)| (!primary, range.start));
        labels.into_iter().map(|(_, r, t)| (r, t)).collect()
    }

    /// Renders without colour at a fixed width, as the snapshots show it.
    pub fn render(&self, format: ErrorFormat, colour: bool) -> String {
        let mut out = String::new();
        let diagnostic: &dyn Diagnostic = &self.report;
        let result = match format {
            ErrorFormat::Human => {
                let theme = if colour {
                    GraphicalTheme::unicode()
                } else {
                    GraphicalTheme::unicode_nocolor()
                };
                GraphicalReportHandler::new_themed(theme)
                    .with_width(100)
                    .with_links(false)
                    .render_report(&mut out, diagnostic)
            }
            ErrorFormat::Plain => {
                NarratableReportHandler::new().render_report(&mut out, diagnostic)
            }
            ErrorFormat::Json => JSONReportHandler::new().render_report(&mut out, diagnostic),
        };
        if result.is_err() {
            out = format!("{}: {}\n", self.code(), self.message());
        }
        out
    }
}

/// At most this many warnings of one code are shown; the rest are counted.
pub const MAX_WARNINGS_PER_CODE: usize = 50;

/// Renders a list of problems, errors and warnings in order. Warnings of
/// one code beyond [`MAX_WARNINGS_PER_CODE`] are counted, not shown.
pub fn render_all(problems: &[Problem], format: ErrorFormat, colour: bool) -> String {
    let mut out = String::new();
    let mut shown: std::collections::BTreeMap<String, usize> = Default::default();
    let mut hidden: std::collections::BTreeMap<String, usize> = Default::default();
    for problem in problems {
        if !problem.is_error() {
            let count = shown.entry(problem.code()).or_default();
            if *count >= MAX_WARNINGS_PER_CODE {
                *hidden.entry(problem.code()).or_default() += 1;
                continue;
            }
            *count += 1;
        }
        out.push_str(&problem.render(format, colour));
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    for (code, count) in hidden {
        let line = format!(
            "… and {count} more warnings {code} (the first {MAX_WARNINGS_PER_CODE} are shown)"
        );
        if format == ErrorFormat::Json {
            let object =
                serde_json::json!({ "severity": "warning", "code": code, "message": line });
            out.push_str(&object.to_string());
        } else {
            out.push_str(&line);
        }
        out.push('\n');
    }
    out
}

/// Counts errors and warnings for a summary line.
pub fn summary(problems: &[Problem]) -> (usize, usize) {
    let errors = problems.iter().filter(|p| p.is_error()).count();
    (errors, problems.len() - errors)
}

/// Closest candidate within a small edit distance, for "did you mean".
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let lowered = name.to_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        // Optimal string alignment counts a swap of two neighbouring
        // letters as one edit, so `PLO` is one edit from `POL`.
        let distance = strsim::osa_distance(&lowered, &candidate.to_lowercase());
        let limit = (name.chars().count().max(3) / 3).max(1);
        if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate.to_string())
}

/// "did you mean `x`?" followed by `then` (when not empty), or `otherwise`
/// when no candidate is close: the one builder of such help texts.
pub fn suggest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    then: &str,
    otherwise: impl FnOnce() -> String,
) -> String {
    match did_you_mean(name, candidates) {
        Some(s) if then.is_empty() => format!("did you mean `{s}`?"),
        Some(s) => format!("did you mean `{s}`? {then}"),
        None => otherwise(),
    }
}

/// "; did you mean `x`?" or nothing.
pub fn suggestion_suffix(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(s) => format!("did you mean `{s}`? "),
        None => String::new(),
    }
}

/// An I/O error in words, without the operating system's error number.
pub(crate) fn io_reason(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "there is no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        std::io::ErrorKind::InvalidData => "it is not UTF-8 text".to_string(),
        _ => {
            let text = error.to_string();
            match text.find(" (os error ") {
                Some(end) => text.get(..end).unwrap_or(&text).to_string(),
                None => text,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let names = ["core", "related", "equipment"];
        assert_eq!(did_you_mean("cor", names), Some("core".to_string()));
        assert_eq!(
            did_you_mean("equipmnet", names),
            Some("equipment".to_string())
        );
        assert_eq!(did_you_mean("pensions", names), None);
        assert_eq!(did_you_mean("PLO", ["POL", "ESP"]), Some("POL".to_string()));
    }
}
