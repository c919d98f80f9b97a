//! `pledge compare`: the command-line arguments, the drafts' preparation
//! and evaluation, and the output.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::ExitCode;

use super::{prepare_shared, year_range, DataArgs, Output, Selection};
use crate::analysis::compare::{compare, compared_outcome, draft_data};
use crate::analysis::Prepared;
use crate::check;
use crate::diagnostics::Problem;
use crate::eval::{self, Options};
use crate::report::compare::{csv, render, render_full};
use crate::report::Format;

#[derive(Debug, Clone, clap::Args)]
pub struct CompareArgs {
    /// Two or more rule files: the first is the reference (A), the others B, C, ...
    #[arg(required = true, num_args = 2.., value_name = "DRAFT")]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub selection: Selection,
    /// Explain, for this ally, why its outcomes differ between the drafts.
    #[arg(long, value_name = "COUNTRY")]
    pub why: Option<String>,
    /// Run draft N (counting from 1) on another dataset, such as
    /// `--draft-data 2:nato-2025` to compare a text on NATO's 2024 and 2025
    /// editions. Without it, `--data` applies to every draft, else each draft
    /// runs on its own `meta dataset`.
    #[arg(long = "draft-data", value_name = "N:DATASET")]
    pub draft_data: Vec<String>,
    /// Show every ally and year: the flips one by one, every ally's outcome
    /// under every draft, every changed category total.
    #[arg(long)]
    pub full: bool,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// `pledge compare DRAFT DRAFT...`.
pub fn run(args: &CompareArgs, out: &mut Output) -> ExitCode {
    // Every draft runs on `--draft-data`, else `--data`, else its own
    // `meta dataset`.
    let own_data = match draft_data(&args.draft_data, args.files.len()) {
        Ok(d) => d,
        Err(error) => {
            out.problems(&[Problem::bare(error)]);
            return ExitCode::from(1);
        }
    };
    let mut prepared: Vec<Prepared> = Vec::new();
    let mut used_sets: BTreeSet<String> = BTreeSet::new();
    let mut loaded = Vec::new();
    for (index, file) in args.files.iter().enumerate() {
        let plain = DataArgs {
            data: own_data
                .get(&index)
                .cloned()
                .or_else(|| args.data.data.clone()),
            sets: Vec::new(),
        };
        let Some(mut draft) = prepare_shared(file, &plain, out, &mut loaded) else {
            return ExitCode::from(1);
        };
        let params: Vec<String> = draft
            .checked
            .pledges()
            .iter()
            .flat_map(|p| p.params.iter().map(|q| q.name.clone()))
            .collect();
        let (mine, used) = sets_for(&args.data.sets, index, &params);
        used_sets.extend(used);
        if !mine.is_empty() {
            match check::apply_sets(&draft.checked, &mine).map_err(crate::check::set_problems) {
                Ok(checked) => draft.checked = checked,
                Err(problems) => {
                    out.problems(&problems);
                    return ExitCode::from(1);
                }
            }
            draft.stamp = draft.stamp.with_sets(&mine);
        }
        prepared.push(draft);
    }
    let unused: Vec<String> = args
        .data
        .sets
        .iter()
        .filter(|s| !used_sets.contains(*s))
        .cloned()
        .collect();
    if !unused.is_empty() {
        // Reuse the `--set` diagnostics for a name no draft has.
        if let Some(first) = prepared.first() {
            if let Err(problems) =
                check::apply_sets(&first.checked, &unused).map_err(crate::check::set_problems)
            {
                out.problems(&problems);
                return ExitCode::from(1);
            }
        }
    }
    let years = match year_range(&args.selection) {
        Ok(y) => y,
        Err(problem) => {
            out.problems(&[problem]);
            return ExitCode::from(1);
        }
    };
    let options = Options {
        years: None,
        countries: args.selection.countries.clone(),
    };
    // Evaluate every year of the data (or the chosen range), then choose
    // which years to show.
    let options = Options { years, ..options };
    let Some(outcomes) = evaluate_drafts(&prepared, &options, out) else {
        return ExitCode::from(1);
    };
    let Ok(why) = why_country(args.why.as_deref(), &prepared, out) else {
        return ExitCode::from(1);
    };
    let comparison = compare(
        &prepared,
        &args.files,
        &outcomes,
        years.is_some(),
        why.as_deref(),
    );
    match args.format {
        Format::Table | Format::Markdown => {
            let markdown = args.format == Format::Markdown;
            out.stdout.push_str(&if args.full {
                render_full(&comparison, markdown)
            } else {
                render(&comparison, markdown)
            });
        }
        Format::Json | Format::Xlsx => {
            out.stdout.push_str(&crate::report::json_text(&comparison));
        }
        Format::Csv => out.stdout.push_str(&csv(&comparison)),
    }
    ExitCode::SUCCESS
}

/// The first pledge of every draft, evaluated on its own data; `None` after
/// printing the problems.
fn evaluate_drafts(
    prepared: &[Prepared],
    options: &Options,
    out: &mut Output,
) -> Option<Vec<crate::eval::outcome::PledgeOutcome>> {
    let mut outcomes = Vec::new();
    for draft in prepared {
        match eval::evaluate(
            &draft.checked,
            &draft.dataset,
            &draft.workspace.sources,
            options,
        ) {
            Ok(o) => match compared_outcome(o, draft) {
                Ok(outcome) => outcomes.push(outcome),
                Err(error) => {
                    out.problems(&[Problem::bare(error)]);
                    return None;
                }
            },
            Err(errors) => {
                out.problems(&eval::into_problems(errors, &draft.workspace.sources));
                return None;
            }
        }
    }
    Some(outcomes)
}

/// The ally `--why` asks about, as a code of the data; `Err` after printing
/// why it cannot be explained.
fn why_country(
    why: Option<&str>,
    prepared: &[Prepared],
    out: &mut Output,
) -> Result<Option<String>, ()> {
    Ok(match why {
        Some(code) => {
            let code = code.trim().to_uppercase();
            // Known to the data of at least one draft.
            if prepared
                .iter()
                .all(|p| p.dataset.country_index(&code).is_none())
            {
                let data = prepared.first().map(|p| &p.dataset);
                if let Some(data) = data {
                    out.problems(&[Problem::bare(eval::unknown_country(data, &code))]);
                }
                return Err(());
            }
            Some(code)
        }
        None => None,
    })
}

/// Splits `--set` values: `N:name=value` applies to draft N (1-based) only.
fn sets_for(
    sets: &[String],
    draft: usize,
    program_params: &[String],
) -> (Vec<String>, Vec<String>) {
    let mut mine = Vec::new();
    let mut used = Vec::new();
    for set in sets {
        let (target, rest) = match set.split_once(':') {
            Some((n, rest)) if n.trim().parse::<usize>().is_ok() => {
                (n.trim().parse::<usize>().ok(), rest.to_string())
            }
            _ => (None, set.clone()),
        };
        let name = rest
            .split_once('=')
            .map_or(rest.as_str(), |(n, _)| n)
            .trim()
            .to_string();
        match target {
            Some(n) if n == draft + 1 => {
                mine.push(rest.clone());
                used.push(set.clone());
            }
            Some(_) => {}
            None => {
                if program_params.contains(&name) {
                    mine.push(rest.clone());
                    used.push(set.clone());
                }
            }
        }
    }
    (mine, used)
}
