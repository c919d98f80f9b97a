//! Evaluation semantics, with every number computed by hand. The pipeline is
//! the one `pledge eval` runs (src/cli.rs `prepare`/`run_eval`):
//! `workspace::load` → `cli::load_data` → `check::check` →
//! `check::apply_sets` → `eval::evaluate`.
//!
//! Most tests use the fictional sample dataset (`data/sample`, see its
//! README). Its figures follow two formulas:
//!
//! ```text
//! amount(y) = a2035 × (y − 2015) / 20      (0.45 × in 2024, 0.5 × in 2025, 0.75 × in 2030)
//! gdp(y)    = g2035 − step × (2035 − y)
//! ```
//!
//! | code | g2035  | step | core_cat | ukr_fresh | named5 | mobility | southern |
//! |------|--------|------|----------|-----------|--------|----------|----------|
//! | XNA  | 200000 | 4000 | 7600     | 400       | 2200   | 400      | 0        |
//! | XSA  | 150000 | 3000 | 5550     | 0         | 1050   | 300      | 750      |
//! | XEA  | 50000  | 1000 | 1750     | 0         | 900    | 100      | 0        |
//! | XWA  | 100000 | 2000 | 2800     | 200       | 1500   | 0        | 0        |
//! | XCA  | 40000  | 800  | 1480     | 0         | 480    | 0        | 0        |
//!
//! (2035 amounts; XNA's rail-mobility item, 400, is in core_cat and is also
//! military mobility, on top of the 400 in `mobility`.) XWA's GDP for 2029
//! is empty on purpose; XCA joins in 2030.
//!
//! The tiny dataset `tests/data/eval/tiny` (see its README) has six items
//! for XTA in 2025: eq 100, pers 200, rail 40 (infrastructure, military
//! mobility, dual_use), mob 60, cyber 50 (dual_use), border 30; GDP 1000.

// Panicking is how a test fails; the no-panic rule is for the library.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::str::FromStr;

use pledge::data::Dataset;
use pledge::diagnostics::{render_all, ErrorFormat, Problem};
use pledge::eval::engine::{decode, DecisionKind, Engine, YearState};
use pledge::eval::outcome::{CategoryTotal, PledgeOutcome, RequirementResult, Status};
use pledge::eval::{self, Options};
use pledge::program::{CategoryId, Checked, Program};
use pledge::workspace::{self, Workspace};
use pledge::{check, cli};
use rust_decimal::Decimal;

const INLINE: &str = "inline.pledge";

fn d(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn hundred() -> Decimal {
    Decimal::ONE_HUNDRED
}

fn dataset(name: &str) -> Dataset {
    match cli::load_data(Some(name), None) {
        Ok(data) => data,
        Err(problems) => panic!("{}", render_all(&problems, ErrorFormat::Human, false)),
    }
}

/// Loads and checks a rule file (`INLINE` is served from `text`).
fn check_rules(path: &str, text: Option<&str>, data: &Dataset) -> (Workspace, Checked) {
    let inline = text.map(str::to_string);
    let read = move |p: &Path| match &inline {
        Some(text) if p == Path::new(INLINE) => Ok(text.clone()),
        _ => std::fs::read_to_string(p),
    };
    let ws = match workspace::load(Path::new(path), &read)
        .map_err(pledge::workspace::LoadFailure::into_problems)
    {
        Ok(ws) => ws,
        Err(problems) => panic!("{}", render_all(&problems, ErrorFormat::Human, false)),
    };
    let (checked, problems) = check::check(&ws, Some(&data.manifest)).into_problems(&ws.sources);
    let Some(checked) = checked else {
        panic!("{}", render_all(&problems, ErrorFormat::Human, false));
    };
    (ws, checked)
}

fn try_run(
    ws: &Workspace,
    checked: &Checked,
    data: &Dataset,
    sets: &[&str],
    years: Option<(i32, i32)>,
) -> Result<Vec<PledgeOutcome>, Vec<Problem>> {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let checked = check::apply_sets(checked, &sets).map_err(pledge::check::set_problems)?;
    let options = Options {
        years,
        countries: Vec::new(),
    };
    eval::evaluate(&checked, data, &ws.sources, &options)
        .map_err(|errors| eval::into_problems(errors, &ws.sources))
}

fn run(
    ws: &Workspace,
    checked: &Checked,
    data: &Dataset,
    sets: &[&str],
    years: Option<(i32, i32)>,
) -> PledgeOutcome {
    match try_run(ws, checked, data, sets, years) {
        Ok(mut outcomes) => {
            assert_eq!(outcomes.len(), 1);
            outcomes.remove(0)
        }
        Err(problems) => panic!("{}", render_all(&problems, ErrorFormat::Human, false)),
    }
}

/// Evaluates inline rules on a dataset, every year.
fn eval_text(text: &str, data: &Dataset) -> PledgeOutcome {
    let (ws, checked) = check_rules(INLINE, Some(text), data);
    run(&ws, &checked, data, &[], None)
}

fn result<'a>(
    outcome: &'a PledgeOutcome,
    requirement: &str,
    country: &str,
    year: i32,
) -> &'a RequirementResult {
    outcome
        .result(requirement, country, year)
        .unwrap_or_else(|| panic!("no result for {requirement} {country} {year}"))
}

fn total<'a>(
    outcome: &'a PledgeOutcome,
    category: &str,
    country: &str,
    year: i32,
) -> &'a CategoryTotal {
    outcome
        .total(category, country, year)
        .unwrap_or_else(|| panic!("no total for {category} {country} {year}"))
}

/// Asserts a met or not-met result exactly.
fn assert_compared(
    r: &RequirementResult,
    status: Status,
    value: &str,
    threshold: &str,
    margin: &str,
) {
    let what = format!("{} {} {}", r.requirement, r.country, r.year);
    assert_eq!(r.status, status, "{what}: {r:?}");
    assert_eq!(r.value, Some(d(value)), "{what} value");
    assert_eq!(r.threshold, Some(d(threshold)), "{what} threshold");
    assert_eq!(r.margin, Some(d(margin)), "{what} margin");
    assert_eq!(r.reason, None, "{what} reason");
}

