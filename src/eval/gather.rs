//! The amounts, tested text columns and tags of the country-years of one
//! evaluation, read from the dataset in one pass over the items in file
//! order and laid out one country-year after another.
//!
//! The items of a country-year lie scattered in the file (a large file
//! lists every country and year in turn, again and again), so reading a
//! column country-year by country-year touches a memory line for nearly
//! every item, and each line once per country-year that has an item in it.
//! Read in file order, each item's value goes to its country-year's next
//! place and every line of the column is read once.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;
use std::rc::Rc;

use rust_decimal::Decimal;

use crate::data::dataset::{Column, Dataset, NONE};
use crate::data::packed::{Amounts, Symbols};

use super::conditions::Compiled;
use super::engine::{Engine, Fast, MASK_MIN_ITEMS};

/// The gathered columns (see the module's comment).
pub(crate) struct Gathered {
    /// Where the items of each country-year start below, and how many.
    places: HashMap<(u16, i32), (usize, usize), Fast>,
    amounts: Amounts,
    /// Whether each item's amount is unpublished (empty when all are).
    missing: Vec<bool>,
    /// The text columns that clauses test, when they are tested a column
    /// at a time.
    texts: Vec<(usize, Symbols)>,
    /// The tag bits, when clauses test tags a column at a time and the
    /// dataset declares at most eight tags.
    tags: Option<Vec<u8>>,
}

/// The largest table of (country, year) slots the gathering pass uses.
const MAX_SLOTS: usize = 1 << 22;

/// The fewest items of a dataset whose columns are gathered: the columns of
/// fewer stay in the processor's caches, where reading items scattered
/// costs little more than the pass would.
#[cfg(not(test))]
const GATHER_MIN_ITEMS: usize = 1 << 21;
/// In unit tests every evaluation with items gathers (compared below with reading the
/// items country-year by country-year).
#[cfg(test)]
const GATHER_MIN_ITEMS: usize = 1;

impl Gathered {
    /// The columns of the items of `keys` (country-years), with the text
    /// columns and tags that `conditions` test; `None` when the dataset's
    /// countries and years make too large a table.
    fn new<'c>(
        data: &Dataset,
        keys: &[(u16, i32)],
        conditions: impl Iterator<Item = &'c Compiled>,
    ) -> Option<Gathered> {
        if data.len() < GATHER_MIN_ITEMS {
            return None;
        }
        let first = *data.year.iter().min()?;
        let last = *data.year.iter().max()?;
        let span = usize::try_from(i64::from(last) - i64::from(first) + 1).ok()?;
        let countries = usize::from(*data.country.iter().max()?) + 1;
        let slots = countries.checked_mul(span).filter(|s| *s <= MAX_SLOTS)?;
        let slot = |c: u16, y: i32| {
            usize::from(c) * span + usize::try_from(i64::from(y) - i64::from(first)).unwrap_or(0)
        };
        // The next place of each slot's items; `u32::MAX` for a slot whose
        // items are not gathered.
        let mut next = vec![u32::MAX; slots];
        let mut places = HashMap::default();
        let mut len = 0usize;
        let mut masked = 0usize;
        for &(country, year) in keys {
            let Some(items) = data.by_country_year.get(&(country, year)) else {
                continue;
            };
            if year < first || year > last {
                continue;
            }
            let start = next.get_mut(slot(country, year))?;
            if *start != u32::MAX {
                continue;
            }
            *start = u32::try_from(len).ok()?;
            places.insert((country, year), (len, items.len()));
            len += items.len();
            if items.len() >= MASK_MIN_ITEMS {
                masked += items.len();
            }
        }
        u32::try_from(len).ok().filter(|l| *l < u32::MAX)?;
        let dest: Vec<u32> = data
            .country
            .iter()
            .zip(&data.year)
            .map(|(&c, &y)| match next.get_mut(slot(c, y)) {
                Some(place) if *place != u32::MAX => {
                    *place += 1;
                    *place - 1
                }
                _ => u32::MAX,
            })
            .collect();
        // Every country-year's items, all of them, in their places.
        let complete = places.iter().all(|(&(c, y), &(start, count))| {
            next.get(slot(c, y)).map(|&n| n as usize) == Some(start + count)
        });
        if !complete || dest.len() != data.len() {
            return None;
        }
        let amounts = match &data.amount {
            Amounts::Packed(v) => Amounts::Packed(scatter(v.iter().copied(), &dest, len)),
            Amounts::Wide(v) => Amounts::Wide(scatter(v.iter().copied(), &dest, len)),
        };
        let missing = if data.amount_missing.iter().any(|&m| m) {
            scatter(data.amount_missing.iter().copied(), &dest, len)
        } else {
            Vec::new()
        };
        // Texts and tags are read a column at a time only in country-years
        // of many items, and not with `*` cells.
        let (mut columns, mut tags) = (Vec::new(), false);
        if !data.has_any && masked * 2 >= len {
            conditions.for_each(|c| tested(c, &mut columns, &mut tags));
        }
        let texts = columns
            .into_iter()
            .filter_map(|column| match data.columns.get(column) {
                Some(Column::Text(values)) => Some((column, scatter_symbols(values, &dest, len))),
                _ => None,
            })
            .collect();
        let tags = (tags && data.manifest.tags.len() <= 8).then(|| {
            let bits = (0..data.len()).map(|i| data.tags.get(i).to_le_bytes()[0]);
            scatter(bits, &dest, len)
        });
        Some(Gathered {
            places,
            amounts,
            missing,
            texts,
            tags,
        })
    }

    /// The place of a country-year's items, when they were gathered.
    pub(crate) fn at(&self, country: u16, year: i32, count: usize) -> Option<At<'_>> {
        let &(start, len) = self.places.get(&(country, year))?;
        (len == count).then_some(At {
            gathered: self,
            range: start..start + len,
        })
    }
}

