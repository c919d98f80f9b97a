//! A grammar-aware fuzzer in the test suite. It generates rule
//! files from the grammar (`grammar/pledge.pest`), mutates the rule files of
//! `rules/` and the datasets of `data/sample` and `tests/data/datasets`, and
//! runs every case through the public library API (parse, format, load,
//! check, data load, evaluate, render the diagnostics), asserting that none
//! panics and that none hangs.
//!
//! Deterministic: the generator is seeded (`PLEDGE_FUZZ_SEED` changes the
//! seed, `PLEDGE_FUZZ_CASES` the number of cases, for longer runs). Bounded:
//! a fixed number of cases, a time budget after which the run stops early
//! (and says so), and a watchdog that fails the test when one case takes
//! longer than `CASE_LIMIT`. A panic whose message is one of the known,
//! not yet fixed crashes (listed in `KNOWN`, each with its
//! reproducer in `tests/hostile.rs` and `tests/data/fuzz/`) is reported but
//! does not fail the test; any other panic does, with the input written to
//! `target/tmp/fuzz-failures/` to be kept under `tests/data/fuzz/`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pledge::data::{DataSource, Dataset};

/// Wall time after which no new case is started (the debug build is slow);
/// `PLEDGE_FUZZ_BUDGET` (seconds) changes it for longer runs.
fn budget() -> Duration {
    let seconds = std::env::var("PLEDGE_FUZZ_BUDGET")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    Duration::from_secs(seconds)
}
/// One case taking longer than this is a hang.
const CASE_LIMIT: Duration = Duration::from_secs(10);
const RULE_CASES: usize = 5_000;
const DATA_CASES: usize = 1_000;

/// Known crashes not fixed yet (substring of the panic message,
/// what is missing). Each has a test in `tests/hostile.rs`.
const KNOWN: &[(&str, &str)] = &[
    (
        "Formatting argument out of range",
        "the diagnostic renderer panics on an error past column 65,535",
    ),
    (
        "attempt to negate with overflow",
        "`at year - 2147483648` negates i32::MIN (tests/data/fuzz/at-year-minus-i32-min.input)",
    ),
];

/// A small deterministic generator (SplitMix64).
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick<'a>(&mut self, values: &[&'a str]) -> &'a str {
        values[self.below(values.len())]
    }
}

// ---------------------------------------------------------------------------
// Rule files from the grammar

const IDENTS: &[&str] = &[
    "core",
    "related",
    "equipment",
    "gdp",
    "floor",
    "deadline",
    "c",
    "x",
    "nato_category",
    "function",
    "kind",
    "personnel",
    "cyber_defence",
    "military_mobility",
    "dual_use",
    "from_existing_stocks",
    "ukraine_military_aid",
    "XNA",
    "XSA",
    "XCA",
    "POL",
    "pensions",
    "eastern",
    "other",
    "unknown_thing",
];
const FIELDS: &[&str] = &[
    "nato_category",
    "function",
    "kind",
    "nato_category",
    "function",
    "nope",
];
const NUMBERS: &[&str] = &[
    "0",
    "1",
    "2",
    "3.5",
    "100",
    "2035",
    "2024",
    "9999",
    "0.0001",
    "-1",
    "99999999999999999999999999999",
    "79228162514264337593543950335",
    "2147483647",
    "2147483648",
];
const STRINGS: &[&str] = &[
    "\"P\"",
    "\"\"",
    "\"Core defence\"",
    "\"../x.pledge\"",
    "\"sample\"",
    "\"\u{e9}\u{1F600}\"",
];

struct Grammar<'r> {
    random: &'r mut Random,
    depth: usize,
}

