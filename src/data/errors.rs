//! Data problems: `DataError`, pending problems and locating them in files.

use miette::Diagnostic;
use thiserror::Error;

use super::dataset::Dataset;
use crate::diagnostics::{io_reason, suggest, Problem};
use crate::source::{FileId, Sources, Span};

use super::load::*;

#[derive(Debug, Error, Diagnostic)]
pub enum DataError {
    #[error("cannot read `{path}`: {reason}")]
    #[diagnostic(
        code(pledge::data::unreadable),
        help("`--data` takes a dataset folder holding `dataset.json`, a path to a `dataset.json`, or one of the bundled names `nato`, `sample`, `cofog`")
    )]
    Unreadable { path: String, reason: String },
    /// A file that the manifest names (`line_items`, `indicators`) cannot be read.
    #[error("cannot read `{path}`: {reason}")]
    #[diagnostic(code(pledge::data::unreadable), help("{help}"))]
    UnreadableFile {
        path: String,
        reason: String,
        help: String,
        #[label("the file named here")]
        span: Span,
    },
    #[error("the manifest is not valid: {message}")]
    #[diagnostic(
        code(pledge::data::bad_manifest),
        help("see docs/data.md for the fields of dataset.json")
    )]
    BadManifest {
        message: String,
        #[label("here")]
        span: Span,
    },
    #[error("the column `{column}` is missing")]
    #[diagnostic(code(pledge::data::missing_column), help("{help}"))]
    MissingColumn {
        column: String,
        help: String,
        #[label("header without `{column}`")]
        span: Span,
    },
    #[error("the column `{column}` is not in the dataset's schema")]
    #[diagnostic(code(pledge::data::unknown_column), help("{help}"))]
    UnknownColumn {
        column: String,
        help: String,
        #[label("unknown column")]
        span: Span,
    },
    #[error("{what} appears twice")]
    #[diagnostic(code(pledge::data::duplicate_column), help("{help}"))]
    DuplicateColumn {
        /// "the column `amount`" or, in a JSON object, "the key `amount`".
        what: String,
        column: String,
        help: String,
        #[label("second `{column}`")]
        span: Span,
    },
    #[error("the `{column}` cell is empty")]
    #[diagnostic(code(pledge::data::empty_cell), help("{help}"))]
    EmptyCell {
        column: String,
        help: String,
        #[label("empty")]
        span: Span,
    },
    #[error("`{value}` is not a number (column `{column}`)")]
    #[diagnostic(
        code(pledge::data::bad_number),
        help(
            "write numbers with a `.` for decimals and no thousands separators, such as `1234.5`"
        )
    )]
    BadNumber {
        column: String,
        value: String,
        #[label("not a number")]
        span: Span,
    },
    #[error("`{value}` has more digits than can be kept exactly (column `{column}`)")]
    #[diagnostic(
        code(pledge::data::bad_number),
        help("numbers are read as exact decimals of about 28 significant digits, at most 28 of them after the `.`; round the figure in the file to the precision you mean")
    )]
    TooPrecise {
        column: String,
        value: String,
        #[label("would be rounded")]
        span: Span,
    },
    #[error("`{value}` is not a year")]
    #[diagnostic(
        code(pledge::data::bad_year),
        help("write a four-digit year such as `2024`")
    )]
    BadYear {
        value: String,
        #[label("not a year")]
        span: Span,
    },
    #[error("unknown country code `{code}`")]
    #[diagnostic(code(pledge::data::unknown_country), help("{help}"))]
    UnknownCountry {
        code: String,
        help: String,
        #[label("not in the manifest's `countries`")]
        span: Span,
    },
    #[error("`{value}` is not an allowed value of `{field}`")]
    #[diagnostic(code(pledge::data::unknown_value), help("{help}"))]
    UnknownValue {
        field: String,
        value: String,
        help: String,
        #[label("not allowed")]
        span: Span,
    },
    #[error("unknown tag `{tag}`")]
    #[diagnostic(code(pledge::data::unknown_tag), help("{help}"))]
    UnknownTag {
        tag: String,
        help: String,
        #[label("not in the manifest's `tags`")]
        span: Span,
    },
    #[error("{what} appears twice")]
    #[diagnostic(code(pledge::data::duplicate_key), help("{help}"))]
    DuplicateKey {
        what: String,
        help: String,
        #[label("second occurrence")]
        span: Span,
    },
    #[error("the GDP of {country} in {year} is `{value}`, but GDP must be above zero")]
    #[diagnostic(
        code(pledge::data::bad_gdp),
        help("shares of GDP divide by it: correct the figure, or leave the cell empty where GDP is not published")
    )]
    BadGdp {
        value: String,
        country: String,
        year: i32,
        #[label("not above zero")]
        span: Span,
    },
    #[error("the line items of {country} in {year} (in `{file}`) cannot be added up exactly")]
    #[diagnostic(
        code(pledge::data::sum_too_large),
        help("their sum needs more than the 28 significant digits an exact decimal holds, so totals would be rounded; check the amounts for a misplaced unit or extra digits, or state them in a larger unit (millions instead of units)")
    )]
    SumTooLarge {
        country: String,
        year: i32,
        file: String,
    },
    #[error("this cell is not UTF-8 text")]
    #[diagnostic(
        code(pledge::data::not_utf8),
        help("save the file with the UTF-8 encoding (in a spreadsheet: \"CSV UTF-8\"); the cell holds bytes of another encoding")
    )]
    NotUtf8 {
        #[label("not UTF-8")]
        span: Span,
    },
    #[error("{what} is listed twice in the manifest")]
    #[diagnostic(
        code(pledge::data::manifest_twice),
        help("each country, field, tag and series is listed once in `dataset.json`: remove the second entry")
    )]
    ManifestTwice {
        what: String,
        #[label("listed again here")]
        span: Span,
    },
    #[error("the dataset has no `gdp` series")]
    #[diagnostic(
        code(pledge::data::missing_gdp),
        help("declare `{{\"name\": \"gdp\", \"unit\": \"money\"}}` in `indicator_series` and give it a column in the indicators file; leave a cell empty where GDP is not published")
    )]
    MissingGdp {
        label: String,
        #[label("{label}")]
        span: Span,
    },
    #[error("this row is in `{unit}`, but the dataset is in `{expected}`")]
    #[diagnostic(
        code(pledge::data::mixed_units),
        help("convert the amounts to the dataset's money unit before loading; pledge never converts currencies or price bases")
    )]
    MixedUnits {
        unit: String,
        expected: String,
        #[label("other money unit")]
        span: Span,
    },
    #[error("{message}")]
    #[diagnostic(code(pledge::data::bad_row), help("{help}"))]
    BadRow {
        message: String,
        help: String,
        label: String,
        #[label("{label}")]
        span: Span,
    },
    #[error("the dataset declares {count} tags; at most 64 are supported")]
    #[diagnostic(
        code(pledge::data::too_many_tags),
        help("merge rarely used tags, or move them into a text field")
    )]
    TooManyTags {
        count: usize,
        #[label("{count} tags declared here")]
        span: Span,
    },
    #[error("there are more problems in `{file}` ({count} shown)")]
    #[diagnostic(
        code(pledge::data::more_problems),
        help("fix the ones shown and load again")
    )]
    MoreProblems { file: String, count: usize },
}

