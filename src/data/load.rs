//! Loading a dataset: the manifest (JSON), the line items (CSV or JSON) and
//! the indicators (CSV). Every problem becomes a `DataError` that points at
//! file, line and column, with the data file itself shown as the source.
//! Line items are streamed, so a large CSV is never held in memory whole.

use std::cell::RefCell;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::str::FromStr;

use miette::Diagnostic;
use rust_decimal::Decimal;
use thiserror::Error;

use super::dataset::{Column, Dataset, NONE};
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
        #[label("no `gdp` here")]
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
    #[error("the row cannot be read: {message}")]
    #[diagnostic(
        code(pledge::data::bad_row),
        help("every row needs as many cells as the header; quote cells that contain commas")
    )]
    BadRow {
        message: String,
        #[label("here")]
        span: Span,
    },
    #[error("the dataset declares {count} tags; at most 64 are supported")]
    #[diagnostic(
        code(pledge::data::too_many_tags),
        help("merge rarely used tags, or move them into a text field")
    )]
    TooManyTags {
        count: usize,
        #[label("in this manifest")]
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
            check_manifest(&dataset, &manifest_name, "")?;
            let locator = |pending| locate(&items_name, &|| Ok(items.to_string()), pending);
            read_items(&mut dataset, items.as_bytes(), &locator)?;
            read_indicators(&mut dataset, &indicators_name, indicators)?;
            dataset.index();
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
            let items_name = items_path.display().to_string();
            let indicators_name = indicators_path.display().to_string();
            let mut dataset = Dataset::new(manifest, items_name.clone(), indicators_name.clone());
            check_manifest(&dataset, &manifest_name, &text)?;
            let file = std::fs::File::open(&items_path).map_err(|e| {
                vec![Problem::bare(DataError::Unreadable {
                    path: items_name.clone(),
                    reason: e.to_string(),
                })]
            })?;
            let reread = || std::fs::read_to_string(&items_path);
            let hasher = Rc::new(RefCell::new(Hasher::default()));
            hasher.borrow_mut().update(text.as_bytes());
            if items_name.ends_with(".json") {
                let items_text = read_text(&items_path)?;
                hasher.borrow_mut().update(items_text.as_bytes());
                read_json_items(&mut dataset, &items_name, &items_text)?;
            } else {
                let locator = |pending| locate(&items_name, &reread, pending);
                let reader = HashingReader {
                    inner: std::io::BufReader::with_capacity(1 << 20, file),
                    hasher: hasher.clone(),
                };
                read_items(&mut dataset, reader, &locator)?;
            }
            let indicators_text = read_text(&indicators_path)?;
            hasher.borrow_mut().update(indicators_text.as_bytes());
            read_indicators(&mut dataset, &indicators_name, &indicators_text)?;
            dataset.index();
            dataset.content_hash = hasher.borrow().hex();
            Ok(dataset)
        }
    }
}

fn read_text(path: &Path) -> Result<String, Vec<Problem>> {
    std::fs::read_to_string(path).map_err(|e| {
        vec![Problem::bare(DataError::Unreadable {
            path: path.display().to_string(),
            reason: e.to_string(),
        })]
    })
}

