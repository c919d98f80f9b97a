//! Rendering of `pledge distance`: text, Markdown, JSON and CSV.

use rust_decimal::Decimal;
use serde::Serialize;

use super::*;
use crate::analysis::Prepared;
use crate::data::Dataset;
use crate::eval::outcome::{PledgeOutcome, Status};
use crate::program::{Program, Requirement, Type};
use crate::report::{Grid, JsonDataset};
use crate::stamp::Stamp;

pub(crate) struct Distance<'a> {
    pub(crate) rules: String,
    pub(crate) prepared: &'a Prepared,
    pub(crate) outcomes: &'a [PledgeOutcome],
    pub(crate) shortfalls: &'a [Shortfall],
    pub(crate) break_even: Option<&'a (ParamInfo, Vec<BreakEven>, usize)>,
    pub(crate) stamp: &'a Stamp,
}

/// How to read "needed" and "or move within" when the compared category is
/// part of the base of its threshold.
pub(crate) fn growth_note(growth: &crate::eval::requirement::BaseGrowth, unit: &str) -> String {
    let share = written(growth.share, Type::Ratio);
    let rest = written(Decimal::ONE - growth.share, Type::Ratio);
    let (part, base) = (&growth.part, &growth.base);
    let moved = format!(
        "\"or move within {base}\" is the other way to meet it: move that amount from the rest of {base} into {part} (out of it, for an upper limit), and {base} stays as it is; it equals the shortfall."
    );
    if growth.to_add.is_none() {
        return format!(
            "{part} is part of {base}: spending added to {part} is added to {base} too, so with a share of {share} no amount added to {part} alone meets it. {moved} Amounts are in {unit}; the points are points of {base}."
        );
    }
    format!(
        "{part} is part of {base}: spending added to {part} is added to {base} too, which raises the threshold, {share} of {base}. \"needed\" is what to add to {part}: the shortfall ÷ {rest} (that is, 1 − {share}). {moved} Amounts are in {unit}; the points are points of {base}."
    )
}

/// "points of GDP", or of the base of `x% of base`.
pub(crate) fn points_header(basis: &str) -> String {
    match basis {
        "" | "gdp" => "points of GDP".to_string(),
        "points of the share" => "points".to_string(),
        other => format!("points of {other}"),
    }
}

