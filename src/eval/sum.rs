//! Adding up the amounts of a category: the same decimal sums as adding one
//! `Decimal` after the other, computed on integers where that is exact.
//!
//! A sum of decimals is exact as long as it fits in the 96 bits of a
//! `Decimal`; its scale is then the largest scale of the terms that are not
//! zero (a zero term leaves the sum as it is, and a sum that is still zero
//! takes the next term as it is). `Fixed` keeps the terms as integers at one
//! working scale and gives up (so that the caller adds `Decimal`s instead)
//! on anything outside that case: a negative term, a scale above the working
//! scale, or a total that might not fit.

use rust_decimal::Decimal;

/// Where a sum stops being certainly exact: 10^27 is below 2^96.
const LIMIT: i128 = 1_000_000_000_000_000_000_000_000_000;

/// Powers of ten up to the largest scale a `Decimal` has.
#[allow(clippy::indexing_slicing)] // Evaluated at compile time, indices below 29.
const POWERS: [i128; 29] = {
    let mut powers = [1i128; 29];
    let mut i = 1;
    while i < 29 {
        powers[i] = powers[i - 1] * 10;
        i += 1;
    }
    powers
};

fn power(exponent: u32) -> Option<i128> {
    POWERS.get(exponent as usize).copied()
}

/// `digits * power` when it fits. Amounts and powers of ten below 2^64
/// (nearly all) are multiplied as 64-bit numbers into 128 bits, which
/// cannot overflow; others with the general overflow check.
#[inline]
fn scale_up(digits: i128, power: i128) -> Option<i128> {
    match (u64::try_from(digits), u64::try_from(power)) {
        (Ok(d), Ok(p)) => i128::try_from(u128::from(d) * u128::from(p)).ok(),
        _ => digits.checked_mul(power),
    }
}

/// A running sum of decimals.
pub(crate) trait Total {
    fn add(&mut self, term: Decimal);
    /// The sum and whether a term could not be added (it overflowed; the
    /// sum is then that of the terms before and after it), or `None` when
    /// this way of adding cannot tell the exact sum.
    fn value(&self) -> Option<(Decimal, bool)>;
}

/// One `Decimal` added after the other (the reference).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plain {
    total: Decimal,
    overflow: bool,
}

impl Plain {
    pub(crate) fn new() -> Plain {
        Plain {
            total: Decimal::ZERO,
            overflow: false,
        }
    }
}

impl Total for Plain {
    fn add(&mut self, term: Decimal) {
        match self.total.checked_add(term) {
            Some(sum) => self.total = sum,
            None => self.overflow = true,
        }
    }

    fn value(&self) -> Option<(Decimal, bool)> {
        Some((self.total, self.overflow))
    }
}

/// Non-negative terms as integers at `scale`; `exact` turns false when the
/// result could differ from `Plain`'s.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fixed {
    scale: u32,
    total: i128,
    /// The largest scale of a term that is not zero.
    largest: u32,
    /// Whether a term that is not zero was added.
    nonzero: bool,
    /// The last zero term before the first that is not zero.
    zero: Decimal,
    pub(crate) exact: bool,
}

impl Fixed {
    pub(crate) fn new(scale: u32) -> Fixed {
        Fixed {
            scale,
            total: 0,
            largest: 0,
            nonzero: false,
            zero: Decimal::ZERO,
            exact: scale < 29,
        }
    }
}

impl Total for Fixed {
    #[inline]
    fn add(&mut self, term: Decimal) {
        if term.is_zero() {
            if !self.nonzero {
                self.zero = term;
            }
            return;
        }
        let scale = term.scale();
        let scaled = self
            .scale
            .checked_sub(scale)
            .and_then(power)
            .filter(|_| term.is_sign_positive())
            .and_then(|p| scale_up(term.mantissa(), p))
            .and_then(|m| self.total.checked_add(m))
            .filter(|t| *t < LIMIT);
        match scaled {
            Some(total) => {
                self.total = total;
                self.largest = self.largest.max(scale);
                self.nonzero = true;
            }
            None => self.exact = false,
        }
    }

