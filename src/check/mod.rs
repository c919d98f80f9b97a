//! Stage 2: `Workspace` (parsed files) → `Checked`. Applies `extends`,
//! `amend`, `replace` and `for` scopes to build one draft per pledge, then
//! resolves and types it (`lower`) and looks for overlaps between categories
//! (`overlap`). Every problem is collected; a `Checked` is returned only when
//! there are no errors. Warnings never stop a run.

mod conditions;
mod errors;
mod examples;
mod lower;
mod order;
mod overlap;
mod params;
mod published;
mod resolve;
mod set;
mod types;
mod weights;

use std::collections::BTreeSet;

pub use errors::CheckError;
pub(crate) use params::{constant_value, describe_value};
pub use set::{apply_sets, set_param, set_problems, SetError, SetProblem};

use crate::ast::{self, Clause, Ident, Item, ReplaceDecl};
use crate::data::schema::Manifest;
use crate::diagnostics::{suggest, Problem};
use crate::program::Checked;
use crate::source::Span;
use crate::workspace::{LoadedFile, Workspace};

/// How many `extends` may be chained.
const MAX_EXTENDS_DEPTH: usize = 16;

/// What `check` found: the checked pledges (only when there is no error)
/// and every diagnostic, typed, in the order found. Errors and warnings are
/// told apart by their severity; warnings never stop a run.
#[derive(Debug)]
pub struct CheckReport {
    pub checked: Option<Checked>,
    pub diagnostics: Vec<CheckError>,
}

impl CheckReport {
    /// The diagnostics that stop a run.
    pub fn errors(&self) -> impl Iterator<Item = &CheckError> {
        self.diagnostics.iter().filter(|d| !is_warning(d))
    }

    /// The diagnostics that are printed but never stop a run.
    pub fn warnings(&self) -> impl Iterator<Item = &CheckError> {
        self.diagnostics.iter().filter(|d| is_warning(d))
    }

    /// The checked pledges and the diagnostics as rendered reports over the
    /// workspace's texts, in the order found: for the edges (the command line
    /// and the language server) that print them.
    pub fn into_problems(
        self,
        sources: &crate::source::Sources,
    ) -> (Option<Checked>, Vec<Problem>) {
        let problems = self
            .diagnostics
            .into_iter()
            .map(|error| {
                let file = error_file(&error);
                Problem::new(error, sources, file)
            })
            .collect();
        (self.checked, problems)
    }
}

fn is_warning(error: &CheckError) -> bool {
    miette::Diagnostic::severity(error) == Some(miette::Severity::Warning)
}

/// Checks the root file of a workspace (and, through it, its bases) against
/// an optional dataset schema.
pub fn check(workspace: &Workspace, schema: Option<&Manifest>) -> CheckReport {
    let mut checker = Checker {
        workspace,
        schema,
        diagnostics: Vec::new(),
    };
    let mut programs = Vec::new();
    if let Some(root) = workspace.root() {
        let mut names: Vec<&ast::Text> = Vec::new();
        for pledge in &root.ast.pledges {
            if names.iter().any(|n| n.value == pledge.name.value) {
                checker.push(CheckError::DuplicatePledge {
                    name: pledge.name.value.clone(),
                    span: pledge.name.span,
                });
            }
            names.push(&pledge.name);
            let draft = checker.draft(root, pledge, 0);
            if let Some(program) = lower::lower(&mut checker, draft) {
                programs.push(program);
            }
        }
    }
    let has_errors = checker.diagnostics.iter().any(|d| !is_warning(d));
    let checked = (!has_errors).then(|| Checked::new(programs));
    CheckReport {
        checked,
        diagnostics: checker.diagnostics,
    }
}

pub(crate) struct Checker<'a> {
    pub(crate) workspace: &'a Workspace,
    pub(crate) schema: Option<&'a Manifest>,
    pub(crate) diagnostics: Vec<CheckError>,
}

impl Checker<'_> {
    pub(crate) fn push(&mut self, error: CheckError) {
        self.diagnostics.push(error);
    }
}

