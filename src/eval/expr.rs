//! Expression values: parameters, years, indicators, alliance totals and `count`.

use rust_decimal::Decimal;

use crate::ast::CompareOp;
use crate::program::*;

use super::engine::*;
use super::requirement;

impl<'a> Engine<'a> {
    /// A parameter's value for a country and year.
    pub fn param(&self, param: ParamId, country: u16, year: i32) -> Value {
        self.param_at_depth(param, country, year, 0)
    }

    pub(crate) fn param_at_depth(
        &self,
        param: ParamId,
        country: u16,
        year: i32,
        depth: usize,
    ) -> Value {
        let Some(p) = self.program.param(param) else {
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

    pub(crate) fn year_spec_at_depth(
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

    pub(crate) fn eval_with(
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
                Some(done) => done.get(c.index()).map_or_else(
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
                .category(*c)
                .map_or(String::new(), |c| c.id.clone()),
            TExprKind::Param(p) => self
                .program
                .param(*p)
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

    pub(crate) fn count(&self, requirement: RequirementId, year: i32) -> Value {
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
            let outcome = requirement::evaluate(self, requirement, country, year);
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

pub(crate) fn checked(value: Option<Decimal>) -> Value {
    value.ok_or_else(|| Missing::new("the result is too large to compute exactly"))
}

pub(crate) fn number_literal(value: &Literal) -> Option<Decimal> {
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
