//! `pledge explain`: how each number for one country and year was derived.

use std::path::Path;
use std::process::ExitCode;

use super::*;
use crate::check;
use crate::diagnostics::Problem;
use crate::eval::{self, EvalError};

#[allow(clippy::too_many_arguments)]
pub fn run(
    file: &Path,
    args: &DataArgs,
    country: &str,
    year: i32,
    requirement: Option<&str>,
    format: ExplainFormat,
    out: &mut Output,
) -> ExitCode {
    if !(1..=9999).contains(&year) {
        out.problems(&[Problem::bare(EvalError::BadYears {
            text: year.to_string(),
        })]);
        return ExitCode::from(1);
    }
    let Some(prepared) = prepare(file, args, out) else {
        return ExitCode::from(1);
    };
    let Some(country_index) = prepared.dataset.find_country(country) else {
        out.problems(&[Problem::bare(eval::unknown_country(
            &prepared.dataset,
            country,
        ))]);
        return ExitCode::from(1);
    };
    let country_code = prepared.dataset.country_code(country_index).to_string();
    let mut nodes = Vec::new();
    let mut found = requirement.is_none();
    for (pledge_index, program) in prepared.checked.pledges().iter().enumerate() {
        let Some(engine) =
            eval::engine::Engine::for_pledge(&prepared.checked, pledge_index, &prepared.dataset)
        else {
            continue;
        };
        let explainer = crate::analysis::explain::Explainer {
            engine: &engine,
            sources: &prepared.workspace.sources,
        };
        for (index, req) in program.requirements_by_id() {
            if requirement.is_some_and(|r| r != req.id) {
                continue;
            }
            found = true;
            if let Some(mut node) = explainer.requirement(index, country_index, year) {
                if prepared.checked.pledges().len() > 1 {
                    node.label = format!("{}: {}", program.name, node.label);
                }
                nodes.push(node);
            }
        }
    }
    if !found {
        let names: Vec<String> = prepared
            .checked
            .pledges()
            .iter()
            .flat_map(|p| p.requirements.iter().map(|r| r.id.clone()))
            .collect();
        let wanted = requirement.unwrap_or_default();
        out.problems(&[Problem::bare(EvalError::UnknownRequirement {
            name: wanted.to_string(),
            help: check_help(wanted, &names),
        })]);
        return ExitCode::from(1);
    }
    match format {
        ExplainFormat::Text => {
            out.stdout
                .push_str(&crate::analysis::explain::render(&nodes));
            out.stdout.push_str(&format!("{}\n", prepared.stamp.line()));
        }
        ExplainFormat::Json => {
            let document = serde_json::json!({
                "rules": file.display().to_string(),
                "country": country_code,
                "year": year,
                "stamp": prepared.stamp,
                "requirements": nodes,
            });
            out.stdout.push_str(&crate::report::json_text(&document));
        }
    }
    ExitCode::SUCCESS
}

fn check_help(name: &str, names: &[String]) -> String {
    check::unknown_help(
        name,
        names,
        "`--requirement` takes a requirement id of the rule file",
    )
}
