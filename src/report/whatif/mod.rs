//! Rendering of what-if results: shared helpers for `sweep` and `distance`.

use crate::analysis::whatif::{break_even::*, distance::*, sweep::*, *};
use crate::analysis::Prepared;
use crate::data::Dataset;
use crate::report::{Grid, JsonDataset};
use crate::stamp::Stamp;

pub mod distance;
pub mod sweep;

/// The stamp of the run: the rules, the `--set` options and the what-if
/// option (if any), and the data. Without a what-if option it is the stamp
/// `pledge eval` gives for the same rules and data.
pub(crate) fn stamp_with(prepared: &Prepared, extra: &str) -> Stamp {
    if extra.is_empty() {
        prepared.stamp.clone()
    } else {
        prepared.stamp.with_sets(&[extra.to_string()])
    }
}

pub(crate) fn json_dataset(data: &Dataset) -> JsonDataset<'_> {
    JsonDataset {
        name: &data.manifest.name,
        edition: &data.manifest.edition,
        money_unit: &data.manifest.money_unit,
    }
}

pub(crate) struct Heading {
    pub(crate) markdown: bool,
}

impl Heading {
    pub(crate) fn title(&self, text: &str, level: usize) -> String {
        crate::report::heading(text, level, self.markdown)
    }

    pub(crate) fn paragraph(&self, text: &str) -> String {
        if self.markdown {
            format!("{text}\n\n")
        } else {
            format!("{text}\n")
        }
    }

    /// The blank line that ends a section in text (a Markdown paragraph
    /// ends with one already).
    pub(crate) fn gap(&self) -> &'static str {
        if self.markdown {
            ""
        } else {
            "\n"
        }
    }

    pub(crate) fn item(&self, text: &str) -> String {
        if self.markdown {
            format!("- {text}\n")
        } else {
            format!("{text}\n")
        }
    }

    pub(crate) fn grid(&self, grid: &Grid) -> String {
        if self.markdown {
            format!("{}\n", grid.markdown())
        } else {
            format!("{}\n", grid.text())
        }
    }
}

/// "XCA, XEA and XSA".
pub(crate) fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}
