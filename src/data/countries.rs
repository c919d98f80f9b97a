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

/// Country codes, each packed into an integer (`pack`), in a table with at
/// least twice as many slots as codes: a row's code is found with a
/// multiply and a probe or two.
pub(crate) struct CountryTable {
    keys: Vec<u64>,
    countries: Vec<u16>,
    shift: u32,
}

impl CountryTable {
    /// No code packs to this: `0xFF` is never a byte of UTF-8 text.
    const EMPTY: u64 = u64::MAX;

    /// The table of `codes`, each the index of its first occurrence.
    pub(crate) fn new<'c>(codes: impl ExactSizeIterator<Item = &'c str>) -> CountryTable {
        let size = (codes.len() * 2).next_power_of_two().max(8);
        let mut table = CountryTable {
            keys: vec![CountryTable::EMPTY; size],
            countries: vec![0; size],
            shift: 64 - size.trailing_zeros(),
        };
        for (i, code) in codes.enumerate() {
            let (Some(key), Ok(i)) = (pack(code.as_bytes()), u16::try_from(i)) else {
                continue;
            };
            let mut slot = table.slot(key);
            loop {
                match table.keys.get(slot).copied() {
                    Some(CountryTable::EMPTY) => {
                        if let (Some(k), Some(c)) =
                            (table.keys.get_mut(slot), table.countries.get_mut(slot))
                        {
                            (*k, *c) = (key, i);
                        }
                        break;
                    }
                    Some(k) if k == key => break,
                    Some(_) => slot = (slot + 1) % size,
                    None => break,
                }
            }
        }
        table
    }

    fn slot(&self, key: u64) -> usize {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// The country whose code is `code`.
    #[inline]
    pub(crate) fn get(&self, code: &[u8]) -> Option<u16> {
        let key = pack(code)?;
        let mut slot = self.slot(key);
        loop {
            match self.keys.get(slot).copied()? {
                k if k == key => return self.countries.get(slot).copied(),
                CountryTable::EMPTY => return None,
                _ => slot = (slot + 1) & (self.keys.len() - 1),
            }
        }
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

#[cfg(test)]
mod tests {
    #[test]
    fn country_codes_are_found_by_the_first_index() {
        let codes = ["ALB", "BEL", "ALB", "CANADA_LONG_CODE", ""];
        let table = super::CountryTable::new(codes.iter().copied());
        assert_eq!(table.get(b"ALB"), Some(0));
        assert_eq!(table.get(b"BEL"), Some(1));
        assert_eq!(table.get(b"DEU"), None);
        assert_eq!(table.get(b""), None);
        assert_eq!(table.get(b"CANADA_LONG_CODE"), None);
        // Many codes: every one is found.
        let many: Vec<String> = (0..500).map(|i| format!("C{i:03}")).collect();
        let table = super::CountryTable::new(many.iter().map(String::as_str));
        for (i, code) in many.iter().enumerate() {
            assert_eq!(table.get(code.as_bytes()), u16::try_from(i).ok());
        }
    }
}