    fn value(&self) -> Option<(Decimal, bool)> {
        if !self.exact {
            return None;
        }
        if !self.nonzero {
            return Some((self.zero, false));
        }
        // Every term had a scale of at most `largest`, so the division is exact.
        let divisor = self.scale.checked_sub(self.largest).and_then(power)?;
        let total =
            Decimal::try_from_i128_with_scale(self.total.checked_div(divisor)?, self.largest);
        total.ok().map(|t| (t, false))
    }
}

/// The total of every item of a country-year, and whether it could not be
/// added exactly.
pub(crate) fn input_total(amounts: &[Decimal], fixed_scale: Option<u32>) -> (Decimal, bool) {
    fn add<T: Total>(amounts: &[Decimal], mut all: T) -> Option<(Decimal, bool)> {
        for &amount in amounts {
            all.add(amount);
        }
        all.value()
    }
    fixed_scale
        .and_then(|scale| add(amounts, Fixed::new(scale)))
        .or_else(|| add(amounts, Plain::new()))
        .unwrap_or((Decimal::ZERO, true))
}

/// The working scale of integer sums for a country-year: the largest
/// scale of its amounts plus the largest of the clause weights; `None`
/// when an amount is negative (sums on integers assume none is).
pub(crate) fn fixed_scale(
    weights: impl Iterator<Item = Decimal>,
    amounts: &[Decimal],
) -> Option<u32> {
    let mut largest = 0;
    for &amount in amounts {
        if amount.is_sign_negative() && !amount.is_zero() {
            return None;
        }
        largest = largest.max(amount.scale());
    }
    // The clause weights of the country's bodies (an `exclude` clause's
    // zero changes no scale).
    let mut weight_scale = 0;
    for weight in weights {
        if weight.is_sign_negative() || weight > Decimal::ONE {
            return None;
        }
        weight_scale = weight_scale.max(weight.scale());
    }
    Some(largest + weight_scale).filter(|s| *s <= 28)
}

/// The amounts of a country-year as integers at the working scale, when
/// every amount that is not zero is positive and has the same scale and
/// their total fits: then any selection of them adds up, on integers, to
/// what `Fixed` (and so `Plain`) gives for it, without looking at the
/// decimals again.
#[derive(Debug, Clone)]
pub(crate) struct Scaled {
    scale: u32,
    /// The scale of every amount that is not zero.
    common: u32,
    /// Each amount at `scale` (zero for a zero amount).
    pub(crate) values: Vec<i128>,
    /// The sum of `values`.
    pub(crate) total: i128,
}

impl Scaled {
    pub(crate) fn new(amounts: &[Decimal], scale: u32) -> Option<Scaled> {
        let mut common = None;
        let mut values = Vec::with_capacity(amounts.len());
        let mut total: i128 = 0;
        for &amount in amounts {
            if amount.is_zero() {
                values.push(0);
                continue;
            }
            let own = amount.scale();
            if !amount.is_sign_positive() || *common.get_or_insert(own) != own {
                return None;
            }
            let value = scale
                .checked_sub(own)
                .and_then(power)
                .and_then(|p| scale_up(amount.mantissa(), p))?;
            total = total.checked_add(value).filter(|t| *t < LIMIT)?;
            values.push(value);
        }
        Some(Scaled {
            scale,
            common: common.unwrap_or(0),
            values,
            total,
        })
    }

