//! The plain hand-written loop of the side-by-side benchmark: what
//! `benches/scorecard/bench.pledge` computes, written directly in Rust over
//! the bytes of `line_items.csv` and `indicators.csv`. It is the floor that
//! `pledge eval` is measured against.
//!
//! Output: one line per requirement, country and year, sorted,
//! `requirement,country,year,status,value` with the value in hundredths of
//! the money unit (every amount has at most two decimals).

use std::collections::HashMap;

const CORE_CATEGORIES: [&[u8]; 4] = [b"equipment", b"personnel", b"infrastructure", b"other"];
const RELATED_FUNCTIONS: [&[u8]; 5] = [
    b"critical_infrastructure",
    b"cyber_defence",
    b"civil_preparedness",
    b"innovation",
    b"defence_industrial_base",
];

/// An amount with at most two decimals, in hundredths.
fn hundredths(text: &[u8]) -> Option<i64> {
    let mut value: i64 = 0;
    let mut decimals: Option<u32> = None;
    for &byte in text {
        match byte {
            b'0'..=b'9' => {
                value = value.checked_mul(10)?.checked_add(i64::from(byte - b'0'))?;
                if let Some(d) = decimals.as_mut() {
                    *d += 1;
                }
            }
            b'.' if decimals.is_none() => decimals = Some(0),
            _ => return None,
        }
    }
    match decimals.unwrap_or(0) {
        0 => value.checked_mul(100),
        1 => value.checked_mul(10),
        2 => Some(value),
        _ => None,
    }
}

fn number(text: &[u8]) -> Option<i64> {
    std::str::from_utf8(text).ok()?.parse().ok()
}

/// Runs the loop over the dataset folder `dir` and writes the answer to stdout.
pub fn run(dir: &std::path::Path) -> Result<(), String> {
    let items = std::fs::read(dir.join("line_items.csv")).map_err(|e| e.to_string())?;
    let indicators = std::fs::read(dir.join("indicators.csv")).map_err(|e| e.to_string())?;

    // Country-years are dense small integers: (country index, year).
    let mut countries: HashMap<Vec<u8>, usize> = HashMap::new();
    let mut names: Vec<String> = Vec::new();
    let mut totals: HashMap<(usize, i64), [i64; 2]> = HashMap::new();
    let mut last_key: Option<(usize, i64)> = None;
    let mut last: [i64; 2] = [0, 0];

    let mut country_of = |code: &[u8], countries: &mut HashMap<Vec<u8>, usize>| -> usize {
        if let Some(&i) = countries.get(code) {
            return i;
        }
        let i = countries.len();
        countries.insert(code.to_vec(), i);
        names.push(String::from_utf8_lossy(code).into_owned());
        i
    };

    for line in items.split(|&b| b == b'\n').skip(1) {
        if line.is_empty() {
            continue;
        }
        let mut cells = line.split(|&b| b == b',');
        let (Some(_id), Some(country), Some(year), Some(amount)) =
            (cells.next(), cells.next(), cells.next(), cells.next())
        else {
            return Err("short row".into());
        };
        let category = cells.next().unwrap_or_default();
        let function = cells.next().unwrap_or_default();
        let kind = cells.next().unwrap_or_default();
        let tags = cells.next().unwrap_or_default();
        let year = number(year).ok_or("bad year")?;
        let amount = hundredths(amount).ok_or("bad amount")?;

        let in_core = CORE_CATEGORIES.contains(&category)
            || (kind == b"ukraine_military_aid"
                && !tags
                    .split(|&b| b == b';')
                    .any(|t| t == b"from_existing_stocks"));
        let related = if in_core {
            0
        } else if RELATED_FUNCTIONS.contains(&function) {
            amount
        } else if function == b"military_mobility" {
            // exact: the amounts have one decimal, so they are even in hundredths
            amount / 2
        } else {
            0
        };
        let core = if in_core { amount } else { 0 };

        let index = country_of(country, &mut countries);
        let key = (index, year);
        if last_key != Some(key) {
            if let Some(previous) = last_key {
                let entry = totals.entry(previous).or_insert([0, 0]);
                entry[0] += last[0];
                entry[1] += last[1];
            }
            last_key = Some(key);
            last = [0, 0];
        }
        last[0] += core;
        last[1] += related;
    }
    if let Some(previous) = last_key {
        let entry = totals.entry(previous).or_insert([0, 0]);
        entry[0] += last[0];
        entry[1] += last[1];
    }

    let mut gdp: HashMap<(usize, i64), i64> = HashMap::new();
    for line in indicators.split(|&b| b == b'\n').skip(1) {
        let mut cells = line.split(|&b| b == b',');
        let (Some(country), Some(year), Some(value)) = (cells.next(), cells.next(), cells.next())
        else {
            continue;
        };
        let index = country_of(country, &mut countries);
        gdp.insert(
            (index, number(year).ok_or("bad year")?),
            hundredths(value).ok_or("bad gdp")?,
        );
    }

    let mut rows: Vec<String> = Vec::with_capacity(totals.len() * 2);
    for (&(country, year), &[core, related]) in &totals {
        let code = names.get(country).map(String::as_str).unwrap_or("?");
        let gdp = gdp.get(&(country, year)).copied().unwrap_or(0);
        // core >= 2% of gdp; related >= 0.5% of gdp (both in hundredths).
        let status = |met: bool| if met { "met" } else { "not_met" };
        rows.push(format!(
            "core_floor,{code},{year},{},{core}",
            status(core * 50 >= gdp)
        ));
        rows.push(format!(
            "related_floor,{code},{year},{},{related}",
            status(related * 200 >= gdp)
        ));
    }
    rows.sort();
    let mut out = rows.join("\n");
    out.push('\n');
    use std::io::Write as _;
    std::io::stdout()
        .write_all(out.as_bytes())
        .map_err(|e| e.to_string())
}
