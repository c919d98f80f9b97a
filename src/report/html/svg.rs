//! Charts drawn as inline SVG: no script, no font or file loaded from
//! anywhere. Every chart is plain text built from the figures, so the same
//! figures give the same bytes.

use std::fmt::Write as _;

/// Escapes text for SVG and HTML.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A number for an SVG attribute: two decimals, no trailing zeros.
fn n(value: f64) -> String {
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

/// The colour of an outcome.
pub fn colour(kind: Kind) -> &'static str {
    match kind {
        Kind::Met => "#2e7d32",
        Kind::Short => "#c62828",
        Kind::Other => "#757575",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Met,
    Short,
    Other,
}

/// One bar of a bar chart: an ally and its figure.
pub struct Bar {
    pub label: String,
    pub value: f64,
    /// The figure as printed at the end of the bar.
    pub text: String,
    pub kind: Kind,
}

/// A "nice" upper end of an axis and its step.
fn nice_axis(max: f64) -> (f64, f64) {
    let max = if max.is_finite() && max > 0.0 {
        max
    } else {
        1.0
    };
    let raw = max / 5.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    ((max / step).ceil() * step, step)
}

const LABEL_WIDTH: f64 = 210.0;
const WIDTH: f64 = 760.0;
const ROW: f64 = 20.0;

/// Horizontal bars, one per ally, with one vertical threshold line.
/// `axis` formats a tick value (such as `3%`).
pub fn bars(
    chart: &str,
    title: &str,
    bars: &[Bar],
    threshold: Option<(f64, String)>,
    axis: &dyn Fn(f64) -> String,
) -> String {
    let top = 28.0;
    let bottom = 30.0;
    let plot = WIDTH - LABEL_WIDTH - 90.0;
    let max = bars
        .iter()
        .map(|b| b.value)
        .chain(threshold.as_ref().map(|t| t.0))
        .fold(0.0_f64, f64::max);
    let min = bars.iter().map(|b| b.value).fold(0.0_f64, f64::min);
    // Negative values (margins short of the threshold) extend to the left
    // of zero on the same scale.
    let (end, step) = nice_axis(max.max(-min));
    let start = if min < 0.0 {
        -((-min / step).ceil() * step)
    } else {
        0.0
    };
    let end = if max > 0.0 || min == 0.0 {
        end.min((max / step).ceil().max(1.0) * step)
    } else {
        0.0
    };
    let span = end - start;
    let x = |v: f64| LABEL_WIDTH + plot * ((v - start) / span);
    let height = top + ROW * bars.len() as f64 + bottom;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" data-chart="{chart}" role="img" viewBox="0 0 {w} {h}" width="{w}" height="{h}"><title>{t}</title>"#,
        w = n(WIDTH),
        h = n(height),
        t = esc(title)
    );
    // Grid lines and ticks.
    let mut tick = start;
    while tick <= end + step / 2.0 {
        let _ = write!(
            s,
            r##"<line class="grid" x1="{x}" y1="{y1}" x2="{x}" y2="{y2}" stroke="#dddddd"/><text x="{x}" y="{ty}" text-anchor="middle" font-size="11" fill="#555555">{label}</text>"##,
            x = n(x(tick)),
            y1 = n(top - 4.0),
            y2 = n(height - bottom),
            ty = n(height - bottom + 15.0),
            label = esc(&axis(tick))
        );
        tick += step;
    }
    if let Some((value, label)) = threshold {
        let _ = write!(
            s,
            r##"<line class="threshold" x1="{x}" y1="{y1}" x2="{x}" y2="{y2}" stroke="#1a237e" stroke-width="2" stroke-dasharray="6 3"/><text x="{x}" y="{ty}" text-anchor="middle" font-size="12" font-weight="bold" fill="#1a237e">{label}</text>"##,
            x = n(x(value)),
            y1 = n(top - 6.0),
            y2 = n(height - bottom + 2.0),
            ty = n(top - 10.0),
            label = esc(&label)
        );
    }
    for (i, bar) in bars.iter().enumerate() {
        let y = top + ROW * i as f64;
        let _ = write!(
            s,
            r##"<text x="{lx}" y="{ty}" text-anchor="end" font-size="12" fill="#222222">{label}</text><rect class="bar" x="{x0}" y="{y}" width="{w}" height="{h}" fill="{c}"/><text x="{vx}" y="{ty}" font-size="11" fill="#222222" stroke="#ffffff" stroke-width="3" paint-order="stroke">{value}</text>"##,
            lx = n(LABEL_WIDTH - 8.0),
            ty = n(y + 14.0),
            label = esc(&bar.label),
            x0 = n(x(bar.value.min(0.0))),
            y = n(y + 3.0),
            w = n((x(bar.value.abs()) - x(0.0)).max(0.5)),
            h = n(ROW - 6.0),
            c = colour(bar.kind),
            vx = n(x(bar.value.max(0.0)) + 4.0),
            value = esc(&bar.text)
        );
    }
    s.push_str("</svg>");
    s
}

