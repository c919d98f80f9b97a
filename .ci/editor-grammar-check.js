// Tokenizes every rule file of the library with the editor grammar
// (grammar/pledge.tmLanguage.json) through the same TextMate engine VS Code
// uses, and fails if a regex does not compile, if a keyword of the pest
// grammar is left uncoloured, or if a comment or text swallows code.
// Usage: node .ci/editor-grammar-check.js  (after `npm install vscode-textmate vscode-oniguruma`)
const fs = require("fs");
const path = require("path");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const root = path.join(__dirname, "..");
const wasm = fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm")).buffer;

function keywords() {
  const pest = fs.readFileSync(path.join(root, "grammar/pledge.pest"), "utf8");
  const words = new Set();
  for (const line of pest.split("\n")) {
    const m = line.match(/^kw_\w+\s*=\s*@\{\s*"(\w+)"/);
    if (m) words.add(m[1]);
  }
  return words;
}

function ruleFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return ruleFiles(p);
    return e.name.endsWith(".pledge") ? [p] : [];
  });
}

async function main() {
  await oniguruma.loadWASM(wasm);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (s) => new oniguruma.OnigScanner(s),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async () =>
      vsctm.parseRawGrammar(
        fs.readFileSync(path.join(root, "grammar/pledge.tmLanguage.json"), "utf8"),
        "pledge.tmLanguage.json"
      ),
  });
  const grammar = await registry.loadGrammar("source.pledge");
  if (!grammar) throw new Error("the grammar did not load");
  const kws = keywords();
  const seen = new Set();
  const problems = [];
  const files = ruleFiles(path.join(root, "rules"));
  for (const file of files) {
    let state = vsctm.INITIAL;
    const lines = fs.readFileSync(file, "utf8").split("\n");
    lines.forEach((line, i) => {
      const result = grammar.tokenizeLine(line, state);
      for (const t of result.tokens) {
        const text = line.slice(t.startIndex, t.endIndex);
        const scopes = t.scopes.join(" ");
        if (kws.has(text)) {
          if (/comment|string/.test(scopes)) continue;
          seen.add(text);
          if (!/keyword/.test(scopes)) {
            problems.push(`${path.relative(root, file)}:${i + 1}: \`${text}\` is not coloured as a keyword (${scopes})`);
          }
        }
      }
      state = result.ruleStack;
    });
    if (state.depth > 1) problems.push(`${path.relative(root, file)}: ends inside a comment or text`);
  }
  if (seen.size < 15) problems.push(`only ${seen.size} keywords met in the library: ${[...seen].join(", ")}`);
  if (problems.length) {
    console.error(problems.join("\n"));
    process.exit(1);
  }
  console.log(`editor grammar: ${files.length} rule files tokenized, ${seen.size} keywords coloured`);
}

main().catch((e) => {
  console.error(`editor grammar check failed: ${e.message}`);
  process.exit(1);
});
