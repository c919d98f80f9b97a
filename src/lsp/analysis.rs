//! What the language server knows about one open rule file: its workspace
//! (the file and its `extends` chain, open editors' text first), the
//! problems `check` finds against the file's dataset, the definitions of
//! its names, and, when asked, its outcomes on that dataset.

use std::cell::OnceCell;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::ast::{self, Item};
use crate::data::Dataset;
use crate::diagnostics::Problem;
use crate::eval::outcome::{PledgeOutcome, Status};
use crate::program::Checked;
use crate::source::Span;
use crate::workspace::{self, Workspace};

/// A name defined in a rule file.
#[derive(Debug, Clone)]
pub struct Definition {
    pub kind: &'static str,
    pub name: String,
    /// The file it is defined in and the span of its name.
    pub path: PathBuf,
    pub span: Span,
    /// The whole declaration, for hover.
    pub declaration: Span,
}

pub struct Analysis {
    pub path: PathBuf,
    pub text: String,
    pub workspace: Option<Workspace>,
    pub problems: Vec<Problem>,
    pub checked: Option<Checked>,
    pub dataset: Option<Arc<Dataset>>,
    /// The dataset's name as chosen (`nato`, or the `meta dataset`).
    pub dataset_name: String,
    outcomes: OnceCell<Option<Vec<PledgeOutcome>>>,
}

/// Loaded datasets, by the name a rule file chose.
#[derive(Default)]
pub struct DataCache {
    loaded: std::collections::BTreeMap<String, Result<Arc<Dataset>, String>>,
}

impl DataCache {
    fn get(&mut self, workspace: &Workspace) -> (String, Result<Arc<Dataset>, Vec<Problem>>) {
        let choice = crate::cli::data_choice(None, Some(workspace));
        if let Some(done) = self.loaded.get(&choice) {
            return (
                choice,
                done.clone()
                    .map_err(|message| vec![Problem::bare(DatasetUnusable { message })]),
            );
        }
        match crate::cli::load_data(Some(&choice), None) {
            Ok(data) => {
                let data = Arc::new(data);
                self.loaded.insert(choice.clone(), Ok(Arc::clone(&data)));
                (choice, Ok(data))
            }
            Err(problems) => {
                let message = problems
                    .iter()
                    .map(Problem::message)
                    .collect::<Vec<_>>()
                    .join("; ");
                self.loaded.insert(choice.clone(), Err(message));
                (choice, Err(problems))
            }
        }
    }
}

/// A dataset that failed to load earlier in this session.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("the dataset of this file cannot be loaded: {message}")]
#[diagnostic(
    code(pledge::lsp::dataset),
    help("run `pledge check FILE` in a terminal for the full report")
)]
struct DatasetUnusable {
    message: String,
}

impl Analysis {
    /// Loads, parses and checks `path`, reading open editors' text first.
    pub fn new(
        path: &Path,
        text: &str,
        open: &dyn Fn(&Path) -> Option<String>,
        cache: &mut DataCache,
    ) -> Analysis {
        let root = workspace::normalize(path);
        let read = |p: &Path| match open(&workspace::normalize(p)) {
            Some(text) => Ok(text),
            None if workspace::normalize(p) == root => Ok(text.to_string()),
            // Regular files only: a pipe or a device as a base never hangs the editor.
            None => crate::data::load::read_regular(p),
        };
        let mut analysis = Analysis {
            path: root.clone(),
            text: text.to_string(),
            workspace: None,
            problems: Vec::new(),
            checked: None,
            dataset: None,
            dataset_name: String::new(),
            outcomes: OnceCell::new(),
        };
        let workspace = match workspace::load(&root, &read)
            .map_err(crate::workspace::LoadFailure::into_problems)
        {
            Ok(w) => w,
            Err(problems) => {
                analysis.problems = problems;
                return analysis;
            }
        };
        let (name, data) = cache.get(&workspace);
        analysis.dataset_name = name;
        let manifest = match data {
            Ok(data) => {
                let manifest = data.manifest.clone();
                analysis.dataset = Some(data);
                Some(manifest)
            }
            Err(problems) => {
                analysis.problems.extend(problems);
                None
            }
        };
        let (checked, problems) =
            crate::check::check(&workspace, manifest.as_ref()).into_problems(&workspace.sources);
        analysis.problems.extend(problems);
        analysis.checked = checked;
        analysis.workspace = Some(workspace);
        analysis
    }