    /// The sum of some of the amounts, given the sum of their `values`: what
    /// `Fixed` gives when they are added one after the other. A sum of zero
    /// is the last amount added (all of them zero), which `last_zero` gives
    /// (`Decimal::ZERO` when none was added).
    pub(crate) fn value(
        &self,
        total: i128,
        last_zero: impl FnOnce() -> Decimal,
    ) -> Option<(Decimal, bool)> {
        if total == 0 {
            return Some((last_zero(), false));
        }
        let divisor = self.scale.checked_sub(self.common).and_then(power)?;
        let total = Decimal::try_from_i128_with_scale(total.checked_div(divisor)?, self.common);
        total.ok().map(|t| (t, false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn both(terms: &[&str], scale: u32) -> (Option<String>, Option<String>) {
        let mut plain = Plain::new();
        let mut fixed = Fixed::new(scale);
        for t in terms {
            let Ok(d) = Decimal::from_str(t) else {
                return (None, None);
            };
            plain.add(d);
            fixed.add(d);
        }
        (
            plain.value().map(|(d, _)| d.to_string()),
            fixed.value().map(|(d, _)| d.to_string()),
        )
    }

    #[test]
    fn fixed_sums_are_the_decimal_sums_with_their_scales() {
        for terms in [
            &["1.5", "2", "3.25"][..],
            &["0.00", "0.0"],
            &["0.000", "1.5", "0", "0.00"],
            &["-0.0"],
            &["10", "20"],
            &["0.10", "0.20"],
            &[],
        ] {
            let (plain, fixed) = both(terms, 3);
            assert_eq!(plain, fixed, "{terms:?}");
        }
    }

    #[test]
    fn scaled_selections_add_up_to_the_decimal_sums() {
        let lists: [&[&str]; 8] = [
            &["1.5", "2.5", "0.0", "0", "3.0"],
            &["0.00", "0.0", "-0.0"],
            &["-0.0", "1.25", "0.000", "7.50"],
            &["10", "20", "0"],
            &[],
            &["1.5", "2.25"],
            &["-1.5", "2.5"],
            &["0.5", "0.25"],
        ];
        for terms in lists {
            let amounts: Vec<Decimal> = terms.iter().filter_map(|t| t.parse().ok()).collect();
            for scale in [0, 1, 2, 4] {
                let Some(scaled) = Scaled::new(&amounts, scale) else {
                    // Mixed or negative amounts, or a scale too small.
                    let mut all = Fixed::new(scale);
                    amounts.iter().for_each(|&a| all.add(a));
                    let same_scale = amounts
                        .iter()
                        .filter(|a| !a.is_zero())
                        .map(|a| a.scale())
                        .collect::<std::collections::BTreeSet<_>>()
                        .len()
                        <= 1;
                    assert!(all.value().is_none() || !same_scale, "{terms:?} at {scale}");
                    continue;
                };
                for selection in 0..1u32 << amounts.len() {
                    let chosen: Vec<Decimal> = (0..amounts.len())
                        .filter(|i| selection & (1 << i) != 0)
                        .filter_map(|i| amounts.get(i).copied())
                        .collect();
                    let mut plain = Plain::new();
                    chosen.iter().for_each(|&a| plain.add(a));
                    let total: i128 = (0..amounts.len())
                        .filter(|i| selection & (1 << i) != 0)
                        .filter_map(|i| scaled.values.get(i))
                        .sum();
                    let last = chosen.last().copied().unwrap_or(Decimal::ZERO);
                    let show = |v: Option<(Decimal, bool)>| v.map(|(d, o)| (d.to_string(), o));
                    assert_eq!(
                        show(scaled.value(total, || last)),
                        show(plain.value()),
                        "{chosen:?} of {terms:?} at {scale}"
                    );
                }
                let all: i128 = scaled.values.iter().sum();
                assert_eq!(all, scaled.total);
            }
        }
    }

    #[test]
    fn scaling_up_is_the_checked_product() {
        let values = [
            0i128,
            1,
            7,
            u64::MAX as i128,
            u64::MAX as i128 + 1,
            i64::MAX as i128,
            LIMIT,
            i128::MAX / 10,
            i128::MAX,
        ];
        for &digits in &values {
            for exponent in 0..29 {
                let p = power(exponent).unwrap_or(1);
                assert_eq!(scale_up(digits, p), digits.checked_mul(p), "{digits} * {p}");
            }
            for &other in &values {
                assert_eq!(scale_up(digits, other), digits.checked_mul(other));
            }
        }
    }

    #[test]
    fn fixed_gives_up_where_it_could_differ() {
        let mut fixed = Fixed::new(2);
        fixed.add(Decimal::new(-15, 1));
        assert!(fixed.value().is_none());
        let mut fixed = Fixed::new(2);
        fixed.add(Decimal::new(15, 3));
        assert!(fixed.value().is_none());
        let mut fixed = Fixed::new(0);
        for _ in 0..3 {
            fixed.add(Decimal::from_i128_with_scale(LIMIT / 2, 0));
        }
        assert!(fixed.value().is_none());
    }
}
