//! Line items into the dataset's columns: the header's columns and their
//! roles, and the row loop shared by CSV files and JSON items files (each
//! row a set of cells), with every check of a cell.

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::countries::CountryTable;
use super::dataset::{Column, Dataset, ANY, NONE};
use super::ids::{duplicate_ids, id_key};
use super::schema::FieldType;
use crate::diagnostics::suggest;

use super::{errors::*, load::*, numbers::*};

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

/// The columns of the items file and how each is read.
pub(crate) struct Layout {
    roles: Vec<(usize, Role)>,
    /// How many cells each row has.
    pub(crate) width: usize,
    id_column: Option<usize>,
    has_share: bool,
    has_edition: bool,
}

const COLUMN_NAMES: [&str; 8] = [
    "id",
    "country",
    "year",
    "amount",
    "tags",
    "unit",
    "share_of_gdp",
    "edition",
];

impl Layout {
    /// Reads the header: a role per column, or every problem with it.
    pub(crate) fn of(dataset: &Dataset, headers: &[String]) -> Result<Layout, Vec<Pending>> {
        let mut pending: Vec<Pending> = Vec::new();
        let mut roles = Vec::new();
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let mut id_column = None;
        for (i, header) in headers.iter().enumerate() {
            if pending.len() > MAX_PROBLEMS {
                // Enough said about this header; a very wide one stops here.
                return Err(pending);
            }
            if let Some(&first) = seen.get(header.as_str()) {
                pending.push(duplicate_column(header, first, i));
                continue;
            }
            seen.insert(header, i);
            match Layout::role(dataset, header) {
                Ok(role) => {
                    if matches!(role, Role::Id) {
                        id_column = Some(i);
                    }
                    roles.push((i, role));
                }
                Err(help) => {
                    let column = header.clone();
                    pending.push(Pending::new(Place::HEADER, Some(i), move |span| {
                        DataError::UnknownColumn { column, help, span }
                    }));
                }
            }
        }
        let has_share = roles.iter().any(|(_, r)| matches!(r, Role::Share));
        let has_edition = roles.iter().any(|(_, r)| matches!(r, Role::Edition));
        pending.extend(Layout::missing_columns(dataset, &seen, has_share));
        if !pending.is_empty() {
            return Err(pending);
        }
        Ok(Layout {
            roles,
            width: headers.len(),
            id_column,
            has_share,
            has_edition,
        })
    }

    /// The role of a column, or the help for a column nobody declared.
    fn role(dataset: &Dataset, header: &str) -> Result<Role, String> {
        Ok(match header {
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
                    let known = COLUMN_NAMES
                        .into_iter()
                        .chain(dataset.manifest.fields.iter().map(|f| f.name.as_str()));
                    return Err(suggest(
                        other,
                        known,
                        "Declare every further column in `fields` of dataset.json",
                        || {
                            "declare every further column in `fields` of dataset.json, or remove it"
                                .to_string()
                        },
                    ));
                }
            },
        })
    }

    /// The columns every items file needs that this one lacks.
    fn missing_columns(
        dataset: &Dataset,
        seen: &HashMap<&str, usize>,
        has_share: bool,
    ) -> Vec<Pending> {
        let mut required: Vec<String> = vec!["country".into(), "year".into()];
        if !has_share {
            required.push("amount".into());
        }
        required.extend(dataset.manifest.fields.iter().map(|f| f.name.clone()));
        let mut pending = Vec::new();
        for column in required {
            if seen.contains_key(column.as_str()) {
                continue;
            }
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
        pending
    }
}

