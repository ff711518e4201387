// Builds the extension (dist/extension.js), the webview scripts (dist/webview/*.js) and
// copies the bundled Mermaid build; `--tests` bundles the unit tests into out/test/.
//   node esbuild.mjs [--production] [--tests] [--watch]
import { copyFileSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as esbuild from "esbuild";

const args = new Set(process.argv.slice(2));
const production = args.has("--production");
const require = createRequire(import.meta.url);

const common = { bundle: true, sourcemap: !production, minify: production, logLevel: "warning" };

const builds = [
  {
    ...common,
    entryPoints: ["src/extension.ts"],
    outfile: "dist/extension.js",
    platform: "node",
    format: "cjs",
    target: "node20",
    external: ["vscode"],
  },
  {
    ...common,
    entryPoints: { panel: "src/webview/panel.ts", graph: "src/webview/graph.ts" },
    outdir: "dist/webview",
    platform: "browser",
    format: "iife",
    target: "es2022",
  },
];

if (args.has("--tests")) {
  const tests = readdirSync("test/unit").filter((f) => f.endsWith(".test.ts"));
  rmSync("out/test", { recursive: true, force: true });
  builds.push({
    ...common,
    sourcemap: true,
    entryPoints: tests.map((f) => join("test/unit", f)),
    outdir: "out/test",
    outExtension: { ".js": ".mjs" },
    platform: "node",
    format: "esm",
    target: "node20",
  });
}

const mermaid = require.resolve("mermaid/dist/mermaid.min.js");
mkdirSync("dist/mermaid", { recursive: true });
copyFileSync(mermaid, "dist/mermaid/mermaid.min.js");
copyFileSync(join(dirname(mermaid), "..", "LICENSE"), "dist/mermaid/LICENSE");

if (args.has("--watch")) {
  for (const options of builds) await (await esbuild.context(options)).watch();
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
