//! Resolving and typing a `Draft` into a `Program`: names become indices,
//! expressions get types and units, parameters become dated values,
//! categories are ordered so that each comes after those it depends on.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;

use super::{list_names, overlap, unknown_help, CheckError, Checker, Draft};
use crate::ast::{self, AtYear, BinaryOp, Clause, ExprKind, Ident, ValueKind, YearRef};
use crate::data::schema::{FieldType, IndicatorUnit, NATO_ALLIES};
use crate::print;
use crate::program::*;
use crate::source::Span;

/// Everything expressions can refer to.
struct Env {
    categories: BTreeMap<String, CategoryId>,
    params: BTreeMap<String, (ParamId, Type)>,
    requirements: BTreeMap<String, RequirementId>,
    indicators: BTreeMap<String, Type>,
    used_params: BTreeSet<ParamId>,
    used_categories: BTreeSet<CategoryId>,
    /// Parameters whose own definition failed: uses are not reported again.
    poisoned: BTreeSet<String>,
    /// Parameters used as years (their values must be whole numbers).
    year_params: BTreeSet<ParamId>,
}

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
        .map(|example| lower_example(checker, &mut env, &params, example))
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
    super::published::check(checker, &program);
    Some(program)
}

fn indicator_types(checker: &Checker<'_>) -> BTreeMap<String, Type> {
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

fn lower_groups(checker: &mut Checker<'_>, draft: &Draft) -> BTreeMap<String, BTreeSet<String>> {
    let mut groups = BTreeMap::new();
    for (name, members) in &draft.groups {
        let mut set = BTreeSet::new();
        for member in members {
            if check_country(checker, member) {
                set.insert(member.name.clone());
            }
        }
        groups.insert(name.name.clone(), set);
    }
    groups
}

fn known_countries(checker: &Checker<'_>) -> Vec<String> {
    let mut known: Vec<String> = NATO_ALLIES.iter().map(|c| c.to_string()).collect();
    if let Some(schema) = checker.schema {
        known.extend(schema.countries.iter().map(|c| c.code.clone()));
    }
    known.sort();
    known.dedup();
    known
}

fn check_country(checker: &mut Checker<'_>, code: &Ident) -> bool {
    let known = known_countries(checker);
    if known.contains(&code.name) {
        return true;
    }
    checker.push(CheckError::UnknownCountry {
        name: code.name.clone(),
        help: unknown_help(
            &code.name,
            &known,
            "countries are written as ISO 3166 alpha-3 codes, such as `POL` or `ESP`",
        ),
        span: code.span,
    });
    false
}

fn resolve_targets(
    checker: &mut Checker<'_>,
    groups: &BTreeMap<String, BTreeSet<String>>,
    targets: &[Ident],
) -> CountrySet {
    let mut set = CountrySet::new();
    for target in targets {
        if let Some(members) = groups.get(&target.name) {
            set.extend(members.iter().cloned());
        } else if target.name.len() == 3 && target.name.chars().all(|c| c.is_ascii_uppercase()) {
            if check_country(checker, target) {
                set.insert(target.name.clone());
            }
        } else {
            let names: Vec<String> = groups.keys().cloned().collect();
            checker.push(CheckError::UnknownGroup {
                name: target.name.clone(),
                help: unknown_help(
                    &target.name,
                    &names,
                    "`for` takes country codes such as `ESP` or groups defined with `group name = [...]`",
                ),
                span: target.span,
            });
        }
    }
    set
}

/// Constant values of a parameter, with their types.
fn lower_values(checker: &mut Checker<'_>, values: &[ast::ParamValue]) -> Vec<(DatedValue, Type)> {
    let mut out = Vec::new();
    for value in values {
        if let Some((number, ty)) = constant(checker, &value.value) {
            out.push((
                DatedValue {
                    value: number,
                    from: None,
                    until: None,
                    source: value.source.as_ref().map(|s| s.value.clone()),
                    span: value.value.span,
                },
                ty,
            ));
        }
    }
    out
}

/// Evaluates a constant expression (a parameter value or `--set`).
pub(crate) fn constant(checker: &mut Checker<'_>, expr: &ast::Expr) -> Option<(Decimal, Type)> {
    match constant_value(expr) {
        Ok(value) => Some(value),
        Err(found) => {
            checker.push(CheckError::ParamNotConstant {
                found,
                span: expr.span,
            });
            None
        }
    }
}

/// The value of a written-out number, percentage or `money(n)`, as a
/// `param` line, `--set` and `--param` hold it; otherwise what it is instead.
pub(crate) fn constant_value(expr: &ast::Expr) -> Result<(Decimal, Type), String> {
    match &expr.kind {
        ExprKind::Number(n) => Ok((*n, Type::Number)),
        ExprKind::Percent(p) => Ok((*p / Decimal::ONE_HUNDRED, Type::Ratio)),
        ExprKind::Neg(inner) => constant_value(inner).map(|(v, t)| (-v, t)),
        ExprKind::Call(name, args) if name.name == "money" && args.len() == 1 => {
            let Some(first) = args.first() else {
                return Err("`money()` without an amount".to_string());
            };
            let (value, ty) = constant_value(first)?;
            if ty != Type::Number {
                return Err("`money()` of something that is not a plain number".to_string());
            }
            Ok((value, Type::Money))
        }
        ExprKind::Name(name) => Err(format!("the name `{name}`")),
        ExprKind::Text(_) | ExprKind::Bool(_) => Err("a text or true/false".to_string()),
        ExprKind::Binary(..) | ExprKind::Call(..) | ExprKind::At(..) => {
            Err("a calculation".to_string())
        }
    }
}

fn lower_year_opt(
    checker: &mut Checker<'_>,
    env: &mut Env,
    params: &[Param],
    year: &Option<YearRef>,
) -> Option<YearSpec> {
    year.as_ref()
        .and_then(|y| lower_year(checker, env, params, y))
}

fn lower_year(
    checker: &mut Checker<'_>,
    env: &mut Env,
    params: &[Param],
    year: &YearRef,
) -> Option<YearSpec> {
    match year {
        YearRef::Literal { year, .. } => Some(YearSpec::Literal(*year)),
        YearRef::Param(name) => {
            let Some(&(index, _)) = env.params.get(&name.name) else {
                let names: Vec<String> = env.params.keys().cloned().collect();
                checker.push(CheckError::UnknownParam {
                    name: name.name.clone(),
                    help: unknown_help(
                        &name.name,
                        &names,
                        "a year is a number such as `2035` or a parameter holding one",
                    ),
                    span: name.span,
                });
                return None;
            };
            env.used_params.insert(index);
            env.year_params.insert(index);
            if env.poisoned.contains(&name.name) {
                return None;
            }
            let param = params.get(index)?;
            let all_values = param
                .values
                .iter()
                .chain(param.overrides.iter().flat_map(|(_, v)| v.iter()));
            for value in all_values {
                if param.ty != Type::Number || !value.value.fract().is_zero() {
                    checker.push(CheckError::NotAYear {
                        name: name.name.clone(),
                        value: describe_value(value.value, param.ty),
                        span: name.span,
                    });
                    return None;
                }
            }
            Some(YearSpec::Param(index))
        }
    }
}

/// A value as a negotiator would write it.
pub(crate) fn describe_value(value: Decimal, ty: Type) -> String {
    match ty {
        Type::Ratio => match value.checked_mul(Decimal::ONE_HUNDRED) {
            Some(percent) => format!("{}%", percent.normalize()),
            None => value.normalize().to_string(),
        },
        Type::Money => format!("money({})", value.normalize()),
        _ => value.normalize().to_string(),
    }
}

fn check_overlapping_values(checker: &mut Checker<'_>, param: &Param) {
    let lists = std::iter::once(&param.values).chain(param.overrides.iter().map(|(_, v)| v));
    for values in lists {
        for (i, a) in values.iter().enumerate() {
            for b in values.iter().skip(i + 1) {
                if let Some(years) = common_years(a, b) {
                    checker.push(CheckError::OverlappingValues {
                        name: param.name.clone(),
                        years,
                        span: b.span,
                    });
                }
            }
        }
    }
}

/// The years covered by both values, in words, when their ranges are literal.
fn common_years(a: &DatedValue, b: &DatedValue) -> Option<String> {
    let literal = |spec: &Option<YearSpec>| match spec {
        None => Some(None),
        Some(YearSpec::Literal(y)) => Some(Some(*y)),
        Some(YearSpec::Param(_)) => None,
    };
    let start = match (literal(&a.from)?, literal(&b.from)?) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    };
    let end = match (literal(&a.until)?, literal(&b.until)?) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    };
    match (start, end) {
        (Some(s), Some(e)) if s > e => None,
        (Some(s), Some(e)) if s == e => Some(s.to_string()),
        (Some(s), Some(e)) => Some(format!("{s}-{e}")),
        (Some(s), None) => Some(format!("every year from {s}")),
        (None, Some(e)) => Some(format!("every year until {e}")),
        (None, None) => Some("every year".to_string()),
    }
}

