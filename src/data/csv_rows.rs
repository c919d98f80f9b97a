//! CSV line items and indicators: header roles, one row loop, fields into columns.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Read;

use rust_decimal::Decimal;

use super::dataset::{Column, Dataset, ANY, NONE};
use super::schema::{FieldType, IndicatorUnit};
use crate::diagnostics::suggest;

use super::{csv_thread::*, errors::*, load::*, numbers::*};

/// How each CSV column of the items file is read.
pub(crate) enum Role {
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

pub(crate) type Locator<'a> = &'a dyn Fn(Vec<Pending>) -> Vec<DataProblem>;

/// The line of a CSV row, kept for traces.
pub(crate) fn csv_line(place: Place) -> u32 {
    u32::try_from(place.line).unwrap_or(u32::MAX)
}

#[allow(clippy::too_many_lines)] // Over 100 lines: to be split.
pub(crate) fn read_items<R: Read + Send>(
    dataset: &mut Dataset,
    reader: R,
    locate_all: Locator<'_>,
    item_line: &dyn Fn(Place) -> u32,
) -> Result<(), Vec<DataProblem>> {
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
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut id_column = None;
    for (i, header) in headers.iter().enumerate() {
        if pending.len() > MAX_PROBLEMS {
            // Enough said about this header; a very wide one stops here.
            return Err(locate_all(pending));
        }
        let header = String::from_utf8_lossy(header).trim().to_string();
        if let Some(&first) = seen.get(&header) {
            pending.push(duplicate_column(&header, first, i));
            continue;
        }
        seen.insert(header.clone(), i);
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
                    let help = suggest(
                        other,
                        known.iter().map(String::as_str),
                        "Declare every further column in `fields` of dataset.json",
                        || {
                            "declare every further column in `fields` of dataset.json, or remove it"
                                .to_string()
                        },
                    );
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
        if !seen.contains_key(&column) {
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
        let mut records = start_reading(scope, csv);
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
                if !raw.is_ascii() && std::str::from_utf8(raw).is_err() {
                    pending.push(Pending::new(place, Some(column), |span| {
                        DataError::NotUtf8 { span }
                    }));
                    continue;
                }
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
                // Equal hashes are compared by their ids afterwards
                // (`duplicate_ids`), so any hash serves.
                let mut hasher = DefaultHasher::new();
                id.hash(&mut hasher);
                id_hashes.push((hasher.finish(), index));
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
        records.stop();
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
pub(crate) fn pack(bytes: &[u8]) -> Option<u64> {
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
pub(crate) fn duplicate_ids(
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

/// Appends a field value to its column, or returns the problem.
pub(crate) fn push_field(
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

pub(crate) fn truncate_fields(dataset: &mut Dataset, len: usize) {
    for column in &mut dataset.columns {
        match column {
            Column::Text(v) => v.truncate(len),
            Column::Number(v) => v.truncate(len),
            Column::Bool(v) => v.truncate(len),
        }
    }
}

#[allow(clippy::too_many_lines)] // Over 100 lines: to be split.
pub(crate) fn read_indicators(
    dataset: &mut Dataset,
    name: &str,
    text: &str,
) -> Result<(), Vec<DataProblem>> {
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
                    let help = suggest(
                        other,
                        series.iter().map(String::as_str),
                        "Declare every series in `indicator_series` of dataset.json",
                        || {
                            "declare every series in `indicator_series` of dataset.json, or remove the column".to_string()
                        },
                    );
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
            if value <= Decimal::ZERO && series.get(index).is_some_and(|s| s == "gdp") {
                let (value, country) = (text.to_string(), code.to_string());
                pending.push(Pending::new(place, Some(column), move |span| {
                    DataError::BadGdp {
                        value,
                        country,
                        year,
                        span,
                    }
                }));
                continue;
            }
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
