//! Loading a dataset: the manifest (JSON), the line items (CSV or JSON) and
//! the indicators (CSV). Every problem becomes a `DataError` that points at
//! file, line and column, with the data file itself shown as the source.
//! Line items are streamed, so a large CSV is never held in memory whole.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::dataset::Dataset;
use crate::diagnostics::io_reason;
use crate::source::{Sources, Span};
use crate::stamp::{Hasher, HashingReader};

#[allow(unused_imports)]
use super::indicators::read_indicators;
use super::{csv_rows::*, errors::*, json::*, manifest::*};

/// At most this many data problems are reported from one file.
pub(crate) const MAX_PROBLEMS: usize = 20;

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

/// A sheet of an Excel workbook, read as CSV text; `None` when the file is
/// not a workbook.
fn workbook(path: &Path, sheet: &str) -> Result<Option<super::xlsx::Sheet>, Vec<DataProblem>> {
    if !super::xlsx::is_workbook(path) {
        return Ok(None);
    }
    super::xlsx::read_sheet(path, sheet)
        .map(Some)
        .map_err(|reason| {
            vec![DataProblem::bare(DataError::Unreadable {
                path: path.display().to_string(),
                reason,
            })]
        })
}

/// Loads a dataset, or every problem found in it.
pub fn load(source: &DataSource) -> Result<Dataset, Vec<DataProblem>> {
    match source {
        DataSource::Embedded {
            dir,
            manifest,
            items,
            indicators,
        } => load_embedded(dir, manifest, items, indicators),
        DataSource::Path(path) => load_path(path),
    }
}

/// A dataset bundled into the binary: the texts of its manifest, line items
/// and indicators, named as files of the folder `dir`.
fn load_embedded(
    dir: &str,
    manifest_text: &str,
    items: &str,
    indicators: &str,
) -> Result<Dataset, Vec<DataProblem>> {
    let manifest_name = format!("{dir}/dataset.json");
    let manifest = parse_manifest(&manifest_name, manifest_text)?;
    let items_name = format!("{dir}/{}", manifest.line_items);
    let indicators_name = format!("{dir}/{}", manifest.indicators);
    let mut dataset = Dataset::new(manifest, items_name.clone(), indicators_name.clone());
    check_manifest(&dataset, &manifest_name, manifest_text)?;
    let locator = |pending| locate(&items_name, &|| Ok(items.to_string()), pending);
    read_items(
        &mut dataset,
        items.as_bytes(),
        items.len() as u64,
        &locator,
        &csv_line,
    )?;
    read_indicators(&mut dataset, &indicators_name, indicators)?;
    complete(&mut dataset)?;
    let mut hasher = Hasher::default();
    for text in [manifest_text, items, indicators] {
        hasher.update(text.as_bytes());
    }
    dataset.content_hash = hasher.hex();
    Ok(dataset)
}

/// A dataset on disk: a folder with a `dataset.json`, or the path of the
/// manifest itself.
fn load_path(path: &Path) -> Result<Dataset, Vec<DataProblem>> {
    let manifest_path = if path.is_dir() {
        path.join("dataset.json")
    } else {
        path.to_path_buf()
    };
    let dir = manifest_path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let text = read_text(&manifest_path)?;
    let manifest_name = manifest_path.display().to_string();
    let manifest = parse_manifest(&manifest_name, &text)?;
    entries_inside(&manifest, &manifest_name, &text, &dir)?;
    let items = DataFile::new(&dir, "line_items", &manifest.line_items)?;
    let mut indicators = DataFile::new(&dir, "indicators", &manifest.indicators)?;
    let mut dataset = Dataset::new(manifest, items.name.clone(), indicators.name.clone());
    check_manifest(&dataset, &manifest_name, &text)?;
    let manifest_file = ManifestFile {
        name: &manifest_name,
        text: &text,
    };
    let hasher = Arc::new(Mutex::new(Hasher::default()));
    update(&hasher, text.as_bytes());
    read_items_file(&mut dataset, &items, &hasher, manifest_file)?;
    let indicators_text = indicators.whole_text(&hasher, manifest_file)?;
    read_indicators(&mut dataset, &indicators.name, &indicators_text)?;
    complete(&mut dataset)?;
    dataset.content_hash = hasher.lock().map(|h| h.hex()).unwrap_or_default();
    Ok(dataset)
}

