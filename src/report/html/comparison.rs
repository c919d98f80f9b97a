//! The comparison page of `pledge report`: allies meeting each requirement
//! per draft, flips between drafts, then each draft.

use super::*;

pub(super) fn comparison_page(
    drafts: &[Draft<'_>],
    prepared: &[Prepared],
    sweeps: &[serde_json::Value],
) -> Page {
    let names: Vec<String> = drafts.iter().map(Draft::name).collect();
    let title = format!("Comparison of drafts: {}", names.join(" · "));
    let mut findings = Vec::new();
    let mut counts = Section::new("counts", "Allies meeting each requirement, per draft", 2);
    counts.paragraphs.push(
        "For each requirement and year, how many allies meet it under each draft (N of M: N allies meet, M allies evaluated that are members that year). Years in which the requirement is not yet due under any draft are left out."
            .into(),
    );
    let mut flips = Section::new(
        "flips",
        "Flips: allies whose outcome differs between drafts",
        2,
    );
    flips.paragraphs.push(
        "Green: meets under the other draft but not under A; red: meets under A but not under the other draft; grey: another change (such as no data under one draft). Hover a cell for the outcomes."
            .to_string(),
    );
    for requirement in &requirements_of(drafts) {
        let present: Vec<&Draft<'_>> = drafts
            .iter()
            .filter(|d| d.outcome.requirements.contains(requirement))
            .collect();
        if present.len() < drafts.len() {
            let labels: Vec<String> = present.iter().map(|d| d.label.clone()).collect();
            let sentence = format!(
                "{requirement} is only in draft {}: its outcomes are not compared.",
                labels.join(", ")
            );
            findings.push(sentence.clone());
            flips.paragraphs.push(sentence);
            continue;
        }
        findings.extend(add_counts(drafts, requirement, &mut counts));
        findings.extend(add_flips(drafts, requirement, &mut flips));
    }
    let mut sections = vec![counts, flips];
    sections.extend(draft_sections(drafts));
    finish_page(title, findings, sections, drafts, prepared, sweeps)
}

/// Every requirement of any draft, in the order the drafts name them.
fn requirements_of(drafts: &[Draft<'_>]) -> Vec<String> {
    let mut requirements: Vec<String> = Vec::new();
    for draft in drafts {
        for r in &draft.outcome.requirements {
            if !requirements.contains(r) {
                requirements.push(r.clone());
            }
        }
    }
    requirements
}

/// The years in which a requirement is due for some ally under some draft.
fn due_years(drafts: &[Draft<'_>], requirement: &str) -> Vec<i32> {
    drafts
        .first()
        .map(|d| d.outcome.years.clone())
        .unwrap_or_default()
        .into_iter()
        .filter(|&y| {
            drafts.iter().any(|d| {
                d.outcome.summaries.iter().any(|s| {
                    s.requirement == requirement && s.year == y && s.not_yet_due < s.members
                })
            })
        })
        .collect()
}

/// How many allies meet a requirement in each year, under each draft: one
/// table row and one line of the chart per draft.
struct Counts {
    rows: Vec<Vec<Cell>>,
    series: Vec<Series>,
    /// The most members in any year (at least one).
    y_max: f64,
}

impl Counts {
    fn of(drafts: &[Draft<'_>], requirement: &str, years: &[i32]) -> Counts {
        let mut counts = Counts {
            rows: Vec::new(),
            series: Vec::new(),
            y_max: 1.0_f64,
        };
        for (i, draft) in drafts.iter().enumerate() {
            let mut row = vec![Cell::name(draft.name())];
            let mut points = Vec::new();
            for &year in years {
                match draft
                    .outcome
                    .summaries
                    .iter()
                    .find(|s| s.requirement == requirement && s.year == year)
                {
                    Some(s) => {
                        row.push(Cell::plain(format!("{} of {}", s.met, s.members)));
                        points.push((f64::from(year), s.met as f64));
                        counts.y_max = counts.y_max.max(s.members as f64);
                    }
                    None => row.push(Cell::plain("")),
                }
            }
            counts.rows.push(row);
            counts.series.push(Series {
                name: draft.name(),
                points,
                colour: svg::series_colour(i),
                dashed: false,
            });
        }
        counts
    }
}

/// Adds a requirement's counts per draft to the counts section: the chart
/// (or why there is none) and the table. Gives the finding of the latest
/// year due.
fn add_counts(drafts: &[Draft<'_>], requirement: &str, section: &mut Section) -> Option<String> {
    let years = due_years(drafts, requirement);
    let counts = Counts::of(drafts, requirement, &years);
    let mut header = vec!["draft".to_string()];
    header.extend(years.iter().map(i32::to_string));
    let finding = if let (Some(&first), Some(&last)) = (years.first(), years.last()) {
        let chart = LineChart {
            chart: "meeting",
            title: &format!("{requirement}: allies meeting, per draft"),
            width: 760.0,
            height: 240.0,
            x_range: (f64::from(first) - 0.5, f64::from(last) + 0.5),
            y_max: counts.y_max,
            x_label: &|v| format!("{v:.0}"),
            y_label: &|v| format!("{v:.0}"),
            x_ticks: years.iter().map(|&y| f64::from(y)).collect(),
            threshold: None,
            legend: true,
            whole: true,
        };
        section.figures.push(Figure {
            svg: svg::lines(&chart, &counts.series),
            caption: format!("{requirement}: how many allies meet it each year under each draft."),
        });
        Some(latest_counts(drafts, requirement, last))
    } else {
        section.paragraphs.push(format!(
            "{requirement}: not yet due under any draft in the years evaluated."
        ));
        None
    };
    section.tables.push(Table {
        caption: format!("{requirement}: allies meeting it"),
        header,
        rows: counts.rows,
    });
    finding
}

/// `core_floor in 2035: under A, 3 of 32 allies meet; under B, ...`.
fn latest_counts(drafts: &[Draft<'_>], requirement: &str, last: i32) -> String {
    let latest: Vec<String> = drafts
        .iter()
        .filter_map(|d| {
            d.outcome
                .summaries
                .iter()
                .find(|s| s.requirement == requirement && s.year == last)
                .map(|s| format!("under {}, {} of {} allies meet", d.label, s.met, s.members))
        })
        .collect();
    format!("{requirement} in {last}: {}.", latest.join("; "))
}

/// Adds a requirement's flips to the flips section: the chart of the
/// allies whose outcome differs, by year, and the table with the years
/// folded into ranges. Gives how many allies change outcome, if any does.
fn add_flips(drafts: &[Draft<'_>], requirement: &str, section: &mut Section) -> Option<String> {
    let all_years = drafts
        .first()
        .map(|d| d.outcome.years.clone())
        .unwrap_or_default();
    let data = drafts.first().map(Draft::data);
    let mut flip_rows = Vec::new();
    let mut flip_lines = Vec::new();
    for country in drafts
        .first()
        .map(|d| d.outcome.countries.clone())
        .unwrap_or_default()
    {
        let mut cells = Vec::new();
        let mut changed: BTreeMap<String, Vec<i32>> = BTreeMap::new();
        for &year in &all_years {
            let flip = flip_of(drafts, requirement, &country, year);
            if let Some((_, _, words)) = &flip {
                changed.entry(words.clone()).or_default().push(year);
            }
            cells.push(flip.map(|(kind, text, _)| (kind, text)));
        }
        if changed.is_empty() {
            continue;
        }
        let label = data.map_or(country.clone(), |d| ally(d, &country));
        for (words, years) in changed {
            flip_lines.push((label.clone(), format!("{words} in {}", year_ranges(&years))));
        }
        flip_rows.push(svg::FlipRow { label, cells });
    }
    if flip_rows.is_empty() {
        section.paragraphs.push(format!(
            "{requirement}: no ally changes outcome between the drafts."
        ));
        return None;
    }
    let finding = format!(
        "{requirement}: {} {} change outcome between the drafts.",
        flip_rows.len(),
        if flip_rows.len() == 1 {
            "ally"
        } else {
            "allies"
        }
    );
    section.figures.push(Figure {
        svg: svg::flips(
            &format!("{requirement}: flips between drafts"),
            &all_years,
            &flip_rows,
        ),
        caption: format!(
            "{requirement}: allies whose outcome differs between the drafts, by year."
        ),
    });
    section.tables.push(Table {
        caption: format!("{requirement}: flips, years folded into ranges"),
        header: vec!["ally".into(), "outcomes".into()],
        rows: flip_lines
            .into_iter()
            .map(|(a, t)| vec![Cell::name(a), Cell::name(t)])
            .collect(),
    });
    Some(finding)
}

/// An ally's flip in one year, where its outcome differs between the
/// drafts: the kind of change, the text of its cell (every draft's
/// outcome) and the outcomes in words.
fn flip_of(
    drafts: &[Draft<'_>],
    requirement: &str,
    country: &str,
    year: i32,
) -> Option<(Kind, String, String)> {
    let results: Vec<Option<&RequirementResult>> = drafts
        .iter()
        .map(|d| d.outcome.result(requirement, country, year))
        .collect();
    let statuses: BTreeSet<Option<Status>> = results.iter().map(|r| r.map(|r| r.status)).collect();
    if statuses.len() <= 1 {
        return None;
    }
    let first = results.first().copied().flatten().map(|r| r.status);
    let met_a = first == Some(Status::Met);
    let met_other = results
        .iter()
        .skip(1)
        .any(|r| r.map(|r| r.status) == Some(Status::Met));
    let kind = match (met_a, met_other) {
        (false, true) => Kind::Met,
        (true, _) => Kind::Short,
        _ => Kind::Other,
    };
    let text: Vec<String> = drafts
        .iter()
        .zip(&results)
        .map(|(d, r)| {
            format!(
                "{}: {}",
                d.label,
                r.map_or("no such requirement".to_string(), crate::report::cell)
            )
        })
        .collect();
    let words: Vec<String> = drafts
        .iter()
        .zip(&results)
        .map(|(d, r)| {
            format!(
                "{} under {}",
                r.map_or("—", |r| status_text(r.status)),
                d.label
            )
        })
        .collect();
    Some((
        kind,
        format!("{country} {year}: {}", text.join("; ")),
        words.join(", "),
    ))
}

/// Each draft: a heading with its rule file, then its requirements.
fn draft_sections(drafts: &[Draft<'_>]) -> Vec<Section> {
    let mut sections = Vec::new();
    for draft in drafts {
        let mut head = Section::new(
            &format!("draft-{}", draft.label.to_lowercase()),
            &format!("Draft {}", draft.name()),
            2,
        );
        head.paragraphs
            .push(format!("Rules: {}.", draft.file.display()));
        sections.push(head);
        for requirement in &draft.outcome.requirements {
            let view = RequirementView::new(draft, requirement);
            sections.push(view.section(
                &format!("draft-{}-{}", draft.label.to_lowercase(), slug(requirement)),
                3,
                &format!("{}: ", draft.label),
            ));
        }
    }
    sections
}
