//! The side-by-side benchmark that keeps the score, run by
//! `cargo bench --bench scorecard`:
//!
//! 1. the same synthetic data (1,000,000 line items; 10,000,000 too when
//!    `PLEDGE_BENCH_10M=1`) through `pledge eval` (the release binary), the
//!    plain hand-written loop in `hand_loop.rs`, and DuckDB
//!    (`duckdb_side.py`; the Python package is installed with pip when
//!    missing): their answers must agree, and the CPU-time and wall-time
//!    ratios and the peak memory are printed;
//! 2. the scaling series: categories 2/20/200 and country-years 4k/40k on
//!    1M items (the median of 5 runs of each size, taken in turn), `check`
//!    of a 10,000-line rule file (median of 11 runs), and `compare` of 8
//!    drafts.
//!
//! Every figure is a whole process measured by `/usr/bin/time` (user + sys
//! CPU seconds, wall seconds, peak resident memory). CPU time is the stable
//! figure on a shared machine. Set `PLEDGE_BENCH_RUNS` (default 3) for the
//! runs per side-by-side figure (the median is printed). Nothing fails on a
//! slow machine; a disagreement of the answers exits non-zero.

// Indices below are all taken modulo the array's length.
#![allow(clippy::indexing_slicing)]

mod hand_loop;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const PLEDGE: &str = env!("CARGO_BIN_EXE_pledge");

#[derive(Debug, Clone, Copy, Default)]
struct Figure {
    cpu: f64,
    wall: f64,
    peak_kib: u64,
}

/// Runs `command` with stdout to `out` (when given) under `/usr/bin/time`.
fn measure(command: Command, out: Option<&Path>) -> Result<Figure, String> {
    let times = std::env::temp_dir().join(format!("pledge-scorecard-{}.time", std::process::id()));
    let program = command.get_program().to_owned();
    let args: Vec<_> = command.get_args().map(|a| a.to_owned()).collect();
    let mut timed = Command::new("/usr/bin/time");
    timed
        .arg("-f")
        .arg("%U %S %e %M")
        .arg("-o")
        .arg(&times)
        .arg(&program)
        .args(&args)
        .stderr(Stdio::piped());
    for (key, value) in command.get_envs() {
        if let Some(value) = value {
            timed.env(key, value);
        }
    }
    if let Some(dir) = command.get_current_dir() {
        timed.current_dir(dir);
    }
    match out {
        Some(path) => {
            let file = std::fs::File::create(path).map_err(|e| e.to_string())?;
            timed.stdout(file);
        }
        None => {
            timed.stdout(Stdio::null());
        }
    }
    let output = timed
        .output()
        .map_err(|e| format!("cannot run /usr/bin/time: {e}"))?;
    let text = std::fs::read_to_string(&times).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(&times);
    let last = text.lines().last().unwrap_or_default();
    let fields: Vec<f64> = last
        .split_whitespace()
        .filter_map(|v| v.parse().ok())
        .collect();
    let [user, sys, wall, peak] = fields[..] else {
        return Err(format!("cannot read the times: {text}"));
    };
    if !output.status.success() && output.status.code() != Some(1) {
        return Err(format!(
            "{} failed ({}): {}",
            program.to_string_lossy(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
                .lines()
                .take(20)
                .collect::<Vec<_>>()
                .join("\n")
        ));
    }
    Ok(Figure {
        cpu: user + sys,
        wall,
        peak_kib: peak as u64,
    })
}

/// Runs of each size in the scaling series.
const SERIES_RUNS: usize = 5;

fn median_of(
    runs: usize,
    mut one: impl FnMut(usize) -> Result<Figure, String>,
) -> Result<Figure, String> {
    let mut figures = Vec::new();
    for i in 0..runs.max(1) {
        figures.push(one(i)?);
    }
    let pick = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or_default()
    };
    Ok(Figure {
        cpu: pick(figures.iter().map(|f| f.cpu).collect()),
        wall: pick(figures.iter().map(|f| f.wall).collect()),
        peak_kib: figures.iter().map(|f| f.peak_kib).max().unwrap_or(0),
    })
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn show(label: &str, f: Figure) -> String {
    format!(
        "{label:<44} cpu {:>7.2} s   wall {:>7.2} s   peak {:>8.1} MiB",
        f.cpu,
        f.wall,
        mib(f.peak_kib)
    )
}

/// `pledge eval --format csv` → the answer lines of the hand loop's format.
fn pledge_answer(csv: &str) -> Result<Vec<String>, String> {
    let mut rows = Vec::new();
    for line in csv.lines().filter(|l| !l.starts_with('#')).skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        let [_, requirement, country, year, status, value, ..] = cells[..] else {
            return Err(format!("unexpected line: {line}"));
        };
        rows.push(format!(
            "{requirement},{country},{year},{status},{}",
            to_hundredths(value)?
        ));
    }
    rows.sort();
    Ok(rows)
}

