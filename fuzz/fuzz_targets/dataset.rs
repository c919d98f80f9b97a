//! Coverage-guided: any bytes as a dataset (manifest, line items and
//! indicators, separated by a 0xFF byte, each kept as written), written
//! to a folder, loaded and, when it loads, used to evaluate `rules/hague-2025.pledge`.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

const HAGUE: &str = include_str!("../../rules/hague-2025.pledge");

fuzz_target!(|bytes: &[u8]| {
    let mut parts = bytes.splitn(3, |&b| b == 0xff);
    let mut next = || parts.next().unwrap_or_default();
    // The files keep the fuzzer's bytes as they are: bytes that are not
    // UTF-8 reach the loader, as they can in a user's file.
    let (manifest, items, indicators) = (next(), next(), next());
    // The dataset is written to files, as a user's dataset is read: the
    // manifest always names `line_items.csv` and `indicators.csv` unless the
    // fuzzer changes those names (then the files are missing).
    let dir = std::env::temp_dir().join(format!("pledge-fuzz-{}", std::process::id()));
    if std::fs::create_dir_all(&dir).is_err()
        || std::fs::write(dir.join("dataset.json"), manifest).is_err()
        || std::fs::write(dir.join("line_items.csv"), items).is_err()
        || std::fs::write(dir.join("indicators.csv"), indicators).is_err()
    {
        return;
    }
    match pledge::data::load(&pledge::data::DataSource::Path(dir)) {
        Ok(data) => common::exercise(HAGUE, &data),
        Err(problems) => {
            for problem in &pledge::data::into_problems(problems) {
                let _ = problem.render(pledge::diagnostics::ErrorFormat::Human, false);
            }
        }
    }
});
