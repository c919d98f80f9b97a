//! What-if: the parameter values at which an ally's outcome flips (`pledge distance --param`).

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use super::*;
use crate::analysis::Prepared;
use crate::data::Dataset;
use crate::eval::engine::Engine;
use crate::eval::outcome::{PledgeOutcome, Status};
use crate::eval::requirement::{self, Evaluated};
use crate::program::{Checked, RequirementId, Type};

/// Which values of the parameter meet the requirement, around a flip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Side {
    AtMost,
    Below,
    AtLeast,
    Above,
    OnlyAt,
    ExceptAt,
}

/// A run of whole-year values with one status, found by scanning.
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct Run {
    /// The first and last value of the run, in ascending order.
    pub(crate) from: i64,
    pub(crate) to: i64,
    pub(crate) status: Status,
    /// The run reaches the end of the window tried.
    pub(crate) open_ended: bool,
}

#[derive(Debug, Clone)]
pub(crate) enum Finding {
    /// The outcome flips at `value`.
    Flip {
        value: Decimal,
        /// The margin is exactly zero at `value`.
        exact: bool,
        /// The margin changed in proportion to the parameter at the three
        /// first trial values, and the first solution was the flip.
        linear: bool,
        side: Side,
    },
    /// The margin is the same at every trial value.
    NoEffect,
    /// No flip found.
    NotFound { reason: String },
    /// A year parameter: the nearest change of status later and earlier.
    Scan {
        low: i64,
        high: i64,
        later: Option<Run>,
        earlier: Option<Run>,
    },
}

/// The answer to one question: the values of the parameter at which the
/// outcome changes.
#[derive(Debug, Clone)]
pub(crate) struct BreakEven {
    pub(crate) question: Question,
    pub(crate) finding: Finding,
}

/// One question: a requirement for an ally in a year.
#[derive(Debug, Clone)]
pub(crate) struct Question {
    pub(crate) pledge: usize,
    pub(crate) requirement: RequirementId,
    pub(crate) requirement_id: String,
    pub(crate) country_code: String,
    pub(crate) country: u16,
    pub(crate) year: i32,
    pub(crate) status: Status,
    pub(crate) now: Option<Decimal>,
}

/// Evaluates one requirement for one ally and year under the rules of
/// `checked`.
pub(crate) fn evaluate_one(checked: &Checked, data: &Dataset, q: &Question) -> Option<Evaluated> {
    let engine = Engine::for_pledge(checked, q.pledge, data)?.amounts_only();
    Some(requirement::evaluate(
        &engine,
        q.requirement,
        q.country,
        q.year,
    ))
}

/// Rules at trial values of the parameter, kept for reuse.
pub(crate) struct Trials<'a> {
    pub(crate) base: &'a Checked,
    pub(crate) data: &'a Dataset,
    pub(crate) param: &'a ParamInfo,
    pub(crate) kept: BTreeMap<Decimal, Checked>,
}

impl Trials<'_> {
    /// The rules at `value`, or why the value cannot be set.
    pub(crate) fn rules_at(&self, value: Decimal) -> Result<Checked, String> {
        with_value(self.base, self.param, value).map_err(|problems| {
            let messages: Vec<String> = problems.iter().map(WhatIfProblem::message).collect();
            messages.join("; ")
        })
    }

    /// Builds the rules at `value` once, for the trial values every
    /// question starts from.
    pub(crate) fn keep(&mut self, value: Decimal) -> Result<(), String> {
        if !self.kept.contains_key(&value) {
            let checked = self.rules_at(value)?;
            self.kept.insert(value, checked);
        }
        Ok(())
    }

    /// The status and margin at `value`; kept values are reused.
    pub(crate) fn at(
        &self,
        value: Decimal,
        q: &Question,
    ) -> Result<(Status, Option<Decimal>), String> {
        let evaluated = match self.kept.get(&value) {
            Some(checked) => evaluate_one(checked, self.data, q),
            None => evaluate_one(&self.rules_at(value)?, self.data, q),
        };
        let evaluated = evaluated.ok_or_else(|| "the pledge cannot be evaluated".to_string())?;
        Ok((evaluated.status, evaluated.margin))
    }

    /// The margin at `value`, or why the outcome there is neither met nor
    /// not met.
    pub(crate) fn margin(&self, value: Decimal, q: &Question) -> Result<(Status, Decimal), String> {
        let (status, margin) = self.at(value, q)?;
        match (status, margin) {
            (Status::Met | Status::NotMet, Some(m)) => Ok((status, m)),
            _ => Err(format!(
                "at {}={} the outcome is {}",
                self.param.name,
                written(value, self.param.ty),
                status.words()
            )),
        }
    }

    /// The trial at `value`: the outcome there and the margin.
    pub(crate) fn point(&self, value: Decimal, q: &Question) -> Result<Point, String> {
        let (status, margin) = self.margin(value, q)?;
        Ok(Point {
            x: value,
            met: status == Status::Met,
            margin,
        })
    }

    pub(crate) fn met(&self, value: Decimal, q: &Question) -> Result<bool, String> {
        self.at(value, q).map(|(s, _)| s == Status::Met)
    }
}

