//! Coverage-guided: any bytes as a rule file, through parse, format, load,
//! check and evaluation on the bundled sample dataset.
#![no_main]

mod common;

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

static SAMPLE: OnceLock<Option<pledge::data::Dataset>> = OnceLock::new();

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    if let Some(data) = SAMPLE.get_or_init(common::sample) {
        common::exercise(text, data);
    }
});