/// Asserts an outcome without figures and its reason.
fn assert_reason(r: &RequirementResult, status: Status, reason: &str) {
    let what = format!("{} {} {}", r.requirement, r.country, r.year);
    assert_eq!(r.status, status, "{what}: {r:?}");
    assert_eq!(r.reason.as_deref(), Some(reason), "{what}");
    assert_eq!(
        (r.value, r.threshold, r.margin, r.margin_pp),
        (None, None, None, None),
        "{what}"
    );
}

/// Asserts a requirement not yet due that still shows where the country
/// stands: the figures it would be judged on if it were due.
fn assert_due_later(
    r: &RequirementResult,
    reason: &str,
    (value, threshold, margin): (&str, &str, &str),
    would_be_met: bool,
) {
    let what = format!("{} {} {}", r.requirement, r.country, r.year);
    assert_eq!(r.status, Status::NotYetDue, "{what}: {r:?}");
    assert_eq!(r.reason.as_deref(), Some(reason), "{what}");
    assert_eq!(r.value, Some(d(value)), "{what} value");
    assert_eq!(r.threshold, Some(d(threshold)), "{what} threshold");
    assert_eq!(r.margin, Some(d(margin)), "{what} margin");
    assert_eq!(r.would_be_met, Some(would_be_met), "{what} would be met");
}

/// (counted, cut_off, not_credited, excluded, unmatched, input)
fn assert_total(t: &CategoryTotal, parts: [&str; 6]) {
    let what = format!("{} {} {}", t.category, t.country, t.year);
    let actual = [
        t.counted,
        t.cut_off,
        t.not_credited,
        t.excluded,
        t.unmatched,
        t.input,
    ];
    let expected = parts.map(|p| Some(d(p)));
    assert_eq!(
        actual, expected,
        "{what}: counted, cut_off, not_credited, excluded, unmatched, input"
    );
}

fn hague_on_sample() -> (Workspace, Checked, Dataset) {
    let data = dataset("sample");
    let (ws, checked) = check_rules("rules/hague-2025.pledge", None, &data);
    (ws, checked, data)
}

#[test]
fn every_outcome_kind_on_the_sample() {
    let (ws, checked, data) = hague_on_sample();
    let outcome = run(&ws, &checked, &data, &[], None);

    // met: XNA core = core_cat 7600 + fresh Ukraine aid 400 = 8000;
    // threshold 3.5% × 200000 = 7000; margin 1000 = 0.5 points of GDP.
    let r = result(&outcome, "core_floor", "XNA", 2035);
    assert_compared(r, Status::Met, "8000", "7000", "1000");
    assert_eq!(r.margin_pp, Some(d("0.5")));
    assert_eq!(r.unit, "money");

    // not met, with the shortfall in money and in points of GDP: XWA core =
    // 2800 + 200 = 3000; threshold 3.5% × 100000 = 3500; margin -500, which
    // is -500 / 100000 × 100 = -0.5 points.
    let r = result(&outcome, "core_floor", "XWA", 2035);
    assert_compared(r, Status::NotMet, "3000", "3500", "-500");
    assert_eq!(r.margin_pp, Some(d("-0.5")));

    // not met on the headline: XSA core 5550 + related (1050 + 50% × 300 =
    // 1200) = 6750; threshold 5% × 150000 = 7500; margin -750 = -0.5 points.
    let r = result(&outcome, "headline", "XSA", 2035);
    assert_compared(r, Status::NotMet, "6750", "7500", "-750");
    assert_eq!(r.margin_pp, Some(d("-0.5")));

    // "at least" met exactly: XEA core 1750 + related capped at 750 = 2500 =
    // 5% × 50000.
    let r = result(&outcome, "headline", "XEA", 2035);
    assert_compared(r, Status::Met, "2500", "2500", "0");
    assert_eq!(r.margin_pp, Some(d("0")));

    // not yet due: the deadline is 2035. Where XNA stands in 2034: core
    // 7600 against 3.5% × 196000 = 6860, 740 to spare.
    assert_due_later(
        result(&outcome, "core_floor", "XNA", 2034),
        "due from 2035",
        ("7600", "6860", "740"),
        true,
    );
    assert_reason(
        result(&outcome, "credible_path", "XNA", 2024),
        Status::NotYetDue,
        "the path starts in 2025",
    );

    // not applicable: XCA joins in 2030, although it has data from 2024.
    assert!(data.has_items(data.country_index("XCA").unwrap(), 2029));
    for year in 2024..=2029 {
        for requirement in ["core_floor", "headline", "credible_path"] {
            assert_reason(
                result(&outcome, requirement, "XCA", year),
                Status::NotApplicable,
                "XCA joined NATO in 2030",
            );
        }
    }
    // A member from 2030, so the rule is merely not yet due in 2030; it
    // would be short by 150 (1110 against 3.5% × 36000 = 1260).
    assert_due_later(
        result(&outcome, "core_floor", "XCA", 2030),
        "due from 2035",
        ("1110", "1260", "-150"),
        false,
    );

    // no data: XWA's GDP for 2029 is empty, and the reason says so.
    assert_reason(
        result(&outcome, "credible_path", "XWA", 2029),
        Status::NoData,
        "no `gdp` for XWA in 2029",
    );
    // The same country is evaluated normally the year before and after.
    assert_eq!(
        result(&outcome, "credible_path", "XWA", 2028).status,
        Status::NotMet
    );
    assert_eq!(
        result(&outcome, "credible_path", "XWA", 2030).status,
        Status::NotMet
    );

    // The 2035 summaries of data/sample/README.md, reading A.
    let summary = |requirement: &str| {
        let s = outcome
            .summaries
            .iter()
            .find(|s| s.requirement == requirement && s.year == 2035)
            .unwrap();
        (s.met, s.not_met, s.members)
    };
    assert_eq!(summary("core_floor"), (4, 1, 5));
    assert_eq!(summary("headline"), (2, 3, 5));
}