impl Grammar<'_> {
    fn ident(&mut self) -> String {
        if self.random.chance(3) {
            return format!("i{}", self.random.below(1000));
        }
        self.random.pick(IDENTS).to_string()
    }
    fn number(&mut self) -> String {
        if self.random.chance(5) {
            return self
                .random
                .pick(&["1e5", "1_000", ".5", "1.", "--1"])
                .to_string();
        }
        self.random.pick(NUMBERS).to_string()
    }
    fn string(&mut self) -> String {
        if self.random.chance(3) {
            return self
                .random
                .pick(&["\"a\\\"b\"", "\"line\\nbreak\"", "\"open"])
                .to_string();
        }
        self.random.pick(STRINGS).to_string()
    }
    fn percent(&mut self) -> String {
        format!(
            "{}%",
            self.random
                .pick(&["0", "1.5", "2", "3.5", "5", "50", "100", "150", "0.01"])
        )
    }
    fn year_ref(&mut self) -> String {
        if self.random.chance(70) {
            self.random
                .pick(&["2014", "2024", "2025", "2030", "2035", "0", "9999", "10000"])
                .into()
        } else {
            self.ident()
        }
    }
    fn expr(&mut self) -> String {
        self.depth += 1;
        let deep = self.depth > 6;
        let primary = match self.random.below(if deep { 4 } else { 9 }) {
            0 => self.ident(),
            1 => self.percent(),
            2 => self.number(),
            3 => "gdp".into(),
            4 => format!("({})", self.expr()),
            5 => format!("{} of gdp", self.percent()),
            6 => {
                let f = self
                    .random
                    .pick(&["min", "max", "round", "money", "alliance", "count"]);
                let n = 1 + self.random.below(3);
                let args: Vec<String> = (0..n).map(|_| self.expr()).collect();
                format!("{f}({})", args.join(", "))
            }
            7 => format!("-{}", self.expr()),
            _ => format!(
                "{} {} {}",
                self.expr(),
                self.random.pick(&["+", "-", "*", "/", "of"]),
                self.expr()
            ),
        };
        let out = if self.random.chance(10) {
            let at = match self.random.below(3) {
                0 => "year".to_string(),
                1 => format!(
                    "year {} {}",
                    self.random.pick(&["+", "-"]),
                    self.random.pick(&["1", "5", "2147483647"])
                ),
                _ => self.year_ref(),
            };
            format!("{primary} at {at}")
        } else {
            primary
        };
        self.depth -= 1;
        out
    }
    fn value(&mut self) -> String {
        match self.random.below(4) {
            0 => self.number(),
            1 => self.string(),
            2 => self.random.pick(&["true", "false"]).into(),
            _ => self.ident(),
        }
    }
    fn condition(&mut self) -> String {
        self.depth += 1;
        let deep = self.depth > 5;
        let nots = "not ".repeat(if self.random.chance(10) {
            self.random.below(4)
        } else {
            0
        });
        let primary = match self.random.below(if deep { 3 } else { 5 }) {
            0 => format!("tag {}", self.ident()),
            1 => format!(
                "{} {} {}",
                self.random.pick(FIELDS),
                self.random.pick(&["==", "!=", ">=", "<", ">", "<="]),
                self.value()
            ),
            2 => {
                let n = 1 + self.random.below(4);
                let values: Vec<String> = (0..n).map(|_| self.value()).collect();
                let not = if self.random.chance(30) { "not " } else { "" };
                format!(
                    "{} {not}in [{}]",
                    self.random.pick(FIELDS),
                    values.join(", ")
                )
            }
            3 => format!("({})", self.condition()),
            _ => format!(
                "{} {} {}",
                self.condition(),
                self.random.pick(&["and", "or"]),
                self.condition()
            ),
        };
        self.depth -= 1;
        format!("{nots}{primary}")
    }
    fn clause(&mut self) -> String {
        match self.random.below(5) {
            0 | 1 => format!("include {}", self.condition()),
            2 => format!("include {} of {}", self.percent(), self.condition()),
            3 => {
                if self.random.chance(50) {
                    format!("exclude counted in {}", self.ident())
                } else {
                    format!("exclude {}", self.condition())
                }
            }
            _ => format!("cap {}", self.expr()),
        }
    }
    fn category(&mut self, keyword: &str) -> String {
        let mut text = format!("{keyword} {}", self.ident());
        if self.random.chance(70) {
            text.push_str(&format!(" {}", self.string()));
        }
        if self.random.chance(20) {
            text.push_str(&format!(" within {}", self.ident()));
        }
        text.push_str(" {\n");
        for _ in 0..self.random.below(4) {
            text.push_str(&format!("    {}\n", self.clause()));
        }
        text.push_str("  }");
        text
    }
    fn requirement(&mut self) -> String {
        if self.random.chance(20) {
            format!(
                "{} on path to {} by {} from {}",
                self.expr(),
                self.expr(),
                self.year_ref(),
                self.year_ref()
            )
        } else {
            let mut text = format!(
                "{} {} {}",
                self.expr(),
                self.random.pick(&[">=", "<=", "==", "!=", ">", "<"]),
                self.expr()
            );
            if self.random.chance(30) {
                text.push_str(&format!(" from {}", self.year_ref()));
            }
            if self.random.chance(10) {
                text.push_str(&format!(" until {}", self.year_ref()));
            }
            text
        }
    }
    fn example(&mut self) -> String {
        let mut text = format!("example {} {{\n", self.string());
        for _ in 0..self.random.below(8) {
            let line = match self.random.below(5) {
                0 => format!("country {}", self.ident()),
                1 => format!(
                    "year {}",
                    self.random.pick(&["2024", "2035", "2030", "0", "99999"])
                ),
                2 => format!("indicator {} = {}", self.ident(), self.number()),
                3 => {
                    let mut item = format!("item {}", self.number());
                    for _ in 0..self.random.below(3) {
                        if self.random.chance(30) {
                            item.push_str(&format!(" tag {}", self.ident()));
                        } else {
                            item.push_str(&format!(
                                " {} {}",
                                self.random.pick(FIELDS),
                                self.value()
                            ));
                        }
                    }
                    item
                }
                _ => {
                    if self.random.chance(50) {
                        format!(
                            "expect {} {}",
                            self.ident(),
                            self.random.pick(&[
                                "met",
                                "not_met",
                                "no_data",
                                "not_yet_due",
                                "not_applicable"
                            ])
                        )
                    } else {
                        format!(
                            "expect {} {} {}",
                            self.expr(),
                            self.random.pick(&["==", ">=", "<"]),
                            self.expr()
                        )
                    }
                }
            };
            text.push_str(&format!("    {line}\n"));
        }
        text.push_str("  }");
        text
    }
    fn item(&mut self) -> String {
        match self.random.below(12) {
            0 => format!("source {}", self.string()),
            1 => format!("status {}", self.ident()),
            2 => format!(
                "meta {} = {}",
                self.random.pick(&["dataset", "text", "x"]),
                self.string()
            ),
            3 | 4 => {
                let mut text = format!("param {} = {}", self.ident(), self.expr());
                if self.random.chance(20) {
                    text.push_str(&format!(
                        " from {}, {} until {}",
                        self.year_ref(),
                        self.expr(),
                        self.year_ref()
                    ));
                }
                text
            }
            5 => {
                let n = self.random.below(4);
                let c: Vec<String> = (0..n).map(|_| self.ident()).collect();
                format!("group {} = [{}]", self.ident(), c.join(", "))
            }
            6 | 7 => self.category("category"),
            8 | 9 => format!("require {}: {}", self.ident(), self.requirement()),
            10 => {
                let inner = match self.random.below(4) {
                    0 => format!("param {} = {}", self.ident(), self.expr()),
                    1 => format!("amend category {} {{ {} }}", self.ident(), self.clause()),
                    2 => self.category("replace category"),
                    _ => format!("replace require {}: {}", self.ident(), self.requirement()),
                };
                format!("for {} {{\n    {inner}\n  }}", self.ident())
            }
            _ => self.example(),
        }
    }
    fn file(&mut self) -> String {
        let mut text = String::new();
        for _ in 0..1 + self.random.below(2) {
            text.push_str(&format!("pledge {}", self.string()));
            if self.random.chance(10) {
                text.push_str(&format!(" extends {}", self.string()));
            }
            text.push_str(" {\n");
            for _ in 0..self.random.below(12) {
                text.push_str(&format!("  {}\n", self.item()));
            }
            text.push_str("}\n");
        }
        text
    }
}

