//! Inline examples for `pledge test`: each example's items and indicators
//! become a small dataset of their own, and each `expect` is evaluated on it.

use miette::Diagnostic;
use rust_decimal::Decimal;
use thiserror::Error;

use crate::data::dataset::{Column, Dataset, NONE};
use crate::data::schema::CountrySpec;
use crate::diagnostics::Problem;
use crate::eval::engine::{compare, Engine};
use crate::eval::outcome::{unit_name, Status};
use crate::eval::requirement;
use crate::program::{
    Checked, Example, ExpectationKind, Literal, RequirementId, TExpr, TExprKind, Type,
};
use crate::source::{Sources, Span};

/// Problems found by `pledge test`.
#[derive(Debug, Error, Diagnostic)]
pub enum TestError {
    #[error("example \"{example}\": expected `{expected}` in {year}, but {actual}")]
    #[diagnostic(code(pledge::test::expectation_failed), help("{help}"))]
    ExpectationFailed {
        example: String,
        expected: String,
        year: i32,
        actual: String,
        help: String,
        #[label("this expectation does not hold")]
        span: Span,
    },
    #[error("example \"{example}\": `{expression}` has no value in {year}: {reason}")]
    #[diagnostic(
        code(pledge::test::no_value),
        help("an example's items and indicators are all the data it has: add the items (and lines such as `indicator gdp = 1000`) that {year} needs, or expect the outcome `no_data` of a requirement instead")
    )]
    NoValue {
        example: String,
        expression: String,
        year: i32,
        reason: String,
        #[label("this cannot be computed from the example's data")]
        span: Span,
    },
    #[error(
        "the outcomes of `{file}` on its dataset changed: {count} line(s) differ from its snapshot"
    )]
    #[diagnostic(
        code(pledge::test::outcome_changed),
        help("the lines that moved are listed below (- in the snapshot, + now). If the change is what you meant, accept it with `pledge test --update`; if not, correct the rule file. The new version is written next to the snapshot as `{pending}`")
    )]
    OutcomeChanged {
        file: String,
        pending: String,
        count: usize,
    },
    #[error("`{file}` has no outcome snapshot yet")]
    #[diagnostic(
        code(pledge::test::new_snapshot),
        help("this is the first test of this file, so there is nothing to compare its outcomes with yet. They were written to `{pending}` in the folder `snapshots`: read it (which requirements each country meets, year by year), and when the outcomes are what the draft should give, keep them as the file's snapshot with `pledge test --update`. From then on, `pledge test` shows every outcome that changes")
    )]
    NewSnapshot { file: String, pending: String },
    #[error("cannot {action} `{path}`: {reason}")]
    #[diagnostic(
        code(pledge::test::snapshot_io),
        help("outcome snapshots live in a folder `snapshots` next to the rule files; check that it can be read and written")
    )]
    SnapshotIo {
        action: &'static str,
        path: String,
        reason: String,
    },
    #[error("no rule files (`.pledge`) in `{path}`")]
    #[diagnostic(
        code(pledge::test::no_rule_files),
        help("give rule files or folders that hold them; without a path, `pledge test` looks in `rules`")
    )]
    NoRuleFiles { path: String },
    #[error("the snapshot `{path}` belongs to no rule file")]
    #[diagnostic(
        code(pledge::test::stale_snapshot),
        help("its rule file was renamed or removed: restore the file, or remove the snapshot with `pledge test --update`")
    )]
    StaleSnapshot { path: String },
}

/// Why an example does not hold: an expectation that fails, or items that
/// would count twice.
#[derive(Debug)]
pub enum ExampleFailure {
    Test(TestError),
    Eval(crate::eval::EvalError),
}

impl ExampleFailure {
    /// The failure as a rendered report over the rule files' texts.
    pub fn into_problem(self, sources: &Sources) -> Problem {
        match self {
            ExampleFailure::Test(error) => match test_error_file(&error) {
                Some(file) => Problem::new(error, sources, file),
                None => Problem::bare(error),
            },
            ExampleFailure::Eval(error) => error.into_problem(sources),
        }
    }
}