#[test]
fn a_requirement_scoped_to_other_countries_is_not_applicable() {
    let data = dataset("sample");
    let outcome = eval_text(
        r#"
pledge "Scopes" {
  param core_floor = 3.5%
  group south = [XSA, XWA]

  category core "Core" {
    include nato_category in [equipment, personnel, infrastructure, other]
  }

  category related "Related" {
    include function in [critical_infrastructure, cyber_defence, civil_preparedness, innovation, defence_industrial_base]
    exclude counted in core
  }

  require core_floor: core >= core_floor of gdp from 2035
  require headline: core + related >= 5% of gdp from 2035

  for XSA {
    replace require core_floor: core >= 4% of gdp from 2035
    amend category related {
      include function in [border_security, coast_guard]
    }
  }

  for XWA {
    param core_floor = 2.5%
  }

  for south {
    require south_only: core >= 1% of gdp from 2024
  }
}
"#,
        &data,
    );

    // XNA: the general rule. 7600 against 3.5% × 200000 = 7000.
    let r = result(&outcome, "core_floor", "XNA", 2035);
    assert_compared(r, Status::Met, "7600", "7000", "600");
    assert!(!r.country_specific);
    assert_eq!(r.rule, "core >= core_floor of gdp from 2035");

    // XSA: its own rule. 5550 against 4% × 150000 = 6000: -450 = -0.3 points.
    let r = result(&outcome, "core_floor", "XSA", 2035);
    assert_compared(r, Status::NotMet, "5550", "6000", "-450");
    assert_eq!(r.margin_pp, Some(d("-0.3")));
    assert!(r.country_specific);
    assert_eq!(r.rule, "core >= 4% of gdp from 2035");

    // XWA: the general rule with its own parameter value, 2.5% × 100000 = 2500.
    let r = result(&outcome, "core_floor", "XWA", 2035);
    assert_compared(r, Status::Met, "2800", "2500", "300");

    // The amended category counts border security and coast guard for XSA
    // only: 5550 + (1050 + 750) = 7350 against 7500.
    let r = result(&outcome, "headline", "XSA", 2035);
    assert_compared(r, Status::NotMet, "7350", "7500", "-150");
    assert_eq!(
        total(&outcome, "related", "XSA", 2035).counted,
        Some(d("1800"))
    );
    // XNA has no such items, and the amendment does not apply to it anyway:
    // 7600 + 2200 = 9800 against 10000.
    assert_compared(
        result(&outcome, "headline", "XNA", 2035),
        Status::NotMet,
        "9800",
        "10000",
        "-200",
    );

    // A requirement that exists only in a `for` block: not applicable to the
    // others, whatever the year, with the reason.
    for year in [2024, 2030, 2035] {
        for country in ["XNA", "XEA", "XCA"] {
            let r = result(&outcome, "south_only", country, year);
            assert_eq!(r.status, Status::NotApplicable, "{country} {year}");
            assert_eq!(
                r.reason.as_deref(),
                Some("`south_only` applies only to the countries named in its `for` block")
            );
        }
    }
    // For the group's members it applies: XSA 2024 core 0.45 × 5550 = 2497.5
    // against 1% × 117000 = 1170.
    let r = result(&outcome, "south_only", "XSA", 2024);
    assert_compared(r, Status::Met, "2497.5", "1170", "1327.5");
    assert!(r.country_specific);
    assert_eq!(
        result(&outcome, "south_only", "XWA", 2024).status,
        Status::Met
    );
    // The group's scope does not lift the membership rule or the no-data rule.
    assert_eq!(
        result(&outcome, "south_only", "XWA", 2029).status,
        Status::NoData
    );
}

#[test]
fn partial_credit_caps_within_and_precedence_on_the_sample() {
    let (ws, checked, data) = hague_on_sample();
    let outcome = run(&ws, &checked, &data, &[], Some((2035, 2035)));

    // XNA 2035, every item: core_cat 7600 + named5 2200 + mobility 400 +
    // Ukraine aid 400 + 200 (stocks) + 100 (civil) = 10900.
    //
    // core: 7600 + 400 fresh aid = 8000; the stocks donation (200), the civil
    // aid (100), named5 (2200) and mobility (400) match no clause: 2900.
    let core = total(&outcome, "core", "XNA", 2035);
    assert_total(core, ["8000", "0", "0", "0", "2900", "10900"]);
    assert_eq!(core.items_counted, 7);
    assert_eq!(core.share_of_gdp, Some(d("0.04")));

    // related: named5 2200 + 50% of the mobility item 400 = 2400; the other
    // half (200) is not credited. The rail-mobility item (400) is military
    // mobility too, but `exclude counted in core` leaves it out with the rest
    // of core (8000 excluded). Stocks and civil aid match nothing: 300.
    let related = total(&outcome, "related", "XNA", 2035);
    assert_total(related, ["2400", "0", "200", "8000", "300", "10900"]);
    assert_eq!(related.items_counted, 6);

    // The cap cuts: XEA related before the cap = 900 + 50% × 100 = 950; the
    // cap is 1.5% × 50000 = 750, so 200 is cut off. Core (1750) is excluded.
    let related = total(&outcome, "related", "XEA", 2035);
    assert_total(related, ["750", "200", "50", "1750", "0", "2750"]);
    assert_eq!(related.share_of_gdp, Some(d("0.015")));

    // Exactly at the cap: XWA named5 1500 = 1.5% × 100000; nothing cut.
    let related = total(&outcome, "related", "XWA", 2035);
    assert_eq!(
        (related.counted, related.cut_off),
        (Some(d("1500")), Some(d("0")))
    );

    // within: equipment is a part of core. XNA equipment 2000; every other
    // item, in core or not, is unmatched here (10900 - 2000 = 8900).
    let equipment = total(&outcome, "equipment", "XNA", 2035);
    assert_total(equipment, ["2000", "0", "0", "0", "8900", "10900"]);
    assert_eq!(equipment.items_counted, 1);

    // The decisions behind these totals, item by item.
    let program = &checked.pledges()[0];
    let engine = Engine::for_pledge(&checked, 0, &data).expect("one pledge");
    let xna = data.country_index("XNA").unwrap();
    let state = engine.state(xna, 2035);
    let position = |id: &str| {
        state
            .items
            .iter()
            .position(|&i| data.id(i as usize) == id)
            .unwrap()
    };
    let core_index = program.category_index("core").unwrap();
    let related_index = program.category_index("related").unwrap();
    let equipment_index = program.category_index("equipment").unwrap();
    let decision = |category: CategoryId, id: &str| {
        decode(state.category(category).unwrap().decisions[position(id)])
    };
    let weight = |category: CategoryId, id: &str| state.weight(category, position(id));
    // The rail-mobility item: core's first clause takes it; related leaves
    // it to core, although its 50% clause matches it.
    assert_eq!(
        decision(core_index, "XNA-2035-rail-mobility"),
        DecisionKind::Included(0)
    );
    assert_eq!(
        decision(related_index, "XNA-2035-rail-mobility"),
        DecisionKind::CountedIn(core_index)
    );
    assert_eq!(weight(related_index, "XNA-2035-rail-mobility"), d("0"));
    // The plain mobility item: related's second clause, at 50%.
    assert_eq!(
        decision(related_index, "XNA-2035-military_mobility"),
        DecisionKind::Included(1)
    );
    assert_eq!(
        weight(related_index, "XNA-2035-military_mobility"),
        d("0.5")
    );
    // Fresh Ukraine aid is core's second clause; the stocks donation nothing.
    assert_eq!(
        decision(core_index, "XNA-2035-ukr-mil-fresh"),
        DecisionKind::Included(1)
    );
    assert_eq!(
        decision(core_index, "XNA-2035-ukr-mil-stocks"),
        DecisionKind::Unmatched
    );
    // Outside the parent vs. in the parent but not matched.
    assert_eq!(
        decision(equipment_index, "XNA-2035-cyber_defence"),
        DecisionKind::NotInParent
    );
    assert_eq!(
        decision(equipment_index, "XNA-2035-personnel"),
        DecisionKind::Unmatched
    );
    assert_eq!(
        decision(equipment_index, "XNA-2035-equipment"),
        DecisionKind::Included(0)
    );
    // The cap is reported with its value.
    let xea = data.country_index("XEA").unwrap();
    let xea_state = engine.state(xea, 2035);
    let xea_related = xea_state.category(related_index).unwrap();
    assert_eq!(xea_related.gross, d("950"));
    assert_eq!(xea_related.caps, vec![Ok(d("750"))]);
}

