//! What-if: one pledge evaluated at every value of a parameter (`pledge sweep`).

use rust_decimal::Decimal;
use serde::Serialize;

use super::*;
use crate::analysis::Prepared;
use crate::eval::outcome::{PledgeOutcome, Status};
use crate::eval::{self, Options};
use crate::program::Type;

// ---------------------------------------------------------------------------
// sweep
// ---------------------------------------------------------------------------

/// The outcomes of one pledge at one value of the parameter.
pub(crate) struct SweepRow {
    pub(crate) value: Decimal,
    pub(crate) outcome: PledgeOutcome,
}

/// One pledge's sweep.
pub(crate) struct SweepPledge {
    pub(crate) rows: Vec<SweepRow>,
}

/// One ally whose outcome differs between two consecutive values.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Change {
    #[serde(skip)]
    pub(crate) from: Decimal,
    #[serde(skip)]
    pub(crate) to: Decimal,
    pub(crate) from_value: String,
    pub(crate) to_value: String,
    pub(crate) from_written: String,
    pub(crate) to_written: String,
    pub(crate) requirement: String,
    pub(crate) country: String,
    pub(crate) before: Status,
    pub(crate) after: Status,
}

impl SweepPledge {
    pub(crate) fn name(&self) -> &str {
        self.rows.first().map_or("", |r| r.outcome.pledge.as_str())
    }

    pub(crate) fn requirements(&self) -> &[String] {
        self.rows
            .first()
            .map_or(&[], |r| r.outcome.requirements.as_slice())
    }

    pub(crate) fn changes(&self, ty: Type) -> Vec<Change> {
        let mut changes = Vec::new();
        for pair in self.rows.windows(2) {
            let [before, after] = pair else {
                continue;
            };
            for requirement in self.requirements() {
                for result in before
                    .outcome
                    .results
                    .iter()
                    .filter(|r| &r.requirement == requirement)
                {
                    let Some(next) =
                        after
                            .outcome
                            .result(requirement, &result.country, result.year)
                    else {
                        continue;
                    };
                    if next.status != result.status {
                        changes.push(Change {
                            from: before.value,
                            to: after.value,
                            from_value: exact(before.value),
                            to_value: exact(after.value),
                            from_written: written(before.value, ty),
                            to_written: written(after.value, ty),
                            requirement: requirement.clone(),
                            country: result.country.clone(),
                            before: result.status,
                            after: next.status,
                        });
                    }
                }
            }
        }
        changes
    }
}

/// The pledges that have the swept parameter, each evaluated at every value
/// of the range in one year, and the names of the pledges left out because
/// they lack the parameter.
pub struct SweepResult {
    pub(crate) pledges: Vec<SweepPledge>,
    pub(crate) left_out: Vec<String>,
}

/// Evaluates every pledge that has the parameter once for each value of
/// the range, in one year.
pub(crate) fn sweep(
    prepared: &Prepared,
    range: &Range,
    year: i32,
    countries: &[String],
) -> Result<SweepResult, Vec<WhatIfProblem>> {
    let options = Options {
        years: Some((year, year)),
        countries: countries.to_vec(),
    };
    let with_param: Vec<usize> = prepared
        .checked
        .pledges()
        .iter()
        .enumerate()
        .filter(|(_, p)| p.param_index(&range.param.name).is_some())
        .map(|(i, _)| i)
        .collect();
    let mut pledges: Vec<SweepPledge> = with_param
        .iter()
        .map(|_| SweepPledge { rows: Vec::new() })
        .collect();
    for &value in &range.values {
        let checked = with_value(&prepared.checked, &range.param, value)?;
        let outcomes = eval::evaluate(
            &checked,
            &prepared.dataset,
            &prepared.workspace.sources,
            &options,
        )
        .map_err(eval_problems)?;
        for (slot, &index) in pledges.iter_mut().zip(&with_param) {
            if let Some(outcome) = outcomes.get(index) {
                slot.rows.push(SweepRow {
                    value,
                    outcome: outcome.clone(),
                });
            }
        }
    }
    let left_out: Vec<String> = prepared
        .checked
        .pledges()
        .iter()
        .enumerate()
        .filter(|(i, _)| !with_param.contains(i))
        .map(|(_, p)| p.name.clone())
        .collect();
    Ok(SweepResult { pledges, left_out })
}
