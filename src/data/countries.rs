//! Countries as people name them: a code (`ESP`), the dataset's name
//! (`Spain`, `Türkiye`) or a common other name (`Turkey`), in any case.

use super::Dataset;

/// Other names people use for a country, by ISO 3166 alpha-3 code.
const OTHER_NAMES: &[(&str, &str)] = &[
    ("turkey", "TUR"),
    ("turkiye", "TUR"),
    ("czech republic", "CZE"),
    ("czechia", "CZE"),
    ("uk", "GBR"),
    ("britain", "GBR"),
    ("great britain", "GBR"),
    ("united kingdom", "GBR"),
    ("us", "USA"),
    ("usa", "USA"),
    ("united states", "USA"),
    ("united states of america", "USA"),
    ("macedonia", "MKD"),
    ("north macedonia", "MKD"),
    ("holland", "NLD"),
    ("the netherlands", "NLD"),
    ("slovak republic", "SVK"),
];

impl Dataset {
    /// The index of a country named by its code, its name in the dataset or
    /// a common other name, ignoring case and surrounding spaces.
    pub fn find_country(&self, text: &str) -> Option<u16> {
        let wanted = text.trim();
        if let Some(index) = self.country_index(&wanted.to_uppercase()) {
            return Some(index);
        }
        let lower = wanted.to_lowercase();
        let by_name = self
            .manifest
            .countries
            .iter()
            .position(|c| c.name.to_lowercase() == lower)
            .and_then(|i| u16::try_from(i).ok());
        by_name.or_else(|| {
            OTHER_NAMES
                .iter()
                .find(|(name, _)| *name == lower)
                .and_then(|(_, code)| self.country_index(code))
        })
    }

    /// The name of a country in the dataset, or "" when it has none.
    pub fn country_name(&self, code: &str) -> &str {
        self.manifest
            .countries
            .iter()
            .find(|c| c.code == code)
            .map_or("", |c| c.name.as_str())
    }
}
