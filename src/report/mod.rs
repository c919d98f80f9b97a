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
pub mod whatif;

pub use formats::*;
pub use numbers::cell;

// Reports: the HTML page of `pledge report` and Excel output.
pub mod html;
pub mod xlsx;

use std::collections::BTreeMap;

use crate::data::Dataset;
use crate::eval::outcome::{PledgeOutcome, RequirementResult, Status};

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

/// The text table of one pledge's outcomes.
#[allow(clippy::too_many_lines)] // Over 100 lines: to be split.
pub fn table(outcome: &PledgeOutcome, data: &Dataset, style: Style, markdown: bool) -> String {
    let mut out = String::new();
    let heading = |text: &str, level: usize| heading(text, level, markdown);
    let paragraph = |text: String| {
        if markdown {
            format!("{text}\n\n")
        } else {
            format!("{text}\n")
        }
    };
    out.push_str(&heading(&format!("{} — outcomes", outcome.pledge), 0));
    if let Some(source) = &outcome.source {
        let status = outcome
            .status
            .as_ref()
            .map_or(String::new(), |s| format!(" (status: {s})"));
        out.push_str(&paragraph(format!("Source: {source}{status}.")));
    }
    out.push_str(&paragraph(format!(
        "Data: {} ({}); amounts in {}.",
        data.manifest.name,
        data.manifest.edition.trim_end_matches('.'),
        data.manifest.money_unit
    )));
    if let Some(sentence) = fold::outside_data(data, &outcome.years) {
        out.push_str(&paragraph(sentence));
    }
    let other_basis = outcome
        .results
        .iter()
        .any(|r| !matches!(r.margin_basis.as_str(), "" | "gdp" | "points of the share"));
    if other_basis {
        out.push_str(&paragraph(format!("Legend: {LEGEND_OTHER_BASIS}")));
    } else {
        out.push_str(&paragraph(format!("Legend: {LEGEND}")));
    }
    if !markdown {
        out.push('\n');
    }
    for requirement in &outcome.requirements {
        let results: Vec<&RequirementResult> = outcome
            .results
            .iter()
            .filter(|r| &r.requirement == requirement)
            .collect();
        let general = results
            .iter()
            .find(|r| !r.country_specific && !r.rule.is_empty());
        let rule = match general {
            Some(r) => r.rule.clone(),
            None => {
                let countries: Vec<&str> = results
                    .iter()
                    .filter(|r| r.country_specific)
                    .map(|r| r.country.as_str())
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect();
                let rule = results
                    .iter()
                    .find(|r| !r.rule.is_empty())
                    .map_or(String::new(), |r| r.rule.clone());
                format!("{rule} (for {} only)", countries.join(", "))
            }
        };
        out.push_str(&heading(&format!("{requirement}: {rule}"), 1));
        let basis = results
            .iter()
            .find(|r| !r.margin_basis.is_empty())
            .map_or("gdp", |r| r.margin_basis.as_str());
        if basis != "gdp" && basis != "points of the share" {
            out.push_str(&paragraph(format!(
                "Margins are in percentage points of `{basis}`, not of GDP: +1.00 is 1% of `{basis}` to spare."
            )));
        }
        // Years in which the requirement is not yet due for any ally are
        // folded into one sentence, so the table shows the years that count.
        let folded: Vec<i32> = fold::not_due_years(&results, &outcome.years);
        // Years after the requirement stops applying fold the same way.
        let ended = fold::ended_years(&rule, &results, &outcome.years);
        let alliance = fold::alliance_wide(&rule, &results, outcome.countries.len());
        let shown: Vec<i32> = outcome
            .years
            .iter()
            .copied()
            .filter(|y| !folded.contains(y) && !ended.contains(y))
            .collect();
        if !folded.is_empty() {
            let reason = results
                .iter()
                .find(|r| r.status == Status::NotYetDue)
                .and_then(|r| r.reason.clone())
                .map(|r| {
                    r.split(crate::eval::requirement::NOW_MISSING)
                        .next()
                        .unwrap_or("")
                        .to_string()
                })
                .map_or(String::new(), |r| format!(" ({r})"));
            // The most common reason why the margin now is unknown.
            let mut unknown_now: BTreeMap<&str, usize> = BTreeMap::new();
            for r in results.iter().filter(|r| folded.contains(&r.year)) {
                if let Some(why) = r
                    .reason
                    .as_deref()
                    .and_then(|t| t.split(crate::eval::requirement::NOW_MISSING).nth(1))
                {
                    *unknown_now.entry(why).or_default() += 1;
                }
            }
            let unknown_now = unknown_now
                .into_iter()
                .max_by_key(|(why, n)| (*n, std::cmp::Reverse(*why)))
                .map(|(why, _)| why.to_string());
            let mut sentence = format!(
                "Not yet due for any ally in {}{reason}.",
                numbers::year_ranges(&folded)
            );
            // When the start year is a parameter, say how to see where the
            // allies stand today.
            let latest = outcome
                .totals
                .iter()
                .filter(|t| t.counted.is_some())
                .map(|t| t.year)
                .max();
            // Where the allies stand today: the margins the requirement
            // would have in the latest folded years with figures.
            let now: Vec<i32> = folded
                .iter()
                .copied()
                .filter(|&y| {
                    results
                        .iter()
                        .any(|r| r.year == y && r.would_be_met.is_some())
                })
                .collect();
            let mut now: Vec<i32> = now
                .iter()
                .copied()
                .skip(now.len().saturating_sub(2))
                .collect();
            if !now.is_empty() {
                out.push_str(&paragraph(sentence.clone()));
                sentence = format!(
                    "Where {} now, as if it were due in {} (margins, not verdicts):",
                    if alliance {
                        "the alliance stands"
                    } else {
                        "the allies stand"
                    },
                    numbers::year_ranges(&now)
                );
                if alliance {
                    for result in now
                        .iter()
                        .filter_map(|&y| fold::alliance_result(&results, y))
                    {
                        out.push_str(&format!(
                            "{}{}, as if due: the alliance {}\n",
                            if markdown { "- " } else { "" },
                            result.year,
                            as_if_cell(result)
                        ));
                    }
                    out.push('\n');
                    now.clear();
                } else {
                    out.push_str(&paragraph(sentence));
                    out.push_str(&as_if_grid(
                        data,
                        &outcome.countries,
                        &results,
                        &now,
                        style,
                        markdown,
                    ));
                }
                for &year in &now {
                    out.push_str(&format!(
                        "{}{}\n",
                        if markdown { "- " } else { "" },
                        as_if_line(&results, year, requirement)
                    ));
                }
                sentence = String::new();
            } else if let Some(why) = unknown_now {
                sentence.push_str(&format!(
                    " Where the allies stand now cannot be shown: {why}."
                ));
            } else if let Some(latest) = latest.filter(|y| folded.contains(y)) {
                if let Some(hint) = set_start_hint(&rule, latest) {
                    sentence.push(' ');
                    sentence.push_str(&hint);
                }
            }
            if !sentence.is_empty() {
                out.push_str(&paragraph(sentence));
            }
        }
        if let (false, Some(last)) = (ended.is_empty(), shown.last()) {
            out.push_str(&paragraph(format!(
                "Not applicable to any ally in {} (it applies until {last}).",
                numbers::year_ranges(&ended)
            )));
        }
        let mut header = vec![if alliance { "" } else { "ally" }.to_string()];
        header.extend(shown.iter().map(|y| y.to_string()));
        let mut rows = Vec::new();
        let mut notes = Vec::new();
        if alliance {
            let mut row = vec!["alliance".to_string()];
            for &year in &shown {
                row.push(
                    fold::alliance_result(&results, year).map_or(String::new(), |r| {
                        if markdown {
                            cell(r)
                        } else {
                            style.paint(&cell(r), r.status)
                        }
                    }),
                );
            }
            rows.push(row);
        }
        for country in outcome.countries.iter().filter(|_| !alliance) {
            let mut row = vec![country.clone()];
            let mut specific = false;
            for &year in &shown {
                let text = results
                    .iter()
                    .find(|r| &r.country == country && r.year == year)
                    .map_or(String::new(), |r| {
                        specific |= r.country_specific;
                        if markdown {
                            cell(r)
                        } else {
                            style.paint(&cell(r), r.status)
                        }
                    });
                row.push(text);
            }
            if specific && general.is_some() {
                if let Some(r) = results
                    .iter()
                    .find(|r| &r.country == country && r.country_specific)
                {
                    notes.push(format!(
                        "{country}*: {} (a rule for this country only)",
                        r.rule
                    ));
                }
                if let Some(first) = row.first_mut() {
                    first.push('*');
                }
            }
            rows.push(row);
        }
        if !shown.is_empty() {
            let mut grid = Grid { header, rows };
            if !markdown {
                grid.name_countries(|code| data.country_name(code).to_string());
            }
            out.push_str(&if markdown {
                grid.markdown()
            } else {
                grid.text()
            });
            if markdown {
                out.push('\n');
            }
        }
        for note in notes {
            out.push_str(&paragraph(note));
        }
        if !markdown && !shown.is_empty() {
            out.push('\n');
        }
        for summary in outcome.summaries.iter().filter(|s| {
            &s.requirement == requirement && !folded.contains(&s.year) && !ended.contains(&s.year)
        }) {
            let line = match fold::alliance_result(&results, summary.year) {
                Some(result) if alliance => fold::alliance_line(result, requirement),
                _ => summary_line(summary),
            };
            out.push_str(&format!("{}{line}\n", if markdown { "- " } else { "" },));
        }
        out.push('\n');
    }
    out.push_str(&heading("Category totals as a share of GDP", 1));
    for category in &outcome.categories {
        let mut header = vec![category.clone()];
        header.extend(outcome.years.iter().map(|y| y.to_string()));
        let mut rows = Vec::new();
        for country in &outcome.countries {
            let mut row = vec![country.clone()];
            for &year in &outcome.years {
                let text =
                    outcome
                        .total(category, country, year)
                        .map_or(String::new(), |t| match (t.counted, t.share_of_gdp) {
                            (Some(_), Some(share)) => numbers::percent(share),
                            (Some(_), None) => "no GDP".into(),
                            _ => "no data".into(),
                        });
                row.push(text);
            }
            rows.push(row);
        }
        let mut total_row = vec!["total".to_string()];
        for &year in &outcome.years {
            let text = outcome
                .alliance
                .iter()
                .find(|a| &a.category == category && a.year == year)
                .map_or(String::new(), |a| match a.share_of_gdp {
                    Some(share) if a.members_with_data == a.members => numbers::percent(share),
                    Some(share) => format!(
                        "{} ({}/{})",
                        numbers::percent(share),
                        a.members_with_data,
                        a.members
                    ),
                    None if a.members_with_data == 0 => "no data".into(),
                    None => format!("no GDP ({}/{})", a.members_with_data, a.members),
                });
            total_row.push(text);
        }
        rows.push(total_row);
        let mut grid = Grid { header, rows };
        if !markdown {
            grid.name_countries(|code| data.country_name(code).to_string());
        }
        out.push_str(&if markdown {
            grid.markdown()
        } else {
            grid.text()
        });
        out.push('\n');
    }
    out.push_str(&paragraph(
        "The total row is the combined amount of the members shown over their combined GDP; (n/m) means only n of the m members shown had data (members without data are left out of both sums).".to_string(),
    ));
    out
}

