//! Evaluating one requirement for one country and year into exactly one of
//! the five outcomes.

use rust_decimal::Decimal;

use super::engine::{compare, Engine, Missing};
use super::outcome::{unit_name, Status};
use crate::ast::CompareOp;
use crate::program::*;

/// The outcome before it is labelled with pledge and country names.
#[derive(Debug, Clone)]
pub struct Evaluated {
    pub status: Status,
    pub value: Option<Decimal>,
    pub threshold: Option<Decimal>,
    pub margin: Option<Decimal>,
    pub margin_pp: Option<Decimal>,
    /// What `margin_pp` is a percentage of (`gdp`, or the base of `x% of base`).
    pub margin_basis: String,
    /// For a requirement not met whose compared category is part of the
    /// base of its threshold (`major_equipment >= 20% of defence`).
    pub base_growth: Option<BaseGrowth>,
    pub unit: &'static str,
    pub reason: Option<String>,
    pub rule: String,
    pub country_specific: bool,
    pub would_be_met: Option<bool>,
}

impl Evaluated {
    fn simple(status: Status, reason: String, rule: String, country_specific: bool) -> Evaluated {
        Evaluated {
            status,
            value: None,
            threshold: None,
            margin: None,
            margin_pp: None,
            margin_basis: String::new(),
            base_growth: None,
            unit: "",
            reason: Some(reason),
            rule,
            country_specific,
            would_be_met: None,
        }
    }
}

/// The body of a requirement that applies to a country, if any.
pub fn body_for<'p>(
    requirement: &'p Requirement,
    code: &str,
) -> Option<(&'p RequirementBody, bool)> {
    requirement
        .scoped
        .iter()
        .rev()
        .find(|(countries, _)| countries.contains(code))
        .map(|(_, body)| (body, true))
        .or_else(|| requirement.body.as_ref().map(|b| (b, false)))
}

/// A requirement body applied to one country and year: what its outcome is
/// computed from and labelled with.
#[derive(Clone, Copy)]
struct Case<'e, 'a> {
    engine: &'e Engine<'a>,
    country: u16,
    year: i32,
    /// The text of the body, the outcome's `rule`.
    rule: &'e str,
    country_specific: bool,
}

impl Case<'_, '_> {
    /// An outcome without figures.
    fn simple(&self, status: Status, reason: String) -> Evaluated {
        Evaluated::simple(status, reason, self.rule.to_string(), self.country_specific)
    }

    fn no_data(&self, missing: Missing) -> Evaluated {
        self.simple(Status::NoData, missing.reason)
    }

    fn eval(&self, expr: &TExpr) -> Result<Decimal, Missing> {
        self.engine.eval(expr, self.country, self.year)
    }

    fn year_of(&self, spec: &YearSpec) -> Result<i32, Missing> {
        self.engine.year_spec(spec, self.country, self.year)
    }
}

pub fn evaluate(
    engine: &Engine<'_>,
    requirement: RequirementId,
    country: u16,
    year: i32,
) -> Evaluated {
    let engine = engine.view_for(requirement);
    let Some(req) = engine.program.requirement(requirement) else {
        return Evaluated::simple(
            Status::NoData,
            "unknown requirement".into(),
            String::new(),
            false,
        );
    };
    let code = engine.country_code(country);
    let Some((body, country_specific)) = body_for(req, code) else {
        return Evaluated::simple(
            Status::NotApplicable,
            format!(
                "`{}` applies only to the countries named in its `for` block",
                req.id
            ),
            String::new(),
            false,
        );
    };
    let case = Case {
        engine,
        country,
        year,
        rule: &body.text,
        country_specific,
    };
    let spec = engine.data.country_spec(country);
    match spec.and_then(|s| s.member_from) {
        Some(joined) if joined <= year => {}
        Some(joined) => {
            return case.simple(
                Status::NotApplicable,
                format!("{code} joined NATO in {joined}"),
            )
        }
        None => return case.simple(Status::NotApplicable, format!("{code} is not a member")),
    }
    // A member for which the source reports no expenditure at all.
    let no_expenditure = spec
        .and_then(|s| s.no_expenditure.clone())
        .filter(|_| !engine.data.has_items(country, year));
    let outcome = match &body.kind {
        RequirementKind::Compare {
            left,
            op,
            right,
            from,
            until,
        } => compare_outcome(
            case,
            (left, *op, right),
            (from.as_ref(), until.as_ref()),
            no_expenditure,
        ),
        RequirementKind::Path {
            value,
            target,
            by,
            from,
        } => path_outcome(case, (value, target), (from, by), no_expenditure),
    };
    outcome.unwrap_or_else(|missing| case.no_data(missing))
}

