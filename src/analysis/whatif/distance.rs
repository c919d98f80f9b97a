//! What-if: the shortfall of every ally, year and requirement not met (`pledge distance`).

use rust_decimal::Decimal;

use super::*;
use crate::analysis::Prepared;
use crate::ast::CompareOp;
use crate::eval::outcome::{PledgeOutcome, RequirementResult, Status};
use crate::eval::requirement::body_for;
use crate::eval::{self, Options};
use crate::program::{Checked, RequirementKind};

// ---------------------------------------------------------------------------
// distance: shortfalls
// ---------------------------------------------------------------------------

/// One ally, year and requirement not met, with what meeting it needs.
#[derive(Debug, Clone)]
pub(crate) struct Shortfall {
    pub(crate) pledge: usize,
    pub(crate) result: RequirementResult,
    /// The requirement is an upper limit (`<=`, `<`): the shortfall is
    /// spending to cut, not to add.
    pub(crate) cut: bool,
}

impl Shortfall {
    /// The shortfall, positive, in the requirement's unit.
    pub(crate) fn amount(&self) -> Decimal {
        self.result.margin.map_or(Decimal::ZERO, |m| -m)
    }

    pub(crate) fn points(&self) -> Option<Decimal> {
        self.result.margin_pp.map(|m| -m)
    }

    /// The spending to add (or cut): the shortfall, or, when the compared
    /// category is part of the base of the threshold, the shortfall ÷
    /// (1 − share), because what is added to the part is added to the base
    /// too. `None` when no amount added to the part alone meets it.
    pub(crate) fn needed(&self) -> Option<Decimal> {
        match &self.result.base_growth {
            Some(growth) => growth.to_add,
            None => Some(self.amount()),
        }
    }

    /// When the compared category is part of the base: the amount to move
    /// from the rest of the base into it (out of it, for an upper limit),
    /// which leaves the base as it is. It is the shortfall itself.
    pub(crate) fn shift(&self) -> Option<Decimal> {
        self.result.base_growth.as_ref().map(|_| self.amount())
    }
}

pub(crate) fn is_upper_limit(kind: &RequirementKind) -> bool {
    match kind {
        RequirementKind::Compare { op, .. } => matches!(op, CompareOp::Le | CompareOp::Lt),
        RequirementKind::Path { .. } => false,
    }
}

pub(crate) fn shortfalls(checked: &Checked, outcomes: &[PledgeOutcome]) -> Vec<Shortfall> {
    let mut found = Vec::new();
    for (pledge_index, (program, outcome)) in checked.pledges().iter().zip(outcomes).enumerate() {
        for requirement in &program.requirements {
            let mut these: Vec<Shortfall> = outcome
                .results
                .iter()
                .filter(|r| {
                    r.requirement == requirement.id
                        && r.status == Status::NotMet
                        && r.margin.is_some()
                })
                .map(|r| Shortfall {
                    pledge: pledge_index,
                    result: r.clone(),
                    cut: body_for(requirement, &r.country)
                        .is_some_and(|(body, _)| is_upper_limit(&body.kind)),
                })
                .collect();
            // The largest shortfall first: in points where known, then in
            // the requirement's unit, then by country and year.
            these.sort_by(|a, b| {
                let points = |s: &Shortfall| s.points().unwrap_or(Decimal::MIN);
                points(b)
                    .cmp(&points(a))
                    .then(b.amount().cmp(&a.amount()))
                    .then(a.result.country.cmp(&b.result.country))
                    .then(a.result.year.cmp(&b.result.year))
            });
            found.extend(these);
        }
    }
    found
}

// ---------------------------------------------------------------------------
// distance: break-even values
// ---------------------------------------------------------------------------

/// What `pledge distance` found: the outcomes on amounts, the shortfalls,
/// and (with a parameter) the break-even values with the number of
/// questions left out.
pub struct DistanceResult {
    pub(crate) outcomes: Vec<PledgeOutcome>,
    pub(crate) shortfalls: Vec<Shortfall>,
    pub(crate) break_even: Option<(ParamInfo, Vec<BreakEven>, usize)>,
}

/// Evaluates on amounts, lists the shortfalls and, when a parameter is
/// given, finds the values at which each outcome flips.
pub(crate) fn distance(
    prepared: &Prepared,
    param: Option<&ParamInfo>,
    options: &Options,
) -> Result<DistanceResult, Vec<WhatIfProblem>> {
    let outcomes = eval::evaluate_on_amounts(
        &prepared.checked,
        &prepared.dataset,
        &prepared.workspace.sources,
        options,
    )
    .map_err(eval_problems)?;
    let shortfalls = shortfalls(&prepared.checked, &outcomes);
    let break_even = match param {
        None => None,
        Some(param) => {
            let questions = questions(prepared, &outcomes, param);
            let found = if param.year {
                year_break_even(prepared, param, &questions)?
            } else {
                linear_break_even(prepared, param, &questions)
            };
            Some((param.clone(), found.0, found.1))
        }
    };
    Ok(DistanceResult {
        outcomes,
        shortfalls,
        break_even,
    })
}
