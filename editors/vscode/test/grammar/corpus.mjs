// Grammar test on real corpus files: the language server's semantic tokens (from the real
// parser) say where node kinds, node declarations, field keys, edge attributes, comments,
// interpolations and condition operators are; this script turns them into
// vscode-tmgrammar-test assertions on temporary copies of the files (under
// .cache/grammar-corpus/, never committed) and runs vscode-tmgrammar-test on them.
//   node test/grammar/corpus.mjs [extra grammar files...]
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { startServer } from "../support/lsp.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const corpus = process.env.TRACKER_CORPUS || resolve(root, "../../../shared/corpus");
const out = join(root, ".cache/grammar-corpus");
const FILES = [
  "tracker/examples/build_product.dip",
  "tracker/examples/dotpowers.dip",
  "tracker/examples/deep_review.dip",
  "tracker/examples/ask_and_execute.dip",
  "dippin/examples/megaplan.dip",
  "dippin/examples/megaplan_quality.dip",
];

const NODE_KINDS = new Set(["agent", "human", "tool", "subgraph", "conditional", "manager_loop", "parallel", "fan_in"]);
const SECTIONS = new Set(["defaults", "vars", "edges", "inputs"]);
const NAMESPACES = new Set(["ctx", "context", "params", "graph", "inputs", "node", "internal"]);
const EDGE_ATTRS = new Set(["label", "weight", "restart", "choice", "override"]);

/** The TextMate scope a semantic token must have, or undefined to leave it unchecked. */
function expectedScope(type, modifiers, text, line, previous) {
  const declaration = (modifiers & 1) !== 0;
  switch (type) {
    case "keyword":
      if (text === "workflow") return "keyword.other.workflow.dippin";
      if (NODE_KINDS.has(text)) return "keyword.other.node-kind.dippin";
      if (SECTIONS.has(text)) return "keyword.other.section.dippin";
      if (text === "when") return "keyword.control.when.dippin";
      if (text === "on") return "keyword.control.on.dippin";
      if (text === "loop") return "keyword.control.loop.dippin";
      if (["and", "or", "not"].includes(text)) return "keyword.operator.logical.dippin";
      return undefined;
    case "type":
      return declaration ? "entity.name.type.workflow.dippin" : undefined;
    case "class":
      return declaration ? "entity.name.function.node.dippin" : undefined;
    case "property":
      if (EDGE_ATTRS.has(text) && line.includes("->")) return "support.type.property-name.edge-attribute.dippin";
      return "support.type.property-name.field.dippin";
    case "parameter":
      return "support.type.property-name.field.dippin";
    case "comment":
      return "comment.line.number-sign.dippin";
    case "namespace":
      // the server also marks the outcome of `on success` as a namespace; only real ones are checked
      return NAMESPACES.has(text) ? "variable.other.namespace.dippin" : undefined;
    case "variable":
      // a key right after its namespace (`ctx.` + key); bare keys are not checked
      return previous?.type === "namespace" && previous.end + 1 === previous.nextStart ? "variable.other.key.dippin" : undefined;
    case "operator":
      if (["&&", "||", "!"].includes(text)) return "keyword.operator.logical.symbol.dippin";
      if (["=", "==", "!=", "<", ">", "<=", ">="].includes(text)) return "keyword.operator.comparison.dippin";
      if (["contains", "startswith", "endswith", "in", "matches"].includes(text)) return "keyword.operator.word.dippin";
      return undefined;
    default:
      return undefined;
  }
}

function decode(data, legend, lines) {
  const tokens = [];
  let line = 0;
  let start = 0;
  for (let i = 0; i < data.length; i += 5) {
    line += data[i];
    start = data[i] === 0 ? start + data[i + 1] : data[i + 1];
    const length = data[i + 2];
    tokens.push({
      line,
      start,
      end: start + length,
      type: legend.tokenTypes[data[i + 3]],
      modifiers: data[i + 4],
      text: lines[line].slice(start, start + length),
    });
  }
  return tokens;
}

function testFile(name, text, tokens) {
  const lines = text.split("\n");
  const byLine = new Map();
  let checked = 0;
  tokens.forEach((token, index) => {
    const previous = tokens[index - 1];
    const context = previous && previous.line === token.line ? { ...previous, nextStart: token.start } : undefined;
    const scope = expectedScope(token.type, token.modifiers, token.text, lines[token.line], context);
    if (!scope) return;
    const assertion = `#<${"~".repeat(token.start)}${"-".repeat(token.end - token.start)} ${scope}`;
    if (!byLine.has(token.line)) byLine.set(token.line, []);
    byLine.get(token.line).push(assertion);
    checked++;
  });
  const outLines = [`# SYNTAX TEST "source.dippin" "${name} (assertions from tracker-lsp semantic tokens)"`];
  lines.forEach((line, index) => {
    if (/^#\s*(\^|<~*-+)/.test(line)) throw new Error(`${name}:${index + 1} looks like an assertion line`);
    outLines.push(line, ...(byLine.get(index) ?? []));
  });
  return { text: outLines.join("\n"), checked };
}

if (!existsSync(corpus)) {
  // Under CI a missing corpus is a failure; elsewhere this part is skipped.
  if (process.env.CI === "true") {
    console.error(`corpus grammar tests: the corpus is missing at ${corpus} (set TRACKER_CORPUS)`);
    process.exit(1);
  }
  console.log(`corpus grammar tests skipped: no corpus at ${corpus}`);
  process.exit(0);
}
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const server = await startServer({ rootPath: corpus, settings: { tracker: { environmentChecks: false } } });
const legend = server.init.capabilities.semanticTokensProvider.legend;
const written = [];
try {
  for (const file of FILES) {
    const path = join(corpus, file);
    const text = readFileSync(path, "utf8");
    const uri = pathToFileURL(path).href;
    await server.connection.sendNotification("textDocument/didOpen", {
      textDocument: { uri, languageId: "dippin", version: 1, text },
    });
    const result = await server.connection.sendRequest("textDocument/semanticTokens/full", { textDocument: { uri } });
    const tokens = decode(result?.data ?? [], legend, text.split("\n"));
    const { text: testText, checked } = testFile(file, text, tokens);
    if (checked < 20) throw new Error(`${file}: only ${checked} tokens to check`);
    const target = join(out, `${basename(file, ".dip")}.test.dip`);
    writeFileSync(target, testText);
    written.push(target);
    console.log(`${file}: ${checked} assertions`);
  }
} finally {
  await server.stop();
}
const grammars = ["syntaxes/dippin.tmLanguage.json", ...process.argv.slice(2)].flatMap((g) => ["-g", g]);
const bin = join(root, "node_modules/vscode-tmgrammar-test/dist/unit.js");
const run = spawnSync(process.execPath, [bin, ...grammars, ...written], { cwd: root, stdio: "inherit" });
process.exit(run.status ?? 1);
