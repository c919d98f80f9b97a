//! Columns stored in fewer bytes than their values take in memory: a large
//! items file fills these once per item, so every byte saved per item is
//! memory the machine need not find, zero and map (about 10 MB per byte
//! at 10 million items). Each reads back exactly the value pushed.

use rust_decimal::Decimal;

use super::dataset::{Symbol, ANY, NONE};

/// Amounts, exact. An amount whose digits fit in 59 bits is kept in eight
/// bytes, with its scale (the number of decimals as written, so `12.50`
/// reads back as `12.50`, not `12.5`); should any amount not fit, the
/// whole column becomes one of 16-byte decimals.
#[derive(Debug, Clone)]
pub enum Amounts {
    /// `digits << 5 | scale`.
    Packed(Vec<i64>),
    Wide(Vec<Decimal>),
}

impl Default for Amounts {
    fn default() -> Amounts {
        Amounts::Packed(Vec::new())
    }
}

/// Bits of a packed amount that hold its scale (0 to 28).
const SCALE_BITS: u32 = 5;

fn pack(amount: Decimal) -> Option<i64> {
    let digits = i64::try_from(amount.mantissa()).ok()?;
    // A negative zero has no digits to carry its sign: it is not packed.
    if digits == 0 && amount.is_sign_negative() {
        return None;
    }
    Some(digits.checked_mul(1 << SCALE_BITS)? | i64::from(amount.scale()))
}

/// `digits` with `scale` decimals, packed, when the digits fit in 59 bits
/// (and the scale is one a decimal can have, 0 to 28).
pub(crate) fn pack_digits(digits: i64, scale: u32) -> Option<i64> {
    if scale > 28 {
        return None;
    }
    Some(digits.checked_mul(1 << SCALE_BITS)? | i64::from(scale))
}

pub(crate) fn unpack(packed: i64) -> Decimal {
    let scale = (packed & ((1 << SCALE_BITS) - 1)) as u32;
    Decimal::try_new(packed >> SCALE_BITS, scale).unwrap_or_default()
}