/// The file an example's failure points into.
fn test_error_file(error: &TestError) -> Option<crate::source::FileId> {
    match error {
        TestError::ExpectationFailed { span, .. } | TestError::NoValue { span, .. } => {
            Some(span.file)
        }
        _ => None,
    }
}

/// Runs one example; returns one failure per expectation that does not hold.
pub fn run_example(
    checked: &Checked,
    pledge: usize,
    example: &Example,
    file_data: &Dataset,
    sources: &Sources,
    file_name: &str,
) -> Vec<ExampleFailure> {
    let data = example_dataset(file_data, example, sources, file_name);
    let Some(engine) = Engine::for_pledge(checked, pledge, &data) else {
        return Vec::new();
    };
    let program = engine.program;
    let country: u16 = 0;
    // The example's items must not count twice, as in `pledge eval`.
    let mut double = crate::eval::DoubleCounting::default();
    let years: std::collections::BTreeSet<i32> = example.rows.iter().map(|r| r.year).collect();
    for (index, _) in program.requirements_by_id() {
        for &year in &years {
            let evaluated = requirement::evaluate(&engine, index, country, year);
            if matches!(evaluated.status, Status::Met | Status::NotMet) {
                double.look(&engine, index, country, year);
            }
        }
    }
    let mut failures: Vec<ExampleFailure> = double
        .errors(&engine, sources)
        .into_iter()
        .map(ExampleFailure::Eval)
        .collect();
    for expectation in &example.expectations {
        let year = expectation.year;
        let error = match &expectation.kind {
            ExpectationKind::Status {
                requirement: index,
                status,
            } => match status_failure(&engine, example, expectation, *index, status) {
                Some(error) => error,
                None => continue,
            },
            ExpectationKind::Compare { left, op, right } => {
                let values = [left, right].map(|side| (side, engine.eval(side, country, year)));
                if let Some((side, Err(missing))) = values.iter().find(|(_, v)| v.is_err()) {
                    failures.push(ExampleFailure::Test(TestError::NoValue {
                        example: example.name.clone(),
                        expression: side_text(sources, side),
                        year,
                        reason: missing.reason.clone(),
                        span: expectation.span,
                    }));
                    continue;
                }
                let [(_, Ok(l)), (_, Ok(r))] = &values else {
                    continue;
                };
                if compare(*l, *op, *r) {
                    continue;
                }
                let shown: Vec<String> = values
                    .iter()
                    .filter(|(side, _)| !matches!(side.kind, TExprKind::Const(_)))
                    .filter_map(|(side, value)| {
                        let value = value.as_ref().ok()?;
                        Some(format!(
                            "`{}` is {}",
                            side_text(sources, side),
                            exact(*value, unit_name(side.ty))
                        ))
                    })
                    .collect();
                let actual = if shown.is_empty() {
                    format!("{} {} {} is false", l, op.symbol(), r)
                } else {
                    shown.join(" and ")
                };
                TestError::ExpectationFailed {
                    example: example.name.clone(),
                    expected: expectation.text.clone(),
                    year,
                    actual,
                    help: format!(
                        "add up by hand the example's items for {year} that each category takes (with `of` weights, `exclude` clauses and caps), then correct the rule or the expectation"
                    ),
                    span: expectation.span,
                }
            }
        };
        failures.push(ExampleFailure::Test(error));
    }
    failures
}

/// The failure of an expected outcome (`expect core_floor met in 2030`), or
/// `None` when it holds.
fn status_failure(
    engine: &Engine<'_>,
    example: &Example,
    expectation: &crate::program::Expectation,
    index: RequirementId,
    status: &str,
) -> Option<TestError> {
    let country: u16 = 0;
    let year = expectation.year;
    let program = engine.program;
    let evaluated = requirement::evaluate(engine, index, country, year);
    let actual = evaluated.status.word();
    if actual == status {
        return None;
    }
    let mut described = format!("the outcome is `{actual}`");
    match (evaluated.value, evaluated.threshold) {
        (Some(value), Some(threshold)) => described.push_str(&format!(
            ": the value is {} and the threshold {}",
            exact(value, evaluated.unit),
            exact(threshold, evaluated.unit)
        )),
        _ => {
            if let Some(reason) = &evaluated.reason {
                described.push_str(&format!(" ({reason})"));
            }
        }
    }
    let id = program
        .requirement(index)
        .map_or(String::new(), |r| r.id.clone());
    let rule = if evaluated.rule.is_empty() {
        String::new()
    } else {
        format!(" (`{}`)", evaluated.rule)
    };
    Some(TestError::ExpectationFailed {
        example: example.name.clone(),
        expected: expectation.text.clone(),
        year,
        actual: described,
        help: format!(
            "work out by hand what the example's items and indicators for {year} give under `{id}`{rule}, then correct the rule or the expectation"
        ),
        span: expectation.span,
    })
}

