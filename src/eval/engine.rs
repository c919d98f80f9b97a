//! The interpreter's core: for one program and dataset, decides for every
//! line item of a country and year which clause of each category takes it,
//! totals the categories (weights, caps), and evaluates expressions. Results
//! are memoised per country and year, so `at year - 1` and caps that refer to
//! other categories cost one computation each.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use rust_decimal::Decimal;

use crate::ast::CompareOp;
use crate::data::dataset::{Column, Dataset, ANY, NONE};
use crate::program::*;

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
const MAX_PARAM_DEPTH: usize = 8;

/// A condition compiled against the dataset's columns and symbols.
#[derive(Debug, Clone)]
enum Compiled {
    And(Box<Compiled>, Box<Compiled>),
    Or(Box<Compiled>, Box<Compiled>),
    Not(Box<Compiled>),
    /// The item has this tag bit (0: a tag the dataset does not have).
    Tag(u64),
    Text {
        column: usize,
        op: CompareOp,
        symbol: u32,
    },
    TextIn {
        column: usize,
        symbols: Vec<u32>,
        negated: bool,
    },
    Number {
        column: Option<usize>,
        op: CompareOp,
        value: Decimal,
    },
    NumberIn {
        column: Option<usize>,
        values: Vec<Decimal>,
        negated: bool,
    },
    Bool {
        column: usize,
        op: CompareOp,
        value: bool,
    },
    /// A field the dataset does not have: every item lacks it.
    Absent {
        true_when_absent: bool,
    },
}

/// A category body compiled for one country.
#[derive(Debug, Clone)]
pub struct Body<'p> {
    pub clauses: Vec<(&'p Clause, CompiledClause)>,
    pub caps: Vec<&'p Cap>,
    pub counted_in: Vec<CategoryId>,
}

#[derive(Debug, Clone)]
pub struct CompiledClause {
    condition: Compiled,
}

/// What a category did with one item, packed in four bytes: the index of the
/// deciding `include` clause (below `EXCLUDE_BASE`), of the deciding
/// `exclude` clause (plus `EXCLUDE_BASE`), or of the category named in
/// `exclude counted in` (plus `COUNTED_IN_BASE`). Each range holds 2^30
/// indices, far more clauses than a rule file within the size limits can
/// have. (It was two bytes once, which made a category with more than 16,383
/// clauses read as excluding items it counted.)
pub type Decision = u32;
pub const EXCLUDE_BASE: u32 = 0x4000_0000;
pub const COUNTED_IN_BASE: u32 = 0x8000_0000;
pub const NOT_IN_PARENT: u32 = 0xFFFF_FFFE;
pub const UNMATCHED: u32 = 0xFFFF_FFFF;

/// A clause or category index as part of a decision: `base + index`, or
/// `None` if the index does not fit below the next base.
fn packed(base: u32, index: usize) -> Option<Decision> {
    let index = u32::try_from(index).ok().filter(|i| *i < EXCLUDE_BASE)?;
    Some(base + index)
}

/// Readable form of a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionKind {
    Included(usize),
    Excluded(usize),
    CountedIn(CategoryId),
    NotInParent,
    Unmatched,
}

pub fn decode(decision: Decision) -> DecisionKind {
    match decision {
        UNMATCHED => DecisionKind::Unmatched,
        NOT_IN_PARENT => DecisionKind::NotInParent,
        d if d >= COUNTED_IN_BASE => DecisionKind::CountedIn((d - COUNTED_IN_BASE) as usize),
        d if d >= EXCLUDE_BASE => DecisionKind::Excluded((d - EXCLUDE_BASE) as usize),
        d => DecisionKind::Included(d as usize),
    }
}

