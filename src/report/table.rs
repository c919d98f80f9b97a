//! The outcome table of one pledge, as text or Markdown: per requirement its
//! rule, the years folded into sentences, one row per ally (or one for the
//! alliance) and the counts per year; then the category totals as shares of
//! GDP.

use std::collections::BTreeMap;

use super::{fold, heading, numbers, Grid, Style, LEGEND, LEGEND_OTHER_BASIS};
use crate::data::Dataset;
use crate::eval::outcome::{
    AllianceTotal, CategoryTotal, PledgeOutcome, RequirementResult, Status,
};

/// The text table of one pledge's outcomes.
pub fn table(outcome: &PledgeOutcome, data: &Dataset, style: Style, markdown: bool) -> String {
    let page = Page {
        outcome,
        data,
        style,
        markdown,
    };
    let mut out = page.intro();
    for requirement in &outcome.requirements {
        out.push_str(&page.requirement(&Section::new(outcome, requirement)));
    }
    out.push_str(&page.category_totals());
    out
}

/// What every part of the table is drawn from, and how.
struct Page<'a> {
    outcome: &'a PledgeOutcome,
    data: &'a Dataset,
    style: Style,
    markdown: bool,
}

/// One requirement's results and the years its table shows.
struct Section<'a> {
    requirement: &'a str,
    results: Vec<&'a RequirementResult>,
    /// The requirement has a rule for every ally (not only rules for some).
    general_rule: bool,
    rule: String,
    /// Years not yet due for any ally, said in one sentence.
    folded: Vec<i32>,
    /// Years after the requirement stops applying, said in one sentence.
    ended: Vec<i32>,
    /// An alliance-wide requirement, shown as one row.
    alliance: bool,
    /// The years the table shows.
    shown: Vec<i32>,
}

impl<'a> Section<'a> {
    fn new(outcome: &'a PledgeOutcome, requirement: &'a str) -> Section<'a> {
        let results: Vec<&RequirementResult> = outcome
            .results
            .iter()
            .filter(|r| r.requirement == requirement)
            .collect();
        let general = results
            .iter()
            .find(|r| !r.country_specific && !r.rule.is_empty());
        let rule = match general {
            Some(r) => r.rule.clone(),
            None => rule_for_some(&results),
        };
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
        Section {
            requirement,
            general_rule: general.is_some(),
            results,
            rule,
            folded,
            ended,
            alliance,
            shown,
        }
    }

    /// The latest two folded years in which the margins as if due are
    /// known: where the allies stand now.
    fn as_if_years(&self) -> Vec<i32> {
        let known: Vec<i32> = self
            .folded
            .iter()
            .copied()
            .filter(|&y| {
                self.results
                    .iter()
                    .any(|r| r.year == y && r.would_be_met.is_some())
            })
            .collect();
        known
            .iter()
            .copied()
            .skip(known.len().saturating_sub(2))
            .collect()
    }

    /// The most common reason why the margin now is unknown in the folded
    /// years.
    fn unknown_now(&self) -> Option<String> {
        let mut unknown_now: BTreeMap<&str, usize> = BTreeMap::new();
        for r in self
            .results
            .iter()
            .filter(|r| self.folded.contains(&r.year))
        {
            if let Some(why) = r
                .reason
                .as_deref()
                .and_then(|t| t.split(crate::eval::requirement::NOW_MISSING).nth(1))
            {
                *unknown_now.entry(why).or_default() += 1;
            }
        }
        unknown_now
            .into_iter()
            .max_by_key(|(why, n)| (*n, std::cmp::Reverse(*why)))
            .map(|(why, _)| why.to_string())
    }
}

