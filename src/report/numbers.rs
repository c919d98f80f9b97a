//! Number formatting for people. Rounding happens only here, for display;
//! every computation before it is exact.

use rust_decimal::{Decimal, RoundingStrategy};

use crate::eval::outcome::{RequirementResult, Status};

/// A decimal exactly, without trailing zeros: what `value.normalize()`
/// displays (`1.5` for `1.50`, `0` for `-0`), written without its general
/// formatting machinery, for outputs of one figure per cell (CSV, JSON).
pub fn plain(value: Decimal) -> String {
    let mut out = String::new();
    write_plain(&mut out, value);
    out
}

/// [`plain`], appended to `out` (no allocation of its own).
pub fn write_plain(out: &mut String, value: Decimal) {
    use std::fmt::Write as _;
    /// "0." and as many zeros as a decimal has places.
    const POINT_ZEROS: &str = "0.0000000000000000000000000000";
    let digits = value.mantissa().unsigned_abs();
    if digits == 0 {
        out.push('0');
        return;
    }
    if value.is_sign_negative() {
        out.push('-');
    }
    let start = out.len();
    let _ = write!(out, "{digits}");
    // The trailing zeros of the decimals go (those of a whole number stay).
    let scale = value.scale() as usize;
    let zeros = out
        .bytes()
        .rev()
        .take_while(|&b| b == b'0')
        .count()
        .min(scale);
    out.truncate(out.len() - zeros);
    let scale = scale - zeros;
    let written = out.len() - start;
    if scale == 0 {
        return;
    }
    match written.checked_sub(scale) {
        Some(whole) if whole > 0 => out.insert(start + whole, '.'),
        _ => {
            let padding = POINT_ZEROS.get(..2 + scale - written).unwrap_or("0.");
            out.insert_str(start, padding);
        }
    }
}

/// `1,234.5` (one decimal, thousands separated).
pub fn money(value: Decimal) -> String {
    grouped(value, 1)
}

/// An amount with its unit, written short: `17,707.0 USD million (2015
/// prices)` for a dataset in "USD million, constant 2015 prices".
pub fn money_in(value: Decimal, unit: &str) -> String {
    let unit = short_unit(unit);
    if unit.is_empty() {
        money(value)
    } else {
        format!("{} {unit}", money(value))
    }
}

/// "USD million (2015 prices)" for "USD million, constant 2015 prices";
/// other units as they are.
pub fn short_unit(unit: &str) -> String {
    match unit.split_once(", constant ") {
        Some((money, prices)) => format!("{money} ({prices})"),
        None => unit.trim().to_string(),
    }
}

/// A share as a percentage: `2.15%`.
pub fn percent(ratio: Decimal) -> String {
    match ratio.checked_mul(Decimal::ONE_HUNDRED) {
        Some(percent) => format!("{}%", fixed(percent, 2)),
        None => "too large".to_string(),
    }
}

/// Percentage points with a sign: `+0.15`, `-1.20`.
pub fn points(value: Decimal) -> String {
    let rounded = value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    if rounded.is_sign_negative() && !rounded.is_zero() {
        format!("-{}", fixed(-rounded, 2))
    } else {
        format!("+{}", fixed(rounded.abs(), 2))
    }
}

/// A value in its unit: money grouped, shares in percent, numbers plain.
pub fn in_unit(value: Decimal, unit: &str) -> String {
    match unit {
        "money" => money(value),
        "ratio" => percent(value),
        "share_of_gdp" => format!("{} of GDP", percent(value)),
        _ => plain(value),
    }
}

/// Fixed decimals, rounding half away from zero.
pub fn fixed(value: Decimal, places: u32) -> String {
    let mut rounded = value.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero);
    if rounded.is_zero() {
        rounded = Decimal::ZERO;
    }
    rounded.rescale(places);
    rounded.to_string()
}

fn grouped(value: Decimal, places: u32) -> String {
    group_thousands(&fixed(value, places))
}

