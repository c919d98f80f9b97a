//! Rendering of diagnostics from every stage. Each stage has its own error
//! enum (`SyntaxError`, `CheckError`, `DataError`, `EvalError`); this module
//! attaches the source text they point at and renders them as a human
//! (graphical), plain (narrated) or JSON report.

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, JSONReportHandler, Report};
use miette::{NarratableReportHandler, Severity};

use crate::source::{FileId, Sources};

/// How diagnostics are printed (`--error-format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
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
    report: Report,
}

impl std::fmt::Debug for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.report)
    }
}

impl Problem {
    /// A diagnostic whose labels point into `file`.
    pub fn new<E>(error: E, sources: &Sources, file: FileId) -> Problem
    where
        E: Diagnostic + Send + Sync + 'static,
    {
        Problem {
            report: Report::new(error).with_source_code(sources.named(file)),
        }
    }

    /// A diagnostic with no source text (for example a missing file).
    pub fn bare<E>(error: E) -> Problem
    where
        E: Diagnostic + Send + Sync + 'static,
    {
        Problem {
            report: Report::new(error),
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
        let diagnostic: &dyn Diagnostic = self.report.as_ref();
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

/// Renders a list of problems, errors and warnings in order.
pub fn render_all(problems: &[Problem], format: ErrorFormat, colour: bool) -> String {
    let mut out = String::new();
    for problem in problems {
        out.push_str(&problem.render(format, colour));
        if !out.ends_with('\n') {
            out.push('\n');
        }
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
        let distance = edit_distance(&lowered, &candidate.to_lowercase());
        let limit = (name.chars().count().max(3) / 3).max(1);
        if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate.to_string())
}

/// "; did you mean `x`?" or nothing.
pub fn suggestion_suffix(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(s) => format!("did you mean `{s}`? "),
        None => String::new(),
    }
}

/// Edit distance counting a swap of two neighbouring letters as one edit
/// (optimal string alignment), so `PLO` is one edit from `POL`.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut table = vec![0usize; (a.len() + 1) * width];
    let at = |i: usize, j: usize| i * width + j;
    for i in 0..=a.len() {
        if let Some(cell) = table.get_mut(at(i, 0)) {
            *cell = i;
        }
    }
    for j in 0..=b.len() {
        if let Some(cell) = table.get_mut(at(0, j)) {
            *cell = j;
        }
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let (ca, cb) = (a.get(i - 1), b.get(j - 1));
            let cost = usize::from(ca != cb);
            let get = |i: usize, j: usize| table.get(at(i, j)).copied().unwrap_or(usize::MAX / 2);
            let mut best = (get(i - 1, j) + 1)
                .min(get(i, j - 1) + 1)
                .min(get(i - 1, j - 1) + cost);
            if i > 1 && j > 1 && ca == b.get(j - 2) && a.get(i - 2) == cb {
                best = best.min(get(i - 2, j - 2) + 1);
            }
            if let Some(cell) = table.get_mut(at(i, j)) {
                *cell = best;
            }
        }
    }
    table.get(at(a.len(), b.len())).copied().unwrap_or(0)
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