    /// The name this file has in the workspace's sources.
    pub fn source_name(&self) -> String {
        self.path.display().to_string()
    }

    /// Every name defined in the file and its bases, the file's own first.
    pub fn definitions(&self) -> Vec<Definition> {
        let mut out = Vec::new();
        let Some(workspace) = &self.workspace else {
            return out;
        };
        for file in &workspace.files {
            for pledge in &file.ast.pledges {
                collect(&pledge.items, &file.path, &mut out);
            }
        }
        out
    }

    /// The outcomes of every pledge of the file on its dataset (computed
    /// once, when first asked).
    pub fn outcomes(&self) -> Option<&Vec<PledgeOutcome>> {
        self.outcomes
            .get_or_init(|| {
                let checked = self.checked.as_ref()?;
                let data = self.dataset.as_deref()?;
                let workspace = self.workspace.as_ref()?;
                crate::eval::evaluate(
                    checked,
                    data,
                    &workspace.sources,
                    &crate::eval::Options::default(),
                )
                .ok()
            })
            .as_ref()
    }

    /// "2024: 23 of 32 allies meet two_percent (9 not met)", for the latest
    /// year in which the requirement is due for some ally; before the
    /// deadline, where the allies stand as if it were due.
    pub fn requirement_outcome(&self, id: &str) -> Option<String> {
        let outcome = self
            .outcomes()?
            .iter()
            .find(|o| o.requirements.iter().any(|r| r == id))?;
        let due: Vec<_> = outcome
            .summaries
            .iter()
            .filter(|s| s.requirement == id && s.met + s.not_met + s.no_data > 0)
            .collect();
        // The latest year with figures for the most allies, and the latest
        // year if it has figures for fewer.
        let complete = due.iter().max_by_key(|s| (s.met + s.not_met, s.year));
        let latest = due.iter().max_by_key(|s| s.year);
        let lines: Vec<String> = complete
            .into_iter()
            .chain(latest.filter(|l| complete.is_none_or(|c| c.year < l.year)))
            .map(|s| crate::report::summary_line(s))
            .collect();
        if !lines.is_empty() {
            return Some(lines.join("  \n"));
        }
        let results: Vec<_> = outcome
            .results
            .iter()
            .filter(|r| r.requirement == id && r.status == Status::NotYetDue)
            .collect();
        let latest = results
            .iter()
            .filter(|r| r.would_be_met.is_some())
            .map(|r| r.year)
            .max()?;
        Some(format!(
            "not yet due; {}",
            crate::report::as_if_line(&results, latest, id)
        ))
    }

    /// "2024: 2.71% of GDP for the alliance (32 of 32 members with data)".
    pub fn category_outcome(&self, id: &str) -> Option<String> {
        let outcome = self
            .outcomes()?
            .iter()
            .find(|o| o.categories.iter().any(|c| c == id))?;
        let latest = outcome
            .alliance
            .iter()
            .filter(|a| a.category == id && a.share_of_gdp.is_some())
            .max_by_key(|a| a.year)?;
        Some(format!(
            "{}: {} of GDP for the alliance ({} of {} members with data)",
            latest.year,
            crate::report::numbers::percent(latest.share_of_gdp.unwrap_or_default()),
            latest.members_with_data,
            latest.members
        ))
    }
}

fn collect(items: &[Item], path: &Path, out: &mut Vec<Definition>) {
    let mut push = |kind, ident: &ast::Ident, declaration| {
        out.push(Definition {
            kind,
            name: ident.name.clone(),
            path: path.to_path_buf(),
            span: ident.span,
            declaration,
        })
    };
    let mut scopes = Vec::new();
    for item in items {
        match item {
            Item::Param(p) => push("param", &p.name, p.span),
            Item::Group(g) => push("group", &g.name, g.span),
            Item::Category(c) => push("category", &c.id, c.span),
            Item::Replace(ast::ReplaceDecl::Category(c)) => push("category", &c.id, c.span),
            Item::Require(r) | Item::Replace(ast::ReplaceDecl::Require(r)) => {
                push("requirement", &r.id, r.span)
            }
            Item::Scope(s) => scopes.push(s),
            _ => {}
        }
    }
    for scope in scopes {
        collect(&scope.items, path, out);
    }
}
