//! Loading a rule file with every file it `extends`, parsed. The file system
//! is reached only through the `read` function the caller passes (the CLI
//! passes `std::fs::read_to_string`, tests pass an in-memory map), so the
//! later stages never touch it.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use miette::Diagnostic;
use thiserror::Error;

use crate::ast;
use crate::diagnostics::{io_reason, Problem};
use crate::parse::{self, SyntaxError};
use crate::source::{FileId, Sources, Span};

/// Errors of loading rule files.
#[derive(Debug, Error, Diagnostic)]
pub enum LoadError {
    #[error("cannot read the rule file `{path}`: {reason}")]
    #[diagnostic(
        code(pledge::load::unreadable),
        help(
            "check the path: a rule file is a `.pledge` text file (a regular file, at most 16 MiB)"
        )
    )]
    Unreadable { path: String, reason: String },
    #[error("the base file `{path}` cannot be read: {reason}")]
    #[diagnostic(
        code(pledge::load::missing_base),
        help("`extends` paths are relative to the file that contains them; this one resolves to `{resolved}`")
    )]
    MissingBase {
        path: String,
        resolved: String,
        reason: String,
        #[label("{reason}")]
        span: Span,
    },
    #[error("the base file `{path}` is not a rule file: `extends` takes only `.pledge` files")]
    #[diagnostic(
        code(pledge::load::base_not_rules),
        help("name a rule file that ends in `.pledge`, relative to the file that contains the `extends`")
    )]
    BaseNotRules {
        path: String,
        #[label("not a `.pledge` file")]
        span: Span,
    },
    #[error("the base file `{path}` lies outside the folders a draft may read")]
    #[diagnostic(
        code(pledge::load::base_outside),
        help("a base must lie in the folder of the rule file named on the command line (or below it), or in the current folder; to allow another folder, give it with `--allow-path DIR`")
    )]
    BaseOutside {
        path: String,
        #[label("outside the allowed folders")]
        span: Span,
    },
    #[error("`extends` goes round in a circle: {chain}")]
    #[diagnostic(
        code(pledge::load::extends_cycle),
        help(
            "a pledge cannot extend itself, directly or through other files; remove one `extends`"
        )
    )]
    ExtendsCycle {
        chain: String,
        #[label("this `extends` closes the circle")]
        span: Span,
    },
    #[error(
        "the base file `{path}` holds {count} pledges, so `extends` cannot tell which one to take"
    )]
    #[diagnostic(
        code(pledge::load::ambiguous_base),
        help("extend a file that holds exactly one pledge")
    )]
    AmbiguousBase {
        path: String,
        count: usize,
        #[label("this base file")]
        span: Span,
    },
}

/// A parsed rule file.
#[derive(Debug, Clone)]
pub struct LoadedFile {
    pub id: FileId,
    pub path: PathBuf,
    pub ast: ast::File,
}

/// The root rule file and every base file it reaches through `extends`.
#[derive(Debug, Clone)]
pub struct Workspace {
    pub sources: Sources,
    pub files: Vec<LoadedFile>,
}

impl Workspace {
    pub fn file(&self, id: FileId) -> Option<&LoadedFile> {
        self.files.iter().find(|f| f.id == id)
    }

    /// The root file (the one named on the command line).
    pub fn root(&self) -> Option<&LoadedFile> {
        self.files.first()
    }

    /// The file an `extends` in `from` refers to.
    pub fn base_of(&self, from: FileId, extends: &str) -> Option<&LoadedFile> {
        let dir = self
            .file(from)?
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let resolved = normalize(&dir.join(extends));
        self.files.iter().find(|f| f.path == resolved)
    }
}

pub type Reader<'a> = &'a dyn Fn(&Path) -> std::io::Result<String>;

/// One problem of loading a workspace, typed, with the file it points into.
#[derive(Debug)]
pub enum WorkspaceError {
    Load {
        error: LoadError,
        file: Option<FileId>,
    },
    Syntax {
        error: SyntaxError,
        file: FileId,
    },
}

/// Why a workspace could not be loaded: every problem found, with the texts
/// that were read, so that the edges can render them all at once.
#[derive(Debug)]
pub struct LoadFailure {
    pub sources: Sources,
    pub errors: Vec<WorkspaceError>,
}

impl LoadFailure {
    /// The problems as rendered reports over the texts read.
    pub fn into_problems(self) -> Vec<Problem> {
        let sources = self.sources;
        self.errors
            .into_iter()
            .map(|error| match error {
                WorkspaceError::Load {
                    error,
                    file: Some(file),
                } => Problem::new(error, &sources, file),
                WorkspaceError::Load { error, file: None } => Problem::bare(error),
                WorkspaceError::Syntax { error, file } => Problem::new(error, &sources, file),
            })
            .collect()
    }
}

/// Loads and parses `path` and its bases. Problems are returned with every
/// file that could be read, so that they can all be reported at once.
pub fn load(path: &Path, read: Reader<'_>) -> Result<Workspace, LoadFailure> {
    load_within(path, read, None)
}

/// Whether `path` (normalized) lies in one of the folders `roots`
/// (normalized); the empty root is the current folder, which holds every
/// relative path that does not climb out of it with `../`.
pub fn within(path: &Path, roots: &[PathBuf]) -> bool {
    roots.iter().any(|root| {
        if root.as_os_str().is_empty() {
            path.is_relative()
                && path
                    .components()
                    .next()
                    .is_some_and(|c| c != Component::ParentDir)
        } else {
            path.starts_with(root)
        }
    })
}