/// A rule file whose items are matched by several clauses of a category.
const SEVERAL_CLAUSES: &str = r#"
pledge "Several clauses" {
  category core "Core" {
    include nato_category in [equipment, personnel, infrastructure, other]
  }
  category last_full "The last include says 100%" {
    include 50% of function == military_mobility
    include function == military_mobility
  }
  category last_half "The last include says 50%" {
    include function == military_mobility
    include 50% of function == military_mobility
  }
  category exclude_first "Exclude written before include" {
    exclude tag dual_use
    include function == military_mobility
  }
  category exclude_last "Exclude written after include" {
    include function == military_mobility
    exclude tag dual_use
  }
  category half_mobility "Half of mobility" {
    include 50% of function == military_mobility
  }
  category all_mobility "All of mobility, but within half_mobility" within half_mobility {
    include function == military_mobility
  }
  category core_mobility "Mobility within core" within core {
    include function == military_mobility
  }
  category related "Mobility and cyber, after core" {
    include function in [military_mobility, cyber_defence]
    exclude counted in core
  }
  require core_share: core >= 30% of gdp from 2025
}
"#;

#[test]
fn the_rule_for_items_matched_by_several_clauses() {
    let data = dataset("tests/data/eval/tiny");
    let (ws, checked) = check_rules(INLINE, Some(SEVERAL_CLAUSES), &data);
    let outcome = run(&ws, &checked, &data, &[], None);
    several_clauses_totals(&outcome);

    // Which clause decided, item by item (positions: eq, pers, rail, mob,
    // cyber, border).
    let engine = Engine::for_pledge(&checked, 0, &data).expect("one pledge");
    let xta = data.country_index("XTA").unwrap();
    let decided = Decided {
        program: &checked.pledges()[0],
        state: engine.state(xta, 2025),
    };
    the_last_include_decides(&decided);
    parents_and_precedence_decide(&decided);
    the_late_joiner(&outcome);
}

/// The totals of XTA 2025 under the rules of `SEVERAL_CLAUSES`.
fn several_clauses_totals(outcome: &PledgeOutcome) {
    let t = |category: &str| total(outcome, category, "XTA", 2025);

    // XTA 2025: eq 100, pers 200, rail 40 (infrastructure, mobility,
    // dual_use), mob 60, cyber 50 (dual_use), border 30: 480 in all.
    // core = 100 + 200 + 40 = 340.
    assert_total(t("core"), ["340", "0", "0", "0", "140", "480"]);
    // The last matching include decides the weight: 100% → 40 + 60 = 100.
    assert_total(t("last_full"), ["100", "0", "0", "0", "380", "480"]);
    // ... or 50% → 50, and the other 50 is not credited.
    assert_total(t("last_half"), ["50", "0", "50", "0", "380", "480"]);
    // Exclude beats include, wherever it is written: rail (40) and cyber
    // (50) carry dual_use and are excluded; only mob (60) counts.
    assert_total(t("exclude_first"), ["60", "0", "0", "90", "330", "480"]);
    assert_total(t("exclude_last"), ["60", "0", "0", "90", "330", "480"]);
    // A within-category never counts more than its parent: the parent takes
    // 50% of rail and mob (50 in all), so the child's 100% is limited to 50.
    assert_total(t("half_mobility"), ["50", "0", "50", "0", "380", "480"]);
    assert_total(t("all_mobility"), ["50", "0", "50", "0", "380", "480"]);
    // Within core only rail (40) is mobility; mob (60) is outside the parent.
    assert_total(t("core_mobility"), ["40", "0", "0", "0", "440", "480"]);
    // `exclude counted in core` beats related's include: rail is core's, so
    // related counts mob 60 + cyber 50 = 110, although its include matches
    // rail too. Every item core counts (eq, pers, rail: 340) is reported as
    // excluded here; border (30) matches nothing.
    assert_total(t("related"), ["110", "0", "0", "340", "30", "480"]);
}