/// Reads line items given as rows of cell texts under `headers` (the
/// objects of a JSON items file, a cell per header), by the same rules as
/// the rows of a CSV file. Row `r` is record `r + 1` for `locate_all` and
/// `item_line`.
pub(crate) fn read_text_rows(
    dataset: &mut Dataset,
    headers: &[String],
    rows: impl ExactSizeIterator<Item = Vec<String>>,
    locate_all: Locator<'_>,
    item_line: &dyn Fn(Place) -> u32,
) -> Result<(), Vec<DataProblem>> {
    let headers: Vec<String> = headers.iter().map(|h| h.trim().to_string()).collect();
    let layout = Layout::of(dataset, &headers).map_err(locate_all)?;
    let mut items = ItemReader::new(dataset, &layout, item_line);
    items
        .dataset
        .reserve_items(rows.len(), layout.has_share, layout.has_edition);
    for (record, cells) in (1u64..).zip(rows) {
        if items.pending.len() > MAX_PROBLEMS {
            break;
        }
        let place = Place {
            line: record + 1,
            record,
        };
        items.row(&TextCells { cells, place });
    }
    items.finish(locate_all)
}

/// The cells of one row, as the row loop reads them.
pub(crate) trait Cells {
    fn place(&self) -> Place;
    /// The bytes of cell `index` (empty past the last cell). They need not
    /// be UTF-8: the row loop checks what it keeps as text.
    fn cell(&self, index: usize) -> &[u8];
}

/// A row whose cells are texts already (an object of a JSON items file).
struct TextCells {
    cells: Vec<String>,
    place: Place,
}

impl Cells for TextCells {
    fn place(&self) -> Place {
        self.place
    }

    fn cell(&self, index: usize) -> &[u8] {
        self.cells.get(index).map_or(b"", String::as_bytes)
    }
}

/// The values of one row, as its cells are read.
#[derive(Default)]
struct RowValues<'r> {
    country: Option<u16>,
    year: Option<i32>,
    amount: Option<ReadAmount>,
    /// The empty amount cell, when the row may give a share instead.
    amount_column: Option<usize>,
    share: Option<Decimal>,
    edition: u16,
    tags: u64,
    /// UTF-8.
    id: &'r [u8],
}

/// The row loop's state: the dataset being filled and what it has seen.
pub(crate) struct ItemReader<'d> {
    dataset: &'d mut Dataset,
    layout: &'d Layout,
    item_line: &'d dyn Fn(Place) -> u32,
    /// The manifest's countries by code.
    countries: CountryTable,
    /// Per field, whether it holds text (symbols).
    text_fields: Vec<bool>,
    /// Per field, the values already seen (those checked against the
    /// field's allowed values, or the first few of a free-text field).
    known: Vec<Vec<(String, u32)>>,
    /// A key per item with an id (`id_key`), to find ids given twice.
    id_hashes: Vec<u64>,
    pub(crate) pending: Vec<Pending>,
    /// The number of items kept so far.
    pub(crate) index: u32,
}

/// How many values of a free-text field are looked up before the interner.
const KNOWN_FREE_TEXT: usize = 16;

