//! A loaded dataset, stored by column so that a million line items fit in
//! little memory: amounts as exact decimals, text fields as interned symbols,
//! tags as a bit set, and each item's place in its file for traces, each in
//! as few bytes as its values allow (`packed.rs`).

use std::collections::{BTreeMap, HashMap};

use rust_decimal::Decimal;

use super::packed::{Amounts, Lines, Symbols, TagBits};
use super::schema::Manifest;

/// Each (country, year) with items, and where its items lie in an order of
/// all items (see `Dataset::index`).
type Runs = Vec<((u16, i32), std::ops::Range<usize>)>;

/// An interned text value; `NONE` means the item has no value.
pub type Symbol = u32;
pub const NONE: Symbol = u32::MAX;
/// The cell `*`: the item covers every value of the field, and the split
/// between them is not published (NATO's 2025 totals by category).
pub const ANY: Symbol = u32::MAX - 1;

/// One field of every line item.
#[derive(Debug, Clone)]
pub enum Column {
    Text(Symbols),
    Number(Vec<Option<Decimal>>),
    Bool(Vec<Option<bool>>),
}

/// Where an item came from, for traces (`file:line`).
#[derive(Debug, Clone)]
pub struct ItemOrigin {
    pub file: String,
}

#[derive(Debug, Clone)]
pub struct Dataset {
    pub manifest: Manifest,
    /// Shown in traces, such as `data/nato/line_items.csv`.
    pub items_file: String,
    pub indicators_file: String,
    pub symbols: Vec<String>,
    symbol_index: HashMap<String, Symbol>,
    /// Country index into `manifest.countries`.
    pub country: Vec<u16>,
    pub year: Vec<i32>,
    pub amount: Amounts,
    /// Each item as a share of GDP (a fraction: 2% is 0.02), when the items
    /// file has a `share_of_gdp` column; empty otherwise.
    pub share: Vec<Option<Decimal>>,
    /// Items whose amount is not published (only their share is); empty
    /// when every item has an amount.
    pub amount_missing: Vec<bool>,
    /// Index into `manifest.editions` + 1 (0: none), when the items file has
    /// an `edition` column; empty otherwise.
    pub edition: Vec<u16>,
    /// Whether some item has a `*` cell.
    pub has_any: bool,
    /// The same items measured in shares of GDP, when the dataset publishes
    /// shares: see `share_view`.
    pub shares: Option<Box<Dataset>>,
    /// 1-based line in the items file (CSV) or element number (JSON).
    pub line: Lines,
    /// The `id` column, concatenated (UTF-8: every id pushed is text);
    /// `id_end[i]` is where item i's id ends.
    ids: Vec<u8>,
    id_end: Vec<u32>,
    /// One column per manifest field, in manifest order.
    pub columns: Vec<Column>,
    /// Bit i set when the item has tag `manifest.tags[i]`.
    pub tags: TagBits,
    /// Indicator values by (country, year), one slot per manifest series.
    /// Percent series are stored as fractions (2% as 0.02).
    pub indicators: BTreeMap<(u16, i32), Vec<Option<Decimal>>>,
    /// Line of each indicator row, for traces.
    pub indicator_lines: BTreeMap<(u16, i32), u32>,
    /// Items of each (country, year), as indices into the columns.
    pub by_country_year: BTreeMap<(u16, i32), std::sync::Arc<[u32]>>,
    /// For each country, the first in the manifest with its code.
    first_of_code: Vec<u16>,
    /// In a share view: the country-years measured in shares of GDP.
    pub share_years: std::collections::BTreeSet<(u16, i32)>,
    /// Content hash of the manifest, items and indicators (for stamps).
    pub content_hash: String,
}