/// Each value of `values` at its item's place (`dest`), in `len` places.
fn scatter<T: Copy + Default>(values: impl Iterator<Item = T>, dest: &[u32], len: usize) -> Vec<T> {
    let mut out = vec![T::default(); len];
    for (value, &place) in values.zip(dest) {
        if let Some(slot) = out.get_mut(place as usize) {
            *slot = value;
        }
    }
    out
}

fn scatter_symbols(values: &Symbols, dest: &[u32], len: usize) -> Symbols {
    match values {
        Symbols::Byte(v) => Symbols::Byte(scatter(v.iter().copied(), dest, len)),
        Symbols::Short(v) => Symbols::Short(scatter(v.iter().copied(), dest, len)),
        Symbols::Full(v) => Symbols::Full(scatter(v.iter().copied(), dest, len)),
    }
}

/// The text columns and whether tags are tested by a condition.
fn tested(condition: &Compiled, columns: &mut Vec<usize>, tags: &mut bool) {
    match condition {
        Compiled::And(a, b) | Compiled::Or(a, b) => {
            tested(a, columns, tags);
            tested(b, columns, tags);
        }
        Compiled::Not(inner) => tested(inner, columns, tags),
        Compiled::Tag(_) => *tags = true,
        Compiled::Text { column, .. } | Compiled::TextIn { column, .. }
            if !columns.contains(column) =>
        {
            columns.push(*column);
        }
        _ => {}
    }
}

/// One country-year's items in the gathered columns.
#[derive(Clone)]
pub(crate) struct At<'g> {
    gathered: &'g Gathered,
    range: Range<usize>,
}

impl At<'_> {
    /// The amount of each item (zero when not published).
    pub(crate) fn amounts(&self) -> Vec<Decimal> {
        self.range
            .clone()
            .map(|p| self.gathered.amounts.get(p).unwrap_or_default())
            .collect()
    }

    /// The first of `items` (the country-year's) whose amount is not
    /// published.
    pub(crate) fn without_amount(&self, items: &[u32]) -> Option<u32> {
        let missing = self.gathered.missing.get(self.range.clone())?;
        items.get(missing.iter().position(|&m| m)?).copied()
    }

    fn text(&self, column: usize) -> Option<Rc<[u32]>> {
        let (_, values) = self.gathered.texts.iter().find(|(c, _)| *c == column)?;
        Some(
            self.range
                .clone()
                .map(|p| values.get(p).unwrap_or(NONE))
                .collect(),
        )
    }
}

