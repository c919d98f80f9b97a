//! The indicators CSV (GDP and other series by country and year): header
//! columns matched to the manifest's series, one row per country and year.

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::dataset::Dataset;
use super::schema::IndicatorUnit;
use crate::diagnostics::suggest;
use crate::fast_hash::Fast;

use super::csv_rows::csv_line;
use super::{errors::*, load::*, numbers::*};

/// The columns of the indicators file.
struct Columns {
    country: usize,
    year: usize,
    /// (column, series index)
    slots: Vec<(usize, usize)>,
}

/// Reads the header: the country, year and series columns, or every
/// problem with them.
fn columns(dataset: &Dataset, headers: &csv::StringRecord) -> Result<Columns, Vec<Pending>> {
    let series: Vec<&str> = dataset
        .manifest
        .indicator_series
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    let file = &dataset.manifest.indicators;
    let mut pending = Vec::new();
    let mut slots: Vec<(usize, usize)> = Vec::new();
    let mut country_column = None;
    let mut year_column = None;
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, header) in headers.iter().enumerate() {
        let header = header.trim();
        if let Some(&first) = seen.get(header) {
            pending.push(duplicate_column(header, first, i));
            continue;
        }
        seen.insert(header, i);
        match header {
            "country" => country_column = Some(i),
            "year" => year_column = Some(i),
            other => match series.iter().position(|s| *s == other) {
                Some(index) => slots.push((i, index)),
                None => {
                    let column = other.to_string();
                    let help = suggest(
                        other,
                        series.iter().copied(),
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
    let required = ["country", "year"]
        .into_iter()
        .chain(series.iter().copied());
    for column in required {
        if seen.contains_key(column) {
            continue;
        }
        let help = if series.contains(&column) {
            format!(
                "dataset.json declares the series `{column}` in `indicator_series`; add a `{column}` column to `{file}`, and leave a cell empty where the figure is not published"
            )
        } else {
            format!(
                "`{file}` needs the columns `country` and `year`, then one column per series of `indicator_series`"
            )
        };
        let column = column.to_string();
        pending.push(Pending::new(Place::HEADER, None, move |span| {
            DataError::MissingColumn { column, help, span }
        }));
    }
    match (country_column, year_column) {
        (Some(country), Some(year)) if pending.is_empty() => Ok(Columns {
            country,
            year,
            slots,
        }),
        _ => Err(pending),
    }
}

/// Reads the indicators of `text` (the file `name`) into the dataset.
pub(crate) fn read_indicators(
    dataset: &mut Dataset,
    name: &str,
    text: &str,
) -> Result<(), Vec<DataProblem>> {
    let reread = || Ok(text.to_string());
    let mut csv = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let headers = match csv.headers() {
        Ok(h) => h.clone(),
        Err(e) => return Err(locate(name, &reread, vec![csv_problem(&e, Place::HEADER)])),
    };
    let columns = columns(dataset, &headers).map_err(|p| locate(name, &reread, p))?;
    let mut countries: HashMap<String, u16, Fast> = HashMap::default();
    for (i, c) in dataset.manifest.countries.iter().enumerate() {
        if let Ok(i) = u16::try_from(i) {
            countries.entry(c.code.clone()).or_insert(i);
        }
    }
    let mut rows = IndicatorRows {
        columns: &columns,
        countries,
        pending: Vec::new(),
    };
    let mut last = Place::HEADER;
    for result in csv.records() {
        if rows.pending.len() > MAX_PROBLEMS {
            break;
        }
        let record = match result {
            Ok(r) => r,
            Err(e) => {
                rows.pending.push(csv_problem(&e, last));
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    break;
                }
                continue;
            }
        };
        let place = Place::of(record.position(), last);
        last = place;
        rows.row(dataset, &record, place);
    }
    let pending = rows.pending;
    if pending.is_empty() {
        Ok(())
    } else {
        Err(locate(name, &reread, pending))
    }
}

/// The row loop's state.
struct IndicatorRows<'c> {
    columns: &'c Columns,
    /// The first country of each code, as `Dataset::country_index` finds it.
    countries: HashMap<String, u16, Fast>,
    pending: Vec<Pending>,
}

impl IndicatorRows<'_> {
    fn row(&mut self, dataset: &mut Dataset, record: &csv::StringRecord, place: Place) {
        let Some((country, year, code)) = self.key(dataset, record, place) else {
            return;
        };
        let values = self.series(dataset, record, place, code, year);
        if let Some(first) = dataset.indicator_lines.get(&(country, year)) {
            let what = format!("the row for {code} in {year}");
            let help = format!("one row per country and year; the first is on line {first}");
            self.pending.push(Pending::new(place, None, move |span| {
                DataError::DuplicateKey { what, help, span }
            }));
            return;
        }
        dataset.indicators.insert((country, year), values);
        dataset
            .indicator_lines
            .insert((country, year), csv_line(place));
    }

    /// The country and year of a row, or its problem.
    fn key<'r>(
        &mut self,
        dataset: &Dataset,
        record: &'r csv::StringRecord,
        place: Place,
    ) -> Option<(u16, i32, &'r str)> {
        let (country_column, year_column) = (self.columns.country, self.columns.year);
        let code = record.get(country_column).unwrap_or("").trim();
        if code.is_empty() {
            let help = empty_country_help(dataset);
            self.pending
                .push(empty_cell(place, country_column, "country", help));
            return None;
        }
        let Some(&country) = self.countries.get(code) else {
            let code = code.to_string();
            let help = country_help(dataset, &code);
            self.pending
                .push(Pending::new(place, Some(country_column), move |span| {
                    DataError::UnknownCountry { code, help, span }
                }));
            return None;
        };
        let year_text = record.get(year_column).unwrap_or("").trim();
        if year_text.is_empty() {
            let help = EMPTY_YEAR_HELP;
            self.pending
                .push(empty_cell(place, year_column, "year", help));
            return None;
        }
        let Some(year) = parse_year(year_text) else {
            let value = year_text.to_string();
            self.pending
                .push(Pending::new(place, Some(year_column), move |span| {
                    DataError::BadYear { value, span }
                }));
            return None;
        };
        Some((country, year, code))
    }

    /// The value of each series in a row (`None` where the cell is empty).
    fn series(
        &mut self,
        dataset: &Dataset,
        record: &csv::StringRecord,
        place: Place,
        code: &str,
        year: i32,
    ) -> Vec<Option<Decimal>> {
        let all = &dataset.manifest.indicator_series;
        let mut values = vec![None; all.len()];
        for &(column, index) in &self.columns.slots {
            let text = record.get(column).unwrap_or("").trim();
            if text.is_empty() {
                continue;
            }
            let name = all.get(index).map_or("", |s| s.name.as_str());
            let value = match parse_decimal(text) {
                Ok(value) => value,
                Err(problem) => {
                    self.pending.push(problem.pending(place, column, name));
                    continue;
                }
            };
            let value = match all.get(index).map(|s| s.unit) {
                Some(IndicatorUnit::Percent) => value / Decimal::ONE_HUNDRED,
                _ => value,
            };
            if value <= Decimal::ZERO && name == "gdp" {
                let (value, country) = (text.to_string(), code.to_string());
                self.pending
                    .push(Pending::new(place, Some(column), move |span| {
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
        values
    }
}
