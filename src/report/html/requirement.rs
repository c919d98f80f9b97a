//! One requirement of one draft on the page: the share-of-GDP bars against
//! the threshold, trajectories to the deadline for a path, money gaps, the
//! allies without figures and the outcomes table.

use super::*;

/// Where an ally stands on a requirement in a year: met, short, or neither.
pub(super) fn kind_of(r: &RequirementResult) -> Kind {
    match (r.status, r.would_be_met) {
        (Status::Met, _) | (_, Some(true)) => Kind::Met,
        (Status::NotMet, _) | (_, Some(false)) => Kind::Short,
        _ => Kind::Other,
    }
}

/// The figure and threshold of a result as shares of GDP (fractions),
/// when the requirement compares something with a share of GDP.
pub(super) fn shares(
    r: &RequirementResult,
    data: &Dataset,
    outcome: &PledgeOutcome,
) -> Option<(Decimal, Decimal)> {
    let (value, threshold) = (r.value?, r.threshold?);
    let base = match (r.unit, r.margin_basis.as_str()) {
        ("share_of_gdp", _) | ("ratio", "points of the share") => return Some((value, threshold)),
        ("money", "gdp") => data.indicator(data.country_index(&r.country)?, r.year, "gdp")?,
        // A share of a category (`20% of defence`): of that category's total.
        ("money", category) => outcome.total(category, &r.country, r.year)?.counted?,
        _ => return None,
    };
    if base.is_zero() {
        return None;
    }
    Some((value / base, threshold / base))
}

/// What the shares of a requirement are of: `GDP`, or a category.
pub(super) fn basis_name(results: &[&RequirementResult]) -> String {
    match results
        .iter()
        .map(|r| r.margin_basis.as_str())
        .find(|b| !b.is_empty())
        .unwrap_or("gdp")
    {
        "gdp" | "points of the share" => "GDP".to_string(),
        other => other.to_string(),
    }
}

/// Why a result has no figure, without the verdict part.
pub(super) fn no_figure_reason(r: &RequirementResult) -> String {
    let reason = r.reason.clone().unwrap_or_default();
    match reason.split_once(crate::eval::requirement::NOW_MISSING) {
        Some((_, why)) => why.to_string(),
        None if reason.is_empty() => "no figure for this year".to_string(),
        None if r.status == Status::NotYetDue => "no figure for this year".to_string(),
        None => reason,
    }
}

/// One requirement of one draft, ready to be drawn.
pub(super) struct RequirementView<'a> {
    draft: &'a Draft<'a>,
    id: &'a str,
    results: Vec<&'a RequirementResult>,
    rule: String,
    /// The year the chart shows, and whether it is before the requirement is due.
    year: Option<(i32, bool)>,
    /// Years that are not yet due for any ally.
    folded: Vec<i32>,
}

/// The year a requirement's charts show, whether that is before the
/// requirement is due (the margins are then as if it were due), and the
/// results of that year.
struct ChartYear<'r> {
    year: i32,
    as_if: bool,
    results: Vec<&'r RequirementResult>,
}

