//! Benchmarks (`cargo bench`), with the targets they are held to:
//! - parse + check of a generated 10,000-line rule file: under 100 ms;
//! - `pledge eval rules/hague-2025.pledge` over 1,000,000 line items in CSV,
//!   end to end (a separate process): under 1 s, peak memory under twice
//!   the CSV's size.
//!
//! Each figure is the median of several runs. Nothing here fails on a slow
//! machine: the report says whether each target was met.

use std::path::Path;
use std::time::{Duration, Instant};

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs.get(runs.len() / 2).copied().unwrap_or_default()
}

fn parse_and_check() {
    let text = pledge::synthetic::rule_file(10_000);
    let lines = text.lines().count();
    let schema = match pledge::data::bundled::source("sample").map(|s| pledge::data::load(&s)) {
        Some(Ok(dataset)) => dataset.manifest,
        _ => {
            eprintln!("cannot load the sample schema");
            return;
        }
    };
    let path = std::env::temp_dir().join("pledge-bench-rules.pledge");
    if std::fs::write(&path, &text).is_err() {
        eprintln!("cannot write {}", path.display());
        return;
    }
    let mut runs = Vec::new();
    let mut problems = 0;
    for _ in 0..11 {
        let start = Instant::now();
        let reader = |p: &Path| {
            if p == path {
                Ok(text.clone())
            } else {
                std::fs::read_to_string(p)
            }
        };
        if let Ok(workspace) = pledge::workspace::load(&path, &reader) {
            problems = pledge::check::check(&workspace, Some(&schema))
                .errors()
                .count();
        }
        runs.push(start.elapsed());
    }
    let time = median(runs);
    println!(
        "parse+check of a {lines}-line rule file: {:.1} ms (median of 11; target < 100 ms: {}; {problems} errors)",
        time.as_secs_f64() * 1000.0,
        if time < Duration::from_millis(100) { "met" } else { "NOT met" }
    );
}

fn eval_million() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-data-1m");
    if !dir.join("line_items.csv").exists() {
        if let Err(error) = pledge::synthetic::write_dataset(&dir, 1_000_000, 2025) {
            eprintln!("cannot write the benchmark data: {error}");
            return;
        }
    }
    let csv_size = std::fs::metadata(dir.join("line_items.csv"))
        .map(|m| m.len())
        .unwrap_or(0);
    let mut runs = Vec::new();
    let mut peak_kib = 0u64;
    for _ in 0..5 {
        let start = Instant::now();
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_pledge"))
            .args([
                "eval",
                "rules/hague-2025.pledge",
                "--format",
                "csv",
                "--data",
            ])
            .arg(&dir)
            .env("PLEDGE_REPORT_PEAK_MEMORY", "1")
            .output();
        runs.push(start.elapsed());
        match output {
            Ok(output) if output.status.success() => {
                let stderr = String::from_utf8_lossy(&output.stderr);
                if let Some(kib) = stderr
                    .lines()
                    .find_map(|l| l.strip_prefix("peak memory: "))
                    .and_then(|v| v.trim_end_matches(" kB").trim().parse::<u64>().ok())
                {
                    peak_kib = peak_kib.max(kib);
                }
            }
            Ok(output) => {
                eprintln!("eval failed: {}", String::from_utf8_lossy(&output.stderr));
                return;
            }
            Err(error) => {
                eprintln!("cannot run pledge: {error}");
                return;
            }
        }
    }
    let time = median(runs);
    let csv_mib = csv_size as f64 / 1_048_576.0;
    let peak_mib = peak_kib as f64 / 1024.0;
    println!(
        "eval rules/hague-2025.pledge over 1,000,000 items ({csv_mib:.1} MiB CSV): {:.2} s (median of 5; target < 1 s: {}), peak memory {peak_mib:.1} MiB (target < {:.1} MiB: {})",
        time.as_secs_f64(),
        if time < Duration::from_secs(1) { "met" } else { "NOT met" },
        csv_mib * 2.0,
        if peak_mib < csv_mib * 2.0 { "met" } else { "NOT met" }
    );
}

fn main() {
    // `cargo test --benches` runs this file too; only measure under `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    parse_and_check();
    eval_million();
}