/// Where a problem is: the line of a CSV file, and the record (0 for the
/// header, 1 for the first row), which finds the object in a JSON file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Place {
    pub(crate) line: u64,
    pub(crate) record: u64,
}

impl Place {
    pub(crate) const HEADER: Place = Place { line: 1, record: 0 };

    pub(crate) fn of(position: Option<&csv::Position>, fallback: Place) -> Place {
        position.map_or(fallback, |p| Place {
            line: p.line(),
            record: p.record(),
        })
    }
}

/// A problem found while streaming, located later when the text is read.
pub(crate) struct Pending {
    pub(crate) place: Place,
    pub(crate) column: Option<usize>,
    pub(crate) make: Box<dyn FnOnce(Span) -> DataError>,
}

impl Pending {
    pub(crate) fn new(
        place: Place,
        column: Option<usize>,
        make: impl FnOnce(Span) -> DataError + 'static,
    ) -> Pending {
        Pending {
            place,
            column,
            make: Box::new(make),
        }
    }
}

/// Keeps the first `MAX_PROBLEMS` problems, and says whether there were more.
pub(crate) fn limit(mut pending: Vec<Pending>) -> (Vec<Pending>, bool) {
    let more = pending.len() > MAX_PROBLEMS;
    pending.truncate(MAX_PROBLEMS);
    (pending, more)
}

pub(crate) fn more_problems(file: &str) -> DataProblem {
    DataProblem::bare(DataError::MoreProblems {
        file: file.to_string(),
        count: MAX_PROBLEMS,
    })
}

