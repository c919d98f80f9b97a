//! `pledge check`: check rule files and report every problem found.

use std::path::PathBuf;
use std::process::ExitCode;

use super::*;
use crate::check;
use crate::diagnostics::summary;

pub fn run(files: &[PathBuf], data: Option<&str>, out: &mut Output) -> ExitCode {
    let dataset = match data {
        Some(name) => match load_data(Some(name), None) {
            Ok(d) => Some(d),
            Err(problems) => {
                out.problems(&problems);
                return ExitCode::from(1);
            }
        },
        None => None,
    };
    let mut errors = 0;
    let mut warnings = 0;
    for file in files {
        let workspace = match load_rules(file).map_err(crate::workspace::LoadFailure::into_problems)
        {
            Ok(w) => w,
            Err(problems) => {
                let (e, w) = summary(&problems);
                errors += e;
                warnings += w;
                out.problems(&problems);
                continue;
            }
        };
        let owned;
        let schema = match &dataset {
            Some(d) => Some(&d.manifest),
            None => match dataset_outside(&workspace)
                .map_or_else(|| load_data(None, Some(&workspace)), |p| Err(vec![p]))
            {
                Ok(d) => {
                    owned = d;
                    Some(&owned.manifest)
                }
                Err(problems) => {
                    out.problems(&problems);
                    errors += problems.len();
                    continue;
                }
            },
        };
        let (_, problems) = check::check(&workspace, schema).into_problems(&workspace.sources);
        let (e, w) = summary(&problems);
        errors += e;
        warnings += w;
        out.problems(&problems);
    }
    out.stderr.push_str(&format!(
        "checked {} file(s): {errors} error(s), {warnings} warning(s)\n",
        files.len()
    ));
    if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