impl Dataset {
    pub fn new(manifest: Manifest, items_file: String, indicators_file: String) -> Dataset {
        let columns = manifest
            .fields
            .iter()
            .map(|f| match f.ty {
                super::schema::FieldType::Text => Column::Text(Symbols::default()),
                super::schema::FieldType::Number => Column::Number(Vec::new()),
                super::schema::FieldType::Bool => Column::Bool(Vec::new()),
            })
            .collect();
        let tags = TagBits::new(manifest.tags.len());
        Dataset {
            manifest,
            items_file,
            indicators_file,
            symbols: Vec::new(),
            symbol_index: HashMap::new(),
            country: Vec::new(),
            year: Vec::new(),
            amount: Amounts::default(),
            share: Vec::new(),
            amount_missing: Vec::new(),
            edition: Vec::new(),
            has_any: false,
            shares: None,
            line: Lines::default(),
            ids: Vec::new(),
            id_end: Vec::new(),
            columns,
            tags,
            indicators: BTreeMap::new(),
            indicator_lines: BTreeMap::new(),
            by_country_year: BTreeMap::new(),
            first_of_code: Vec::new(),
            share_years: std::collections::BTreeSet::new(),
            content_hash: String::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.amount.len()
    }

    pub fn is_empty(&self) -> bool {
        self.amount.is_empty()
    }

    pub fn intern(&mut self, text: &str) -> Symbol {
        if let Some(&symbol) = self.symbol_index.get(text) {
            return symbol;
        }
        let symbol = u32::try_from(self.symbols.len()).unwrap_or(NONE - 1);
        self.symbols.push(text.to_string());
        self.symbol_index.insert(text.to_string(), symbol);
        symbol
    }

    /// The symbol of a text, if any item has it.
    pub fn symbol(&self, text: &str) -> Symbol {
        self.symbol_index.get(text).copied().unwrap_or(NONE)
    }

    pub fn symbol_text(&self, symbol: Symbol) -> &str {
        self.symbols.get(symbol as usize).map_or("", String::as_str)
    }

    /// Makes room for `rows` more items in every column, so that a large
    /// file fills its columns without copying them as they grow.
    pub(crate) fn reserve_items(&mut self, rows: usize, has_share: bool, has_edition: bool) {
        self.country.reserve(rows);
        self.year.reserve(rows);
        self.amount.reserve(rows);
        if has_share {
            self.share.reserve(rows);
            self.amount_missing.reserve(rows);
        }
        if has_edition {
            self.edition.reserve(rows);
        }
        self.line.reserve(rows);
        self.tags.reserve(rows);
        let id_bytes = self.ids.len() / self.id_end.len().max(1);
        self.ids.reserve(rows.saturating_mul(id_bytes));
        self.id_end.reserve(rows);
        for column in &mut self.columns {
            match column {
                Column::Text(values) => values.reserve(rows),
                Column::Number(values) => values.reserve(rows),
                Column::Bool(values) => values.reserve(rows),
            }
        }
    }

    /// Appends an item's id, which the caller has found to be UTF-8.
    pub(crate) fn push_id(&mut self, id: &[u8]) {
        self.ids.extend_from_slice(id);
        self.id_end
            .push(u32::try_from(self.ids.len()).unwrap_or(u32::MAX));
    }

    /// The `id` of an item (empty when the file has no id column).
    pub fn id(&self, item: usize) -> &str {
        let start = if item == 0 {
            0
        } else {
            self.id_end.get(item - 1).copied().unwrap_or(0) as usize
        };
        let end = self.id_end.get(item).copied().unwrap_or(0) as usize;
        std::str::from_utf8(self.ids.get(start..end).unwrap_or_default()).unwrap_or("")
    }

    pub fn country_index(&self, code: &str) -> Option<u16> {
        self.manifest
            .countries
            .iter()
            .position(|c| c.code == code)
            .and_then(|i| u16::try_from(i).ok())
    }

    pub fn country_code(&self, index: u16) -> &str {
        self.manifest
            .countries
            .get(index as usize)
            .map_or("", |c| c.code.as_str())
    }

    pub fn field_index(&self, name: &str) -> Option<usize> {
        self.manifest.fields.iter().position(|f| f.name == name)
    }

    pub fn tag_bit(&self, tag: &str) -> Option<u64> {
        self.manifest
            .tags
            .iter()
            .position(|t| t == tag)
            .and_then(|i| 1u64.checked_shl(u32::try_from(i).ok()?))
    }

    /// An indicator value; `None` when not published.
    pub fn indicator(&self, country: u16, year: i32, series: &str) -> Option<Decimal> {
        let index = self
            .manifest
            .indicator_series
            .iter()
            .position(|s| s.name == series)?;
        self.indicators
            .get(&(country, year))
            .and_then(|values| values.get(index).copied().flatten())
    }

    /// Every year that has line items or indicators.
    pub fn years(&self) -> Vec<i32> {
        let mut years: Vec<i32> = self
            .by_country_year
            .keys()
            .chain(self.indicators.keys())
            .map(|&(_, y)| y)
            .collect();
        years.sort_unstable();
        years.dedup();
        years
    }

    /// Whether the dataset has any line item for a country in a year.
    pub fn has_items(&self, country: u16, year: i32) -> bool {
        self.by_country_year.contains_key(&(country, year))
    }

    /// A field value of an item as text, for traces.
    pub fn field_text(&self, item: usize, field: usize) -> Option<String> {
        match self.columns.get(field)? {
            Column::Text(values) => {
                let symbol = values.get(item)?;
                if symbol == ANY {
                    return Some("*".to_string());
                }
                (symbol != NONE).then(|| self.symbol_text(symbol).to_string())
            }
            Column::Number(values) => values.get(item).copied().flatten().map(|n| n.to_string()),
            Column::Bool(values) => values.get(item).copied().flatten().map(|b| b.to_string()),
        }
    }

    /// The tags of an item.
    pub fn tag_names(&self, item: usize) -> Vec<&str> {
        let bits = self.tags.get(item);
        self.manifest
            .tags
            .iter()
            .enumerate()
            .filter(|(i, _)| bits & (1u64 << (*i as u32 % 64)) != 0)
            .map(|(_, t)| t.as_str())
            .collect()
    }

    /// Groups items by country and year; called once after loading. The
    /// items stay in file order in the columns; each country-year lists its
    /// items in file order. (Moving the items of a country-year side by side
    /// in every column cost more to do on load than it saved evaluating.)
    pub(crate) fn index(&mut self) {
        let (order, runs) = self.counting_order().unwrap_or_else(|| self.sorted_order());
        let mut map: BTreeMap<(u16, i32), std::sync::Arc<[u32]>> = BTreeMap::new();
        for (key, range) in runs {
            if let Some(run) = order.get(range) {
                map.insert(key, std::sync::Arc::from(run));
            }
        }
        self.by_country_year = map;
        // The first country of each code, as `Manifest::country` finds it.
        let mut first: HashMap<&str, u16> = HashMap::new();
        self.first_of_code = self
            .manifest
            .countries
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let i = u16::try_from(i).unwrap_or(u16::MAX);
                *first.entry(c.code.as_str()).or_insert(i)
            })
            .collect();
    }

    /// The manifest's entry for a country (the first with its code).
    pub fn country_spec(&self, country: u16) -> Option<&super::schema::CountrySpec> {
        match self.first_of_code.get(country as usize) {
            Some(&first) => self.manifest.countries.get(first as usize),
            None => self.manifest.country(self.country_code(country)),
        }
    }

    /// The items in (country, year) order, stably, with the range of each
    /// (country, year) in it, by sorting.
    fn sorted_order(&self) -> (Vec<u32>, Runs) {
        // (country, year, index): sorted, the index keeps the file order.
        let mut keys: Vec<(u16, i32, u32)> = self
            .country
            .iter()
            .zip(&self.year)
            .zip(0u32..)
            .map(|((&c, &y), i)| (c, y, i))
            .collect();
        keys.sort_unstable();
        let mut runs = Vec::new();
        let mut start = 0;
        for run in keys.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
            if let Some(&(country, year, _)) = run.first() {
                runs.push(((country, year), start..start + run.len()));
            }
            start += run.len();
        }
        (keys.into_iter().map(|(_, _, i)| i).collect(), runs)
    }

    /// The (country, year) order by counting, with the range of each
    /// (country, year) in it, when the countries times the span of years
    /// make a table of moderate size (else `None`).
    fn counting_order(&self) -> Option<(Vec<u32>, Runs)> {
        let first = *self.year.iter().min()?;
        let last = *self.year.iter().max()?;
        let span = usize::try_from(i64::from(last) - i64::from(first) + 1).ok()?;
        let countries = usize::from(*self.country.iter().max()?) + 1;
        let slots = countries.checked_mul(span).filter(|s| *s <= 1 << 22)?;
        let slot = |c: u16, y: i32| {
            usize::from(c) * span + usize::try_from(i64::from(y) - i64::from(first)).unwrap_or(0)
        };
        let mut starts = vec![0u32; slots + 1];
        for (&c, &y) in self.country.iter().zip(&self.year) {
            if let Some(count) = starts.get_mut(slot(c, y) + 1) {
                *count += 1;
            }
        }
        for i in 1..starts.len() {
            let before = starts.get(i - 1).copied().unwrap_or(0);
            if let Some(start) = starts.get_mut(i) {
                *start += before;
            }
        }
        // Each slot's range, before `starts` moves on as items are placed.
        let mut runs = Vec::new();
        for (index, pair) in starts.windows(2).enumerate() {
            if let [start, end] = *pair {
                if end > start {
                    let country = u16::try_from(index / span).ok()?;
                    let year = first.checked_add(i32::try_from(index % span).ok()?)?;
                    runs.push(((country, year), start as usize..end as usize));
                }
            }
        }
        let mut order = vec![0u32; self.len()];
        for ((&c, &y), i) in self.country.iter().zip(&self.year).zip(0u32..) {
            let next = starts.get_mut(slot(c, y))?;
            *order.get_mut(*next as usize)? = i;
            *next += 1;
        }
        Some((order, runs))
    }

    /// Whether the amount of an item is published.
    pub fn has_amount(&self, item: usize) -> bool {
        !self.amount_missing.get(item).copied().unwrap_or(false)
    }

    /// The edition an item comes from, if the dataset names editions.
    pub fn edition_of(&self, item: usize) -> Option<&super::schema::EditionSpec> {
        let index = usize::from(*self.edition.get(item)?).checked_sub(1)?;
        self.manifest.editions.get(index)
    }

    /// Builds `shares`: a copy in which every item of a country-year whose
    /// items all have a share is measured by that share (as a fraction of
    /// GDP), and GDP is 1. Other country-years keep their amounts.
    pub(crate) fn build_share_view(&mut self) {
        if self.share.is_empty() {
            return;
        }
        let Some(gdp) = self
            .manifest
            .indicator_series
            .iter()
            .position(|s| s.name == "gdp")
        else {
            return;
        };
        let mut view = self.clone();
        view.shares = None;
        let series = view.manifest.indicator_series.len();
        for (&(country, year), items) in &self.by_country_year {
            let all = items
                .iter()
                .all(|&i| self.share.get(i as usize).copied().flatten().is_some());
            if !all {
                continue;
            }
            for &i in items.iter() {
                let i = i as usize;
                if let Some(share) = self.share.get(i).copied().flatten() {
                    view.amount.set(i, share);
                }
                if let Some(slot) = view.amount_missing.get_mut(i) {
                    *slot = false;
                }
            }
            let values = view
                .indicators
                .entry((country, year))
                .or_insert_with(|| vec![None; series]);
            if let Some(slot) = values.get_mut(gdp) {
                *slot = Some(Decimal::ONE);
            }
            view.indicator_lines.entry((country, year)).or_insert(0);
            view.share_years.insert((country, year));
        }
        self.shares = Some(Box::new(view));
    }

    /// A one-line description of an item: `id (file:line)`.
    pub fn describe_item(&self, item: usize) -> String {
        let line = self.line.get(item).unwrap_or(0);
        let id = self.id(item);
        if id.is_empty() {
            format!("{}:{}", self.items_file, line)
        } else {
            format!("{} ({}:{})", id, self.items_file, line)
        }
    }
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    /// The two ways of grouping items by country and year (counting, used
    /// when the table of countries and years is moderate; sorting
    /// otherwise) give the same order and ranges.
    #[test]
    fn counting_and_sorting_group_items_alike() {
        for name in ["sample", "nato", "cofog"] {
            let source = crate::data::bundled::source(name).expect("bundled");
            let dataset = crate::data::load(&source).expect("loads");
            let counted = dataset.counting_order().expect("a moderate table");
            assert!(!counted.1.is_empty(), "{name}");
            assert_eq!(counted, dataset.sorted_order(), "{name}");
        }
    }
}
