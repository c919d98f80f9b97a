//! The comparison page of `pledge report`: allies meeting each requirement
//! per draft, flips between drafts, then each draft.

use super::*;

#[allow(clippy::too_many_lines)] // Over 100 lines: to be split.
pub(super) fn comparison_page(
    drafts: &[Draft<'_>],
    prepared: &[Prepared],
    sweeps: &[serde_json::Value],
) -> Page {
    let names: Vec<String> = drafts.iter().map(Draft::name).collect();
    let title = format!("Comparison of drafts: {}", names.join(" · "));
    let mut requirements: Vec<String> = Vec::new();
    for draft in drafts {
        for r in &draft.outcome.requirements {
            if !requirements.contains(r) {
                requirements.push(r.clone());
            }
        }
    }
    let mut findings = Vec::new();
    let mut sections = Vec::new();
    let mut counts = Section::new("counts", "Allies meeting each requirement, per draft", 2);
    counts.paragraphs.push(
        "For each requirement and year, how many allies meet it under each draft (N of M: N allies meet, M allies evaluated that are members that year). Years in which the requirement is not yet due under any draft are left out."
            .into(),
    );
    let mut flips_section = Section::new(
        "flips",
        "Flips: allies whose outcome differs between drafts",
        2,
    );
    flips_section.paragraphs.push(
        "Green: meets under the other draft but not under A; red: meets under A but not under the other draft; grey: another change (such as no data under one draft). Hover a cell for the outcomes."
            .to_string(),
    );
    for requirement in &requirements {
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
            flips_section.paragraphs.push(sentence);
            continue;
        }
        let years: Vec<i32> = drafts
            .first()
            .map(|d| d.outcome.years.clone())
            .unwrap_or_default()
            .into_iter()
            .filter(|&y| {
                drafts.iter().any(|d| {
                    d.outcome.summaries.iter().any(|s| {
                        &s.requirement == requirement && s.year == y && s.not_yet_due < s.members
                    })
                })
            })
            .collect();
        // Counts table and chart.
        let mut header = vec!["draft".to_string()];
        header.extend(years.iter().map(i32::to_string));
        let mut rows = Vec::new();
        let mut series = Vec::new();
        let mut y_max = 1.0_f64;
        for (i, draft) in drafts.iter().enumerate() {
            let mut row = vec![Cell::name(draft.name())];
            let mut points = Vec::new();
            for &year in &years {
                match draft
                    .outcome
                    .summaries
                    .iter()
                    .find(|s| &s.requirement == requirement && s.year == year)
                {
                    Some(s) => {
                        row.push(Cell::plain(format!("{} of {}", s.met, s.members)));
                        points.push((f64::from(year), s.met as f64));
                        y_max = y_max.max(s.members as f64);
                    }
                    None => row.push(Cell::plain("")),
                }
            }
            rows.push(row);
            series.push(Series {
                name: draft.name(),
                points,
                colour: svg::PALETTE
                    .get(i % svg::PALETTE.len())
                    .copied()
                    .unwrap_or("#1565c0"),
                dashed: false,
            });
        }
        if let (Some(&first), Some(&last)) = (years.first(), years.last()) {
            let latest: Vec<String> = drafts
                .iter()
                .filter_map(|d| {
                    d.outcome
                        .summaries
                        .iter()
                        .find(|s| &s.requirement == requirement && s.year == last)
                        .map(|s| {
                            format!("under {}, {} of {} allies meet", d.label, s.met, s.members)
                        })
                })
                .collect();
            findings.push(format!("{requirement} in {last}: {}.", latest.join("; ")));
            let chart = LineChart {
                chart: "meeting",
                title: &format!("{requirement}: allies meeting, per draft"),
                width: 760.0,
                height: 240.0,
                x_range: (f64::from(first) - 0.5, f64::from(last) + 0.5),
                y_max,
                x_label: &|v| format!("{v:.0}"),
                y_label: &|v| format!("{v:.0}"),
                x_ticks: years.iter().map(|&y| f64::from(y)).collect(),
                threshold: None,
                legend: true,
                whole: true,
            };
            counts.figures.push(Figure {
                svg: svg::lines(&chart, &series),
                caption: format!(
                    "{requirement}: how many allies meet it each year under each draft."
                ),
            });
        } else {
            counts.paragraphs.push(format!(
                "{requirement}: not yet due under any draft in the years evaluated."
            ));
        }
        counts.tables.push(Table {
            caption: format!("{requirement}: allies meeting it"),
            header,
            rows,
        });
        // Flips.
        let mut flip_rows = Vec::new();
        let mut flip_lines = Vec::new();
        let all_years = drafts
            .first()
            .map(|d| d.outcome.years.clone())
            .unwrap_or_default();
        let data = drafts.first().map(Draft::data);
        for country in drafts
            .first()
            .map(|d| d.outcome.countries.clone())
            .unwrap_or_default()
        {
            let mut cells = Vec::new();
            let mut changed: BTreeMap<String, Vec<i32>> = BTreeMap::new();
            for &year in &all_years {
                let results: Vec<Option<&RequirementResult>> = drafts
                    .iter()
                    .map(|d| d.outcome.result(requirement, &country, year))
                    .collect();
                let statuses: BTreeSet<Option<Status>> =
                    results.iter().map(|r| r.map(|r| r.status)).collect();
                if statuses.len() <= 1 {
                    cells.push(None);
                    continue;
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
                changed.entry(words.join(", ")).or_default().push(year);
                cells.push(Some((
                    kind,
                    format!("{country} {year}: {}", text.join("; ")),
                )));
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
            flips_section.paragraphs.push(format!(
                "{requirement}: no ally changes outcome between the drafts."
            ));
        } else {
            findings.push(format!(
                "{requirement}: {} {} change outcome between the drafts.",
                flip_rows.len(),
                if flip_rows.len() == 1 {
                    "ally"
                } else {
                    "allies"
                }
            ));
            let shown_years: Vec<i32> = all_years.clone();
            flips_section.figures.push(Figure {
                svg: svg::flips(
                    &format!("{requirement}: flips between drafts"),
                    &shown_years,
                    &flip_rows,
                ),
                caption: format!(
                    "{requirement}: allies whose outcome differs between the drafts, by year."
                ),
            });
            flips_section.tables.push(Table {
                caption: format!("{requirement}: flips, years folded into ranges"),
                header: vec!["ally".into(), "outcomes".into()],
                rows: flip_lines
                    .into_iter()
                    .map(|(a, t)| vec![Cell::name(a), Cell::name(t)])
                    .collect(),
            });
        }
    }
    sections.push(counts);
    sections.push(flips_section);
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
    sections.extend(sweep_sections(sweeps, drafts));
    let (rules, sources, stamps) = common_parts(drafts, prepared);
    Page {
        title,
        facts: facts_of(drafts),
        findings,
        sections,
        rules,
        sources,
        stamps,
    }
}