/// The distance between trial values: one point of a share, a tenth of an
/// amount or number (at least 1).
pub(crate) fn trial_step(center: Decimal, ty: Type) -> Decimal {
    match ty {
        Type::Ratio => Decimal::new(1, 2),
        _ => {
            let tenth = center.abs() / Decimal::TEN;
            if tenth < Decimal::ONE {
                Decimal::ONE
            } else {
                tenth.round_dp(6)
            }
        }
    }
}

/// The three first trial values: one step below, at and above the centre.
pub(crate) fn trial_points(center: Decimal, ty: Type) -> Option<[Decimal; 3]> {
    let step = trial_step(center, ty);
    Some([center.checked_sub(step)?, center, center.checked_add(step)?])
}

/// The root of the line through two points, rounded to `SOLUTION_PLACES`.
pub(crate) fn secant(a: (Decimal, Decimal), b: (Decimal, Decimal)) -> Option<Decimal> {
    let (xa, ma) = a;
    let (xb, mb) = b;
    let slope_run = xb.checked_sub(xa)?;
    let rise = mb.checked_sub(ma)?;
    if rise.is_zero() {
        return None;
    }
    let shift = mb.checked_mul(slope_run)?.checked_div(rise)?;
    let root = xb.checked_sub(shift)?;
    Some(root.round_dp_with_strategy(SOLUTION_PLACES, RoundingStrategy::MidpointNearestEven))
}

/// One trial: a value of the parameter, the outcome there and the margin.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Point {
    pub(crate) x: Decimal,
    pub(crate) met: bool,
    pub(crate) margin: Decimal,
}

/// Whether the outcome flips at `x`: the margin is zero there, or the
/// outcome differs one unit of the last kept decimal below and above it.
pub(crate) fn flip_at(trials: &Trials<'_>, q: &Question, at: Point) -> Option<Finding> {
    let unit = Decimal::new(1, SOLUTION_PLACES);
    let before = trials.met(at.x.checked_sub(unit)?, q).ok()?;
    let after = trials.met(at.x.checked_add(unit)?, q).ok()?;
    let exact = at.margin.is_zero();
    let side = match (before, at.met, after) {
        (true, true, false) => Side::AtMost,
        (true, false, false) => Side::Below,
        (false, true, true) => Side::AtLeast,
        (false, false, true) => Side::Above,
        (false, true, false) => Side::OnlyAt,
        (true, false, true) => Side::ExceptAt,
        _ => return None,
    };
    (exact || before != after).then_some(Finding::Flip {
        value: at.x,
        exact,
        linear: false,
        side,
    })
}

/// The flip at `at` as `flip_at` finds it, marked as found on a line
/// through the trial values where `linear`.
fn flip_found(trials: &Trials<'_>, q: &Question, at: Point, linear: bool) -> Option<Finding> {
    match flip_at(trials, q, at)? {
        Finding::Flip {
            value, exact, side, ..
        } => Some(Finding::Flip {
            value,
            exact,
            linear,
            side,
        }),
        _ => None,
    }
}

