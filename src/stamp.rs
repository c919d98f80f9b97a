//! The reproducibility stamp: a content hash of the rules (every file of the
//! `extends` chain), of the dataset (manifest, line items, indicators) and
//! the engine version. Two outputs with the same stamp came from the same
//! inputs; a different stamp says which input changed.

use serde::Serialize;

/// 64-bit FNV-1a, enough to tell inputs apart (not a security measure).
#[derive(Debug, Clone, Copy)]
pub struct Hasher(u64);

impl Default for Hasher {
    fn default() -> Hasher {
        Hasher(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher {
    pub fn update(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    pub fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }
}

/// Hashes whatever passes through a reader.
pub struct HashingReader<R> {
    pub inner: R,
    pub hasher: std::rc::Rc<std::cell::RefCell<Hasher>>,
}

impl<R: std::io::Read> std::io::Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(read) = buf.get(..n) {
            self.hasher.borrow_mut().update(read);
        }
        Ok(n)
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

    /// One line for the top of text outputs.
    pub fn line(&self) -> String {
        format!("stamp: {} · rules {} · data {}", self.engine, self.rules, self.data)
    }

    pub fn csv_comment(&self) -> String {
        format!("# {}\n", self.line())
    }
}
