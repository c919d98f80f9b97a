//! What both targets share: the whole pipeline on one rule file and one
//! dataset (parse, format, load, check, evaluate, render the diagnostics).

use std::path::Path;

use pledge::data::Dataset;

pub fn exercise(text: &str, data: &Dataset) {
    if let Ok(parsed) = pledge::parse::parse(text, pledge::source::FileId(0)) {
        let formatted = pledge::print::format(&parsed, text);
        let _ = pledge::parse::parse(&formatted, pledge::source::FileId(0));
    }
    let path = Path::new("fuzz/input.pledge");
    let reader = |p: &Path| {
        if p == path {
            Ok(text.to_string())
        } else {
            Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no such file",
            ))
        }
    };
    match pledge::workspace::load(path, &reader) {
        Ok(workspace) => {
            let (checked, problems) = pledge::check::check(&workspace, Some(&data.manifest))
                .into_problems(&workspace.sources);
            for problem in &problems {
                let _ = problem.render(pledge::diagnostics::ErrorFormat::Human, false);
            }
            if let Some(checked) = checked {
                // Every year of the dataset, as `pledge eval` without
                // `--years` (a range from its first to its last year could
                // span thousands of years that the command line refuses).
                let options = pledge::eval::Options::default();
                if let Err(errors) =
                    pledge::eval::evaluate(&checked, data, &workspace.sources, &options)
                {
                    for problem in &pledge::eval::into_problems(errors, &workspace.sources) {
                        let _ = problem.render(pledge::diagnostics::ErrorFormat::Human, false);
                    }
                }
            }
        }
        Err(failure) => {
            for problem in &failure.into_problems() {
                let _ = problem.render(pledge::diagnostics::ErrorFormat::Human, false);
            }
        }
    }
}

/// The bundled sample dataset (the `rules` target's data).
#[allow(dead_code)]
pub fn sample() -> Option<Dataset> {
    pledge::data::load(&pledge::data::bundled::source("sample")?).ok()
}