/// The break-even value of the parameter for one question.
///
/// Three trial values around the current one come first. Where the margin
/// is linear in the parameter, the line through two of them crosses zero at
/// the break-even value, which is then checked by evaluating there (margin
/// zero, or the outcome flips within one unit of the last decimal kept).
/// Where it is not linear (a cap that binds only above some value, say),
/// the search keeps two values with different outcomes and narrows them
/// down, by the line through them or by halving.
pub(crate) fn solve(trials: &Trials<'_>, center: Decimal, q: &Question) -> Finding {
    let [low, mid, high] = match first_trials(trials, center, q) {
        Ok(points) => points,
        Err(reason) => return Finding::NotFound { reason },
    };
    if low.margin == mid.margin && mid.margin == high.margin {
        return Finding::NoEffect;
    }
    let collinear = mid.margin.checked_sub(low.margin) == high.margin.checked_sub(mid.margin);
    // A trial value may itself be the break-even value.
    for point in [mid, low, high] {
        if point.margin.is_zero() {
            if let Some(flip) = flip_found(trials, q, point, collinear) {
                return flip;
            }
        }
    }
    let mut search = Search::new(low, mid, high);
    for trial in 0..MAX_TRIALS {
        let Some(x) = search.next_value(trial) else {
            break;
        };
        let point = match trials.point(x, q) {
            Ok(point) => point,
            Err(reason) => return Finding::NotFound { reason },
        };
        if let Some(flip) = flip_found(trials, q, point, collinear && trial == 0) {
            return flip;
        }
        if !search.narrow(point) {
            break;
        }
    }
    Finding::NotFound {
        reason: search.failure(trials.param, center, mid.met, collinear),
    }
}

/// The three first trials: one step below, at and above the centre.
fn first_trials(trials: &Trials<'_>, center: Decimal, q: &Question) -> Result<[Point; 3], String> {
    let Some([low, mid, high]) = trial_points(center, trials.param.ty) else {
        return Err("the value is too large to try".to_string());
    };
    Ok([
        trials.point(low, q)?,
        trials.point(mid, q)?,
        trials.point(high, q)?,
    ])
}

/// The search for a flip after the first three trials.
struct Search {
    /// Two values with different outcomes, once found.
    bracket: Option<(Point, Point)>,
    /// The last two values tried, for the line through them until there is
    /// a bracket.
    a: Point,
    b: Point,
    /// Every value tried.
    seen: Vec<Point>,
}

impl Search {
    fn new(low: Point, mid: Point, high: Point) -> Search {
        // Two values with different outcomes, nearest the current value first.
        let bracket = [(mid, high), (low, mid)]
            .into_iter()
            .find(|(a, b)| a.met != b.met);
        // Otherwise, extrapolate along the line through two values.
        let (a, b) = if high.margin != mid.margin {
            (mid, high)
        } else {
            (low, mid)
        };
        Search {
            bracket,
            a,
            b,
            seen: vec![low, mid, high],
        }
    }

    /// The next value to try: inside the bracket on the line through its
    /// ends (or halfway, every third trial or when the line leaves it), else
    /// on the line through the last two values. `None` when there is none.
    fn next_value(&self, trial: usize) -> Option<Decimal> {
        match self.bracket {
            Some((lo, hi)) => {
                let inside = secant((lo.x, lo.margin), (hi.x, hi.margin))
                    .filter(|x| *x > lo.x && *x < hi.x && trial % 3 != 2);
                let half = lo.x.checked_add(hi.x).map(|sum| {
                    (sum / Decimal::TWO).round_dp_with_strategy(
                        SOLUTION_PLACES,
                        RoundingStrategy::MidpointNearestEven,
                    )
                });
                match (inside, half) {
                    (Some(x), _) => Some(x),
                    (None, Some(half)) if half > lo.x && half < hi.x => Some(half),
                    _ => None,
                }
            }
            None => secant((self.a.x, self.a.margin), (self.b.x, self.b.margin)),
        }
    }

