//! The results of evaluating a pledge: one outcome per requirement, country
//! and year, category totals that reconcile to the input, and summaries.

use rust_decimal::Decimal;
use serde::Serialize;

use crate::program::Type;

/// The five outcomes a requirement can have for a country and year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Met,
    NotMet,
    NotYetDue,
    NotApplicable,
    NoData,
}

impl Status {
    pub fn word(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::NotMet => "not_met",
            Status::NotYetDue => "not_yet_due",
            Status::NotApplicable => "not_applicable",
            Status::NoData => "no_data",
        }
    }

    /// The status in words, for sentences: `not yet due`.
    pub fn words(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::NotMet => "not met",
            Status::NotYetDue => "not yet due",
            Status::NotApplicable => "not applicable",
            Status::NoData => "no data",
        }
    }

    pub const ALL: [Status; 5] = [
        Status::Met,
        Status::NotMet,
        Status::NotYetDue,
        Status::NotApplicable,
        Status::NoData,
    ];
}

/// The outcome of one requirement for one country and year.
#[derive(Debug, Clone, Serialize)]
pub struct RequirementResult {
    pub pledge: String,
    pub requirement: String,
    pub country: String,
    pub year: i32,
    pub status: Status,
    /// The left side (or the value on a path), exact.
    #[serde(serialize_with = "decimal_string")]
    pub value: Option<Decimal>,
    /// The right side (or the point on the path for this year), exact.
    #[serde(serialize_with = "decimal_string")]
    pub threshold: Option<Decimal>,
    /// `value - threshold` for `>=`/`>` (the reverse for `<=`/`<`): positive
    /// is room to spare, negative is the shortfall.
    #[serde(serialize_with = "decimal_string")]
    pub margin: Option<Decimal>,
    /// The margin in percentage points of GDP (amounts), of the base of a
    /// threshold written `x% of base` (such as `defence`), or in percentage
    /// points (shares).
    #[serde(serialize_with = "decimal_string")]
    pub margin_pp: Option<Decimal>,
    /// What `margin_pp` is a percentage of: `gdp`, the base of `x% of base`
    /// (such as `defence`), or `points of the share` for shares.
    pub margin_basis: String,
    /// For a requirement not met on a share of a category that the compared
    /// category is part of (`major_equipment >= 20% of defence`): the
    /// spending to add, which raises the base too. Given by `pledge distance`
    /// and `pledge explain`, not by `eval`.
    #[serde(skip)]
    pub base_growth: Option<super::requirement::BaseGrowth>,
    /// `money`, `ratio` or `number`.
    pub unit: &'static str,
    /// Why there is no result (`no_data`), or why it does not apply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The requirement as it applied to this country (after `for` scopes).
    pub rule: String,
    /// True when a `for` block changed the requirement for this country.
    pub country_specific: bool,
    /// For a requirement not yet due: whether it would be met if it were
    /// due this year (the margin fields then say by how much).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub would_be_met: Option<bool>,
    /// `published shares of GDP` when the figures compared are the shares
    /// the source publishes rather than amounts divided by GDP.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub measured_on: String,
    /// Parts of the categories compared that the data do not cover: clauses
    /// that could not be applied, each with the reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub gaps: Vec<String>,
}

/// The total of one category for one country and year.
#[derive(Debug, Clone, Serialize)]
pub struct CategoryTotal {
    pub category: String,
    pub country: String,
    pub year: i32,
    /// What counts, after weights and caps. `None` when there is no data.
    #[serde(serialize_with = "decimal_string")]
    pub counted: Option<Decimal>,
    /// The share of GDP counted, when GDP is known.
    #[serde(serialize_with = "decimal_string")]
    pub share_of_gdp: Option<Decimal>,
    /// Cut off by `cap` clauses.
    #[serde(serialize_with = "decimal_string")]
    pub cut_off: Option<Decimal>,
    /// The part of partially credited items that does not count.
    #[serde(serialize_with = "decimal_string")]
    pub not_credited: Option<Decimal>,
    #[serde(serialize_with = "decimal_string")]
    pub excluded: Option<Decimal>,
    #[serde(serialize_with = "decimal_string")]
    pub unmatched: Option<Decimal>,
    /// Every line item of the country and year: counted + cut_off +
    /// not_credited + excluded + unmatched = input.
    #[serde(serialize_with = "decimal_string")]
    pub input: Option<Decimal>,
    pub items_counted: usize,
}

/// How many members meet a requirement in a year.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub requirement: String,
    pub year: i32,
    pub met: usize,
    pub not_met: usize,
    pub not_yet_due: usize,
    pub not_applicable: usize,
    pub no_data: usize,
    /// Members of the alliance that year (among the countries evaluated).
    pub members: usize,
}

impl Summary {
    pub fn count(&self, status: Status) -> usize {
        match status {
            Status::Met => self.met,
            Status::NotMet => self.not_met,
            Status::NotYetDue => self.not_yet_due,
            Status::NotApplicable => self.not_applicable,
            Status::NoData => self.no_data,
        }
    }
}

/// Alliance-wide totals of a category in a year.
#[derive(Debug, Clone, Serialize)]
pub struct AllianceTotal {
    pub category: String,
    pub year: i32,
    #[serde(serialize_with = "decimal_string")]
    pub counted: Option<Decimal>,
    #[serde(serialize_with = "decimal_string")]
    pub share_of_gdp: Option<Decimal>,
    /// Members whose data went into the total.
    pub members_with_data: usize,
    pub members: usize,
}

/// Everything one pledge produced.
#[derive(Debug, Clone, Serialize)]
pub struct PledgeOutcome {
    pub pledge: String,
    pub source: Option<String>,
    pub status: Option<String>,
    pub years: Vec<i32>,
    pub countries: Vec<String>,
    pub results: Vec<RequirementResult>,
    pub totals: Vec<CategoryTotal>,
    pub summaries: Vec<Summary>,
    pub alliance: Vec<AllianceTotal>,
    /// Requirement ids in file order.
    pub requirements: Vec<String>,
    /// Category ids in file order.
    pub categories: Vec<String>,
}

impl PledgeOutcome {
    pub fn result(
        &self,
        requirement: &str,
        country: &str,
        year: i32,
    ) -> Option<&RequirementResult> {
        self.results
            .iter()
            .find(|r| r.requirement == requirement && r.country == country && r.year == year)
    }

    pub fn total(&self, category: &str, country: &str, year: i32) -> Option<&CategoryTotal> {
        self.totals
            .iter()
            .find(|t| t.category == category && t.country == country && t.year == year)
    }
}

pub fn unit_name(ty: Type) -> &'static str {
    match ty {
        Type::Money => "money",
        Type::Ratio => "ratio",
        Type::Number => "number",
        Type::Bool => "bool",
        Type::Text => "text",
    }
}

/// Exact decimals are written as JSON strings, so no reader turns them into
/// binary floating point by accident.
pub fn decimal_string<S: serde::Serializer>(
    value: &Option<Decimal>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(d) => serializer.serialize_str(&crate::report::numbers::plain(*d)),
        None => serializer.serialize_none(),
    }
}