fn error_file(error: &CheckError) -> crate::source::FileId {
    use CheckError::*;
    let span = match error {
        UnknownCategory { span, .. }
        | UnknownName { span, .. }
        | UnknownParam { span, .. }
        | UnknownRequirement { span, .. }
        | UnknownGroup { span, .. }
        | UnknownCountry { span, .. }
        | UnknownField { span, .. }
        | UnknownValue { span, .. }
        | UnknownTag { span, .. }
        | FieldType { span, .. }
        | UnitMismatch { span, .. }
        | TypeMismatch { span, .. }
        | NotAShare { span, .. }
        | BadCall { span, .. }
        | AlreadyInBase { span, .. }
        | UnusedParam { span, .. }
        | UnusedCategory { span, .. }
        | UnusedGroup { span, .. }
        | LoweredWeight { span, .. }
        | PathToDatedParam { span, .. }
        | ExampleLineTwice { span, .. }
        | UnpublishedCategory { span, .. }
        | UnpublishedClause { span, .. }
        | CategoryCycle { span, .. }
        | CountCycle { span, .. }
        | Overlap { span, .. }
        | ParamNotConstant { span, .. }
        | NotAYear { span, .. }
        | OverlappingValues { span, .. }
        | ParamType { span, .. }
        | BadWeight { span, .. }
        | BadComparison { span, .. }
        | DuplicatePledge { span, .. }
        | NameClash { span, .. }
        | ExtendsTooDeep { span, .. } => span,
        Duplicate { again, .. } => again,
    };
    span.file
}

/// A pledge with its bases applied, still in syntax form. It borrows the
/// declarations from the workspace's syntax trees rather than copying them.
#[derive(Debug, Default)]
pub(crate) struct Draft<'a> {
    pub(crate) name: &'a str,
    pub(crate) span: Span,
    pub(crate) source: Option<&'a str>,
    pub(crate) status: Option<&'a str>,
    pub(crate) meta: Vec<(&'a str, &'a str)>,
    pub(crate) bases: Vec<&'a str>,
    pub(crate) params: Vec<DraftParam<'a>>,
    pub(crate) groups: Vec<(&'a Ident, &'a [Ident])>,
    pub(crate) categories: Vec<DraftCategory<'a>>,
    pub(crate) requirements: Vec<DraftRequirement<'a>>,
    pub(crate) examples: Vec<&'a ast::ExampleDecl>,
    /// Positions in `categories` and `requirements` by name, so that large
    /// files do not search lists.
    category_positions: std::collections::HashMap<&'a str, usize>,
    requirement_positions: std::collections::HashMap<&'a str, usize>,
}

#[derive(Debug)]
pub(crate) struct DraftParam<'a> {
    pub(crate) name: &'a Ident,
    pub(crate) values: &'a [ast::ParamValue],
    pub(crate) overrides: Vec<(&'a [Ident], &'a [ast::ParamValue])>,
    pub(crate) span: Span,
}

#[derive(Debug)]
pub(crate) struct DraftCategory<'a> {
    pub(crate) id: &'a Ident,
    pub(crate) label: Option<&'a str>,
    pub(crate) within: Option<&'a Ident>,
    pub(crate) clauses: Vec<&'a Clause>,
    /// (countries, replace?, clauses)
    pub(crate) scoped: Vec<(&'a [Ident], bool, &'a [Clause])>,
}

#[derive(Debug)]
pub(crate) struct DraftRequirement<'a> {
    pub(crate) id: &'a Ident,
    pub(crate) body: Option<&'a ast::RequireDecl>,
    pub(crate) scoped: Vec<(&'a [Ident], &'a ast::RequireDecl)>,
}

/// What a pledge defines itself (as opposed to what it inherits).
#[derive(Default)]
struct Own<'a> {
    params: BTreeSet<&'a str>,
    categories: BTreeSet<&'a str>,
    requirements: BTreeSet<&'a str>,
    groups: BTreeSet<&'a str>,
    examples: BTreeSet<&'a str>,
}

