//! A hasher for maps whose keys are small integers or short codes
//! (countries, years, packed country codes, item ids): a multiply per eight
//! bytes instead of SipHash. Maps hashed with it are never iterated where
//! the order could reach an output, and no map keyed by free text from a
//! file uses it (a crafted file could make such keys collide).

/// The hasher state.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct IntHasher(u64);

impl IntHasher {
    fn mix(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(26) ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

impl std::hash::Hasher for IntHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            if let Some(head) = word.get_mut(..rest.len()) {
                head.copy_from_slice(rest);
            }
            self.mix(u64::from_le_bytes(word));
        }
        self.mix(bytes.len() as u64);
    }
    fn write_u16(&mut self, n: u16) {
        self.mix(u64::from(n));
    }
    fn write_u32(&mut self, n: u32) {
        self.mix(u64::from(n));
    }
    fn write_u64(&mut self, n: u64) {
        self.mix(n);
    }
    fn write_i32(&mut self, n: i32) {
        self.mix(u64::from(n.cast_unsigned()));
    }
}

/// `HashMap<K, V, Fast>`: a map hashed with [`IntHasher`].
pub(crate) type Fast = std::hash::BuildHasherDefault<IntHasher>;

/// The hash of some bytes, as [`IntHasher`] computes it.
pub(crate) fn hash_bytes(bytes: &[u8]) -> u64 {
    use std::hash::Hasher as _;
    let mut hasher = IntHasher::default();
    hasher.write(bytes);
    hasher.finish()
}
