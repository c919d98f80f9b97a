//! The page of `pledge report`: the parts the template lays out. Text is
//! escaped by the template; SVG charts are built (and escaped) in `svg`.

use askama::Template;

#[derive(Template)]
#[template(path = "report.html")]
pub struct Page {
    pub title: String,
    /// Short facts under the title: label and value.
    pub facts: Vec<(String, String)>,
    /// The key findings, one sentence each.
    pub findings: Vec<String>,
    pub sections: Vec<Section>,
    pub rules: Vec<RuleText>,
    pub sources: Vec<(String, String)>,
    pub stamps: Vec<String>,
}

/// A part of the page with its heading, charts and tables.
pub struct Section {
    pub id: String,
    pub heading: String,
    /// 2 for a main section, 3 for a part of one.
    pub level: u8,
    pub paragraphs: Vec<String>,
    pub figures: Vec<Figure>,
    /// Allies without figures, with the reason.
    pub no_data: Vec<(String, String)>,
    pub tables: Vec<Table>,
}

impl Section {
    pub fn new(id: &str, heading: &str, level: u8) -> Section {
        Section {
            id: id.to_string(),
            heading: heading.to_string(),
            level,
            paragraphs: Vec::new(),
            figures: Vec::new(),
            no_data: Vec::new(),
            tables: Vec::new(),
        }
    }
}

pub struct Figure {
    /// Inline SVG, already escaped.
    pub svg: String,
    pub caption: String,
}

pub struct Table {
    pub caption: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

pub struct Cell {
    pub text: String,
    /// CSS class: `met`, `short`, `due`, `na`, `nodata`, `name` or empty.
    pub class: &'static str,
}

impl Cell {
    pub fn plain(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            class: "",
        }
    }
    pub fn name(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            class: "name",
        }
    }
}

pub struct RuleText {
    pub name: String,
    pub lines: Vec<(usize, String)>,
}
