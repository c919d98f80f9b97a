//! `pledge eval`: evaluate a pledge on spending data.

use std::path::Path;
use std::process::ExitCode;

use super::*;
use crate::eval::{self, Options};
use crate::report::{self, Format, Style};

pub fn run(
    file: &Path,
    args: &DataArgs,
    selection: &Selection,
    format: Format,
    out: &mut Output,
) -> ExitCode {
    let Some(prepared) = prepare(file, args, out) else {
        return ExitCode::from(1);
    };
    let years = match year_range(selection) {
        Ok(y) => y,
        Err(problem) => {
            out.problems(&[problem]);
            return ExitCode::from(1);
        }
    };
    let options = Options {
        years,
        countries: selection.countries.clone(),
    };
    let outcomes = match eval::evaluate(
        &prepared.checked,
        &prepared.dataset,
        &prepared.workspace.sources,
        &options,
    ) {
        Ok(o) => o,
        Err(errors) => {
            out.problems(&eval::into_problems(errors, &prepared.workspace.sources));
            return ExitCode::from(1);
        }
    };
    let rules = file.display().to_string();
    match format {
        Format::Table | Format::Markdown => {
            let style = Style {
                colour: format == Format::Table && super::colour_on(&std::io::stdout()),
            };
            for outcome in &outcomes {
                out.stdout.push_str(&report::table(
                    outcome,
                    &prepared.dataset,
                    style,
                    format == Format::Markdown,
                ));
            }
            out.stdout
                .push_str(&format!("\n{}\n", prepared.stamp.line()));
        }
        Format::Json | Format::Xlsx => out.stdout.push_str(&report::json(
            &rules,
            &outcomes,
            &prepared.dataset,
            &prepared.stamp,
        )),
        Format::Csv => out
            .stdout
            .push_str(&report::csv(&outcomes, &prepared.stamp)),
    }
    ExitCode::SUCCESS
}