/// One category for one country and year.
#[derive(Debug, Clone)]
pub struct CategoryState {
    /// One decision per item of the country-year (same order as `items`).
    pub decisions: Vec<Decision>,
    /// The weight of each clause of the body (zero for `exclude` clauses).
    pub clause_weights: Vec<Decimal>,
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

/// The weight at which `category` counts the item at `position` (zero when
/// it does not count). A `within` category never counts more than its parent.
pub fn weight_in(categories: &[CategoryState], category: CategoryId, position: usize) -> Decimal {
    let mut current = Some(category);
    let mut weight: Option<Decimal> = None;
    let mut steps = 0;
    while let Some(index) = current {
        let Some(state) = categories.get(index) else {
            break;
        };
        let own = match state.decisions.get(position).map(|d| decode(*d)) {
            Some(DecisionKind::Included(clause)) => state
                .clause_weights
                .get(clause)
                .copied()
                .unwrap_or_default(),
            _ => Decimal::ZERO,
        };
        weight = Some(weight.map_or(own, |w| w.min(own)));
        current = state.parent;
        steps += 1;
        if steps > categories.len() {
            break;
        }
    }
    weight.unwrap_or_default()
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
}

pub struct Engine<'a> {
    pub program: &'a Program,
    pub data: &'a Dataset,
    bodies: RefCell<HashMap<u16, Rc<Vec<Body<'a>>>>>,
    states: RefCell<HashMap<(u16, i32), Rc<YearState>>>,
    /// Requirements being counted (to stop `count` from referring to itself).
    counting: RefCell<Vec<RequirementId>>,
    /// Results of `count(requirement)` per year.
    counts: RefCell<HashMap<(RequirementId, i32), Value>>,
    /// The same program on the dataset's published shares of GDP, when it
    /// has them (see `coverage`).
    shares: Option<Box<Engine<'a>>>,
    /// Per requirement: measured on the shares when there are any.
    share_measured: Vec<bool>,
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