/// The order in which categories are computed, reporting circles.
fn category_order(checker: &mut Checker<'_>, draft: &Draft) -> Vec<usize> {
    let index: BTreeMap<&str, usize> = draft
        .categories
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.name.as_str(), i))
        .collect();
    let dependencies: Vec<Vec<usize>> = draft
        .categories
        .iter()
        .map(|category| {
            let mut deps = Vec::new();
            if let Some(parent) = &category.within {
                deps.extend(index.get(parent.name.as_str()));
            }
            let all_clauses = category
                .clauses
                .iter()
                .chain(category.scoped.iter().flat_map(|(_, _, c)| c.iter()));
            for clause in all_clauses {
                match clause {
                    Clause::ExcludeCountedIn { categories, .. } => {
                        for c in categories {
                            deps.extend(index.get(c.name.as_str()));
                        }
                    }
                    Clause::Cap { amount, .. } => {
                        names_in(amount, &mut |name| deps.extend(index.get(name)));
                    }
                    _ => {}
                }
            }
            deps
        })
        .collect();
    // Depth-first search, keeping the file order among independent categories.
    let mut state = vec![0u8; draft.categories.len()]; // 0 new, 1 visiting, 2 done
    let mut order = Vec::new();
    let mut reported = false;
    for start in 0..draft.categories.len() {
        visit(
            start,
            &dependencies,
            &mut state,
            &mut order,
            &mut Vec::new(),
            &mut |cycle| {
                if reported {
                    return;
                }
                reported = true;
                let names: Vec<String> = cycle
                    .iter()
                    .filter_map(|&i| draft.categories.get(i).map(|c| c.id.name.clone()))
                    .collect();
                if let Some(first) = cycle.first().and_then(|&i| draft.categories.get(i)) {
                    checker.push(CheckError::CategoryCycle {
                        chain: names.join(" → "),
                        span: first.id.span,
                    });
                }
            },
        );
    }
    order
}

