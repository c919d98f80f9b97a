//! Rendering outcomes for people and programs: the text table a negotiator
//! reads, Markdown for documents, CSV and JSON for analysts. Output order is
//! always deterministic: requirements in file order, countries by code (or as asked),
//! years ascending.

pub mod compare;
pub mod fit;
mod fold;
mod formats;
pub mod numbers;
pub mod snapshot;
mod table;
pub mod whatif;

pub use formats::*;
pub use numbers::cell;
pub(crate) use table::set_start_hint;
pub use table::{as_if_line, summary_line, table};

// Reports: the HTML page of `pledge report` and Excel output.
pub mod html;
pub mod xlsx;

use crate::data::Dataset;
use crate::eval::outcome::Status;

/// Output formats of `eval`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Text tables, for reading in a terminal.
    Table,
    /// One JSON document; exact decimals as strings.
    Json,
    /// One row per result, for spreadsheets and scripts.
    Csv,
    /// The tables as Markdown, for documents.
    Markdown,
    /// An Excel workbook, written to the file given with `-o`.
    Xlsx,
}

/// Terminal styling; the command line turns it on for a terminal without
/// `NO_COLOR` (see `cli::colour_on`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    pub colour: bool,
}

impl Style {
    fn paint(&self, text: &str, status: Status) -> String {
        if !self.colour {
            return text.to_string();
        }
        let plain = anstyle::Style::new();
        let style = match status {
            Status::Met => plain.fg_color(Some(anstyle::AnsiColor::Green.into())),
            Status::NotMet => plain.fg_color(Some(anstyle::AnsiColor::Red.into())),
            Status::NoData => plain.fg_color(Some(anstyle::AnsiColor::Yellow.into())),
            Status::NotYetDue | Status::NotApplicable => plain.dimmed(),
        };
        format!("{style}{text}{style:#}")
    }
}

/// A simple grid: a header and rows of cells, left column left-aligned,
/// the others right-aligned.
pub struct Grid {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Grid {
    /// Plain text with aligned columns. `painted` cells may hold ANSI codes
    /// that do not count towards the width. A grid wider than the width set
    /// with `fit::set_width` is split into blocks of columns, one under the
    /// other, each with the first column.
    pub fn text(&self) -> String {
        let widths = self.widths();
        let blocks = fit::column_blocks(&widths, fit::width());
        let mut out = String::new();
        for (b, block) in blocks.iter().enumerate() {
            if b > 0 {
                out.push('\n');
            }
            let columns: Vec<usize> = std::iter::once(0).chain(block.iter().copied()).collect();
            let line = |cells: &[String], out: &mut String| {
                let mut parts = Vec::new();
                for &i in &columns {
                    let cell = cells.get(i).map_or("", String::as_str);
                    let width = widths.get(i).copied().unwrap_or(0);
                    let pad = " ".repeat(width.saturating_sub(visible_width(cell)));
                    if i == 0 {
                        parts.push(format!("{cell}{pad}"));
                    } else {
                        parts.push(format!("{pad}{cell}"));
                    }
                }
                out.push_str(parts.join("  ").trim_end());
                out.push('\n');
            };
            line(&self.header, &mut out);
            for row in &self.rows {
                line(row, &mut out);
            }
        }
        out
    }

    /// The grid as Markdown, or as text with the countries' names beside
    /// their codes where they fit.
    pub(crate) fn render(mut self, data: &Dataset, markdown: bool) -> String {
        if markdown {
            self.markdown()
        } else {
            self.name_countries(|code| data.country_name(code).to_string());
            self.text()
        }
    }

    /// Puts each country's name beside its code in the first column
    /// ("POL Poland") when the grid then needs no more blocks of columns.
    pub fn name_countries(&mut self, name: impl Fn(&str) -> String) {
        let before = fit::column_blocks(&self.widths(), fit::width()).len();
        let mut named = self.rows.clone();
        for row in &mut named {
            if let Some(first) = row.first_mut() {
                let full = name(first.trim_end_matches('*'));
                if !full.is_empty() {
                    first.push(' ');
                    first.push_str(&full);
                }
            }
        }
        let candidate = Grid {
            header: self.header.clone(),
            rows: named,
        };
        if fit::column_blocks(&candidate.widths(), fit::width()).len() <= before {
            self.rows = candidate.rows;
        }
    }

    pub fn markdown(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!("| {} |\n", self.header.join(" | ")));
        let align: Vec<&str> = (0..self.header.len())
            .map(|i| if i == 0 { "---" } else { "---:" })
            .collect();
        out.push_str(&format!("| {} |\n", align.join(" | ")));
        for row in &self.rows {
            out.push_str(&format!("| {} |\n", row.join(" | ")));
        }
        out
    }

    fn widths(&self) -> Vec<usize> {
        let mut widths: Vec<usize> = self.header.iter().map(|h| visible_width(h)).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                let w = visible_width(cell);
                match widths.get_mut(i) {
                    Some(slot) => *slot = (*slot).max(w),
                    None => widths.push(w),
                }
            }
        }
        widths
    }
}

fn visible_width(text: &str) -> usize {
    let mut width = 0;
    let mut in_escape = false;
    for c in text.chars() {
        if in_escape {
            if c == 'm' {
                in_escape = false;
            }
        } else if c == '\x1b' {
            in_escape = true;
        } else {
            width += 1;
        }
    }
    width
}

pub const LEGEND: &str = "met +x: met with x percentage points of GDP to spare (points of the share for shares) · \
short -x: not met, x points short · not due: before the year it applies from · \
n/a: not a member that year, or not in scope · no data: a figure is missing (`pledge explain` says which)";

/// The legend of a pledge with a requirement on a share of another amount
/// (`major_equipment >= 20% of defence`), whose margins are in points of
/// that amount.
pub const LEGEND_OTHER_BASIS: &str = "met +x: met with x percentage points to spare, of GDP unless the heading of a requirement names another amount (points of the share for shares) · \
short -x: not met, x points short · not due: before the year it applies from · \
n/a: not a member that year, or not in scope · no data: a figure is missing (`pledge explain` says which)";

/// A heading: underlined in text (`=` for the title, `-` below it), `#` in
/// Markdown.
pub fn heading(text: &str, level: usize, markdown: bool) -> String {
    if markdown {
        format!("{} {text}\n\n", "#".repeat(level + 1))
    } else {
        let rule = if level == 0 { "=" } else { "-" };
        format!("{text}\n{}\n", rule.repeat(text.chars().count()))
    }
}

#[cfg(test)]
mod style_tests {
    use super::*;

    #[test]
    fn colours_are_the_plain_ansi_codes() {
        let style = Style { colour: true };
        assert_eq!(style.paint("met", Status::Met), "\x1b[32mmet\x1b[0m");
        assert_eq!(
            style.paint("n/a", Status::NotApplicable),
            "\x1b[2mn/a\x1b[0m"
        );
        assert_eq!(Style::default().paint("met", Status::Met), "met");
    }
}