const TOKENS: &[&str] = &[
    "pledge",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ",",
    ":",
    "=",
    "param",
    "category",
    "include",
    "exclude",
    "counted in",
    "cap",
    "require",
    "from",
    "until",
    "on path to",
    "by",
    "for",
    "amend",
    "replace",
    "within",
    "example",
    "expect",
    "item",
    "indicator",
    "country",
    "year",
    "tag",
    "and",
    "or",
    "not",
    "of",
    "at",
    "+",
    "-",
    "*",
    "/",
    ">=",
    "==",
    "!=",
    "<",
    "3.5%",
    "2035",
    "0",
    "core",
    "gdp",
    "//c\n",
    "/*",
    "*/",
    "\"",
    "\n",
    "\r\n",
    "\u{feff}",
    "\t",
    "\u{0}",
    "\u{e9}",
    "\u{1F600}",
    "extends \"x.pledge\"",
    "meta dataset = \"sample\"",
];

/// Mutates `text` a few times: insert a token, delete a range, duplicate a
/// line, swap two lines, splice in a piece of another file.
fn mutate(text: &str, other: &str, random: &mut Random) -> String {
    let mut text = text.to_string();
    let boundary = |t: &str, mut at: usize| {
        at = at.min(t.len());
        while !t.is_char_boundary(at) {
            at -= 1;
        }
        at
    };
    for _ in 0..1 + random.below(3) {
        let at = boundary(&text, random.below(text.len() + 1));
        match random.below(6) {
            0 | 1 => text.insert_str(at, random.pick(TOKENS)),
            2 => {
                let end = boundary(&text, at + random.below(40));
                text.replace_range(at..end, "");
            }
            3 | 4 => {
                let lines: Vec<&str> = text.lines().collect();
                if lines.len() > 1 {
                    let (a, b) = (random.below(lines.len()), random.below(lines.len()));
                    let mut lines: Vec<String> = lines.into_iter().map(str::to_string).collect();
                    if random.chance(50) {
                        lines.swap(a, b);
                    } else {
                        let line = lines[a].clone();
                        lines.insert(b, line);
                    }
                    text = lines.join("\n");
                }
            }
            _ => {
                let from = boundary(other, random.below(other.len() + 1));
                let to = boundary(other, from + random.below(200));
                text.insert_str(at, &other[from..to]);
            }
        }
    }
    text
}

