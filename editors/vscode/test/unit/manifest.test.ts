/** The manifest's contributions point at files that exist and commands the code registers. */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

test("language, grammar and snippets files exist and parse", () => {
  const c = manifest.contributes;
  for (const file of [c.languages[0].configuration, c.grammars[0].path, c.snippets[0].path]) {
    assert.ok(existsSync(join(root, file)), file);
    JSON.parse(readFileSync(join(root, file), "utf8"));
  }
  assert.deepEqual(c.languages[0].extensions, [".dip"]);
});

test("every contributed command is registered by the extension and vice versa", () => {
  const source = ["src/commands.ts", "src/extension.ts"].map((f) => readFileSync(join(root, f), "utf8")).join("\n");
  const registered = new Set([...source.matchAll(/"(tracker\.[A-Za-z]+)"\s*:\s*\[|registerCommand\("(tracker\.[A-Za-z]+)"/g)].map((m) => m[1] ?? m[2]));
  const contributed = new Set(manifest.contributes.commands.map((c: { command: string }) => c.command));
  assert.deepEqual([...contributed].sort(), [...registered].sort());
});

test("a snippet for each node kind and the workflow skeleton", () => {
  const snippets = JSON.parse(readFileSync(join(root, "snippets/dippin.code-snippets"), "utf8"));
  const prefixes = Object.values(snippets).map((s) => (s as { prefix: string }).prefix);
  for (const kind of ["workflow", "agent", "human", "tool", "subgraph", "conditional", "manager_loop", "parallel", "fan_in"]) {
    assert.ok(prefixes.includes(kind), kind);
  }
});