fn visit(
    node: usize,
    dependencies: &[Vec<usize>],
    state: &mut [u8],
    order: &mut Vec<usize>,
    stack: &mut Vec<usize>,
    on_cycle: &mut dyn FnMut(Vec<usize>),
) {
    match state.get(node) {
        Some(2) | None => return,
        Some(1) => {
            let start = stack.iter().position(|&n| n == node).unwrap_or(0);
            let mut cycle: Vec<usize> = stack
                .get(start..)
                .map(<[usize]>::to_vec)
                .unwrap_or_default();
            cycle.push(node);
            on_cycle(cycle);
            return;
        }
        _ => {}
    }
    if let Some(s) = state.get_mut(node) {
        *s = 1;
    }
    stack.push(node);
    for &dep in dependencies.get(node).map(Vec::as_slice).unwrap_or(&[]) {
        visit(dep, dependencies, state, order, stack, on_cycle);
    }
    stack.pop();
    if let Some(s) = state.get_mut(node) {
        *s = 2;
    }
    order.push(node);
}

fn names_in(expr: &ast::Expr, found: &mut dyn FnMut(&str)) {
    match &expr.kind {
        ExprKind::Name(name) => found(name),
        ExprKind::Neg(inner) | ExprKind::At(inner, _) => names_in(inner, found),
        ExprKind::Binary(_, a, b) => {
            names_in(a, found);
            names_in(b, found);
        }
        ExprKind::Call(_, args) => {
            for arg in args {
                names_in(arg, found);
            }
        }
        ExprKind::Number(_) | ExprKind::Percent(_) | ExprKind::Text(_) | ExprKind::Bool(_) => {}
    }
}

fn lower_body(
    checker: &mut Checker<'_>,
    env: &mut Env,
    params: &[Param],
    clauses: &[Clause],
) -> CategoryBody {
    let mut body = CategoryBody::default();
    for clause in clauses {
        match clause {
            Clause::Include {
                weight,
                condition,
                span,
            } => {
                let weight_value = match weight {
                    Some(w) => {
                        if w.value < Decimal::ZERO || w.value > Decimal::ONE_HUNDRED {
                            checker.push(CheckError::BadWeight {
                                value: w.value.to_string(),
                                span: w.span,
                            });
                        }
                        w.value / Decimal::ONE_HUNDRED
                    }
                    None => Decimal::ONE,
                };
                if let Some(condition) = lower_condition(checker, condition) {
                    body.clauses.push(crate::program::Clause {
                        kind: ClauseKind::Include(weight_value),
                        condition,
                        text: print::clause_text(clause, false),
                        span: *span,
                    });
                }
            }
            Clause::Exclude { condition, span } => {
                if let Some(condition) = lower_condition(checker, condition) {
                    body.clauses.push(crate::program::Clause {
                        kind: ClauseKind::Exclude,
                        condition,
                        text: print::clause_text(clause, false),
                        span: *span,
                    });
                }
            }
            Clause::ExcludeCountedIn { categories, .. } => {
                for category in categories {
                    match env.categories.get(&category.name) {
                        Some(&index) => {
                            env.used_categories.insert(index);
                            body.counted_in.push((index, category.span));
                        }
                        None => {
                            let names: Vec<String> = env.categories.keys().cloned().collect();
                            checker.push(CheckError::UnknownCategory {
                                name: category.name.clone(),
                                help: unknown_help(
                                    &category.name,
                                    &names,
                                    "`exclude counted in` names another category",
                                ),
                                span: category.span,
                            });
                        }
                    }
                }
            }
            Clause::Cap { amount, span } => {
                if let Some(expr) = type_expr(checker, env, params, amount) {
                    if expr.ty != Type::Money {
                        checker.push(CheckError::UnitMismatch {
                            left: "a category total (an amount)".into(),
                            right: expr.ty.describe().into(),
                            help: format!(
                                "a cap is an amount: write `{} of gdp` or `money(...)`",
                                print::expr(amount)
                            ),
                            span: amount.span,
                        });
                    } else {
                        body.caps.push(Cap {
                            amount: expr,
                            text: print::clause_text(clause, false),
                            span: *span,
                        });
                    }
                }
            }
        }
    }
    body
}

