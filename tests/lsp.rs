//! `pledge lsp` driven as an editor drives it: JSON-RPC over stdin and
//! stdout, one request after another.

// Panicking is how a test fails; the no-panic rule is for the library.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

use serde_json::{json, Value};

struct Editor {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    /// Notifications received while waiting for responses.
    notifications: Vec<Value>,
    next_id: i64,
}

impl Editor {
    fn start() -> Editor {
        let mut child = Command::new(env!("CARGO_BIN_EXE_pledge"))
            .arg("lsp")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, messages) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(n) = line.strip_prefix("Content-Length: ") {
                        length = n.parse().unwrap();
                    }
                }
                let mut body = vec![0u8; length];
                reader.read_exact(&mut body).unwrap();
                if sender.send(serde_json::from_slice(&body).unwrap()).is_err() {
                    return;
                }
            }
        });
        let mut editor = Editor {
            child,
            stdin,
            messages,
            notifications: Vec::new(),
            next_id: 0,
        };
        let init = editor.request(
            "initialize",
            json!({"processId": null, "rootUri": null, "capabilities": {}}),
        );
        assert_eq!(init["capabilities"]["hoverProvider"], true, "{init}");
        editor.notify("initialized", json!({}));
        editor
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn next(&mut self) -> Value {
        self.messages
            .recv_timeout(Duration::from_secs(120))
            .expect("the server answered within two minutes")
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let message = self.next();
            if message["id"] == id {
                assert!(message.get("error").is_none(), "{message}");
                return message["result"].clone();
            }
            self.notifications.push(message);
        }
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        if let Some(i) = self.notifications.iter().position(|n| {
            n["method"] == "textDocument/publishDiagnostics" && n["params"]["uri"] == uri
        }) {
            let n = self.notifications.remove(i);
            return n["params"]["diagnostics"].as_array().unwrap().clone();
        }
        loop {
            let n = self.next();
            if n["method"] == "textDocument/publishDiagnostics" && n["params"]["uri"] == uri {
                return n["params"]["diagnostics"].as_array().unwrap().clone();
            }
            self.notifications.push(n);
        }
    }

    fn open(&mut self, path: &std::path::Path, text: &str) -> String {
        let uri = format!("file://{}", path.display());
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "pledge", "version": 1, "text": text}}),
        );
        uri
    }

    fn at(&mut self, method: &str, uri: &str, text: &str, needle: &str, extra: usize) -> Value {
        let offset = text.find(needle).unwrap() + extra;
        let before = &text[..offset];
        let line = before.matches('\n').count();
        let character = before.len() - before.rfind('\n').map_or(0, |i| i + 1);
        self.request(
            method,
            json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}),
        )
    }

    fn stop(mut self) {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let status = self.child.wait().unwrap();
        assert!(status.success(), "pledge lsp exited with {status}");
    }
}

fn repo(path: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

#[test]
fn an_editor_gets_diagnostics_quick_fixes_hover_definitions_completion_and_formatting() {
    let mut editor = Editor::start();
    let dir = std::env::temp_dir().join(format!("pledge-lsp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    diagnostics_quick_fix_and_completion(&mut editor, &dir);
    formatting(&mut editor, &dir);
    syntax_errors(&mut editor, &dir);
    // The library: hover shows outcomes on NATO's data and parameters with
    // their source; go-to-definition follows `extends`.
    hover_on_the_library(&mut editor);
    definition_follows_extends(&mut editor);
    let _ = std::fs::remove_dir_all(&dir);
    editor.stop();
}

/// A draft with typing mistakes: diagnostics, the quick fix for one, and
/// completion of a field's values.
fn diagnostics_quick_fix_and_completion(editor: &mut Editor, dir: &std::path::Path) {
    // A draft with two typing mistakes, as typed (not saved).
    let draft = dir.join("draft.pledge");
    let text = "pledge \"Draft\" {\n  category core {\n    include nato_category == equipmnet\n  }\n  require floor: cor >= 2% of gdp from 2024\n}\n";
    let uri = editor.open(&draft, text);
    let diagnostics = editor.diagnostics(&uri);
    let codes: Vec<&str> = diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"pledge::check::unknown_value"),
        "{diagnostics:?}"
    );
    let unknown_name = diagnostics
        .iter()
        .find(|d| {
            d["message"]
                .as_str()
                .unwrap()
                .contains("did you mean `core`")
        })
        .unwrap_or_else(|| panic!("{diagnostics:?}"));
    assert_eq!(unknown_name["severity"], 1);
    assert_eq!(unknown_name["range"]["start"]["line"], 4);

    // The quick fix replaces the name.
    let actions = editor.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": unknown_name["range"],
               "context": {"diagnostics": [unknown_name]}}),
    );
    assert_eq!(actions[0]["title"], "Change to `core`", "{actions}");
    let edit = &actions[0]["edit"]["changes"][&uri][0];
    assert_eq!(edit["newText"], "core");
    assert_eq!(edit["range"], unknown_name["range"]);

    // Completion of a field's values.
    let values = editor.at("textDocument/completion", &uri, text, "equipmnet", 3);
    let labels: Vec<&str> = values
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        ["equipment", "personnel", "infrastructure", "other"]
    );
}