/// The text of one side of an `expect` as written in the rule file.
pub(crate) fn side_text(sources: &Sources, expr: &TExpr) -> String {
    let text = sources.slice(expr.span).trim();
    if text.is_empty() {
        match expr.kind {
            TExprKind::Const(value) => value.normalize().to_string(),
            _ => "the expression".to_string(),
        }
    } else {
        text.to_string()
    }
}

/// A value exactly as computed, in its unit: shares as percentages.
pub(crate) fn exact(value: Decimal, unit: &str) -> String {
    if unit == unit_name(Type::Ratio) {
        crate::check::describe_value(value, crate::program::Type::Ratio)
    } else {
        value.normalize().to_string()
    }
}

/// The items and indicators of an example as a dataset with one member, the
/// example's country, with the fields, tags and data series of the file's
/// dataset. Each item points at its line in the rule file.
pub fn example_dataset(
    file_data: &Dataset,
    example: &Example,
    sources: &Sources,
    file_name: &str,
) -> Dataset {
    let mut manifest = file_data.manifest.clone();
    // An example's items are all it has: what the real dataset does not
    // publish is simply absent here.
    manifest.unpublished_tags = None;
    for field in &mut manifest.fields {
        field.unpublished = None;
        field.by_value = false;
    }
    let name = manifest
        .country(&example.country)
        .map_or_else(|| example.country.clone(), |c| c.name.clone());
    manifest.name = format!("example \"{}\"", example.name);
    manifest.countries = vec![CountrySpec {
        code: example.country.clone(),
        name,
        member_from: Some(0),
        no_expenditure: None,
    }];
    let mut data = Dataset::new(manifest, file_name.to_string(), file_name.to_string());
    let fields: Vec<String> = data
        .manifest
        .fields
        .iter()
        .map(|f| f.name.clone())
        .collect();
    for row in &example.rows {
        for (index, field) in fields.iter().enumerate() {
            let value = row
                .fields
                .iter()
                .rev()
                .find(|(name, _)| name == field)
                .map(|(_, value)| value);
            let symbol = match (data.columns.get(index), value) {
                (Some(Column::Text(_)), Some(value)) => data.intern(&value.to_string()),
                _ => NONE,
            };
            match data.columns.get_mut(index) {
                Some(Column::Text(values)) => values.push(symbol),
                Some(Column::Number(values)) => values.push(match value {
                    Some(Literal::Number(n)) => Some(*n),
                    _ => None,
                }),
                Some(Column::Bool(values)) => values.push(match value {
                    Some(Literal::Bool(b)) => Some(*b),
                    _ => None,
                }),
                None => {}
            }
        }
        let tags = row
            .tags
            .iter()
            .filter_map(|tag| data.tag_bit(tag))
            .fold(0u64, |bits, bit| bits | bit);
        let (line, _) = sources.line_col(row.span);
        data.country.push(0);
        data.year.push(row.year);
        data.amount.push(row.amount);
        data.line.push(u32::try_from(line).unwrap_or(u32::MAX));
        data.tags.push(tags);
        data.push_id(b"");
    }
    let series: Vec<String> = data
        .manifest
        .indicator_series
        .iter()
        .map(|s| s.name.clone())
        .collect();
    for (year, name, value) in &example.indicators {
        let Some(slot) = series.iter().position(|s| s == name) else {
            continue;
        };
        let values = data
            .indicators
            .entry((0, *year))
            .or_insert_with(|| vec![None; series.len()]);
        if let Some(cell) = values.get_mut(slot) {
            *cell = Some(*value);
        }
    }
    data.index();
    data
}