/// As [`load`]; with `allowed`, bases are confined to the root file's
/// folder tree and the folders `allowed` (normalized; the empty path is the
/// current folder). Bases are `.pledge` files in any case.
pub fn load_within(
    path: &Path,
    read: Reader<'_>,
    allowed: Option<&[PathBuf]>,
) -> Result<Workspace, LoadFailure> {
    let roots = allowed.map(|allowed| roots_of(path, allowed));
    let mut sources = Sources::new();
    let mut files = Vec::new();
    let mut problems = Vec::new();
    let root = normalize(path);
    let text = match read(path) {
        Ok(text) => text,
        Err(error) => {
            return Err(LoadFailure {
                sources,
                errors: vec![WorkspaceError::Load {
                    error: LoadError::Unreadable {
                        path: path.display().to_string(),
                        reason: error.to_string(),
                    },
                    file: None,
                }],
            })
        }
    };
    let mut seen: BTreeMap<PathBuf, FileId> = BTreeMap::new();
    // (path, text, the chain of files that led here)
    let mut queue = vec![(root, text, Vec::<PathBuf>::new())];
    while let Some((file_path, text, chain)) = queue.pop() {
        let id = sources.add(file_path.display().to_string(), text);
        let text = sources.shared_text(id);
        seen.insert(file_path.clone(), id);
        let parsed = match parse::parse_all(&text, id) {
            Ok(parsed) => parsed,
            Err(errors) => {
                problems.extend(
                    errors
                        .into_iter()
                        .map(|error| WorkspaceError::Syntax { error, file: id }),
                );
                continue;
            }
        };
        let dir = file_path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        for pledge in &parsed.pledges {
            let Some(base) = &pledge.extends else {
                continue;
            };
            let base_path = normalize(&dir.join(&base.value));
            let mut next_chain = chain.clone();
            next_chain.push(file_path.clone());
            if next_chain.contains(&base_path) {
                let mut names: Vec<String> =
                    next_chain.iter().map(|p| p.display().to_string()).collect();
                names.push(base_path.display().to_string());
                problems.push(WorkspaceError::Load {
                    error: LoadError::ExtendsCycle {
                        chain: names.join(" → "),
                        span: base.span,
                    },
                    file: Some(id),
                });
                continue;
            }
            if seen.contains_key(&base_path) || queue.iter().any(|(p, _, _)| *p == base_path) {
                continue;
            }
            if let Some(error) = refused(base, &base_path, roots.as_deref()) {
                problems.push(WorkspaceError::Load {
                    error,
                    file: Some(id),
                });
                continue;
            }
            match read(&base_path) {
                Ok(base_text) => queue.push((base_path, base_text, next_chain)),
                Err(error) => problems.push(WorkspaceError::Load {
                    error: LoadError::MissingBase {
                        path: base.value.clone(),
                        resolved: base_path.display().to_string(),
                        reason: io_reason(&error),
                        span: base.span,
                    },
                    file: Some(id),
                }),
            }
        }
        files.push(LoadedFile {
            id,
            path: file_path,
            ast: parsed,
        });
    }
    let workspace = Workspace { sources, files };
    problems.extend(ambiguous_bases(&workspace));
    if problems.is_empty() {
        Ok(workspace)
    } else {
        Err(LoadFailure {
            sources: workspace.sources,
            errors: problems,
        })
    }
}

/// The folders the bases of `path` may lie in: its own and `allowed`.
fn roots_of(path: &Path, allowed: &[PathBuf]) -> Vec<PathBuf> {
    let mut roots = allowed.to_vec();
    roots.push(
        normalize(path)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default(),
    );
    roots
}

/// Why a base is not read: not a `.pledge` file, or outside `roots`.
fn refused(base: &ast::Text, base_path: &Path, roots: Option<&[PathBuf]>) -> Option<LoadError> {
    if base_path.extension().is_none_or(|e| e != "pledge") {
        return Some(LoadError::BaseNotRules {
            path: base.value.clone(),
            span: base.span,
        });
    }
    if roots.is_some_and(|roots| !within(base_path, roots)) {
        return Some(LoadError::BaseOutside {
            path: base.value.clone(),
            span: base.span,
        });
    }
    None
}

/// A base must hold exactly one pledge: an error for each `extends` whose
/// base holds none or several.
fn ambiguous_bases(workspace: &Workspace) -> Vec<WorkspaceError> {
    let mut problems = Vec::new();
    for file in &workspace.files {
        for pledge in &file.ast.pledges {
            let Some(base) = &pledge.extends else {
                continue;
            };
            if let Some(base_file) = workspace.base_of(file.id, &base.value) {
                let count = base_file.ast.pledges.len();
                if count != 1 {
                    problems.push(WorkspaceError::Load {
                        error: LoadError::AmbiguousBase {
                            path: base.value.clone(),
                            count,
                            span: base.span,
                        },
                        file: Some(file.id),
                    });
                }
            }
        }
    }
    problems
}

/// Removes `.` and `..` without touching the file system.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if out.file_name().is_some() {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}
