//! The interpreter's core: for one program and dataset, decides for every
//! line item of a country and year which clause of each category takes it,
//! totals the categories (weights, caps), and evaluates expressions. Results
//! are memoised per country and year, so `at year - 1` and caps that refer to
//! other categories cost one computation each.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use rust_decimal::Decimal;

use crate::data::dataset::Dataset;
use crate::program::*;

use super::conditions::*;
pub use super::decision::*;
pub use super::expr::compare;
#[allow(unused_imports)]
use super::expr::*;
use super::gather::TextColumns;
use super::sum::{fixed_scale, input_total, Fixed, Plain, Scaled, Total};
use super::take::Taken;

/// The engine's caches are keyed by small integers (countries and years)
/// and never iterated, so their order reaches no output.
pub(crate) use crate::fast_hash::Fast;

/// Why a value cannot be computed. Never silently zero.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    pub reason: String,
}

impl Missing {
    pub fn new(reason: impl Into<String>) -> Missing {
        Missing {
            reason: reason.into(),
        }
    }
}

pub type Value = Result<Decimal, Missing>;

/// How deep parameters may refer to each other through their years.
pub(crate) const MAX_PARAM_DEPTH: usize = 8;

/// A category body compiled for one country.
#[derive(Debug, Clone)]
pub struct Body<'p> {
    pub clauses: Vec<(&'p Clause, CompiledClause)>,
    /// The weight of each clause (zero for `exclude` clauses), shared by
    /// the country-years' states.
    pub weights: Rc<[Decimal]>,
    pub caps: Vec<&'p Cap>,
    pub counted_in: Vec<CategoryId>,
}

#[derive(Debug, Clone)]
pub struct CompiledClause {
    pub(crate) condition: Compiled,
    /// Whether the dataset may not publish what the clause needs in some
    /// country-year (see `coverage::may_be_unpublished`).
    pub(crate) may_be_unpublished: bool,
}

/// One category for one country and year.
#[derive(Debug, Clone)]
pub struct CategoryState {
    /// One decision per item of the country-year (same order as `items`);
    /// empty when the engine keeps no decisions for this category (see
    /// `Engine::keeping_read_decisions_only`).
    pub decisions: Vec<Decision>,
    /// The weight of each clause of the body (zero for `exclude` clauses).
    pub clause_weights: Rc<[Decimal]>,
    /// The `within` parent, whose weight bounds this category's.
    pub parent: Option<CategoryId>,
    pub gross: Decimal,
    pub counted: Value,
    pub cut_off: Decimal,
    pub not_credited: Decimal,
    pub excluded: Decimal,
    pub unmatched: Decimal,
    pub input: Decimal,
    /// How many items count (with a weight above zero).
    pub items_counted: usize,
    /// The value of each cap (in body order), or why it is unknown.
    pub caps: Vec<Value>,
    /// Clauses that could not be applied because the dataset does not
    /// publish what they need: `(clause text, reason)`.
    pub gaps: Vec<(String, String)>,
}

/// One item as `decide` sees it: its position in the country-year, its
/// index in the dataset, and the clauses' answers for every position when
/// they were computed a column at a time.
#[derive(Clone, Copy)]
pub(crate) struct Place<'m> {
    position: usize,
    item: usize,
    masks: Option<&'m [Vec<bool>]>,
}

/// One category's body applied to the items of a country-year.
pub(crate) struct Work<'w, 'p> {
    pub(super) body: &'w Body<'p>,
    pub(super) parent: Option<CategoryId>,
    pub(super) items: &'w [u32],
    /// The amount of each item (same order as `items`).
    pub(super) amounts: &'w [Decimal],
    pub(super) masks: Option<&'w [Vec<bool>]>,
    /// The amounts as integers, when the country-year has them.
    pub(super) scaled: Option<&'w Scaled>,
    /// Whether the item's decisions are kept (see `Engine::kept`).
    pub(super) keep: bool,
}

/// A country-year as its categories are computed, one after another.
pub(crate) struct CountryYear<'y> {
    country: u16,
    year: i32,
    items: &'y [u32],
    /// The amount of each item, read from the dataset once for every
    /// category (the items of a country-year lie scattered in the file).
    amounts: &'y [Decimal],
    /// Text columns read once for every clause that tests them.
    texts: &'y TextColumns<'y>,
    /// The first item whose amount is not published (only its share).
    without_amount: Option<u32>,
    /// The source reports no expenditure for the country.
    no_expenditure: bool,
    /// The total of every item, and whether it could not be added exactly.
    input: (Decimal, bool),
    /// The working scale of integer sums (see `fixed_scale`).
    fixed_scale: Option<u32>,
    /// The amounts as integers at that scale, when the items are tested a
    /// column at a time and their amounts allow (see `Scaled`).
    scaled: Option<Scaled>,
}