/// What every dataset goes through once its files are read: its index,
/// the check that its sums are exact, and its view on shares of GDP.
fn complete(dataset: &mut Dataset) -> Result<(), Vec<DataProblem>> {
    dataset.index();
    exact_sums(dataset)?;
    dataset.build_share_view();
    Ok(())
}

/// The manifest of a dataset on disk, as read.
#[derive(Clone, Copy)]
struct ManifestFile<'m> {
    name: &'m str,
    text: &'m str,
}

impl ManifestFile<'_> {
    /// A file the manifest names and that cannot be read: points at the
    /// manifest's entry, and says which path it resolved to.
    fn unreadable(self, file: &DataFile, error: &std::io::Error) -> Vec<DataProblem> {
        unreadable_entry(
            self.name,
            self.text,
            (file.key, &file.entry),
            &file.name,
            error,
        )
    }
}

/// A data file the manifest names.
struct DataFile {
    /// The manifest's key for it, also the name of its sheet in a workbook
    /// (`line_items`, `indicators`).
    key: &'static str,
    /// The manifest's entry, as written.
    entry: String,
    path: PathBuf,
    /// The name diagnostics give it.
    name: String,
    /// An Excel workbook's sheet, read as CSV text.
    sheet: Option<super::xlsx::Sheet>,
}

impl DataFile {
    /// The file `entry` of the folder `dir`, its sheet read when it is a
    /// workbook.
    fn new(dir: &Path, key: &'static str, entry: &str) -> Result<DataFile, Vec<DataProblem>> {
        let path = dir.join(entry);
        let sheet = workbook(&path, key)?;
        let name = sheet
            .as_ref()
            .map_or_else(|| path.display().to_string(), |s| s.name.clone());
        Ok(DataFile {
            key,
            entry: entry.to_string(),
            path,
            name,
            sheet,
        })
    }

    /// The whole text of the file (a workbook's sheet as CSV, which this
    /// takes), its bytes added to the dataset's hash.
    fn whole_text(
        &mut self,
        hasher: &Mutex<Hasher>,
        manifest: ManifestFile<'_>,
    ) -> Result<String, Vec<DataProblem>> {
        match self.sheet.take() {
            Some(sheet) => {
                update(hasher, &sheet.bytes);
                Ok(sheet.csv)
            }
            None => {
                let text = read_regular(&self.path).map_err(|e| manifest.unreadable(self, &e))?;
                update(hasher, text.as_bytes());
                Ok(text)
            }
        }
    }
}

/// Reads the line items from a workbook's sheet, a JSON file or a CSV file
/// (streamed), their bytes added to the dataset's hash.
fn read_items_file(
    dataset: &mut Dataset,
    items: &DataFile,
    hasher: &Arc<Mutex<Hasher>>,
    manifest: ManifestFile<'_>,
) -> Result<(), Vec<DataProblem>> {
    let file = open_regular(&items.path, None).map_err(|e| manifest.unreadable(items, &e))?;
    if let Some(sheet) = &items.sheet {
        update(hasher, &sheet.bytes);
        let reread = || Ok(sheet.csv.clone());
        let locator = |pending| locate(&items.name, &reread, pending);
        read_items(
            dataset,
            sheet.csv.as_bytes(),
            sheet.csv.len() as u64,
            &locator,
            &csv_line,
        )
    } else if items.name.ends_with(".json") {
        let items_text = read_regular(&items.path).map_err(|e| manifest.unreadable(items, &e))?;
        update(hasher, items_text.as_bytes());
        read_json_items(dataset, &items.name, &items_text)
    } else {
        let reread = |lines: &[u64]| read_lines_lossy(&items.path, lines);
        let locator = |pending| locate_lines(&items.name, &reread, pending);
        let size = file.metadata().map_or(0, |m| m.len());
        let reader = HashingReader {
            inner: file,
            hasher: hasher.clone(),
        };
        read_items(dataset, reader, size, &locator, &csv_line)
    }
}

