//! Number formatting for people. Rounding happens only here, for display;
//! every computation before it is exact.

use rust_decimal::{Decimal, RoundingStrategy};

/// `1,234.5` (one decimal, thousands separated).
pub fn money(value: Decimal) -> String {
    grouped(value, 1)
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
        _ => value.normalize().to_string(),
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
    let text = fixed(value, places);
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    let mut out = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    match fraction {
        Some(f) => format!("{sign}{out}.{f}"),
        None => format!("{sign}{out}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap_or_default()
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
    }
}