/// A series of a line chart.
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
    pub colour: &'static str,
    pub dashed: bool,
}

/// Colours of series, in order.
pub const PALETTE: [&str; 6] = [
    "#1565c0", "#ef6c00", "#6a1b9a", "#00838f", "#ad1457", "#558b2f",
];

/// The colour of the `i`-th series: the palette, over again after its
/// last colour.
pub fn series_colour(i: usize) -> &'static str {
    PALETTE.get(i % PALETTE.len()).copied().unwrap_or("#1565c0")
}

/// Options of a line chart.
pub struct LineChart<'a> {
    /// What the chart shows, for tests and the browser check: `sweep`, `trajectory`, `meeting`.
    pub chart: &'a str,
    pub title: &'a str,
    pub width: f64,
    pub height: f64,
    pub x_range: (f64, f64),
    /// The upper end of the y axis (at least); the lower end is zero.
    pub y_max: f64,
    pub x_label: &'a dyn Fn(f64) -> String,
    pub y_label: &'a dyn Fn(f64) -> String,
    /// X values to label on the axis.
    pub x_ticks: Vec<f64>,
    /// A horizontal line (the threshold), with its label.
    pub threshold: Option<(f64, String)>,
    pub legend: bool,
    /// Y ticks are whole numbers (counts).
    pub whole: bool,
}

/// A line chart: lines with dots, an optional horizontal threshold.
pub fn lines(chart: &LineChart<'_>, series: &[Series]) -> String {
    let frame = Frame::of(chart);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" data-chart="{c}" role="img" viewBox="0 0 {w} {h}" width="{w}" height="{h}"><title>{t}</title>"#,
        c = chart.chart,
        w = n(frame.w),
        h = n(frame.h),
        t = esc(chart.title)
    );
    let _ = write!(
        s,
        r##"<text x="{l}" y="14" font-size="12" font-weight="bold" fill="#222222">{t}</text>"##,
        l = n(frame.left),
        t = esc(chart.title)
    );
    frame.axes(&mut s, chart);
    if let Some((value, label)) = &chart.threshold {
        frame.threshold(&mut s, *value, label);
    }
    for (i, series) in series.iter().enumerate() {
        if !series.points.is_empty() {
            frame.series(&mut s, chart, i, series);
        }
    }
    s.push_str("</svg>");
    s
}

/// Where the plot of a line chart lies, and its axes.
struct Frame {
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
    w: f64,
    h: f64,
    plot_w: f64,
    plot_h: f64,
    x0: f64,
    /// The width of the x range (1 for an empty range).
    span: f64,
    /// The top of the y axis and the step between its ticks.
    y_end: f64,
    y_step: f64,
}

impl Frame {
    fn of(chart: &LineChart<'_>) -> Frame {
        let (left, right, bottom) = (46.0, 14.0, 24.0);
        let top = if chart.legend { 46.0 } else { 24.0 };
        let (w, h) = (chart.width, chart.height);
        let (x0, x1) = chart.x_range;
        let (y_end, mut y_step) = nice_axis(chart.y_max);
        if chart.whole && y_step < 1.0 {
            y_step = 1.0;
        }
        let y_end = if chart.whole {
            (y_end / y_step).ceil() * y_step
        } else {
            y_end
        };
        Frame {
            left,
            right,
            top,
            bottom,
            w,
            h,
            plot_w: w - left - right,
            plot_h: h - top - bottom,
            x0,
            span: if x1 > x0 { x1 - x0 } else { 1.0 },
            y_end,
            y_step,
        }
    }

    /// The x of a figure on the plot.
    fn px(&self, v: f64) -> f64 {
        self.left + self.plot_w * (v - self.x0) / self.span
    }

    /// The y of a figure on the plot (below zero is drawn at zero).
    fn py(&self, v: f64) -> f64 {
        self.top + self.plot_h * (1.0 - v.max(0.0) / self.y_end)
    }

    /// The y grid with its labels, the x labels and the x axis.
    fn axes(&self, s: &mut String, chart: &LineChart<'_>) {
        let mut tick = 0.0;
        while tick <= self.y_end + self.y_step / 2.0 {
            let _ = write!(
                s,
                r##"<line class="grid" x1="{l}" y1="{y}" x2="{r}" y2="{y}" stroke="#e0e0e0"/><text x="{tx}" y="{ty}" text-anchor="end" font-size="10" fill="#555555">{label}</text>"##,
                l = n(self.left),
                r = n(self.w - self.right),
                y = n(self.py(tick)),
                tx = n(self.left - 4.0),
                ty = n(self.py(tick) + 3.5),
                label = esc(&(chart.y_label)(tick))
            );
            tick += self.y_step;
        }
        for &t in &chart.x_ticks {
            let _ = write!(
                s,
                r##"<text x="{x}" y="{y}" text-anchor="middle" font-size="10" fill="#555555">{label}</text>"##,
                x = n(self.px(t)),
                y = n(self.h - self.bottom + 14.0),
                label = esc(&(chart.x_label)(t))
            );
        }
        let _ = write!(
            s,
            r##"<line x1="{l}" y1="{b}" x2="{r}" y2="{b}" stroke="#9e9e9e"/>"##,
            l = n(self.left),
            r = n(self.w - self.right),
            b = n(self.top + self.plot_h)
        );
    }

