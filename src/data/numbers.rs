//! The accepted number syntax: exact decimals, amounts and years.

use std::str::FromStr;

use rust_decimal::Decimal;

use super::errors::*;
use super::packed::pack_digits;

/// Why a number cell cannot be read.
pub(crate) enum NumberProblem {
    NotANumber(String),
    TooPrecise(String),
}

impl NumberProblem {
    pub(crate) fn pending(self, place: Place, column: usize, name: &str) -> Pending {
        let name = name.to_string();
        Pending::new(place, Some(column), move |span| match self {
            NumberProblem::NotANumber(value) => DataError::BadNumber {
                column: name,
                value,
                span,
            },
            NumberProblem::TooPrecise(value) => DataError::TooPrecise {
                column: name,
                value,
                span,
            },
        })
    }
}

/// An amount as read from a cell: nearly every cell is a plain decimal
/// whose digits fit the packed form of the amount column.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum ReadAmount {
    /// Packed by [`pack_digits`].
    Packed(i64),
    Exact(Decimal),
}

impl ReadAmount {
    pub(crate) const ZERO: ReadAmount = ReadAmount::Exact(Decimal::ZERO);

    #[cfg(test)]
    pub(crate) fn decimal(self) -> Decimal {
        match self {
            ReadAmount::Packed(packed) => super::packed::unpack(packed),
            ReadAmount::Exact(amount) => amount,
        }
    }
}

/// Reads an amount: a fast path for plain decimals of up to 18 digits, the
/// general parser otherwise.
pub(crate) fn read_amount(text: &str) -> Result<ReadAmount, NumberProblem> {
    match read_plain_amount(text.as_bytes()) {
        Some(amount) => Ok(amount),
        None => parse_decimal(text).map(ReadAmount::Exact),
    }
}

/// A plain decimal of up to 18 digits (`-1234.5`); `None` for anything
/// else, which [`read_amount`] reads or refuses.
#[inline]
pub(crate) fn read_plain_amount(bytes: &[u8]) -> Option<ReadAmount> {
    let (negative, digits) = match bytes.first() {
        Some(b'-') => (true, bytes.get(1..).unwrap_or_default()),
        _ => (false, bytes),
    };
    if digits.is_empty() || digits.len() > 18 {
        return None;
    }
    let mut mantissa: i64 = 0;
    // Where the `.` is, if any.
    let mut point: Option<usize> = None;
    for (i, &b) in digits.iter().enumerate() {
        let digit = b.wrapping_sub(b'0');
        if digit < 10 {
            mantissa = mantissa * 10 + i64::from(digit);
        } else if b == b'.' && point.is_none() {
            point = Some(i);
        } else {
            return None;
        }
    }
    // A `.` needs digits on both sides.
    let scale = match point {
        None => 0,
        Some(p) if p > 0 && p + 1 < digits.len() => u32::try_from(digits.len() - p - 1).ok()?,
        Some(_) => return None,
    };
    let mantissa = if negative { -mantissa } else { mantissa };
    Some(match pack_digits(mantissa, scale) {
        Some(packed) => ReadAmount::Packed(packed),
        None => ReadAmount::Exact(Decimal::new(mantissa, scale)),
    })
}

/// Reads a decimal exactly, or says why it cannot.
pub(crate) fn parse_decimal(text: &str) -> Result<Decimal, NumberProblem> {
    if text.is_empty() {
        return Err(NumberProblem::NotANumber(text.to_string()));
    }
    if !documented(text) {
        return Err(NumberProblem::NotANumber(text.to_string()));
    }
    let parsed = if text.len() > 100 {
        Err(())
    } else {
        Decimal::from_str(text).map_err(|_| ())
    };
    let value = match parsed {
        Ok(value) => value,
        // Written as a number, but too large or too long to hold.
        Err(_) if plain_number(text) => return Err(NumberProblem::TooPrecise(text.to_string())),
        Err(_) => return Err(NumberProblem::NotANumber(text.to_string())),
    };
    // The parser rounds digits it cannot hold; refuse that rather than
    // change a figure silently.
    if needed_scale(text) > value.scale() as usize {
        return Err(NumberProblem::TooPrecise(text.to_string()));
    }
    Ok(value)
}

/// How many digits after the `.` a number as written needs, trailing zeros
/// aside: 1 for `12.50`, 0 for `1.5e3`, 3 for `1.25e-1`.
pub(crate) fn needed_scale(text: &str) -> usize {
    let unsigned = text.trim_start_matches(['-', '+']);
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => (mantissa, exponent.parse::<i64>().unwrap_or(0)),
        None => (unsigned, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits: String = whole
        .chars()
        .chain(fraction.chars())
        .filter(char::is_ascii_digit)
        .collect();
    let whole_digits = whole.chars().filter(char::is_ascii_digit).count();
    let point = i64::try_from(whole_digits)
        .unwrap_or(0)
        .saturating_add(exponent);
    let significant = i64::try_from(digits.trim_end_matches('0').len()).unwrap_or(0);
    usize::try_from(significant.saturating_sub(point)).unwrap_or(0)
}

/// The number syntax of docs/data.md: digits, with an optional leading `-`
/// and an optional `.` between digits, such as `-1234.5`.
fn documented(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match digits.split_once('.') {
        Some((whole, fraction)) if !fraction.is_empty() => (whole, fraction),
        Some(_) => return false,
        None => (digits, "0"),
    };
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

/// Digits with an optional sign and decimal point, such as `-1234.5`.
pub(crate) fn plain_number(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    !(whole.is_empty() && fraction.is_empty())
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

pub(crate) fn parse_year(text: &str) -> Option<i32> {
    parse_year_bytes(text.as_bytes())
        .or_else(|| text.parse::<i32>().ok().filter(|y| (1..=9999).contains(y)))
}

/// A year of four digits (nearly every year is); `None` for anything else,
/// which [`parse_year`] reads or refuses.
#[inline]
pub(crate) fn parse_year_bytes(bytes: &[u8]) -> Option<i32> {
    let &[a, b, c, d] = bytes else {
        return None;
    };
    if ![a, b, c, d].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let digit = |x: u8| i32::from(x - b'0');
    let year = digit(a) * 1000 + digit(b) * 100 + digit(c) * 10 + digit(d);
    (year >= 1).then_some(year)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_of_four_digits_read_as_the_general_parser_reads_them() {
        for text in [
            "2024", "0001", "0000", "9999", "20a4", "-202", "+202", "202", "12345",
        ] {
            let general = text.parse::<i32>().ok().filter(|y| (1..=9999).contains(y));
            assert_eq!(parse_year(text), general, "{text}");
        }
    }

    #[test]
    fn amounts_read_as_the_exact_parser_reads_them() {
        let texts = [
            "12.25",
            "-0.5",
            "0",
            "-0",
            "7296.8",
            "00.10",
            "-12.50",
            "1.",
            ".5",
            "-.5",
            "1.2.3",
            "-",
            "",
            "1_000",
            "1e5",
            "+5",
            "123456789012345678",
            "-123456789012345678",
            "1234567890123456789",
            "99999999999999999.9",
            "0.000000000000000001",
            "576460752303423487",
            "576460752303423488",
            "-576460752303423488",
        ];
        for text in texts {
            let fast = read_amount(text).ok().map(ReadAmount::decimal);
            let exact = parse_decimal(text).ok();
            assert_eq!(fast, exact, "{text}");
            assert_eq!(fast.map(|d| d.scale()), exact.map(|d| d.scale()), "{text}");
        }
    }
}