/// "To see where the allies stand against it in 2024, run with `--set
/// deadline=2024`.", for a rule whose start year is a parameter.
pub(crate) fn set_start_hint(rule: &str, year: i32) -> Option<String> {
    let start = rule.rsplit(" from ").next().unwrap_or("").trim();
    let named = !start.is_empty() && start.chars().all(|c| c.is_ascii_lowercase() || c == '_');
    (rule.contains(" from ") && named).then(|| {
        format!(
            "To see where the allies stand against it in {year}, run with `--set {start}={year}`."
        )
    })
}

/// The cell of a requirement not yet due, with the margin it would have.
fn as_if_cell(result: &RequirementResult) -> String {
    match (result.would_be_met, result.margin_pp) {
        (Some(true), Some(pp)) if pp.is_zero() => "(met exactly)".into(),
        (Some(true), Some(pp)) if numbers::points(pp) == "+0.00" => "(met <0.01)".into(),
        (Some(true), Some(pp)) => format!("(met {})", numbers::points(pp)),
        (Some(false), Some(pp)) if numbers::points(pp) == "+0.00" => "(short <0.01)".into(),
        (Some(false), Some(pp)) => format!("(short {})", numbers::points(pp)),
        (Some(true), None) => {
            numbers::count_margin(result).map_or_else(|| "(met)".into(), |m| format!("(met {m})"))
        }
        (Some(false), None) => numbers::count_margin(result)
            .map_or_else(|| "(short)".into(), |m| format!("(short {m})")),
        (None, _) if result.status == Status::NotApplicable => "n/a".into(),
        (None, _) => "no data".into(),
    }
}