/// What each category of a program decided for the items of a country-year.
struct Decided<'p> {
    program: &'p Program,
    state: Rc<YearState>,
}

impl Decided<'_> {
    fn decisions(&self, category: &str) -> Vec<DecisionKind> {
        let index = self.program.category_index(category).unwrap();
        self.state
            .category(index)
            .unwrap()
            .decisions
            .iter()
            .map(|&x| decode(x))
            .collect()
    }

    fn weights(&self, category: &str) -> Vec<Decimal> {
        let index = self.program.category_index(category).unwrap();
        (0..self.state.items.len())
            .map(|position| self.state.weight(index, position))
            .collect()
    }
}

/// Among matching includes the last decides; an exclude wins wherever it
/// is written.
fn the_last_include_decides(decided: &Decided<'_>) {
    use DecisionKind::*;
    assert_eq!(
        decided.decisions("last_full"),
        vec![
            Unmatched,
            Unmatched,
            Included(1),
            Included(1),
            Unmatched,
            Unmatched
        ]
    );
    assert_eq!(
        decided.decisions("last_half"),
        vec![
            Unmatched,
            Unmatched,
            Included(1),
            Included(1),
            Unmatched,
            Unmatched
        ]
    );
    assert_eq!(decided.weights("last_half")[2..4], [d("0.5"), d("0.5")]);
    assert_eq!(
        decided.decisions("exclude_first"),
        vec![
            Unmatched,
            Unmatched,
            Excluded(0),
            Included(1),
            Excluded(0),
            Unmatched
        ]
    );
    assert_eq!(
        decided.decisions("exclude_last"),
        vec![
            Unmatched,
            Unmatched,
            Excluded(1),
            Included(0),
            Excluded(1),
            Unmatched
        ]
    );
}

/// A `within` category never counts more than its parent; `exclude counted
/// in` beats an include.
fn parents_and_precedence_decide(decided: &Decided<'_>) {
    use DecisionKind::*;
    assert_eq!(
        decided.decisions("all_mobility"),
        vec![
            NotInParent,
            NotInParent,
            Included(0),
            Included(0),
            NotInParent,
            NotInParent
        ]
    );
    assert_eq!(decided.weights("all_mobility")[2..4], [d("0.5"), d("0.5")]);
    assert_eq!(
        decided.decisions("core_mobility"),
        vec![
            Unmatched,
            Unmatched,
            Included(0),
            NotInParent,
            NotInParent,
            NotInParent
        ]
    );
    let core_index = decided.program.category_index("core").unwrap();
    assert_eq!(
        decided.decisions("related"),
        vec![
            CountedIn(core_index),
            CountedIn(core_index),
            CountedIn(core_index),
            Included(0),
            Included(0),
            Unmatched
        ]
    );
}

/// `core_share` for the late joiner of the tiny dataset, and for XTA.
fn the_late_joiner(outcome: &PledgeOutcome) {
    // The late joiner of the tiny dataset: XTB has data for 2025 but joins in
    // 2026. In 2026: core 12 against 30% × 600 = 180.
    assert_reason(
        result(outcome, "core_share", "XTB", 2025),
        Status::NotApplicable,
        "XTB joined NATO in 2026",
    );
    assert_compared(
        result(outcome, "core_share", "XTB", 2026),
        Status::NotMet,
        "12",
        "180",
        "-168",
    );
    // XTA 2025: 340 against 30% × 1000 = 300; 2026: 374 against 330.
    assert_compared(
        result(outcome, "core_share", "XTA", 2025),
        Status::Met,
        "340",
        "300",
        "40",
    );
    assert_compared(
        result(outcome, "core_share", "XTA", 2026),
        Status::Met,
        "374",
        "330",
        "44",
    );
}

#[test]
fn adding_overlapping_categories_without_precedence_is_an_error() {
    let data = dataset("sample");
    let (ws, checked) = check_rules("tests/data/eval/double-counting.pledge", None, &data);
    let problems = match try_run(&ws, &checked, &data, &[], None) {
        Ok(_) => panic!("the rail-mobility item must not count twice"),
        Err(problems) => problems,
    };
    assert_eq!(problems.len(), 1);
    let problem = &problems[0];
    assert_eq!(problem.code(), "pledge::eval::double_counted");
    assert!(problem.is_error());
    assert_eq!(
        problem.message(),
        "1 item(s) would count twice in `headline` for XNA in 2035: in `core` and in `mobility`"
    );
    let rendered = render_all(&problems, ErrorFormat::Human, false);
    // Names the item and both clauses.
    assert!(rendered.contains("XNA-2035-rail-mobility"), "{rendered}");
    assert!(rendered.contains("`core` counts them here"), "{rendered}");
    assert!(
        rendered.contains("`mobility` counts them here"),
        "{rendered}"
    );
    insta::assert_snapshot!("double_counted", rendered);

    // Before the deadline nothing is added, so nothing is double counted.
    assert!(try_run(&ws, &checked, &data, &[], Some((2024, 2034))).is_ok());
    // Countries without such an item evaluate normally.
    let checked_sets = check::apply_sets(&checked, &[])
        .map_err(pledge::check::set_problems)
        .unwrap();
    let options = Options {
        years: Some((2035, 2035)),
        countries: vec!["XSA".into(), "XEA".into()],
    };
    assert!(eval::evaluate(&checked_sets, &data, &ws.sources, &options).is_ok());
}