fn parse_manifest(name: &str, text: &str) -> Result<Manifest, Vec<Problem>> {
    serde_json::from_str::<Manifest>(text).map_err(|error| {
        let mut sources = Sources::new();
        let id = sources.add(name, text);
        let offset = offset_of(text, error.line(), error.column());
        let message = error.to_string();
        let message = message
            .split(" at line ")
            .next()
            .unwrap_or(&message)
            .to_string();
        vec![Problem::new(
            DataError::BadManifest {
                message,
                span: Span::new(id, offset, offset + 1),
            },
            &sources,
            id,
        )]
    })
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

fn check_manifest(dataset: &Dataset, name: &str, text: &str) -> Result<(), Vec<Problem>> {
    let mut sources = Sources::new();
    let id = sources.add(name, text);
    let whole = Span::new(id, 0, text.len().min(1));
    let mut problems = Vec::new();
    if dataset.manifest.indicator("gdp").is_none() {
        problems.push(Problem::new(
            DataError::MissingGdp { span: whole },
            &sources,
            id,
        ));
    }
    if dataset.manifest.tags.len() > 64 {
        problems.push(Problem::new(
            DataError::TooManyTags {
                count: dataset.manifest.tags.len(),
                span: whole,
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

/// A problem found while streaming, located later when the text is read.
struct Pending {
    line: u64,
    column: Option<usize>,
    make: Box<dyn FnOnce(Span) -> DataError>,
}

/// How each CSV column of the items file is read.
enum Role {
    Id,
    Country,
    Year,
    Amount,
    Tags,
    Unit,
    Field(usize),
}

type Locator<'a> = &'a dyn Fn(Vec<Pending>) -> Vec<Problem>;

fn read_items<R: Read>(
    dataset: &mut Dataset,
    reader: R,
    locate_all: Locator<'_>,
) -> Result<(), Vec<Problem>> {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(reader);
    let mut pending: Vec<Pending> = Vec::new();
    let headers = match csv.byte_headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            return Err(locate_all(vec![Pending {
                line: 1,
                column: None,
                make: Box::new(move |span| DataError::BadRow {
                    message: e.to_string(),
                    span,
                }),
            }]))
        }
    };
    let mut roles = Vec::new();
    let known: Vec<String> = ["id", "country", "year", "amount", "tags", "unit"]
        .iter()
        .map(|s| s.to_string())
        .chain(dataset.manifest.fields.iter().map(|f| f.name.clone()))
        .collect();
    for (i, header) in headers.iter().enumerate() {
        let header = String::from_utf8_lossy(header).trim().to_string();
        let role = match header.as_str() {
            "id" => Role::Id,
            "country" => Role::Country,
            "year" => Role::Year,
            "amount" => Role::Amount,
            "tags" => Role::Tags,
            "unit" => Role::Unit,
            other => match dataset.field_index(other) {
                Some(index) => Role::Field(index),
                None => {
                    let help = match did_you_mean(other, known.iter().map(String::as_str)) {
                        Some(s) => format!("did you mean `{s}`? Declare every further column in `fields` of dataset.json"),
                        None => "declare every further column in `fields` of dataset.json, or remove it".to_string(),
                    };
                    let column = other.to_string();
                    pending.push(Pending {
                        line: 1,
                        column: Some(i),
                        make: Box::new(move |span| DataError::UnknownColumn { column, help, span }),
                    });
                    continue;
                }
            },
        };
        roles.push((i, role));
    }
    let has = |want: &str| {
        headers
            .iter()
            .any(|h| String::from_utf8_lossy(h).trim() == want)
    };
    let mut required: Vec<String> = vec!["country".into(), "year".into(), "amount".into()];
    required.extend(dataset.manifest.fields.iter().map(|f| f.name.clone()));
    for column in required {
        if !has(&column) {
            let help = if dataset.manifest.field(&column).is_some() {
                format!("the manifest declares the field `{column}`; add the column (cells may be empty)")
            } else {
                format!(
                    "line items need the columns `country`, `year` and `amount`; add `{column}`"
                )
            };
            pending.push(Pending {
                line: 1,
                column: None,
                make: Box::new(move |span| DataError::MissingColumn { column, help, span }),
            });
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
    let mut record = csv::ByteRecord::new();
    let mut index: u32 = 0;
    loop {
        match csv.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                let message = e.to_string();
                pending.push(Pending {
                    line,
                    column: None,
                    make: Box::new(move |span| DataError::BadRow { message, span }),
                });
                if pending.len() >= MAX_PROBLEMS {
                    break;
                }
                continue;
            }
        }
        let line = record.position().map_or(0, |p| p.line());
        let before = pending.len();
        let mut country = None;
        let mut year = None;
        let mut amount = None;
        let mut tags = 0u64;
        let mut id = "";
        for (column, role) in &roles {
            let raw = record.get(*column).unwrap_or(b"").trim_ascii();
            // Numbers and codes are ASCII: only texts need UTF-8 validation.
            let as_text = || std::str::from_utf8(raw).unwrap_or("\u{fffd}");
            let column = *column;
            match role {
                Role::Id => id = as_text(),
                Role::Country => match pack(raw)
                    .and_then(|packed| countries.iter().find(|(key, _)| *key == Some(packed)))
                {
                    Some(&(_, c)) => country = Some(c),
                    None => {
                        let text = as_text();
                        let code = text.to_string();
                        let help = country_help(dataset, text);
                        pending.push(Pending {
                            line,
                            column: Some(column),
                            make: Box::new(move |span| DataError::UnknownCountry {
                                code,
                                help,
                                span,
                            }),
                        });
                    }
                },
                Role::Year => match parse_year(as_text()) {
                    Some(y) => year = Some(y),
                    None => {
                        let value = as_text().to_string();
                        pending.push(Pending {
                            line,
                            column: Some(column),
                            make: Box::new(move |span| DataError::BadYear { value, span }),
                        });
                    }
                },
                Role::Amount => match parse_amount(as_text()) {
                    Some(a) => amount = Some(a),
                    None => pending.push(bad_number(line, column, "amount", as_text())),
                },
                Role::Unit => {
                    let text = as_text();
                    if !text.is_empty() && text != dataset.manifest.money_unit {
                        let unit = text.to_string();
                        let expected = dataset.manifest.money_unit.clone();
                        pending.push(Pending {
                            line,
                            column: Some(column),
                            make: Box::new(move |span| DataError::MixedUnits {
                                unit,
                                expected,
                                span,
                            }),
                        });
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
                                pending.push(Pending {
                                    line,
                                    column: Some(column),
                                    make: Box::new(move |span| DataError::UnknownTag {
                                        tag,
                                        help,
                                        span,
                                    }),
                                });
                            }
                        }
                    }
                }
                Role::Field(field) => {
                    if let Some(problem) = push_field(
                        dataset,
                        *field,
                        as_text(),
                        line,
                        column,
                        &mut allowed_symbols,
                    ) {
                        pending.push(problem);
                    }
                }
            }
        }
        if pending.len() > before {
            // Keep the columns aligned: drop the partial row.
            truncate_fields(dataset, index as usize);
            if pending.len() >= MAX_PROBLEMS {
                break;
            }
            continue;
        }
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
        dataset.line.push(u32::try_from(line).unwrap_or(u32::MAX));
        dataset.tags.push(tags);
        dataset.push_id(id);
        index += 1;
    }
    if pending.is_empty() {
        duplicate_ids(dataset, id_hashes, &mut pending);
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
/// large files; equal hashes are confirmed by comparing the ids.
fn duplicate_ids(dataset: &Dataset, mut hashes: Vec<(u64, u32)>, pending: &mut Vec<Pending>) {
    hashes.sort_unstable();
    for pair in hashes.windows(2) {
        let [(h1, first), (h2, second)] = pair else {
            continue;
        };
        if h1 != h2 {
            continue;
        }
        let (first, second) = (
            (*first).min(*second) as usize,
            (*first).max(*second) as usize,
        );
        let id = dataset.id(second);
        if dataset.id(first) != id {
            continue;
        }
        let first_line = dataset.line.get(first).copied().unwrap_or(0);
        let line = u64::from(dataset.line.get(second).copied().unwrap_or(0));
        let what = format!("the id `{id}`");
        let help = format!("ids must be unique; the first is on line {first_line}");
        pending.push(Pending {
            line,
            column: Some(0),
            make: Box::new(move |span| DataError::DuplicateKey { what, help, span }),
        });
        if pending.len() >= MAX_PROBLEMS {
            break;
        }
    }
}

/// Reads an amount: a fast path for plain decimals, the general parser otherwise.
fn parse_amount(text: &str) -> Option<Decimal> {
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
            return Some(value);
        }
    }
    parse_decimal(text)
}

fn bad_number(line: u64, column: usize, name: &str, text: &str) -> Pending {
    let column_name = name.to_string();
    let value = text.to_string();
    Pending {
        line,
        column: Some(column),
        make: Box::new(move |span| DataError::BadNumber {
            column: column_name,
            value,
            span,
        }),
    }
}

fn parse_decimal(text: &str) -> Option<Decimal> {
    if text.is_empty() || text.len() > 40 {
        return None;
    }
    Decimal::from_str(text).ok()
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
    match did_you_mean(code, codes.iter().copied()) {
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
    line: u64,
    column: usize,
    allowed_symbols: &mut [Vec<(String, u32)>],
) -> Option<Pending> {
    let spec = dataset.manifest.fields.get(field)?;
    let (ty, has_allowed) = (spec.ty, spec.values.is_some());
    match ty {
        FieldType::Text => {
            let symbol = if text.is_empty() {
                NONE
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
                        return Some(Pending {
                            line,
                            column: Some(column),
                            make: Box::new(move |span| DataError::UnknownValue {
                                field: field_name,
                                value,
                                help,
                                span,
                            }),
                        });
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
                    Some(v) => Some(v),
                    None => return Some(bad_number(line, column, &spec.name.clone(), text)),
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
                    return Some(Pending {
                        line,
                        column: Some(column),
                        make: Box::new(move |span| DataError::UnknownValue {
                            field: field_name,
                            value,
                            help: "write `true`, `false` or leave the cell empty".into(),
                            span,
                        }),
                    });
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
    let text = reread().unwrap_or_default();
    let mut sources = Sources::new();
    let id = sources.add(name, text.clone());
    let count = pending.len();
    let mut problems: Vec<Problem> = pending
        .into_iter()
        .map(|p| {
            let span = cell_span(&text, id, p.line, p.column);
            Problem::new((p.make)(span), &sources, id)
        })
        .collect();
    if count >= MAX_PROBLEMS {
        problems.push(Problem::bare(DataError::MoreProblems {
            file: name.to_string(),
            count,
        }));
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
        Err(e) => {
            let message = e.to_string();
            return Err(locate(
                name,
                &reread,
                vec![Pending {
                    line: 1,
                    column: None,
                    make: Box::new(move |span| DataError::BadRow { message, span }),
                }],
            ));
        }
    };
    let series: Vec<String> = dataset
        .manifest
        .indicator_series
        .iter()
        .map(|s| s.name.clone())
        .collect();
    let mut slots: Vec<(usize, usize)> = Vec::new(); // (column, series index)
    let mut country_column = None;
    let mut year_column = None;
    for (i, header) in headers.iter().enumerate() {
        match header.trim() {
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
                    pending.push(Pending {
                        line: 1,
                        column: Some(i),
                        make: Box::new(move |span| DataError::UnknownColumn { column, help, span }),
                    });
                }
            },
        }
    }
    let mut required = vec!["country".to_string(), "year".to_string()];
    required.extend(series.iter().cloned());
    for column in required {
        if !headers.iter().any(|h| h.trim() == column) {
            let help = if column == "gdp" {
                "add a `gdp` column; leave a cell empty where GDP is not published".to_string()
            } else {
                format!("the indicators file needs a `{column}` column (cells may be empty)")
            };
            pending.push(Pending {
                line: 1,
                column: None,
                make: Box::new(move |span| {
                    if column == "gdp" {
                        DataError::MissingGdp { span }
                    } else {
                        DataError::MissingColumn { column, help, span }
                    }
                }),
            });
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
    for result in csv.records() {
        let record = match result {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                let message = e.to_string();
                pending.push(Pending {
                    line,
                    column: None,
                    make: Box::new(move |span| DataError::BadRow { message, span }),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let code = record.get(country_column).unwrap_or("").trim();
        let Some(country) = dataset.country_index(code) else {
            let code = code.to_string();
            let help = country_help(dataset, &code);
            pending.push(Pending {
                line,
                column: Some(country_column),
                make: Box::new(move |span| DataError::UnknownCountry { code, help, span }),
            });
            continue;
        };
        let year_text = record.get(year_column).unwrap_or("").trim();
        let Some(year) = parse_year(year_text) else {
            let value = year_text.to_string();
            pending.push(Pending {
                line,
                column: Some(year_column),
                make: Box::new(move |span| DataError::BadYear { value, span }),
            });
            continue;
        };
        let mut values = vec![None; series.len()];
        for &(column, index) in &slots {
            let text = record.get(column).unwrap_or("").trim();
            if text.is_empty() {
                continue;
            }
            let Some(value) = parse_decimal(text) else {
                let name = series.get(index).cloned().unwrap_or_default();
                pending.push(bad_number(line, column, &name, text));
                continue;
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
            pending.push(Pending {
                line,
                column: None,
                make: Box::new(move |span| DataError::DuplicateKey { what, help, span }),
            });
            continue;
        }
        dataset.indicators.insert((country, year), values);
        dataset
            .indicator_lines
            .insert((country, year), u32::try_from(line).unwrap_or(u32::MAX));
        if pending.len() >= MAX_PROBLEMS {
            break;
        }
    }
    if pending.is_empty() {
        Ok(())
    } else {
        Err(locate(name, &reread, pending))
    }
}

/// Line items as a JSON array of objects: `{"country": "POL", "year": 2024,
/// "amount": 123.4, "<field>": ..., "tags": ["..."]}`.
fn read_json_items(dataset: &mut Dataset, name: &str, text: &str) -> Result<(), Vec<Problem>> {
    let rows: Vec<serde_json::Map<String, serde_json::Value>> = match serde_json::from_str(text) {
        Ok(rows) => rows,
        Err(error) => {
            let mut sources = Sources::new();
            let id = sources.add(name, text);
            let offset = offset_of(text, error.line(), error.column());
            let message = error.to_string();
            return Err(vec![Problem::new(
                DataError::BadRow {
                    message: message
                        .split(" at line ")
                        .next()
                        .unwrap_or(&message)
                        .to_string(),
                    span: Span::new(id, offset, offset + 1),
                },
                &sources,
                id,
            )]);
        }
    };
    let starts = element_lines(text);
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
        let cells: Vec<String> = columns
            .iter()
            .map(|c| match row.get(c) {
                None | Some(serde_json::Value::Null) => String::new(),
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(serde_json::Value::Array(items)) => items
                    .iter()
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                    .collect::<Vec<_>>()
                    .join(";"),
                Some(other) => other.to_string(),
            })
            .collect();
        let _ = writer.write_record(&cells);
    }
    let csv_text = writer
        .into_inner()
        .map(|bytes| String::from_utf8_lossy(&bytes).to_string())
        .unwrap_or_default();
    let locator = |pending: Vec<Pending>| {
        let mut sources = Sources::new();
        let id = sources.add(name, text);
        pending
            .into_iter()
            .map(|p| {
                let element = (p.line as usize).saturating_sub(2);
                let key = p.column.and_then(|c| columns.get(c));
                let span = json_span(text, id, starts.get(element).copied().unwrap_or(1), key);
                Problem::new((p.make)(span), &sources, id)
            })
            .collect()
    };
    let result = read_items(dataset, csv_text.as_bytes(), &locator);
    // Item lines are the JSON lines where each element starts.
    for line in dataset.line.iter_mut() {
        let element = (*line as usize).saturating_sub(2);
        *line = starts.get(element).copied().unwrap_or(0);
    }
    result
}

/// The span of `"key": value` in the element starting on `line`, or the line.
fn json_span(text: &str, file: FileId, line: u32, key: Option<&String>) -> Span {
    let line_span = cell_span(text, file, u64::from(line), None);
    if let Some(key) = key {
        let needle = format!("\"{key}\"");
        if let Some(found) = text
            .get(line_span.start as usize..)
            .and_then(|rest| rest.find(&needle))
        {
            let start = line_span.start as usize + found;
            let end = text
                .get(start..)
                .and_then(|rest| rest.find([',', '}', '\n']))
                .map_or(start + needle.len(), |e| start + e);
            return Span::new(file, start, end);
        }
    }
    line_span
}

/// The line on which each top-level array element starts.
fn element_lines(text: &str) -> Vec<u32> {
    let mut lines = Vec::new();
    let mut depth = 0i32;
    let mut line = 1u32;
    let mut in_string = false;
    let mut escaped = false;
    for c in text.chars() {
        if c == '\n' {
            line += 1;
        }
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '[' | '{' => {
                if depth == 1 && c == '{' {
                    lines.push(line);
                }
                depth += 1;
            }
            ']' | '}' => depth -= 1,
            _ => {}
        }
    }
    lines
}
