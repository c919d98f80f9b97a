//! The manifest of a dataset (`dataset.json`): what it is, its money unit,
//! its countries and memberships, and the schema of its line items and
//! indicators. The checker reads the schema to validate field names and
//! values in rule files.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub name: String,
    pub source: String,
    pub edition: String,
    pub money_unit: String,
    /// Path of the line-items file, relative to the manifest.
    pub line_items: String,
    /// Path of the indicators file, relative to the manifest.
    pub indicators: String,
    pub countries: Vec<CountrySpec>,
    #[serde(default)]
    pub fields: Vec<FieldSpec>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub indicator_series: Vec<IndicatorSpec>,
    /// Why the dataset publishes no tags, when it never does (the tags are
    /// declared for a vocabulary shared with other datasets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unpublished_tags: Option<String>,
    /// The editions (releases) the figures come from, named by the items'
    /// `edition` column.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub editions: Vec<EditionSpec>,
    /// Years in which the dataset has figures for some countries only, with
    /// why the others are missing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub partial_years: Vec<PartialYear>,
}

/// A year the dataset covers for some countries only.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PartialYear {
    pub year: i32,
    /// Why a country without figures that year has none.
    pub reason: String,
}

/// One release of the source, such as NATO's June 2024 edition.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EditionSpec {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CountrySpec {
    pub code: String,
    pub name: String,
    /// The year the country joined; absent for a non-member.
    #[serde(default)]
    pub member_from: Option<i32>,
    /// Why the source reports no expenditure for this member (Iceland has no
    /// armed forces). The member's GDP still counts in alliance totals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_expenditure: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    Text,
    Number,
    Bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: FieldType,
    /// Allowed values of a text field; any text when absent.
    #[serde(default)]
    pub values: Option<Vec<String>>,
    #[serde(default)]
    pub description: Option<String>,
    /// Why this field is empty on every item: the source does not publish
    /// it. A category that can only match through it has no data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unpublished: Option<String>,
    /// `true` when a value is published only where an item carries it: a
    /// value no item of a country-year has is missing there, not zero.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub by_value: bool,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum IndicatorUnit {
    /// In the dataset's money unit.
    Money,
    /// Stored as a percentage (2.0 means 2%), read as a share.
    Percent,
    Number,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IndicatorSpec {
    pub name: String,
    pub unit: IndicatorUnit,
    #[serde(default)]
    pub description: Option<String>,
}

impl Manifest {
    pub fn field(&self, name: &str) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| f.name == name)
    }

    pub fn indicator(&self, name: &str) -> Option<&IndicatorSpec> {
        self.indicator_series.iter().find(|i| i.name == name)
    }

    pub fn edition(&self, id: &str) -> Option<&EditionSpec> {
        self.editions.iter().find(|e| e.id == id)
    }

    /// Why a country has no figures in a year the dataset covers in part.
    pub fn partial_year(&self, year: i32) -> Option<&str> {
        self.partial_years
            .iter()
            .find(|p| p.year == year)
            .map(|p| p.reason.as_str())
    }

    pub fn country(&self, code: &str) -> Option<&CountrySpec> {
        self.countries.iter().find(|c| c.code == code)
    }
}

/// The 32 NATO allies, known to the checker whatever the dataset.
pub const NATO_ALLIES: [&str; 32] = [
    "ALB", "BEL", "BGR", "CAN", "CZE", "DEU", "DNK", "ESP", "EST", "FIN", "FRA", "GBR", "GRC",
    "HRV", "HUN", "ISL", "ITA", "LTU", "LUX", "LVA", "MKD", "MNE", "NLD", "NOR", "POL", "PRT",
    "ROU", "SVK", "SVN", "SWE", "TUR", "USA",
];