/// Every rule file under `rules/`, relative to the package root.
/// Every rule file written for the NATO/sample vocabulary (files that name
/// their own dataset with `meta dataset` are tested on it separately).
fn rule_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["rules", "rules/alternatives"] {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let own_dataset = std::fs::read_to_string(&path)
                .unwrap_or_default()
                .contains("meta dataset");
            if path.extension().is_some_and(|e| e == "pledge") && !own_dataset {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn the_cofog_draft_reconciles_on_cofog_data() {
    let data = dataset("cofog");
    let file = "rules/alternatives/cofog-public-order.pledge";
    let (ws, checked) = check_rules(file, None, &data);
    let outcomes = try_run(&ws, &checked, &data, &[], None).unwrap();
    let mut reconciled = 0;
    for t in outcomes.iter().flat_map(|o| o.totals.iter()) {
        let (Some(counted), Some(input)) = (t.counted, t.input) else {
            continue;
        };
        let parts = counted
            + t.cut_off.unwrap()
            + t.not_credited.unwrap()
            + t.excluded.unwrap()
            + t.unmatched.unwrap();
        assert_eq!(parts, input, "{} {} {}", t.category, t.country, t.year);
        reconciled += 1;
    }
    assert!(reconciled > 100, "{reconciled}");
}

#[test]
fn every_total_of_every_rule_file_reconciles_to_the_input() {
    let data = dataset("sample");
    let files = rule_files();
    assert_eq!(files.len(), 8);
    for file in files {
        let (ws, checked) = check_rules(file.to_str().unwrap(), None, &data);
        let outcomes = match try_run(&ws, &checked, &data, &[], None) {
            Ok(outcomes) => outcomes,
            Err(problems) => panic!(
                "{}: {}",
                file.display(),
                render_all(&problems, ErrorFormat::Human, false)
            ),
        };
        let mut reconciled = 0;
        for outcome in &outcomes {
            // 5 countries × 13 years for every category.
            assert_eq!(
                outcome.totals.len(),
                outcome.categories.len() * 5 * 13,
                "{}",
                file.display()
            );
            for t in &outcome.totals {
                let what = format!(
                    "{}: {} {} {}",
                    file.display(),
                    t.category,
                    t.country,
                    t.year
                );
                let country = data.country_index(&t.country).unwrap();
                let input: Decimal = data.by_country_year[&(country, t.year)]
                    .iter()
                    .map(|&i| data.amount.get(i as usize).unwrap_or_default())
                    .sum();
                assert_eq!(t.input, Some(input), "{what}");
                match t.counted {
                    Some(counted) => {
                        let parts = counted
                            + t.cut_off.unwrap()
                            + t.not_credited.unwrap()
                            + t.excluded.unwrap()
                            + t.unmatched.unwrap();
                        assert_eq!(parts, input, "{what}");
                        reconciled += 1;
                    }
                    // A cap of `x% of gdp` cannot be applied without GDP, so
                    // the capped total is unknown; this happens only for
                    // XWA 2029, whose GDP is empty on purpose.
                    None => {
                        assert_eq!((t.country.as_str(), t.year), ("XWA", 2029), "{what}");
                        assert_eq!(t.category, "related", "{what}");
                    }
                }
            }
        }
        assert!(reconciled > 0);
    }
}

#[test]
fn set_overrides_parameters_for_what_if_runs() {
    let (ws, checked, data) = hague_on_sample();

    // By default the deadline is 2035.
    let base = run(&ws, &checked, &data, &[], None);
    assert_due_later(
        result(&base, "core_floor", "XNA", 2032),
        "due from 2035",
        ("6800", "6580", "220"),
        true,
    );

    // `--set deadline=2032`: due from 2032. XNA 2032 core = 8000 × 17/20 =
    // 6800 against 3.5% × 188000 = 6580.
    let early = run(&ws, &checked, &data, &["deadline=2032"], None);
    // 2031 is not due; XNA would be 40 short (6400 against 3.5% × 184000).
    assert_due_later(
        result(&early, "core_floor", "XNA", 2031),
        "due from 2032",
        ("6400", "6440", "-40"),
        false,
    );
    assert_compared(
        result(&early, "core_floor", "XNA", 2032),
        Status::Met,
        "6800",
        "6580",
        "220",
    );
    // The path now ends in 2032: from then on the point is the target itself.
    // XWA 2032: core 3000 × 17/20 = 2550 against 3.5% × 94000 = 3290.
    assert_compared(
        result(&early, "credible_path", "XWA", 2032),
        Status::NotMet,
        "2550",
        "3290",
        "-740",
    );
    let due_2032 = early
        .summaries
        .iter()
        .find(|s| s.requirement == "core_floor" && s.year == 2032)
        .unwrap();
    assert_eq!(due_2032.not_yet_due, 0);

    // `--set core_floor=3%`: XWA core 3000 against 3% × 100000 = 3000, met.
    let lower = run(&ws, &checked, &data, &["core_floor=3%"], None);
    assert_compared(
        result(&lower, "core_floor", "XWA", 2035),
        Status::Met,
        "3000",
        "3000",
        "0",
    );

    // A year where a share is expected.
    let problems = try_run(&ws, &checked, &data, &["core_floor=2032"], None).unwrap_err();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].code(), "pledge::set::wrong_type");
    assert_eq!(
        problems[0].message(),
        "`core_floor` holds a share (percentage), but `2032` is a plain number"
    );
    let rendered = render_all(&problems, ErrorFormat::Plain, false);
    assert!(
        rendered.contains("write a percentage such as `3%`"),
        "{rendered}"
    );

    // A name the rule file does not have, with a suggestion.
    let problems = try_run(&ws, &checked, &data, &["dedline=2032"], None).unwrap_err();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].code(), "pledge::set::unknown_param");
    assert_eq!(
        problems[0].message(),
        "no pledge in this file has a parameter `dedline`"
    );
    let rendered = render_all(&problems, ErrorFormat::Plain, false);
    assert!(rendered.contains("did you mean `deadline`?"), "{rendered}");

    // No `=` at all.
    let problems = try_run(&ws, &checked, &data, &["deadline"], None).unwrap_err();
    assert_eq!(problems[0].code(), "pledge::set::malformed");
    assert_eq!(
        problems[0].message(),
        "`--set` needs `name=value`, not `deadline`"
    );
}

