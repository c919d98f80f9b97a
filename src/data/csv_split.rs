//! The items CSV split into records at the byte level, in one pass over
//! blocks of the file.
//!
//! The syntax is the CSV of RFC 4180 as the `csv` crate reads it: cells
//! separated by `,`; a record ends at `\n`, `\r\n` or a lone `\r`; blank
//! lines are skipped; a cell that starts with `"` is quoted, may hold commas
//! and line breaks, and writes a `"` as `""`; after the closing quote the
//! rest of the cell is taken as written; a UTF-8 byte-order mark at the
//! start of the file is dropped. A line without any `"` or lone `\r` (nearly
//! every line of a real file) is split with a scan for commas; the others go
//! through the full state machine.
//!
//! Each record carries its place: the line it starts on (counting `\n`, as
//! an editor shows lines) and its number (0 for the header).

use std::io::Read;

use super::errors::Place;

/// How much of the file is read at a time.
const BLOCK: usize = 1 << 20;
/// A record longer than this is refused rather than held in memory.
pub(crate) const MAX_RECORD_BYTES: usize = 64 << 20;

/// One record: its cells and where it starts.
pub(crate) struct Record<'a> {
    data: &'a [u8],
    cells: &'a [(usize, usize)],
    pub(crate) place: Place,
}

impl<'a> Record<'a> {
    /// The number of cells.
    pub(crate) fn len(&self) -> usize {
        self.cells.len()
    }

    /// The bytes of cell `index`, quotes removed.
    pub(crate) fn get(&self, index: usize) -> Option<&'a [u8]> {
        let &(start, end) = self.cells.get(index)?;
        self.data.get(start..end)
    }

    /// Every cell, in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }
}

/// The bytes that end a cell or need the state machine.
// The index runs over 0..256, the table's length.
#[allow(clippy::indexing_slicing)]
const SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = matches!(byte as u8, b',' | b'\n' | b'\r' | b'"');
        byte += 1;
    }
    table
};

/// The high bit of each byte of `word` that is `,`, `\n`, `\r` or `"`
/// (exactly those: no borrow runs from one byte into the next).
#[inline]
fn special_bytes(word: u64) -> u64 {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    const ONES: u64 = 0x0101_0101_0101_0101;
    let zero_bytes = |x: u64| !(((x & LOW7) + LOW7) | x | LOW7);
    zero_bytes(word ^ (ONES * u64::from(b',')))
        | zero_bytes(word ^ (ONES * u64::from(b'\n')))
        | zero_bytes(word ^ (ONES * u64::from(b'\r')))
        | zero_bytes(word ^ (ONES * u64::from(b'"')))
}

/// The special byte at `rest[i]` of a plain line: a comma ends a cell
/// (`None`: go on); a line break ends the record; a quote or a lone
/// `\r` needs the state machine.
#[inline]
fn special(
    cells: &mut Vec<(usize, usize)>,
    rest: &[u8],
    i: usize,
    start: usize,
    cell_start: &mut usize,
) -> Option<Plain> {
    let at = start + i;
    match rest.get(i).copied()? {
        b',' => {
            cells.push((*cell_start, at));
            *cell_start = at + 1;
            None
        }
        b'\n' => {
            cells.push((*cell_start, at));
            Some(Plain::Record {
                taken: i + 1,
                newline: true,
            })
        }
        b'\r' if rest.get(i + 1) == Some(&b'\n') => {
            cells.push((*cell_start, at));
            Some(Plain::Record {
                taken: i + 2,
                newline: true,
            })
        }
        _ => Some(Plain::Quoted),
    }
}

/// What the one-pass split of a plain line found.
enum Plain {
    /// A record that took `taken` bytes, up to and with its line break.
    Record { taken: usize, newline: bool },
    /// The line goes on beyond the buffer.
    NeedMore,
    /// A quote or a lone `\r`: the record needs the state machine.
    Quoted,
}

/// Where the state machine of a quoted record stands.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    StartCell,
    InCell,
    InQuotes,
    QuoteInQuotes,
}