// ---------------------------------------------------------------------------
// Running one case

// How far the cases of this worker thread got: parsed, loaded, checked
// without error, evaluated.
thread_local! {
    static REACHED: std::cell::Cell<[usize; 4]> = const { std::cell::Cell::new([0; 4]) };
}

fn reached(stage: usize) {
    REACHED.with(|r| {
        let mut counts = r.get();
        counts[stage] += 1;
        r.set(counts);
    });
}

/// Parses, formats, loads (with the base files of `files`), checks,
/// evaluates on `data` and renders every diagnostic.
fn exercise(root: &str, files: &[(PathBuf, String)], data: &Dataset) {
    let text = files.first().map(|(_, t)| t.as_str()).unwrap_or_default();
    if let Ok(parsed) = pledge::parse::parse(text, pledge::source::FileId(0)) {
        reached(0);
        let formatted = pledge::print::format(&parsed, text);
        let _ = pledge::parse::parse(&formatted, pledge::source::FileId(0));
        let _ = pledge::print::tree(&parsed);
    }
    let reader = |p: &Path| {
        files
            .iter()
            .find(|(path, _)| path == p)
            .map(|(_, t)| t.clone())
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"))
    };
    match pledge::workspace::load(Path::new(root), &reader) {
        Ok(workspace) => {
            reached(1);
            let (checked, problems) = pledge::check::check(&workspace, Some(&data.manifest))
                .into_problems(&workspace.sources);
            for problem in &problems {
                let _ = problem.render(pledge::diagnostics::ErrorFormat::Human, false);
                let _ = problem.render(pledge::diagnostics::ErrorFormat::Json, false);
            }
            if let Some(checked) = checked {
                reached(2);
                // Every year of the dataset, as `pledge eval` without
                // `--years` (a range from its first to its last year could
                // span thousands of years that the command line refuses).
                let options = pledge::eval::Options::default();
                match pledge::eval::evaluate(&checked, data, &workspace.sources, &options) {
                    Ok(outcomes) => {
                        reached(3);
                        let _ = format!("{outcomes:?}");
                    }
                    Err(errors) => {
                        for problem in &pledge::eval::into_problems(errors, &workspace.sources) {
                            let _ = problem.render(pledge::diagnostics::ErrorFormat::Human, false);
                        }
                    }
                }
                let _ =
                    pledge::eval::evaluate_on_amounts(&checked, data, &workspace.sources, &options);
            }
        }
        Err(failure) => {
            for problem in &failure.into_problems() {
                let _ = problem.render(pledge::diagnostics::ErrorFormat::Human, false);
                let _ = problem.render(pledge::diagnostics::ErrorFormat::Plain, false);
            }
        }
    }
}

fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

fn load_dataset(manifest: &str, items: &str, indicators: &str) -> Option<Dataset> {
    let source = DataSource::Embedded {
        dir: "fuzz",
        manifest: leak(manifest.to_string()),
        items: leak(items.to_string()),
        indicators: leak(indicators.to_string()),
    };
    match pledge::data::load(&source) {
        Ok(data) => Some(data),
        Err(problems) => {
            for problem in &pledge::data::into_problems(problems) {
                let _ = problem.render(pledge::diagnostics::ErrorFormat::Human, false);
            }
            None
        }
    }
}

const CELLS: &[&str] = &[
    "",
    "0",
    "-1",
    "1e5",
    "1_000",
    ".5",
    "9999999999999999999999999999",
    "0.000000000000000000001",
    "NaN",
    "XNA",
    "ZZZ",
    "2024",
    "0",
    "10000",
    "-2147483648",
    "equipment",
    "dual_use;dual_use",
    "\"quoted, cell\"",
    "\"",
    "\u{e9}",
    "\u{feff}id",
    "a\nb",
    "   ",
];

/// Mutates a CSV text: a cell replaced, a row duplicated or dropped, a
/// column added or removed, the header changed, a line cut.
fn mutate_csv(text: &str, random: &mut Random) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for _ in 0..1 + random.below(3) {
        if lines.is_empty() {
            break;
        }
        let row = random.below(lines.len());
        match random.below(7) {
            0..=2 => {
                let mut cells: Vec<String> = lines[row].split(',').map(str::to_string).collect();
                let col = random.below(cells.len());
                cells[col] = random.pick(CELLS).to_string();
                lines[row] = cells.join(",");
            }
            3 => {
                let line = lines[row].clone();
                lines.insert(random.below(lines.len()), line);
            }
            4 => {
                lines.remove(row);
            }
            5 => {
                let add = random.chance(50);
                for line in &mut lines {
                    if add {
                        line.push_str(",x");
                    } else if let Some(at) = line.rfind(',') {
                        line.truncate(at);
                    }
                }
            }
            _ => {
                let at = random.below(lines[row].len() + 1);
                let mut at = at.min(lines[row].len());
                while !lines[row].is_char_boundary(at) {
                    at -= 1;
                }
                lines[row].truncate(at);
            }
        }
    }
    let mut out = lines.join(if random.chance(10) { "\r\n" } else { "\n" });
    if random.chance(80) {
        out.push('\n');
    }
    out
}