/// The rule of a requirement that has rules for some allies only:
/// `... (for POL, ESP only)`.
fn rule_for_some(results: &[&RequirementResult]) -> String {
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

impl Page<'_> {
    fn heading(&self, text: &str, level: usize) -> String {
        heading(text, level, self.markdown)
    }

    fn paragraph(&self, text: String) -> String {
        if self.markdown {
            format!("{text}\n\n")
        } else {
            format!("{text}\n")
        }
    }

    /// What starts a line of a list: `- ` in Markdown.
    fn bullet(&self) -> &'static str {
        if self.markdown {
            "- "
        } else {
            ""
        }
    }

    /// An outcome's cell, in its colour in text.
    fn cell(&self, result: &RequirementResult) -> String {
        if self.markdown {
            super::cell(result)
        } else {
            self.style.paint(&super::cell(result), result.status)
        }
    }

    /// The title, the source, the data, the years outside the data and the
    /// legend.
    fn intro(&self) -> String {
        let (outcome, data) = (self.outcome, self.data);
        let mut out = self.heading(&format!("{} — outcomes", outcome.pledge), 0);
        if let Some(source) = &outcome.source {
            let status = outcome
                .status
                .as_ref()
                .map_or(String::new(), |s| format!(" (status: {s})"));
            out.push_str(&self.paragraph(format!("Source: {source}{status}.")));
        }
        out.push_str(&self.paragraph(format!(
            "Data: {} ({}); amounts in {}.",
            data.manifest.name,
            data.manifest.edition.trim_end_matches('.'),
            data.manifest.money_unit
        )));
        if let Some(sentence) = fold::outside_data(data, &outcome.years) {
            out.push_str(&self.paragraph(sentence));
        }
        let other_basis = outcome
            .results
            .iter()
            .any(|r| !matches!(r.margin_basis.as_str(), "" | "gdp" | "points of the share"));
        if other_basis {
            out.push_str(&self.paragraph(format!("Legend: {LEGEND_OTHER_BASIS}")));
        } else {
            out.push_str(&self.paragraph(format!("Legend: {LEGEND}")));
        }
        if !self.markdown {
            out.push('\n');
        }
        out
    }

    /// One requirement: its rule, the folded years, the table and the
    /// counts per year.
    fn requirement(&self, section: &Section<'_>) -> String {
        let mut out = self.heading(&format!("{}: {}", section.requirement, section.rule), 1);
        let basis = section
            .results
            .iter()
            .find(|r| !r.margin_basis.is_empty())
            .map_or("gdp", |r| r.margin_basis.as_str());
        if basis != "gdp" && basis != "points of the share" {
            out.push_str(&self.paragraph(format!(
                "Margins are in percentage points of `{basis}`, not of GDP: +1.00 is 1% of `{basis}` to spare."
            )));
        }
        if !section.folded.is_empty() {
            out.push_str(&self.not_yet_due(section));
        }
        if let (false, Some(last)) = (section.ended.is_empty(), section.shown.last()) {
            out.push_str(&self.paragraph(format!(
                "Not applicable to any ally in {} (it applies until {last}).",
                numbers::year_ranges(&section.ended)
            )));
        }
        out.push_str(&self.outcome_grid(section));
        out.push_str(&self.counts(section));
        out.push('\n');
        out
    }

    /// The years not yet due in one sentence, with where the allies stand
    /// now where that is known, else why it is not, or how to see it.
    fn not_yet_due(&self, section: &Section<'_>) -> String {
        let reason =
            fold::not_due_reason(&section.results).map_or(String::new(), |r| format!(" ({r})"));
        let mut sentence = format!(
            "Not yet due for any ally in {}{reason}.",
            numbers::year_ranges(&section.folded)
        );
        let now = section.as_if_years();
        if !now.is_empty() {
            let mut out = self.paragraph(sentence);
            out.push_str(&self.as_if_due(section, &now));
            return out;
        }
        if let Some(why) = section.unknown_now() {
            sentence.push_str(&format!(
                " Where the allies stand now cannot be shown: {why}."
            ));
        } else if let Some(latest) = self.latest_year().filter(|y| section.folded.contains(y)) {
            // When the start year is a parameter, say how to see where the
            // allies stand today.
            if let Some(hint) = set_start_hint(&section.rule, latest) {
                sentence.push(' ');
                sentence.push_str(&hint);
            }
        }
        self.paragraph(sentence)
    }

    /// The latest year with spending figures.
    fn latest_year(&self) -> Option<i32> {
        self.outcome
            .totals
            .iter()
            .filter(|t| t.counted.is_some())
            .map(|t| t.year)
            .max()
    }

    /// Where the allies (or the alliance) stand in the years `now`, as if
    /// the requirement were due then: margins, not verdicts.
    fn as_if_due(&self, section: &Section<'_>, now: &[i32]) -> String {
        let mut out = String::new();
        if section.alliance {
            for result in now
                .iter()
                .filter_map(|&y| fold::alliance_result(&section.results, y))
            {
                out.push_str(&format!(
                    "{}{}, as if due: the alliance {}\n",
                    self.bullet(),
                    result.year,
                    as_if_cell(result)
                ));
            }
            out.push('\n');
            return out;
        }
        out.push_str(&self.paragraph(format!(
            "Where the allies stand now, as if it were due in {} (margins, not verdicts):",
            numbers::year_ranges(now)
        )));
        out.push_str(&as_if_grid(
            self.data,
            &self.outcome.countries,
            &section.results,
            now,
            self.style,
            self.markdown,
        ));
        for &year in now {
            out.push_str(&format!(
                "{}{}\n",
                self.bullet(),
                as_if_line(&section.results, year, section.requirement)
            ));
        }
        out
    }

    /// The outcomes in the years shown, one row per ally (or one for the
    /// alliance), with a note for each ally under a rule of its own.
    fn outcome_grid(&self, section: &Section<'_>) -> String {
        let mut header = vec![if section.alliance { "" } else { "ally" }.to_string()];
        header.extend(section.shown.iter().map(|y| y.to_string()));
        let mut rows = Vec::new();
        let mut notes = Vec::new();
        if section.alliance {
            let mut row = vec!["alliance".to_string()];
            row.extend(section.shown.iter().map(|&year| {
                fold::alliance_result(&section.results, year)
                    .map_or(String::new(), |r| self.cell(r))
            }));
            rows.push(row);
        } else {
            for country in &self.outcome.countries {
                let (row, note) = self.country_row(section, country);
                rows.push(row);
                notes.extend(note);
            }
        }
        let mut out = String::new();
        if !section.shown.is_empty() {
            out.push_str(&Grid { header, rows }.render(self.data, self.markdown));
            if self.markdown {
                out.push('\n');
            }
        }
        for note in notes {
            out.push_str(&self.paragraph(note));
        }
        if !self.markdown && !section.shown.is_empty() {
            out.push('\n');
        }
        out
    }

    /// One ally's row; an ally under a rule of its own is marked `*`, with
    /// a note that gives the rule.
    fn country_row(&self, section: &Section<'_>, country: &str) -> (Vec<String>, Option<String>) {
        let mut row = vec![country.to_string()];
        let mut specific = false;
        for &year in &section.shown {
            let text = section
                .results
                .iter()
                .find(|r| r.country == country && r.year == year)
                .map_or(String::new(), |r| {
                    specific |= r.country_specific;
                    self.cell(r)
                });
            row.push(text);
        }
        let mut note = None;
        if specific && section.general_rule {
            note = section
                .results
                .iter()
                .find(|r| r.country == country && r.country_specific)
                .map(|r| format!("{country}*: {} (a rule for this country only)", r.rule));
            if let Some(first) = row.first_mut() {
                first.push('*');
            }
        }
        (row, note)
    }

    /// How many allies meet the requirement in each year shown.
    fn counts(&self, section: &Section<'_>) -> String {
        let requirement = section.requirement;
        let mut out = String::new();
        for summary in self.outcome.summaries.iter().filter(|s| {
            s.requirement == requirement
                && !section.folded.contains(&s.year)
                && !section.ended.contains(&s.year)
        }) {
            let line = match fold::alliance_result(&section.results, summary.year) {
                Some(result) if section.alliance => fold::alliance_line(result, requirement),
                _ => summary_line(summary),
            };
            out.push_str(&format!("{}{line}\n", self.bullet()));
        }
        out
    }

    /// Every category's totals as shares of GDP, per ally and for the
    /// members shown together.
    fn category_totals(&self) -> String {
        let mut out = self.heading("Category totals as a share of GDP", 1);
        for category in &self.outcome.categories {
            out.push_str(&self.category_grid(category));
            out.push('\n');
        }
        out.push_str(&self.paragraph(
            "The total row is the combined amount of the members shown over their combined GDP; (n/m) means only n of the m members shown had data (members without data are left out of both sums).".to_string(),
        ));
        out
    }

    fn category_grid(&self, category: &str) -> String {
        let outcome = self.outcome;
        let mut header = vec![category.to_string()];
        header.extend(outcome.years.iter().map(|y| y.to_string()));
        let mut rows = Vec::new();
        for country in &outcome.countries {
            let mut row = vec![country.clone()];
            row.extend(outcome.years.iter().map(|&year| {
                outcome
                    .total(category, country, year)
                    .map_or(String::new(), share_cell)
            }));
            rows.push(row);
        }
        let mut total_row = vec!["total".to_string()];
        total_row.extend(outcome.years.iter().map(|&year| {
            outcome
                .alliance
                .iter()
                .find(|a| a.category == category && a.year == year)
                .map_or(String::new(), alliance_share_cell)
        }));
        rows.push(total_row);
        Grid { header, rows }.render(self.data, self.markdown)
    }
}

/// An ally's category total as a share of its GDP.
fn share_cell(total: &CategoryTotal) -> String {
    match (total.counted, total.share_of_gdp) {
        (Some(_), Some(share)) => numbers::percent(share),
        (Some(_), None) => "no GDP".into(),
        _ => "no data".into(),
    }
}

/// The members' combined total as a share of their combined GDP, with how
/// many of them had data when some had none.
fn alliance_share_cell(total: &AllianceTotal) -> String {
    match total.share_of_gdp {
        Some(share) if total.members_with_data == total.members => numbers::percent(share),
        Some(share) => format!(
            "{} ({}/{})",
            numbers::percent(share),
            total.members_with_data,
            total.members
        ),
        None if total.members_with_data == 0 => "no data".into(),
        None => format!("no GDP ({}/{})", total.members_with_data, total.members),
    }
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
    let mut out = Grid { header, rows }.render(data, markdown);
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