impl Distance<'_> {
    pub(crate) fn data(&self) -> &Dataset {
        &self.prepared.dataset
    }

    pub(crate) fn shortfall_cells(s: &Shortfall) -> (String, String) {
        let direction = if s.cut { "less" } else { "more" };
        let points = s.points().map(|p| figure(p, 2, 4));
        let needed = match s.result.unit {
            "money" => match s.needed() {
                Some(needed) => format!("{} {direction}", figure(needed, 1, 2)),
                None => "not by adding alone".to_string(),
            },
            "ratio" => match &points {
                Some(p) => format!("{p} points {direction}"),
                None => String::new(),
            },
            _ => format!("{} {direction}", figure(s.amount(), 0, 4)),
        };
        (needed, points.unwrap_or_else(|| "—".to_string()))
    }

    pub(crate) fn text(&self, markdown: bool) -> String {
        let h = Heading { markdown };
        let mut out = String::new();
        for (pledge_index, (program, outcome)) in self
            .prepared
            .checked
            .pledges()
            .iter()
            .zip(self.outcomes)
            .enumerate()
        {
            out.push_str(&self.pledge_intro(&h, program));
            for requirement in &program.requirements {
                out.push_str(&self.shortfall_section(&h, pledge_index, requirement, outcome));
            }
            if let Some(break_even) = self.break_even {
                out.push_str(&Self::break_even_section(
                    &h,
                    pledge_index,
                    program,
                    break_even,
                ));
            }
        }
        out.push_str(&format!("{}\n", self.stamp.line()));
        out
    }

    /// The title of a pledge, the data and how to read the tables.
    fn pledge_intro(&self, h: &Heading, program: &Program) -> String {
        let data = self.data();
        let mut out = h.title(&format!("{} — distance to the pledge", program.name), 0);
        out.push_str(&h.paragraph(&format!(
            "Data: {} ({}); amounts in {}.",
            data.manifest.name,
            data.manifest.edition.trim_end_matches('.'),
            data.manifest.money_unit
        )));
        out.push_str(&h.paragraph(&format!(
            "For every ally, year and requirement not met: the additional spending meeting it needs (\"needed\", in {}) and the shortfall in percentage points of GDP (or of the amount a share is asked of), the largest first. Figures are exact; ≈ marks a rounded one.",
            data.manifest.money_unit
        )));
        out.push_str(h.gap());
        out
    }

    /// One requirement: its rule and the table of the allies that fall
    /// short of it, with notes on how to read it.
    fn shortfall_section(
        &self,
        h: &Heading,
        pledge_index: usize,
        requirement: &Requirement,
        outcome: &PledgeOutcome,
    ) -> String {
        let rule = outcome
            .results
            .iter()
            .find(|r| r.requirement == requirement.id && !r.rule.is_empty())
            .map_or(String::new(), |r| r.rule.clone());
        let mut out = h.title(&format!("{}: {rule}", requirement.id), 1);
        let these: Vec<&Shortfall> = self
            .shortfalls
            .iter()
            .filter(|s| s.pledge == pledge_index && s.result.requirement == requirement.id)
            .collect();
        if these.is_empty() {
            out.push_str(&h.paragraph(&format!(
                "No ally falls short of {} in the years evaluated.",
                requirement.id
            )));
            out.push_str(h.gap());
            return out;
        }
        let growth = these.iter().find_map(|s| s.result.base_growth.clone());
        out.push_str(&h.grid(&self.shortfall_grid(&these, growth.is_some())));
        if let Some(growth) = &growth {
            out.push_str(&h.paragraph(&growth_note(growth, &self.data().manifest.money_unit)));
        }
        if these.iter().any(|s| s.cut) {
            out.push_str(&h.paragraph(&format!(
                "{} is an upper limit: \"less\" is the spending above the limit.",
                requirement.id
            )));
        }
        let count = these.len();
        out.push_str(&h.paragraph(&format!(
            "{count} {} short of {}.",
            if count == 1 {
                "ally-year falls"
            } else {
                "ally-years fall"
            },
            requirement.id
        )));
        out.push_str(h.gap());
        out
    }

    /// The shortfalls of one requirement: ally, year, needed, points, and
    /// what to move within the base where the compared category is part of
    /// it (`growth`).
    fn shortfall_grid(&self, these: &[&Shortfall], growth: bool) -> Grid {
        let basis = these
            .iter()
            .find(|s| !s.result.margin_basis.is_empty())
            .map_or("gdp", |s| s.result.margin_basis.as_str());
        let mut header = vec![
            "ally".to_string(),
            "year".to_string(),
            format!(
                "needed, {}",
                crate::report::numbers::short_unit(&self.data().manifest.money_unit)
            ),
            points_header(basis),
        ];
        if let Some(growth) = these.iter().find_map(|s| s.result.base_growth.as_ref()) {
            header.push(format!("or move within {}", growth.base));
        }
        let rows = these
            .iter()
            .map(|s| {
                let (needed, points) = Self::shortfall_cells(s);
                let mut row = vec![
                    s.result.country.clone(),
                    s.result.year.to_string(),
                    needed,
                    points,
                ];
                if growth {
                    row.push(
                        s.shift()
                            .map_or_else(|| "—".to_string(), |m| figure(m, 1, 2)),
                    );
                }
                row
            })
            .collect();
        Grid { header, rows }
    }

    /// The break-even values of the parameter for one pledge, requirement
    /// by requirement, and how many outcomes were left out.
    fn break_even_section(
        h: &Heading,
        pledge_index: usize,
        program: &Program,
        (param, found, left_out): &(ParamInfo, Vec<BreakEven>, usize),
    ) -> String {
        if program.param_index(&param.name).is_none() {
            return format!(
                "{}\n",
                h.paragraph(&format!(
                    "The pledge has no parameter `{}`: no break-even values.",
                    param.name
                ))
            );
        }
        let mut out = h.title(&format!("Break-even values of {}", param.name), 1);
        let how = if param.year {
            format!(
                "{} is read as a year: every whole year from {} before to {} after its value was tried, and the nearest years at which an outcome changes are given.",
                param.name, YEAR_WINDOW, YEAR_WINDOW
            )
        } else {
            format!(
                "The value of {} at which each outcome flips, solved exactly from the margin and checked by evaluating at the solution.",
                param.name
            )
        };
        out.push_str(&h.paragraph(&how));
        out.push_str(h.gap());
        for requirement in &program.requirements {
            let these: Vec<&BreakEven> = found
                .iter()
                .filter(|b| {
                    b.question.pledge == pledge_index && b.question.requirement_id == requirement.id
                })
                .collect();
            if these.is_empty() {
                continue;
            }
            out.push_str(&h.paragraph(&format!("{}:", requirement.id)));
            for b in these {
                let line = if h.markdown {
                    b.sentence(param)
                } else {
                    format!("  {}", b.sentence(param))
                };
                out.push_str(&h.item(&line));
            }
            out.push('\n');
        }
        if *left_out > 0 {
            let what = if param.year {
                "whose outcome is neither met nor not met and does not change"
            } else {
                "whose outcome is not yet due, not applicable or without data"
            };
            out.push_str(&h.paragraph(&format!(
                "{left_out} ally-year-requirement(s) {what} are left out."
            )));
            out.push('\n');
        }
        out
    }

    pub(crate) fn break_even_json(param: &ParamInfo, b: &BreakEven, pledge: &str) -> BreakEvenJson {
        let mut json = BreakEvenJson {
            pledge: pledge.to_string(),
            requirement: b.question.requirement_id.clone(),
            country: b.question.country_code.clone(),
            year: b.question.year,
            status: b.question.status,
            now: exact_opt(b.question.now),
            finding: "",
            break_even: None,
            exact: None,
            linear: None,
            meets_when: None,
            later: None,
            earlier: None,
            tried: None,
            reason: None,
            text: b.sentence(param),
        };
        match &b.finding {
            Finding::Flip {
                value,
                exact,
                linear,
                side,
            } => {
                json.finding = "flip";
                json.break_even = Some(self::exact(*value));
                json.exact = Some(*exact);
                json.linear = Some(*linear);
                json.meets_when = Some(*side);
            }
            Finding::NoEffect => json.finding = "no_effect",
            Finding::NotFound { reason } => {
                json.finding = "not_found";
                json.reason = Some(reason.clone());
            }
            Finding::Scan {
                low,
                high,
                later,
                earlier,
                ..
            } => {
                json.finding = "scan";
                json.later = *later;
                json.earlier = *earlier;
                json.tried = Some([*low, *high]);
            }
        }
        json
    }

    pub(crate) fn json(&self) -> String {
        #[derive(Serialize)]
        struct ShortfallJson {
            pledge: String,
            requirement: String,
            country: String,
            year: i32,
            rule: String,
            unit: &'static str,
            shortfall: String,
            needed: Option<String>,
            shift: Option<String>,
            shift_within: Option<String>,
            shortfall_pp: Option<String>,
            margin_basis: String,
            direction: &'static str,
        }
        #[derive(Serialize)]
        struct ParamJson {
            name: String,
            unit: &'static str,
            year: bool,
        }
        #[derive(Serialize)]
        struct Document<'a> {
            rules: String,
            dataset: JsonDataset<'a>,
            stamp: &'a Stamp,
            years: Vec<i32>,
            countries: Vec<String>,
            shortfalls: Vec<ShortfallJson>,
            parameter: Option<ParamJson>,
            break_even: Vec<BreakEvenJson>,
        }
        let names: Vec<&str> = self
            .prepared
            .checked
            .pledges()
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        let document = Document {
            rules: self.rules.clone(),
            dataset: json_dataset(self.data()),
            stamp: self.stamp,
            years: self
                .outcomes
                .first()
                .map_or(Vec::new(), |o| o.years.clone()),
            countries: self
                .outcomes
                .first()
                .map_or(Vec::new(), |o| o.countries.clone()),
            shortfalls: self
                .shortfalls
                .iter()
                .map(|s| ShortfallJson {
                    pledge: s.result.pledge.clone(),
                    requirement: s.result.requirement.clone(),
                    country: s.result.country.clone(),
                    year: s.result.year,
                    rule: s.result.rule.clone(),
                    unit: s.result.unit,
                    shortfall: exact(s.amount()),
                    needed: exact_opt(s.needed()),
                    shift: exact_opt(s.shift()),
                    shift_within: s.result.base_growth.as_ref().map(|g| g.base.clone()),
                    shortfall_pp: exact_opt(s.points()),
                    margin_basis: s.result.margin_basis.clone(),
                    direction: if s.cut { "less" } else { "more" },
                })
                .collect(),
            parameter: self.break_even.map(|(p, _, _)| ParamJson {
                name: p.name.clone(),
                unit: crate::eval::outcome::unit_name(p.ty),
                year: p.year,
            }),
            break_even: self.break_even.map_or(Vec::new(), |(param, found, _)| {
                found
                    .iter()
                    .map(|b| {
                        Self::break_even_json(
                            param,
                            b,
                            names.get(b.question.pledge).copied().unwrap_or_default(),
                        )
                    })
                    .collect()
            }),
        };
        crate::report::json_text(&document)
    }

    pub(crate) fn csv(&self) -> String {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let _ = writer.write_record(crate::report::OUTCOME_COLUMNS.iter().chain(&[
            "shortfall",
            "needed",
            "shift",
            "shift_within",
            "shortfall_pp",
            "margin_basis",
            "unit",
            "direction",
            "parameter",
            "now",
            "break_even",
            "break_even_exact",
            "meets_when",
            "later_from",
            "later_status",
            "earlier_to",
            "earlier_status",
            "text",
        ]));
        let names: Vec<&str> = self
            .prepared
            .checked
            .pledges()
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        let blank = || String::new();
        for s in self.shortfalls {
            let r = &s.result;
            let matching = self.break_even.and_then(|(param, found, _)| {
                found.iter().find(|b| answers(b, s)).map(|b| (param, b))
            });
            let mut row = vec![
                r.pledge.clone(),
                r.requirement.clone(),
                r.country.clone(),
                r.year.to_string(),
                r.status.word().to_string(),
                exact(s.amount()),
                exact_opt(s.needed()).unwrap_or_default(),
                exact_opt(s.shift()).unwrap_or_default(),
                s.result
                    .base_growth
                    .as_ref()
                    .map_or_else(String::new, |g| g.base.clone()),
                exact_opt(s.points()).unwrap_or_default(),
                r.margin_basis.clone(),
                r.unit.to_string(),
                if s.cut { "less" } else { "more" }.to_string(),
            ];
            row.extend(match matching {
                Some((param, b)) => Self::break_even_cells(param, b),
                None => (0..10).map(|_| blank()).collect(),
            });
            let _ = writer.write_record(&row);
        }
        if let Some((param, found, _)) = self.break_even {
            for b in found
                .iter()
                .filter(|b| !self.shortfalls.iter().any(|s| answers(b, s)))
            {
                let mut row = vec![
                    names
                        .get(b.question.pledge)
                        .copied()
                        .unwrap_or_default()
                        .to_string(),
                    b.question.requirement_id.clone(),
                    b.question.country_code.clone(),
                    b.question.year.to_string(),
                    b.question.status.word().to_string(),
                ];
                row.extend((0..8).map(|_| blank()));
                row.extend(Self::break_even_cells(param, b));
                let _ = writer.write_record(&row);
            }
        }
        let body = writer
            .into_inner()
            .map(|bytes| String::from_utf8_lossy(&bytes).to_string())
            .unwrap_or_default();
        format!("{}{body}", self.stamp.csv_comment())
    }

    /// parameter, now, break_even, break_even_exact, meets_when,
    /// later_from, later_status, earlier_to, earlier_status, text.
    pub(crate) fn break_even_cells(param: &ParamInfo, b: &BreakEven) -> Vec<String> {
        let mut cells = vec![
            param.name.clone(),
            exact_opt(b.question.now).unwrap_or_default(),
        ];
        let side_word = |side: Side| match side {
            Side::AtMost => "at_most",
            Side::Below => "below",
            Side::AtLeast => "at_least",
            Side::Above => "above",
            Side::OnlyAt => "only_at",
            Side::ExceptAt => "except_at",
        };
        match &b.finding {
            Finding::Flip {
                value, exact, side, ..
            } => cells.extend([
                self::exact(*value),
                exact.to_string(),
                side_word(*side).to_string(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ]),
            Finding::Scan { later, earlier, .. } => cells.extend([
                String::new(),
                String::new(),
                String::new(),
                later.map_or(String::new(), |r| r.from.to_string()),
                later.map_or(String::new(), |r| r.status.word().to_string()),
                earlier.map_or(String::new(), |r| r.to.to_string()),
                earlier.map_or(String::new(), |r| r.status.word().to_string()),
            ]),
            Finding::NoEffect | Finding::NotFound { .. } => {
                cells.extend((0..7).map(|_| String::new()))
            }
        }
        cells.push(b.sentence(param));
        cells
    }
}