/// Mutates a manifest: a value anywhere in the JSON tree replaced,
/// removed or an array entry duplicated.
fn mutate_manifest(text: &str, random: &mut Random) -> String {
    let Ok(mut value) = serde_json::from_str::<serde_json::Value>(text) else {
        return text.to_string();
    };
    let replacements = [
        serde_json::Value::Null,
        serde_json::json!(""),
        serde_json::json!(0),
        serde_json::json!(-1),
        serde_json::json!(1e300),
        serde_json::json!([]),
        serde_json::json!({}),
        serde_json::json!("gdp"),
        serde_json::json!("/etc/hostname"),
        serde_json::json!(["dual_use", "dual_use"]),
        serde_json::json!(true),
    ];
    for _ in 0..1 + random.below(3) {
        // A random path into the tree, as a JSON pointer.
        let mut pointer = String::new();
        let mut node = &value;
        for _ in 0..random.below(5) {
            let next = match node {
                serde_json::Value::Object(map) if !map.is_empty() => {
                    let key = map.keys().nth(random.below(map.len())).cloned().unwrap();
                    pointer.push_str(&format!("/{}", key.replace('~', "~0").replace('/', "~1")));
                    map.get(&key)
                }
                serde_json::Value::Array(list) if !list.is_empty() => {
                    let i = random.below(list.len());
                    pointer.push_str(&format!("/{i}"));
                    list.get(i)
                }
                _ => None,
            };
            match next {
                Some(next) => node = next,
                None => break,
            }
        }
        let Some(node) = value.pointer_mut(&pointer) else {
            continue;
        };
        match random.below(10) {
            0..=1 => {
                if let serde_json::Value::Object(map) = node {
                    if let Some(key) = map.keys().next().cloned() {
                        map.remove(&key);
                    }
                }
            }
            2..=3 => {
                if let serde_json::Value::Array(list) = node {
                    if let Some(first) = list.first().cloned() {
                        list.push(first);
                    }
                }
            }
            _ => *node = replacements[random.below(replacements.len())].clone(),
        }
    }
    serde_json::to_string_pretty(&value).unwrap_or_default()
}

// ---------------------------------------------------------------------------
// The runner

struct Failure {
    kind: &'static str,
    message: String,
    input: String,
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "(no message)".into())
}

fn seed() -> u64 {
    std::env::var("PLEDGE_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(11)
}

fn scale(cases: usize) -> usize {
    let factor: usize = std::env::var("PLEDGE_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    cases * factor.max(1)
}

fn read_dir_texts(dir: &str, extension: &str) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::from(dir)];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == extension) {
                if let Ok(text) = std::fs::read_to_string(&path) {
                    out.push((path, text));
                }
            }
        }
    }
    out
}

/// Keeps the default panic output for everything but the fuzz workers,
/// whose panics are caught and reported by `report`.
fn quiet_fuzz_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let fuzzing = std::thread::current()
                .name()
                .is_some_and(|n| n.starts_with("fuzz-"));
            if !fuzzing {
                default(info);
            }
        }));
    });
}

