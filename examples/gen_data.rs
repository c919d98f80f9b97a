//! Writes a deterministic synthetic dataset for benchmarks:
//! `cargo run --release --example gen_data -- --items 1000000 --out target/bench-data`.

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let items: u64 = value("--items")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let seed: u64 = value("--seed").and_then(|v| v.parse().ok()).unwrap_or(2025);
    let out =
        std::path::PathBuf::from(value("--out").unwrap_or_else(|| "target/bench-data".into()));
    match pledge::synthetic::write_dataset(&out, items, seed) {
        Ok(()) => {
            eprintln!("wrote {items} line items to {}", out.display());
            std::process::ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("cannot write {}: {error}", out.display());
            std::process::ExitCode::from(1)
        }
    }
}