#[test]
fn dated_parameters_take_the_value_of_the_year() {
    let data = dataset("sample");
    let outcome = eval_text(
        r#"
pledge "Dated" {
  param floor = 2% until 2029 source "first phase", 3% from 2030 source "second phase"
  category core "Core" {
    include nato_category in [equipment, personnel, infrastructure, other]
  }
  require floor: core >= floor of gdp from 2024
}
"#,
        &data,
    );
    // XWA 2028: core 2800 × 13/20 = 1820 against 2% × 86000 = 1720;
    // margin 100 = 100 / 86000 × 100 points.
    let r = result(&outcome, "floor", "XWA", 2028);
    assert_compared(r, Status::Met, "1820", "1720", "100");
    assert_eq!(r.margin_pp, Some(d("100") / d("86000") * hundred()));
    // 2029: no GDP.
    assert_reason(
        result(&outcome, "floor", "XWA", 2029),
        Status::NoData,
        "no `gdp` for XWA in 2029",
    );
    // 2030: 2800 × 15/20 = 2100 against 3% × 90000 = 2700.
    let r = result(&outcome, "floor", "XWA", 2030);
    assert_compared(r, Status::NotMet, "2100", "2700", "-600");
    assert_eq!(r.margin_pp, Some(d("-600") / d("90000") * hundred()));
    // XNA 2029: 7600 × 14/20 = 5320 against 2% × 176000 = 3520;
    // 2030: 7600 × 15/20 = 5700 against 3% × 180000 = 5400.
    assert_compared(
        result(&outcome, "floor", "XNA", 2029),
        Status::Met,
        "5320",
        "3520",
        "1800",
    );
    assert_compared(
        result(&outcome, "floor", "XNA", 2030),
        Status::Met,
        "5700",
        "5400",
        "300",
    );

    // A gap between the dated values: no value for 2029, so no data.
    let outcome = eval_text(
        r#"
pledge "Gap" {
  param floor = 2% until 2028, 3% from 2030
  category core "Core" {
    include nato_category in [equipment, personnel, infrastructure, other]
  }
  require floor: core >= floor of gdp from 2024
}
"#,
        &data,
    );
    assert_reason(
        result(&outcome, "floor", "XNA", 2029),
        Status::NoData,
        "the parameter `floor` has no value for 2029",
    );
    assert_eq!(result(&outcome, "floor", "XNA", 2028).status, Status::Met);
    assert_eq!(result(&outcome, "floor", "XNA", 2030).status, Status::Met);
}

#[test]
fn values_at_other_years() {
    let data = dataset("sample");
    let outcome = eval_text(
        r#"
pledge "Years" {
  category core "Core" {
    include nato_category in [equipment, personnel, infrastructure, other]
  }
  require growth: core >= core at year - 1 from 2024
  require above_2030: core >= core at 2030 from 2024
}
"#,
        &data,
    );
    // XNA 2025: 7600 × 0.5 = 3800 against 2024: 7600 × 0.45 = 3420.
    let r = result(&outcome, "growth", "XNA", 2025);
    assert_compared(r, Status::Met, "3800", "3420", "380");
    assert_eq!(r.margin_pp, Some(d("380") / d("160000") * hundred()));
    // 2024 needs 2023, which the dataset does not have: no data, not zero.
    assert_reason(
        result(&outcome, "growth", "XNA", 2024),
        Status::NoData,
        "no spending line items for XNA in 2023",
    );
    // XNA 2028: 7600 × 13/20 = 4940 against 2030: 7600 × 15/20 = 5700.
    let r = result(&outcome, "above_2030", "XNA", 2028);
    assert_compared(r, Status::NotMet, "4940", "5700", "-760");
    assert_eq!(r.margin_pp, Some(d("-760") / d("172000") * hundred()));
    // XWA 2030 compares with itself (its 2029 GDP does not matter here).
    assert_compared(
        result(&outcome, "above_2030", "XWA", 2030),
        Status::Met,
        "2100",
        "2100",
        "0",
    );
    // growth for XWA 2029 needs only amounts, but the margin in points needs
    // GDP: the outcome is met, without points.
    let r = result(&outcome, "growth", "XWA", 2029);
    assert_compared(r, Status::Met, "1960", "1820", "140");
    assert_eq!(r.margin_pp, None);
}

#[test]
fn alliance_totals_and_counts_of_members() {
    let data = dataset("sample");
    let outcome = eval_text(
        r#"
pledge "Alliance" {
  category core "Core" {
    include nato_category in [equipment, personnel, infrastructure, other]
  }
  require core_floor: core >= 3.5% of gdp from 2035
  require alliance_share: alliance(core) >= 3.5% of alliance(gdp) from 2035
  require majority: count(core_floor) >= 3 from 2030
}
"#,
        &data,
    );
    // core_floor 2035: XNA 7600 / 200000 = 3.8%, XSA 3.7%, XEA 3.5% (exactly),
    // XCA 1480 / 40000 = 3.7% meet it; XWA 2800 / 100000 = 2.8% does not.
    // count = 4, against 3.
    for country in ["XNA", "XSA", "XEA", "XWA", "XCA"] {
        let r = result(&outcome, "majority", country, 2035);
        assert_compared(r, Status::Met, "4", "3", "1");
        assert_eq!(r.unit, "number");
        assert_eq!(r.margin_pp, None);
    }
    // Before the deadline of core_floor nobody meets it: count 0 against 3.
    assert_compared(
        result(&outcome, "majority", "XNA", 2030),
        Status::NotMet,
        "0",
        "3",
        "-3",
    );

    // alliance(core) 2035 = 7600 + 5550 + 1750 + 2800 + 1480 = 19180;
    // alliance(gdp) = 200000 + 150000 + 50000 + 100000 + 40000 = 540000;
    // 3.5% of it = 18900.
    let r = result(&outcome, "alliance_share", "XWA", 2035);
    assert_compared(r, Status::Met, "19180", "18900", "280");
    // The same for every member: it is the alliance's total.
    let r = result(&outcome, "alliance_share", "XNA", 2035);
    assert_eq!((r.value, r.threshold), (Some(d("19180")), Some(d("18900"))));

    // The alliance rows of the report: the same totals over the same GDP.
    let row = outcome
        .alliance
        .iter()
        .find(|a| a.category == "core" && a.year == 2035)
        .unwrap();
    assert_eq!(row.counted, Some(d("19180")));
    assert_eq!(row.share_of_gdp, Some(d("19180") / d("540000")));
    assert_eq!((row.members_with_data, row.members), (5, 5));
    // 2029: XCA is not yet a member, so four members.
    let row = outcome
        .alliance
        .iter()
        .find(|a| a.category == "core" && a.year == 2029)
        .unwrap();
    assert_eq!(row.members, 4);
    // 7600 + 5550 + 1750 + 2800 = 17700, × 14/20 = 12390.
    assert_eq!(row.counted, Some(d("12390")));
}