impl<'a> RequirementView<'a> {
    pub(super) fn new(draft: &'a Draft<'a>, id: &'a str) -> RequirementView<'a> {
        let results: Vec<&RequirementResult> = draft
            .outcome
            .results
            .iter()
            .filter(|r| r.requirement == id)
            .collect();
        let rule = results
            .iter()
            .find(|r| !r.country_specific && !r.rule.is_empty())
            .or_else(|| results.iter().find(|r| !r.rule.is_empty()))
            .map_or(String::new(), |r| r.rule.clone());
        let data = draft.data();
        let mut best: Option<(usize, i32)> = None;
        for &year in &draft.outcome.years {
            let count = results
                .iter()
                .filter(|r| {
                    r.year == year
                        && kind_of(r) != Kind::Other
                        && shares(r, data, draft.outcome).is_some()
                })
                .count();
            let count = if count == 0 {
                results
                    .iter()
                    .filter(|r| r.year == year && kind_of(r) != Kind::Other)
                    .count()
            } else {
                count
            };
            if count > 0 && best.is_none_or(|(c, _)| count >= c) {
                best = Some((count, year));
            }
        }
        let year = best.map(|(_, y)| {
            let as_if = results
                .iter()
                .filter(|r| r.year == y)
                .all(|r| !matches!(r.status, Status::Met | Status::NotMet));
            (y, as_if)
        });
        let folded = crate::report::fold::not_due_years(&results, &draft.outcome.years);
        RequirementView {
            draft,
            id,
            results,
            rule,
            year,
            folded,
        }
    }

    fn is_path(&self) -> bool {
        self.rule.contains(" on path to ")
    }

    fn due_from(&self) -> String {
        crate::report::fold::not_due_reason(&self.results).unwrap_or_default()
    }

    /// One sentence for the findings at the top of the page.
    pub(super) fn finding(&self) -> String {
        let prefix = if !self.draft.label.is_empty() {
            format!("{}: ", self.draft.label)
        } else {
            String::new()
        };
        let Some((year, as_if)) = self.year else {
            return format!(
                "{prefix}{}: no ally has figures in the years evaluated.",
                self.id
            );
        };
        let of_year: Vec<&&RequirementResult> =
            self.results.iter().filter(|r| r.year == year).collect();
        let members = of_year
            .iter()
            .filter(|r| r.status != Status::NotApplicable)
            .count();
        let met = of_year.iter().filter(|r| kind_of(r) == Kind::Met).count();
        let short = of_year.iter().filter(|r| kind_of(r) == Kind::Short).count();
        let missing = members.saturating_sub(met + short);
        let verb = if met == 1 { "meets" } else { "meet" };
        let mut line = if as_if {
            format!(
                "{prefix}{} ({}): in {year}, as if it were due, {met} of {} allies with figures would meet it",
                self.id,
                self.due_from(),
                met + short
            )
        } else {
            format!(
                "{prefix}{}: in {year}, {met} of {} allies with figures {verb} it",
                self.id,
                met + short
            )
        };
        if missing > 0 {
            line.push_str(&format!("; no data for {missing}"));
        }
        line.push('.');
        line
    }

    pub(super) fn section(&self, id: &str, level: u8, prefix: &str) -> Section {
        let data = self.draft.data();
        let mut section = Section::new(id, &format!("{prefix}{}: {}", self.id, self.rule), level);
        if !self.folded.is_empty() {
            section.paragraphs.push(format!(
                "Not yet due for any ally in {} ({}).",
                year_ranges(&self.folded),
                self.due_from()
            ));
        }
        let Some((year, as_if)) = self.year else {
            let latest = self
                .results
                .iter()
                .filter(|r| r.status != Status::NotApplicable)
                .map(|r| r.year)
                .max();
            let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for r in self
                .results
                .iter()
                .filter(|r| Some(r.year) == latest && r.status != Status::NotApplicable)
            {
                groups
                    .entry(general_reason(&no_figure_reason(r), &r.country))
                    .or_default()
                    .push(ally(data, &r.country));
            }
            section.paragraphs.push(format!(
                "No ally has figures for this requirement in the years evaluated. Why, in {}:",
                latest.map_or(String::new(), |y| y.to_string())
            ));
            section.no_data = groups
                .into_iter()
                .map(|(reason, allies)| (readable(&reason), allies.join(", ")))
                .collect();
            return section;
        };
        let shown = ChartYear {
            year,
            as_if,
            results: self
                .results
                .iter()
                .copied()
                .filter(|r| r.year == year)
                .collect(),
        };
        if self.is_path() {
            self.trajectories(&mut section);
        } else {
            self.share_bars(&mut section, &shown);
        }
        self.money_gaps(&mut section, &shown);
        let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for r in &shown.results {
            if r.status == Status::NotApplicable || kind_of(r) != Kind::Other {
                continue;
            }
            groups
                .entry(general_reason(&no_figure_reason(r), &r.country))
                .or_default()
                .push(ally(data, &r.country));
        }
        section.no_data = groups
            .into_iter()
            .map(|(reason, allies)| (readable(&reason), allies.join(", ")))
            .collect();
        section.tables.push(self.table(year, as_if));
        section
    }

    fn share_bars(&self, section: &mut Section, shown: &ChartYear<'_>) {
        let (year, as_if, of_year) = (shown.year, shown.as_if, shown.results.as_slice());
        let data = self.draft.data();
        let mut bars = Vec::new();
        let mut thresholds: BTreeMap<Decimal, usize> = BTreeMap::new();
        for r in of_year {
            let kind = kind_of(r);
            if kind == Kind::Other {
                continue;
            }
            let Some((value, threshold)) = shares(r, data, self.draft.outcome) else {
                continue;
            };
            *thresholds.entry(threshold.round_dp(6)).or_default() += 1;
            bars.push((
                value,
                Bar {
                    label: ally(data, &r.country),
                    value: f(value) * 100.0,
                    text: numbers::percent(value),
                    kind,
                },
            ));
        }
        if bars.is_empty() {
            section.paragraphs.push(
                "No chart: this requirement does not compare a figure with a share of GDP or of a category (see the table)."
                    .to_string(),
            );
            return;
        }
        let basis = basis_name(&self.results);
        let when = if as_if {
            format!("{year}, as if it were due then (it is {})", self.due_from())
        } else {
            year.to_string()
        };
        let shared = thresholds.values().max().copied().unwrap_or(0);
        if shared * 2 < bars.len() {
            // Each ally has a threshold of its own (such as last year's
            // spending): the margins, around a zero line, say more.
            self.margin_bars(section, &when, of_year, &basis);
            return;
        }
        bars.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.label.cmp(&b.1.label)));
        let common = thresholds
            .iter()
            .max_by_key(|(t, n)| (**n, std::cmp::Reverse(**t)))
            .map(|(t, _)| *t);
        let threshold =
            common.map(|t| (f(t) * 100.0, format!("{} threshold", numbers::percent(t))));
        let title = format!("{}: share of {basis} per ally in {when}", self.id);
        let bars: Vec<Bar> = bars.into_iter().map(|(_, b)| b).collect();
        let mut caption = format!(
            "{title}. One bar per ally with figures, largest first; the dashed line is the threshold. Green: {}; red: {}.",
            if as_if { "would meet it" } else { "meets it" },
            if as_if { "would not" } else { "does not" }
        );
        if thresholds.len() > 1 {
            caption.push_str(" Some allies have a threshold of their own (see the table); the line shows the most common one.");
        }
        if self
            .results
            .iter()
            .any(|r| r.measured_on == "published shares of GDP" && r.year == year)
        {
            caption.push_str(" Figures are the shares of GDP the source publishes.");
        }
        section.figures.push(Figure {
            svg: svg::bars("shares", &title, &bars, threshold, &|v| format!("{v:.1}%")),
            caption,
        });
    }

    /// Bars of the margin in points, left of zero when short, with the
    /// zero line as the threshold.
    fn margin_bars(
        &self,
        section: &mut Section,
        when: &str,
        of_year: &[&RequirementResult],
        basis: &str,
    ) {
        let data = self.draft.data();
        let mut bars: Vec<(Decimal, Bar)> = of_year
            .iter()
            .filter(|r| kind_of(r) != Kind::Other)
            .filter_map(|r| {
                let pp = r.margin_pp?;
                Some((
                    pp,
                    Bar {
                        label: ally(data, &r.country),
                        value: f(pp),
                        text: numbers::points(pp),
                        kind: kind_of(r),
                    },
                ))
            })
            .collect();
        bars.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.label.cmp(&b.1.label)));
        let bars: Vec<Bar> = bars.into_iter().map(|(_, b)| b).collect();
        let title = format!(
            "{}: margin per ally in {when}, percentage points of {basis}",
            self.id
        );
        section.figures.push(Figure {
            svg: svg::bars(
                "shares",
                &title,
                &bars,
                Some((0.0, "threshold (each ally's own)".to_string())),
                &|v| format!("{v:+.1}"),
            ),
            caption: format!(
                "{title}. Each ally has a threshold of its own here, so the bars show how far each is above it (right, green) or below it (left, red); the dashed line is the threshold."
            ),
        });
    }

    fn money_gaps(&self, section: &mut Section, shown: &ChartYear<'_>) {
        let (year, as_if, of_year) = (shown.year, shown.as_if, shown.results.as_slice());
        let data = self.draft.data();
        let mut gaps: Vec<(Decimal, String)> = of_year
            .iter()
            .filter(|r| kind_of(r) == Kind::Short && r.unit == "money" && r.margin_basis == "gdp")
            .filter_map(|r| {
                let gap = -(r.margin?);
                (gap > Decimal::ZERO).then(|| (gap, ally(data, &r.country)))
            })
            .collect();
        if gaps.is_empty() || self.is_path() && as_if {
            return;
        }
        gaps.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        let unit = &data.manifest.money_unit;
        let bars: Vec<Bar> = gaps
            .iter()
            .map(|(gap, label)| Bar {
                label: label.clone(),
                value: f(*gap),
                text: numbers::money(*gap),
                kind: Kind::Short,
            })
            .collect();
        let title = format!("{}: additional spending needed in {year}, {unit}", self.id);
        section.figures.push(Figure {
            svg: svg::bars("gaps", &title, &bars, None, &whole_number),
            caption: format!(
                "{title}{}. The amount each ally short of it would have to add (the shortfall, as pledge distance gives it for a requirement on a share of GDP).",
                if as_if { ", as if it were due then" } else { "" }
            ),
        });
    }

    fn trajectories(&self, section: &mut Section) {
        let data = self.draft.data();
        let outcome = self.draft.outcome;
        let value_name = self.rule.split(" on path to ").next().unwrap_or("").trim();
        let (target, deadline) = path_end(&self.rule, self.draft.prepared, &outcome.pledge);
        let first_year = outcome.years.first().copied().unwrap_or(0);
        let last_year = outcome.years.last().copied().unwrap_or(0);
        let end_year = deadline.map_or(last_year, |d| d.max(last_year));
        let mut charts = String::new();
        let mut drawn = 0;
        for country in &outcome.countries {
            let mut actual = Vec::new();
            let mut path = Vec::new();
            let mut last_kind = Kind::Other;
            for &year in &outcome.years {
                let r = outcome.result(self.id, country, year);
                let from_result = r.and_then(|r| shares(r, data, outcome));
                if let Some((value, threshold)) = from_result {
                    actual.push((f64::from(year), f(value) * 100.0));
                    path.push((f64::from(year), f(threshold) * 100.0));
                    if let Some(r) = r {
                        last_kind = kind_of(r);
                    }
                } else if let Some(share) = outcome
                    .total(value_name, country, year)
                    .and_then(|t| t.share_of_gdp)
                {
                    actual.push((f64::from(year), f(share) * 100.0));
                }
            }
            if path.is_empty() {
                continue;
            }
            if let (Some(target), Some(deadline)) = (target, deadline) {
                if path.last().is_some_and(|(y, _)| *y < f64::from(deadline)) {
                    path.push((f64::from(deadline), f(target) * 100.0));
                }
            }
            let y_max = actual
                .iter()
                .chain(&path)
                .map(|p| p.1)
                .fold(target.map_or(0.0, |t| f(t) * 100.0), f64::max);
            let title = ally(data, country);
            let chart = LineChart {
                chart: "trajectory",
                title: &title,
                width: 250.0,
                height: 150.0,
                x_range: (f64::from(first_year), f64::from(end_year)),
                y_max,
                x_label: &|v| format!("{v:.0}"),
                y_label: &|v| format!("{v:.1}%"),
                x_ticks: vec![f64::from(first_year), f64::from(end_year)],
                threshold: target.map(|t| (f(t) * 100.0, numbers::percent(t))),
                legend: false,
                whole: false,
            };
            charts.push_str(&svg::lines(
                &chart,
                &[
                    Series {
                        name: "credible path".into(),
                        points: path,
                        colour: "#ef6c00",
                        dashed: true,
                    },
                    Series {
                        name: value_name.to_string(),
                        points: actual,
                        colour: svg::colour(last_kind),
                        dashed: false,
                    },
                ],
            ));
            drawn += 1;
        }
        if drawn == 0 {
            section
                .paragraphs
                .push("No ally has figures in the years of the path.".into());
            return;
        }
        section.figures.push(Figure {
            svg: format!("<div class=\"smalls\">{charts}</div>"),
            caption: format!(
                "{}: {value_name} as a share of GDP each year (solid line; green if on the path in the latest year with figures, red if below it) and the credible path (dashed orange line) from the first year of the path to {}{}. The dashed blue line is the target. Only allies with figures in the years of the path are drawn.",
                self.id,
                target.map_or("the target".to_string(), numbers::percent),
                deadline.map_or(String::new(), |d| format!(" in {d}"))
            ),
        });
    }

    /// The outcomes table: allies by years, as `eval` prints it.
    fn table(&self, year: i32, as_if: bool) -> Table {
        let data = self.draft.data();
        let outcome = self.draft.outcome;
        let mut shown: Vec<i32> = outcome
            .years
            .iter()
            .copied()
            .filter(|y| !self.folded.contains(y))
            .collect();
        let as_if_year = (as_if && self.folded.contains(&year)).then_some(year);
        let mut header = vec!["ally".to_string()];
        if let Some(y) = as_if_year {
            header.push(format!("{y} (as if due)"));
        }
        header.extend(shown.iter().map(i32::to_string));
        let mut rows = Vec::new();
        for country in &outcome.countries {
            let mut row = vec![Cell::name(ally(data, country))];
            if let Some(y) = as_if_year {
                row.push(match outcome.result(self.id, country, y) {
                    Some(r) => as_if_cell(r),
                    None => Cell::plain(""),
                });
            }
            for &y in &shown {
                row.push(match outcome.result(self.id, country, y) {
                    Some(r) => Cell {
                        text: crate::report::cell(r),
                        class: class_of(r.status),
                    },
                    None => Cell::plain(""),
                });
            }
            rows.push(row);
        }
        shown.clear();
        Table {
            caption: format!(
                "{}: outcomes (margins in percentage points of {})",
                self.id,
                self.results
                    .iter()
                    .find(|r| !r.margin_basis.is_empty())
                    .map_or("GDP", |r| match r.margin_basis.as_str() {
                        "gdp" => "GDP",
                        "points of the share" => "the share",
                        other => other,
                    })
            ),
            header,
            rows,
        }
    }
}