fn as_if_grid(
    data: &Dataset,
    countries: &[String],
    results: &[&RequirementResult],
    years: &[i32],
    style: Style,
    markdown: bool,
) -> String {
    let mut header = vec!["ally".to_string()];
    header.extend(years.iter().map(|y| format!("{y} now")));
    let mut rows = Vec::new();
    for country in countries {
        let mut row = vec![country.clone()];
        for &year in years {
            let text = results
                .iter()
                .find(|r| &r.country == country && r.year == year)
                .map_or(String::new(), |r| {
                    let text = as_if_cell(r);
                    let status = match r.would_be_met {
                        Some(true) => Status::Met,
                        Some(false) => Status::NotMet,
                        None => Status::NoData,
                    };
                    if markdown {
                        text
                    } else {
                        style.paint(&text, status)
                    }
                });
            row.push(text);
        }
        rows.push(row);
    }
    let mut grid = Grid { header, rows };
    if !markdown {
        grid.name_countries(|code| data.country_name(code).to_string());
    }
    let mut out = if markdown {
        grid.markdown()
    } else {
        grid.text()
    };
    out.push('\n');
    out
}

/// "2024, as if due: 3 of 32 allies would meet core_floor (28 would not, 1 no data)".
pub fn as_if_line(results: &[&RequirementResult], year: i32, requirement: &str) -> String {
    let of_year: Vec<&&RequirementResult> = results.iter().filter(|r| r.year == year).collect();
    let members = of_year
        .iter()
        .filter(|r| r.status != Status::NotApplicable)
        .count();
    let met = of_year
        .iter()
        .filter(|r| r.would_be_met == Some(true))
        .count();
    let short = of_year
        .iter()
        .filter(|r| r.would_be_met == Some(false))
        .count();
    let missing = members - met - short;
    let allies = if members == 1 { "ally" } else { "allies" };
    if met + short == 0 {
        return format!("{year}, as if due: no data for {members} {allies}");
    }
    let mut line = format!(
        "{year}, as if due: {met} of {members} {allies} would meet {requirement} ({short} would not"
    );
    if missing > 0 {
        line.push_str(&format!(", {missing} no data"));
    }
    line.push(')');
    line
}