impl<'a> Checker<'a> {
    fn draft(&mut self, file: &'a LoadedFile, pledge: &'a ast::Pledge, depth: usize) -> Draft<'a> {
        let mut draft = Draft::default();
        if let Some(base) = &pledge.extends {
            let base_pledge = self
                .workspace
                .base_of(file.id, &base.value)
                .and_then(|f| f.ast.pledges.first().map(|p| (f, p)));
            // Missing and ambiguous bases, and cycles, are reported by the loader.
            if let Some((base_file, base_pledge)) = base_pledge {
                if depth < MAX_EXTENDS_DEPTH {
                    draft = self.draft(base_file, base_pledge, depth + 1);
                    draft.bases.insert(0, &base_pledge.name.value);
                    // Examples test the base text; they are not inherited.
                    draft.examples.clear();
                } else {
                    self.push(CheckError::ExtendsTooDeep {
                        limit: MAX_EXTENDS_DEPTH,
                        span: base.span,
                    });
                }
            }
        }
        draft.name = &pledge.name.value;
        draft.span = pledge.name.span;
        let mut own = Own::default();
        for item in &pledge.items {
            self.apply(&mut draft, &mut own, item, None);
        }
        draft
    }

    fn apply(
        &mut self,
        draft: &mut Draft<'a>,
        own: &mut Own<'a>,
        item: &'a Item,
        scope: Option<&'a [Ident]>,
    ) {
        match item {
            Item::Source(text) => draft.source = Some(&text.value),
            Item::Status(status) => draft.status = Some(&status.name),
            Item::Meta { key, value } => {
                draft.meta.retain(|(k, _)| *k != key.name);
                draft.meta.push((&key.name, &value.value));
            }
            Item::Param(param) => self.apply_param(draft, own, param, scope),
            Item::Group(group) => self.apply_group(draft, own, group),
            Item::Category(category) => self.apply_category(draft, own, category),
            Item::Amend(amend) => {
                if let Some(target) = self.category_to_change(draft, &amend.category, "amend") {
                    match scope {
                        Some(targets) => scope_clauses(target, targets, false, &amend.clauses),
                        None => target.clauses.extend(amend.clauses.iter()),
                    }
                }
            }
            Item::Replace(ReplaceDecl::Category(category)) => {
                if let Some(target) = self.category_to_change(draft, &category.id, "replace") {
                    match scope {
                        Some(targets) => scope_clauses(target, targets, true, &category.clauses),
                        None => replace_category(target, category),
                    }
                }
            }
            Item::Replace(ReplaceDecl::Require(require)) => {
                self.replace_requirement(draft, require, scope);
            }
            Item::Require(require) => self.apply_requirement(draft, own, require, scope),
            Item::Scope(block) => {
                for inner in &block.items {
                    self.apply(draft, own, inner, Some(&block.targets));
                }
            }
            Item::Example(example) => self.apply_example(draft, own, example),
        }
    }

    fn apply_group(&mut self, draft: &mut Draft<'a>, own: &mut Own<'a>, group: &'a ast::GroupDecl) {
        if own.groups.contains(group.name.name.as_str()) {
            let first = draft
                .groups
                .iter()
                .find(|(n, _)| n.name == group.name.name)
                .map(|(n, _)| n.span);
            self.duplicate(
                "group",
                &group.name,
                first,
                "give the second group another name",
            );
            return;
        }
        own.groups.insert(&group.name.name);
        draft.groups.retain(|(n, _)| n.name != group.name.name);
        draft.groups.push((&group.name, &group.members));
    }

    fn apply_category(
        &mut self,
        draft: &mut Draft<'a>,
        own: &mut Own<'a>,
        category: &'a ast::CategoryDecl,
    ) {
        let name = category.id.name.as_str();
        let existing = draft
            .category_positions
            .get(name)
            .and_then(|&i| draft.categories.get(i));
        if let Some(existing) = existing {
            let first = existing.id.span;
            self.defined_again(
                "category",
                &category.id,
                own.categories.contains(name).then_some(Some(first)),
                "give the second category another name, or merge their clauses",
                format!("use `amend category {name} {{ ... }}` to add clauses or `replace category {name} {{ ... }}` to swap it"),
            );
            return;
        }
        own.categories.insert(name);
        draft
            .category_positions
            .insert(name, draft.categories.len());
        draft.categories.push(DraftCategory {
            id: &category.id,
            label: category.label.as_ref().map(|l| l.value.as_str()),
            within: category.within.as_ref(),
            clauses: category.clauses.iter().collect(),
            scoped: Vec::new(),
        });
    }

    /// `replace require`: swaps the body of a requirement the pledge or its
    /// base defines (for everyone, or for the countries of `scope`).
    fn replace_requirement(
        &mut self,
        draft: &mut Draft<'a>,
        require: &'a ast::RequireDecl,
        scope: Option<&'a [Ident]>,
    ) {
        let position = draft.requirement_positions.get(require.id.name.as_str());
        let Some(existing) = position.and_then(|&i| draft.requirements.get_mut(i)) else {
            let candidates: Vec<String> = draft
                .requirements
                .iter()
                .map(|r| r.id.name.clone())
                .collect();
            self.push(CheckError::UnknownRequirement {
                name: require.id.name.clone(),
                help: unknown_help(
                    &require.id.name,
                    &candidates,
                    "`replace require` swaps a requirement the pledge or its base defines; to add one, write `require`",
                ),
                span: require.id.span,
            });
            return;
        };
        match scope {
            Some(targets) => existing.scoped.push((targets, require)),
            None => existing.body = Some(require),
        }
    }

    fn apply_requirement(
        &mut self,
        draft: &mut Draft<'a>,
        own: &mut Own<'a>,
        require: &'a ast::RequireDecl,
        scope: Option<&'a [Ident]>,
    ) {
        let name = require.id.name.as_str();
        let existing = draft
            .requirement_positions
            .get(name)
            .and_then(|&i| draft.requirements.get(i));
        if let Some(existing) = existing {
            let first = existing
                .body
                .as_ref()
                .map(|b| b.id.span)
                .or_else(|| existing.scoped.first().map(|(_, b)| b.id.span));
            self.defined_again(
                "requirement",
                &require.id,
                own.requirements.contains(name).then_some(first),
                "requirement ids must be unique; rename one, or use `replace require` inside `for` for country exceptions",
                format!("use `replace require {name}: ...` to change it"),
            );
            return;
        }
        own.requirements.insert(name);
        let (body, scoped) = match scope {
            Some(targets) => (None, vec![(targets, require)]),
            None => (Some(require), Vec::new()),
        };
        draft
            .requirement_positions
            .insert(name, draft.requirements.len());
        draft.requirements.push(DraftRequirement {
            id: &require.id,
            body,
            scoped,
        });
    }

    fn apply_example(
        &mut self,
        draft: &mut Draft<'a>,
        own: &mut Own<'a>,
        example: &'a ast::ExampleDecl,
    ) {
        if own.examples.contains(example.name.value.as_str()) {
            let first = draft
                .examples
                .iter()
                .find(|e| e.name.value == example.name.value)
                .map(|e| e.name.span);
            let ident = Ident {
                name: example.name.value.clone(),
                span: example.name.span,
            };
            self.duplicate("example", &ident, first, "give each example its own name");
            return;
        }
        own.examples.insert(&example.name.value);
        draft.examples.push(example);
    }

    fn apply_param(
        &mut self,
        draft: &mut Draft<'a>,
        own: &mut Own<'a>,
        param: &'a ast::ParamDecl,
        scope: Option<&'a [Ident]>,
    ) {
        let name = param.name.name.as_str();
        let existing = draft.params.iter().position(|p| p.name.name == *name);
        match (scope, existing) {
            (Some(targets), Some(index)) => {
                if let Some(target) = draft.params.get_mut(index) {
                    target.overrides.push((targets, &param.values));
                }
            }
            (Some(_), None) => {
                let candidates: Vec<String> =
                    draft.params.iter().map(|p| p.name.name.clone()).collect();
                self.push(CheckError::UnknownParam {
                    name: name.to_string(),
                    help: unknown_help(
                        name,
                        &candidates,
                        "a `for` block can only change a parameter defined for everyone; add `param` outside the block first",
                    ),
                    span: param.name.span,
                });
            }
            (None, Some(index)) => {
                if own.params.contains(name) {
                    let first = draft.params.get(index).map(|p| p.name.span);
                    self.duplicate(
                        "parameter",
                        &param.name,
                        first,
                        "a parameter has one definition; give dated values in one line: `param x = 2% until 2029, 3% from 2030`",
                    );
                    return;
                }
                // An extension overrides the base value.
                own.params.insert(name);
                if let Some(target) = draft.params.get_mut(index) {
                    target.values = &param.values;
                    target.span = param.span;
                    target.name = &param.name;
                }
            }
            (None, None) => {
                own.params.insert(name);
                draft.params.push(DraftParam {
                    name: &param.name,
                    values: &param.values,
                    overrides: Vec::new(),
                    span: param.span,
                });
            }
        }
    }

    /// The category `id` names, for `amend` or `replace` (`verb`); unknown
    /// names are reported.
    fn category_to_change<'d>(
        &mut self,
        draft: &'d mut Draft<'a>,
        id: &Ident,
        verb: &str,
    ) -> Option<&'d mut DraftCategory<'a>> {
        let Some(&index) = draft.category_positions.get(id.name.as_str()) else {
            let candidates: Vec<String> =
                draft.categories.iter().map(|c| c.id.name.clone()).collect();
            self.push(CheckError::UnknownCategory {
                name: id.name.clone(),
                help: unknown_help(
                    &id.name,
                    &candidates,
                    &format!("`{verb}` works on a category the pledge or its base defines; define it with `category`"),
                ),
                span: id.span,
            });
            return None;
        };
        draft.categories.get_mut(index)
    }

    /// A name defined again: twice in this file (`twice` holds where it was
    /// first defined), else already in a base (with `base_help`).
    fn defined_again(
        &mut self,
        what: &str,
        again: &Ident,
        twice: Option<Option<Span>>,
        help: &str,
        base_help: String,
    ) {
        match twice {
            Some(first) => self.duplicate(what, again, first, help),
            None => self.push(CheckError::AlreadyInBase {
                what: what.into(),
                name: again.name.clone(),
                help: base_help,
                span: again.span,
            }),
        }
    }

    fn duplicate(&mut self, what: &str, again: &Ident, first: Option<Span>, help: &str) {
        let (first_label, help) = match first {
            Some(span) if span.file == again.span.file => (Some(span), help.to_string()),
            Some(span) => (
                None,
                format!(
                    "first defined at {}; {help}",
                    self.workspace.sources.location(span)
                ),
            ),
            None => (None, help.to_string()),
        };
        self.push(CheckError::Duplicate {
            what: what.to_string(),
            name: again.name.clone(),
            help,
            again: again.span,
            first: first_label,
        });
    }
}