#[test]
fn on_path_to_is_a_straight_line_in_shares_of_gdp() {
    let (ws, checked, data) = hague_on_sample();
    let outcome = run(&ws, &checked, &data, &[], None);
    // `core on path to core_floor of gdp by deadline from 2025`: the line runs
    // from the core share in 2025 to 3.5% in 2035 (src/eval/requirement.rs,
    // `path_point`), and the point for a year is that share of the year's GDP.
    //
    // XWA 2030: core 2025 = 3000 × 0.5 = 1500, GDP 80000 → 1.875%.
    // progress (2030 - 2025) / (2035 - 2025) = 0.5;
    // share 1.875% + (3.5% - 1.875%) × 0.5 = 2.6875%; × 90000 = 2418.75.
    // Core 2030 = 3000 × 0.75 = 2250: short by 168.75 = 0.1875 points.
    let r = result(&outcome, "credible_path", "XWA", 2030);
    assert_compared(r, Status::NotMet, "2250", "2418.75", "-168.75");
    assert_eq!(r.margin_pp, Some(d("-0.1875")));

    // XNA 2030: 2025 share 4000 / 160000 = 2.5%; 2.5% + 1% × 0.5 = 3%;
    // × 180000 = 5400. Core 2030 = 8000 × 0.75 = 6000.
    assert_compared(
        result(&outcome, "credible_path", "XNA", 2030),
        Status::Met,
        "6000",
        "5400",
        "600",
    );
    // XNA 2027: progress 0.2 → 2.5% + 1% × 0.2 = 2.7%; × 168000 = 4536.
    // Core 2027 = 8000 × 12/20 = 4800.
    assert_compared(
        result(&outcome, "credible_path", "XNA", 2027),
        Status::Met,
        "4800",
        "4536",
        "264",
    );
    // The base year is on the line by definition: XWA 2025, margin 0.
    assert_compared(
        result(&outcome, "credible_path", "XWA", 2025),
        Status::Met,
        "1500",
        "1500",
        "0",
    );
    // At and after the target year the point is the target: XWA 2035
    // 3000 against 3500; 2036 3150 against 3.5% × 102000 = 3570.
    assert_compared(
        result(&outcome, "credible_path", "XWA", 2035),
        Status::NotMet,
        "3000",
        "3500",
        "-500",
    );
    assert_compared(
        result(&outcome, "credible_path", "XWA", 2036),
        Status::NotMet,
        "3150",
        "3570",
        "-420",
    );
    // XCA joins in 2030 but its 2025 figures still set the start of its line:
    // 740 / 32000 = 2.3125%; + (3.5% - 2.3125%) × 0.5 = 2.90625%; × 36000 =
    // 1046.25. Core 2030 = 1480 × 0.75 = 1110.
    assert_compared(
        result(&outcome, "credible_path", "XCA", 2030),
        Status::Met,
        "1110",
        "1046.25",
        "63.75",
    );
    // XWA's empty GDP in 2029 leaves its point unknown.
    assert_eq!(
        result(&outcome, "credible_path", "XWA", 2029).status,
        Status::NoData
    );
}

/// A parent with more clauses than fit in two bytes (16,384 and more): the
/// clause that decides for the equipment item is number 16,400, and a
/// `within` child must still see the parent count it. Tiny dataset, XTA
/// 2025: eq 100, pers 200, so the parent is 300 and the child 100.
#[test]
fn a_within_child_counts_when_the_parent_has_more_than_16384_clauses() {
    let data = dataset("tests/data/eval/tiny");
    let mut text = String::from("pledge \"Many clauses\" {\n  category parent \"Parent\" {\n");
    for _ in 0..16_400 {
        text.push_str("    include nato_category == personnel\n");
    }
    text.push_str("    include nato_category == equipment\n  }\n");
    text.push_str(
        "  category child \"Child\" within parent {\n    include nato_category == equipment\n  }\n",
    );
    text.push_str("  require floor: child >= 5% of parent from 2025\n}\n");
    let outcome = eval_text(&text, &data);
    assert_eq!(
        total(&outcome, "parent", "XTA", 2025).counted,
        Some(d("300"))
    );
    assert_eq!(
        total(&outcome, "child", "XTA", 2025).counted,
        Some(d("100"))
    );
    // 100 against 5% of 300 = 15: met by 85, that is 85 / 300 = 28.33...
    // points of the parent.
    let floor = result(&outcome, "floor", "XTA", 2025);
    assert_eq!(floor.status, Status::Met);
    assert_eq!(floor.margin, Some(d("85")));
    assert_eq!(floor.margin_basis, "parent");
}

/// A value the dataset does not classify (yet) is a warning when checking;
/// it counts nothing, and the results say so: a category whose only
/// `include` names it has no data, and one that also counts other items
/// carries a gap that names the value.
#[test]
fn a_value_the_dataset_does_not_classify_counts_nothing_and_is_a_gap() {
    let data = dataset("sample");
    let outcome = eval_text(
        r#"pledge "New spending" {
  category space { include function == space_defence }
  category broad {
    include nato_category == equipment
    include function == space_defence
  }
  require space_floor: space >= 0.1% of gdp
  require broad_floor: broad >= 0.1% of gdp
}"#,
        &data,
    );
    let space = result(&outcome, "space_floor", "XNA", 2035);
    assert_eq!(space.status, Status::NoData, "{space:?}");
    assert!(
        space
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("`space_defence`")),
        "{space:?}"
    );
    let broad = result(&outcome, "broad_floor", "XNA", 2035);
    assert!(
        matches!(broad.status, Status::Met | Status::NotMet),
        "{broad:?}"
    );
    assert!(
        broad.gaps.iter().any(|gap| gap.contains("`space_defence`")),
        "{:?}",
        broad.gaps
    );
}