fn lower_condition(checker: &mut Checker<'_>, condition: &ast::Condition) -> Option<Condition> {
    Some(match condition {
        ast::Condition::And(a, b) => {
            let a = lower_condition(checker, a);
            let b = lower_condition(checker, b);
            Condition::And(Box::new(a?), Box::new(b?))
        }
        ast::Condition::Or(a, b) => {
            let a = lower_condition(checker, a);
            let b = lower_condition(checker, b);
            Condition::Or(Box::new(a?), Box::new(b?))
        }
        ast::Condition::Not(inner, _) => Condition::Not(Box::new(lower_condition(checker, inner)?)),
        ast::Condition::Tag(tag) => {
            if let Some(schema) = checker.schema {
                if !schema.tags.contains(&tag.name) {
                    checker.push(CheckError::UnknownTag {
                        name: tag.name.clone(),
                        help: unknown_help(
                            &tag.name,
                            &schema.tags,
                            "the dataset's tags are listed in its dataset.json",
                        ),
                        span: tag.span,
                    });
                    return None;
                }
            }
            Condition::Tag(tag.name.clone())
        }
        ast::Condition::Compare { field, op, value } => {
            let ordered = !matches!(op, ast::CompareOp::Eq | ast::CompareOp::Ne);
            let value = lower_field_value(checker, field, value, ordered)?;
            Condition::Compare {
                field: field.name.clone(),
                op: *op,
                value,
            }
        }
        ast::Condition::In {
            field,
            negated,
            values,
        } => {
            let mut lowered = Vec::new();
            let mut ok = true;
            for value in values {
                match lower_field_value(checker, field, value, false) {
                    Some(v) => lowered.push(v),
                    None => ok = false,
                }
            }
            if !ok {
                return None;
            }
            Condition::In {
                field: field.name.clone(),
                negated: *negated,
                values: lowered,
            }
        }
    })
}

/// Checks a field name and a value against the schema.
fn lower_field_value(
    checker: &mut Checker<'_>,
    field: &Ident,
    value: &ast::Value,
    ordered: bool,
) -> Option<Literal> {
    let literal = match &value.kind {
        ValueKind::Number(n) => Literal::Number(*n),
        ValueKind::Text(t) | ValueKind::Symbol(t) => Literal::Text(t.clone()),
        ValueKind::Bool(b) => Literal::Bool(*b),
    };
    let field_type = if field.name == "amount" {
        Some(FieldType::Number)
    } else if let Some(schema) = checker.schema {
        match schema.field(&field.name) {
            Some(spec) => {
                if let (Some(allowed), Literal::Text(text)) = (&spec.values, &literal) {
                    if !allowed.contains(text) {
                        checker.push(CheckError::UnknownValue {
                            field: field.name.clone(),
                            value: text.clone(),
                            help: unknown_help(
                                text,
                                allowed,
                                &format!("the values of `{}` are", field.name),
                            )
                            .replace("are; known:", "are"),
                            span: value.span,
                        });
                        return None;
                    }
                }
                Some(spec.ty)
            }
            None => {
                let mut names: Vec<String> = schema.fields.iter().map(|f| f.name.clone()).collect();
                names.push("amount".into());
                checker.push(CheckError::UnknownField {
                    name: field.name.clone(),
                    help: unknown_help(
                        &field.name,
                        &names,
                        "the dataset's fields are listed in its dataset.json",
                    ),
                    span: field.span,
                });
                return None;
            }
        }
    } else {
        None
    };
    if let Some(field_type) = field_type {
        if ordered && field_type != FieldType::Number {
            checker.push(CheckError::FieldType {
                field: field.name.clone(),
                field_type: "text (compared with `==`, `!=`, `in` and `not in`)".into(),
                value_type: "compared by order (`<`, `>`, `<=`, `>=`)".into(),
                span: value.span,
            });
            return None;
        }
        let matches = matches!(
            (field_type, &literal),
            (FieldType::Text, Literal::Text(_))
                | (FieldType::Number, Literal::Number(_))
                | (FieldType::Bool, Literal::Bool(_))
        );
        if !matches {
            let describe_field = match field_type {
                FieldType::Text => "text",
                FieldType::Number => "numbers",
                FieldType::Bool => "true or false",
            };
            let describe_value = match literal {
                Literal::Text(_) => "a text",
                Literal::Number(_) => "a number",
                Literal::Bool(_) => "true or false",
            };
            checker.push(CheckError::FieldType {
                field: field.name.clone(),
                field_type: describe_field.into(),
                value_type: describe_value.into(),
                span: value.span,
            });
            return None;
        }
    }
    Some(literal)
}

fn lower_requirement(
    checker: &mut Checker<'_>,
    env: &mut Env,
    params: &[Param],
    decl: &ast::RequireDecl,
) -> Option<RequirementBody> {
    let text = print::requirement_body(&decl.body, false);
    let kind = match &decl.body {
        ast::Requirement::Compare {
            left,
            op,
            op_span,
            right,
            from,
            until,
        } => {
            let l = type_expr(checker, env, params, left);
            let r = type_expr(checker, env, params, right);
            let from = lower_year_opt(checker, env, params, from);
            let until = lower_year_opt(checker, env, params, until);
            let (l, r) = (l?, r?);
            if matches!(op, ast::CompareOp::Eq | ast::CompareOp::Ne) {
                checker.push(CheckError::BadComparison {
                    op: op.symbol().into(),
                    span: *op_span,
                });
                return None;
            }
            check_comparable(checker, &l, right, &r, left, *op_span)?;
            if matches!(l.ty, Type::Bool | Type::Text) {
                checker.push(CheckError::BadComparison {
                    op: op.symbol().into(),
                    span: *op_span,
                });
                return None;
            }
            RequirementKind::Compare {
                left: l,
                op: *op,
                right: r,
                from,
                until,
            }
        }
        ast::Requirement::Path {
            value,
            target,
            by,
            from,
        } => {
            let v = type_expr(checker, env, params, value);
            let t = type_expr(checker, env, params, target);
            let by = lower_year(checker, env, params, by);
            let from = lower_year(checker, env, params, from);
            let (v, t) = (v?, t?);
            check_comparable(checker, &v, target, &t, value, decl.id.span)?;
            RequirementKind::Path {
                value: v,
                target: t,
                by: by?,
                from: from?,
            }
        }
    };
    Some(RequirementBody {
        kind,
        text,
        span: decl.span,
    })
}

