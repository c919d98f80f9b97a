//! Checks of `dataset.json` against the loaded data, with spans into the manifest text.

use super::dataset::Dataset;
use super::schema::Manifest;
use crate::source::{offset_of, Sources, Span};

use super::errors::*;

pub(crate) fn parse_manifest(name: &str, text: &str) -> Result<Manifest, Vec<DataProblem>> {
    serde_json::from_str::<Manifest>(text).map_err(|error| {
        let mut sources = Sources::new();
        let id = sources.add(name, text);
        let offset = offset_of(text, error.line(), error.column());
        vec![DataProblem::located(
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
pub(crate) fn json_message(error: &serde_json::Error) -> String {
    let message = error.to_string();
    message
        .split(" at line ")
        .next()
        .unwrap_or(&message)
        .to_string()
}

/// The spans of every occurrence of a key (with its quotes) among the
/// top-level keys of a JSON object.
pub(crate) fn key_spans(text: &str, key: &str) -> Vec<(usize, usize)> {
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
pub(crate) fn string_end(bytes: &[u8], start: usize) -> usize {
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
pub(crate) fn value_end(text: &str, start: usize) -> usize {
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
pub(crate) fn key_value_span(text: &str, key: &str, nth: usize) -> Option<(usize, usize)> {
    let (start, key_end) = key_spans(text, key).get(nth).copied()?;
    let colon = key_end + text.get(key_end..)?.find(':')?;
    Some((start, value_end(text, colon + 1)))
}

/// The span of the manifest entry `"key": value`.
pub(crate) fn entry_span(text: &str, key: &str) -> Option<(usize, usize)> {
    key_value_span(text, key, 0)
}

pub(crate) fn check_manifest(
    dataset: &Dataset,
    name: &str,
    text: &str,
) -> Result<(), Vec<DataProblem>> {
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
        problems.push(DataProblem::located(
            DataError::MissingGdp { label, span },
            &sources,
            id,
        ));
    }
    problems.extend(listed_twice(dataset, text, &sources, id, opening));
    if dataset.manifest.tags.len() > 64 {
        problems.push(DataProblem::located(
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

/// A country, field, tag or indicator series listed twice in the manifest:
/// one problem for each, pointing at the second entry where it can be found.
fn listed_twice(
    dataset: &Dataset,
    text: &str,
    sources: &Sources,
    id: crate::source::FileId,
    opening: Span,
) -> Vec<DataProblem> {
    let manifest = &dataset.manifest;
    let lists: [(&str, &str, Vec<&str>); 4] = [
        (
            "countries",
            "country",
            manifest.countries.iter().map(|c| c.code.as_str()).collect(),
        ),
        (
            "fields",
            "field",
            manifest.fields.iter().map(|f| f.name.as_str()).collect(),
        ),
        (
            "tags",
            "tag",
            manifest.tags.iter().map(String::as_str).collect(),
        ),
        (
            "indicator_series",
            "indicator series",
            manifest
                .indicator_series
                .iter()
                .map(|s| s.name.as_str())
                .collect(),
        ),
    ];
    let mut problems = Vec::new();
    for (key, what, names) in lists {
        let mut seen = std::collections::BTreeSet::new();
        for name in names {
            if seen.insert(name) {
                continue;
            }
            // The second `"name"` after the list's key, else the key.
            let quoted = format!("\"{name}\"");
            let after = key_spans(text, key).first().map_or(0, |&(start, _)| start);
            let span = text
                .get(after..)
                .and_then(|rest| {
                    rest.match_indices(&quoted)
                        .nth(1)
                        .map(|(at, _)| Span::new(id, after + at, after + at + quoted.len()))
                })
                .or_else(|| {
                    key_spans(text, key)
                        .first()
                        .map(|&(start, end)| Span::new(id, start, end))
                })
                .unwrap_or(opening);
            problems.push(DataProblem::located(
                DataError::ManifestTwice {
                    what: format!("the {what} `{name}`"),
                    span,
                },
                sources,
                id,
            ));
        }
    }
    problems
}
