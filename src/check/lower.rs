//! Resolving and typing a `Draft` into a `Program`: names become indices,
//! expressions get types and units, parameters become dated values,
//! categories are ordered so that each comes after those it depends on.

use std::collections::{BTreeMap, BTreeSet};

use super::{overlap, unknown_help, CheckError, Checker, Draft};
use crate::data::schema::IndicatorUnit;
use crate::program::*;

#[allow(unused_imports)]
use super::{conditions::*, examples::*, order::*, params::*, resolve::*, types::*};

/// Everything expressions can refer to.
pub(crate) struct Env {
    pub(crate) categories: BTreeMap<String, CategoryId>,
    pub(crate) params: BTreeMap<String, (ParamId, Type)>,
    pub(crate) requirements: BTreeMap<String, RequirementId>,
    pub(crate) indicators: BTreeMap<String, Type>,
    pub(crate) used_params: BTreeSet<ParamId>,
    pub(crate) used_categories: BTreeSet<CategoryId>,
    /// Parameters whose own definition failed: uses are not reported again.
    pub(crate) poisoned: BTreeSet<String>,
    /// Parameters used as years (their values must be whole numbers).
    pub(crate) year_params: BTreeSet<ParamId>,
}

#[allow(clippy::too_many_lines)] // Over 100 lines: to be split.
pub(super) fn lower(checker: &mut Checker<'_>, draft: Draft) -> Option<Program> {
    let groups = lower_groups(checker, &draft);
    let mut env = Env {
        categories: BTreeMap::new(),
        params: BTreeMap::new(),
        requirements: draft
            .requirements
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.name.clone(), i))
            .collect(),
        indicators: indicator_types(checker),
        used_params: BTreeSet::new(),
        used_categories: BTreeSet::new(),
        poisoned: BTreeSet::new(),
        year_params: BTreeSet::new(),
    };

    // Parameters: constant values, typed.
    let mut params = Vec::new();
    for param in &draft.params {
        let values = lower_values(checker, &param.values);
        if values.len() < param.values.len() {
            env.poisoned.insert(param.name.name.clone());
        }
        let ty = values.first().map_or(Type::Number, |(_, ty)| *ty);
        for (value, value_ty) in &values {
            if *value_ty != ty {
                checker.push(CheckError::ParamType {
                    name: param.name.name.clone(),
                    found: value_ty.describe().into(),
                    expected: ty.describe().into(),
                    help: "all dated values of a parameter must be of one kind".into(),
                    span: value.span,
                });
            }
        }
        env.params
            .insert(param.name.name.clone(), (params.len(), ty));
        params.push(Param {
            name: param.name.name.clone(),
            ty,
            values: values.into_iter().map(|(v, _)| v).collect(),
            overrides: Vec::new(),
            span: param.name.span,
            from_command_line: false,
            used_as_year: false,
        });
    }
    // Years in dated values and scoped overrides need the parameter table.
    for (index, param) in draft.params.iter().enumerate() {
        let years: Vec<_> = param
            .values
            .iter()
            .map(|v| {
                (
                    lower_year_opt(checker, &mut env, &params, &v.from),
                    lower_year_opt(checker, &mut env, &params, &v.until),
                )
            })
            .collect();
        let mut overrides = Vec::new();
        for (targets, values) in &param.overrides {
            let countries = resolve_targets(checker, &groups, targets);
            let mut lowered = Vec::new();
            for (value, ty) in lower_values(checker, values) {
                let expected = params.get(index).map_or(Type::Number, |p| p.ty);
                if ty != expected {
                    checker.push(CheckError::ParamType {
                        name: param.name.name.clone(),
                        found: ty.describe().into(),
                        expected: expected.describe().into(),
                        help: "a value for some countries must be of the same kind as the general value".into(),
                        span: value.span,
                    });
                }
                lowered.push(value);
            }
            for (value, raw) in lowered.iter_mut().zip(values) {
                value.from = lower_year_opt(checker, &mut env, &params, &raw.from);
                value.until = lower_year_opt(checker, &mut env, &params, &raw.until);
            }
            overrides.push((countries, lowered));
        }
        if let Some(target) = params.get_mut(index) {
            for (value, (from, until)) in target.values.iter_mut().zip(years) {
                value.from = from;
                value.until = until;
            }
            target.overrides = overrides;
            check_overlapping_values(checker, target);
        }
    }

    // Categories: order by dependency, then lower bodies.
    let order = category_order(checker, &draft);
    for (position, &draft_index) in order.iter().enumerate() {
        if let Some(category) = draft.categories.get(draft_index) {
            env.categories.insert(category.id.name.clone(), position);
        }
    }
    for category in &draft.categories {
        let name = &category.id.name;
        let clash = if env.params.contains_key(name) {
            Some("a parameter")
        } else if env.indicators.contains_key(name) {
            Some("a data series of the dataset")
        } else {
            None
        };
        if let Some(second) = clash {
            checker.push(CheckError::NameClash {
                name: name.clone(),
                first: "category".into(),
                second: second.into(),
                span: category.id.span,
            });
        }
    }
    for param in &draft.params {
        if env.indicators.contains_key(&param.name.name) {
            checker.push(CheckError::NameClash {
                name: param.name.name.clone(),
                first: "parameter".into(),
                second: "a data series of the dataset".into(),
                span: param.name.span,
            });
        }
    }
    let mut categories = Vec::new();
    for &draft_index in &order {
        let Some(category) = draft.categories.get(draft_index) else {
            continue;
        };
        let within = category.within.as_ref().and_then(|parent| {
            let found = env.categories.get(&parent.name).copied();
            if found.is_some() {
                found
            } else {
                let names: Vec<String> = env.categories.keys().cloned().collect();
                checker.push(CheckError::UnknownCategory {
                    name: parent.name.clone(),
                    help: unknown_help(
                        &parent.name,
                        &names,
                        "`within` names the category this one is a part of",
                    ),
                    span: parent.span,
                });
                None
            }
        });
        if let Some(parent) = within {
            env.used_categories.insert(parent);
        }
        let body = lower_body(checker, &mut env, &params, &category.clauses);
        let mut scoped = Vec::new();
        for (targets, replace, clauses) in &category.scoped {
            let countries = resolve_targets(checker, &groups, targets);
            let body = lower_body(checker, &mut env, &params, clauses);
            scoped.push((
                countries,
                if *replace {
                    ScopedChange::Replace(body)
                } else {
                    ScopedChange::Amend(body)
                },
            ));
        }
        categories.push(Category {
            id: category.id.name.clone(),
            label: category.label.clone(),
            within,
            body,
            scoped,
            span: category.id.span,
        });
    }

    // Requirements.
    let mut requirements = Vec::new();
    for requirement in &draft.requirements {
        let body = requirement
            .body
            .as_ref()
            .and_then(|decl| lower_requirement(checker, &mut env, &params, decl));
        let mut scoped = Vec::new();
        for (targets, decl) in &requirement.scoped {
            let countries = resolve_targets(checker, &groups, targets);
            if let Some(body) = lower_requirement(checker, &mut env, &params, decl) {
                scoped.push((countries, body));
            }
        }
        let mut added_together = BTreeSet::new();
        for body in body.iter().chain(scoped.iter().map(|(_, b)| b)) {
            for expr in body.kind.expressions() {
                collect_sums(expr, &mut added_together);
            }
        }
        requirements.push(Requirement {
            id: requirement.id.name.clone(),
            body,
            scoped,
            span: requirement.id.span,
            added_together: added_together.into_iter().collect(),
        });
    }

    count_cycles(checker, &requirements);

    // Examples.
    let examples = draft
        .examples
        .iter()
        .map(|example| {
            repeated_lines(checker, example);
            lower_example(checker, &mut env, &params, example)
        })
        .collect();

    // Unused parameters and categories (breakdowns with `within` are reported
    // as sub-totals, so they are used by definition).
    for (index, param) in params.iter().enumerate() {
        if !env.used_params.contains(&index) {
            checker.push(CheckError::UnusedParam {
                name: param.name.clone(),
                span: param.span,
            });
        }
    }
    super::resolve::unused_groups(checker, &draft);
    for (index, category) in categories.iter().enumerate() {
        if category.within.is_none() && !env.used_categories.contains(&index) {
            checker.push(CheckError::UnusedCategory {
                name: category.id.clone(),
                span: category.span,
            });
        }
    }

    for &index in &env.year_params {
        if let Some(param) = params.get_mut(index) {
            param.used_as_year = true;
        }
    }
    let scoped_countries = groups.values().flatten().cloned().collect();
    let program = Program {
        name: draft.name.clone(),
        source: draft.source.clone(),
        status: draft.status.clone(),
        meta: draft.meta.clone(),
        bases: draft.bases.clone(),
        span: draft.span,
        params,
        groups: groups
            .into_iter()
            .map(|(k, v)| (k, v.into_iter().collect()))
            .collect(),
        categories,
        requirements,
        examples,
        scoped_countries,
    };
    overlap::check(checker, &program);
    super::weights::check(checker, &program);
    super::published::check(checker, &program);
    Some(program)
}

pub(crate) fn indicator_types(checker: &Checker<'_>) -> BTreeMap<String, Type> {
    match checker.schema {
        Some(schema) => schema
            .indicator_series
            .iter()
            .map(|s| {
                let ty = match s.unit {
                    IndicatorUnit::Money => Type::Money,
                    IndicatorUnit::Percent => Type::Ratio,
                    IndicatorUnit::Number => Type::Number,
                };
                (s.name.clone(), ty)
            })
            .collect(),
        None => [("gdp".to_string(), Type::Money)].into_iter().collect(),
    }
}
