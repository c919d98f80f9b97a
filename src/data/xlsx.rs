//! Datasets whose line items or indicators are Excel workbooks (`.xlsx`).
//! The sheet is read as CSV text, row for row (row 1 of the sheet is line
//! 1 of the text), and then read by the CSV loader, so a workbook gets the
//! same checks and the same diagnostics as a CSV file, located at the
//! workbook, sheet and row.

use std::path::Path;

use calamine::{open_workbook, Data, Reader, Xlsx};

/// A sheet of a workbook, as CSV text.
pub struct Sheet {
    /// `data/x/items.xlsx [sheet line_items]`: the name diagnostics and
    /// traces give the sheet.
    pub name: String,
    pub csv: String,
    /// The bytes of the workbook, for the dataset's hash.
    pub bytes: Vec<u8>,
}

/// Whether a file is read as an Excel workbook.
pub fn is_workbook(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
}

/// The sheet named `wanted` (`line_items`, `indicators`), or the first
/// sheet when the workbook has no sheet of that name.
pub fn read_sheet(path: &Path, wanted: &str) -> Result<Sheet, String> {
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => "there is no such file".to_string(),
        _ => e.to_string(),
    })?;
    let mut workbook: Xlsx<_> =
        open_workbook(path).map_err(|e| format!("it is not an Excel workbook (.xlsx): {e}"))?;
    let names = workbook.sheet_names();
    let sheet = names
        .iter()
        .find(|n| n.as_str() == wanted)
        .or_else(|| names.first())
        .cloned()
        .ok_or_else(|| "the workbook has no sheet".to_string())?;
    let range = workbook
        .worksheet_range(&sheet)
        .map_err(|e| format!("the sheet `{sheet}` cannot be read: {e}"))?;
    let mut csv = String::new();
    if let Some((last_row, last_col)) = range.end() {
        for row in 0..=last_row {
            let cells: Vec<String> = (0..=last_col)
                .map(|col| range.get_value((row, col)).map_or(String::new(), cell_text))
                .collect();
            if cells.iter().all(String::is_empty) {
                // An empty row is an empty line, which the reader skips.
                csv.push('\n');
                continue;
            }
            let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
            writer.write_record(&cells).map_err(|e| e.to_string())?;
            let line = writer.into_inner().map_err(|e| e.to_string())?;
            csv.push_str(&String::from_utf8_lossy(&line));
        }
    }
    Ok(Sheet {
        name: format!("{} [sheet {sheet}]", path.display()),
        csv,
        bytes,
    })
}

/// A cell as the text a CSV file would hold: numbers in their shortest
/// exact form (`0.035`, `1234.5`), booleans as `true`/`false`.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => d.as_f64().to_string(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}
