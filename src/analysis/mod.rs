//! Analyses on top of evaluation: they take checked programs, data and
//! outcomes and return typed results. No clap, no terminal, no file writes;
//! rendering lives in `report`, the commands in `cli`.

use std::sync::Arc;

use crate::data::Dataset;
use crate::program::Checked;
use crate::stamp::Stamp;
use crate::workspace::Workspace;

pub mod compare;
pub mod examples;
pub mod explain;
pub mod snapshot;
pub mod whatif;

/// Everything a run on data needs: the rules, checked, and the dataset
/// (shared: the drafts of one `compare` that run on the same data hold one
/// copy of it).
pub struct Prepared {
    pub workspace: Workspace,
    pub dataset: Arc<Dataset>,
    /// The dataset as a bundled name or a path (see `data_choice`).
    pub dataset_choice: String,
    pub checked: Checked,
    pub stamp: Stamp,
}
