//! `-o FILE` and `--format xlsx`: runs a command and writes its output to a
//! file (the report page, an Excel workbook, or the printed output).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::{data_choice, load_data, read, run, Command, Output};
use crate::report::Format;

/// Runs a command and writes its output to `output` when given: the report
/// page, an Excel workbook (`--format xlsx`), or the printed output.
pub fn run_to(command: Command, output: Option<&Path>, out: &mut Output) -> ExitCode {
    use crate::report::xlsx::{Kind, RulesText};
    let (format, kind, files, data) = match &command {
        Command::Eval {
            format, file, data, ..
        } => (
            Some(*format),
            Kind::Eval,
            vec![file.clone()],
            data.data.clone(),
        ),
        Command::Compare(a) => (
            Some(a.format),
            Kind::Compare,
            a.files.clone(),
            a.data.data.clone(),
        ),
        Command::Sweep(a) => (
            Some(a.format),
            Kind::Sweep,
            vec![a.file.clone()],
            a.data.data.clone(),
        ),
        Command::Distance(a) => (
            Some(a.format),
            Kind::Distance,
            vec![a.file.clone()],
            a.data.data.clone(),
        ),
        Command::Report(args) => return super::report::run(args, output, out),
        Command::Explain { .. } => (None, Kind::Eval, Vec::new(), None),
        _ => {
            if output.is_some() {
                out.stderr.push_str(
                    "error: `-o FILE` is for report, eval, compare, sweep, distance and explain\n",
                );
                return ExitCode::from(2);
            }
            return run(command, out);
        }
    };
    if format == Some(Format::Xlsx) {
        let Some(path) = output else {
            out.stderr.push_str("error: `--format xlsx` writes an Excel workbook: name the file with `-o FILE`, such as `-o outcomes.xlsx`\n");
            return ExitCode::from(2);
        };
        let command = with_format(command, Format::Json);
        let code = run(command, out);
        let json = std::mem::take(&mut out.stdout);
        if code != ExitCode::SUCCESS {
            return code;
        }
        let rules: Vec<RulesText> = files
            .iter()
            .map(|f| RulesText {
                path: f.display().to_string(),
                text: read(f).unwrap_or_default(),
            })
            .collect();
        let names = country_names(files.first(), data.as_deref());
        return match crate::report::xlsx::write(kind, &json, &rules, &names, path) {
            Ok(()) => {
                out.stderr
                    .push_str(&format!("workbook written to {}\n", path.display()));
                ExitCode::SUCCESS
            }
            Err(e) => super::write_failed(out, path, &e),
        };
    }
    let code = run(command, out);
    if let Some(path) = output {
        let text = std::mem::take(&mut out.stdout);
        if let Err(e) = std::fs::write(path, text) {
            return super::write_failed(out, path, &e);
        }
        out.stderr
            .push_str(&format!("written to {}\n", path.display()));
    }
    code
}

/// The country names of the dataset a command runs on (for the workbook).
fn country_names(file: Option<&PathBuf>, data: Option<&str>) -> crate::report::xlsx::Names {
    let workspace = file.and_then(|f| super::load_rules(f).ok());
    let choice = data_choice(data, workspace.as_ref());
    load_data(Some(&choice), None)
        .map(|d| {
            d.manifest
                .countries
                .iter()
                .map(|c| (c.code.clone(), c.name.clone()))
                .collect()
        })
        .unwrap_or_default()
}

fn with_format(command: Command, new: Format) -> Command {
    match command {
        Command::Eval {
            file,
            data,
            selection,
            ..
        } => Command::Eval {
            file,
            data,
            selection,
            format: new,
        },
        Command::Compare(mut a) => {
            a.format = new;
            Command::Compare(a)
        }
        Command::Sweep(mut a) => {
            a.format = new;
            Command::Sweep(a)
        }
        Command::Distance(mut a) => {
            a.format = new;
            Command::Distance(a)
        }
        other => other,
    }
}