/// Whether a break-even value answers the question of a shortfall: the
/// same pledge, requirement, ally and year.
fn answers(b: &BreakEven, s: &Shortfall) -> bool {
    let q = &b.question;
    q.pledge == s.pledge
        && q.requirement_id == s.result.requirement
        && q.country_code == s.result.country
        && q.year == s.result.year
}

#[derive(Serialize)]
pub(crate) struct BreakEvenJson {
    pub(crate) pledge: String,
    pub(crate) requirement: String,
    pub(crate) country: String,
    pub(crate) year: i32,
    pub(crate) status: Status,
    pub(crate) now: Option<String>,
    /// `flip`, `no_effect`, `not_found` or `scan`.
    pub(crate) finding: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) break_even: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) exact: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) linear: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) meets_when: Option<Side>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) later: Option<Run>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) earlier: Option<Run>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) tried: Option<[i64; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) reason: Option<String>,
    pub(crate) text: String,
}

/// The ally first, in every outcome: "XWA meets core_floor in 2035", "XWA
/// is not yet due to meet core_floor in 2035".
pub(crate) fn outcome_clause(
    status: Status,
    requirement: &str,
    country: &str,
    year: i32,
) -> String {
    match status {
        Status::Met => format!("{country} meets {requirement} in {year}"),
        Status::NotMet => format!("{country} does not meet {requirement} in {year}"),
        Status::NotYetDue => format!("{country} is not yet due to meet {requirement} in {year}"),
        Status::NotApplicable => format!("{country} is not bound by {requirement} in {year}"),
        Status::NoData => format!("{country} has no data for {requirement} in {year}"),
    }
}