/// Separates the thousands of a number written with `fixed`: `-1234567.25`
/// becomes `-1,234,567.25`. The only thousands grouper of the program.
pub fn group_thousands(text: &str) -> String {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    let mut out = String::new();
    let count = whole.chars().count();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (count - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    match fraction {
        Some(f) => format!("{sign}{out}.{f}"),
        None => format!("{sign}{out}"),
    }
}

/// The cell of a result in the outcome matrix: a status word and the margin.
/// A margin that rounds to zero reads `met <0.01` or `short <0.01`; a
/// requirement met with no margin at all reads `met exactly`.
pub fn cell(result: &RequirementResult) -> String {
    match result.status {
        Status::Met => match result.margin_pp {
            Some(pp) if pp.is_zero() => "met exactly".to_string(),
            Some(pp) if points(pp) == "+0.00" => "met <0.01".to_string(),
            Some(pp) => format!("met {}", points(pp)),
            None => match count_margin(result) {
                Some(m) => format!("met {m}"),
                None => "met".to_string(),
            },
        },
        Status::NotMet => match result.margin_pp {
            Some(pp) if points(pp) == "+0.00" => "short <0.01".to_string(),
            Some(pp) => format!("short {}", points(pp)),
            None => match count_margin(result) {
                Some(m) => format!("short {m}"),
                None => "short".to_string(),
            },
        },
        Status::NotYetDue => "not due".to_string(),
        Status::NotApplicable => "n/a".to_string(),
        Status::NoData => "no data".to_string(),
    }
}

/// The margin of a requirement on a plain number, such as a count of
/// members (`count(core_floor) >= 20`): `+2`, `-7`, `exactly`.
pub fn count_margin(result: &RequirementResult) -> Option<String> {
    let margin = result.margin.filter(|_| result.unit == "number")?;
    Some(if margin.is_zero() {
        "exactly".to_string()
    } else if margin.is_sign_negative() {
        plain(margin)
    } else {
        format!("+{}", plain(margin))
    })
}

/// Years as ranges: `2014-2023`, `2014-2020, 2022`.
pub fn year_ranges(years: &[i32]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut start: Option<i32> = None;
    let mut previous = None;
    for &year in years.iter().chain(std::iter::once(&i32::MIN)) {
        match (start, previous) {
            (Some(_), Some(p)) if year == p + 1 => {}
            (Some(s), Some(p)) => {
                parts.push(if s == p {
                    s.to_string()
                } else {
                    format!("{s}-{p}")
                });
                start = Some(year);
            }
            _ => start = Some(year),
        }
        previous = Some(year);
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap_or_default()
    }

    /// `plain` writes what `normalize().to_string()` writes, for decimals
    /// of every scale, sign and size (a fixed sequence of them).
    #[test]
    fn plain_is_the_normalized_display() {
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut checked = 0;
        for case in 0..200_000u64 {
            let r = next();
            // Mantissas of every length, from none to all 96 bits.
            let bits = (case % 97) as u32;
            let wide = (u128::from(r) << 64 | u128::from(next())) & ((1u128 << 96) - 1);
            let mantissa = if bits == 0 { 0 } else { wide >> (96 - bits) };
            let scale = (next() % 29) as u32;
            let negative = next() % 2 == 0;
            let value = Decimal::from_parts(
                mantissa as u32,
                (mantissa >> 32) as u32,
                (mantissa >> 64) as u32,
                negative,
                scale,
            );
            assert_eq!(plain(value), value.normalize().to_string(), "{value:?}");
            checked += 1;
        }
        for text in [
            "0", "-0", "0.000", "-0.00", "1.50", "100", "-100.0", "0.05", "123.456",
        ] {
            assert_eq!(plain(d(text)), d(text).normalize().to_string(), "{text}");
        }
        for value in [
            Decimal::MAX,
            Decimal::MIN,
            Decimal::new(1, 28),
            Decimal::new(-1, 28),
        ] {
            assert_eq!(plain(value), value.normalize().to_string());
        }
        assert_eq!(checked, 200_000);
    }

    #[test]
    fn formats_for_people() {
        assert_eq!(money(d("1234567.25")), "1,234,567.3");
        assert_eq!(money(d("-999.94")), "-999.9");
        assert_eq!(percent(d("0.021549")), "2.15%");
        assert_eq!(points(d("-0.005")), "-0.01");
        assert_eq!(points(d("0.004")), "+0.00");
        assert_eq!(points(d("-0.004")), "+0.00");
        assert_eq!(fixed(d("2"), 2), "2.00");
        assert_eq!(
            money_in(d("17707"), "USD million, constant 2015 prices"),
            "17,707.0 USD million (2015 prices)"
        );
        assert_eq!(
            money_in(d("1.25"), "EUR million (fictional)"),
            "1.3 EUR million (fictional)"
        );
    }
}