impl Amounts {
    pub fn len(&self) -> usize {
        match self {
            Amounts::Packed(v) => v.len(),
            Amounts::Wide(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The amount of item `item`.
    #[inline]
    pub fn get(&self, item: usize) -> Option<Decimal> {
        match self {
            Amounts::Packed(v) => v.get(item).copied().map(unpack),
            Amounts::Wide(v) => v.get(item).copied(),
        }
    }

    pub fn push(&mut self, amount: Decimal) {
        match self {
            Amounts::Packed(v) => match pack(amount) {
                Some(packed) => v.push(packed),
                None => {
                    self.widen();
                    self.push(amount);
                }
            },
            Amounts::Wide(v) => v.push(amount),
        }
    }

    /// Appends an amount packed by [`pack_digits`].
    pub(crate) fn push_packed(&mut self, packed: i64) {
        match self {
            Amounts::Packed(v) => v.push(packed),
            Amounts::Wide(v) => v.push(unpack(packed)),
        }
    }

    /// Replaces the amount of item `item` (no effect past the end).
    pub fn set(&mut self, item: usize, amount: Decimal) {
        if item >= self.len() {
            return;
        }
        match self {
            Amounts::Packed(v) => match (pack(amount), v.get_mut(item)) {
                (Some(packed), Some(slot)) => *slot = packed,
                _ => {
                    self.widen();
                    self.set(item, amount);
                }
            },
            Amounts::Wide(v) => {
                if let Some(slot) = v.get_mut(item) {
                    *slot = amount;
                }
            }
        }
    }

    pub fn reserve(&mut self, additional: usize) {
        match self {
            Amounts::Packed(v) => v.reserve(additional),
            Amounts::Wide(v) => v.reserve(additional),
        }
    }

    /// Every amount, in item order.
    pub fn iter(&self) -> impl Iterator<Item = Decimal> + '_ {
        (0..self.len()).filter_map(|item| self.get(item))
    }

    fn widen(&mut self) {
        if let Amounts::Packed(v) = self {
            let mut wide = Vec::with_capacity(v.capacity());
            wide.extend(v.iter().map(|&p| unpack(p)));
            *self = Amounts::Wide(wide);
        }
    }
}

/// A text field's symbols (`Symbol`), each in one byte while every symbol
/// seen fits in one, then two, then four: a field of a few values takes a
/// byte per item.
#[derive(Debug, Clone)]
pub enum Symbols {
    Byte(Vec<u8>),
    Short(Vec<u16>),
    Full(Vec<Symbol>),
}

impl Default for Symbols {
    fn default() -> Symbols {
        Symbols::Byte(Vec::new())
    }
}

/// `NONE` and `ANY` take the two highest values of a narrow column.
fn narrow<T: TryFrom<u32> + Copy>(symbol: Symbol, max: u32) -> Option<T> {
    let stored = match symbol {
        NONE => max,
        ANY => max - 1,
        s if s < max - 1 => s,
        _ => return None,
    };
    T::try_from(stored).ok()
}

fn widen(stored: u32, max: u32) -> Symbol {
    match stored {
        s if s == max => NONE,
        s if s == max - 1 => ANY,
        s => s,
    }
}

const BYTE: u32 = u8::MAX as u32;
const SHORT: u32 = u16::MAX as u32;

impl Symbols {
    pub fn len(&self) -> usize {
        match self {
            Symbols::Byte(v) => v.len(),
            Symbols::Short(v) => v.len(),
            Symbols::Full(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The symbol of item `item`.
    #[inline]
    pub fn get(&self, item: usize) -> Option<Symbol> {
        match self {
            Symbols::Byte(v) => v.get(item).map(|&s| widen(u32::from(s), BYTE)),
            Symbols::Short(v) => v.get(item).map(|&s| widen(u32::from(s), SHORT)),
            Symbols::Full(v) => v.get(item).copied(),
        }
    }

    #[inline(always)]
    pub fn push(&mut self, symbol: Symbol) {
        match self {
            Symbols::Byte(v) => match narrow(symbol, BYTE) {
                Some(s) => v.push(s),
                None => self.push_wider(symbol),
            },
            Symbols::Short(v) => match narrow(symbol, SHORT) {
                Some(s) => v.push(s),
                None => self.push_wider(symbol),
            },
            Symbols::Full(v) => v.push(symbol),
        }
    }

    /// Widens the column to hold `symbol`, then appends it.
    #[cold]
    #[inline(never)]
    fn push_wider(&mut self, symbol: Symbol) {
        *self = match self {
            Symbols::Byte(v) => {
                let wider = v.iter().map(|&s| narrow(widen(u32::from(s), BYTE), SHORT));
                match wider.collect::<Option<Vec<u16>>>() {
                    Some(short) => Symbols::Short(short),
                    None => Symbols::Full(self.iter().collect()),
                }
            }
            _ => Symbols::Full(self.iter().collect()),
        };
        self.push(symbol);
    }

    pub fn truncate(&mut self, len: usize) {
        match self {
            Symbols::Byte(v) => v.truncate(len),
            Symbols::Short(v) => v.truncate(len),
            Symbols::Full(v) => v.truncate(len),
        }
    }

    pub fn reserve(&mut self, additional: usize) {
        match self {
            Symbols::Byte(v) => v.reserve(additional),
            Symbols::Short(v) => v.reserve(additional),
            Symbols::Full(v) => v.reserve(additional),
        }
    }

    /// Every symbol, in item order.
    pub fn iter(&self) -> impl Iterator<Item = Symbol> + '_ {
        (0..self.len()).filter_map(|item| self.get(item))
    }

    /// The symbols of some items, in their order (`NONE` past the end).
    pub fn gather(&self, items: &[u32]) -> std::rc::Rc<[Symbol]> {
        fn each<T: Copy>(
            v: &[T],
            items: &[u32],
            read: impl Fn(T) -> Symbol,
        ) -> std::rc::Rc<[Symbol]> {
            items
                .iter()
                .map(|&i| v.get(i as usize).map_or(NONE, |&s| read(s)))
                .collect()
        }
        match self {
            Symbols::Byte(v) => each(v, items, |s| widen(u32::from(s), BYTE)),
            Symbols::Short(v) => each(v, items, |s| widen(u32::from(s), SHORT)),
            Symbols::Full(v) => each(v, items, |s| s),
        }
    }
}

/// Each item's tags as bits (bit i: the manifest's tag i), in as many
/// bytes as the manifest has tags (a byte for up to 8 tags, none when it
/// declares none).
#[derive(Debug, Clone, Default)]
pub struct TagBits {
    /// Bytes per item.
    width: usize,
    bytes: Vec<u8>,
}

impl TagBits {
    /// Room for `tags` tags (at most 64).
    pub fn new(tags: usize) -> TagBits {
        TagBits {
            width: tags.min(64).div_ceil(8),
            bytes: Vec::new(),
        }
    }

    /// The tag bits of item `item` (none past the end).
    #[inline]
    pub fn get(&self, item: usize) -> u64 {
        let start = item.saturating_mul(self.width);
        let mut word = [0u8; 8];
        if let (Some(bytes), Some(to)) = (
            self.bytes.get(start..start + self.width),
            word.get_mut(..self.width),
        ) {
            to.copy_from_slice(bytes);
        }
        u64::from_le_bytes(word)
    }

    /// Appends an item's bits (bits beyond the declared tags are not kept;
    /// the reader never sets them).
    pub fn push(&mut self, bits: u64) {
        let bytes = bits.to_le_bytes();
        self.bytes
            .extend_from_slice(bytes.get(..self.width).unwrap_or_default());
    }

    pub fn reserve(&mut self, additional: usize) {
        self.bytes.reserve(additional.saturating_mul(self.width));
    }
}

/// The line of each item in its file. Items of a CSV file follow one
/// another a line each, so while each is on the line after the one
/// before, only the first line is kept; the first item that is not (a
/// blank line or a text over several lines before it) turns the column
/// into one number per item.
#[derive(Debug, Clone, Default)]
pub struct Lines {
    len: usize,
    /// While every item `i` is on line `first + i`: `first`.
    first: Option<u32>,
    each: Vec<u32>,
}

impl Lines {
    #[inline]
    pub fn get(&self, item: usize) -> Option<u32> {
        if item >= self.len {
            return None;
        }
        match self.first {
            Some(first) => u32::try_from(item).ok()?.checked_add(first),
            None => self.each.get(item).copied(),
        }
    }

    pub fn push(&mut self, line: u32) {
        if self.len == 0 {
            self.first = Some(line);
        } else if let Some(first) = self.first {
            let follows = u32::try_from(self.len)
                .ok()
                .and_then(|n| first.checked_add(n))
                == Some(line);
            if !follows {
                self.each = (0..self.len)
                    .filter_map(|item| self.get(item))
                    .collect::<Vec<u32>>();
                self.first = None;
                self.each.push(line);
            }
        } else {
            self.each.push(line);
        }
        self.len += 1;
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn reserve(&mut self, additional: usize) {
        if self.first.is_none() {
            self.each.reserve(additional);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn amounts_read_back_exactly_and_widen_when_needed() {
        let texts = [
            "0",
            "12.50",
            "7296.8",
            "-3.141592653589793",
            "0.0000000000000000000000000001",
            "12345678.1234567",
            "288230376151711743",
            "-288230376151711744",
        ];
        let mut amounts = Amounts::default();
        for text in texts {
            amounts.push(Decimal::from_str(text).expect("a decimal"));
        }
        assert!(matches!(amounts, Amounts::Packed(_)));
        let back: Vec<String> = amounts.iter().map(|d| d.to_string()).collect();
        let wanted: Vec<String> = texts
            .iter()
            .map(|t| Decimal::from_str(t).expect("a decimal").to_string())
            .collect();
        assert_eq!(back, wanted);
        // 2^58 digits do not fit in 59 signed bits: the column widens.
        amounts.push(Decimal::from_str("288230376151711744").expect("a decimal"));
        amounts.push(Decimal::MAX);
        assert!(matches!(amounts, Amounts::Wide(_)));
        assert_eq!(amounts.len(), texts.len() + 2);
        assert_eq!(amounts.get(1).map(|d| d.to_string()), Some("12.50".into()));
        assert_eq!(amounts.get(texts.len() + 1), Some(Decimal::MAX));
        assert_eq!(amounts.get(texts.len() + 2), None);
    }

    #[test]
    fn a_negative_zero_keeps_its_sign() {
        let minus_zero = Decimal::from_str("-0.0").expect("a decimal");
        let mut amounts = Amounts::default();
        amounts.push(Decimal::ONE);
        amounts.push(minus_zero);
        assert_eq!(
            amounts.get(1).map(|d| d.serialize()),
            Some(minus_zero.serialize())
        );
        assert_eq!(amounts.get(0), Some(Decimal::ONE));
    }

    #[test]
    fn amounts_can_be_replaced() {
        let mut amounts = Amounts::default();
        amounts.push(Decimal::ONE);
        amounts.push(Decimal::TWO);
        amounts.set(1, Decimal::from_str("0.25").expect("a decimal"));
        amounts.set(5, Decimal::TEN);
        assert_eq!(amounts.get(1).map(|d| d.to_string()), Some("0.25".into()));
        amounts.set(0, Decimal::MIN);
        assert!(matches!(amounts, Amounts::Wide(_)));
        assert_eq!(amounts.iter().collect::<Vec<_>>().len(), 2);
        assert_eq!(amounts.get(0), Some(Decimal::MIN));
    }

    #[test]
    fn symbols_take_one_byte_then_two_then_four() {
        let mut symbols = Symbols::default();
        let mut pushed = vec![0, NONE, ANY, 253];
        for &s in &pushed {
            symbols.push(s);
        }
        assert!(matches!(symbols, Symbols::Byte(_)));
        for s in [254, 65_533] {
            symbols.push(s);
            pushed.push(s);
        }
        assert!(matches!(symbols, Symbols::Short(_)));
        for s in [65_534, NONE, ANY - 1] {
            symbols.push(s);
            pushed.push(s);
        }
        assert!(matches!(symbols, Symbols::Full(_)));
        assert_eq!(symbols.iter().collect::<Vec<_>>(), pushed);
        // From one byte straight to four.
        let mut symbols = Symbols::default();
        symbols.push(NONE);
        symbols.push(1 << 20);
        assert!(matches!(symbols, Symbols::Full(_)));
        assert_eq!(symbols.iter().collect::<Vec<_>>(), [NONE, 1 << 20]);
        symbols.truncate(1);
        assert_eq!(symbols.get(0), Some(NONE));
        assert_eq!(symbols.get(1), None);
    }

    #[test]
    fn tag_bits_take_the_bytes_the_tags_need() {
        for tags in [0usize, 1, 8, 9, 33, 64] {
            let mut bits = TagBits::new(tags);
            let all = if tags == 64 {
                u64::MAX
            } else {
                (1u64 << tags) - 1
            };
            let values = [0, all, all & 0x5555_5555_5555_5555, 1 & all];
            for value in values {
                bits.push(value);
            }
            for (item, value) in values.iter().enumerate() {
                assert_eq!(bits.get(item), *value, "{tags} tags, item {item}");
            }
            assert_eq!(bits.bytes.len(), values.len() * tags.div_ceil(8));
        }
    }

    #[test]
    fn lines_keep_one_number_while_items_follow_line_by_line() {
        let mut lines = Lines::default();
        for line in [2, 3, 4] {
            lines.push(line);
        }
        assert!(lines.each.is_empty());
        assert_eq!(lines.get(2), Some(4));
        lines.push(7);
        lines.push(8);
        assert_eq!(
            (0..6).map(|i| lines.get(i)).collect::<Vec<_>>(),
            [Some(2), Some(3), Some(4), Some(7), Some(8), None]
        );
        assert_eq!(lines.len(), 5);
    }
}
