//! CSV line items: the file split into records (`csv_split`), each record
//! read by the shared row loop (`items`).

use std::io::Read;

use super::csv_split::{Record, Splitter};
use super::dataset::Dataset;
use super::items::*;

use super::{errors::*, load::*};

/// The line of a CSV row, kept for traces.
pub(crate) fn csv_line(place: Place) -> u32 {
    u32::try_from(place.line).unwrap_or(u32::MAX)
}

/// Reads the line items of a CSV stream into the dataset's columns, or
/// returns every problem found (located by `locate_all`). `expected_bytes`
/// (the file's size, 0 when unknown) sizes the columns once.
pub(crate) fn read_items<R: Read>(
    dataset: &mut Dataset,
    reader: R,
    expected_bytes: u64,
    locate_all: Locator<'_>,
    item_line: &dyn Fn(Place) -> u32,
) -> Result<(), Vec<DataProblem>> {
    let mut rows = Splitter::new(reader);
    let headers: Vec<String> = match rows.next_record() {
        Ok(Some(record)) => record
            .iter()
            .map(|h| String::from_utf8_lossy(h).trim().to_string())
            .collect(),
        Ok(None) => Vec::new(),
        Err(e) => return Err(locate_all(vec![io_problem(&e, Place::HEADER)])),
    };
    let layout = Layout::of(dataset, &headers).map_err(locate_all)?;
    let mut items = ItemReader::new(dataset, &layout, item_line);
    let mut sized = false;
    while items.pending.len() <= MAX_PROBLEMS {
        let record = match rows.next_record() {
            Ok(Some(record)) => record,
            Ok(None) => break,
            Err(e) => {
                items.pending.push(io_problem(&e, rows.place()));
                break;
            }
        };
        if record.len() == layout.width {
            items.row(&CsvCells::of(record));
        } else {
            items
                .pending
                .push(unequal_cells(record.place, record.len(), layout.width));
        }
        if !sized && items.index == 4096 {
            sized = true;
            items.reserve(expected_bytes, rows.bytes_read());
        }
    }
    items.finish(locate_all)
}

/// A CSV record as the row loop reads it.
struct CsvCells<'a> {
    record: Record<'a>,
}

impl CsvCells<'_> {
    fn of(record: Record<'_>) -> CsvCells<'_> {
        CsvCells { record }
    }
}

impl Cells for CsvCells<'_> {
    fn place(&self) -> Place {
        self.record.place
    }

    #[inline]
    fn cell(&self, index: usize) -> &[u8] {
        self.record.get(index).unwrap_or_default()
    }
}
