//! The sweep curve of `pledge report --sweep`: allies meeting each
//! requirement against a parameter, from `pledge sweep --format json`.

use super::*;

/// One section per sweep and pledge: the curve and its table.
pub(super) fn sweep_sections(sweeps: &[serde_json::Value], drafts: &[Draft<'_>]) -> Vec<Section> {
    let labels: Vec<String> = drafts
        .iter()
        .map(|d| d.label.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let empty = Vec::new();
    let mut sections = Vec::new();
    for (index, sweep) in sweeps.iter().enumerate() {
        let run = SweepRun {
            label: labels.get(index).cloned().unwrap_or_default(),
            param: sweep["parameter"].as_str().unwrap_or(""),
            year: sweep["year"].as_i64().unwrap_or(0),
        };
        for pledge in sweep["pledges"].as_array().unwrap_or(&empty) {
            sections.push(run.section(pledge));
        }
    }
    sections
}

/// One sweep: the draft it ran on (empty for a single draft), the
/// parameter and the year.
struct SweepRun<'a> {
    label: String,
    param: &'a str,
    year: i64,
}

/// What a sweep's rows give: a line per requirement and a table row per
/// value of the parameter.
struct Curve {
    /// Every value with the parameter's value as written.
    values: Vec<(f64, String)>,
    series: Vec<Series>,
    table_rows: Vec<Vec<Cell>>,
    /// The most members in any row (at least one).
    y_max: f64,
}

impl SweepRun<'_> {
    /// The section of one pledge of the sweep.
    fn section(&self, pledge: &serde_json::Value) -> Section {
        let (label, param, year) = (&self.label, self.param, self.year);
        let empty = Vec::new();
        let name = pledge["pledge"].as_str().unwrap_or("");
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
        let curve = Curve::read(&requirements, pledge["rows"].as_array().unwrap_or(&empty));
        section.figures.push(self.figure(name, &curve));
        let mut header = vec![format!("{param} =")];
        header.extend(requirements.iter().cloned());
        section.tables.push(Table {
            caption: format!("Allies meeting each requirement in {year}"),
            header,
            rows: curve.table_rows,
        });
        section
    }

    /// The chart of a pledge's curve: one line per requirement.
    fn figure(&self, name: &str, curve: &Curve) -> Figure {
        let (param, year) = (self.param, self.year);
        let x_ticks: Vec<f64> = curve.values.iter().map(|(x, _)| *x).collect();
        let (x0, x1) = (
            x_ticks.first().copied().unwrap_or(0.0),
            x_ticks.last().copied().unwrap_or(1.0),
        );
        let pad = (x1 - x0).abs() * 0.04;
        let label_of = |v: f64| {
            curve
                .values
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
            y_max: curve.y_max,
            x_label: &label_of,
            y_label: &|v| format!("{v:.0}"),
            x_ticks,
            threshold: None,
            legend: true,
            whole: true,
        };
        Figure {
            svg: svg::lines(&chart, &curve.series),
            caption: format!("{title}: one line per requirement."),
        }
    }
}

impl Curve {
    /// Reads the rows of a sweep: per value of the parameter, how many
    /// members meet each requirement.
    fn read(requirements: &[String], rows: &[serde_json::Value]) -> Curve {
        let mut curve = Curve {
            values: Vec::new(),
            series: requirements
                .iter()
                .enumerate()
                .map(|(i, r)| Series {
                    name: r.clone(),
                    points: Vec::new(),
                    colour: svg::series_colour(i),
                    dashed: false,
                })
                .collect(),
            table_rows: Vec::new(),
            y_max: 1.0_f64,
        };
        for row in rows {
            let x = row["value"]
                .as_str()
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0);
            let written = row["written"].as_str().unwrap_or("").to_string();
            curve.values.push((x, written.clone()));
            let mut cells = vec![Cell::name(written)];
            for (i, requirement) in requirements.iter().enumerate() {
                let entry = row["requirements"].as_array().and_then(|a| {
                    a.iter()
                        .find(|e| e["requirement"].as_str() == Some(requirement))
                });
                let met = entry.and_then(|e| e["met"].as_u64()).unwrap_or(0);
                let members = entry.and_then(|e| e["members"].as_u64()).unwrap_or(0);
                curve.y_max = curve.y_max.max(members as f64);
                if let Some(s) = curve.series.get_mut(i) {
                    s.points.push((x, met as f64));
                }
                cells.push(Cell::plain(format!("{met} of {members}")));
            }
            curve.table_rows.push(cells);
        }
        curve
    }
}