/// The outcome of `left op right`, applied between the years `from` and
/// `until` when they are given; `Err` when a figure it needs is unknown.
fn compare_outcome(
    case: Case<'_, '_>,
    (left, op, right): (&TExpr, CompareOp, &TExpr),
    (from, until): (Option<&YearSpec>, Option<&YearSpec>),
    no_expenditure: Option<String>,
) -> Result<Evaluated, Missing> {
    if let Some(from) = from {
        let start = case.year_of(from)?;
        if case.year < start {
            return Ok(if no_expenditure.is_some() {
                case.simple(Status::NotYetDue, format!("due from {start}"))
            } else {
                not_yet_due(case, (left, op, right), start)
            });
        }
    }
    if let Some(until) = until {
        let end = case.year_of(until)?;
        if case.year > end {
            return Ok(case.simple(Status::NotApplicable, format!("applied until {end}")));
        }
    }
    if let Some(reason) = no_expenditure {
        return Ok(case.simple(Status::NoData, reason));
    }
    let value = case.eval(left)?;
    let threshold = case.eval(right)?;
    let mut evaluated = finish(case, value, op, threshold, left.ty, basis_of(right));
    if evaluated.status == Status::NotMet {
        if let Some(margin) = evaluated.margin {
            evaluated.base_growth = base_growth(
                case.engine,
                left,
                op,
                right,
                margin,
                case.country,
                case.year,
            );
        }
    }
    Ok(evaluated)
}

/// The outcome of a path from `value` in the year `from` to `target` by the
/// year `by`; `Err` when a figure it needs is unknown.
fn path_outcome(
    case: Case<'_, '_>,
    (value, target): (&TExpr, &TExpr),
    (from, by): (&YearSpec, &YearSpec),
    no_expenditure: Option<String>,
) -> Result<Evaluated, Missing> {
    let base = case.year_of(from)?;
    let end = case.year_of(by)?;
    if case.year < base {
        return Ok(case.simple(Status::NotYetDue, format!("the path starts in {base}")));
    }
    if let Some(reason) = no_expenditure {
        return Ok(case.simple(Status::NoData, reason));
    }
    let (actual, required) = path_point(
        case.engine,
        value,
        target,
        base,
        end,
        case.country,
        case.year,
    )?;
    Ok(finish(
        case,
        actual,
        CompareOp::Ge,
        required,
        value.ty,
        basis_of(target),
    ))
}

/// Joins "due from 2035" and why the margin it would have now is unknown.
pub const NOW_MISSING: &str = "; where it stands now is unknown: ";

/// A requirement not due yet in `year`: with the margin it would have if it
/// were due, when the data allow, so that a reader sees where a country
/// stands today.
fn not_yet_due(
    case: Case<'_, '_>,
    (left, op, right): (&TExpr, CompareOp, &TExpr),
    start: i32,
) -> Evaluated {
    let reason = format!("due from {start}");
    match (case.eval(left), case.eval(right)) {
        (Ok(value), Ok(threshold)) => {
            let mut evaluated = finish(case, value, op, threshold, left.ty, basis_of(right));
            evaluated.would_be_met = Some(evaluated.status == Status::Met);
            evaluated.status = Status::NotYetDue;
            evaluated.reason = Some(reason);
            evaluated
        }
        (Err(missing), _) | (_, Err(missing)) => case.simple(
            Status::NotYetDue,
            format!("{reason}{NOW_MISSING}{}", missing.reason),
        ),
    }
}

/// The actual value and the point on the straight line for `year`. For
/// amounts the line runs in shares of GDP (from the share in the base year
/// to the target's share), so that GDP growth does not bend it.
pub fn path_point(
    engine: &Engine<'_>,
    value: &TExpr,
    target: &TExpr,
    base: i32,
    end: i32,
    country: u16,
    year: i32,
) -> Result<(Decimal, Decimal), Missing> {
    let actual = engine.eval(value, country, year)?;
    let goal = engine.eval(target, country, year)?;
    if year >= end || end <= base {
        return Ok((actual, goal));
    }
    let start = engine.eval(value, country, base)?;
    let done = Decimal::from(year - base);
    let to_go = Decimal::from(end - year);
    let span = Decimal::from(end - base);
    let overflow = || Missing::new("the path is too large to compute exactly");
    if value.ty == Type::Money {
        let gdp_base = engine.indicator("gdp", country, base)?;
        let gdp_now = engine.indicator("gdp", country, year)?;
        if gdp_base.is_zero() || gdp_now.is_zero() {
            return Err(Missing::new("GDP is zero"));
        }
        // share(y) = s0 + (g - s0) × done / span, with s0 = start / gdp_base
        // and g = goal / gdp_now; times gdp_now, with one division at the end:
        // (start × gdp_now × to_go + goal × gdp_base × done) / (gdp_base × span).
        let numerator = start
            .checked_mul(gdp_now)
            .and_then(|x| x.checked_mul(to_go))
            .and_then(|x| {
                goal.checked_mul(gdp_base)?
                    .checked_mul(done)?
                    .checked_add(x)
            })
            .ok_or_else(overflow)?;
        let denominator = gdp_base.checked_mul(span).ok_or_else(overflow)?;
        Ok((
            actual,
            numerator.checked_div(denominator).ok_or_else(overflow)?,
        ))
    } else {
        let numerator = start
            .checked_mul(to_go)
            .and_then(|x| goal.checked_mul(done)?.checked_add(x))
            .ok_or_else(overflow)?;
        Ok((actual, numerator.checked_div(span).ok_or_else(overflow)?))
    }
}