impl<'d> ItemReader<'d> {
    pub(crate) fn new(
        dataset: &'d mut Dataset,
        layout: &'d Layout,
        item_line: &'d dyn Fn(Place) -> u32,
    ) -> ItemReader<'d> {
        let countries = CountryTable::new(dataset.manifest.countries.iter().map(|c| &*c.code));
        let text_fields = dataset
            .manifest
            .fields
            .iter()
            .map(|f| f.ty == FieldType::Text)
            .collect();
        let known = vec![Vec::new(); dataset.manifest.fields.len()];
        ItemReader {
            dataset,
            layout,
            item_line,
            countries,
            text_fields,
            known,
            id_hashes: Vec::new(),
            pending: Vec::new(),
            index: 0,
        }
    }

    /// The rows are read: finds ids given twice, then returns every
    /// problem found (located by `locate_all`).
    pub(crate) fn finish(mut self, locate_all: Locator<'_>) -> Result<(), Vec<DataProblem>> {
        let mut pending = std::mem::take(&mut self.pending);
        if pending.is_empty() {
            if let Some(id_column) = self.layout.id_column {
                let keys = std::mem::take(&mut self.id_hashes);
                duplicate_ids(self.dataset, keys, id_column, &mut pending);
            }
        }
        if pending.is_empty() {
            Ok(())
        } else {
            Err(locate_all(pending))
        }
    }

    /// Sizes the columns for the whole file, from the bytes the first rows took.
    pub(crate) fn reserve(&mut self, expected_bytes: u64, bytes_so_far: u64) {
        let rows_so_far = u64::from(self.index);
        if bytes_so_far == 0 || expected_bytes <= bytes_so_far {
            return;
        }
        let rest = (expected_bytes - bytes_so_far) * rows_so_far / bytes_so_far;
        let rows = usize::try_from(rest + rest / 16).unwrap_or(0);
        self.dataset
            .reserve_items(rows, self.layout.has_share, self.layout.has_edition);
        if self.layout.id_column.is_some() {
            self.id_hashes.reserve(rows);
        }
    }

    /// Reads one row into the columns, or records its problems and drops it.
    pub(crate) fn row<C: Cells>(&mut self, row: &C) {
        let place = row.place();
        let before = self.pending.len();
        let mut values = RowValues::default();
        for (column, role) in &self.layout.roles {
            let column = *column;
            self.cell(
                role,
                row.cell(column).trim_ascii(),
                place,
                column,
                &mut values,
            );
        }
        if let (None, None, Some(column)) = (values.amount, values.share, values.amount_column) {
            self.pending.push(empty_cell(
                place,
                column,
                "amount",
                EMPTY_AMOUNT_OR_SHARE_HELP,
            ));
        }
        if self.pending.len() > before {
            // Keep the columns aligned: drop the partial row.
            truncate_fields(self.dataset, self.index as usize);
            return;
        }
        self.keep(place, values);
    }

    /// Appends a row whose cells were all read.
    fn keep(&mut self, place: Place, values: RowValues<'_>) {
        let has_share = self.layout.has_share;
        let amount_published = values.amount.is_some();
        let amount = values.amount.or(if has_share {
            Some(ReadAmount::ZERO)
        } else {
            None
        });
        let (Some(country), Some(year), Some(amount)) = (values.country, values.year, amount)
        else {
            truncate_fields(self.dataset, self.index as usize);
            return;
        };
        if !values.id.is_empty() {
            // Equal hashes are compared by their ids afterwards
            // (`duplicate_ids`), so any hash serves.
            self.id_hashes.push(id_key(values.id, self.index));
        }
        let dataset = &mut *self.dataset;
        dataset.country.push(country);
        dataset.year.push(year);
        match amount {
            ReadAmount::Packed(packed) => dataset.amount.push_packed(packed),
            ReadAmount::Exact(amount) => dataset.amount.push(amount),
        }
        if has_share {
            dataset.share.push(values.share);
            dataset.amount_missing.push(!amount_published);
        }
        if self.layout.has_edition {
            dataset.edition.push(values.edition);
        }
        dataset.line.push((self.item_line)(place));
        dataset.tags.push(values.tags);
        dataset.push_id(values.id);
        self.index += 1;
    }

    /// Reads one cell by the role of its column. The common cases take a
    /// few steps here; every problem is made apart (`#[cold]`), so this
    /// stays small enough to inline into the row loop.
    #[inline(always)]
    fn cell<'r>(
        &mut self,
        role: &Role,
        bytes: &'r [u8],
        place: Place,
        column: usize,
        values: &mut RowValues<'r>,
    ) {
        // Each common case accepts only bytes that are UTF-8 (digits, a
        // known code or value, an empty cell, a checked id); any other cell
        // is checked to be text before it is read further.
        match role {
            Role::Id if bytes.is_ascii() || std::str::from_utf8(bytes).is_ok() => {
                values.id = bytes;
            }
            Role::Id => self.not_utf8(place, column),
            Role::Country => match self.countries.get(bytes) {
                Some(country) => values.country = Some(country),
                None => self.slow_cell(role, bytes, place, column, values),
            },
            Role::Year => match parse_year_bytes(bytes) {
                Some(year) => values.year = Some(year),
                None => self.slow_cell(role, bytes, place, column, values),
            },
            Role::Amount => match read_plain_amount(bytes) {
                Some(amount) => values.amount = Some(amount),
                None => self.slow_cell(role, bytes, place, column, values),
            },
            Role::Tags if bytes.is_empty() => {}
            Role::Field(field) => {
                if !self.known_field(*field, bytes) {
                    self.slow_cell(role, bytes, place, column, values);
                }
            }
            _ => self.slow_cell(role, bytes, place, column, values),
        }
    }

    /// Reads a cell that no common case took: as text, with every check.
    #[inline(never)]
    fn slow_cell(
        &mut self,
        role: &Role,
        bytes: &[u8],
        place: Place,
        column: usize,
        values: &mut RowValues<'_>,
    ) {
        let Ok(text) = std::str::from_utf8(bytes) else {
            self.not_utf8(place, column);
            return;
        };
        match role {
            // `cell` took every id that is text.
            Role::Id => {}
            // The code is none of the manifest's (`cell` looked it up).
            Role::Country => self.bad_country(text, place, column),
            Role::Year => match parse_year(text) {
                Some(year) => values.year = Some(year),
                None => self.pending.push(bad_year(text, place, column)),
            },
            Role::Amount => match read_amount(text) {
                Ok(amount) => values.amount = Some(amount),
                Err(_) if text.is_empty() && self.layout.has_share => {
                    values.amount_column = Some(column);
                }
                Err(problem) => self.pending.push(bad_amount(problem, text, place, column)),
            },
            Role::Tags => self.tags(text, place, column, values),
            Role::Field(field) => self.field(*field, text, place, column),
            Role::Share => self.share(text, place, column, values),
            Role::Edition => self.edition_cell(text, place, column, values),
            Role::Unit => {
                if let Some(problem) = self.unit(text, place, column) {
                    self.pending.push(problem);
                }
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn not_utf8(&mut self, place: Place, column: usize) {
        self.pending.push(Pending::new(place, Some(column), |span| {
            DataError::NotUtf8 { span }
        }));
    }

    /// Appends a text field's value when it is empty or one already seen;
    /// `false` leaves the cell to [`ItemReader::field`].
    #[inline(always)]
    fn known_field(&mut self, field: usize, bytes: &[u8]) -> bool {
        if !self.text_fields.get(field).copied().unwrap_or(false) {
            return false;
        }
        let symbol = if bytes.is_empty() {
            NONE
        } else {
            let known = self.known.get(field).and_then(|known| {
                known
                    .iter()
                    .find(|(value, _)| value.len() == bytes.len() && value.as_bytes() == bytes)
            });
            match known {
                Some(&(_, symbol)) => symbol,
                None => return false,
            }
        };
        if let Some(Column::Text(values)) = self.dataset.columns.get_mut(field) {
            values.push(symbol);
        }
        true
    }

    #[cold]
    #[inline(never)]
    fn bad_country(&mut self, text: &str, place: Place, column: usize) {
        let problem = if text.is_empty() {
            let help = empty_country_help(self.dataset);
            empty_cell(place, column, "country", help)
        } else {
            let code = text.to_string();
            let help = country_help(self.dataset, text);
            Pending::new(place, Some(column), move |span| DataError::UnknownCountry {
                code,
                help,
                span,
            })
        };
        self.pending.push(problem);
    }

    fn share(&mut self, text: &str, place: Place, column: usize, values: &mut RowValues<'_>) {
        if text.is_empty() {
            return;
        }
        match parse_decimal(text) {
            Ok(percent) => values.share = percent.checked_div(Decimal::ONE_HUNDRED),
            Err(problem) => self
                .pending
                .push(problem.pending(place, column, "share_of_gdp")),
        }
    }

    fn edition_cell(
        &mut self,
        text: &str,
        place: Place,
        column: usize,
        values: &mut RowValues<'_>,
    ) {
        if text.is_empty() {
            return;
        }
        match self.edition(text, place, column) {
            Ok(edition) => values.edition = edition,
            Err(problem) => self.pending.push(problem),
        }
    }

    /// The edition of a cell: its index in the manifest, plus one.
    fn edition(&self, text: &str, place: Place, column: usize) -> Result<u16, Pending> {
        let editions = &self.dataset.manifest.editions;
        let found = editions.iter().position(|e| e.id == text);
        if let Some(index) = found.and_then(|i| u16::try_from(i + 1).ok()) {
            return Ok(index);
        }
        let ids: Vec<String> = editions.iter().map(|e| e.id.clone()).collect();
        let value = text.to_string();
        let help = allowed_help(text, &ids, "editions");
        Err(Pending::new(place, Some(column), move |span| {
            DataError::UnknownValue {
                field: "edition".to_string(),
                value,
                help,
                span,
            }
        }))
    }

    fn unit(&self, text: &str, place: Place, column: usize) -> Option<Pending> {
        let expected = &self.dataset.manifest.money_unit;
        if text.is_empty() || text == expected {
            return None;
        }
        let unit = text.to_string();
        let expected = expected.clone();
        Some(Pending::new(place, Some(column), move |span| {
            DataError::MixedUnits {
                unit,
                expected,
                span,
            }
        }))
    }

    fn tags(&mut self, text: &str, place: Place, column: usize, values: &mut RowValues<'_>) {
        for tag in text.split(';').map(str::trim).filter(|t| !t.is_empty()) {
            match self.dataset.tag_bit(tag) {
                Some(bit) => values.tags |= bit,
                None => {
                    let tag = tag.to_string();
                    let help = allowed_help(&tag, &self.dataset.manifest.tags, "tags");
                    self.pending
                        .push(Pending::new(place, Some(column), move |span| {
                            DataError::UnknownTag { tag, help, span }
                        }));
                }
            }
        }
    }

    /// Appends a field value that [`ItemReader::known_field`] did not take
    /// (a value of another type, `*`, or a text not seen yet) to its column,
    /// or records the problem.
    fn field(&mut self, field: usize, text: &str, place: Place, column: usize) {
        let text_field = self.text_fields.get(field).copied().unwrap_or(false);
        if !text_field || text == "*" {
            if let Some(problem) = push_field(self.dataset, field, text, place, column) {
                self.pending.push(problem);
            }
            return;
        }
        let has_allowed = self
            .dataset
            .manifest
            .fields
            .get(field)
            .is_some_and(|f| f.values.is_some());
        let problem = push_field(self.dataset, field, text, place, column);
        let remember = problem.is_none()
            && self
                .known
                .get(field)
                .is_some_and(|k| has_allowed || k.len() < KNOWN_FREE_TEXT);
        if remember {
            let symbol = self.dataset.symbol(text);
            if let Some(known) = self.known.get_mut(field) {
                known.push((text.to_string(), symbol));
            }
        }
        if let Some(problem) = problem {
            self.pending.push(problem);
        }
    }
}

/// Appends a field value to its column, or returns the problem.
pub(crate) fn push_field(
    dataset: &mut Dataset,
    field: usize,
    text: &str,
    place: Place,
    column: usize,
) -> Option<Pending> {
    let spec = dataset.manifest.fields.get(field)?;
    let ty = spec.ty;
    match ty {
        FieldType::Text => {
            let symbol = if text.is_empty() {
                NONE
            } else if text == "*" {
                dataset.has_any = true;
                ANY
            } else {
                if let Some(allowed) = spec.values.as_deref() {
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
                dataset.intern(text)
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

/// The problem of a year cell that [`parse_year`] refused.
#[cold]
#[inline(never)]
fn bad_year(text: &str, place: Place, column: usize) -> Pending {
    if text.is_empty() {
        return empty_cell(place, column, "year", EMPTY_YEAR_HELP);
    }
    let value = text.to_string();
    Pending::new(place, Some(column), move |span| DataError::BadYear {
        value,
        span,
    })
}

/// The problem of an amount cell that [`read_amount`] refused.
#[cold]
#[inline(never)]
fn bad_amount(problem: NumberProblem, text: &str, place: Place, column: usize) -> Pending {
    if text.is_empty() {
        return empty_cell(place, column, "amount", EMPTY_AMOUNT_HELP);
    }
    problem.pending(place, column, "amount")
}