/// "2024: 23 of 31 allies meet two_percent (8 not met, 1 no data)".
pub fn summary_line(summary: &crate::eval::outcome::Summary) -> String {
    let no_data = summary.count(Status::NoData);
    let assessed = summary.met + summary.not_met;
    if no_data > 0 {
        // Missing figures are said first or beside the count: "0 of 32
        // meet" would read as a verdict.
        let allies = |n: usize| if n == 1 { "ally" } else { "allies" };
        let mut line = if assessed == 0 {
            format!(
                "{}: no data for {no_data} {} on {}",
                summary.year,
                allies(no_data),
                summary.requirement
            )
        } else {
            let verb = if summary.met == 1 { "meets" } else { "meet" };
            format!(
                "{}: {} of {assessed} {} with figures {verb} {} ({} not met); no data for {no_data}",
                summary.year,
                summary.met,
                allies(assessed),
                summary.requirement,
                summary.not_met
            )
        };
        let due = summary.count(Status::NotYetDue);
        if due > 0 {
            line.push_str(&format!("; {due} not yet due"));
        }
        return line;
    }
    let mut rest = Vec::new();
    for status in [
        Status::NotMet,
        Status::NotYetDue,
        Status::NoData,
        Status::NotApplicable,
    ] {
        let n = summary.count(status);
        if n > 0 {
            rest.push(format!("{n} {}", status.words()));
        }
    }
    let allies = if summary.members == 1 {
        "ally"
    } else {
        "allies"
    };
    let verb = if summary.met == 1 { "meets" } else { "meet" };
    let mut line = format!(
        "{}: {} of {} {allies} {verb} {}",
        summary.year, summary.met, summary.members, summary.requirement
    );
    if !rest.is_empty() {
        line.push_str(&format!(" ({})", rest.join(", ")));
    }
    line
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
