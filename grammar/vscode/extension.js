// The VS Code side of pledge: colours come from the TextMate grammar in
// syntaxes/; diagnostics, hover, go-to-definition, completion, formatting
// and quick fixes come from `pledge lsp`, started here over stdio.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("pledge").get("path") || "pledge";
  const serverOptions = { command, args: ["lsp"] };
  const clientOptions = {
    documentSelector: [{ scheme: "file", language: "pledge" }],
  };
  client = new LanguageClient("pledge", "Pledge", serverOptions, clientOptions);
  client.start().catch((error) => {
    vscode.window.showErrorMessage(
      `Could not start \`${command} lsp\`: ${error.message}. Install pledge (cargo install --path .) or set "pledge.path".`
    );
  });
  context.subscriptions.push({ dispose: () => client && client.stop() });
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
