//! The editor grammar (`grammar/pledge.tmLanguage.json`) stays in step with
//! the language grammar (`grammar/pledge.pest`): every keyword, function
//! name, outcome word and boolean of the pest grammar is coloured.

// Panicking is how a test fails; the no-panic rule is for the library.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeSet;

fn read(path: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The words of `"..."` strings in the pest rules named by `rule_prefix`.
fn words_of_rules(pest: &str, wanted: impl Fn(&str) -> bool) -> BTreeSet<String> {
    let mut words = BTreeSet::new();
    for line in pest.lines() {
        let Some((name, body)) = line.split_once('=') else {
            continue;
        };
        if !wanted(name.trim()) {
            continue;
        }
        for (i, part) in body.split('"').enumerate() {
            if i % 2 == 1 && part.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                words.insert(part.to_string());
            }
        }
    }
    words
}

/// Every `match` regex of the TextMate grammar.
fn matches(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                if key == "match" || key == "begin" || key == "end" {
                    if let Some(text) = v.as_str() {
                        out.push(text.to_string());
                    }
                }
                matches(v, out);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| matches(v, out)),
        _ => {}
    }
}

#[test]
fn every_word_of_the_pest_grammar_is_coloured() {
    let pest = read("grammar/pledge.pest");
    let words = words_of_rules(&pest, |name| {
        name.starts_with("kw_")
            || name == "function_name"
            || name == "status_word"
            || name == "boolean"
    });
    // The keyword rules alone: 36 today; a new one must be coloured too.
    assert!(words.len() >= 45, "too few words found: {words:?}");
    assert!(
        words.contains("pledge") && words.contains("not_yet_due") && words.contains("alliance")
    );

    let grammar: serde_json::Value =
        serde_json::from_str(&read("grammar/pledge.tmLanguage.json")).unwrap();
    assert_eq!(grammar["scopeName"], "source.pledge");
    assert_eq!(grammar["fileTypes"][0], "pledge");
    let mut regexes = Vec::new();
    matches(&grammar, &mut regexes);
    // A word counts as coloured when it is one alternative of a `\b(...)\b`
    // or `\b(...)\s*(?=\()` group.
    let alternatives: BTreeSet<String> = regexes
        .iter()
        .filter_map(|r| {
            let start = r.find("\\b(")? + 3;
            let end = start + r.get(start..)?.find(')')?;
            r.get(start..end)
        })
        .flat_map(|group| group.split('|').map(str::to_string))
        .collect();
    let missing: Vec<&String> = words
        .iter()
        .filter(|w| !alternatives.contains(*w))
        .collect();
    assert!(
        missing.is_empty(),
        "words of grammar/pledge.pest not coloured in grammar/pledge.tmLanguage.json: {missing:?}"
    );
}

#[test]
fn the_vscode_extension_uses_the_grammar_and_starts_the_language_server() {
    let manifest: serde_json::Value =
        serde_json::from_str(&read("grammar/vscode/package.json")).unwrap();
    let contributes = &manifest["contributes"];
    assert_eq!(contributes["languages"][0]["id"], "pledge");
    assert_eq!(contributes["languages"][0]["extensions"][0], ".pledge");
    assert_eq!(contributes["grammars"][0]["scopeName"], "source.pledge");
    // The packaged extension carries a copy of the grammar: the two must not
    // drift apart.
    let path = contributes["grammars"][0]["path"].as_str().unwrap();
    let copy = read(&format!("grammar/vscode/{}", path.trim_start_matches("./")));
    assert_eq!(copy, read("grammar/pledge.tmLanguage.json"));
    let client = read("grammar/vscode/extension.js");
    assert!(
        client.contains("args: [\"lsp\"]"),
        "the client starts `pledge lsp`"
    );
}