/// Whether no sum of amounts can reach `limit` at the largest scale of the
/// data: the number of items times the largest amount at that scale stays
/// below it. True for real datasets, which then need no sum checked.
fn sums_fit(dataset: &Dataset, limit: u128) -> bool {
    let (mut largest, mut low, mut high) = (0u128, u32::MAX, 0u32);
    for amount in dataset.amount.iter() {
        largest = largest.max(amount.mantissa().unsigned_abs());
        low = low.min(amount.scale());
        high = high.max(amount.scale());
    }
    let n = dataset.amount.len() as u128;
    10u128
        .checked_pow(high.saturating_sub(low))
        .and_then(|widen| largest.checked_mul(widen))
        .and_then(|bound| bound.checked_mul(n))
        .is_some_and(|bound| bound < limit)
}

/// Refuses a dataset whose items of one country and year cannot be added
/// up exactly (their sum needs more digits than an exact decimal holds), so
/// that no total is ever rounded silently.
fn exact_sums(dataset: &Dataset) -> Result<(), Vec<DataProblem>> {
    /// 28 significant digits, the documented precision.
    const LIMIT: u128 = 10_u128.pow(28);
    if sums_fit(dataset, LIMIT) {
        return Ok(());
    }
    let mut problems = Vec::new();
    for (&(country, year), items) in &dataset.by_country_year {
        let mut sum = rust_decimal::Decimal::ZERO;
        for &item in items.iter() {
            let amount = dataset.amount.get(item as usize).unwrap_or_default().abs();
            let next = sum.checked_add(amount);
            match next {
                Some(next)
                    if next - amount == sum
                        && next - sum == amount
                        && next.mantissa().unsigned_abs() < LIMIT =>
                {
                    sum = next;
                }
                _ => {
                    problems.push(DataProblem::bare(DataError::SumTooLarge {
                        country: dataset.country_code(country).to_string(),
                        year,
                        file: dataset.items_file.clone(),
                    }));
                    break;
                }
            }
        }
        if problems.len() >= MAX_PROBLEMS {
            break;
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

pub(crate) fn update(hasher: &Mutex<Hasher>, bytes: &[u8]) {
    if let Ok(mut hasher) = hasher.lock() {
        hasher.update(bytes);
    }
}

pub(crate) fn read_text(path: &Path) -> Result<String, Vec<DataProblem>> {
    let not_json = path.extension().is_none_or(|e| e != "json");
    let result = if not_json {
        Err(std::io::Error::other(
            "it is not a dataset folder, nor a `.json` manifest",
        ))
    } else {
        read_regular(path)
    };
    result.map_err(|e| {
        vec![DataProblem::bare(DataError::Unreadable {
            path: path.display().to_string(),
            reason: io_reason(&e),
        })]
    })
}

/// The largest data file read whole (the manifest, the indicators, JSON
/// line items), in bytes: 256 MiB. CSV line items are streamed.
pub const MAX_READ_BYTES: u64 = 256 << 20;

/// A file as text, bytes that are not UTF-8 replaced (to locate problems).
/// Lines shown around each line a diagnostic is on.
const CONTEXT_LINES: u64 = 5;

/// The text of a file as diagnostics on `lines` (sorted) show it: those
/// lines and a few around each, any bytes that are not UTF-8 replaced; every
/// other line is left empty (so line numbers stay right) and the file is
/// read no further than needed. At most [`MAX_READ_BYTES`] are kept.
fn read_lines_lossy(path: &Path, lines: &[u64]) -> std::io::Result<String> {
    use std::io::BufRead as _;
    let near = |line: u64| {
        let first = lines.partition_point(|&l| l.saturating_add(CONTEXT_LINES) < line);
        lines
            .get(first)
            .is_some_and(|&l| l.saturating_sub(CONTEXT_LINES) <= line)
    };
    let last = lines
        .last()
        .copied()
        .unwrap_or(0)
        .saturating_add(CONTEXT_LINES);
    let mut reader = std::io::BufReader::new(open_regular(path, None)?);
    let mut bytes = Vec::new();
    for line in 1..=last {
        if near(line) && (bytes.len() as u64) < MAX_READ_BYTES {
            if reader.read_until(b'\n', &mut bytes)? == 0 {
                break;
            }
        } else {
            if reader.skip_until(b'\n')? == 0 {
                break;
            }
            bytes.push(b'\n');
        }
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The problem when the manifest names a file outside its own folder.
fn entries_inside(
    manifest: &super::schema::Manifest,
    manifest_name: &str,
    text: &str,
    dir: &Path,
) -> Result<(), Vec<DataProblem>> {
    for (key, entry) in [
        ("line_items", &manifest.line_items),
        ("indicators", &manifest.indicators),
    ] {
        if !inside_folder(entry) {
            let error = std::io::Error::other(
                "a manifest may name only files in its own folder or below it",
            );
            let path = dir.join(entry).display().to_string();
            return Err(unreadable_entry(
                manifest_name,
                text,
                (key, entry),
                &path,
                &error,
            ));
        }
    }
    Ok(())
}

/// Whether a file name of the manifest stays in the manifest's folder: not
/// absolute, no `..`.
fn inside_folder(entry: &str) -> bool {
    let path = Path::new(entry);
    path.components().all(|c| {
        matches!(
            c,
            std::path::Component::Normal(_) | std::path::Component::CurDir
        )
    })
}

/// Opens a regular file (not a folder, a device or a pipe) of at most
/// `limit` bytes.
pub(crate) fn open_regular(path: &Path, limit: Option<u64>) -> std::io::Result<std::fs::File> {
    let metadata = std::fs::metadata(path)?;
    if metadata.is_dir() {
        return Err(std::io::Error::other("it is a folder, not a file"));
    }
    if !metadata.is_file() {
        return Err(std::io::Error::other(
            "it is not a regular file (a device, a pipe or a socket)",
        ));
    }
    if let Some(limit) = limit {
        if metadata.len() > limit {
            return Err(std::io::Error::other(format!(
                "it holds {} bytes, more than the {limit} bytes read from one data file",
                metadata.len()
            )));
        }
    }
    std::fs::File::open(path)
}

/// Reads a regular file of at most [`MAX_READ_BYTES`] as UTF-8 text.
pub(crate) fn read_regular(path: &Path) -> std::io::Result<String> {
    use std::io::Read as _;
    let mut text = String::new();
    open_regular(path, Some(MAX_READ_BYTES))?
        .take(MAX_READ_BYTES)
        .read_to_string(&mut text)?;
    Ok(text)
}

/// The problem for a file named by the manifest's `key` that cannot be read.
pub(crate) fn unreadable_entry(
    manifest_name: &str,
    manifest_text: &str,
    (key, entry): (&str, &str),
    path: &str,
    error: &std::io::Error,
) -> Vec<DataProblem> {
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
    vec![DataProblem::located(
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::data::numbers::*;
    use rust_decimal::Decimal;
    use std::str::FromStr;

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
        // Only the documented syntax: no exponent, no `_`, no bare `.5`.
        for bad in ["1.25e-1", "1.5e3", "1_000", ".5", "5.", "+5"] {
            assert!(
                matches!(parse_decimal(bad), Err(NumberProblem::NotANumber(_))),
                "{bad:?}"
            );
        }
        assert_eq!(needed_scale("12.50"), 1);
        assert_eq!(needed_scale("100e-2"), 0);
        assert_eq!(needed_scale("-0.000001"), 6);
        assert_eq!(
            read_amount("12.25").ok().map(ReadAmount::decimal),
            Decimal::from_str("12.25").ok()
        );
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