fn to_hundredths(value: &str) -> Result<i64, String> {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    if fraction.len() > 2 {
        return Err(format!("more than two decimals: {value}"));
    }
    let whole: i64 = whole.parse().map_err(|_| format!("bad value {value}"))?;
    let fraction: i64 = format!("{fraction:0<2}")
        .parse()
        .map_err(|_| format!("bad value {value}"))?;
    Ok(whole * 100
        + if whole < 0 || value.starts_with('-') {
            -fraction
        } else {
            fraction
        })
}

fn answer_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Makes sure the `duckdb` Python package is importable, installing it with
/// pip when it is missing. Says loudly when it cannot.
fn duckdb_ready() -> bool {
    let import = || {
        Command::new("python3")
            .args(["-c", "import duckdb"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if import() {
        return true;
    }
    println!("installing the Python package duckdb with pip ...");
    let installed = Command::new("python3")
        .args(["-m", "pip", "install", "--quiet", "duckdb"])
        .status()
        .is_ok_and(|s| s.success());
    if installed && import() {
        return true;
    }
    println!();
    println!("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
    println!("!!! DuckDB is NOT measured: `pip install duckdb` failed or python3 is  !!!");
    println!("!!! missing. The DuckDB column and ratios below are left out.           !!!");
    println!("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
    println!();
    false
}

struct Bench {
    root: PathBuf,
    work: PathBuf,
    runs: usize,
    report: String,
    disagreements: usize,
}

impl Bench {
    fn line(&mut self, text: String) {
        println!("{text}");
        self.report.push_str(&text);
        self.report.push('\n');
    }

    fn pledge(&self, args: &[&str]) -> Command {
        let mut command = Command::new(PLEDGE);
        command.args(args).current_dir(&self.root);
        command
    }

    /// pledge vs hand loop vs DuckDB on one dataset.
    fn side_by_side(&mut self, label: &str, dir: &Path, duckdb: bool) -> Result<(), String> {
        let csv_kib = std::fs::metadata(dir.join("line_items.csv")).map_or(0, |m| m.len() / 1024);
        let rules = self.root.join("benches/scorecard/bench.pledge");
        let out_pledge = self.work.join(format!("answer-pledge-{label}.csv"));
        let out_hand = self.work.join(format!("answer-hand-{label}.csv"));
        let out_duck = self.work.join(format!("answer-duckdb-{label}.csv"));
        let runs = self.runs;
        let dir_text = dir.display().to_string();
        let rules_text = rules.display().to_string();

        let pledge = median_of(runs, |_| {
            measure(
                self.pledge(&["eval", &rules_text, "--data", &dir_text, "--format", "csv"]),
                Some(&out_pledge),
            )
        })?;
        let hand = median_of(runs, |_| {
            let mut command = Command::new(std::env::current_exe().map_err(|e| e.to_string())?);
            command.args(["--hand-loop", &dir_text]);
            measure(command, Some(&out_hand))
        })?;
        let stamp = median_of(runs, |_| {
            let mut command = Command::new(std::env::current_exe().map_err(|e| e.to_string())?);
            command.args(["--stamp-only", &dir_text]);
            measure(command, None)
        })?;
        let duck = if duckdb {
            let script = self.root.join("benches/scorecard/duckdb_side.py");
            Some(median_of(runs, |_| {
                let mut command = Command::new("python3");
                command.arg(&script).arg(dir);
                measure(command, Some(&out_duck))
            })?)
        } else {
            None
        };

        // The answers must agree.
        let from_pledge = pledge_answer(&std::fs::read_to_string(&out_pledge).unwrap_or_default())?;
        let from_hand = answer_lines(&out_hand);
        let mut agree = from_pledge == from_hand && !from_pledge.is_empty();
        let mut verdict = format!(
            "answers: {} rows; pledge {} the hand loop",
            from_pledge.len(),
            if agree { "==" } else { "!=" }
        );
        if duck.is_some() {
            let from_duck = answer_lines(&out_duck);
            let same = from_duck == from_hand;
            agree &= same;
            let _ = write!(
                verdict,
                "; DuckDB {} the hand loop",
                if same { "==" } else { "!=" }
            );
        }
        if !agree {
            self.disagreements += 1;
            let _ = write!(verdict, "  <-- DISAGREE (see {})", self.work.display());
        }
        self.line(format!(
            "\n== side by side: {label} line items ({:.1} MiB CSV), median of {runs} ==",
            csv_kib as f64 / 1024.0
        ));
        self.line(show("pledge eval", pledge));
        self.line(show("hand-written loop", hand));
        self.line(show("the stamp alone (SHA-256 of the CSV)", stamp));
        if let Some(duck) = duck {
            self.line(show("DuckDB (python3 + duckdb)", duck));
        }
        self.line(verdict);
        let mut ratios = format!(
            "pledge / hand loop: cpu {:.2}x, wall {:.2}x (target cpu <= 1.3x)",
            pledge.cpu / hand.cpu.max(1e-3),
            pledge.wall / hand.wall.max(1e-3)
        );
        if let Some(duck) = duck {
            let _ = write!(
                ratios,
                "\npledge / DuckDB:    cpu {:.2}x, wall {:.2}x (target cpu < 1x)",
                pledge.cpu / duck.cpu.max(1e-3),
                pledge.wall / duck.wall.max(1e-3)
            );
        }
        let _ = write!(
            ratios,
            "\nfloor with the stamp: (hand loop + stamp) / hand loop = {:.2}x; \
             pledge / (hand loop + stamp): cpu {:.2}x",
            (hand.cpu + stamp.cpu) / hand.cpu.max(1e-3),
            pledge.cpu / (hand.cpu + stamp.cpu).max(1e-3)
        );
        let _ = write!(
            ratios,
            "\npledge peak memory / CSV size: {:.2}x (target <= 2x)",
            pledge.peak_kib as f64 / csv_kib.max(1) as f64
        );
        self.line(ratios);
        Ok(())
    }

    fn eval_once(&self, rules: &Path, dir: &Path) -> Result<Figure, String> {
        measure(
            self.pledge(&[
                "eval",
                &rules.display().to_string(),
                "--data",
                &dir.display().to_string(),
                "--format",
                "csv",
            ]),
            None,
        )
    }
}

/// A rule file with `n` categories, each with one requirement.
fn categories_rule_file(n: usize) -> String {
    const CATEGORIES: [&str; 4] = ["equipment", "personnel", "infrastructure", "other"];
    const FUNCTIONS: [&str; 8] = [
        "critical_infrastructure",
        "cyber_defence",
        "civil_preparedness",
        "innovation",
        "defence_industrial_base",
        "military_mobility",
        "border_security",
        "coast_guard",
    ];
    let mut text = String::from("pledge \"Categories\" {\n  param floor = 0.1%\n");
    for i in 0..n {
        let include = if i % 2 == 0 {
            format!("nato_category == {}", CATEGORIES[(i / 2) % 4])
        } else {
            format!("function == {}", FUNCTIONS[(i / 2) % 8])
        };
        let _ = writeln!(
            text,
            "  category c{i} \"Category {i}\" {{\n    include {include}\n  }}\n  require r{i}: c{i} >= floor of gdp"
        );
    }
    text.push_str("}\n");
    text
}

/// The synthetic dataset's shape with `countries` x `years` country-years
/// (country codes `AAA`, `AAB`, ...; all members since 1949).
fn write_country_years(
    out: &Path,
    items: u64,
    countries: usize,
    years: i32,
) -> std::io::Result<()> {
    use std::io::Write as _;
    std::fs::create_dir_all(out)?;
    let code = |i: usize| {
        let letter = |k: usize| char::from(b'A' + (k % 26) as u8);
        format!("{}{}{}", letter(i / 676), letter(i / 26), letter(i))
    };
    let categories = ["equipment", "personnel", "infrastructure", "other"];
    let functions = [
        "cyber_defence",
        "innovation",
        "military_mobility",
        "coast_guard",
    ];
    let mut file = std::io::BufWriter::new(std::fs::File::create(out.join("line_items.csv"))?);
    writeln!(
        file,
        "id,country,year,amount,nato_category,function,kind,tags"
    )?;
    let mut state: u64 = 2025;
    let cells = countries as u64 * years as u64;
    for i in 0..items {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let r = state >> 33;
        let cell = i % cells;
        let country = code((cell % countries as u64) as usize);
        let year = 2000 + (cell / countries as u64) as i32;
        let amount = r % 100_000;
        let (category, function) = if r.is_multiple_of(3) {
            ("", functions[((r >> 8) % 4) as usize])
        } else {
            (categories[((r >> 8) % 4) as usize], "")
        };
        writeln!(
            file,
            "G{i},{country},{year},{}.{},{category},{function},,",
            amount / 10,
            amount % 10
        )?;
    }
    file.flush()?;
    let mut indicators = String::from("country,year,gdp\n");
    for c in 0..countries {
        for year in 2000..2000 + years {
            let _ = writeln!(
                indicators,
                "{},{year},{}",
                code(c),
                items / cells.max(1) * 150_000 + 1
            );
        }
    }
    std::fs::write(out.join("indicators.csv"), indicators)?;
    let list: Vec<String> = (0..countries)
        .map(|c| {
            format!(
                "{{\"code\": \"{0}\", \"name\": \"{0} (synthetic)\", \"member_from\": 1949}}",
                code(c)
            )
        })
        .collect();
    let manifest = format!(
        r#"{{
  "name": "Synthetic country-years ({countries} x {years})",
  "source": "generated by benches/scorecard; every figure is random",
  "edition": "synthetic",
  "money_unit": "EUR million (synthetic)",
  "line_items": "line_items.csv",
  "indicators": "indicators.csv",
  "countries": [{}],
  "fields": [
    {{"name": "nato_category", "type": "text", "values": ["equipment", "personnel", "infrastructure", "other"]}},
    {{"name": "function", "type": "text", "values": ["critical_infrastructure", "cyber_defence", "civil_preparedness", "innovation", "defence_industrial_base", "military_mobility", "border_security", "coast_guard"]}},
    {{"name": "kind", "type": "text", "values": ["ukraine_military_aid", "ukraine_non_military_aid", "pensions"]}}
  ],
  "tags": ["from_existing_stocks", "dual_use"],
  "indicator_series": [{{"name": "gdp", "unit": "money"}}]
}}
"#,
        list.join(",\n    ")
    );
    std::fs::write(out.join("dataset.json"), manifest)
}

fn dataset(work: &Path, items: u64) -> Result<PathBuf, String> {
    let dir = work.join(format!("data-{items}"));
    if !dir.join("dataset.json").exists() {
        println!(
            "generating {items} synthetic line items in {} ...",
            dir.display()
        );
        pledge::synthetic::write_dataset(&dir, items, 2025).map_err(|e| e.to_string())?;
    }
    Ok(dir)
}

fn run() -> Result<bool, String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("scorecard");
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let runs = std::env::var("PLEDGE_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let ten_million = std::env::var("PLEDGE_BENCH_10M").is_ok_and(|v| v == "1");
    if !Path::new("/usr/bin/time").exists() {
        return Err("/usr/bin/time is missing (Debian package `time`)".into());
    }
    let mut bench = Bench {
        root,
        work: work.clone(),
        runs,
        report: String::new(),
        disagreements: 0,
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    bench.line(format!(
        "machine: {}, {cores} cores; pledge {PLEDGE}",
        machine()
    ));
    let duckdb = duckdb_ready();

    let one_million = dataset(&work, 1_000_000)?;
    bench.side_by_side("1M", &one_million, duckdb)?;
    if ten_million {
        let dir = dataset(&work, 10_000_000)?;
        let saved = bench.runs;
        bench.runs = 1;
        bench.side_by_side("10M", &dir, duckdb)?;
        bench.runs = saved;
    } else {
        bench.line("\n(10M items skipped: set PLEDGE_BENCH_10M=1)".into());
    }
    bench.scale_categories(&one_million)?;
    bench.scale_country_years()?;
    bench.check_large_rule_file()?;
    bench.compare_drafts(&one_million)?;

    let _ = std::fs::write(work.join("report.txt"), &bench.report);
    println!("\n(report kept in {})", work.join("report.txt").display());
    Ok(bench.disagreements == 0)
}

/// The CPU's model name, from /proc/cpuinfo.
fn machine() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

impl Bench {
    /// Scaling with the number of categories.
    fn scale_categories(&mut self, one_million: &Path) -> Result<(), String> {
        self.line(format!(
            "\n== scaling: categories (1M items, one requirement each, median of {SERIES_RUNS}) =="
        ));
        let mut series = Vec::new();
        for n in [2usize, 20, 200] {
            let rules = self.work.join(format!("categories-{n}.pledge"));
            std::fs::write(&rules, categories_rule_file(n)).map_err(|e| e.to_string())?;
            series.push((format!("{n} categories"), rules, one_million.to_path_buf()));
        }
        let figures = self.series(&series)?;
        let base_cpu = figures.first().map_or(1e-3, |f| f.cpu);
        for ((label, _, _), figure) in series.iter().zip(figures) {
            self.line(format!(
                "{}   {:.1}x of 2 categories (target 200 <= 10x)",
                show(label, figure),
                figure.cpu / f64::max(base_cpu, 1e-3)
            ));
        }
        Ok(())
    }

    /// Scaling with the number of country-years.
    fn scale_country_years(&mut self) -> Result<(), String> {
        self.line(format!(
            "\n== scaling: country-years (1M items, bench.pledge, median of {SERIES_RUNS}) =="
        ));
        let rules = self.root.join("benches/scorecard/bench.pledge");
        let mut series = Vec::new();
        for (countries, years) in [(100usize, 40i32), (1000, 40)] {
            let dir = self.work.join(format!("country-years-{countries}x{years}"));
            if !dir.join("dataset.json").exists() {
                write_country_years(&dir, 1_000_000, countries, years)
                    .map_err(|e| e.to_string())?;
            }
            let label = format!("{} country-years", countries * years as usize);
            series.push((label, rules.clone(), dir));
        }
        let figures = self.series(&series)?;
        let base_cpu = figures.first().map_or(1e-3, |f| f.cpu);
        for ((label, _, _), figure) in series.iter().zip(figures) {
            self.line(format!(
                "{}   {:.1}x of 4k (per item; target 40k <= 2x)",
                show(label, figure),
                figure.cpu / f64::max(base_cpu, 1e-3)
            ));
        }
        Ok(())
    }

    /// The median figure of each `(label, rules, data)` of a series, from
    /// runs taken in turn (one of each, then again), so that a slower spell
    /// of a shared machine touches every size alike.
    fn series(&self, series: &[(String, PathBuf, PathBuf)]) -> Result<Vec<Figure>, String> {
        let mut runs: Vec<Vec<Figure>> = vec![Vec::new(); series.len()];
        for _ in 0..SERIES_RUNS {
            for ((_, rules, data), figures) in series.iter().zip(&mut runs) {
                figures.push(self.eval_once(rules, data)?);
            }
        }
        runs.into_iter()
            .map(|figures| {
                let mut figures = figures.into_iter();
                median_of(SERIES_RUNS, |_| {
                    figures.next().ok_or_else(|| "no run".to_string())
                })
            })
            .collect()
    }

    /// `check` of a 10,000-line rule file.
    fn check_large_rule_file(&mut self) -> Result<(), String> {
        let big = self.work.join("check-10k.pledge");
        let text = pledge::synthetic::rule_file(10_000);
        std::fs::write(&big, &text).map_err(|e| e.to_string())?;
        let big_text = big.display().to_string();
        let check = median_of(11, |_| {
            measure(self.pledge(&["check", &big_text, "--data", "sample"]), None)
        })?;
        // `/usr/bin/time` counts in hundredths of a second: the wall time to
        // the millisecond comes from a clock around the process.
        let mut walls = Vec::new();
        for _ in 0..11 {
            let mut command = self.pledge(&["check", &big_text, "--data", "sample"]);
            command.stdout(Stdio::null()).stderr(Stdio::null());
            let start = std::time::Instant::now();
            command.status().map_err(|e| e.to_string())?;
            walls.push(start.elapsed().as_secs_f64() * 1000.0);
        }
        walls.sort_by(f64::total_cmp);
        let median = walls.get(walls.len() / 2).copied().unwrap_or_default();
        self.line(format!(
            "\n== check of a {}-line rule file (median of 11) ==\n{}\n\
             wall to the millisecond: median {median:.1} ms (fastest {:.1}, slowest {:.1}; target < 50 ms: {})",
            text.lines().count(),
            show("pledge check --data sample", check),
            walls.first().copied().unwrap_or_default(),
            walls.last().copied().unwrap_or_default(),
            if median < 50.0 { "met" } else { "not met" }
        ));
        Ok(())
    }

    /// `compare` of 8 drafts.
    fn compare_drafts(&mut self, one_million: &Path) -> Result<(), String> {
        let base_rules = std::fs::read_to_string(self.root.join("benches/scorecard/bench.pledge"))
            .map_err(|e| e.to_string())?;
        let mut drafts = Vec::new();
        for i in 0..8 {
            let path = self.work.join(format!("draft-{i}.pledge"));
            let floor = format!("param floor = {}%", 1.0 + 0.25 * f64::from(i));
            std::fs::write(&path, base_rules.replace("param floor = 2%", &floor))
                .map_err(|e| e.to_string())?;
            drafts.push(path.display().to_string());
        }
        let mut args: Vec<&str> = vec!["compare"];
        args.extend(drafts.iter().map(String::as_str));
        let dir_text = one_million.display().to_string();
        args.extend(["--data", &dir_text]);
        let compare = measure(self.pledge(&args), None)?;
        self.line(format!(
            "\n== compare of 8 drafts (1M items, one run) ==\n{}",
            show("pledge compare (8 drafts)", compare)
        ));
        Ok(())
    }
}

/// The part of `pledge eval` a hand-written loop does not do and that no
/// design can skip: the SHA-256 of the items file for the output's stamp,
/// computed as `pledge` computes it (`pledge::stamp::Hasher`, in the same
/// 64 KiB blocks).
fn stamp_only(dir: &Path) -> Result<String, String> {
    use std::io::Read as _;
    let mut file = std::fs::File::open(dir.join("line_items.csv")).map_err(|e| e.to_string())?;
    let mut hasher = pledge::stamp::Hasher::default();
    let mut block = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut block).map_err(|e| e.to_string())?;
        if n == 0 {
            return Ok(hasher.hex());
        }
        hasher.update(block.get(..n).unwrap_or_default());
    }
}

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if let Some(dir) = args
        .iter()
        .position(|a| a == "--hand-loop")
        .and_then(|i| args.get(i + 1))
    {
        return match hand_loop::run(Path::new(dir)) {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("hand loop: {error}");
                std::process::ExitCode::from(2)
            }
        };
    }
    if let Some(dir) = args
        .iter()
        .position(|a| a == "--stamp-only")
        .and_then(|i| args.get(i + 1))
    {
        return match stamp_only(Path::new(dir)) {
            Ok(hex) => {
                println!("{hex}");
                std::process::ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("stamp: {error}");
                std::process::ExitCode::from(2)
            }
        };
    }
    // `cargo test --benches` runs this file too; only measure under `cargo bench`.
    if !args.iter().any(|a| a == "--bench") {
        return std::process::ExitCode::SUCCESS;
    }
    match run() {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("the answers disagree");
            std::process::ExitCode::from(1)
        }
        Err(error) => {
            eprintln!("benchmark failed: {error}");
            std::process::ExitCode::from(1)
        }
    }
}
