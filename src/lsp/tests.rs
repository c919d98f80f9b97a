//! The language server in memory (`Connection::memory`): each answer an
//! editor gets, as a reviewed snapshot.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::{json, Value};

struct Editor {
    client: Connection,
    server: std::thread::JoinHandle<Result<(), String>>,
    next: i32,
}

impl Editor {
    fn start() -> Editor {
        let (server_side, client) = Connection::memory();
        let server = std::thread::spawn(move || super::serve(&server_side));
        let mut editor = Editor {
            client,
            server,
            next: 0,
        };
        editor.request(
            "initialize",
            json!({"processId": null, "rootUri": null, "capabilities": {}}),
        );
        editor.notify("initialized", json!({}));
        editor
    }

    fn notify(&self, method: &str, params: Value) {
        self.client
            .sender
            .send(Message::Notification(Notification::new(
                method.to_string(),
                params,
            )))
            .unwrap();
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = RequestId::from(self.next);
        self.client
            .sender
            .send(Message::Request(Request::new(
                id.clone(),
                method.to_string(),
                params,
            )))
            .unwrap();
        loop {
            match self
                .client
                .receiver
                .recv_timeout(std::time::Duration::from_secs(120))
                .unwrap()
            {
                Message::Response(r) if r.id == id => return r.result.unwrap_or(Value::Null),
                _ => {}
            }
        }
    }

    /// The diagnostics next published (skipping other messages).
    fn diagnostics(&self) -> Value {
        loop {
            if let Message::Notification(n) = self
                .client
                .receiver
                .recv_timeout(std::time::Duration::from_secs(120))
                .unwrap()
            {
                if n.method == "textDocument/publishDiagnostics" {
                    return n.params["diagnostics"].clone();
                }
            }
        }
    }

    fn stop(mut self) {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        assert_eq!(self.server.join().unwrap(), Ok(()));
    }
}

const DRAFT: &str = "pledge \"Draft\" {\n  category core {\n    include nato_category == equipmnet\n  }\n  require floor: core >= 2% of gdp from 2024\n  require broken: core >=\n}\n";

#[test]
fn every_answer_an_editor_gets() {
    let mut editor = Editor::start();
    let dir = std::env::temp_dir().join(format!("pledge-lsp-memory-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let uri = format!("file://{}/draft.pledge", dir.display());
    editor.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "pledge", "version": 1, "text": DRAFT}}),
    );
    insta::assert_snapshot!(
        "lsp_diagnostics_of_a_syntax_error",
        pretty(editor.diagnostics())
    );

    let fixed = DRAFT.replace("  require broken: core >=\n", "");
    editor.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": fixed}]}),
    );
    insta::assert_snapshot!(
        "lsp_diagnostics_of_a_typing_mistake",
        pretty(editor.diagnostics())
    );

    let at = |line: u32, character: u32| json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}});
    insta::assert_snapshot!(
        "lsp_hover_on_a_category",
        pretty(editor.request("textDocument/hover", at(1, 12)))
    );
    insta::assert_snapshot!(
        "lsp_hover_on_a_field",
        pretty(editor.request("textDocument/hover", at(2, 14)))
    );
    let definition = editor.request("textDocument/definition", at(4, 18));
    assert_eq!(
        definition["range"]["start"],
        json!({"line": 1, "character": 11})
    );
    insta::assert_snapshot!(
        "lsp_completion_of_a_field_value",
        pretty(editor.request("textDocument/completion", at(2, 31)))
    );
    let messy = fixed.replace("  category", "category");
    editor.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": messy}]}),
    );
    editor.diagnostics();
    insta::assert_snapshot!(
        "lsp_formatting",
        pretty(editor.request(
            "textDocument/formatting",
            json!({"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}})
        ))
    );
    let _ = std::fs::remove_dir_all(&dir);
    editor.stop();
}

fn pretty(value: Value) -> String {
    serde_json::to_string_pretty(&value).unwrap()
}
