//! The sweep curve of `pledge report --sweep`: allies meeting each
//! requirement against a parameter, from `pledge sweep --format json`.

use super::*;

#[allow(clippy::too_many_lines)] // Over 100 lines: to be split.
pub(super) fn sweep_sections(sweeps: &[serde_json::Value], drafts: &[Draft<'_>]) -> Vec<Section> {
    let mut sections = Vec::new();
    for (index, sweep) in sweeps.iter().enumerate() {
        let label = drafts
            .iter()
            .map(|d| d.label.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .nth(index)
            .unwrap_or_default();
        let param = sweep["parameter"].as_str().unwrap_or("");
        let year = sweep["year"].as_i64().unwrap_or(0);
        let empty = Vec::new();
        for pledge in sweep["pledges"].as_array().unwrap_or(&empty) {
            let name = pledge["pledge"].as_str().unwrap_or("");
            let rows = pledge["rows"].as_array().unwrap_or(&empty);
            let requirements: Vec<String> = pledge["requirements"]
                .as_array()
                .unwrap_or(&empty)
                .iter()
                .filter_map(|r| r.as_str().map(str::to_string))
                .collect();
            let heading = if label.is_empty() {
                format!("Sweep of {param}: {name}, {year}")
            } else {
                format!("Sweep of {param}: draft {label} ({name}), {year}")
            };
            let mut section = Section::new(
                &format!("sweep-{}", slug(&format!("{label}{name}"))),
                &heading,
                2,
            );
            section.paragraphs.push(format!(
                "How many allies meet each requirement in {year} when {param} takes each value of the range (as with --set {param}=VALUE)."
            ));
            let mut x_ticks = Vec::new();
            let mut x_names: Vec<(f64, String)> = Vec::new();
            let mut series: Vec<Series> = requirements
                .iter()
                .enumerate()
                .map(|(i, r)| Series {
                    name: r.clone(),
                    points: Vec::new(),
                    colour: svg::PALETTE
                        .get(i % svg::PALETTE.len())
                        .copied()
                        .unwrap_or("#1565c0"),
                    dashed: false,
                })
                .collect();
            let mut header = vec![format!("{param} =")];
            header.extend(requirements.iter().cloned());
            let mut table_rows = Vec::new();
            let mut y_max = 1.0_f64;
            for row in rows {
                let x = row["value"]
                    .as_str()
                    .and_then(|v| v.parse::<f64>().ok())
                    .unwrap_or(0.0);
                let written = row["written"].as_str().unwrap_or("").to_string();
                x_ticks.push(x);
                x_names.push((x, written.clone()));
                let mut cells = vec![Cell::name(written)];
                for (i, requirement) in requirements.iter().enumerate() {
                    let entry = row["requirements"].as_array().and_then(|a| {
                        a.iter()
                            .find(|e| e["requirement"].as_str() == Some(requirement))
                    });
                    let met = entry.and_then(|e| e["met"].as_u64()).unwrap_or(0);
                    let members = entry.and_then(|e| e["members"].as_u64()).unwrap_or(0);
                    y_max = y_max.max(members as f64);
                    if let Some(s) = series.get_mut(i) {
                        s.points.push((x, met as f64));
                    }
                    cells.push(Cell::plain(format!("{met} of {members}")));
                }
                table_rows.push(cells);
            }
            let (x0, x1) = (
                x_ticks.first().copied().unwrap_or(0.0),
                x_ticks.last().copied().unwrap_or(1.0),
            );
            let pad = (x1 - x0).abs() * 0.04;
            let names = x_names.clone();
            let label_of = move |v: f64| {
                names
                    .iter()
                    .find(|(x, _)| (x - v).abs() < 1e-12)
                    .map_or(String::new(), |(_, n)| n.clone())
            };
            let title = format!("{name}: allies meeting each requirement against {param}, {year}");
            let chart = LineChart {
                chart: "sweep",
                title: &title,
                width: 760.0,
                height: 280.0,
                x_range: (x0 - pad, x1 + pad),
                y_max,
                x_label: &label_of,
                y_label: &|v| format!("{v:.0}"),
                x_ticks,
                threshold: None,
                legend: true,
                whole: true,
            };
            section.figures.push(Figure {
                svg: svg::lines(&chart, &series),
                caption: format!("{title}: one line per requirement."),
            });
            section.tables.push(Table {
                caption: format!("Allies meeting each requirement in {year}"),
                header,
                rows: table_rows,
            });
            sections.push(section);
        }
    }
    sections
}