/// Runs `cases` on a worker thread under a watchdog; returns the failures.
fn run_cases(
    name: &'static str,
    cases: usize,
    one: impl Fn(usize, &mut Vec<String>) + Send + Sync + 'static,
) -> (usize, Vec<Failure>, [usize; 4]) {
    quiet_fuzz_panics();
    let progress = Arc::new(AtomicUsize::new(0));
    let current: Arc<Mutex<Vec<String>>> = Arc::new(Mutex::new(Vec::new()));
    let failures: Arc<Mutex<Vec<Failure>>> = Arc::new(Mutex::new(Vec::new()));
    let done = Arc::new(AtomicUsize::new(0));
    let stages: Arc<Mutex<[usize; 4]>> = Arc::new(Mutex::new([0; 4]));
    let worker = {
        let (progress, current, failures, done, stages) = (
            progress.clone(),
            current.clone(),
            failures.clone(),
            done.clone(),
            stages.clone(),
        );
        std::thread::Builder::new()
            .name(format!("fuzz-{name}"))
            .stack_size(64 << 20)
            .spawn(move || {
                let start = Instant::now();
                for case in 0..cases {
                    if start.elapsed() > budget() {
                        eprintln!("{name}: time budget reached after {case} of {cases} cases");
                        break;
                    }
                    let mut inputs = Vec::new();
                    let result = catch_unwind(AssertUnwindSafe(|| {
                        one(case, &mut inputs);
                    }));
                    // `one` records its inputs before running them.
                    *current.lock().unwrap() = inputs.clone();
                    if let Err(payload) = result {
                        failures.lock().unwrap().push(Failure {
                            kind: name,
                            message: panic_message(payload.as_ref()),
                            input: inputs.join("\n---- next file ----\n"),
                        });
                    }
                    progress.fetch_add(1, Ordering::SeqCst);
                }
                *stages.lock().unwrap() = REACHED.with(|r| r.get());
                done.store(1, Ordering::SeqCst);
            })
            .unwrap()
    };
    let mut last = (0, Instant::now());
    while done.load(Ordering::SeqCst) == 0 {
        std::thread::sleep(Duration::from_millis(20));
        let now = progress.load(Ordering::SeqCst);
        if now != last.0 {
            last = (now, Instant::now());
        } else if last.1.elapsed() > CASE_LIMIT {
            panic!(
                "{name}: case {now} (seed {}) has run for over {CASE_LIMIT:?}: a hang",
                seed()
            );
        }
    }
    worker.join().unwrap();
    let count = progress.load(Ordering::SeqCst);
    let failures = std::mem::take(&mut *failures.lock().unwrap());
    let stages = *stages.lock().unwrap();
    (count, failures, stages)
}

fn report(count: usize, failures: Vec<Failure>, stages: [usize; 4]) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-failures");
    let mut unknown = Vec::new();
    for (i, failure) in failures.iter().enumerate() {
        let known = KNOWN
            .iter()
            .find(|(needle, _)| failure.message.contains(needle));
        match known {
            Some((_, what)) => eprintln!("known crash ({what}): {}", failure.message),
            None => {
                let _ = std::fs::create_dir_all(&dir);
                let path = dir.join(format!("{}-{i}.txt", failure.kind));
                let _ = std::fs::write(&path, &failure.input);
                unknown.push(format!(
                    "{}: {} (input in {})",
                    failure.kind,
                    failure.message,
                    path.display()
                ));
            }
        }
    }
    eprintln!(
        "{count} cases, {} panics ({} new); rule files parsed {}, loaded {}, checked {}, evaluated {}",
        failures.len(),
        unknown.len(),
        stages[0],
        stages[1],
        stages[2],
        stages[3]
    );
    assert!(unknown.is_empty(), "new panics:\n{}", unknown.join("\n"));
}

fn sample() -> Dataset {
    pledge::data::load(&pledge::data::bundled::source("sample").unwrap()).unwrap()
}

#[test]
fn generated_rule_files_never_panic() {
    let data = Arc::new(sample());
    let seed = seed();
    let (count, failures, stages) =
        run_cases("generated", scale(RULE_CASES), move |case, inputs| {
            let mut random = Random(seed ^ (case as u64).wrapping_mul(0x2545_f491_4f6c_dd1d));
            let text = Grammar {
                random: &mut random,
                depth: 0,
            }
            .file();
            inputs.push(text.clone());
            exercise(
                "fuzz/generated.pledge",
                &[(PathBuf::from("fuzz/generated.pledge"), text)],
                &data,
            );
        });
    report(count, failures, stages);
}

#[test]
fn mutated_rule_files_never_panic() {
    let data = Arc::new(sample());
    let mut files = read_dir_texts("rules", "pledge");
    files.extend(read_dir_texts("tests/data", "pledge"));
    assert!(files.len() > 10, "rule files not found");
    let files = Arc::new(files);
    let seed = seed();
    let (count, failures, stages) = run_cases("mutated", scale(RULE_CASES), move |case, inputs| {
        let mut random = Random(seed.wrapping_add(7) ^ (case as u64).wrapping_mul(0x9e37_79b9));
        let (path, text) = &files[random.below(files.len())];
        let (_, other) = &files[random.below(files.len())];
        let mutated = mutate(text, other, &mut random);
        inputs.push(format!("{}\n{mutated}", path.display()));
        // The file keeps its path, so `extends` finds the real bases.
        let mut all: Vec<(PathBuf, String)> = vec![(path.clone(), mutated)];
        all.extend(files.iter().filter(|(p, _)| p != path).cloned());
        exercise(&path.display().to_string(), &all, &data);
    });
    report(count, failures, stages);
}