pub(super) fn class_of(status: Status) -> &'static str {
    match status {
        Status::Met => "met",
        Status::NotMet => "short",
        Status::NotYetDue => "due",
        Status::NotApplicable => "na",
        Status::NoData => "nodata",
    }
}

pub(super) fn as_if_cell(r: &RequirementResult) -> Cell {
    let points = r.margin_pp.map(numbers::points);
    match (r.would_be_met, points) {
        (Some(true), Some(p)) => Cell {
            text: format!("would meet {p}"),
            class: "met",
        },
        (Some(false), Some(p)) if p == "+0.00" => Cell {
            text: "would be short <0.01".into(),
            class: "short",
        },
        (Some(false), Some(p)) => Cell {
            text: format!("would be short {p}"),
            class: "short",
        },
        (Some(true), None) => Cell {
            text: "would meet".into(),
            class: "met",
        },
        (Some(false), None) => Cell {
            text: "would be short".into(),
            class: "short",
        },
        (None, _) if r.status == Status::NotApplicable => Cell {
            text: "n/a".into(),
            class: "na",
        },
        (None, _) => Cell {
            text: "no data".into(),
            class: "nodata",
        },
    }
}

/// The target share and the deadline of a path requirement
/// (`core on path to core_floor of gdp by deadline from 2025`), from its
/// parameters or literals.
pub(super) fn path_end(
    rule: &str,
    prepared: &Prepared,
    pledge: &str,
) -> (Option<Decimal>, Option<i32>) {
    let Some(program) = prepared.checked.pledges().iter().find(|p| p.name == pledge) else {
        return (None, None);
    };
    let param = |name: &str| -> Option<Decimal> {
        let index = program.param_index(name.trim())?;
        program.param(index)?.values.first().map(|v| v.value)
    };
    let after = rule.split(" on path to ").nth(1).unwrap_or("");
    let target_text = after.split(" of gdp by ").next().unwrap_or("").trim();
    let target = match target_text.strip_suffix('%') {
        Some(number) => number
            .trim()
            .parse::<Decimal>()
            .ok()
            .map(|d| d / Decimal::from(100)),
        None => param(target_text),
    };
    let target = if after.contains(" of gdp by ") {
        target
    } else {
        None
    };
    let by = after
        .split(" by ")
        .nth(1)
        .and_then(|t| t.split(" from ").next())
        .unwrap_or("")
        .trim();
    let deadline = by
        .parse::<i32>()
        .ok()
        .or_else(|| param(by).and_then(|d| d.to_i32()));
    (target, deadline)
}
