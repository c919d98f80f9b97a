//! Helpers shared by the integration tests that snapshot command output.

// Each test binary uses what it needs of this module.
#![allow(dead_code)]

/// Replaces the 16 hex digits that follow `prefix` on a line with `[hash]`.
pub fn redact_after(line: &str, prefix: &str) -> String {
    let Some(start) = line.find(prefix).map(|i| i + prefix.len()) else {
        return line.to_string();
    };
    let hash_len = line[start..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .count();
    if hash_len != 16 {
        return line.to_string();
    }
    format!("{}[hash]{}", &line[..start], &line[start + hash_len..])
}

/// The stamp's rule and data hashes, in text (`stamp: ... · rules X · data Y`)
/// and in JSON (`"stamp": { "rules": "X", "data": "Y" }`).
pub fn redact_stamps(text: &str) -> String {
    let mut out = String::new();
    let mut in_json_stamp = false;
    for line in text.split_inclusive('\n') {
        let mut line = line.to_string();
        if line.contains("stamp: pledge ") {
            line = redact_after(&redact_after(&line, " · rules "), " · data ");
        } else if line.trim_start().starts_with("\"stamp\": {") {
            in_json_stamp = true;
        } else if in_json_stamp {
            if line.trim_start().starts_with('}') {
                in_json_stamp = false;
            } else {
                line = redact_after(&redact_after(&line, "\"rules\": \""), "\"data\": \"");
            }
        }
        out.push_str(&line);
    }
    out
}