    /// Takes the trial at `point` into the search; `false` when the search
    /// cannot go on (no bracket, and the margin did not move).
    fn narrow(&mut self, point: Point) -> bool {
        match &mut self.bracket {
            Some((lo, hi)) => {
                if lo.met == point.met {
                    *lo = point;
                } else {
                    *hi = point;
                }
            }
            None => {
                // A value with the other outcome, nearest to this one.
                self.bracket = self
                    .seen
                    .iter()
                    .filter(|p| p.met != point.met)
                    .min_by_key(|p| {
                        p.x.checked_sub(point.x)
                            .map_or(Decimal::MAX, |distance| distance.abs())
                    })
                    .map(|p| {
                        if p.x < point.x {
                            (*p, point)
                        } else {
                            (point, *p)
                        }
                    });
                self.seen.push(point);
                if self.bracket.is_none() && point.margin == self.b.margin {
                    return false;
                }
                self.a = self.b;
                self.b = point;
            }
        }
        true
    }

    /// Why no flip was found: between the two ends of the bracket, or
    /// nowhere in the values tried.
    fn failure(&self, param: &ParamInfo, center: Decimal, met: bool, collinear: bool) -> String {
        match self.bracket {
            Some((lo, hi)) => format!(
                "the outcome changes between {} and {}, but no single value was found where it flips",
                shown(lo.x, param.ty),
                shown(hi.x, param.ty)
            ),
            None => {
                let tried = |pick: fn(Decimal, Decimal) -> Decimal| {
                    self.seen.iter().map(|p| p.x).reduce(pick).unwrap_or(center)
                };
                let status = if met { "met" } else { "not met" };
                format!(
                    "it is {status} at every value tried, from {} to {}{}",
                    shown(tried(Decimal::min), param.ty),
                    shown(tried(Decimal::max), param.ty),
                    if collinear {
                        String::new()
                    } else {
                        format!(
                            ", and the margin does not move in proportion to {}",
                            param.name
                        )
                    }
                )
            }
        }
    }
}

/// The first run of another status than `now`, going from `center` in
/// `direction` (+1 or -1) up to `end`.
pub(crate) fn scan_run(
    statuses: &BTreeMap<i64, Status>,
    now: Status,
    center: i64,
    end: i64,
) -> Option<Run> {
    let direction = if end >= center { 1 } else { -1 };
    let mut value = center;
    let mut first: Option<(i64, Status)> = None;
    let mut last = center;
    while value != end {
        value += direction;
        let Some(&status) = statuses.get(&value) else {
            break;
        };
        match first {
            None if status != now => {
                first = Some((value, status));
                last = value;
            }
            None => {}
            Some((_, run_status)) if status == run_status => last = value,
            Some(_) => break,
        }
    }
    let (start, status) = first?;
    let open_ended = last == end;
    let (from, to) = if direction > 0 {
        (start, last)
    } else {
        (last, start)
    };
    Some(Run {
        from,
        to,
        status,
        open_ended,
    })
}

/// Every country-year-requirement of the evaluated outcomes of the pledges
/// that have the parameter.
pub(crate) fn questions(
    prepared: &Prepared,
    outcomes: &[PledgeOutcome],
    param: &ParamInfo,
) -> Vec<Question> {
    let data = &prepared.dataset;
    let mut found = Vec::new();
    for (pledge_index, (program, outcome)) in
        prepared.checked.pledges().iter().zip(outcomes).enumerate()
    {
        let Some(param_id) = program.param_index(&param.name) else {
            continue;
        };
        let Some(engine) =
            Engine::for_pledge(&prepared.checked, pledge_index, data).map(Engine::amounts_only)
        else {
            continue;
        };
        for (requirement_index, requirement) in program.requirements_by_id() {
            for result in outcome
                .results
                .iter()
                .filter(|r| r.requirement == requirement.id)
            {
                let Some(country) = data.country_index(&result.country) else {
                    continue;
                };
                found.push(Question {
                    pledge: pledge_index,
                    requirement: requirement_index,
                    requirement_id: requirement.id.clone(),
                    country_code: result.country.clone(),
                    country,
                    year: result.year,
                    status: result.status,
                    now: engine.param(param_id, country, result.year).ok(),
                });
            }
        }
    }
    found
}