fn check_comparable(
    checker: &mut Checker<'_>,
    left: &TExpr,
    right_ast: &ast::Expr,
    right: &TExpr,
    left_ast: &ast::Expr,
    span: Span,
) -> Option<()> {
    if left.ty == right.ty {
        return Some(());
    }
    let help = match (left.ty, right.ty) {
        (Type::Money, Type::Ratio) => format!(
            "an amount cannot be compared with a share: write `{} of gdp` to turn the share into an amount",
            operand(right_ast)
        ),
        (Type::Ratio, Type::Money) => format!(
            "a share cannot be compared with an amount: write `{} of gdp` on the left, or divide the right side by `gdp`",
            operand(left_ast)
        ),
        _ => "compare values of the same kind: amounts with amounts, shares with shares".to_string(),
    };
    checker.push(CheckError::UnitMismatch {
        left: left.ty.describe().into(),
        right: right.ty.describe().into(),
        help,
        span: left.span.join(right.span).join(span),
    });
    None
}

/// An expression as the left operand of `of`, in parentheses when needed.
fn operand(expr: &ast::Expr) -> String {
    let text = print::expr(expr);
    match expr.kind {
        ExprKind::Binary(..) | ExprKind::Neg(_) => format!("({text})"),
        _ => text,
    }
}

/// Types an expression, reporting unknown names and unit errors.
fn type_expr(
    checker: &mut Checker<'_>,
    env: &mut Env,
    params: &[Param],
    expr: &ast::Expr,
) -> Option<TExpr> {
    let span = expr.span;
    let make = |kind, ty| Some(TExpr { kind, ty, span });
    match &expr.kind {
        ExprKind::Number(n) => make(TExprKind::Const(*n), Type::Number),
        ExprKind::Percent(p) => make(TExprKind::Const(*p / Decimal::ONE_HUNDRED), Type::Ratio),
        ExprKind::Text(_) | ExprKind::Bool(_) => {
            checker.push(CheckError::TypeMismatch {
                operation: "calculate with".into(),
                left: "a text or true/false".into(),
                right: "numbers".into(),
                help: "requirements and caps calculate with amounts, shares and numbers".into(),
                span,
            });
            None
        }
        ExprKind::Name(name) => {
            if let Some(&index) = env.categories.get(name) {
                env.used_categories.insert(index);
                return make(TExprKind::Category(index), Type::Money);
            }
            if let Some(&(index, ty)) = env.params.get(name) {
                env.used_params.insert(index);
                if env.poisoned.contains(name) {
                    return None;
                }
                return make(TExprKind::Param(index), ty);
            }
            if let Some(&ty) = env.indicators.get(name) {
                return make(TExprKind::Indicator(name.clone()), ty);
            }
            let mut candidates: Vec<String> = env.categories.keys().cloned().collect();
            candidates.extend(env.params.keys().cloned());
            candidates.extend(env.indicators.keys().cloned());
            let hint = format!(
                "names in expressions are categories ({}), parameters ({}) or data series ({})",
                or_none(&env.categories.keys().cloned().collect::<Vec<_>>()),
                or_none(&env.params.keys().cloned().collect::<Vec<_>>()),
                or_none(&env.indicators.keys().cloned().collect::<Vec<_>>()),
            );
            let help =
                match crate::diagnostics::did_you_mean(name, candidates.iter().map(String::as_str))
                {
                    Some(s) => format!("did you mean `{s}`? {hint}"),
                    None => hint,
                };
            checker.push(CheckError::UnknownName {
                name: name.clone(),
                help,
                span,
            });
            None
        }
        ExprKind::Neg(inner) => {
            let inner = type_expr(checker, env, params, inner)?;
            let ty = inner.ty;
            make(TExprKind::Neg(Box::new(inner)), ty)
        }
        ExprKind::At(inner, at) => {
            let inner = type_expr(checker, env, params, inner)?;
            let ty = inner.ty;
            let spec = match at {
                AtYear::Relative { offset, .. } => AtSpec::Relative(*offset),
                AtYear::Fixed(year) => AtSpec::Fixed(lower_year(checker, env, params, year)?),
            };
            make(TExprKind::At(Box::new(inner), spec), ty)
        }
        ExprKind::Binary(op, left, right) => {
            let l = type_expr(checker, env, params, left);
            let r = type_expr(checker, env, params, right);
            let (l, r) = (l?, r?);
            let ty = binary_type(checker, *op, &l, &r, left, right, span)?;
            let (l, r) = (Box::new(l), Box::new(r));
            let kind = match op {
                BinaryOp::Add => TExprKind::Add(l, r),
                BinaryOp::Sub => TExprKind::Sub(l, r),
                BinaryOp::Mul | BinaryOp::Of => TExprKind::Mul(l, r),
                BinaryOp::Div => TExprKind::Div(l, r),
            };
            make(kind, ty)
        }
        ExprKind::Call(name, args) => type_call(checker, env, params, name, args, span),
    }
}

