//! Reading CSV in batches on a read-ahead thread.

// In WebAssembly the rows are read directly: the read-ahead thread is unused.
#![cfg_attr(target_arch = "wasm32", allow(dead_code))]

use std::io::Read;

/// A CSV error in words, at the row (and cell) concerned.
/// Rows of the items file read ahead by the reading thread.
#[derive(Default)]
pub(crate) struct Batch {
    pub(crate) records: Vec<csv::ByteRecord>,
    pub(crate) len: usize,
    pub(crate) error: Option<csv::Error>,
    pub(crate) done: bool,
}

pub(crate) const BATCH_ROWS: usize = 2048;

/// The reading thread: fills empty batches and sends them back full.
pub(crate) fn read_batches<R: Read>(
    mut csv: csv::Reader<R>,
    empty: &std::sync::mpsc::Receiver<Batch>,
    full: &std::sync::mpsc::SyncSender<Batch>,
) {
    while let Ok(mut batch) = empty.recv() {
        batch.len = 0;
        batch.error = None;
        batch.done = false;
        while batch.len < BATCH_ROWS {
            if batch.records.len() <= batch.len {
                batch.records.push(csv::ByteRecord::new());
            }
            let Some(record) = batch.records.get_mut(batch.len) else {
                break;
            };
            match csv.read_byte_record(record) {
                Ok(true) => batch.len += 1,
                Ok(false) => {
                    batch.done = true;
                    break;
                }
                Err(error) => {
                    batch.done = matches!(error.kind(), csv::ErrorKind::Io(_));
                    batch.error = Some(error);
                    break;
                }
            }
        }
        let done = batch.done;
        if full.send(batch).is_err() || done {
            return;
        }
    }
}

/// The rows as the converting loop sees them, in file order, with the
/// reader's errors in their place.
pub(crate) struct Pipelined {
    pub(crate) full: std::sync::mpsc::Receiver<Batch>,
    pub(crate) empty: Option<std::sync::mpsc::SyncSender<Batch>>,
    pub(crate) current: Option<Batch>,
    pub(crate) position: usize,
}

impl Pipelined {
    pub(crate) fn read_byte_record(
        &mut self,
        out: &mut csv::ByteRecord,
    ) -> Result<bool, csv::Error> {
        loop {
            if let Some(batch) = self.current.as_mut() {
                if self.position < batch.len {
                    if let Some(record) = batch.records.get_mut(self.position) {
                        std::mem::swap(out, record);
                    }
                    self.position += 1;
                    return Ok(true);
                }
                if let Some(error) = batch.error.take() {
                    return Err(error);
                }
                if batch.done {
                    return Ok(false);
                }
                if let (Some(batch), Some(empty)) = (self.current.take(), &self.empty) {
                    let _ = empty.send(batch);
                }
            }
            match self.full.recv() {
                Ok(batch) => {
                    self.current = Some(batch);
                    self.position = 0;
                }
                Err(_) => return Ok(false),
            }
        }
    }
}

/// The rows of a CSV file, read ahead on a second thread where there is
/// one, or directly (in a browser, where WebAssembly has no threads).
pub(crate) enum Rows<R: Read> {
    Ahead(Pipelined),
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    Direct(csv::Reader<R>),
}

impl<R: Read> Rows<R> {
    /// Lets the reading thread end: no more batches come back to it.
    pub(crate) fn stop(self) {
        if let Rows::Ahead(mut rows) = self {
            rows.empty = None;
        }
    }

    pub(crate) fn read_byte_record(
        &mut self,
        out: &mut csv::ByteRecord,
    ) -> Result<bool, csv::Error> {
        match self {
            Rows::Ahead(rows) => rows.read_byte_record(out),
            Rows::Direct(reader) => reader.read_byte_record(out),
        }
    }
}

/// Starts the read-ahead thread in `scope`.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn start_reading<'scope, R: Read + Send + 'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    csv: csv::Reader<R>,
) -> Rows<R> {
    let (full_sender, full) = std::sync::mpsc::sync_channel::<Batch>(2);
    let (empty_sender, empty) = std::sync::mpsc::sync_channel::<Batch>(4);
    for _ in 0..3 {
        let _ = empty_sender.send(Batch::default());
    }
    scope.spawn(move || read_batches(csv, &empty, &full_sender));
    Rows::Ahead(Pipelined {
        full,
        empty: Some(empty_sender),
        current: None,
        position: 0,
    })
}

/// WebAssembly in a browser has no threads: read the rows directly.
#[cfg(target_arch = "wasm32")]
pub(crate) fn start_reading<'scope, R: Read + Send + 'scope>(
    _scope: &'scope std::thread::Scope<'scope, '_>,
    csv: csv::Reader<R>,
) -> Rows<R> {
    Rows::Direct(csv)
}
