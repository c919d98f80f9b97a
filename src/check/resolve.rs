//! Resolving names: groups, countries and `for` targets.

use std::collections::{BTreeMap, BTreeSet};

use super::{unknown_help, CheckError, Checker, Draft};
use crate::ast::Ident;
use crate::data::schema::NATO_ALLIES;
use crate::program::*;

pub(crate) fn lower_groups(
    checker: &mut Checker<'_>,
    draft: &Draft,
) -> BTreeMap<String, BTreeSet<String>> {
    let mut groups = BTreeMap::new();
    for (name, members) in &draft.groups {
        let mut set = BTreeSet::new();
        for member in *members {
            if check_country(checker, member) {
                set.insert(member.name.clone());
            }
        }
        groups.insert(name.name.clone(), set);
    }
    groups
}

pub(crate) fn known_countries(checker: &Checker<'_>) -> Vec<String> {
    let mut known: Vec<String> = NATO_ALLIES.iter().map(|c| c.to_string()).collect();
    if let Some(schema) = checker.schema {
        known.extend(schema.countries.iter().map(|c| c.code.clone()));
    }
    known.sort();
    known.dedup();
    known
}

pub(crate) fn check_country(checker: &mut Checker<'_>, code: &Ident) -> bool {
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

pub(crate) fn resolve_targets(
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

/// Groups that no `for` block names: defining one changes nothing.
pub(crate) fn unused_groups(checker: &mut Checker<'_>, draft: &Draft) {
    let mut used: BTreeSet<&str> = BTreeSet::new();
    let params = draft
        .params
        .iter()
        .flat_map(|p| p.overrides.iter().map(|(t, _)| t));
    let categories = draft
        .categories
        .iter()
        .flat_map(|c| c.scoped.iter().map(|(t, _, _)| t));
    let requirements = draft
        .requirements
        .iter()
        .flat_map(|r| r.scoped.iter().map(|(t, _)| t));
    let names: Vec<&str> = draft
        .groups
        .iter()
        .map(|(name, _)| name.name.as_str())
        .collect();
    let mut meant: Vec<String> = Vec::new();
    for targets in params.chain(categories).chain(requirements) {
        for target in *targets {
            used.insert(target.name.as_str());
            // A misspelt group is reported as unknown; the group it was
            // meant to be is not reported as unused too.
            meant.extend(crate::diagnostics::did_you_mean(
                &target.name,
                names.iter().copied(),
            ));
        }
    }
    used.extend(meant.iter().map(String::as_str));
    for (name, _) in &draft.groups {
        if !used.contains(name.name.as_str()) {
            checker.push(CheckError::UnusedGroup {
                name: name.name.clone(),
                span: name.span,
            });
        }
    }
}