fn or_none(names: &[String]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        list_names(names)
    }
}

fn binary_type(
    checker: &mut Checker<'_>,
    op: BinaryOp,
    l: &TExpr,
    r: &TExpr,
    left: &ast::Expr,
    right: &ast::Expr,
    span: Span,
) -> Option<Type> {
    use Type::*;
    let result = match op {
        BinaryOp::Add | BinaryOp::Sub => {
            (l.ty == r.ty && matches!(l.ty, Money | Ratio | Number)).then_some(l.ty)
        }
        BinaryOp::Mul => match (l.ty, r.ty) {
            (Number, t) | (t, Number) if matches!(t, Money | Ratio | Number) => Some(t),
            (Ratio, Money) | (Money, Ratio) => Some(Money),
            (Ratio, Ratio) => Some(Ratio),
            _ => None,
        },
        BinaryOp::Div => match (l.ty, r.ty) {
            (Money, Money) => Some(Ratio),
            (Ratio, Ratio) => Some(Number),
            (t, Number) if matches!(t, Money | Ratio | Number) => Some(t),
            (Money, Ratio) => Some(Money),
            _ => None,
        },
        BinaryOp::Of => {
            if l.ty != Ratio {
                checker.push(CheckError::NotAShare {
                    found: l.ty.describe().into(),
                    span: left.span,
                });
                return None;
            }
            matches!(r.ty, Money | Ratio | Number).then_some(r.ty)
        }
    };
    if result.is_none() {
        let operation = match op {
            BinaryOp::Add => "add",
            BinaryOp::Sub => "subtract",
            BinaryOp::Mul | BinaryOp::Of => "multiply",
            BinaryOp::Div => "divide",
        };
        let help = match (l.ty, r.ty) {
            (Money, Ratio) | (Ratio, Money) if matches!(op, BinaryOp::Add | BinaryOp::Sub) => {
                let (share, _) = if l.ty == Ratio { (left, right) } else { (right, left) };
                format!("turn the share into an amount first: `{} of gdp`", operand(share))
            }
            (Money, Money) => "two amounts can be added, subtracted or divided (giving a share), not multiplied".into(),
            _ => "amounts go with amounts and shares with shares; `x% of y` turns a share into an amount".into(),
        };
        checker.push(CheckError::TypeMismatch {
            operation: operation.into(),
            left: l.ty.describe().into(),
            right: r.ty.describe().into(),
            help,
            span,
        });
    }
    result
}

fn type_call(
    checker: &mut Checker<'_>,
    env: &mut Env,
    params: &[Param],
    name: &Ident,
    args: &[ast::Expr],
    span: Span,
) -> Option<TExpr> {
    let bad = |checker: &mut Checker<'_>, message: String, help: &str| {
        checker.push(CheckError::BadCall {
            message,
            help: help.into(),
            span,
        });
        None
    };
    // Names inside a call count as used even if the call itself is wrong,
    // so that one mistake does not also produce "never used" warnings.
    for arg in args {
        names_in(arg, &mut |n| {
            if let Some(&index) = env.categories.get(n) {
                env.used_categories.insert(index);
            }
            if let Some(&(index, _)) = env.params.get(n) {
                env.used_params.insert(index);
            }
        });
    }
    match name.name.as_str() {
        "count" => {
            let [ast::Expr {
                kind: ExprKind::Name(requirement),
                span: arg_span,
            }] = args
            else {
                return bad(
                    checker,
                    "`count` takes one requirement id".into(),
                    "write `count(core_floor)`",
                );
            };
            let Some(&index) = env.requirements.get(requirement) else {
                let names: Vec<String> = env.requirements.keys().cloned().collect();
                checker.push(CheckError::UnknownRequirement {
                    name: requirement.clone(),
                    help: unknown_help(
                        requirement,
                        &names,
                        "`count` takes the id of a requirement of this pledge",
                    ),
                    span: *arg_span,
                });
                return None;
            };
            Some(TExpr {
                kind: TExprKind::Count(index),
                ty: Type::Number,
                span,
            })
        }
        "money" => {
            let [arg] = args else {
                return bad(
                    checker,
                    "`money` takes one number".into(),
                    "write `money(500)` for 500 in the dataset's money unit",
                );
            };
            let arg = type_expr(checker, env, params, arg)?;
            if arg.ty != Type::Number {
                return bad(
                    checker,
                    format!("`money` takes a plain number, not {}", arg.ty.describe()),
                    "write `money(500)` for 500 in the dataset's money unit",
                );
            }
            Some(TExpr {
                kind: arg.kind,
                ty: Type::Money,
                span,
            })
        }
        "alliance" => {
            let [arg] = args else {
                return bad(
                    checker,
                    "`alliance` takes one expression".into(),
                    "write `alliance(core)` for the total over all members",
                );
            };
            let arg = type_expr(checker, env, params, arg)?;
            let ty = arg.ty;
            Some(TExpr {
                kind: TExprKind::Alliance(Box::new(arg)),
                ty,
                span,
            })
        }
        "round" => {
            let [value, digits] = args else {
                return bad(
                    checker,
                    "`round` takes a value and a number of decimals".into(),
                    "write `round(x, 2)`",
                );
            };
            let places = match &digits.kind {
                ExprKind::Number(n)
                    if n.fract().is_zero() && *n >= Decimal::ZERO && *n <= Decimal::from(12) =>
                {
                    u32::try_from(n.mantissa()).ok()
                }
                _ => None,
            };
            let Some(places) = places else {
                return bad(
                    checker,
                    "the number of decimals must be a whole number from 0 to 12".into(),
                    "write `round(x, 2)`",
                );
            };
            let value = type_expr(checker, env, params, value)?;
            let ty = value.ty;
            Some(TExpr {
                kind: TExprKind::Round(Box::new(value), places),
                ty,
                span,
            })
        }
        _ => {
            // min and max
            if args.is_empty() {
                return bad(
                    checker,
                    format!("`{}` needs at least one value", name.name),
                    "write `min(a, b)`",
                );
            }
            let mut typed = Vec::new();
            for arg in args {
                typed.push(type_expr(checker, env, params, arg));
            }
            let typed: Vec<TExpr> = typed.into_iter().collect::<Option<_>>()?;
            let ty = typed.first().map_or(Type::Number, |t| t.ty);
            if typed.iter().any(|t| t.ty != ty) {
                return bad(
                    checker,
                    format!("the values of `{}` must all be of one kind", name.name),
                    "compare amounts with amounts and shares with shares",
                );
            }
            let kind = if name.name == "min" {
                TExprKind::Min(typed)
            } else {
                TExprKind::Max(typed)
            };
            Some(TExpr { kind, ty, span })
        }
    }
}

