//! Loading a dataset: the manifest (JSON), the line items (CSV or JSON) and
//! the indicators (CSV). Every problem becomes a `DataError` that points at
//! file, line and column, with the data file itself shown as the source.
//! Line items are streamed, so a large CSV is never held in memory whole.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use miette::Diagnostic;
use rust_decimal::Decimal;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use thiserror::Error;

use super::dataset::{Column, Dataset, ANY, NONE};
use super::schema::{FieldType, IndicatorUnit, Manifest};
use crate::diagnostics::{did_you_mean, Problem};
use crate::source::{FileId, Sources, Span};
use crate::stamp::{Hasher, HashingReader};

/// At most this many data problems are reported from one file.
const MAX_PROBLEMS: usize = 20;

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

/// Where the files of a dataset come from.
pub enum DataSource {
    /// Bundled into the binary: (manifest name, manifest text, items, indicators).
    Embedded {
        dir: &'static str,
        manifest: &'static str,
        items: &'static str,
        indicators: &'static str,
    },
    /// A folder (or a `dataset.json` path) on disk.
    Path(PathBuf),
}

/// Loads a dataset, or every problem found in it.
pub fn load(source: &DataSource) -> Result<Dataset, Vec<Problem>> {
    match source {
        DataSource::Embedded {
            dir,
            manifest: manifest_text,
            items,
            indicators,
        } => {
            let manifest_name = format!("{dir}/dataset.json");
            let manifest = parse_manifest(&manifest_name, manifest_text)?;
            let items_name = format!("{dir}/{}", manifest.line_items);
            let indicators_name = format!("{dir}/{}", manifest.indicators);
            let mut dataset = Dataset::new(manifest, items_name.clone(), indicators_name.clone());
            check_manifest(&dataset, &manifest_name, manifest_text)?;
            let locator = |pending| locate(&items_name, &|| Ok(items.to_string()), pending);
            read_items(&mut dataset, items.as_bytes(), &locator, &csv_line)?;
            read_indicators(&mut dataset, &indicators_name, indicators)?;
            dataset.index();
            dataset.build_share_view();
            let mut hasher = Hasher::default();
            for text in [*manifest_text, *items, *indicators] {
                hasher.update(text.as_bytes());
            }
            dataset.content_hash = hasher.hex();
            Ok(dataset)
        }
        DataSource::Path(path) => {
            let manifest_path = if path.is_dir() {
                path.join("dataset.json")
            } else {
                path.clone()
            };
            let dir = manifest_path
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default();
            let text = read_text(&manifest_path)?;
            let manifest_name = manifest_path.display().to_string();
            let manifest = parse_manifest(&manifest_name, &text)?;
            let items_path = dir.join(&manifest.line_items);
            let indicators_path = dir.join(&manifest.indicators);
            // Excel workbooks: the sheet is read as CSV text.
            let workbook = |path: &Path, sheet: &str| {
                if !super::xlsx::is_workbook(path) {
                    return Ok(None);
                }
                super::xlsx::read_sheet(path, sheet)
                    .map(Some)
                    .map_err(|reason| {
                        vec![Problem::bare(DataError::Unreadable {
                            path: path.display().to_string(),
                            reason,
                        })]
                    })
            };
            let items_sheet = workbook(&items_path, "line_items")?;
            let indicators_sheet = workbook(&indicators_path, "indicators")?;
            let items_name = items_sheet
                .as_ref()
                .map_or_else(|| items_path.display().to_string(), |s| s.name.clone());
            let indicators_name = indicators_sheet
                .as_ref()
                .map_or_else(|| indicators_path.display().to_string(), |s| s.name.clone());
            let mut dataset = Dataset::new(manifest, items_name.clone(), indicators_name.clone());
            check_manifest(&dataset, &manifest_name, &text)?;
            // A file the manifest names and that cannot be read: point at
            // the manifest's entry, and say which path it resolved to.
            let items_entry = dataset.manifest.line_items.clone();
            let indicators_entry = dataset.manifest.indicators.clone();
            let unreadable = |key: &str, entry: &str, path: &str, error: &std::io::Error| {
                unreadable_entry(&manifest_name, &text, (key, entry), path, error)
            };
            let file = std::fs::File::open(&items_path)
                .map_err(|e| unreadable("line_items", &items_entry, &items_name, &e))?;
            let reread = || std::fs::read_to_string(&items_path);
            let hasher = Arc::new(Mutex::new(Hasher::default()));
            update(&hasher, text.as_bytes());
            if let Some(sheet) = &items_sheet {
                update(&hasher, &sheet.bytes);
                let reread = || Ok(sheet.csv.clone());
                let locator = |pending| locate(&items_name, &reread, pending);
                read_items(&mut dataset, sheet.csv.as_bytes(), &locator, &csv_line)?;
            } else if items_name.ends_with(".json") {
                let items_text = std::fs::read_to_string(&items_path)
                    .map_err(|e| unreadable("line_items", &items_entry, &items_name, &e))?;
                update(&hasher, items_text.as_bytes());
                read_json_items(&mut dataset, &items_name, &items_text)?;
            } else {
                let locator = |pending| locate(&items_name, &reread, pending);
                let reader = HashingReader {
                    inner: std::io::BufReader::with_capacity(1 << 20, file),
                    hasher: hasher.clone(),
                };
                read_items(&mut dataset, reader, &locator, &csv_line)?;
            }
            let indicators_text = match indicators_sheet {
                Some(sheet) => {
                    update(&hasher, &sheet.bytes);
                    sheet.csv
                }
                None => {
                    let text = std::fs::read_to_string(&indicators_path).map_err(|e| {
                        unreadable("indicators", &indicators_entry, &indicators_name, &e)
                    })?;
                    update(&hasher, text.as_bytes());
                    text
                }
            };
            read_indicators(&mut dataset, &indicators_name, &indicators_text)?;
            dataset.index();
            dataset.build_share_view();
            dataset.content_hash = hasher.lock().map(|h| h.hex()).unwrap_or_default();
            Ok(dataset)
        }
    }
}

fn update(hasher: &Mutex<Hasher>, bytes: &[u8]) {
    if let Ok(mut hasher) = hasher.lock() {
        hasher.update(bytes);
    }
}

fn read_text(path: &Path) -> Result<String, Vec<Problem>> {
    std::fs::read_to_string(path).map_err(|e| {
        vec![Problem::bare(DataError::Unreadable {
            path: path.display().to_string(),
            reason: io_reason(&e),
        })]
    })
}

