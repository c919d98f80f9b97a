//! Resolving and typing a `Draft` into a `Program`: names become indices,
//! expressions get types and units, parameters become dated values,
//! categories are ordered so that each comes after those it depends on.

use std::collections::{BTreeMap, BTreeSet};

use super::{overlap, unknown_help, CheckError, Checker, Draft, DraftCategory, DraftParam};
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

/// The countries of each group, by group name.
type Groups = BTreeMap<String, BTreeSet<String>>;

pub(super) fn lower(checker: &mut Checker<'_>, draft: Draft) -> Option<Program> {
    let groups = lower_groups(checker, &draft);
    let mut env = Env {
        categories: BTreeMap::new(),
        params: BTreeMap::new(),
        requirements: draft
            .requirements
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.name.clone(), RequirementId::new(i)))
            .collect(),
        indicators: indicator_types(checker),
        used_params: BTreeSet::new(),
        used_categories: BTreeSet::new(),
        poisoned: BTreeSet::new(),
        year_params: BTreeSet::new(),
    };
    let mut params = lower_params(checker, &mut env, &draft);
    lower_param_years(checker, &mut env, &groups, &draft, &mut params);
    let categories = lower_categories(checker, &mut env, &groups, &draft, &params);
    let requirements = lower_requirements(checker, &mut env, &groups, &draft, &params);
    count_cycles(checker, &requirements);
    let examples = draft
        .examples
        .iter()
        .map(|example| {
            repeated_lines(checker, example);
            lower_example(checker, &mut env, &params, example)
        })
        .collect();
    report_unused(checker, &env, &draft, &params, &categories);
    for &index in &env.year_params {
        if let Some(param) = params.get_mut(index.index()) {
            param.used_as_year = true;
        }
    }
    let scoped_countries = groups.values().flatten().cloned().collect();
    let program = Program {
        name: draft.name.to_string(),
        source: draft.source.map(str::to_string),
        status: draft.status.map(str::to_string),
        meta: draft
            .meta
            .iter()
            .map(|&(key, value)| (key.to_string(), value.to_string()))
            .collect(),
        bases: draft.bases.iter().map(|&base| base.to_string()).collect(),
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

/// Parameters: constant values, typed (years come later, in
/// `lower_param_years`, as they may name parameters).
fn lower_params(checker: &mut Checker<'_>, env: &mut Env, draft: &Draft) -> Vec<Param> {
    let mut params = Vec::with_capacity(draft.params.len());
    for param in &draft.params {
        let values = lower_values(checker, param.values);
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
            .insert(param.name.name.clone(), (ParamId::new(params.len()), ty));
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
    params
}

/// Years in dated values and scoped overrides, which need the parameter
/// table.
fn lower_param_years(
    checker: &mut Checker<'_>,
    env: &mut Env,
    groups: &Groups,
    draft: &Draft,
    params: &mut [Param],
) {
    for (index, param) in draft.params.iter().enumerate() {
        let years: Vec<_> = param
            .values
            .iter()
            .map(|v| {
                (
                    lower_year_opt(checker, env, params, &v.from),
                    lower_year_opt(checker, env, params, &v.until),
                )
            })
            .collect();
        let expected = params.get(index).map_or(Type::Number, |p| p.ty);
        let overrides = param
            .overrides
            .iter()
            .map(|(targets, values)| {
                let countries = resolve_targets(checker, groups, targets);
                let lowered = lower_override(checker, env, params, param, expected, values);
                (countries, lowered)
            })
            .collect();
        if let Some(target) = params.get_mut(index) {
            for (value, (from, until)) in target.values.iter_mut().zip(years) {
                value.from = from;
                value.until = until;
            }
            target.overrides = overrides;
            check_overlapping_values(checker, target);
        }
    }
}

/// The values of a parameter for some countries, which must be of the kind
/// (`expected`) of its general value.
fn lower_override(
    checker: &mut Checker<'_>,
    env: &mut Env,
    params: &[Param],
    param: &DraftParam,
    expected: Type,
    values: &[crate::ast::ParamValue],
) -> Vec<DatedValue> {
    let mut lowered = Vec::new();
    for (value, ty) in lower_values(checker, values) {
        if ty != expected {
            checker.push(CheckError::ParamType {
                name: param.name.name.clone(),
                found: ty.describe().into(),
                expected: expected.describe().into(),
                help: "a value for some countries must be of the same kind as the general value"
                    .into(),
                span: value.span,
            });
        }
        lowered.push(value);
    }
    for (value, raw) in lowered.iter_mut().zip(values) {
        value.from = lower_year_opt(checker, env, params, &raw.from);
        value.until = lower_year_opt(checker, env, params, &raw.until);
    }
    lowered
}

/// Categories: ordered so that each comes after those it depends on, then
/// their bodies lowered.
fn lower_categories(
    checker: &mut Checker<'_>,
    env: &mut Env,
    groups: &Groups,
    draft: &Draft,
    params: &[Param],
) -> Vec<Category> {
    let order = category_order(checker, draft);
    for (position, &draft_index) in order.iter().enumerate() {
        if let Some(category) = draft.categories.get(draft_index) {
            env.categories
                .insert(category.id.name.clone(), CategoryId::new(position));
        }
    }
    report_name_clashes(checker, env, draft);
    let mut categories = Vec::with_capacity(order.len());
    for &draft_index in &order {
        let Some(category) = draft.categories.get(draft_index) else {
            continue;
        };
        let within = lower_within(checker, env, category);
        let body = lower_body(checker, env, params, category.clauses.iter().copied());
        let mut scoped = Vec::new();
        for (targets, replace, clauses) in &category.scoped {
            let countries = resolve_targets(checker, groups, targets);
            let body = lower_body(checker, env, params, *clauses);
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
            label: category.label.map(str::to_string),
            within,
            body,
            scoped,
            span: category.id.span,
        });
    }
    categories
}

/// A category or parameter named like a parameter or a data series.
fn report_name_clashes(checker: &mut Checker<'_>, env: &Env, draft: &Draft) {
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
}

/// The parent a category names with `within` (which counts as a use).
fn lower_within(
    checker: &mut Checker<'_>,
    env: &mut Env,
    category: &DraftCategory,
) -> Option<CategoryId> {
    let parent = category.within.as_ref()?;
    let Some(&found) = env.categories.get(&parent.name) else {
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
        return None;
    };
    env.used_categories.insert(found);
    Some(found)
}

fn lower_requirements(
    checker: &mut Checker<'_>,
    env: &mut Env,
    groups: &Groups,
    draft: &Draft,
    params: &[Param],
) -> Vec<Requirement> {
    let mut requirements = Vec::with_capacity(draft.requirements.len());
    for requirement in &draft.requirements {
        let body = requirement
            .body
            .as_ref()
            .and_then(|decl| lower_requirement(checker, env, params, decl));
        let mut scoped = Vec::new();
        for (targets, decl) in &requirement.scoped {
            let countries = resolve_targets(checker, groups, targets);
            if let Some(body) = lower_requirement(checker, env, params, decl) {
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
    requirements
}

/// Unused parameters, groups and categories (breakdowns with `within` are
/// reported as sub-totals, so they are used by definition).
fn report_unused(
    checker: &mut Checker<'_>,
    env: &Env,
    draft: &Draft,
    params: &[Param],
    categories: &[Category],
) {
    for (index, param) in params.iter().enumerate() {
        if !env.used_params.contains(&ParamId::new(index)) {
            checker.push(CheckError::UnusedParam {
                name: param.name.clone(),
                span: param.span,
            });
        }
    }
    super::resolve::unused_groups(checker, draft);
    for (index, category) in categories.iter().enumerate() {
        if category.within.is_none() && !env.used_categories.contains(&CategoryId::new(index)) {
            checker.push(CheckError::UnusedCategory {
                name: category.id.clone(),
                span: category.span,
            });
        }
    }
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