impl<'a> Engine<'a> {
    /// The same engine with the columns of the country-years of `countries`
    /// and `years` gathered (see the module's comment).
    pub(crate) fn gathering(mut self, countries: &[u16], years: &[i32]) -> Engine<'a> {
        let keys: Vec<(u16, i32)> = countries
            .iter()
            .flat_map(|&c| years.iter().map(move |&y| (c, y)))
            .collect();
        let program = self.program;
        let conditions: Vec<Compiled> = program
            .categories()
            .iter()
            .flat_map(|category| {
                let scoped = category.scoped.iter().map(|(_, change)| match change {
                    crate::program::ScopedChange::Amend(body)
                    | crate::program::ScopedChange::Replace(body) => body,
                });
                std::iter::once(&category.body).chain(scoped)
            })
            .flat_map(|body| body.clauses.iter())
            .map(|clause| self.compile(&clause.condition))
            .collect();
        self.gathered = Gathered::new(self.data, &keys, conditions.iter());
        self
    }
}

/// The text columns and tags of a country-year's items, each text column
/// read the first time a clause tests it and shared by the clauses after:
/// from the gathered columns when there are any, else from the dataset.
#[derive(Default)]
pub(crate) struct TextColumns<'g> {
    read: RefCell<Vec<(usize, Rc<[u32]>)>>,
    gathered: Option<At<'g>>,
}

impl<'g> TextColumns<'g> {
    pub(crate) fn new(gathered: Option<At<'g>>) -> TextColumns<'g> {
        TextColumns {
            read: RefCell::default(),
            gathered,
        }
    }

    pub(crate) fn get(&self, column: usize, values: &Symbols, items: &[u32]) -> Rc<[u32]> {
        if let Some((_, read)) = self.read.borrow().iter().find(|(c, _)| *c == column) {
            return read.clone();
        }
        let read = self
            .gathered
            .as_ref()
            .and_then(|at| at.text(column))
            .filter(|read| read.len() == items.len())
            .unwrap_or_else(|| values.gather(items));
        self.read.borrow_mut().push((column, read.clone()));
        read
    }

    /// The low byte of each item's tag bits, when gathered (the dataset
    /// then declares at most eight tags).
    pub(crate) fn tags(&self, items: &[u32]) -> Option<&'g [u8]> {
        let at = self.gathered.as_ref()?;
        let tags = at.gathered.tags.as_ref()?.get(at.range.clone())?;
        (tags.len() == items.len()).then_some(tags)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use crate::eval::engine::Engine;

    /// Every category of every country-year, as `explain` reads them, with
    /// the columns gathered or read country-year by country-year.
    fn states(file: &str, dataset: &crate::data::Dataset, gathered: bool) -> String {
        let (checked, _) = crate::eval::checked_for_tests(file, dataset);
        let countries: Vec<u16> = (0..dataset.manifest.countries.len())
            .filter_map(|c| u16::try_from(c).ok())
            .collect();
        let years = dataset.years();
        let mut text = String::new();
        for index in 0..checked.pledges().len() {
            let engine = Engine::for_pledge(&checked, index, dataset).expect("a pledge");
            let engine = if gathered {
                let engine = engine.gathering(&countries, &years);
                assert!(engine.gathered.is_some(), "{file}");
                engine
            } else {
                engine
            };
            for &(country, year) in dataset.by_country_year.keys() {
                let state = engine.state(country, year);
                text.push_str(&format!("{:?}", state.categories));
            }
        }
        text
    }

    /// Gathered columns give the states that reading the items country-year
    /// by country-year gives.
    #[test]
    fn gathered_columns_give_the_same_states() {
        let root = env!("CARGO_MANIFEST_DIR");
        let files = [
            ("rules/hague-2025.pledge", "nato"),
            ("rules/hague-2025.pledge", "sample"),
            ("rules/wales-2014.pledge", "nato"),
            ("rules/alternatives/broad-related.pledge", "nato"),
            ("rules/alternatives/spain-flexibility.pledge", "nato"),
            ("rules/alternatives/ukraine-aid-excluded.pledge", "nato"),
            ("rules/alternatives/ukraine-aid-in-related.pledge", "sample"),
            ("rules/alternatives/cofog-public-order.pledge", "cofog"),
            (
                "rules/alternatives/hague-cofog-related.pledge",
                "nato-cofog",
            ),
        ];
        for (file, data) in files {
            let source = crate::data::bundled::source(data).expect("bundled");
            let dataset = crate::data::load(&source).expect("loads");
            let path = format!("{root}/{file}");
            let plain = states(&path, &dataset, false);
            assert!(plain.len() > 1000, "{file}: {plain}");
            assert_eq!(plain, states(&path, &dataset, true), "{file} on {data}");
        }
    }
}