/// The fewest items of a country-year whose clauses are tested a column at
/// a time (`Engine::mask`).
#[cfg(not(test))]
pub(crate) const MASK_MIN_ITEMS: usize = 8;
/// In unit tests every country-year with items is tested a column at a
/// time, so that the small bundled datasets take the fast path of
/// `take.rs` (compared there with the general one); the integration tests,
/// built without `cfg(test)`, take the item-by-item path on the smaller
/// country-years (all of the `nato` dataset's) and compare it with the
/// snapshots.
#[cfg(test)]
pub(crate) const MASK_MIN_ITEMS: usize = 1;

/// The weight of each clause (zero for `exclude` clauses).
fn clause_weights(clauses: &[&Clause]) -> Rc<[Decimal]> {
    clauses
        .iter()
        .map(|clause| match clause.kind {
            ClauseKind::Include(weight) => weight,
            ClauseKind::Exclude => Decimal::ZERO,
        })
        .collect()
}

/// Every category for one country and year.
#[derive(Debug)]
pub struct YearState {
    pub items: std::sync::Arc<[u32]>,
    pub categories: Vec<CategoryState>,
}

impl YearState {
    pub fn weight(&self, category: CategoryId, position: usize) -> Decimal {
        weight_in(&self.categories, category, position)
    }

    /// The state of one category (`None` only for an id of another program).
    pub fn category(&self, category: CategoryId) -> Option<&CategoryState> {
        self.categories.get(category.index())
    }
}

pub struct Engine<'a> {
    pub program: &'a Program,
    pub data: &'a Dataset,
    pub(crate) bodies: RefCell<HashMap<u16, Rc<Vec<Body<'a>>>, Fast>>,
    pub(crate) states: RefCell<HashMap<(u16, i32), Rc<YearState>, Fast>>,
    /// Requirements being counted (to stop `count` from referring to itself).
    pub(crate) counting: RefCell<Vec<RequirementId>>,
    /// Results of `count(requirement)` per year.
    pub(crate) counts: RefCell<HashMap<(RequirementId, i32), Value>>,
    /// The same program on the dataset's published shares of GDP, when it
    /// has them (see `coverage`).
    pub(crate) shares: Option<Box<Engine<'a>>>,
    /// Per requirement: measured on the shares when there are any.
    pub(crate) share_measured: Vec<bool>,
    /// Per category: whether its per-item decisions are kept (`None`: all,
    /// as the analyses that explain items need them).
    pub(crate) kept: Option<Vec<bool>>,
    /// The columns of the country-years evaluated, read in file order.
    pub(crate) gathered: Option<super::gather::Gathered>,
}