/// Formatting: `pledge fmt` as one edit.
fn formatting(editor: &mut Editor, dir: &std::path::Path) {
    let messy = "pledge \"Messy\" {\ncategory core {\ninclude nato_category == equipment\n}\nrequire floor: core >= 2% of gdp\n}\n";
    let messy_uri = editor.open(&dir.join("messy.pledge"), messy);
    editor.diagnostics(&messy_uri);
    let edits = editor.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": messy_uri}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    let formatted = edits[0]["newText"].as_str().unwrap();
    assert!(
        formatted.contains("\n  category core {\n    include nato_category == equipment\n  }"),
        "{formatted}"
    );
}

/// Every syntax error of a draft, each with its help.
fn syntax_errors(editor: &mut Editor, dir: &std::path::Path) {
    let broken = "pledge \"Broken\" {\n  category core {\n    include nato_category = equipment\n  }\n  param floor = 3.5 percent\n  require core_floor: core >= floor of gdp by 2035\n}\n";
    let broken_uri = editor.open(&dir.join("broken.pledge"), broken);
    let syntax: Vec<u64> = editor
        .diagnostics(&broken_uri)
        .iter()
        .filter(|d| d["code"] == "pledge::syntax::unexpected")
        .map(|d| d["range"]["start"]["line"].as_u64().unwrap())
        .collect();
    assert_eq!(syntax, [2, 4, 5]);
}

/// Hover on the Wales pledge: outcomes on NATO's data, and a parameter with
/// its source.
fn hover_on_the_library(editor: &mut Editor) {
    let wales_path = repo("rules/wales-2014.pledge");
    let wales = std::fs::read_to_string(&wales_path).unwrap();
    let wales_uri = editor.open(&wales_path, &wales);
    assert_eq!(editor.diagnostics(&wales_uri), Vec::<Value>::new());
    let hover = editor.at(
        "textDocument/hover",
        &wales_uri,
        &wales,
        "require two_percent",
        10,
    );
    let shown = hover["contents"]["value"].as_str().unwrap();
    assert!(
        shown.contains(
            "2024: 23 of 31 allies with figures meet two_percent (8 not met); no data for 1"
        ),
        "{shown}"
    );
    assert!(shown.contains("on `nato`"), "{shown}");
    let hover = editor.at(
        "textDocument/hover",
        &wales_uri,
        &wales,
        "param two_percent_floor",
        8,
    );
    let shown = hover["contents"]["value"].as_str().unwrap();
    assert!(
        shown.contains(
            "= 2% (line 8, source \"Wales Declaration para 14: move towards the 2% guideline\")"
        ),
        "{shown}"
    );
}

/// Go-to-definition follows `amend` and `extends` into the base draft.
fn definition_follows_extends(editor: &mut Editor) {
    let broad_path = repo("rules/alternatives/broad-related.pledge");
    let broad = std::fs::read_to_string(&broad_path).unwrap();
    let broad_uri = editor.open(&broad_path, &broad);
    let warnings = editor.diagnostics(&broad_uri);
    assert!(warnings.iter().all(|d| d["severity"] == 2), "{warnings:?}");
    let target = editor.at(
        "textDocument/definition",
        &broad_uri,
        &broad,
        "amend category related",
        15,
    );
    assert!(
        target["uri"]
            .as_str()
            .unwrap()
            .ends_with("rules/hague-2025.pledge"),
        "{target}"
    );
    let hague = std::fs::read_to_string(repo("rules/hague-2025.pledge")).unwrap();
    let line = hague[..hague.find("category related").unwrap()]
        .matches('\n')
        .count();
    assert_eq!(target["range"]["start"]["line"], line);

    let base = editor.at("textDocument/definition", &broad_uri, &broad, "../hague", 3);
    assert!(
        base["uri"]
            .as_str()
            .unwrap()
            .ends_with("rules/hague-2025.pledge"),
        "{base}"
    );
}
