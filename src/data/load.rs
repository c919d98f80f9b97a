//! Loading a dataset: the manifest (JSON), the line items (CSV or JSON) and
//! the indicators (CSV). Every problem becomes a `DataError` that points at
//! file, line and column, with the data file itself shown as the source.
//! Line items are streamed, so a large CSV is never held in memory whole.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::dataset::Dataset;
use crate::source::{Sources, Span};
use crate::stamp::{Hasher, HashingReader};

#[allow(unused_imports)]
use super::{csv_rows::*, csv_thread::*, errors::*, json::*, manifest::*, numbers::*};

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

pub(crate) fn update(hasher: &Mutex<Hasher>, bytes: &[u8]) {
    if let Ok(mut hasher) = hasher.lock() {
        hasher.update(bytes);
    }
}

pub(crate) fn read_text(path: &Path) -> Result<String, Vec<DataProblem>> {
    std::fs::read_to_string(path).map_err(|e| {
        vec![DataProblem::bare(DataError::Unreadable {
            path: path.display().to_string(),
            reason: io_reason(&e),
        })]
    })
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