    /// The dashed horizontal line of a threshold, with its label.
    fn threshold(&self, s: &mut String, value: f64, label: &str) {
        let _ = write!(
            s,
            r##"<line class="threshold" x1="{l}" y1="{y}" x2="{r}" y2="{y}" stroke="#1a237e" stroke-width="1.5" stroke-dasharray="6 3"/><text x="{r}" y="{ty}" text-anchor="end" font-size="10" font-weight="bold" fill="#1a237e">{label}</text>"##,
            l = n(self.left),
            r = n(self.w - self.right),
            y = n(self.py(value)),
            ty = n(self.py(value) - 3.0),
            label = esc(label)
        );
    }

    /// The `i`-th series: its line, its dots (unless dashed) and its entry
    /// in the legend. The first series is drawn thicker where there is a
    /// legend.
    fn series(&self, s: &mut String, chart: &LineChart<'_>, i: usize, series: &Series) {
        let path: Vec<String> = series
            .points
            .iter()
            .map(|&(x, y)| format!("{},{}", n(self.px(x)), n(self.py(y))))
            .collect();
        let dash = if series.dashed {
            r#" stroke-dasharray="5 3""#
        } else {
            ""
        };
        let _ = write!(
            s,
            r#"<polyline class="series" fill="none" stroke="{c}" stroke-width="{sw}"{dash} points="{p}"/>"#,
            c = series.colour,
            sw = if i == 0 && chart.legend { "5" } else { "2" },
            p = path.join(" ")
        );
        if !series.dashed {
            for &(x, y) in &series.points {
                let _ = write!(
                    s,
                    r#"<circle cx="{x}" cy="{y}" r="2.5" fill="{c}"/>"#,
                    x = n(self.px(x)),
                    y = n(self.py(y)),
                    c = series.colour
                );
            }
        }
        if chart.legend {
            let lx = self.left + 260.0 * i as f64;
            let _ = write!(
                s,
                r##"<line x1="{x0}" y1="30" x2="{x1}" y2="30" stroke="{c}" stroke-width="3"{dash}/><text x="{tx}" y="34" font-size="11" fill="#222222">{name}</text>"##,
                x0 = n(lx),
                x1 = n(lx + 18.0),
                c = series.colour,
                tx = n(lx + 22.0),
                name = esc(&series.name)
            );
        }
    }
}

/// One row of a flip matrix: an ally and, per year, what changed.
pub struct FlipRow {
    pub label: String,
    /// Per year: `None` for no change, else the kind and a short text.
    pub cells: Vec<Option<(Kind, String)>>,
}

/// A grid of allies by years: green where the later draft meets and the
/// reference does not, red for the reverse, grey for other changes.
pub fn flips(title: &str, years: &[i32], rows: &[FlipRow]) -> String {
    let left = 210.0;
    let cell = 40.0;
    let top = 24.0;
    let width = left + cell * years.len() as f64 + 10.0;
    let height = top + ROW * rows.len() as f64 + 6.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" data-chart="flips" role="img" viewBox="0 0 {w} {h}" width="{w}" height="{h}"><title>{t}</title>"#,
        w = n(width),
        h = n(height),
        t = esc(title)
    );
    for (j, year) in years.iter().enumerate() {
        let _ = write!(
            s,
            r##"<text x="{x}" y="16" text-anchor="middle" font-size="10" fill="#555555">{year}</text>"##,
            x = n(left + cell * j as f64 + cell / 2.0)
        );
    }
    for (i, row) in rows.iter().enumerate() {
        let y = top + ROW * i as f64;
        let _ = write!(
            s,
            r##"<text x="{x}" y="{ty}" text-anchor="end" font-size="12" fill="#222222">{label}</text>"##,
            x = n(left - 8.0),
            ty = n(y + 14.0),
            label = esc(&row.label)
        );
        for (j, entry) in row.cells.iter().enumerate() {
            let x = left + cell * j as f64;
            match entry {
                Some((kind, text)) => {
                    let _ = write!(
                        s,
                        r#"<rect class="flip" x="{x}" y="{y}" width="{w}" height="{h}" fill="{c}"><title>{t}</title></rect>"#,
                        x = n(x + 1.0),
                        y = n(y + 2.0),
                        w = n(cell - 2.0),
                        h = n(ROW - 4.0),
                        c = colour(*kind),
                        t = esc(text)
                    );
                }
                None => {
                    let _ = write!(
                        s,
                        r##"<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="#f2f2f2"/>"##,
                        x = n(x + 1.0),
                        y = n(y + 2.0),
                        w = n(cell - 2.0),
                        h = n(ROW - 4.0)
                    );
                }
            }
        }
    }
    s.push_str("</svg>");
    s
}