/// Collects pairs of categories that an expression adds together. Terms
/// with opposite signs are not pairs: `core - pensions` subtracts an overlap
/// on purpose.
/// `count(x)` inside requirement `x`, or requirements that count each other
/// in a circle: how many allies meet `x` would depend on itself.
fn count_cycles(checker: &mut Checker<'_>, requirements: &[Requirement]) {
    // For each requirement, the requirements it counts, with the span of the
    // first `count(...)` naming each.
    let counts: Vec<BTreeMap<RequirementId, Span>> = requirements
        .iter()
        .map(|requirement| {
            let mut found = BTreeMap::new();
            let bodies = requirement
                .body
                .iter()
                .chain(requirement.scoped.iter().map(|(_, b)| b));
            for body in bodies {
                for expr in body.kind.expressions() {
                    walk(expr, &mut |sub| {
                        if let TExprKind::Count(other) = sub.kind {
                            found.entry(other).or_insert(sub.span);
                        }
                    });
                }
            }
            found
        })
        .collect();
    let mut reported: BTreeSet<RequirementId> = BTreeSet::new();
    for start in 0..requirements.len() {
        if reported.contains(&start) {
            continue;
        }
        // The shortest chain of counts from `start` back to `start`.
        let mut previous: BTreeMap<RequirementId, RequirementId> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([start]);
        let mut closing = None;
        while let Some(at) = queue.pop_front() {
            let Some(next) = counts.get(at) else { continue };
            if next.contains_key(&start) {
                closing = Some(at);
                break;
            }
            for &other in next.keys() {
                if other != start && !previous.contains_key(&other) {
                    previous.insert(other, at);
                    queue.push_back(other);
                }
            }
        }
        let Some(last) = closing else { continue };
        let mut chain = vec![last];
        while let Some(&before) = chain.last().and_then(|at| previous.get(at)) {
            chain.push(before);
        }
        chain.reverse();
        if chain.first() != Some(&start) {
            chain.insert(0, start);
        }
        let names: Vec<String> = chain
            .iter()
            .chain(std::iter::once(&start))
            .filter_map(|&i| requirements.get(i).map(|r| format!("`{}`", r.id)))
            .collect();
        let Some(name) = requirements.get(start).map(|r| r.id.clone()) else {
            continue;
        };
        let first_link = chain.get(1).copied().unwrap_or(start);
        let Some(&span) = counts.get(start).and_then(|c| c.get(&first_link)) else {
            continue;
        };
        reported.extend(chain.iter().copied());
        checker.push(CheckError::CountCycle {
            chain: if chain.len() == 1 {
                String::new()
            } else {
                format!(" through {}", names.join(" → "))
            },
            name,
            span,
        });
    }
}

fn collect_sums(expr: &TExpr, pairs: &mut BTreeSet<(CategoryId, CategoryId)>) {
    let add_pairs = |terms: &[(CategoryId, bool)],
                     pairs: &mut BTreeSet<(CategoryId, CategoryId)>| {
        for (i, (a, sign_a)) in terms.iter().enumerate() {
            for (b, sign_b) in terms.iter().skip(i + 1) {
                if a != b && sign_a == sign_b {
                    pairs.insert(((*a).min(*b), (*a).max(*b)));
                }
            }
        }
    };
    let mut terms = Vec::new();
    additive_terms(expr, true, &mut terms);
    add_pairs(&terms, pairs);
    walk(expr, &mut |sub| {
        if let TExprKind::Mul(a, b) | TExprKind::Div(a, b) = &sub.kind {
            for side in [a, b] {
                let mut inner = Vec::new();
                additive_terms(side, true, &mut inner);
                add_pairs(&inner, pairs);
            }
        }
    });
}