impl BreakEven {
    /// The finding in one sentence for negotiators.
    pub(crate) fn sentence(&self, param: &ParamInfo) -> String {
        let name = &param.name;
        let now = match self.question.now {
            // Shares as the break-even values are shown: `3.50%`.
            Some(v) if param.ty == crate::program::Type::Ratio => {
                format!("now {}", shown(v, param.ty))
            }
            Some(v) => format!("now {}", written(v, param.ty)),
            None => "now without a value".to_string(),
        };
        let country = &self.question.country_code;
        let requirement = &self.question.requirement_id;
        let year = self.question.year;
        match &self.finding {
            Finding::Flip {
                value,
                exact: _,
                linear,
                side,
            } => {
                let v = shown(*value, param.ty);
                let condition = match side {
                    Side::AtMost => format!("is at most {v}"),
                    Side::Below => format!("is below {v}"),
                    Side::AtLeast => format!("is at least {v}"),
                    Side::Above => format!("is above {v}"),
                    Side::OnlyAt => format!("is exactly {v}"),
                    Side::ExceptAt => format!("is not {v}"),
                };
                let note = if *linear {
                    String::new()
                } else {
                    format!("; found by trial: the margin does not move in proportion to {name}")
                };
                format!(
                    "{country} meets {requirement} in {year} if {name} {condition} ({now}{note})"
                )
            }
            Finding::NoEffect => format!(
                "{}; {name} makes no difference ({now})",
                outcome_clause(self.question.status, requirement, country, year)
            ),
            Finding::NotFound { reason } => format!(
                "{}; no value of {name} was found at which this changes: {reason} ({now})",
                outcome_clause(self.question.status, requirement, country, year)
            ),
            Finding::Scan {
                low,
                high,
                later,
                earlier,
            } => {
                let mut parts = Vec::new();
                let runs = [(later, true), (earlier, false)];
                for (run, is_later) in runs
                    .iter()
                    .filter_map(|(run, is_later)| run.as_ref().map(|r| (r, *is_later)))
                {
                    let span = if run.open_ended {
                        if is_later {
                            format!("{} or later", run.from)
                        } else {
                            format!("{} or earlier", run.to)
                        }
                    } else if run.from == run.to {
                        format!("{}", run.from)
                    } else {
                        format!("{} to {}", run.from, run.to)
                    };
                    parts.push(format!(
                        "{} if {name} is {span}",
                        outcome_clause(run.status, requirement, country, year)
                    ));
                }
                if parts.is_empty() {
                    format!(
                        "{} for every {name} from {low} to {high} ({now})",
                        outcome_clause(self.question.status, requirement, country, year)
                    )
                } else {
                    format!(
                        "{} ({now}, where it is {})",
                        parts.join("; "),
                        self.question.status.words()
                    )
                }
            }
        }
    }
}