/// The first value the rule file gives the parameter, where trials centre
/// when an ally has no current value.
pub(crate) fn first_value(checked: &Checked, name: &str) -> Option<Decimal> {
    checked
        .pledges()
        .iter()
        .flat_map(|p| p.params.iter())
        .find(|p| p.name == name)
        .and_then(|p| p.values.first())
        .map(|v| v.value)
}

/// Break-even values of a parameter that is not a year: for every ally,
/// year and requirement met or not met.
pub(crate) fn linear_break_even(
    prepared: &Prepared,
    param: &ParamInfo,
    questions: &[Question],
) -> (Vec<BreakEven>, usize) {
    let mut trials = Trials {
        base: &prepared.checked,
        data: &prepared.dataset,
        param,
        kept: BTreeMap::new(),
    };
    let fallback = first_value(&prepared.checked, &param.name).unwrap_or_default();
    let mut found = Vec::new();
    let mut left_out = 0;
    for q in questions {
        if !matches!(q.status, Status::Met | Status::NotMet) {
            left_out += 1;
            continue;
        }
        let center = q.now.unwrap_or(fallback);
        let mut kept = Ok(());
        for x in trial_points(center, param.ty).unwrap_or_default() {
            kept = kept.and_then(|()| trials.keep(x));
        }
        let finding = match kept {
            Ok(()) => solve(&trials, center, q),
            Err(reason) => Finding::NotFound { reason },
        };
        found.push(BreakEven {
            question: q.clone(),
            finding,
        });
    }
    (found, left_out)
}

/// The whole-year window tried around a year parameter's value.
pub(crate) fn year_window(center: i64) -> (i64, i64) {
    (
        (center - YEAR_WINDOW).max(1),
        (center + YEAR_WINDOW).min(9999),
    )
}

pub(crate) fn as_year(value: Decimal) -> Option<i64> {
    if value.fract().is_zero() {
        value.to_i64()
    } else {
        None
    }
}

/// Break-even values of a year parameter: for every ally, year and
/// requirement, the nearest whole years at which the status changes.
pub(crate) fn year_break_even(
    prepared: &Prepared,
    param: &ParamInfo,
    questions: &[Question],
) -> Result<(Vec<BreakEven>, usize), Vec<WhatIfProblem>> {
    let fallback = first_value(&prepared.checked, &param.name)
        .and_then(as_year)
        .unwrap_or(2035);
    let center_of = |q: &Question| q.now.and_then(as_year).unwrap_or(fallback);
    let mut values = BTreeSet::new();
    for q in questions {
        let (low, high) = year_window(center_of(q));
        values.extend(low..=high);
    }
    let mut programs: Vec<(i64, Checked)> = Vec::new();
    for &value in &values {
        let checked = with_value(&prepared.checked, param, Decimal::from(value))?;
        programs.push((value, checked));
    }
    let pledge_count = prepared.checked.pledges().len();
    let engines: Vec<(i64, Vec<Option<Engine<'_>>>)> = programs
        .iter()
        .map(|(value, checked)| {
            (
                *value,
                (0..pledge_count)
                    .map(|i| {
                        Engine::for_pledge(checked, i, &prepared.dataset).map(Engine::amounts_only)
                    })
                    .collect(),
            )
        })
        .collect();
    let mut found = Vec::new();
    let mut left_out = 0;
    for q in questions {
        let center = center_of(q);
        let (low, high) = year_window(center);
        let mut statuses = BTreeMap::new();
        for (value, engines) in &engines {
            if *value < low || *value > high {
                continue;
            }
            if let Some(Some(engine)) = engines.get(q.pledge) {
                let evaluated = requirement::evaluate(engine, q.requirement, q.country, q.year);
                statuses.insert(*value, evaluated.status);
            }
        }
        let now = statuses.get(&center).copied().unwrap_or(q.status);
        let later = scan_run(&statuses, now, center, high);
        let earlier = scan_run(&statuses, now, center, low);
        if later.is_none() && earlier.is_none() && !matches!(q.status, Status::Met | Status::NotMet)
        {
            left_out += 1;
            continue;
        }
        found.push(BreakEven {
            question: q.clone(),
            finding: Finding::Scan {
                low,
                high,
                later,
                earlier,
            },
        });
    }
    Ok((found, left_out))
}