/// An I/O error in words, without the operating system's error number.
fn io_reason(error: &std::io::Error) -> String {
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

/// The problem for a file named by the manifest's `key` that cannot be read.
fn unreadable_entry(
    manifest_name: &str,
    manifest_text: &str,
    (key, entry): (&str, &str),
    path: &str,
    error: &std::io::Error,
) -> Vec<Problem> {
    let mut sources = Sources::new();
    let id = sources.add(manifest_name, manifest_text);
    let (start, end) = entry_span(manifest_text, key).unwrap_or((0, manifest_text.len().min(1)));
    let help = match error.kind() {
        std::io::ErrorKind::NotFound => format!(
            "the manifest's `{key}` entry `{entry}` is read relative to the folder of dataset.json, as `{path}`; correct the entry or put the file there"
        ),
        std::io::ErrorKind::InvalidData => {
            format!("the manifest's `{key}` entry names this file; save it with the UTF-8 encoding")
        }
        _ => format!("the manifest's `{key}` entry names this file; check that it can be read"),
    };
    vec![Problem::new(
        DataError::UnreadableFile {
            path: path.to_string(),
            reason: io_reason(error),
            help,
            span: Span::new(id, start, end),
        },
        &sources,
        id,
    )]
}

fn parse_manifest(name: &str, text: &str) -> Result<Manifest, Vec<Problem>> {
    serde_json::from_str::<Manifest>(text).map_err(|error| {
        let mut sources = Sources::new();
        let id = sources.add(name, text);
        let offset = offset_of(text, error.line(), error.column());
        vec![Problem::new(
            DataError::BadManifest {
                message: json_message(&error),
                span: Span::new(id, offset, offset + 1),
            },
            &sources,
            id,
        )]
    })
}

/// A JSON error without serde's "at line 3 column 5" (the label shows it).
fn json_message(error: &serde_json::Error) -> String {
    let message = error.to_string();
    message
        .split(" at line ")
        .next()
        .unwrap_or(&message)
        .to_string()
}

/// The byte offset of a 1-based line and column.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            return (offset + column.saturating_sub(1)).min(text.len());
        }
        offset += l.len();
    }
    text.len()
}