#[test]
fn mutated_datasets_never_panic() {
    let mut bases: Vec<[String; 3]> = Vec::new();
    let mut dirs = vec![PathBuf::from("data/sample")];
    for group in ["tests/data/datasets/ok"] {
        if let Ok(entries) = std::fs::read_dir(group) {
            let mut entries: Vec<PathBuf> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect();
            entries.sort();
            dirs.extend(entries);
        }
    }
    for dir in dirs {
        let manifest = std::fs::read_to_string(dir.join("dataset.json")).unwrap_or_default();
        let value: serde_json::Value = serde_json::from_str(&manifest).unwrap_or_default();
        let name = |key: &str, default: &str| {
            value
                .get(key)
                .and_then(|v| v.as_str())
                .unwrap_or(default)
                .to_string()
        };
        let items = std::fs::read_to_string(dir.join(name("line_items", "line_items.csv")))
            .unwrap_or_default();
        let indicators = std::fs::read_to_string(dir.join(name("indicators", "indicators.csv")))
            .unwrap_or_default();
        if !manifest.is_empty() && !items.is_empty() && !items.trim_start().starts_with('[') {
            bases.push([manifest, items, indicators]);
        }
    }
    assert!(!bases.is_empty(), "datasets not found");
    let mut rules = read_dir_texts("rules", "pledge");
    rules.truncate(4);
    let rules = Arc::new(rules);
    let bases = Arc::new(bases);
    let seed = seed();
    let (count, failures, stages) =
        run_cases("datasets", scale(DATA_CASES), move |case, inputs| {
            let mut random =
                Random(seed.wrapping_add(13) ^ (case as u64).wrapping_mul(0x5851_f42d));
            // The sample dataset half of the time, else any of them.
            let which = if random.chance(50) {
                0
            } else {
                random.below(bases.len())
            };
            let [manifest, items, indicators] = &bases[which];
            let (mut manifest, mut items, mut indicators) =
                (manifest.clone(), items.clone(), indicators.clone());
            match random.below(5) {
                0 => manifest = mutate_manifest(&manifest, &mut random),
                1 | 2 => items = mutate_csv(&items, &mut random),
                3 => indicators = mutate_csv(&indicators, &mut random),
                _ => {
                    items = mutate_csv(&items, &mut random);
                    manifest = mutate_manifest(&manifest, &mut random);
                }
            }
            inputs.push(manifest.clone());
            inputs.push(items.clone());
            inputs.push(indicators.clone());
            if let Some(data) = load_dataset(&manifest, &items, &indicators) {
                let (path, text) = &rules[random.below(rules.len())];
                exercise(
                    &path.display().to_string(),
                    &[(path.clone(), text.clone())],
                    &data,
                );
            }
        });
    report(count, failures, stages);
}

/// The inputs kept from earlier fuzz runs (`tests/data/fuzz/`): rule files
/// run through the whole pipeline on the sample data.
#[test]
fn the_fuzz_corpus_never_panics() {
    let data = Arc::new(sample());
    let files = Arc::new(read_dir_texts("tests/data/fuzz", "input"));
    assert!(!files.is_empty(), "tests/data/fuzz is empty");
    let count = files.len();
    let (ran, failures, stages) = run_cases("corpus", count, move |case, inputs| {
        let (path, text) = &files[case];
        inputs.push(format!("{}\n{text}", path.display()));
        exercise(
            &path.display().to_string(),
            &[(path.clone(), text.clone())],
            &data,
        );
    });
    assert_eq!(ran, count);
    report(ran, failures, stages);
}