/// The records of a CSV stream, in order.
pub(crate) struct Splitter<R> {
    reader: R,
    buffer: Vec<u8>,
    /// The unread part of the buffer is `start..end`.
    start: usize,
    end: usize,
    eof: bool,
    /// The line of the byte at `start` (1-based).
    line: u64,
    /// The number of the next record (0: the header).
    record: u64,
    /// Cell bounds of the last record, in `buffer` or in `unquoted`.
    cells: Vec<(usize, usize)>,
    /// The cells of the last quoted record, unescaped.
    unquoted: Vec<u8>,
    started: bool,
    /// How many bytes were read so far.
    consumed: u64,
}

impl<R: Read> Splitter<R> {
    pub(crate) fn new(reader: R) -> Splitter<R> {
        Splitter {
            reader,
            buffer: Vec::new(),
            start: 0,
            end: 0,
            eof: false,
            line: 1,
            record: 0,
            cells: Vec::new(),
            unquoted: Vec::new(),
            started: false,
            consumed: 0,
        }
    }

    /// Where the next record starts (where reading stopped, after an error).
    pub(crate) fn place(&self) -> Place {
        Place {
            line: self.line,
            record: self.record,
        }
    }

    /// How many bytes of the input the records returned so far took.
    pub(crate) fn bytes_read(&self) -> u64 {
        self.consumed
    }

    /// Reads the next block behind what is left of the buffer. The buffer
    /// grows only while one record does not fit.
    fn fill(&mut self) -> std::io::Result<()> {
        if self.start > 0 {
            self.buffer.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        // What is left is the start of one record that did not fit.
        if self.end > MAX_RECORD_BYTES {
            return Err(std::io::Error::new(
                std::io::ErrorKind::FileTooLarge,
                format!("a row is longer than {} MiB", MAX_RECORD_BYTES >> 20),
            ));
        }
        if self.buffer.len() < self.end + BLOCK {
            let size = (self.end + BLOCK)
                .max(self.buffer.len() * 2)
                .min(MAX_RECORD_BYTES + BLOCK);
            self.buffer.resize(size, 0);
        }
        let free = self.buffer.get_mut(self.end..).unwrap_or_default();
        let read = loop {
            match self.reader.read(free) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        };
        if read == 0 {
            self.eof = true;
        }
        self.end += read;
        Ok(())
    }

    /// Drops a byte-order mark at the start of the stream.
    fn begin(&mut self) -> std::io::Result<()> {
        while self.end < 3 && !self.eof {
            self.fill()?;
        }
        if self
            .buffer
            .get(..self.end)
            .is_some_and(|b| b.starts_with(b"\xEF\xBB\xBF"))
        {
            self.start = 3;
        }
        self.started = true;
        Ok(())
    }

    /// The next record, `None` at the end of the stream.
    pub(crate) fn next_record(&mut self) -> std::io::Result<Option<Record<'_>>> {
        if !self.started {
            self.begin()?;
        }
        loop {
            self.skip_blank_lines();
            if self.start == self.end {
                if self.eof {
                    return Ok(None);
                }
                self.fill()?;
                continue;
            }
            let place = Place {
                line: self.line,
                record: self.record,
            };
            match self.split_plain() {
                Plain::Record { taken, newline } => {
                    self.advance(taken, u64::from(newline));
                    return Ok(Some(Record {
                        data: &self.buffer,
                        cells: &self.cells,
                        place,
                    }));
                }
                Plain::NeedMore => {
                    self.fill()?;
                    continue;
                }
                Plain::Quoted => {}
            }
            match self.split_quoted() {
                Some((taken, lines)) => {
                    self.advance(taken, lines);
                    return Ok(Some(Record {
                        data: &self.unquoted,
                        cells: &self.cells,
                        place,
                    }));
                }
                // The record goes on beyond the buffer.
                None => self.fill()?,
            }
        }
    }

    fn skip_blank_lines(&mut self) {
        while let Some(&byte) = self
            .buffer
            .get(self.start)
            .filter(|_| self.start < self.end)
        {
            match byte {
                b'\n' => self.line += 1,
                b'\r' => {}
                _ => return,
            }
            self.start += 1;
            self.consumed += 1;
        }
    }

