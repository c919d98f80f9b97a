//! The NATO dataset bundled into the binary (`data/nato/`), checked against
//! what NATO publishes: the line items must add up to NATO's own share of
//! GDP (Table 3), and the Wales pledge evaluated on them must give NATO's
//! verdicts for 2024, with the differences explained.

// Panicking is how a test fails; the no-panic rule is for the library.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::str::FromStr;

use pledge::data::{bundled, load, Dataset};
use pledge::diagnostics::{render_all, ErrorFormat};
use pledge::eval::outcome::{PledgeOutcome, Status};
use pledge::eval::{self, Options};
use pledge::{check, cli, workspace};
use rust_decimal::Decimal;

fn d(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn nato() -> Dataset {
    let source = bundled::source("nato").unwrap();
    match load(&source) {
        Ok(dataset) => dataset,
        Err(problems) => panic!("{}", render_all(&problems, ErrorFormat::Human, false)),
    }
}

/// The sum of a country's line items in a year, exactly.
fn items_total(data: &Dataset, country: u16, year: i32) -> Option<Decimal> {
    let items = data.by_country_year.get(&(country, year))?;
    Some(items.iter().map(|&i| data.amount[i as usize]).sum())
}

/// Ally-years where NATO prints exactly 2.0000 although the items add up to
/// a little less: NATO credited these Allies with 2% on the GDP figures it
/// had at the time (data/nato/README.md, "NATO's exact 2.0").
const EXACT_TWO: [(&str, i32); 3] = [("FRA", 2020), ("LTU", 2019), ("SVK", 2024)];

#[test]
fn recomputed_shares_match_natos_table_3() {
    let data = nato();
    let hundred = Decimal::ONE_HUNDRED;
    let mut checked = 0;
    let mut largest_other = Decimal::ZERO;
    for country in 0..data.manifest.countries.len() as u16 {
        let code = data.country_code(country).to_string();
        for year in 2014..=2024 {
            let Some(total) = items_total(&data, country, year) else {
                continue;
            };
            let gdp = data.indicator(country, year, "gdp").unwrap();
            // Percentages: the indicator is stored as a share (2.0% as 0.02).
            let recomputed = total / gdp * hundred;
            let published = data
                .indicator(country, year, "nato_reported_share")
                .unwrap()
                * hundred;
            let deviation = (recomputed - published).abs();
            if EXACT_TWO.contains(&(code.as_str(), year)) {
                assert_eq!(published, d("2"), "{code} {year}");
                assert!(recomputed < published, "{code} {year}: {recomputed}");
                assert!(deviation > d("0"), "{code} {year}");
                assert!(
                    deviation < d("0.02"),
                    "{code} {year}: {recomputed} vs {published}"
                );
            } else {
                assert!(
                    deviation <= d("0.015"),
                    "{code} {year}: {recomputed} vs {published}"
                );
                largest_other = largest_other.max(deviation);
            }
            checked += 1;
        }
    }
    // 31 Allies (all but Iceland) × 11 years.
    assert_eq!(checked, 31 * 11);
    // The README states the largest ordinary deviation: 0.000082 pp (MNE 2024).
    assert!(
        largest_other < d("0.0001"),
        "largest deviation {largest_other}"
    );

    // The three exact-2.0 cells, as tabulated in the README (recomputed to
    // four decimals): FRA 2020 1.9862, LTU 2019 1.9949, SVK 2024 1.9890.
    let share = |code: &str, year: i32| {
        let c = data.country_index(code).unwrap();
        (items_total(&data, c, year).unwrap() / data.indicator(c, year, "gdp").unwrap() * hundred)
            .round_dp(4)
    };
    assert_eq!(share("FRA", 2020), d("1.9862"));
    assert_eq!(share("LTU", 2019), d("1.9949"));
    assert_eq!(share("SVK", 2024), d("1.9890"));
}

#[test]
fn what_the_nato_tables_leave_out_is_absent_not_zero() {
    let data = nato();
    assert_eq!(data.manifest.countries.len(), 32);
    assert_eq!(data.len(), 1364);
    let isl = data.country_index("ISL").unwrap();
    for country in 0..data.manifest.countries.len() as u16 {
        let code = data.country_code(country);
        // No line items for anyone in 2025, and no GDP either.
        assert!(!data.has_items(country, 2025), "{code} 2025 has items");
        assert_eq!(
            data.indicator(country, 2025, "gdp"),
            None,
            "{code} 2025 has gdp"
        );
        // Every ally has a 2025 row (some with a press-reported share).
        assert!(
            data.indicators.contains_key(&(country, 2025)),
            "{code} 2025 row"
        );
        for year in 2014..=2024 {
            assert!(
                data.indicator(country, year, "gdp").is_some(),
                "{code} {year} gdp"
            );
            if country == isl {
                assert!(!data.has_items(country, year), "ISL {year} has items");
            } else {
                assert_eq!(
                    data.by_country_year[&(country, year)].len(),
                    4,
                    "{code} {year}"
                );
            }
        }
    }
    // Iceland has GDP but no published defence expenditure.
    assert_eq!(data.indicator(isl, 2024, "gdp"), Some(d("23420.4")));
    assert_eq!(data.indicator(isl, 2024, "nato_reported_share"), None);
    // Items exist for 2014-2024 only.
    assert_eq!(data.year.iter().min(), Some(&2014));
    assert_eq!(data.year.iter().max(), Some(&2024));
    // DEU 2025 is NATO's provisional 2.00, read as a share.
    let deu = data.country_index("DEU").unwrap();
    assert_eq!(
        data.indicator(deu, 2025, "nato_reported_share"),
        Some(d("0.02"))
    );
}

/// `pledge eval rules/wales-2014.pledge` on the embedded data, through the
/// library: load, check, evaluate.
fn wales(years: Option<(i32, i32)>) -> (PledgeOutcome, Dataset) {
    let read = |path: &Path| std::fs::read_to_string(path);
    let ws = workspace::load(Path::new("rules/wales-2014.pledge"), &read).unwrap();
    // No `--data` and no `meta dataset`: the bundled NATO data.
    let data = cli::load_data(None, Some(&ws)).unwrap();
    assert_eq!(data.items_file, "data/nato/line_items.csv");
    let (checked, problems) = check::check(&ws, Some(&data.manifest));
    assert!(
        problems.is_empty(),
        "{}",
        render_all(&problems, ErrorFormat::Human, false)
    );
    let checked = check::apply_sets(&checked.unwrap(), &[]).unwrap();
    let options = Options {
        years,
        countries: Vec::new(),
    };
    let mut outcomes = eval::evaluate(&checked, &data, &ws.sources, &options).unwrap();
    assert_eq!(outcomes.len(), 1);
    (outcomes.remove(0), data)
}

#[test]
fn wales_pledge_gives_natos_2024_verdicts() {
    let (outcome, data) = wales(None);
    let status =
        |req: &str, country: &str, year: i32| outcome.result(req, country, year).unwrap().status;

    // Poland: 4.12% of GDP in NATO's Table 3 for 2024, far above 2%.
    let pol = outcome.result("two_percent", "POL", 2024).unwrap();
    assert_eq!(pol.status, Status::Met);
    assert_eq!(pol.margin_pp.unwrap().round_dp(2), d("2.12"));

    // Spain: 1.28% in Table 3. From the data:
    //   items  5365.93958336 + 7773.91913702 + 469.41347134 + 4097.76180828 = 17707.034
    //   gdp    1380612.0; threshold 2% of gdp = 27612.24
    //   margin 17707.034 - 27612.24 = -9905.206
    //   in points of GDP: -9905.206 / 1380612.0 × 100 = -0.71745037...
    let esp = outcome.result("two_percent", "ESP", 2024).unwrap();
    assert_eq!(esp.status, Status::NotMet);
    assert_eq!(esp.value, Some(d("17707.034")));
    assert_eq!(esp.threshold, Some(d("27612.24")));
    assert_eq!(esp.margin, Some(d("-9905.206")));
    assert_eq!(
        esp.margin_pp,
        Some(d("-9905.206") / d("1380612.0") * Decimal::ONE_HUNDRED)
    );
    assert_eq!(esp.margin_pp.unwrap().round_dp(2), d("-0.72"));
    assert_eq!(esp.unit, "money");

    // Iceland has no armed forces: no data, never a zero that "fails" 2%.
    let isl = outcome.result("two_percent", "ISL", 2024).unwrap();
    assert_eq!(isl.status, Status::NoData);
    assert_eq!(
        isl.reason.as_deref(),
        Some("no spending line items for ISL in 2024")
    );
    assert_eq!(isl.value, None);
    for year in 2015..=2024 {
        assert_eq!(
            status("halt_decline", "ISL", year),
            Status::NoData,
            "ISL {year}"
        );
    }

    // Finland joined in 2023 and Sweden in 2024: not applicable before.
    let fin = outcome.result("two_percent", "FIN", 2022).unwrap();
    assert_eq!(fin.status, Status::NotApplicable);
    assert_eq!(fin.reason.as_deref(), Some("FIN joined NATO in 2023"));
    assert_eq!(status("halt_decline", "FIN", 2022), Status::NotApplicable);
    // A member from 2023, but `two_percent` applies from 2024.
    assert_eq!(status("two_percent", "FIN", 2023), Status::NotYetDue);
    assert_eq!(status("two_percent", "FIN", 2024), Status::Met);
    let swe = outcome.result("two_percent", "SWE", 2023).unwrap();
    assert_eq!(swe.status, Status::NotApplicable);
    assert_eq!(swe.reason.as_deref(), Some("SWE joined NATO in 2024"));
    assert_eq!(status("halt_decline", "SWE", 2023), Status::NotApplicable);
    assert_eq!(status("two_percent", "SWE", 2024), Status::Met);
    // Montenegro (2017) and North Macedonia (2020) are tabulated before joining.
    assert_eq!(status("halt_decline", "MNE", 2016), Status::NotApplicable);
    assert_eq!(status("halt_decline", "MKD", 2019), Status::NotApplicable);

    // 2025 has no amounts: every Wales requirement needs them, so every
    // 2025 outcome is "no data", with the reason.
    let results_2025: Vec<_> = outcome.results.iter().filter(|r| r.year == 2025).collect();
    assert_eq!(results_2025.len(), 3 * 32);
    for result in results_2025 {
        assert_eq!(
            result.status,
            Status::NoData,
            "{} {}",
            result.requirement,
            result.country
        );
        let reason = result.reason.as_deref().unwrap();
        assert!(
            reason.starts_with("no spending line items for "),
            "{reason}"
        );
        assert!(reason.ends_with(" in 2025"), "{reason}");
    }

    // Who meets 2% in 2024. NATO's Table 3 (June 2024) counts 23 Allies; the
    // rule counts 22, because it recomputes the share from the items and
    // Slovakia's items add up to 2118.304 / 106498.3 = 1.989% of GDP, while
    // NATO prints exactly 2.00 for Slovakia (README, "NATO's exact 2.0").
    let met: BTreeSet<&str> = outcome
        .results
        .iter()
        .filter(|r| r.requirement == "two_percent" && r.year == 2024 && r.status == Status::Met)
        .map(|r| r.country.as_str())
        .collect();
    let expected: BTreeSet<&str> = [
        "ALB", "BGR", "CZE", "DEU", "DNK", "EST", "FIN", "FRA", "GBR", "GRC", "HUN", "LTU", "LVA",
        "MKD", "MNE", "NLD", "NOR", "POL", "ROU", "SWE", "TUR", "USA",
    ]
    .into_iter()
    .collect();
    assert_eq!(met, expected);
    let summary = outcome
        .summaries
        .iter()
        .find(|s| s.requirement == "two_percent" && s.year == 2024)
        .unwrap();
    assert_eq!(
        (
            summary.met,
            summary.not_met,
            summary.no_data,
            summary.members
        ),
        (22, 9, 1, 32)
    );

    let svk = outcome.result("two_percent", "SVK", 2024).unwrap();
    assert_eq!(svk.status, Status::NotMet);
    assert_eq!(svk.value, Some(d("2118.304")));
    assert_eq!(svk.margin_pp.unwrap().round_dp(3), d("-0.011"));
    let svk_index = data.country_index("SVK").unwrap();
    assert_eq!(
        data.indicator(svk_index, 2024, "nato_reported_share"),
        Some(d("0.02"))
    );

    // NATO's verdict agrees with the recomputed one for every other Ally:
    // reported share >= 2.0 exactly where the rule says "met".
    let reported_met: BTreeMap<&str, bool> = outcome
        .results
        .iter()
        .filter(|r| r.requirement == "two_percent" && r.year == 2024 && r.country != "ISL")
        .map(|r| {
            let c = data.country_index(&r.country).unwrap();
            let share = data.indicator(c, 2024, "nato_reported_share").unwrap();
            (r.country.as_str(), share >= d("0.02"))
        })
        .collect();
    for (country, nato_says_met) in reported_met {
        let rule_says_met = met.contains(country);
        if country == "SVK" {
            assert!(nato_says_met && !rule_says_met);
        } else {
            assert_eq!(nato_says_met, rule_says_met, "{country}");
        }
    }
}

#[test]
fn wales_category_totals_reconcile_and_match_the_items() {
    let (outcome, data) = wales(Some((2014, 2025)));
    for total in &outcome.totals {
        let country = data.country_index(&total.country).unwrap();
        match items_total(&data, country, total.year) {
            None => {
                // No items: no totals, not zeros.
                assert_eq!(
                    total.counted, None,
                    "{} {} {}",
                    total.category, total.country, total.year
                );
                assert_eq!(total.input, None);
            }
            Some(sum) => {
                assert_eq!(total.input, Some(sum));
                let parts = total.counted.unwrap()
                    + total.cut_off.unwrap()
                    + total.not_credited.unwrap()
                    + total.excluded.unwrap()
                    + total.unmatched.unwrap();
                assert_eq!(
                    parts, sum,
                    "{} {} {}",
                    total.category, total.country, total.year
                );
                if total.category == "defence" {
                    // Every NATO item has one of the four categories.
                    assert_eq!(total.counted, Some(sum));
                    assert_eq!(total.items_counted, 4);
                }
            }
        }
    }
}
