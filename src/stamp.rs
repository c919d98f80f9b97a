//! The reproducibility stamp: a content hash of the rules (every file of the
//! `extends` chain), of the dataset (manifest, line items, indicators) and
//! the engine version. Two outputs with the same stamp came from the same
//! inputs; a different stamp says which input changed.

use serde::Serialize;

/// 64-bit FNV-1a, enough to tell inputs apart (not a security measure).
#[derive(Debug, Clone, Copy)]
pub struct Hasher {
    state: u64,
    /// Bytes waiting to fill a word, so the hash does not depend on how the
    /// input was split into reads.
    pending: [u8; 8],
    pending_len: usize,
}

impl Default for Hasher {
    fn default() -> Hasher {
        Hasher {
            state: 0xcbf2_9ce4_8422_2325,
            pending: [0; 8],
            pending_len: 0,
        }
    }
}

impl Hasher {
    /// Mixes in bytes, eight at a time (FNV-1a over 64-bit words, then
    /// the remaining bytes one by one).
    pub fn update(&mut self, mut bytes: &[u8]) {
        while self.pending_len > 0 && !bytes.is_empty() {
            if let (Some(slot), Some((&first, rest))) =
                (self.pending.get_mut(self.pending_len), bytes.split_first())
            {
                *slot = first;
                bytes = rest;
            }
            self.pending_len += 1;
            if self.pending_len == 8 {
                self.mix(u64::from_le_bytes(self.pending));
                self.pending_len = 0;
            }
        }
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
        for &byte in chunks.remainder() {
            if let Some(slot) = self.pending.get_mut(self.pending_len) {
                *slot = byte;
            }
            self.pending_len += 1;
        }
    }

    fn mix(&mut self, word: u64) {
        self.state ^= word;
        self.state = self.state.wrapping_mul(0x0000_0100_0000_01b3);
    }

    /// The hash of everything seen so far. A final mixing step spreads a
    /// change anywhere in the input over all 64 bits.
    pub fn value(&self) -> u64 {
        let mut state = self.state;
        for &byte in self.pending.get(..self.pending_len).unwrap_or_default() {
            state ^= u64::from(byte);
            state = state.wrapping_mul(0x0000_0100_0000_01b3);
        }
        state ^= state >> 33;
        state = state.wrapping_mul(0xff51_afd7_ed55_8ccd);
        state ^= state >> 33;
        state = state.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        state ^ (state >> 33)
    }

    pub fn hex(&self) -> String {
        format!("{:016x}", self.value())
    }
}

/// Hashes whatever passes through a reader.
pub struct HashingReader<R> {
    pub inner: R,
    pub hasher: std::sync::Arc<std::sync::Mutex<Hasher>>,
}

impl<R: std::io::Read> std::io::Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let (Some(read), Ok(mut hasher)) = (buf.get(..n), self.hasher.lock()) {
            hasher.update(read);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::Hasher;

    #[test]
    fn the_hash_does_not_depend_on_how_input_is_split() {
        let text = b"country,year,amount\nPOL,2024,12.5\nESP,2024,3\n";
        let mut whole = Hasher::default();
        whole.update(text);
        for split in 0..text.len() {
            let (a, b) = text.split_at(split);
            let mut parts = Hasher::default();
            parts.update(a);
            parts.update(b);
            assert_eq!(parts.value(), whole.value(), "split at {split}");
        }
        let mut other = Hasher::default();
        other.update(b"something else");
        assert_ne!(other.value(), whole.value());
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Stamp {
    pub engine: String,
    pub rules: String,
    pub data: String,
}

impl Stamp {
    pub fn new(rules: &[&str], data_hash: &str) -> Stamp {
        let mut hasher = Hasher::default();
        for text in rules {
            hasher.update(text.as_bytes());
            hasher.update(&[0]);
        }
        Stamp {
            engine: format!("pledge {}", env!("CARGO_PKG_VERSION")),
            rules: hasher.hex(),
            data: data_hash.to_string(),
        }
    }

    /// The stamp of the same rules run with `--set` overrides.
    pub fn with_sets(&self, sets: &[String]) -> Stamp {
        let mut hasher = Hasher::default();
        hasher.update(self.rules.as_bytes());
        for set in sets {
            hasher.update(&[0]);
            hasher.update(set.as_bytes());
        }
        Stamp {
            rules: hasher.hex(),
            ..self.clone()
        }
    }

    /// One line for the top of text outputs.
    pub fn line(&self) -> String {
        format!(
            "stamp: {} · rules {} · data {}",
            self.engine, self.rules, self.data
        )
    }

    pub fn csv_comment(&self) -> String {
        format!("# {}\n", self.line())
    }
}