/// Clauses that add to (`replace`: swap) a category for some countries.
fn scope_clauses<'a>(
    target: &mut DraftCategory<'a>,
    targets: &'a [Ident],
    replace: bool,
    clauses: &'a [Clause],
) {
    target.scoped.push((targets, replace, clauses));
}

/// `replace category` for everyone: the clauses, and the label and parent
/// where given.
fn replace_category<'a>(target: &mut DraftCategory<'a>, category: &'a ast::CategoryDecl) {
    target.clauses = category.clauses.iter().collect();
    if let Some(label) = &category.label {
        target.label = Some(&label.value);
    }
    if category.within.is_some() {
        target.within = category.within.as_ref();
    }
}

/// "did you mean `x`?" followed by a general hint, or the hint alone.
pub(crate) fn unknown_help(name: &str, candidates: &[String], hint: &str) -> String {
    suggest(name, candidates.iter().map(String::as_str), hint, || {
        if candidates.is_empty() {
            hint.to_string()
        } else {
            format!("{hint}; known: {}", list_names(candidates))
        }
    })
}

/// `a`, `b`, `c` (at most eight, then "and N more").
pub(crate) fn list_names(names: &[String]) -> String {
    let shown: Vec<String> = names.iter().take(8).map(|n| format!("`{n}`")).collect();
    let mut out = shown.join(", ");
    if names.len() > 8 {
        out.push_str(&format!(" and {} more", names.len() - 8));
    }
    out
}