/// The 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()
        .iter()
        .take(offset)
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The spans of every occurrence of a key (with its quotes) among the
/// top-level keys of a JSON object.
fn key_spans(text: &str, key: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'"' => {
                let end = string_end(bytes, i);
                if depth == 1 {
                    let after = text.get(end..).unwrap_or("").trim_start();
                    if after.starts_with(':') && text.get(i + 1..end - 1) == Some(key) {
                        found.push((i, end));
                    }
                }
                i = end;
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    found
}

/// The offset just after the string that opens at `start` (a `"`).
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while let Some(&c) = bytes.get(i) {
        match c {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The offset just after the JSON value that starts at or after `start`.
fn value_end(text: &str, start: usize) -> usize {
    let bytes = text.as_bytes();
    let mut i = start;
    while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    match bytes.get(i) {
        Some(b'"') => string_end(bytes, i),
        Some(b'[' | b'{') => {
            let mut depth = 0usize;
            while let Some(&c) = bytes.get(i) {
                match c {
                    b'"' => {
                        i = string_end(bytes, i);
                        continue;
                    }
                    b'[' | b'{' => depth += 1,
                    b']' | b'}' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            return i + 1;
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            bytes.len()
        }
        _ => {
            while bytes
                .get(i)
                .is_some_and(|c| !matches!(c, b',' | b'}' | b']') && !c.is_ascii_whitespace())
            {
                i += 1;
            }
            i
        }
    }
}

/// The span of `"key": value` for the n-th occurrence of `key` among the
/// top-level keys of a JSON object.
fn key_value_span(text: &str, key: &str, nth: usize) -> Option<(usize, usize)> {
    let (start, key_end) = key_spans(text, key).get(nth).copied()?;
    let colon = key_end + text.get(key_end..)?.find(':')?;
    Some((start, value_end(text, colon + 1)))
}

/// The span of the manifest entry `"key": value`.
fn entry_span(text: &str, key: &str) -> Option<(usize, usize)> {
    key_value_span(text, key, 0)
}

fn check_manifest(dataset: &Dataset, name: &str, text: &str) -> Result<(), Vec<Problem>> {
    let mut sources = Sources::new();
    let id = sources.add(name, text);
    let opening = text.find('{').unwrap_or(0);
    let opening = Span::new(id, opening, (opening + 1).min(text.len()));
    let key = |key: &str| {
        key_spans(text, key)
            .first()
            .map(|&(start, end)| Span::new(id, start, end))
    };
    let mut problems = Vec::new();
    if dataset.manifest.indicator("gdp").is_none() {
        let (span, label) = match key("indicator_series") {
            Some(span) => (span, "no `gdp` among these series".to_string()),
            None => (
                opening,
                "no `indicator_series` in this manifest".to_string(),
            ),
        };
        problems.push(Problem::new(
            DataError::MissingGdp { label, span },
            &sources,
            id,
        ));
    }
    if dataset.manifest.tags.len() > 64 {
        problems.push(Problem::new(
            DataError::TooManyTags {
                count: dataset.manifest.tags.len(),
                span: key("tags").unwrap_or(opening),
            },
            &sources,
            id,
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// Where a problem is: the line of a CSV file, and the record (0 for the
/// header, 1 for the first row), which finds the object in a JSON file.
#[derive(Debug, Clone, Copy)]
struct Place {
    line: u64,
    record: u64,
}

impl Place {
    const HEADER: Place = Place { line: 1, record: 0 };

    fn of(position: Option<&csv::Position>, fallback: Place) -> Place {
        position.map_or(fallback, |p| Place {
            line: p.line(),
            record: p.record(),
        })
    }
}

/// A problem found while streaming, located later when the text is read.
struct Pending {
    place: Place,
    column: Option<usize>,
    make: Box<dyn FnOnce(Span) -> DataError>,
}

impl Pending {
    fn new(
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
fn limit(mut pending: Vec<Pending>) -> (Vec<Pending>, bool) {
    let more = pending.len() > MAX_PROBLEMS;
    pending.truncate(MAX_PROBLEMS);
    (pending, more)
}

fn more_problems(file: &str) -> Problem {
    Problem::bare(DataError::MoreProblems {
        file: file.to_string(),
        count: MAX_PROBLEMS,
    })
}

/// A CSV error in words, at the row (and cell) concerned.
/// Rows of the items file read ahead by the reading thread.
#[derive(Default)]
struct Batch {
    records: Vec<csv::ByteRecord>,
    len: usize,
    error: Option<csv::Error>,
    done: bool,
}

const BATCH_ROWS: usize = 2048;

/// The reading thread: fills empty batches and sends them back full.
fn read_batches<R: Read>(
    mut csv: csv::Reader<R>,
    empty: &std::sync::mpsc::Receiver<Batch>,
    full: &std::sync::mpsc::SyncSender<Batch>,
) {
    while let Ok(mut batch) = empty.recv() {
        batch.len = 0;
        batch.error = None;
        batch.done = false;
        while batch.len < BATCH_ROWS {
            if batch.records.len() <= batch.len {
                batch.records.push(csv::ByteRecord::new());
            }
            let Some(record) = batch.records.get_mut(batch.len) else {
                break;
            };
            match csv.read_byte_record(record) {
                Ok(true) => batch.len += 1,
                Ok(false) => {
                    batch.done = true;
                    break;
                }
                Err(error) => {
                    batch.done = matches!(error.kind(), csv::ErrorKind::Io(_));
                    batch.error = Some(error);
                    break;
                }
            }
        }
        let done = batch.done;
        if full.send(batch).is_err() || done {
            return;
        }
    }
}

/// The rows as the converting loop sees them, in file order, with the
/// reader's errors in their place.
struct Pipelined {
    full: std::sync::mpsc::Receiver<Batch>,
    empty: Option<std::sync::mpsc::SyncSender<Batch>>,
    current: Option<Batch>,
    position: usize,
}

impl Pipelined {
    fn read_byte_record(&mut self, out: &mut csv::ByteRecord) -> Result<bool, csv::Error> {
        loop {
            if let Some(batch) = self.current.as_mut() {
                if self.position < batch.len {
                    if let Some(record) = batch.records.get_mut(self.position) {
                        std::mem::swap(out, record);
                    }
                    self.position += 1;
                    return Ok(true);
                }
                if let Some(error) = batch.error.take() {
                    return Err(error);
                }
                if batch.done {
                    return Ok(false);
                }
                if let (Some(batch), Some(empty)) = (self.current.take(), &self.empty) {
                    let _ = empty.send(batch);
                }
            }
            match self.full.recv() {
                Ok(batch) => {
                    self.current = Some(batch);
                    self.position = 0;
                }
                Err(_) => return Ok(false),
            }
        }
    }
}

fn csv_problem(error: &csv::Error, fallback: Place) -> Pending {
    let place = Place::of(error.position(), fallback);
    let same_cells = "every row needs as many cells as the header; quote a cell that contains a comma, such as `\"Army, land forces\"`";
    let (message, label, help, column) = match error.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => (
            format!(
                "this row has {len} {} but the header has {expected_len}",
                cells(*len)
            ),
            format!("{len} {}", cells(*len)),
            same_cells.to_string(),
            None,
        ),
        csv::ErrorKind::Utf8 { err, .. } => (
            format!("cell {} of this row is not UTF-8 text", err.field() + 1),
            "not UTF-8".to_string(),
            "save the file with the UTF-8 encoding".to_string(),
            Some(err.field()),
        ),
        csv::ErrorKind::Io(e) => (
            format!("the file cannot be read to the end: {}", io_reason(e)),
            "reading stopped here".to_string(),
            "check that the file is complete and readable".to_string(),
            None,
        ),
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
                same_cells.to_string(),
                None,
            )
        }
    };
    Pending::new(place, column, move |span| DataError::BadRow {
        message,
        help,
        label,
        span,
    })
}

fn cells(n: u64) -> &'static str {
    if n == 1 {
        "cell"
    } else {
        "cells"
    }
}

fn duplicate_column(name: &str, first: usize, second: usize) -> Pending {
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

fn empty_cell(place: Place, column: usize, name: &str, help: String) -> Pending {
    let name = name.to_string();
    Pending::new(place, Some(column), move |span| DataError::EmptyCell {
        column: name,
        help,
        span,
    })
}

fn empty_country_help(dataset: &Dataset) -> String {
    match dataset.manifest.countries.first() {
        Some(c) => format!(
            "every row needs a country: a code from the manifest's `countries`, such as `{}`",
            c.code
        ),
        None => "every row needs a country: a code from the manifest's `countries`".to_string(),
    }
}

const EMPTY_YEAR_HELP: &str = "every row needs a year, such as `2024`";

const EMPTY_AMOUNT_OR_SHARE_HELP: &str = "give the item an amount in the dataset's money unit, or its `share_of_gdp` when only the share is published; write `0` for nothing spent";
const EMPTY_AMOUNT_HELP: &str = "every line item needs an amount in the dataset's money unit; write `0` for nothing spent, and leave the item out if the figure is not published";

/// How each CSV column of the items file is read.
enum Role {
    Id,
    Country,
    Year,
    Amount,
    Tags,
    Unit,
    Share,
    Edition,
    Field(usize),
}

type Locator<'a> = &'a dyn Fn(Vec<Pending>) -> Vec<Problem>;

/// The line of a CSV row, kept for traces.
fn csv_line(place: Place) -> u32 {
    u32::try_from(place.line).unwrap_or(u32::MAX)
}

fn read_items<R: Read + Send>(
    dataset: &mut Dataset,
    reader: R,
    locate_all: Locator<'_>,
    item_line: &dyn Fn(Place) -> u32,
) -> Result<(), Vec<Problem>> {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(reader);
    let mut pending: Vec<Pending> = Vec::new();
    let headers = match csv.byte_headers() {
        Ok(h) => h.clone(),
        Err(e) => return Err(locate_all(vec![csv_problem(&e, Place::HEADER)])),
    };
    let mut roles = Vec::new();
    let known: Vec<String> = [
        "id",
        "country",
        "year",
        "amount",
        "tags",
        "unit",
        "share_of_gdp",
        "edition",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain(dataset.manifest.fields.iter().map(|f| f.name.clone()))
    .collect();
    let mut seen: Vec<(String, usize)> = Vec::new();
    let mut id_column = None;
    for (i, header) in headers.iter().enumerate() {
        let header = String::from_utf8_lossy(header).trim().to_string();
        if let Some(&(_, first)) = seen.iter().find(|(name, _)| *name == header) {
            pending.push(duplicate_column(&header, first, i));
            continue;
        }
        seen.push((header.clone(), i));
        let role = match header.as_str() {
            "id" => Role::Id,
            "country" => Role::Country,
            "year" => Role::Year,
            "amount" => Role::Amount,
            "tags" => Role::Tags,
            "unit" => Role::Unit,
            "share_of_gdp" => Role::Share,
            "edition" => Role::Edition,
            other => match dataset.field_index(other) {
                Some(index) => Role::Field(index),
                None => {
                    let help = match did_you_mean(other, known.iter().map(String::as_str)) {
                        Some(s) => format!("did you mean `{s}`? Declare every further column in `fields` of dataset.json"),
                        None => "declare every further column in `fields` of dataset.json, or remove it".to_string(),
                    };
                    let column = other.to_string();
                    pending.push(Pending::new(Place::HEADER, Some(i), move |span| {
                        DataError::UnknownColumn { column, help, span }
                    }));
                    continue;
                }
            },
        };
        if matches!(role, Role::Id) {
            id_column = Some(i);
        }
        roles.push((i, role));
    }
    let has_share = roles.iter().any(|(_, r)| matches!(r, Role::Share));
    let has_edition = roles.iter().any(|(_, r)| matches!(r, Role::Edition));
    let mut required: Vec<String> = vec!["country".into(), "year".into()];
    if !has_share {
        required.push("amount".into());
    }
    required.extend(dataset.manifest.fields.iter().map(|f| f.name.clone()));
    for column in required {
        if !seen.iter().any(|(name, _)| *name == column) {
            let help = if dataset.manifest.field(&column).is_some() {
                format!("the manifest declares the field `{column}`; add the column (cells may be empty)")
            } else {
                format!(
                    "line items need the columns `country`, `year` and `amount`; add `{column}`"
                )
            };
            pending.push(Pending::new(Place::HEADER, None, move |span| {
                DataError::MissingColumn { column, help, span }
            }));
        }
    }
    if !pending.is_empty() {
        return Err(locate_all(pending));
    }

    // Country codes packed into integers, so each row compares numbers.
    let countries: Vec<(Option<u64>, u16)> = dataset
        .manifest
        .countries
        .iter()
        .enumerate()
        .filter_map(|(i, c)| Some((pack(c.code.as_bytes()), u16::try_from(i).ok()?)))
        .collect();
    let mut allowed_symbols: Vec<Vec<(String, u32)>> =
        vec![Vec::new(); dataset.manifest.fields.len()];
    let mut id_hashes: Vec<(u64, u32)> = Vec::new();
    // A second thread reads and splits the CSV while this one converts the
    // rows, so a large file uses both cores. Batches of rows are passed back
    // and forth, so their buffers are reused.
    std::thread::scope(|scope| {
        let (full_sender, full) = std::sync::mpsc::sync_channel::<Batch>(2);
        let (empty_sender, empty) = std::sync::mpsc::sync_channel::<Batch>(4);
        for _ in 0..3 {
            let _ = empty_sender.send(Batch::default());
        }
        scope.spawn(move || read_batches(csv, &empty, &full_sender));
        let mut records = Pipelined {
            full,
            empty: Some(empty_sender),
            current: None,
            position: 0,
        };
        let mut record = csv::ByteRecord::new();
        let mut index: u32 = 0;
        let mut last = Place::HEADER;
        while pending.len() <= MAX_PROBLEMS {
            match records.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    pending.push(csv_problem(&e, last));
                    if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                        break;
                    }
                    continue;
                }
            }
            let place = Place::of(record.position(), last);
            last = place;
            let before = pending.len();
            let mut country = None;
            let mut year = None;
            let mut amount = None;
            let mut amount_column = None;
            let mut share = None;
            let mut edition = 0u16;
            let mut tags = 0u64;
            let mut id = "";
            for (column, role) in &roles {
                let raw = record.get(*column).unwrap_or(b"").trim_ascii();
                // Numbers and codes are ASCII: only texts need UTF-8 validation.
                let as_text = || std::str::from_utf8(raw).unwrap_or("\u{fffd}");
                let column = *column;
                match role {
                    Role::Id => id = as_text(),
                    Role::Country if raw.is_empty() => pending.push(empty_cell(
                        place,
                        column,
                        "country",
                        empty_country_help(dataset),
                    )),
                    Role::Country => match pack(raw)
                        .and_then(|packed| countries.iter().find(|(key, _)| *key == Some(packed)))
                    {
                        Some(&(_, c)) => country = Some(c),
                        None => {
                            let text = as_text();
                            let code = text.to_string();
                            let help = country_help(dataset, text);
                            pending.push(Pending::new(place, Some(column), move |span| {
                                DataError::UnknownCountry { code, help, span }
                            }));
                        }
                    },
                    Role::Year if raw.is_empty() => pending.push(empty_cell(
                        place,
                        column,
                        "year",
                        EMPTY_YEAR_HELP.to_string(),
                    )),
                    Role::Year => match parse_year(as_text()) {
                        Some(y) => year = Some(y),
                        None => {
                            let value = as_text().to_string();
                            pending.push(Pending::new(place, Some(column), move |span| {
                                DataError::BadYear { value, span }
                            }));
                        }
                    },
                    Role::Amount if raw.is_empty() && has_share => amount_column = Some(column),
                    Role::Amount if raw.is_empty() => pending.push(empty_cell(
                        place,
                        column,
                        "amount",
                        EMPTY_AMOUNT_HELP.to_string(),
                    )),
                    Role::Share if raw.is_empty() => {}
                    Role::Share => match parse_decimal(as_text()) {
                        Ok(percent) => share = percent.checked_div(Decimal::ONE_HUNDRED),
                        Err(problem) => {
                            pending.push(problem.pending(place, column, "share_of_gdp"))
                        }
                    },
                    Role::Edition if raw.is_empty() => {}
                    Role::Edition => {
                        let text = as_text();
                        match dataset
                            .manifest
                            .editions
                            .iter()
                            .position(|e| e.id == text)
                            .and_then(|i| u16::try_from(i + 1).ok())
                        {
                            Some(index) => edition = index,
                            None => {
                                let ids: Vec<String> = dataset
                                    .manifest
                                    .editions
                                    .iter()
                                    .map(|e| e.id.clone())
                                    .collect();
                                let value = text.to_string();
                                let help = allowed_help(text, &ids, "editions");
                                pending.push(Pending::new(place, Some(column), move |span| {
                                    DataError::UnknownValue {
                                        field: "edition".to_string(),
                                        value,
                                        help,
                                        span,
                                    }
                                }));
                            }
                        }
                    }
                    Role::Amount => match parse_amount(as_text()) {
                        Ok(a) => amount = Some(a),
                        Err(problem) => pending.push(problem.pending(place, column, "amount")),
                    },
                    Role::Unit => {
                        let text = as_text();
                        if !text.is_empty() && text != dataset.manifest.money_unit {
                            let unit = text.to_string();
                            let expected = dataset.manifest.money_unit.clone();
                            pending.push(Pending::new(place, Some(column), move |span| {
                                DataError::MixedUnits {
                                    unit,
                                    expected,
                                    span,
                                }
                            }));
                        }
                    }
                    Role::Tags => {
                        for tag in as_text()
                            .split(';')
                            .map(str::trim)
                            .filter(|t| !t.is_empty())
                        {
                            match dataset.tag_bit(tag) {
                                Some(bit) => tags |= bit,
                                None => {
                                    let tag = tag.to_string();
                                    let help = allowed_help(&tag, &dataset.manifest.tags, "tags");
                                    pending.push(Pending::new(place, Some(column), move |span| {
                                        DataError::UnknownTag { tag, help, span }
                                    }));
                                }
                            }
                        }
                    }
                    Role::Field(field) => {
                        if let Some(problem) = push_field(
                            dataset,
                            *field,
                            as_text(),
                            place,
                            column,
                            &mut allowed_symbols,
                        ) {
                            pending.push(problem);
                        }
                    }
                }
            }
            if let (None, None, Some(column)) = (amount, share, amount_column) {
                pending.push(empty_cell(
                    place,
                    column,
                    "amount",
                    EMPTY_AMOUNT_OR_SHARE_HELP.to_string(),
                ));
            }
            if pending.len() > before {
                // Keep the columns aligned: drop the partial row.
                truncate_fields(dataset, index as usize);
                continue;
            }
            let amount_published = amount.is_some();
            let amount = amount.or(if has_share { Some(Decimal::ZERO) } else { None });
            let (Some(country), Some(year), Some(amount)) = (country, year, amount) else {
                truncate_fields(dataset, index as usize);
                continue;
            };
            if !id.is_empty() {
                let mut hasher = Hasher::default();
                hasher.update(id.as_bytes());
                id_hashes.push((hasher.value(), index));
            }
            dataset.country.push(country);
            dataset.year.push(year);
            dataset.amount.push(amount);
            if has_share {
                dataset.share.push(share);
                dataset.amount_missing.push(!amount_published);
            }
            if has_edition {
                dataset.edition.push(edition);
            }
            dataset.line.push(item_line(place));
            dataset.tags.push(tags);
            dataset.push_id(id);
            index += 1;
        }
        // Stop the reading thread if this loop stopped early.
        records.empty = None;
        drop(records);
    });
    if pending.is_empty() {
        if let Some(id_column) = id_column {
            duplicate_ids(dataset, id_hashes, id_column, &mut pending);
        }
    }
    if pending.is_empty() {
        Ok(())
    } else {
        Err(locate_all(pending))
    }
}

/// Up to eight bytes as one integer (`None` for longer codes, which then
/// match nothing and are reported as unknown).
fn pack(bytes: &[u8]) -> Option<u64> {
    if bytes.is_empty() || bytes.len() > 8 {
        return None;
    }
    let mut word = [0u8; 8];
    word.get_mut(..bytes.len())?.copy_from_slice(bytes);
    Some(u64::from_le_bytes(word))
}

/// Reports ids that occur twice. Sorting hashes keeps memory small for
/// large files; equal hashes are confirmed by comparing the ids. Runs only
/// when no row was dropped, so item `i` is record `i + 1` of the file.
fn duplicate_ids(
    dataset: &Dataset,
    mut hashes: Vec<(u64, u32)>,
    id_column: usize,
    pending: &mut Vec<Pending>,
) {
    hashes.sort_unstable();
    // (second item, first item with the same id)
    let mut twice: Vec<(usize, usize)> = Vec::new();
    for run in hashes.chunk_by(|a, b| a.0 == b.0) {
        for (k, &(_, second)) in run.iter().enumerate() {
            let second = second as usize;
            let first = run
                .iter()
                .take(k)
                .map(|&(_, i)| i as usize)
                .find(|&first| dataset.id(first) == dataset.id(second));
            if let Some(first) = first {
                twice.push((second, first));
            }
        }
    }
    twice.sort_unstable();
    for (second, first) in twice.into_iter().take(MAX_PROBLEMS + 1) {
        let id = dataset.id(second);
        let first_line = dataset.line.get(first).copied().unwrap_or(0);
        let place = Place {
            line: u64::from(dataset.line.get(second).copied().unwrap_or(0)),
            record: second as u64 + 1,
        };
        let what = format!("the id `{id}`");
        let help = format!("ids must be unique; the first is on line {first_line}");
        pending.push(Pending::new(place, Some(id_column), move |span| {
            DataError::DuplicateKey { what, help, span }
        }));
    }
}

/// Why a number cell cannot be read.
enum NumberProblem {
    NotANumber(String),
    TooPrecise(String),
}

impl NumberProblem {
    fn pending(self, place: Place, column: usize, name: &str) -> Pending {
        let name = name.to_string();
        Pending::new(place, Some(column), move |span| match self {
            NumberProblem::NotANumber(value) => DataError::BadNumber {
                column: name,
                value,
                span,
            },
            NumberProblem::TooPrecise(value) => DataError::TooPrecise {
                column: name,
                value,
                span,
            },
        })
    }
}

/// Reads an amount: a fast path for plain decimals, the general parser otherwise.
fn parse_amount(text: &str) -> Result<Decimal, NumberProblem> {
    let bytes = text.as_bytes();
    let (negative, digits) = match bytes.first() {
        Some(b'-') => (true, bytes.get(1..).unwrap_or_default()),
        _ => (false, bytes),
    };
    if !digits.is_empty() && digits.len() <= 18 {
        let mut mantissa: i64 = 0;
        let mut scale: Option<u32> = None;
        let mut ok = true;
        for &b in digits {
            match b {
                b'0'..=b'9' => {
                    mantissa = mantissa * 10 + i64::from(b - b'0');
                    if let Some(s) = scale.as_mut() {
                        *s += 1;
                    }
                }
                b'.' if scale.is_none() => scale = Some(0),
                _ => {
                    ok = false;
                    break;
                }
            }
        }
        if ok && scale != Some(0) && digits.first() != Some(&b'.') {
            let value = Decimal::new(
                if negative { -mantissa } else { mantissa },
                scale.unwrap_or(0),
            );
            return Ok(value);
        }
    }
    parse_decimal(text)
}

/// Reads a decimal exactly, or says why it cannot.
fn parse_decimal(text: &str) -> Result<Decimal, NumberProblem> {
    if text.is_empty() {
        return Err(NumberProblem::NotANumber(text.to_string()));
    }
    let parsed = if text.len() > 100 {
        Err(())
    } else {
        Decimal::from_str(text).map_err(|_| ())
    };
    let value = match parsed {
        Ok(value) => value,
        // Written as a number, but too large or too long to hold.
        Err(_) if plain_number(text) => return Err(NumberProblem::TooPrecise(text.to_string())),
        Err(_) => return Err(NumberProblem::NotANumber(text.to_string())),
    };
    // The parser rounds digits it cannot hold; refuse that rather than
    // change a figure silently.
    if needed_scale(text) > value.scale() as usize {
        return Err(NumberProblem::TooPrecise(text.to_string()));
    }
    Ok(value)
}

/// How many digits after the `.` a number as written needs, trailing zeros
/// aside: 1 for `12.50`, 0 for `1.5e3`, 3 for `1.25e-1`.
fn needed_scale(text: &str) -> usize {
    let unsigned = text.trim_start_matches(['-', '+']);
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => (mantissa, exponent.parse::<i64>().unwrap_or(0)),
        None => (unsigned, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits: String = whole
        .chars()
        .chain(fraction.chars())
        .filter(char::is_ascii_digit)
        .collect();
    let whole_digits = whole.chars().filter(char::is_ascii_digit).count();
    let point = i64::try_from(whole_digits)
        .unwrap_or(0)
        .saturating_add(exponent);
    let significant = i64::try_from(digits.trim_end_matches('0').len()).unwrap_or(0);
    usize::try_from(significant.saturating_sub(point)).unwrap_or(0)
}

/// Digits with an optional sign and decimal point, such as `-1234.5`.
fn plain_number(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    !(whole.is_empty() && fraction.is_empty())
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

fn parse_year(text: &str) -> Option<i32> {
    text.parse::<i32>().ok().filter(|y| (1..=9999).contains(y))
}

fn country_help(dataset: &Dataset, code: &str) -> String {
    let codes: Vec<&str> = dataset
        .manifest
        .countries
        .iter()
        .map(|c| c.code.as_str())
        .collect();
    let suggestion = did_you_mean(code, codes.iter().copied());
    match suggestion {
        Some(s) => format!(
            "did you mean `{s}`? Countries are ISO 3166 alpha-3 codes listed in the manifest"
        ),
        None => {
            "countries are ISO 3166 alpha-3 codes; add the country to `countries` in dataset.json"
                .to_string()
        }
    }
}

fn allowed_help(value: &str, allowed: &[String], what: &str) -> String {
    match did_you_mean(value, allowed.iter().map(String::as_str)) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!(
            "the allowed {what} are {}",
            allowed
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Appends a field value to its column, or returns the problem.
fn push_field(
    dataset: &mut Dataset,
    field: usize,
    text: &str,
    place: Place,
    column: usize,
    allowed_symbols: &mut [Vec<(String, u32)>],
) -> Option<Pending> {
    let spec = dataset.manifest.fields.get(field)?;
    let (ty, has_allowed) = (spec.ty, spec.values.is_some());
    match ty {
        FieldType::Text => {
            let symbol = if text.is_empty() {
                NONE
            } else if text == "*" {
                dataset.has_any = true;
                ANY
            } else if let Some(&(_, symbol)) = allowed_symbols.get(field).and_then(|known| {
                known
                    .iter()
                    .find(|(value, _)| value.len() == text.len() && value == text)
            }) {
                symbol
            } else {
                if has_allowed {
                    let allowed = spec.values.as_deref().unwrap_or_default();
                    if !allowed.iter().any(|a| a == text) {
                        let value = text.to_string();
                        let help = allowed_help(text, allowed, "values");
                        let field_name = spec.name.clone();
                        return Some(Pending::new(place, Some(column), move |span| {
                            DataError::UnknownValue {
                                field: field_name,
                                value,
                                help,
                                span,
                            }
                        }));
                    }
                }
                let symbol = dataset.intern(text);
                if has_allowed {
                    if let Some(known) = allowed_symbols.get_mut(field) {
                        known.push((text.to_string(), symbol));
                    }
                }
                symbol
            };
            if let Some(Column::Text(values)) = dataset.columns.get_mut(field) {
                values.push(symbol);
            }
        }
        FieldType::Number => {
            let value = if text.is_empty() {
                None
            } else {
                match parse_decimal(text) {
                    Ok(v) => Some(v),
                    Err(problem) => return Some(problem.pending(place, column, &spec.name)),
                }
            };
            if let Some(Column::Number(values)) = dataset.columns.get_mut(field) {
                values.push(value);
            }
        }
        FieldType::Bool => {
            let value = match text {
                "" => None,
                "true" => Some(true),
                "false" => Some(false),
                _ => {
                    let value = text.to_string();
                    let field_name = spec.name.clone();
                    return Some(Pending::new(place, Some(column), move |span| {
                        DataError::UnknownValue {
                            field: field_name,
                            value,
                            help: "write `true`, `false` or leave the cell empty".into(),
                            span,
                        }
                    }));
                }
            };
            if let Some(Column::Bool(values)) = dataset.columns.get_mut(field) {
                values.push(value);
            }
        }
    }
    None
}

fn truncate_fields(dataset: &mut Dataset, len: usize) {
    for column in &mut dataset.columns {
        match column {
            Column::Text(v) => v.truncate(len),
            Column::Number(v) => v.truncate(len),
            Column::Bool(v) => v.truncate(len),
        }
    }
}

/// Turns pending problems into located diagnostics, reading the text once.
fn locate(
    name: &str,
    reread: &dyn Fn() -> std::io::Result<String>,
    pending: Vec<Pending>,
) -> Vec<Problem> {
    let (pending, more) = limit(pending);
    let text = reread().unwrap_or_default();
    let mut sources = Sources::new();
    let id = sources.add(name, text.clone());
    let mut problems: Vec<Problem> = pending
        .into_iter()
        .map(|p| {
            let span = cell_span(&text, id, p.place.line, p.column);
            Problem::new((p.make)(span), &sources, id)
        })
        .collect();
    if more {
        problems.push(more_problems(name));
    }
    problems
}

/// The span of a cell (or of a whole line when `column` is `None`).
pub(crate) fn cell_span(text: &str, file: FileId, line: u64, column: Option<usize>) -> Span {
    let mut start = 0usize;
    for (current, l) in (1u64..).zip(text.split_inclusive('\n')) {
        if current == line {
            let content = l.trim_end_matches(['\n', '\r']);
            return match column {
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
fn field_range(line: &str, n: usize) -> (usize, usize) {
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

fn read_indicators(dataset: &mut Dataset, name: &str, text: &str) -> Result<(), Vec<Problem>> {
    let reread = || Ok(text.to_string());
    let mut csv = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let mut pending = Vec::new();
    let headers = match csv.headers() {
        Ok(h) => h.clone(),
        Err(e) => return Err(locate(name, &reread, vec![csv_problem(&e, Place::HEADER)])),
    };
    let series: Vec<String> = dataset
        .manifest
        .indicator_series
        .iter()
        .map(|s| s.name.clone())
        .collect();
    let file = dataset.manifest.indicators.clone();
    let mut slots: Vec<(usize, usize)> = Vec::new(); // (column, series index)
    let mut country_column = None;
    let mut year_column = None;
    let mut seen: Vec<(&str, usize)> = Vec::new();
    for (i, header) in headers.iter().enumerate() {
        let header = header.trim();
        if let Some(&(_, first)) = seen.iter().find(|(name, _)| *name == header) {
            pending.push(duplicate_column(header, first, i));
            continue;
        }
        seen.push((header, i));
        match header {
            "country" => country_column = Some(i),
            "year" => year_column = Some(i),
            other => match series.iter().position(|s| s == other) {
                Some(index) => slots.push((i, index)),
                None => {
                    let column = other.to_string();
                    let help = match did_you_mean(other, series.iter().map(String::as_str)) {
                        Some(s) => format!("did you mean `{s}`? Declare every series in `indicator_series` of dataset.json"),
                        None => "declare every series in `indicator_series` of dataset.json, or remove the column".to_string(),
                    };
                    pending.push(Pending::new(Place::HEADER, Some(i), move |span| {
                        DataError::UnknownColumn { column, help, span }
                    }));
                }
            },
        }
    }
    let mut required = vec!["country".to_string(), "year".to_string()];
    required.extend(series.iter().cloned());
    for column in required {
        if !seen.iter().any(|(name, _)| *name == column) {
            let help = if series.contains(&column) {
                format!(
                    "dataset.json declares the series `{column}` in `indicator_series`; add a `{column}` column to `{file}`, and leave a cell empty where the figure is not published"
                )
            } else {
                format!(
                    "`{file}` needs the columns `country` and `year`, then one column per series of `indicator_series`"
                )
            };
            pending.push(Pending::new(Place::HEADER, None, move |span| {
                DataError::MissingColumn { column, help, span }
            }));
        }
    }
    let (Some(country_column), Some(year_column)) = (country_column, year_column) else {
        return Err(locate(name, &reread, pending));
    };
    if !pending.is_empty() {
        return Err(locate(name, &reread, pending));
    }
    let units: Vec<IndicatorUnit> = dataset
        .manifest
        .indicator_series
        .iter()
        .map(|s| s.unit)
        .collect();
    let mut last = Place::HEADER;
    for result in csv.records() {
        if pending.len() > MAX_PROBLEMS {
            break;
        }
        let record = match result {
            Ok(r) => r,
            Err(e) => {
                pending.push(csv_problem(&e, last));
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    break;
                }
                continue;
            }
        };
        let place = Place::of(record.position(), last);
        last = place;
        let code = record.get(country_column).unwrap_or("").trim();
        if code.is_empty() {
            let help = empty_country_help(dataset);
            pending.push(empty_cell(place, country_column, "country", help));
            continue;
        }
        let Some(country) = dataset.country_index(code) else {
            let code = code.to_string();
            let help = country_help(dataset, &code);
            pending.push(Pending::new(place, Some(country_column), move |span| {
                DataError::UnknownCountry { code, help, span }
            }));
            continue;
        };
        let year_text = record.get(year_column).unwrap_or("").trim();
        if year_text.is_empty() {
            let help = EMPTY_YEAR_HELP.to_string();
            pending.push(empty_cell(place, year_column, "year", help));
            continue;
        }
        let Some(year) = parse_year(year_text) else {
            let value = year_text.to_string();
            pending.push(Pending::new(place, Some(year_column), move |span| {
                DataError::BadYear { value, span }
            }));
            continue;
        };
        let mut values = vec![None; series.len()];
        for &(column, index) in &slots {
            let text = record.get(column).unwrap_or("").trim();
            if text.is_empty() {
                continue;
            }
            let value = match parse_decimal(text) {
                Ok(value) => value,
                Err(problem) => {
                    let name = series.get(index).map_or("", String::as_str);
                    pending.push(problem.pending(place, column, name));
                    continue;
                }
            };
            let value = match units.get(index) {
                Some(IndicatorUnit::Percent) => value / Decimal::ONE_HUNDRED,
                _ => value,
            };
            if let Some(slot) = values.get_mut(index) {
                *slot = Some(value);
            }
        }
        if let Some(first) = dataset.indicator_lines.get(&(country, year)) {
            let what = format!("the row for {code} in {year}");
            let help = format!("one row per country and year; the first is on line {first}");
            pending.push(Pending::new(place, None, move |span| {
                DataError::DuplicateKey { what, help, span }
            }));
            continue;
        }
        dataset.indicators.insert((country, year), values);
        dataset
            .indicator_lines
            .insert((country, year), csv_line(place));
    }
    if pending.is_empty() {
        Ok(())
    } else {
        Err(locate(name, &reread, pending))
    }
}

/// One object of a JSON items file, keys in the order written (a key
/// written twice is kept twice, to be reported).
struct JsonRow(Vec<(String, serde_json::Value)>);

impl<'de> Deserialize<'de> for JsonRow {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<JsonRow, D::Error> {
        struct Entries;
        impl<'de> Visitor<'de> for Entries {
            type Value = JsonRow;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object such as {\"country\": \"XAA\", \"year\": 2024, \"amount\": \"12.5\"}")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JsonRow, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<String, serde_json::Value>()? {
                    entries.push(entry);
                }
                Ok(JsonRow(entries))
            }
        }
        deserializer.deserialize_map(Entries)
    }
}

/// Where an object of the top-level array is: its byte range and first line.
#[derive(Debug, Clone, Copy)]
struct Element {
    start: usize,
    end: usize,
    line: u32,
}

/// Line items as a JSON array of objects: `{"country": "POL", "year": 2024,
/// "amount": "123.4", "<field>": ..., "tags": ["..."]}`.
fn read_json_items(dataset: &mut Dataset, name: &str, text: &str) -> Result<(), Vec<Problem>> {
    let mut sources = Sources::new();
    let id = sources.add(name, text);
    let rows: Vec<JsonRow> = match serde_json::from_str(text) {
        Ok(rows) => rows,
        Err(error) => {
            let offset = offset_of(text, error.line(), error.column());
            return Err(vec![Problem::new(
                DataError::BadRow {
                    message: match error.classify() {
                        serde_json::error::Category::Data => format!(
                            "the line items are not an array of objects: {}",
                            json_message(&error)
                        ),
                        _ => format!("the line items are not valid JSON: {}", json_message(&error)),
                    },
                    help: "a JSON items file is an array of objects, one per item: `[{\"country\": \"XAA\", \"year\": 2024, \"amount\": \"12.5\"}]`; see docs/data.md".to_string(),
                    label: "here".to_string(),
                    span: Span::new(id, offset, (offset + 1).min(text.len())),
                },
                &sources,
                id,
            )]);
        }
    };
    let elements = elements(text);
    let element_text = |element: &Element| text.get(element.start..element.end).unwrap_or("");
    // The span of the n-th `"key": value` of an element, or its first line.
    let span_in = |element: Option<&Element>, key: Option<&str>, nth: usize| -> Span {
        let Some(element) = element else {
            return Span::new(id, 0, text.len().min(1));
        };
        if let Some((s, e)) = key.and_then(|k| key_value_span(element_text(element), k, nth)) {
            return Span::new(id, element.start + s, element.start + e);
        }
        let line_end = element_text(element)
            .find('\n')
            .map_or(element.end, |e| element.start + e);
        Span::new(id, element.start, line_end.max(element.start + 1))
    };

    // A key written twice in one object: the second would silently win.
    let mut twice = Vec::new();
    for (r, row) in rows.iter().enumerate() {
        for (k, (key, _)) in row.0.iter().enumerate() {
            let nth = row
                .0
                .iter()
                .take(k)
                .filter(|(other, _)| other == key)
                .count();
            if nth == 1 {
                let element = elements.get(r);
                let first = span_in(element, Some(key), 0);
                let help = format!(
                    "an object names each key once; the first `{key}` is on line {}. Keep one of the two",
                    line_of(text, first.start as usize)
                );
                twice.push(Problem::new(
                    DataError::DuplicateColumn {
                        what: format!("the key `{key}` of this object"),
                        column: key.clone(),
                        help,
                        span: span_in(element, Some(key), 1),
                    },
                    &sources,
                    id,
                ));
            }
        }
    }
    if !twice.is_empty() {
        let more = twice.len() > MAX_PROBLEMS;
        twice.truncate(MAX_PROBLEMS);
        if more {
            twice.push(more_problems(name));
        }
        return Err(twice);
    }
    let rows: Vec<BTreeMap<String, serde_json::Value>> = rows
        .into_iter()
        .map(|row| row.0.into_iter().collect())
        .collect();

    // Convert to CSV text with the same columns, then reuse the CSV reader so
    // both formats obey exactly the same rules; problems point at the JSON.
    let mut columns = vec![
        "id".to_string(),
        "country".into(),
        "year".into(),
        "amount".into(),
        "tags".into(),
    ];
    columns.extend(dataset.manifest.fields.iter().map(|f| f.name.clone()));
    for row in &rows {
        for key in row.keys() {
            if !columns.contains(key) && key != "unit" {
                columns.push(key.clone());
            }
        }
    }
    if rows.iter().any(|r| r.contains_key("unit")) {
        columns.push("unit".into());
    }
    let mut writer = csv::Writer::from_writer(Vec::new());
    let _ = writer.write_record(&columns);
    for row in &rows {
        let cells: Vec<String> = columns.iter().map(|c| json_cell(row.get(c))).collect();
        let _ = writer.write_record(&cells);
    }
    let csv_text = writer
        .into_inner()
        .map(|bytes| String::from_utf8_lossy(&bytes).to_string())
        .unwrap_or_default();
    let locator = |pending: Vec<Pending>| {
        let (pending, more) = limit(pending);
        let mut problems: Vec<Problem> = pending
            .into_iter()
            .map(|p| {
                let key = p.column.and_then(|c| columns.get(c)).map(String::as_str);
                // A header problem (an unknown key) points at the first
                // object that has the key.
                let element = match (p.place.record, key) {
                    (0, Some(key)) => elements
                        .iter()
                        .find(|e| !key_spans(element_text(e), key).is_empty()),
                    (record, _) => elements.get((record as usize).saturating_sub(1)),
                };
                Problem::new((p.make)(span_in(element, key, 0)), &sources, id)
            })
            .collect();
        if more {
            problems.push(more_problems(name));
        }
        problems
    };
    // An item's line is the line where its object starts.
    let item_line = |place: Place| {
        elements
            .get((place.record as usize).saturating_sub(1))
            .map_or(0, |e| e.line)
    };
    read_items(dataset, csv_text.as_bytes(), &locator, &item_line)
}

/// The text of a JSON value as a CSV cell. Numbers keep their digits as
/// written (serde_json's `arbitrary_precision`); an exponent is written
/// out (`1.5e3` becomes `1500`).
fn json_cell(value: Option<&serde_json::Value>) -> String {
    match value {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Number(n)) => {
            let text = n.to_string();
            if text.contains(['e', 'E']) {
                if let Ok(value) = Decimal::from_scientific(&text) {
                    return value.to_string();
                }
            }
            text
        }
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .map(|v| json_cell(Some(v)))
            .collect::<Vec<_>>()
            .join(";"),
        Some(other) => other.to_string(),
    }
}

/// The objects of the top-level array: where each starts and ends.
fn elements(text: &str) -> Vec<Element> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut depth = 0usize;
    let mut line = 1u32;
    let mut open: Option<(usize, u32)> = None;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\n' => line += 1,
            b'"' => {
                let end = string_end(bytes, i);
                line += u32::try_from(
                    bytes
                        .get(i..end)
                        .unwrap_or_default()
                        .iter()
                        .filter(|&&c| c == b'\n')
                        .count(),
                )
                .unwrap_or(0);
                i = end;
                continue;
            }
            b'[' | b'{' => {
                if depth == 1 && b == b'{' {
                    open = Some((i, line));
                }
                depth += 1;
            }
            b']' | b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 1 && b == b'}' {
                    if let Some((start, line)) = open.take() {
                        found.push(Element {
                            start,
                            end: i + 1,
                            line,
                        });
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    found
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_exact_or_refused() {
        let exact = |t: &str| parse_decimal(t).ok().map(|d| d.to_string());
        assert_eq!(
            exact("12345678.123456789012").as_deref(),
            Some("12345678.123456789012")
        );
        assert_eq!(exact("-0.5").as_deref(), Some("-0.5"));
        assert_eq!(exact("1.500").as_deref(), Some("1.500"));
        // Rounding would lose digits: refused, not rounded.
        assert!(matches!(
            parse_decimal("12345678901234567890.123456789012"),
            Err(NumberProblem::TooPrecise(_))
        ));
        assert!(matches!(
            parse_decimal("0.00000000000000000000000000001"),
            Err(NumberProblem::TooPrecise(_))
        ));
        assert!(matches!(
            parse_decimal("79228162514264337593543950336"),
            Err(NumberProblem::TooPrecise(_))
        ));
        // Trailing zeros beyond the precision lose nothing.
        assert!(parse_decimal("1.00000000000000000000000000000000").is_ok());
        assert!(matches!(
            parse_decimal(&"9".repeat(120)),
            Err(NumberProblem::TooPrecise(_))
        ));
        for bad in ["", "12,5", "n/a", "1 000", ".", "-"] {
            assert!(
                matches!(parse_decimal(bad), Err(NumberProblem::NotANumber(_))),
                "{bad:?}"
            );
        }
        // Exponents (accepted by the parser) are checked the same way.
        assert_eq!(exact("1.25e-1").as_deref(), Some("0.125"));
        assert!(parse_decimal("1.5e3").is_ok());
        assert_eq!(needed_scale("12.50"), 1);
        assert_eq!(needed_scale("100e-2"), 0);
        assert_eq!(needed_scale("-0.000001"), 6);
        assert_eq!(parse_amount("12.25").ok(), Decimal::from_str("12.25").ok());
    }

    #[test]
    fn json_keys_and_objects_are_found() {
        let text = r#"{"a": {"tags": 1}, "tags": ["x", "}"], "b": "tags", "tags": 2}"#;
        let spans = key_spans(text, "tags");
        assert_eq!(spans.len(), 2);
        let (start, end) = key_value_span(text, "tags", 0).unwrap();
        assert_eq!(&text[start..end], r#""tags": ["x", "}"]"#);
        let (start, end) = key_value_span(text, "tags", 1).unwrap();
        assert_eq!(&text[start..end], r#""tags": 2"#);

        let items = "[{\"a\": \"{\"},\n {\"b\": 1}, {\"c\": [\n{}]}]";
        let found = elements(items);
        let lines: Vec<u32> = found.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![1, 2, 2]);
        assert_eq!(&items[found[1].start..found[1].end], "{\"b\": 1}");
    }

    #[test]
    fn json_numbers_become_exact_cells() {
        let value: serde_json::Value =
            serde_json::from_str("[12345678.123456789012, 1.5e3, 25E-1, -7]").unwrap();
        let cells: Vec<String> = value
            .as_array()
            .unwrap()
            .iter()
            .map(|v| json_cell(Some(v)))
            .collect();
        assert_eq!(cells, ["12345678.123456789012", "1500", "2.5", "-7"]);
    }
}