impl<'a> Engine<'a> {
    /// An engine for the pledge at `index` of a checked file.
    pub fn for_pledge(checked: &'a Checked, index: usize, data: &'a Dataset) -> Option<Engine<'a>> {
        checked
            .pledges()
            .get(index)
            .map(|program| Engine::new(program, data))
    }

    pub(crate) fn new(program: &'a Program, data: &'a Dataset) -> Engine<'a> {
        let mut engine = Engine::plain(program, data);
        if let Some(view) = data.shares.as_deref() {
            if super::coverage::caps_share_safe(program, data) {
                engine.share_measured = program
                    .requirements
                    .iter()
                    .map(|r| super::coverage::share_measurable(program, data, r))
                    .collect();
                engine.shares = Some(Box::new(Engine::plain(program, view)));
            }
        }
        engine
    }

    pub(crate) fn plain(program: &'a Program, data: &'a Dataset) -> Engine<'a> {
        Engine {
            program,
            data,
            bodies: RefCell::new(HashMap::default()),
            states: RefCell::new(HashMap::default()),
            counting: RefCell::new(Vec::new()),
            counts: RefCell::new(HashMap::new()),
            shares: None,
            share_measured: Vec::new(),
            kept: None,
            gathered: None,
        }
    }

    /// The same engine keeping per-item decisions only for the categories
    /// whose decisions evaluation reads: `within` parents, `counted in`
    /// targets and categories a requirement adds together (for the
    /// double-counting check), with their parents. Others keep only their
    /// sums, which saves 4 bytes per item and category.
    pub(crate) fn keeping_read_decisions_only(mut self) -> Engine<'a> {
        let kept = decisions_read(self.program);
        if let Some(shares) = self.shares.as_mut() {
            shares.kept = Some(kept.clone());
        }
        self.kept = Some(kept);
        self
    }

    fn keeps(&self, category: CategoryId) -> bool {
        self.kept
            .as_ref()
            .is_none_or(|kept| kept.get(category.index()).copied().unwrap_or(true))
    }

    /// The same engine measuring every requirement on amounts, for
    /// questions in money (how much more to spend).
    pub fn amounts_only(mut self) -> Engine<'a> {
        self.shares = None;
        self
    }

    /// The engine that measures a requirement: on published shares of GDP
    /// when the dataset has them and the requirement allows it.
    pub fn view_for(&self, requirement: RequirementId) -> &Engine<'a> {
        match &self.shares {
            Some(shares)
                if self
                    .share_measured
                    .get(requirement.index())
                    .copied()
                    .unwrap_or(false) =>
            {
                shares
            }
            _ => self,
        }
    }

    /// The engine on published shares of GDP, if the dataset has them.
    pub fn share_view(&self) -> Option<&Engine<'a>> {
        self.shares.as_deref()
    }

    /// Whether this engine measures the country-year in shares of GDP
    /// (amounts are then fractions of GDP, and GDP is 1).
    pub fn in_shares(&self, country: u16, year: i32) -> bool {
        self.data.share_years.contains(&(country, year))
    }

    pub fn country_code(&self, country: u16) -> &str {
        self.data.country_code(country)
    }

    /// The category bodies as they apply to one country.
    pub fn bodies(&self, country: u16) -> Rc<Vec<Body<'a>>> {
        if let Some(bodies) = self.bodies.borrow().get(&country) {
            return bodies.clone();
        }
        let code = self.data.country_code(country).to_string();
        let program: &'a Program = self.program;
        let bodies: Vec<Body<'a>> = program
            .categories()
            .iter()
            .map(|category| {
                let mut clauses: Vec<&'a Clause> = category.body.clauses.iter().collect();
                let mut caps: Vec<&'a Cap> = category.body.caps.iter().collect();
                let mut counted_in: Vec<CategoryId> =
                    category.body.counted_in.iter().map(|(c, _)| *c).collect();
                for (countries, change) in &category.scoped {
                    if !countries.contains(&code) {
                        continue;
                    }
                    match change {
                        ScopedChange::Replace(body) => {
                            clauses = body.clauses.iter().collect();
                            caps = body.caps.iter().collect();
                            counted_in = body.counted_in.iter().map(|(c, _)| *c).collect();
                        }
                        ScopedChange::Amend(body) => {
                            clauses.extend(body.clauses.iter());
                            caps.extend(body.caps.iter());
                            counted_in.extend(body.counted_in.iter().map(|(c, _)| *c));
                        }
                    }
                }
                Body {
                    weights: clause_weights(&clauses),
                    clauses: clauses
                        .into_iter()
                        .map(|clause| {
                            let compiled = CompiledClause {
                                condition: self.compile(&clause.condition),
                                may_be_unpublished: super::coverage::may_be_unpublished(
                                    self.data,
                                    &clause.condition,
                                ),
                            };
                            (clause, compiled)
                        })
                        .collect(),
                    caps,
                    counted_in,
                }
            })
            .collect();
        let bodies = Rc::new(bodies);
        self.bodies.borrow_mut().insert(country, bodies.clone());
        bodies
    }

    /// Every category for a country and year, computed once.
    pub fn state(&self, country: u16, year: i32) -> Rc<YearState> {
        if let Some(state) = self.states.borrow().get(&(country, year)) {
            return state.clone();
        }
        let state = Rc::new(self.compute_state(country, year));
        self.states
            .borrow_mut()
            .insert((country, year), state.clone());
        state
    }

    pub(crate) fn compute_state(&self, country: u16, year: i32) -> YearState {
        let items: std::sync::Arc<[u32]> = self
            .data
            .by_country_year
            .get(&(country, year))
            .cloned()
            .unwrap_or_else(|| std::sync::Arc::from(Vec::new()));
        let bodies = self.bodies(country);
        let gathered = (self.gathered.as_ref()).and_then(|g| g.at(country, year, items.len()));
        let amounts: Vec<Decimal> = match &gathered {
            Some(at) => at.amounts(),
            None => items
                .iter()
                .map(|&item| self.data.amount.get(item as usize).unwrap_or_default())
                .collect(),
        };
        let weights = bodies.iter().flat_map(|b| b.weights.iter().copied());
        let fixed_scale = fixed_scale(weights, &amounts);
        let scaled = fixed_scale
            .filter(|_| self.by_column(&items))
            .and_then(|scale| Scaled::new(&amounts, scale));
        // Every category sees every item: their total is added up once.
        let input = match &scaled {
            Some(scaled) => scaled
                .value(scaled.total, || amounts.last().copied().unwrap_or_default())
                .unwrap_or_else(|| input_total(&amounts, fixed_scale)),
            None => input_total(&amounts, fixed_scale),
        };
        let texts = TextColumns::new(gathered.clone());
        let at = CountryYear {
            country,
            year,
            items: &items,
            amounts: &amounts,
            texts: &texts,
            // Every category asks: the items are looked at once.
            without_amount: match &gathered {
                Some(at) => at.without_amount(&items),
                None => items
                    .iter()
                    .find(|&&i| !self.data.has_amount(i as usize))
                    .copied(),
            },
            no_expenditure: self
                .data
                .country_spec(country)
                .is_some_and(|c| c.no_expenditure.is_some()),
            input,
            fixed_scale,
            scaled,
        };
        let mut categories: Vec<CategoryState> = Vec::with_capacity(bodies.len());
        for ((index, _), body) in self.program.categories_by_id().zip(bodies.iter()) {
            let state = self.category_state(&at, index, body, &categories);
            categories.push(state);
        }
        YearState { items, categories }
    }

    /// One category of a country-year, after the categories before it.
    fn category_state(
        &self,
        at: &CountryYear<'_>,
        index: CategoryId,
        body: &Body<'_>,
        categories: &[CategoryState],
    ) -> CategoryState {
        let parent = self.program.category(index).and_then(|c| c.within);
        let taken = self.take_all(at, (index, body), parent, categories);
        let (input, input_overflow) = at.input;
        let overflow = taken.overflow || input_overflow;
        let (gaps, uncovered) = self.clause_gaps(body, at.country, at.year);
        let mut state = CategoryState {
            decisions: taken.decisions,
            clause_weights: body.weights.clone(),
            parent,
            gross: taken.gross,
            counted: Ok(taken.gross),
            cut_off: Decimal::ZERO,
            not_credited: taken.not_credited,
            excluded: taken.excluded,
            unmatched: taken.unmatched,
            input,
            items_counted: taken.items_counted,
            caps: Vec::new(),
            gaps,
        };
        if at.items.is_empty() && at.no_expenditure {
            // Nothing spent, as the source says: zero in alliance sums
            // (the member's own requirements say why there is no data).
            state.gaps.clear();
        } else if let Some(missing) =
            self.missing_total(at, index, uncovered, taken.split, overflow)
        {
            state.counted = Err(missing);
        } else if !body.caps.is_empty() {
            self.apply_caps(body, at, categories, &mut state);
        }
        state
    }

    /// What one category does with each item of a country-year, and its
    /// sums: on integers where that is exact, else decimal by decimal.
    fn take_all(
        &self,
        at: &CountryYear<'_>,
        (index, body): (CategoryId, &Body<'_>),
        parent: Option<CategoryId>,
        categories: &[CategoryState],
    ) -> Taken {
        let items = at.items;
        let by_column = self.by_column(items);
        let masks: Option<Vec<Vec<bool>>> = by_column.then(|| {
            body.clauses
                .iter()
                .map(|(_, compiled)| self.mask(&compiled.condition, items, at.texts))
                .collect()
        });
        let work = Work {
            body,
            parent,
            items,
            amounts: at.amounts,
            masks: masks.as_deref(),
            scaled: at.scaled.as_ref(),
            keep: self.keeps(index),
        };
        if let Some(masks) = work
            .masks
            .filter(|_| super::take::only_whole_includes(&work))
        {
            if let Some(taken) = work
                .scaled
                .and_then(|scaled| super::take::take_included_scaled(&work, masks, scaled))
            {
                return taken;
            }
        }
        let taken = at
            .fixed_scale
            .and_then(|scale| self.take(&work, categories, || Fixed::new(scale)))
            .or_else(|| self.take(&work, categories, Plain::new));
        // (Adding decimal by decimal always gives an answer; were it not to,
        // the total would be "too large", never a wrong figure.)
        taken.unwrap_or_else(|| Taken::overflowed(items.len()))
    }

    /// Whether the clauses are tested on the items of a country-year a
    /// column at a time: without `*` cells, each clause on every item at
    /// once; a country-year of few items is tested item by item, which
    /// needs no room for the answers.
    fn by_column(&self, items: &[u32]) -> bool {
        !self.data.has_any && items.len() >= MASK_MIN_ITEMS
    }

    /// The clauses of `body` the dataset cannot apply in the country-year,
    /// as `(clause text, reason)`; and, when it can apply none of the
    /// include clauses, the reason for the first.
    fn clause_gaps(
        &self,
        body: &Body<'_>,
        country: u16,
        year: i32,
    ) -> (Vec<(String, String)>, Option<String>) {
        let mut gaps = Vec::new();
        let (mut includes, mut unpublished_includes) = (0, 0);
        let mut first_gap = None;
        for (clause, compiled) in &body.clauses {
            let include = matches!(clause.kind, ClauseKind::Include(_));
            includes += usize::from(include);
            if let Some(reason) = compiled
                .may_be_unpublished
                .then(|| super::coverage::unpublished(self.data, &clause.condition, country, year))
                .flatten()
            {
                if include {
                    unpublished_includes += 1;
                    first_gap.get_or_insert_with(|| reason.clone());
                }
                gaps.push((clause.text.clone(), reason));
            }
        }
        let uncovered = includes > 0 && unpublished_includes == includes;
        (gaps, uncovered.then(|| first_gap.unwrap_or_default()))
    }

    /// Why the total of the category at `index` cannot be given, if it
    /// cannot: no items, amounts not published, clauses the dataset cannot
    /// apply (`uncovered`), a figure not split as a clause needs, or sums
    /// too large.
    fn missing_total(
        &self,
        at: &CountryYear<'_>,
        index: CategoryId,
        uncovered: Option<String>,
        split: Option<usize>,
        overflow: bool,
    ) -> Option<Missing> {
        let CountryYear {
            country,
            year,
            items,
            ..
        } = *at;
        let code = self.data.country_code(country);
        let category = || self.program.category(index).map_or("", |c| c.id.as_str());
        if items.is_empty() {
            return Some(Missing::new(match self.data.manifest.partial_year(year) {
                Some(reason) => format!("no figures for {code} in {year}: {reason}"),
                None => format!("no spending line items for {code} in {year}"),
            }));
        }
        if let Some(item) = at.without_amount {
            let edition = self
                .data
                .edition_of(item as usize)
                .map_or(String::new(), |e| format!(" ({})", e.name));
            return Some(Missing::new(format!(
                "only shares of GDP are published for {code} in {year}{edition}, not amounts"
            )));
        }
        if let Some(reason) = uncovered {
            return Some(Missing::new(format!(
                "`{}` has no data: {reason}",
                category()
            )));
        }
        if let Some(column) = split {
            let field = self
                .data
                .manifest
                .fields
                .get(column)
                .map_or("", |f| f.name.as_str());
            let edition = items
                .iter()
                .find_map(|&i| self.data.edition_of(i as usize))
                .map_or(String::new(), |e| format!(" ({})", e.name));
            return Some(Missing::new(format!(
                "the figure for {code} in {year}{edition} is one total, not split by `{field}`, and `{}` needs the split",
                category()
            )));
        }
        overflow.then(|| Missing::new("the total is too large to compute exactly"))
    }

    /// Applies the caps of `body` to the category's gross total. Caps may
    /// refer to categories computed before this one.
    fn apply_caps(
        &self,
        body: &Body<'_>,
        at: &CountryYear<'_>,
        categories: &[CategoryState],
        state: &mut CategoryState,
    ) {
        let gross = state.gross;
        let mut counted = gross;
        let mut failure = None;
        for cap in &body.caps {
            let value = self.eval_with(&cap.amount, at.country, at.year, Some(categories));
            match &value {
                Ok(limit) => {
                    if *limit < counted {
                        counted = (*limit).max(Decimal::ZERO);
                    }
                }
                Err(missing) => {
                    failure.get_or_insert_with(|| {
                        Missing::new(format!(
                            "the cap `{}` cannot be applied: {}",
                            cap.text, missing.reason
                        ))
                    });
                }
            }
            state.caps.push(value);
        }
        match failure {
            Some(missing) => state.counted = Err(missing),
            None => {
                state.cut_off = gross - counted;
                state.counted = Ok(counted);
            }
        }
    }

    /// What one category does with each item of a country-year, and its
    /// sums, added with `T`; `None` when `T` cannot add them exactly.
    fn take<T: Total>(
        &self,
        work: &Work<'_, '_>,
        categories: &[CategoryState],
        new: impl Fn() -> T,
    ) -> Option<Taken> {
        if let Some(masks) = work
            .masks
            .filter(|_| super::take::only_whole_includes(work))
        {
            return super::take::take_included(work, masks, new);
        }
        if let Some(masks) = work.masks.filter(|_| !super::take::general_only()) {
            return super::take::take_masked(work, categories, masks, new);
        }
        let (mut gross, mut not_credited, mut excluded, mut unmatched) =
            (new(), new(), new(), new());
        let mut decisions = Vec::with_capacity(if work.keep { work.items.len() } else { 0 });
        let mut items_counted = 0;
        let mut split: Option<usize> = None;
        for (position, &item) in work.items.iter().enumerate() {
            let item = item as usize;
            let amount = work.amounts.get(position).copied().unwrap_or_default();
            let parent_weight = work.parent.map(|p| weight_in(categories, p, position));
            let at = Place {
                position,
                item,
                masks: work.masks,
            };
            let (decision, weight) =
                self.decide(work.body, categories, at, parent_weight, &mut split);
            if super::take::credit(amount, weight, &mut gross, &mut not_credited) {
                items_counted += 1;
            } else {
                let bucket = match decode(decision) {
                    DecisionKind::Included(_) => &mut not_credited,
                    DecisionKind::Excluded(_) | DecisionKind::CountedIn(_) => &mut excluded,
                    DecisionKind::NotInParent | DecisionKind::Unmatched => &mut unmatched,
                };
                bucket.add(amount);
            }
            if work.keep {
                decisions.push(decision);
            }
        }
        Taken::from_sums(
            decisions,
            [gross, not_credited, excluded, unmatched],
            items_counted,
            split,
        )
    }

    /// Applies the documented rule for one item: `exclude counted in` and
    /// `exclude` clauses win over `include`; among matching includes, the
    /// last one decides the weight; a `within` category never counts an item
    /// more than its parent does.
    pub(crate) fn decide(
        &self,
        body: &Body<'_>,
        done: &[CategoryState],
        at: Place<'_>,
        parent_weight: Option<Decimal>,
        split: &mut Option<usize>,
    ) -> (Decision, Decimal) {
        let Place {
            position,
            item,
            masks,
        } = at;
        if parent_weight.is_some_and(|w| w.is_zero()) {
            return (NOT_IN_PARENT, Decimal::ZERO);
        }
        for &other in &body.counted_in {
            if !weight_in(done, other, position).is_zero() {
                if let Some(decision) = counted_in(other) {
                    return (decision, Decimal::ZERO);
                }
            }
        }
        let mut included: Option<(usize, Decimal)> = None;
        for (index, (clause, compiled)) in body.clauses.iter().enumerate() {
            let matched = if let Some(masks) = masks {
                masks
                    .get(index)
                    .and_then(|mask| mask.get(position))
                    .copied()
                    .unwrap_or(false)
            } else if self.data.has_any {
                match self.matches3(&compiled.condition, item) {
                    Ok(m) => m,
                    Err(column) => {
                        split.get_or_insert(column);
                        false
                    }
                }
            } else {
                self.matches(&compiled.condition, item)
            };
            match clause.kind {
                ClauseKind::Exclude => {
                    if matched {
                        if let Some(decision) = packed(EXCLUDE_BASE, index) {
                            return (decision, Decimal::ZERO);
                        }
                    }
                }
                ClauseKind::Include(weight) => {
                    if matched {
                        included = Some((index, weight));
                    }
                }
            }
        }
        match included {
            Some((index, weight)) => {
                let weight = parent_weight.map_or(weight, |p| weight.min(p));
                match packed(0, index) {
                    Some(decision) => (decision, weight),
                    None => (UNMATCHED, Decimal::ZERO),
                }
            }
            None => (UNMATCHED, Decimal::ZERO),
        }
    }

    /// The counted total of a category.
    pub fn category(&self, category: CategoryId, country: u16, year: i32) -> Value {
        let state = self.state(country, year);
        state.category(category).map_or_else(
            || Err(Missing::new("unknown category")),
            |c| c.counted.clone(),
        )
    }
}