/// What meeting `part >= share of base` needs when `part` is a part of
/// `base` (`within` it, directly or through other parts): money added to
/// `part` is counted in `base` too, so the threshold rises with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseGrowth {
    /// The category compared (`major_equipment`).
    pub part: String,
    /// The category the share is of (`defence`).
    pub base: String,
    /// The share asked for, as a fraction (`0.2`).
    pub share: Decimal,
    /// The spending to add to `part` (to cut from it, for an upper limit),
    /// which adds (cuts) the same in `base`: x solves
    /// `part + x = share × (base + x)`, so x = shortfall ÷ (1 − share).
    /// `None` when the share is 100% or more: adding to `part` alone never
    /// meets it. The other way to meet it, moving the shortfall itself from
    /// the rest of `base` into `part`, keeps `base` as it is.
    pub to_add: Option<Decimal>,
}

/// `part` is `base` or lies within it, through `within` links only, and no
/// category on the way has a cap (a cap would stop added money counting).
fn part_of(engine: &Engine<'_>, part: CategoryId, base: CategoryId, country: u16) -> bool {
    let bodies = engine.bodies(country);
    let uncapped = |c: CategoryId| bodies.get(c.index()).is_some_and(|b| b.caps.is_empty());
    let mut at = part;
    for _ in 0..=engine.program.categories().len() {
        if !uncapped(at) {
            return false;
        }
        if at == base {
            return true;
        }
        match engine.program.category(at).and_then(|c| c.within) {
            Some(parent) => at = parent,
            None => return false,
        }
    }
    false
}

fn base_growth(
    engine: &Engine<'_>,
    left: &TExpr,
    op: CompareOp,
    right: &TExpr,
    margin: Decimal,
    country: u16,
    year: i32,
) -> Option<BaseGrowth> {
    if !matches!(
        op,
        CompareOp::Ge | CompareOp::Gt | CompareOp::Le | CompareOp::Lt
    ) {
        return None;
    }
    let TExprKind::Category(part) = left.kind else {
        return None;
    };
    let TExprKind::Mul(a, b) = &right.kind else {
        return None;
    };
    let (share, base) = match (&a.kind, &b.kind) {
        (_, TExprKind::Category(base)) if a.ty == Type::Ratio => (a, *base),
        (TExprKind::Category(base), _) if b.ty == Type::Ratio => (b, *base),
        _ => return None,
    };
    if part == base || !part_of(engine, part, base, country) {
        return None;
    }
    let share = engine.eval(share, country, year).ok()?;
    let name = |c: CategoryId| engine.program.category(c).map(|c| c.id.clone());
    let shortfall = -margin;
    let to_add = Some(Decimal::ONE - share)
        .filter(|rest| *rest > Decimal::ZERO)
        .and_then(|rest| shortfall.checked_div(rest));
    Some(BaseGrowth {
        part: name(part)?,
        base: name(base)?,
        share,
        to_add,
    })
}

/// The amount a threshold such as `20% of defence` is a share of: margins
/// are then given in points of that amount (`None`: points of GDP).
fn basis_of(threshold: &TExpr) -> Option<&TExpr> {
    if let TExprKind::Mul(a, b) = &threshold.kind {
        match (a.ty, b.ty) {
            (Type::Ratio, Type::Money) => return Some(b),
            (Type::Money, Type::Ratio) => return Some(a),
            _ => {}
        }
    }
    None
}

fn finish(
    case: Case<'_, '_>,
    value: Decimal,
    op: CompareOp,
    threshold: Decimal,
    ty: Type,
    basis: Option<&TExpr>,
) -> Evaluated {
    let Case {
        engine,
        country,
        year,
        ..
    } = case;
    let met = compare(value, op, threshold);
    let margin = match op {
        CompareOp::Le | CompareOp::Lt => threshold - value,
        CompareOp::Eq | CompareOp::Ne | CompareOp::Ge | CompareOp::Gt => value - threshold,
    };
    let (margin_pp, margin_basis) = match ty {
        Type::Money => {
            let (base, name) = match basis {
                Some(expr) => (engine.eval(expr, country, year).ok(), engine.describe(expr)),
                None => (
                    engine.indicator("gdp", country, year).ok(),
                    "gdp".to_string(),
                ),
            };
            let pp = base
                .filter(|b| !b.is_zero())
                .and_then(|b| margin.checked_div(b)?.checked_mul(Decimal::ONE_HUNDRED));
            (pp, name)
        }
        Type::Ratio => (
            margin.checked_mul(Decimal::ONE_HUNDRED),
            "points of the share".to_string(),
        ),
        _ => (None, String::new()),
    };
    Evaluated {
        status: if met { Status::Met } else { Status::NotMet },
        value: Some(value),
        threshold: Some(threshold),
        margin: Some(margin),
        margin_pp,
        margin_basis,
        base_growth: None,
        // Measured on published shares, an "amount" is a share of GDP.
        unit: if ty == Type::Money && engine.in_shares(country, year) {
            "share_of_gdp"
        } else {
            unit_name(ty)
        },
        reason: None,
        rule: case.rule.to_string(),
        country_specific: case.country_specific,
        would_be_met: None,
    }
}