    fn advance(&mut self, taken: usize, lines: u64) {
        self.start += taken;
        self.consumed += taken as u64;
        self.line += lines;
        self.record += 1;
    }

    /// Cells of a record with no quote and no lone `\r`, split at every
    /// comma in one pass that also finds the end of the line; `Quoted` when
    /// the record needs the full state machine.
    fn split_plain(&mut self) -> Plain {
        self.cells.clear();
        let start = self.start;
        let rest = self.buffer.get(start..self.end).unwrap_or_default();
        let mut cell_start = start;
        // Eight bytes at a time: most words of a line hold one comma or
        // none, and are passed over with a few integer operations.
        let mut words = rest.chunks_exact(8);
        let mut base = 0;
        for chunk in &mut words {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            let mut found = special_bytes(u64::from_le_bytes(word));
            while found != 0 {
                let i = base + (found.trailing_zeros() / 8) as usize;
                found &= found - 1;
                if let Some(ended) = special(&mut self.cells, rest, i, start, &mut cell_start) {
                    return ended;
                }
            }
            base += 8;
        }
        for i in base..rest.len() {
            if SPECIAL.get(usize::from(rest.get(i).copied().unwrap_or(0))) == Some(&true) {
                if let Some(ended) = special(&mut self.cells, rest, i, start, &mut cell_start) {
                    return ended;
                }
            }
        }
        if !self.eof {
            return Plain::NeedMore;
        }
        self.cells.push((cell_start, start + rest.len()));
        Plain::Record {
            taken: rest.len(),
            newline: false,
        }
    }

    /// Cells of a record with quotes, unescaped into `unquoted`: the bytes
    /// and lines the record took, or `None` when it goes on beyond the
    /// buffer (and the stream has more).
    fn split_quoted(&mut self) -> Option<(usize, u64)> {
        self.cells.clear();
        self.unquoted.clear();
        let input = self.buffer.get(self.start..self.end).unwrap_or_default();
        let mut state = State::StartCell;
        let mut cell_start = 0;
        let mut lines = 0u64;
        for (i, &byte) in input.iter().enumerate() {
            let ends_record = byte == b'\n' || byte == b'\r';
            match (state, byte) {
                (State::InQuotes, b'"') => state = State::QuoteInQuotes,
                (State::InQuotes, _) => {
                    lines += u64::from(byte == b'\n');
                    self.unquoted.push(byte);
                }
                (State::StartCell, b'"') => state = State::InQuotes,
                (State::QuoteInQuotes, b'"') => {
                    self.unquoted.push(b'"');
                    state = State::InQuotes;
                }
                (_, b',') => {
                    self.cells.push((cell_start, self.unquoted.len()));
                    cell_start = self.unquoted.len();
                    state = State::StartCell;
                }
                _ if ends_record => {
                    self.cells.push((cell_start, self.unquoted.len()));
                    lines += u64::from(byte == b'\n');
                    return Some((i + 1, lines));
                }
                _ => {
                    self.unquoted.push(byte);
                    state = State::InCell;
                }
            }
        }
        if !self.eof {
            return None;
        }
        self.cells.push((cell_start, self.unquoted.len()));
        Some((input.len(), lines))
    }
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::{special_bytes, Splitter, SPECIAL};

