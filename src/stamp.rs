//! The reproducibility stamp: a content hash of the rules (every file of the
//! `extends` chain), of the dataset (manifest, line items, indicators) and
//! the engine version. Two outputs with the same stamp came from the same
//! inputs; a different stamp says which input changed. Each hash is the
//! start of a SHA-256 digest, so anyone can recompute it with `sha256sum`
//! (the recipe is in `docs/output.md`).

use serde::Serialize;
use sha2::{Digest, Sha256};

/// How many hexadecimal digits of a SHA-256 digest a stamp shows (64 bits:
/// enough to tell inputs apart; the stamp is not a security measure).
pub const DIGITS: usize = 16;

/// SHA-256 over everything passed to `update`, shown as its first `DIGITS`
/// hexadecimal digits, so that `sha256sum` recomputes it (see
/// `docs/output.md`).
#[derive(Debug, Clone, Default)]
pub struct Hasher {
    digest: Sha256,
}

impl Hasher {
    pub fn update(&mut self, bytes: &[u8]) {
        self.digest.update(bytes);
    }

    /// The first `DIGITS` hexadecimal digits of the digest of everything
    /// seen so far.
    pub fn hex(&self) -> String {
        let digest = self.digest.clone().finalize();
        let mut text: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
        text.truncate(DIGITS);
        text
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
            assert_eq!(parts.hex(), whole.hex(), "split at {split}");
        }
        let mut other = Hasher::default();
        other.update(b"something else");
        assert_ne!(other.hex(), whole.hex());
    }

    #[test]
    fn the_hash_is_the_start_of_sha256() {
        // `printf abc | sha256sum` starts with these digits.
        let mut hasher = Hasher::default();
        hasher.update(b"abc");
        assert_eq!(hasher.hex(), "ba7816bf8f01cfea");
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