const SAME_CELLS: &str = "every row needs as many cells as the header; quote a cell that contains a comma, such as `\"Army, land forces\"`";

/// A row of a CSV file that the `csv` crate cannot read.
pub(crate) fn csv_problem(error: &csv::Error, fallback: Place) -> Pending {
    let place = Place::of(error.position(), fallback);
    let (message, label, help, column) = match error.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => return unequal_cells(place, *len as usize, *expected_len as usize),
        csv::ErrorKind::Utf8 { err, .. } => (
            format!("cell {} of this row is not UTF-8 text", err.field() + 1),
            "not UTF-8".to_string(),
            "save the file with the UTF-8 encoding".to_string(),
            Some(err.field()),
        ),
        csv::ErrorKind::Io(e) => return io_problem(e, place),
        _ => {
            let text = error.to_string();
            let text = text.strip_prefix("CSV error: ").unwrap_or(&text);
            let text = match (text.starts_with("record "), text.find("): ")) {
                (true, Some(end)) => text.get(end + 3..).unwrap_or(text),
                _ => text,
            };
            (
                format!("this row cannot be read: {text}"),
                "here".to_string(),
                SAME_CELLS.to_string(),
                None,
            )
        }
    };
    bad_row(place, column, message, label, help)
}

/// A row with more or fewer cells than the header.
pub(crate) fn unequal_cells(place: Place, len: usize, expected_len: usize) -> Pending {
    let len = len as u64;
    bad_row(
        place,
        None,
        format!(
            "this row has {len} {} but the header has {expected_len}",
            cells(len)
        ),
        format!("{len} {}", cells(len)),
        SAME_CELLS.to_string(),
    )
}

/// A file that cannot be read to the end (reading stopped at `place`).
pub(crate) fn io_problem(error: &std::io::Error, place: Place) -> Pending {
    bad_row(
        place,
        None,
        format!("the file cannot be read to the end: {}", io_reason(error)),
        "reading stopped here".to_string(),
        if error.kind() == std::io::ErrorKind::FileTooLarge {
            "a row this long is most often a cell whose opening `\"` is never closed: close it"
                .to_string()
        } else {
            "check that the file is complete and readable".to_string()
        },
    )
}

fn bad_row(
    place: Place,
    column: Option<usize>,
    message: String,
    label: String,
    help: String,
) -> Pending {
    Pending::new(place, column, move |span| DataError::BadRow {
        message,
        help,
        label,
        span,
    })
}

pub(crate) fn cells(n: u64) -> &'static str {
    if n == 1 {
        "cell"
    } else {
        "cells"
    }
}

pub(crate) fn duplicate_column(name: &str, first: usize, second: usize) -> Pending {
    let column = name.to_string();
    let help = format!(
        "each column may appear once; the first `{name}` is column {} of the header. Keep one of the two",
        first + 1
    );
    let what = format!("the column `{name}`");
    Pending::new(Place::HEADER, Some(second), move |span| {
        DataError::DuplicateColumn {
            what,
            column,
            help,
            span,
        }
    })
}

pub(crate) fn empty_cell(
    place: Place,
    column: usize,
    name: &str,
    help: impl Into<String>,
) -> Pending {
    let (name, help) = (name.to_string(), help.into());
    Pending::new(place, Some(column), move |span| DataError::EmptyCell {
        column: name,
        help,
        span,
    })
}

pub(crate) fn empty_country_help(dataset: &Dataset) -> String {
    match dataset.manifest.countries.first() {
        Some(c) => format!(
            "every row needs a country: a code from the manifest's `countries`, such as `{}`",
            c.code
        ),
        None => "every row needs a country: a code from the manifest's `countries`".to_string(),
    }
}

pub(crate) const EMPTY_YEAR_HELP: &str = "every row needs a year, such as `2024`";

pub(crate) const EMPTY_AMOUNT_OR_SHARE_HELP: &str = "give the item an amount in the dataset's money unit, or its `share_of_gdp` when only the share is published; write `0` for nothing spent";
pub(crate) const EMPTY_AMOUNT_HELP: &str = "every line item needs an amount in the dataset's money unit; write `0` for nothing spent, and leave the item out if the figure is not published";