    /// Reads `text` in blocks of `block` bytes, so records straddle blocks.
    struct Trickle<'a> {
        text: &'a [u8],
        block: usize,
    }

    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.block.min(buf.len()).min(self.text.len());
            let (now, later) = self.text.split_at(n);
            buf.get_mut(..n)
                .ok_or_else(|| std::io::Error::other("short buffer"))?
                .copy_from_slice(now);
            self.text = later;
            Ok(n)
        }
    }

    type Split = Vec<(Vec<Vec<u8>>, u64, u64)>;

    fn split(text: &[u8], block: usize) -> Split {
        let mut splitter = Splitter::new(Trickle { text, block });
        let mut out = Vec::new();
        while let Some(record) = splitter.next_record().expect("in memory") {
            let cells = record.iter().map(<[u8]>::to_vec).collect();
            out.push((cells, record.place.line, record.place.record));
        }
        out
    }

    /// What the `csv` crate reads, with the line each record starts on
    /// counted from its byte offset.
    fn reference(text: &[u8]) -> Split {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text);
        let mut out = Vec::new();
        let mut record = csv::ByteRecord::new();
        while reader.read_byte_record(&mut record).expect("in memory") {
            let position = record.position().expect("a position");
            let mut at = usize::try_from(position.byte()).expect("small");
            while matches!(text.get(at), Some(b'\n' | b'\r')) {
                at += 1;
            }
            let skipped_bom = if text.starts_with(b"\xEF\xBB\xBF") && at < 3 {
                3
            } else {
                at
            };
            let start = text.get(..skipped_bom).unwrap_or_default();
            let line = 1 + start.iter().filter(|&&b| b == b'\n').count() as u64;
            let cells = record.iter().map(<[u8]>::to_vec).collect();
            out.push((cells, line, position.record()));
        }
        out
    }

    /// The word at a time scan marks exactly the bytes the table does,
    /// whatever their neighbours.
    #[test]
    fn special_bytes_are_those_of_the_table() {
        for x in 0..=255u8 {
            for y in 0..=255u8 {
                let word = [x, y, x, x, y, y, x, y];
                let found = special_bytes(u64::from_le_bytes(word));
                for (i, byte) in word.iter().enumerate() {
                    let marked = found >> (i * 8 + 7) & 1 == 1;
                    assert_eq!(
                        marked,
                        SPECIAL.get(usize::from(*byte)) == Some(&true),
                        "{word:?} byte {i}"
                    );
                }
            }
        }
    }

    #[test]
    fn records_are_those_the_csv_crate_reads() {
        let cases: [&[u8]; 16] = [
            b"h1,h2\na,b\nc,d\n",
            b"h1,h2\r\na,b\r\nc,d\r\n",
            b"h1,h2\n\n\na,b\n\nc,d",
            b"\xEF\xBB\xBFh1,h2\na,b\n",
            b"h1,h2\n\"x\ny\",b\nc,d\n",
            b"h1,h2\na\nc,d,e\nf,g\n",
            b"h1,h2\ra,b\rc,d\r",
            b"a,\"b,c\",\"d\"\"e\"\n\"\"\n\"x\"y,z\n",
            b"a,b\"c,d\n",
            b"\"open,quote\nnever\nclosed",
            b",,\n,\n\r\n\r\r\n,",
            b"",
            b"\n\n",
            b"a,\"q\"\"\r\n\",b\r\n\"\",\r\n",
            // Punctuation and control bytes that end nothing, in words of eight and after.
            b"a b!c#d$e%f&g'h(i)j*k+l, m ,  \t!#$%&'()*+,x\n !#$%&'()*+ , y\r\nz ,\"q r\"\n",
            b"h1,h2\n\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x1f,\x7f\x80\xff\n",
        ];
        for text in cases {
            for block in [1, 2, 3, 7, 64] {
                assert_eq!(
                    split(text, block),
                    reference(text),
                    "{:?} read {block} bytes at a time",
                    String::from_utf8_lossy(text)
                );
            }
        }
    }

    #[test]
    fn random_texts_split_as_the_csv_crate_reads_them() {
        // A small deterministic generator over the bytes that matter.
        let alphabet: &[u8] = b"ab,,\"\n\r \xEF\xBB\xBF";
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        for case in 0..3000 {
            let mut text = Vec::new();
            let len = case % 40;
            for _ in 0..len {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let pick = usize::try_from(state % alphabet.len() as u64).expect("small");
                text.push(alphabet.get(pick).copied().unwrap_or(b'a'));
            }
            for block in [1, 5, 1 << 20] {
                assert_eq!(
                    split(&text, block),
                    reference(&text),
                    "{:?} read {block} bytes at a time",
                    String::from_utf8_lossy(&text)
                );
            }
        }
    }
}