    fn plain(program: &'a Program, data: &'a Dataset) -> Engine<'a> {
        Engine {
            program,
            data,
            bodies: RefCell::new(HashMap::new()),
            states: RefCell::new(HashMap::new()),
            counting: RefCell::new(Vec::new()),
            counts: RefCell::new(HashMap::new()),
            shares: None,
            share_measured: Vec::new(),
        }
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
                    .get(requirement)
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
            .categories
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
                    clauses: clauses
                        .into_iter()
                        .map(|clause| {
                            let compiled = CompiledClause {
                                condition: self.compile(&clause.condition),
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

    fn compile(&self, condition: &Condition) -> Compiled {
        match condition {
            Condition::And(a, b) => {
                Compiled::And(Box::new(self.compile(a)), Box::new(self.compile(b)))
            }
            Condition::Or(a, b) => {
                Compiled::Or(Box::new(self.compile(a)), Box::new(self.compile(b)))
            }
            Condition::Not(inner) => Compiled::Not(Box::new(self.compile(inner))),
            Condition::Tag(tag) => Compiled::Tag(self.data.tag_bit(tag).unwrap_or(0)),
            Condition::Compare { field, op, value } => self.compile_compare(field, *op, value),
            Condition::In {
                field,
                negated,
                values,
            } => {
                if field == "amount" {
                    return Compiled::NumberIn {
                        column: None,
                        values: values.iter().filter_map(number_literal).collect(),
                        negated: *negated,
                    };
                }
                match self
                    .data
                    .field_index(field)
                    .and_then(|i| Some((i, self.data.columns.get(i)?)))
                {
                    Some((column, Column::Text(_))) => Compiled::TextIn {
                        column,
                        symbols: values
                            .iter()
                            .map(|v| self.data.symbol(&v.to_string()))
                            .collect(),
                        negated: *negated,
                    },
                    Some((column, Column::Number(_))) => Compiled::NumberIn {
                        column: Some(column),
                        values: values.iter().filter_map(number_literal).collect(),
                        negated: *negated,
                    },
                    Some((column, Column::Bool(_))) => {
                        let wanted: Vec<bool> = values
                            .iter()
                            .filter_map(|v| match v {
                                Literal::Bool(b) => Some(*b),
                                _ => None,
                            })
                            .collect();
                        let mut condition = Compiled::Absent {
                            true_when_absent: false,
                        };
                        for value in wanted {
                            condition = Compiled::Or(
                                Box::new(condition),
                                Box::new(Compiled::Bool {
                                    column,
                                    op: CompareOp::Eq,
                                    value,
                                }),
                            );
                        }
                        if *negated {
                            Compiled::Not(Box::new(condition))
                        } else {
                            condition
                        }
                    }
                    None => Compiled::Absent {
                        true_when_absent: *negated,
                    },
                }
            }
        }
    }

    fn compile_compare(&self, field: &str, op: CompareOp, value: &Literal) -> Compiled {
        if field == "amount" {
            return match number_literal(value) {
                Some(v) => Compiled::Number {
                    column: None,
                    op,
                    value: v,
                },
                None => Compiled::Absent {
                    true_when_absent: false,
                },
            };
        }
        let absent = Compiled::Absent {
            true_when_absent: op == CompareOp::Ne,
        };
        let Some(column) = self.data.field_index(field) else {
            return absent;
        };
        match (self.data.columns.get(column), value) {
            (Some(Column::Text(_)), Literal::Text(text)) => Compiled::Text {
                column,
                op,
                symbol: self.data.symbol(text),
            },
            (Some(Column::Number(_)), Literal::Number(n)) => Compiled::Number {
                column: Some(column),
                op,
                value: *n,
            },
            (Some(Column::Bool(_)), Literal::Bool(b)) => Compiled::Bool {
                column,
                op,
                value: *b,
            },
            _ => absent,
        }
    }

    fn matches(&self, condition: &Compiled, item: usize) -> bool {
        match condition {
            Compiled::And(a, b) => self.matches(a, item) && self.matches(b, item),
            Compiled::Or(a, b) => self.matches(a, item) || self.matches(b, item),
            Compiled::Not(inner) => !self.matches(inner, item),
            Compiled::Tag(bit) => self.data.tags.get(item).is_some_and(|tags| tags & bit != 0),
            Compiled::Text { column, op, symbol } => {
                let actual = match self.data.columns.get(*column) {
                    Some(Column::Text(values)) => values.get(item).copied().unwrap_or(NONE),
                    _ => NONE,
                };
                match op {
                    CompareOp::Eq => actual != NONE && actual == *symbol,
                    CompareOp::Ne => actual == NONE || actual != *symbol,
                    _ => false,
                }
            }
            Compiled::TextIn {
                column,
                symbols,
                negated,
            } => {
                let actual = match self.data.columns.get(*column) {
                    Some(Column::Text(values)) => values.get(item).copied().unwrap_or(NONE),
                    _ => NONE,
                };
                let found = actual != NONE && symbols.contains(&actual);
                found != *negated
            }
            Compiled::Number { column, op, value } => match self.number(*column, item) {
                Some(actual) => compare(actual, *op, *value),
                None => *op == CompareOp::Ne,
            },
            Compiled::NumberIn {
                column,
                values,
                negated,
            } => {
                let found = self
                    .number(*column, item)
                    .is_some_and(|a| values.contains(&a));
                found != *negated
            }
            Compiled::Bool { column, op, value } => {
                let actual = match self.data.columns.get(*column) {
                    Some(Column::Bool(values)) => values.get(item).copied().flatten(),
                    _ => None,
                };
                match (actual, op) {
                    (Some(a), CompareOp::Eq) => a == *value,
                    (Some(a), CompareOp::Ne) => a != *value,
                    (None, CompareOp::Ne) => true,
                    _ => false,
                }
            }
            Compiled::Absent { true_when_absent } => *true_when_absent,
        }
    }

    /// `matches` where an item may cover every value of a field (`*`):
    /// `Err(column)` when the answer depends on a split that is not
    /// published.
    fn matches3(&self, condition: &Compiled, item: usize) -> Result<bool, usize> {
        match condition {
            Compiled::And(a, b) => match (self.matches3(a, item), self.matches3(b, item)) {
                (Ok(false), _) | (_, Ok(false)) => Ok(false),
                (Err(c), _) | (_, Err(c)) => Err(c),
                _ => Ok(true),
            },
            Compiled::Or(a, b) => match (self.matches3(a, item), self.matches3(b, item)) {
                (Ok(true), _) | (_, Ok(true)) => Ok(true),
                (Err(c), _) | (_, Err(c)) => Err(c),
                _ => Ok(false),
            },
            Compiled::Not(inner) => self.matches3(inner, item).map(|m| !m),
            Compiled::Text { column, op, symbol } if self.text_at(*column, item) == ANY => {
                let all = self.declared_symbols(*column);
                let only = all.len() == 1 && all.contains(symbol);
                let none = !all.is_empty() && !all.contains(symbol);
                match (op, only, none) {
                    (CompareOp::Eq, true, _) | (CompareOp::Ne, _, true) => Ok(true),
                    (CompareOp::Eq, _, true) | (CompareOp::Ne, true, _) => Ok(false),
                    _ => Err(*column),
                }
            }
            Compiled::TextIn {
                column,
                symbols,
                negated,
            } if self.text_at(*column, item) == ANY => {
                let all = self.declared_symbols(*column);
                if !all.is_empty() && all.iter().all(|s| symbols.contains(s)) {
                    Ok(!*negated)
                } else if !all.is_empty() && !all.iter().any(|s| symbols.contains(s)) {
                    Ok(*negated)
                } else {
                    Err(*column)
                }
            }
            other => Ok(self.matches(other, item)),
        }
    }

    fn text_at(&self, column: usize, item: usize) -> u32 {
        match self.data.columns.get(column) {
            Some(Column::Text(values)) => values.get(item).copied().unwrap_or(NONE),
            _ => NONE,
        }
    }

    /// The symbols of a text field's declared values (empty: any text).
    fn declared_symbols(&self, column: usize) -> Vec<u32> {
        self.data
            .manifest
            .fields
            .get(column)
            .and_then(|f| f.values.as_ref())
            .map(|values| values.iter().map(|v| self.data.symbol(v)).collect())
            .unwrap_or_default()
    }

    fn number(&self, column: Option<usize>, item: usize) -> Option<Decimal> {
        match column {
            None => self.data.amount.get(item).copied(),
            Some(c) => match self.data.columns.get(c) {
                Some(Column::Number(values)) => values.get(item).copied().flatten(),
                _ => None,
            },
        }
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

    fn compute_state(&self, country: u16, year: i32) -> YearState {
        let items: std::sync::Arc<[u32]> = self
            .data
            .by_country_year
            .get(&(country, year))
            .cloned()
            .unwrap_or_else(|| std::sync::Arc::from(Vec::new()));
        let bodies = self.bodies(country);
        let mut categories: Vec<CategoryState> = Vec::with_capacity(bodies.len());
        for (index, body) in bodies.iter().enumerate() {
            let parent = self.program.categories.get(index).and_then(|c| c.within);
            let clause_weights: Vec<Decimal> = body
                .clauses
                .iter()
                .map(|(clause, _)| match clause.kind {
                    ClauseKind::Include(weight) => weight,
                    ClauseKind::Exclude => Decimal::ZERO,
                })
                .collect();
            let mut decisions = Vec::with_capacity(items.len());
            let (mut gross, mut not_credited, mut excluded, mut unmatched, mut input) = (
                Decimal::ZERO,
                Decimal::ZERO,
                Decimal::ZERO,
                Decimal::ZERO,
                Decimal::ZERO,
            );
            let mut items_counted = 0;
            let mut overflow = false;
            let mut split: Option<usize> = None;
            for (position, &item) in items.iter().enumerate() {
                let item = item as usize;
                let amount = self.data.amount.get(item).copied().unwrap_or_default();
                let parent_weight = parent.map(|p| weight_in(&categories, p, position));
                let (decision, weight) =
                    self.decide(body, &categories, position, item, parent_weight, &mut split);
                if weight == Decimal::ONE {
                    add(&mut gross, amount, &mut overflow);
                    items_counted += 1;
                } else if !weight.is_zero() {
                    let credited = amount * weight;
                    add(&mut gross, credited, &mut overflow);
                    add(&mut not_credited, amount - credited, &mut overflow);
                    items_counted += 1;
                } else {
                    let bucket = match decode(decision) {
                        DecisionKind::Included(_) => &mut not_credited,
                        DecisionKind::Excluded(_) | DecisionKind::CountedIn(_) => &mut excluded,
                        DecisionKind::NotInParent | DecisionKind::Unmatched => &mut unmatched,
                    };
                    add(bucket, amount, &mut overflow);
                }
                add(&mut input, amount, &mut overflow);
                decisions.push(decision);
            }
            let mut state = CategoryState {
                decisions,
                clause_weights,
                parent,
                gross,
                counted: Ok(gross),
                cut_off: Decimal::ZERO,
                not_credited,
                excluded,
                unmatched,
                input,
                items_counted,
                caps: Vec::new(),
                gaps: Vec::new(),
            };
            let code = self.data.country_code(country);
            let no_expenditure = self
                .data
                .manifest
                .country(code)
                .and_then(|c| c.no_expenditure.clone());
            // Include clauses, and those the dataset cannot apply here.
            let (mut includes, mut unpublished_includes) = (0, 0);
            let mut first_gap = None;
            for (clause, _) in &body.clauses {
                let include = matches!(clause.kind, ClauseKind::Include(_));
                includes += usize::from(include);
                if let Some(reason) =
                    super::coverage::unpublished(self.data, &clause.condition, country, year)
                {
                    if include {
                        unpublished_includes += 1;
                        first_gap.get_or_insert_with(|| reason.clone());
                    }
                    state.gaps.push((clause.text.clone(), reason));
                }
            }
            let uncovered = includes > 0 && unpublished_includes == includes;
            if items.is_empty() && no_expenditure.is_some() {
                // Nothing spent, as the source says: zero in alliance sums
                // (the member's own requirements say why there is no data).
                state.gaps.clear();
            } else if items.is_empty() {
                state.counted = Err(Missing::new(match self.data.manifest.partial_year(year) {
                    Some(reason) => format!("no figures for {code} in {year}: {reason}"),
                    None => format!("no spending line items for {code} in {year}"),
                }));
            } else if let Some(item) = items.iter().find(|&&i| !self.data.has_amount(i as usize)) {
                let edition = self
                    .data
                    .edition_of(*item as usize)
                    .map_or(String::new(), |e| format!(" ({})", e.name));
                state.counted = Err(Missing::new(format!(
                    "only shares of GDP are published for {code} in {year}{edition}, not amounts"
                )));
            } else if uncovered {
                let reason = first_gap.unwrap_or_default();
                state.counted = Err(Missing::new(format!(
                    "`{}` has no data: {reason}",
                    self.program
                        .categories
                        .get(index)
                        .map_or("", |c| c.id.as_str())
                )));
            } else if let Some(column) = split {
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
                state.counted = Err(Missing::new(format!(
                    "the figure for {code} in {year}{edition} is one total, not split by `{field}`, and `{}` needs the split",
                    self.program
                        .categories
                        .get(index)
                        .map_or("", |c| c.id.as_str())
                )));
            } else if overflow {
                state.counted = Err(Missing::new("the total is too large to compute exactly"));
            } else if !body.caps.is_empty() {
                // Caps may refer to categories computed before this one.
                let mut counted = gross;
                let mut failure = None;
                for cap in &body.caps {
                    let value = self.eval_with(&cap.amount, country, year, Some(&categories));
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
            categories.push(state);
        }
        YearState { items, categories }
    }

    /// Applies the documented rule for one item: `exclude counted in` and
    /// `exclude` clauses win over `include`; among matching includes, the
    /// last one decides the weight; a `within` category never counts an item
    /// more than its parent does.
    fn decide(
        &self,
        body: &Body<'_>,
        done: &[CategoryState],
        position: usize,
        item: usize,
        parent_weight: Option<Decimal>,
        split: &mut Option<usize>,
    ) -> (Decision, Decimal) {
        if parent_weight.is_some_and(|w| w.is_zero()) {
            return (NOT_IN_PARENT, Decimal::ZERO);
        }
        for &other in &body.counted_in {
            if !weight_in(done, other, position).is_zero() {
                if let Some(decision) = packed(COUNTED_IN_BASE, other) {
                    return (decision, Decimal::ZERO);
                }
            }
        }
        let mut included: Option<(usize, Decimal)> = None;
        for (index, (clause, compiled)) in body.clauses.iter().enumerate() {
            let matched = if self.data.has_any {
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
        state.categories.get(category).map_or_else(
            || Err(Missing::new("unknown category")),
            |c| c.counted.clone(),
        )
    }

    /// A parameter's value for a country and year.
    pub fn param(&self, param: ParamId, country: u16, year: i32) -> Value {
        self.param_at_depth(param, country, year, 0)
    }

    fn param_at_depth(&self, param: ParamId, country: u16, year: i32, depth: usize) -> Value {
        let Some(p) = self.program.params.get(param) else {
            return Err(Missing::new("unknown parameter"));
        };
        if depth > MAX_PARAM_DEPTH {
            return Err(Missing::new(format!(
                "the years of `{}` refer to each other in a circle",
                p.name
            )));
        }
        let value = self.param_value(p, country, year, depth)?;
        Ok(value.value)
    }

    /// The dated value of a parameter that applies (for explain).
    pub fn param_value(
        &self,
        p: &'a Param,
        country: u16,
        year: i32,
        depth: usize,
    ) -> Result<&'a DatedValue, Missing> {
        let code = self.data.country_code(country);
        let values = p
            .overrides
            .iter()
            .rev()
            .find(|(countries, _)| countries.contains(code))
            .map_or(&p.values, |(_, values)| values);
        for value in values {
            let from = match &value.from {
                Some(spec) => Some(self.year_spec_at_depth(spec, country, year, depth + 1)?),
                None => None,
            };
            let until = match &value.until {
                Some(spec) => Some(self.year_spec_at_depth(spec, country, year, depth + 1)?),
                None => None,
            };
            if from.is_none_or(|f| f <= year) && until.is_none_or(|u| year <= u) {
                return Ok(value);
            }
        }
        Err(Missing::new(format!(
            "the parameter `{}` has no value for {year}",
            p.name
        )))
    }

    /// A year given as a literal or a parameter.
    pub fn year_spec(&self, spec: &YearSpec, country: u16, year: i32) -> Result<i32, Missing> {
        self.year_spec_at_depth(spec, country, year, 0)
    }

    fn year_spec_at_depth(
        &self,
        spec: &YearSpec,
        country: u16,
        year: i32,
        depth: usize,
    ) -> Result<i32, Missing> {
        match spec {
            YearSpec::Literal(y) => Ok(*y),
            YearSpec::Param(p) => {
                let value = self.param_at_depth(*p, country, year, depth)?;
                i32::try_from(value.trunc().mantissa())
                    .map_err(|_| Missing::new(format!("`{value}` is not a year")))
            }
        }
    }

    /// An indicator value, or why it is missing.
    pub fn indicator(&self, name: &str, country: u16, year: i32) -> Value {
        self.data.indicator(country, year, name).ok_or_else(|| {
            Missing::new(format!(
                "no `{name}` for {} in {year}",
                self.data.country_code(country)
            ))
        })
    }

    /// Evaluates an expression for a country and year.
    pub fn eval(&self, expr: &TExpr, country: u16, year: i32) -> Value {
        self.eval_with(expr, country, year, None)
    }

    fn eval_with(
        &self,
        expr: &TExpr,
        country: u16,
        year: i32,
        partial: Option<&[CategoryState]>,
    ) -> Value {
        let recurse = |e: &TExpr| self.eval_with(e, country, year, partial);
        match &expr.kind {
            TExprKind::Const(value) => Ok(*value),
            TExprKind::Category(c) => match partial {
                Some(done) => done.get(*c).map_or_else(
                    || Err(Missing::new("a cap refers to a category computed later")),
                    |s| s.counted.clone(),
                ),
                None => self.category(*c, country, year),
            },
            TExprKind::Param(p) => self.param(*p, country, year),
            TExprKind::Indicator(name) => self.indicator(name, country, year),
            TExprKind::Neg(inner) => Ok(-recurse(inner)?),
            TExprKind::Add(a, b) => checked(recurse(a)?.checked_add(recurse(b)?)),
            TExprKind::Sub(a, b) => checked(recurse(a)?.checked_sub(recurse(b)?)),
            TExprKind::Mul(a, b) => checked(recurse(a)?.checked_mul(recurse(b)?)),
            TExprKind::Div(a, b) => {
                let numerator = recurse(a)?;
                let denominator = recurse(b)?;
                if denominator.is_zero() {
                    return Err(Missing::new(format!(
                        "cannot divide by zero (`{}` is 0 for {} in {year})",
                        self.describe(b),
                        self.data.country_code(country)
                    )));
                }
                checked(numerator.checked_div(denominator))
            }
            TExprKind::Min(items) => {
                let mut best: Option<Decimal> = None;
                for item in items {
                    let v = recurse(item)?;
                    best = Some(best.map_or(v, |b| b.min(v)));
                }
                best.ok_or_else(|| Missing::new("`min` of nothing"))
            }
            TExprKind::Max(items) => {
                let mut best: Option<Decimal> = None;
                for item in items {
                    let v = recurse(item)?;
                    best = Some(best.map_or(v, |b| b.max(v)));
                }
                best.ok_or_else(|| Missing::new("`max` of nothing"))
            }
            TExprKind::Round(inner, places) => Ok(recurse(inner)?.round_dp_with_strategy(
                *places,
                rust_decimal::RoundingStrategy::MidpointAwayFromZero,
            )),
            TExprKind::At(inner, spec) => {
                let other = match spec {
                    AtSpec::Relative(offset) => year + offset,
                    AtSpec::Fixed(spec) => self.year_spec(spec, country, year)?,
                };
                if other == year {
                    recurse(inner)
                } else {
                    self.eval_with(inner, country, other, None)
                }
            }
            TExprKind::Alliance(inner) => {
                // Every `alliance(...)` of a year sums over the same members:
                // those with spending line items that year. A member with
                // items but a missing value makes the total unknown.
                let mut sum = Decimal::ZERO;
                let mut reporting = 0;
                for c in self.members(year) {
                    if !self.data.has_items(c, year) && !self.reports_nothing(c) {
                        continue;
                    }
                    reporting += 1;
                    let v = self.eval_with(inner, c, year, None).map_err(|missing| {
                        Missing::new(format!("the alliance total is unknown: {}", missing.reason))
                    })?;
                    sum = checked(sum.checked_add(v))?;
                }
                if reporting == 0 {
                    return Err(Missing::new(format!(
                        "no member has spending line items in {year}"
                    )));
                }
                Ok(sum)
            }
            TExprKind::Count(requirement) => self.count(*requirement, year),
        }
    }

    /// A short description of an expression for messages.
    pub fn describe(&self, expr: &TExpr) -> String {
        match &expr.kind {
            TExprKind::Category(c) => self
                .program
                .categories
                .get(*c)
                .map_or(String::new(), |c| c.id.clone()),
            TExprKind::Param(p) => self
                .program
                .params
                .get(*p)
                .map_or(String::new(), |p| p.name.clone()),
            TExprKind::Indicator(name) => name.clone(),
            TExprKind::Alliance(inner) => format!("alliance({})", self.describe(inner)),
            TExprKind::At(inner, AtSpec::Relative(offset)) if *offset < 0 => {
                format!(
                    "{} at year - {}",
                    self.describe(inner),
                    offset.unsigned_abs()
                )
            }
            _ => "the amount it is compared with".to_string(),
        }
    }

    /// Whether the source reports no expenditure at all for a member
    /// (Iceland): it adds nothing to alliance sums but its GDP.
    pub fn reports_nothing(&self, country: u16) -> bool {
        self.data
            .manifest
            .countries
            .get(country as usize)
            .is_some_and(|c| c.no_expenditure.is_some())
    }

    /// The countries that are members in a year.
    pub fn members(&self, year: i32) -> Vec<u16> {
        self.data
            .manifest
            .countries
            .iter()
            .enumerate()
            .filter(|(_, c)| c.member_from.is_some_and(|m| m <= year))
            .filter_map(|(i, _)| u16::try_from(i).ok())
            .collect()
    }

    fn count(&self, requirement: RequirementId, year: i32) -> Value {
        if let Some(value) = self.counts.borrow().get(&(requirement, year)) {
            return value.clone();
        }
        if self.counting.borrow().contains(&requirement) {
            return Err(Missing::new(
                "`count` refers to the requirement that uses it",
            ));
        }
        self.counting.borrow_mut().push(requirement);
        let mut met = 0u32;
        for country in self.members(year) {
            let outcome = super::requirement::evaluate(self, requirement, country, year);
            if outcome.status == super::outcome::Status::Met {
                met += 1;
            }
        }
        self.counting.borrow_mut().retain(|r| *r != requirement);
        let value = Ok(Decimal::from(met));
        self.counts
            .borrow_mut()
            .insert((requirement, year), value.clone());
        value
    }
}

/// Adds to a running total, noting an overflow instead of panicking.
fn add(total: &mut Decimal, amount: Decimal, overflow: &mut bool) {
    match total.checked_add(amount) {
        Some(sum) => *total = sum,
        None => *overflow = true,
    }
}

fn checked(value: Option<Decimal>) -> Value {
    value.ok_or_else(|| Missing::new("the result is too large to compute exactly"))
}

fn number_literal(value: &Literal) -> Option<Decimal> {
    match value {
        Literal::Number(n) => Some(*n),
        _ => None,
    }
}

pub fn compare(actual: Decimal, op: CompareOp, expected: Decimal) -> bool {
    match op {
        CompareOp::Ge => actual >= expected,
        CompareOp::Le => actual <= expected,
        CompareOp::Gt => actual > expected,
        CompareOp::Lt => actual < expected,
        CompareOp::Eq => actual == expected,
        CompareOp::Ne => actual != expected,
    }
}