fn additive_terms(expr: &TExpr, positive: bool, terms: &mut Vec<(CategoryId, bool)>) {
    match &expr.kind {
        TExprKind::Add(a, b) => {
            additive_terms(a, positive, terms);
            additive_terms(b, positive, terms);
        }
        TExprKind::Sub(a, b) => {
            additive_terms(a, positive, terms);
            additive_terms(b, !positive, terms);
        }
        TExprKind::Neg(a) => additive_terms(a, !positive, terms),
        TExprKind::Category(c) => terms.push((*c, positive)),
        _ => {}
    }
}

fn lower_example(
    checker: &mut Checker<'_>,
    env: &mut Env,
    params: &[Param],
    example: &ast::ExampleDecl,
) -> Example {
    let mut country = "XXX".to_string();
    let mut year = 2035;
    let mut rows = Vec::new();
    let mut indicators = Vec::new();
    let mut expectations = Vec::new();
    for statement in &example.statements {
        match statement {
            ast::ExampleStatement::Country(code) => country = code.name.clone(),
            ast::ExampleStatement::Year { year: y, .. } => year = *y,
            ast::ExampleStatement::Indicator { name, value, .. } => {
                let value = match env.indicators.get(&name.name) {
                    Some(Type::Ratio) => *value / Decimal::ONE_HUNDRED,
                    Some(_) => *value,
                    None => {
                        let names: Vec<String> = env.indicators.keys().cloned().collect();
                        checker.push(CheckError::UnknownName {
                            name: name.name.clone(),
                            help: unknown_help(
                                &name.name,
                                &names,
                                "an example sets data series of the dataset",
                            ),
                            span: name.span,
                        });
                        continue;
                    }
                };
                indicators.push((year, name.name.clone(), value));
            }
            ast::ExampleStatement::Item {
                amount,
                fields,
                tags,
                span,
            } => {
                let mut lowered = Vec::new();
                for (field, value) in fields {
                    if let Some(literal) = lower_field_value(checker, field, value, false) {
                        lowered.push((field.name.clone(), literal));
                    }
                }
                let mut tag_names = Vec::new();
                for tag in tags {
                    if let Some(schema) = checker.schema {
                        if !schema.tags.contains(&tag.name) {
                            checker.push(CheckError::UnknownTag {
                                name: tag.name.clone(),
                                help: unknown_help(
                                    &tag.name,
                                    &schema.tags,
                                    "the dataset's tags are listed in its dataset.json",
                                ),
                                span: tag.span,
                            });
                            continue;
                        }
                    }
                    tag_names.push(tag.name.clone());
                }
                rows.push(ExampleRow {
                    year,
                    amount: *amount,
                    fields: lowered,
                    tags: tag_names,
                    span: *span,
                });
            }
            ast::ExampleStatement::ExpectStatus {
                requirement,
                status,
                span,
            } => {
                let Some(&index) = env.requirements.get(&requirement.name) else {
                    let names: Vec<String> = env.requirements.keys().cloned().collect();
                    checker.push(CheckError::UnknownRequirement {
                        name: requirement.name.clone(),
                        help: unknown_help(
                            &requirement.name,
                            &names,
                            "`expect` names a requirement of this pledge",
                        ),
                        span: requirement.span,
                    });
                    continue;
                };
                // The grammar admits only the five outcome words.
                expectations.push(Expectation {
                    year,
                    kind: ExpectationKind::Status {
                        requirement: index,
                        status: status.name.clone(),
                    },
                    text: format!("{} {}", requirement.name, status.name),
                    span: *span,
                });
            }
            ast::ExampleStatement::ExpectCompare {
                left,
                op,
                right,
                span,
            } => {
                let l = type_expr(checker, env, params, left);
                let r = type_expr(checker, env, params, right);
                let (Some(mut l), Some(r)) = (l, r) else {
                    continue;
                };
                // A plain number on either side takes the other side's unit, so
                // that `expect related == 25` reads naturally.
                let r = adopt_unit(r, l.ty);
                l = adopt_unit(l, r.ty);
                if check_comparable(checker, &l, right, &r, left, *span).is_none() {
                    continue;
                }
                expectations.push(Expectation {
                    year,
                    kind: ExpectationKind::Compare {
                        left: l,
                        op: *op,
                        right: r,
                    },
                    text: format!(
                        "{} {} {}",
                        print::expr(left),
                        op.symbol(),
                        print::expr(right)
                    ),
                    span: *span,
                });
            }
        }
    }
    Example {
        name: example.name.value.clone(),
        span: example.name.span,
        country,
        rows,
        indicators,
        expectations,
    }
}

fn adopt_unit(expr: TExpr, ty: Type) -> TExpr {
    if let TExprKind::Const(_) = expr.kind {
        if expr.ty == Type::Number && ty == Type::Money {
            return TExpr { ty, ..expr };
        }
    }
    expr
}