pub(crate) fn country_help(dataset: &Dataset, code: &str) -> String {
    let codes: Vec<&str> = dataset
        .manifest
        .countries
        .iter()
        .map(|c| c.code.as_str())
        .collect();
    suggest(
        code,
        codes.iter().copied(),
        "Countries are ISO 3166 alpha-3 codes listed in the manifest",
        || {
            "countries are ISO 3166 alpha-3 codes; add the country to `countries` in dataset.json"
                .to_string()
        },
    )
}

pub(crate) fn allowed_help(value: &str, allowed: &[String], what: &str) -> String {
    suggest(value, allowed.iter().map(String::as_str), "", || {
        format!(
            "the allowed {what} are {}",
            allowed
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

/// One data problem, typed: the error and, where it points into a file,
/// that file's text (for rendering at the edge).
#[derive(Debug)]
pub struct DataProblem {
    pub error: DataError,
    pub source: Option<(Sources, FileId)>,
}

impl DataProblem {
    pub(crate) fn located(error: DataError, sources: &Sources, file: FileId) -> DataProblem {
        DataProblem {
            error,
            source: Some((sources.clone(), file)),
        }
    }

    pub(crate) fn bare(error: DataError) -> DataProblem {
        DataProblem {
            error,
            source: None,
        }
    }

    /// The problem as a rendered report over its file's text.
    pub fn into_problem(self) -> Problem {
        match self.source {
            Some((sources, file)) => Problem::new(self.error, &sources, file),
            None => Problem::bare(self.error),
        }
    }
}

/// Data problems as rendered reports (see `DataProblem::into_problem`).
pub fn into_problems(problems: Vec<DataProblem>) -> Vec<Problem> {
    problems
        .into_iter()
        .map(DataProblem::into_problem)
        .collect()
}

/// Turns pending problems into located diagnostics, reading the text once.
pub(crate) fn locate(
    name: &str,
    reread: &dyn Fn() -> std::io::Result<String>,
    pending: Vec<Pending>,
) -> Vec<DataProblem> {
    locate_lines(name, &|_: &[u64]| reread(), pending)
}

/// As [`locate`], reading only the lines the problems are on and those
/// around them (`reread` is given the problems' lines, in order): a
/// problem in a huge file does not read all of it into memory.
pub(crate) fn locate_lines(
    name: &str,
    reread: &dyn Fn(&[u64]) -> std::io::Result<String>,
    pending: Vec<Pending>,
) -> Vec<DataProblem> {
    let (pending, more) = limit(pending);
    let mut lines: Vec<u64> = pending.iter().map(|p| p.place.line).collect();
    lines.sort_unstable();
    lines.dedup();
    let text = reread(&lines).unwrap_or_default();
    let mut sources = Sources::new();
    let id = sources.add(name, text.clone());
    let mut problems: Vec<DataProblem> = pending
        .into_iter()
        .map(|p| {
            let span = cell_span(&text, id, p.place.line, p.column);
            DataProblem::located((p.make)(span), &sources, id)
        })
        .collect();
    if more {
        problems.push(more_problems(name));
    }
    problems
}

/// A line longer than this is marked by its start only.
const LONG_LINE: usize = 2000;
const LONG_LINE_SHOWN: usize = 40;

/// The span of a cell (or of a whole line when `column` is `None`).
pub(crate) fn cell_span(text: &str, file: FileId, line: u64, column: Option<usize>) -> Span {
    let mut start = 0usize;
    for (current, l) in (1u64..).zip(text.split_inclusive('\n')) {
        if current == line {
            let content = l.trim_end_matches(['\n', '\r']);
            return match column {
                // A whole line, or only its start when it is very long (a
                // diagnostic does not show thousands of characters).
                None if content.len() > LONG_LINE => {
                    Span::new(file, start, start + LONG_LINE_SHOWN)
                }
                None => Span::new(file, start, start + content.len()),
                Some(col) => {
                    let (s, e) = field_range(content, col);
                    Span::new(file, start + s, start + e)
                }
            };
        }
        start += l.len();
    }
    Span::new(file, text.len(), text.len())
}

/// The byte range of the n-th cell of a CSV line (quote-aware).
pub(crate) fn field_range(line: &str, n: usize) -> (usize, usize) {
    let mut field = 0;
    let mut start = 0;
    let mut quoted = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                if field == n {
                    return (start, i.max(start));
                }
                field += 1;
                start = i + 1;
            }
            _ => {}
        }
    }
    if field == n {
        (start, line.len())
    } else {
        (0, line.len())
    }
}
