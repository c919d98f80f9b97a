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
        for member in members {
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
