//! JSON line items: elements with their spans, read as rows.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use super::dataset::Dataset;
use crate::source::{line_col, offset_of, FileId, Sources, Span};

use super::{errors::*, items::*, load::*, manifest::*};

/// One object of a JSON items file, keys in the order written (a key
/// written twice is kept twice, to be reported).
pub(crate) struct JsonRow(Vec<(String, serde_json::Value)>);

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
pub(crate) struct Element {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) line: u32,
}

/// The columns of JSON line items: the fixed ones, the manifest's
/// fields, every other key in order of first use, and `unit` last.
fn json_columns(dataset: &Dataset, rows: &[BTreeMap<String, serde_json::Value>]) -> Vec<String> {
    let mut columns = vec![
        "id".to_string(),
        "country".into(),
        "year".into(),
        "amount".into(),
        "tags".into(),
    ];
    columns.extend(dataset.manifest.fields.iter().map(|f| f.name.clone()));
    for row in rows {
        for key in row.keys() {
            if !columns.contains(key) && key != "unit" {
                columns.push(key.clone());
            }
        }
    }
    if rows.iter().any(|r| r.contains_key("unit")) {
        columns.push("unit".into());
    }
    columns
}

/// The problem of a line-items file that is not an array of JSON objects.
fn not_json(error: &serde_json::Error, text: &str, sources: &Sources, id: FileId) -> DataProblem {
    let offset = offset_of(text, error.line(), error.column());
    DataProblem::located(
        DataError::BadRow {
            message: match error.classify() {
                serde_json::error::Category::Data => format!(
                    "the line items are not an array of objects: {}",
                    json_message(error)
                ),
                _ => format!("the line items are not valid JSON: {}", json_message(error)),
            },
            help: "a JSON items file is an array of objects, one per item: `[{\"country\": \"XAA\", \"year\": 2024, \"amount\": \"12.5\"}]`; see docs/data.md".to_string(),
            label: "here".to_string(),
            span: Span::new(id, offset, (offset + 1).min(text.len())),
        },
        sources,
        id,
    )
}

/// Line items as a JSON array of objects: `{"country": "POL", "year": 2024,
/// "amount": "123.4", "<field>": ..., "tags": ["..."]}`.
pub(crate) fn read_json_items(
    dataset: &mut Dataset,
    name: &str,
    text: &str,
) -> Result<(), Vec<DataProblem>> {
    let mut sources = Sources::new();
    let id = sources.add(name, text);
    let rows: Vec<JsonRow> = match serde_json::from_str(text) {
        Ok(rows) => rows,
        Err(error) => return Err(vec![not_json(&error, text, &sources, id)]),
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
                    line_col(text, first.start as usize).0
                );
                twice.push(DataProblem::located(
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

    // Each object is a row of cells under the same columns, read by the
    // row loop of CSV files, so both formats obey exactly the same rules;
    // problems point at the JSON.
    let columns = json_columns(dataset, &rows);
    let locator = |pending: Vec<Pending>| {
        let (pending, more) = limit(pending);
        let mut problems: Vec<DataProblem> = pending
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
                DataProblem::located((p.make)(span_in(element, key, 0)), &sources, id)
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
    let cells = rows
        .iter()
        .map(|row| columns.iter().map(|c| json_cell(row.get(c))).collect());
    read_text_rows(dataset, &columns, cells, &locator, &item_line)
}

/// The text of a JSON value as a cell. Numbers keep their digits as
/// written (serde_json's `arbitrary_precision`); an exponent is written
/// out (`1.5e3` becomes `1500`).
pub(crate) fn json_cell(value: Option<&serde_json::Value>) -> String {
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
pub(crate) fn elements(text: &str) -> Vec<Element> {
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
