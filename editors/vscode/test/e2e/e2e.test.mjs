// End-to-end tests in a real VS Code (code-server) driven by headless Chromium, with
// the packaged .vsix and the real tracker-lsp. Screenshots of each step go to
// test-artifacts/, measured numbers to test-artifacts/measurements.json.
import assert from "node:assert/strict";
import { copyFileSync, cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { ARTIFACTS, ROOT, Workbench } from "./harness.mjs";

const EXAMPLES = resolve(ROOT, "../../examples");
const CORPUS = process.env.TRACKER_CORPUS || resolve(ROOT, "../../../shared/corpus");
const VSIX = process.env.TRACKER_VSIX || join(ROOT, `tracker-dippin-${JSON.parse(readFileSync(join(ROOT, "package.json"))).version}.vsix`);
const STREAM_NODES = 600; // five events per tool node: over 2,000 stream through the open panel
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const measurements = {};

function streamPipeline(count) {
  const lines = ["# Generated: a pause (the panel opens), then a long chain of quick tool steps (about 5 events each).", "workflow Stream", '  goal: "Stream many events"', "  start: Start", "  exit: Done", "", "  agent Start", "    label: Start", "", "  tool Warmup", "    timeout: 30s", "    command: sleep 5", ""];
  for (let i = 1; i <= count; i++) lines.push(`  tool Step${i}`, "    timeout: 10s", `    command: echo step ${i}`, "");
  lines.push("  agent Done", "    label: Done", "", "  edges", "    Start -> Warmup", "    Warmup -> Step1");
  for (let i = 1; i < count; i++) lines.push(`    Step${i} -> Step${i + 1}`);
  lines.push(`    Step${count} -> Done`, "");
  return lines.join("\n");
}

const wb = new Workbench();

/** The frame of the run panel whose title names `workflow`. */
async function panelFrame(workflow) {
  return wb.webviewFrame((wanted) => document.getElementById("run-title")?.textContent.includes(wanted), workflow, 60000);
}

/** A test that starts from a clean editor area and leaves a screenshot behind when it fails. */
function uiTest(name, fn, { keepEditors = false } = {}) {
  test(name, async (t) => {
    try {
      if (!keepEditors) await wb.runCommand("View: Close All Editor Groups");
      await fn(t);
    } catch (error) {
      await wb.screenshot(`FAILED-${name.replace(/[^a-z0-9]+/gi, "-").slice(0, 40)}`).catch(() => {});
      throw error;
    }
  });
}

async function nodeState(frame, id) {
  return frame.evaluate((nodeId) => document.querySelector(`#nodes [data-node="${nodeId}"]`)?.dataset.state ?? "", id);
}

async function clickGateButton(frame, mode, label) {
  await wb.waitInFrame(frame, (m) => document.querySelector(`form.gate[data-mode="${m}"]`), mode, 60000);
  const clicked = await frame.evaluate(
    (m, text) => {
      const button = [...document.querySelectorAll(`form.gate[data-mode="${m}"] button`)].find((b) => b.textContent === text);
      button?.click();
      return Boolean(button);
    },
    mode,
    label,
  );
  assert.ok(clicked, `no "${label}" button on the ${mode} gate`);
}

/**
 * Follow mode was never turned off: the log's newest row is rendered and lies within the
 * log's visible box, which itself lies within the panel.
 */
async function followsTheEnd(frame, lastText) {
  const last = await frame.evaluate(() => {
    const log = document.getElementById("log");
    const rows = [...log.querySelectorAll("li.entry")];
    const row = rows.reduce((a, b) => (Number(b.dataset.seq) >= Number(a?.dataset.seq ?? -1) ? b : a), undefined);
    const box = log.getBoundingClientRect();
    const rect = row?.getBoundingClientRect();
    return {
      text: row?.textContent ?? "",
      kind: row?.dataset.kind ?? "",
      seq: Number(row?.dataset.seq ?? 0),
      rowTop: rect?.top ?? 0,
      rowBottom: rect?.bottom ?? 0,
      logTop: box.top + log.clientTop,
      logBottom: box.top + log.clientTop + log.clientHeight,
      windowBottom: window.innerHeight,
      pageScrollHeight: document.scrollingElement.scrollHeight,
      rows: rows.length,
    };
  });
  if (lastText) assert.match(last.text, lastText, `the last log row is ${JSON.stringify(last)}`);
  assert.ok(
    last.rowTop >= last.logTop - 1 && last.rowBottom <= last.logBottom + 1,
    `the last log row is outside the visible log: ${JSON.stringify(last)}`,
  );
  assert.ok(last.rowBottom <= last.windowBottom + 1, `the last log row is below the panel's bottom: ${JSON.stringify(last)}`);
}

before(async () => {
  assert.ok(existsSync(VSIX), `package the extension first (npm run package): ${VSIX} is missing`);
  cpSync(EXAMPLES, wb.workspace, { recursive: true });
  cpSync(join(ROOT, "test/e2e/workspace"), wb.workspace, { recursive: true });
  writeFileSync(join(wb.workspace, "stream.dip"), streamPipeline(STREAM_NODES));
  const bigSource = join(CORPUS, "tracker/examples/build_product.dip");
  if (existsSync(bigSource)) {
    const big = readFileSync(bigSource, "utf8");
    assert.ok(big.split("\n").length > 3000, "build_product.dip should have over 3,000 lines");
    // The copy lives in the temporary workspace only; its one mistake is a start node that does not exist.
    writeFileSync(join(wb.workspace, "big_product.dip"), big.replace("  start: Start\n", "  start: BeginHere\n"));
  } else {
    assert.notEqual(process.env.CI, "true", `the corpus is missing: ${bigSource} (set TRACKER_CORPUS)`);
  }
  wb.writeSettings();
  wb.installExtension(VSIX);
  await wb.start();
  measurements.workbenchLoadMs = wb.loadMs;
});

after(async () => {
  writeFileSync(join(ARTIFACTS, "measurements.json"), JSON.stringify(measurements, null, 2) + "\n");
  console.log(`measurements: ${JSON.stringify(measurements)}`);
  if (process.env.E2E_LOG) writeFileSync(join(ARTIFACTS, "code-server.log"), wb.log);
  await wb.stop();
});

describe("the extension in code-server", { concurrency: 1 }, () => {
  uiTest("a mistake in a .dip file shows in the Problems panel", async () => {
    await wb.openFile("broken.dip");
    await wb.runCommand("Focus on Problems View");
    const row = await wb.page.waitForFunction(
      () =>
        [...document.querySelectorAll(".markers-panel .monaco-list-row")].find((r) =>
          r.textContent.includes('unknown target node "Deploy"'),
        ),
      { timeout: 60000, polling: 100 },
    );
    assert.ok(row);
    const text = await wb.page.evaluate(() => document.querySelector(".markers-panel").textContent);
    assert.match(text, /DIP003/);
    await wb.screenshot("problems-panel");
  });

  uiTest("${ctx. offers the keys set upstream", async () => {
    await wb.openFile("completion.dip");
    await wb.pressKey("Control+g");
    const input = await wb.quickInput();
    await input.type("20", { delay: 5 });
    await wb.page.keyboard.press("Enter");
    await wb.page.keyboard.press("End");
    await wb.page.keyboard.type(" ${ctx.", { delay: 40 });
    await wb.page.waitForFunction(
      () => {
        const rows = [...document.querySelectorAll(".suggest-widget .monaco-list-row")].map((r) => r.textContent);
        return rows.some((t) => t.includes("findings")) && rows.some((t) => t.includes("tool_stdout"));
      },
      { timeout: 30000, polling: 100 },
    );
    const labels = await wb.page.evaluate(() =>
      [...document.querySelectorAll(".suggest-widget .monaco-list-row .label-name")].map((r) => r.textContent),
    );
    assert.ok(labels.includes("findings"), `completion items: ${labels.join(", ")}`);
    await wb.screenshot("ctx-completion");
    await wb.page.keyboard.press("Escape");
    await wb.runCommand("File: Revert File");
  });

  uiTest("opening a 3,000-line file: time to first diagnostics", async (t) => {
    if (!existsSync(join(wb.workspace, "big_product.dip"))) return t.skip("no corpus (outside CI)");
    await wb.runCommand("Focus on Problems View");
    const opened = await wb.openFile("big_product.dip");
    await wb.page.waitForFunction(
      () =>
        [...document.querySelectorAll(".markers-panel .monaco-list-row")].some((r) => r.textContent.includes("BeginHere")),
      { timeout: 120000, polling: 10 },
    );
    measurements.bigFileFirstDiagnosticsMs = Date.now() - opened;
    measurements.bigFileLines = readFileSync(join(wb.workspace, "big_product.dip"), "utf8").split("\n").length;
    await wb.screenshot("big-file-diagnostics");
  });

  uiTest("running a pipeline from the palette: live states, a gate answered in the panel, finished", async () => {
    await wb.openFile("release_check.dip");
    await wb.runCommand("Tracker: Run Pipeline");
    const input = await wb.inputBox("params.version");
    const value = await input.evaluate((el) => el.value);
    assert.equal(value, "1.0.0", "the prompt offers the declared default");
    await input.type("2.0.0");
    await wb.screenshot("run-params-prompt");
    await wb.page.keyboard.press("Enter");
    const frame = await panelFrame("ReleaseCheck");
    const seen = new Set();
    const deadline = Date.now() + 60000;
    while (Date.now() < deadline) {
      seen.add(await nodeState(frame, "Approve"));
      if (await frame.$('form.gate[data-mode="choice"]')) break;
      await sleep(30);
    }
    assert.equal(await nodeState(frame, "Report"), "success");
    assert.equal(await nodeState(frame, "Approve"), "waiting");
    assert.equal(await nodeState(frame, "Ship"), "pending");
    const status = await wb.page.evaluate(() => document.querySelector(".part.statusbar").textContent);
    assert.match(status, /ReleaseCheck: gate waiting/);
    await wb.page.waitForFunction(
      () =>
        [...document.querySelectorAll(".notification-toast")].some(
          (t) => t.textContent.includes("ReleaseCheck is waiting for you") && t.textContent.includes("Answer"),
        ),
      { timeout: 20000, polling: 100 },
    );
    const gateTitle = await frame.evaluate(() => document.querySelector("form.gate h2").textContent);
    assert.match(gateTitle, /Ship release/);
    const gatePrompt = await frame.evaluate(() => document.querySelector("form.gate .gate-prompt")?.textContent ?? "");
    assert.match(gatePrompt, /Every check passed/);
    await wb.screenshot("run-gate-open");
    await clickGateButton(frame, "choice", "ship");
    await wb.waitInFrame(frame, () => document.body.dataset.lifecycle === "succeeded", undefined, 60000);
    assert.equal(await nodeState(frame, "Ship"), "success");
    assert.equal(await nodeState(frame, "Hold"), "skipped");
    assert.equal(await nodeState(frame, "Approve"), "success");
    assert.equal(await frame.$("form.gate"), null, "the answered gate closed");
    // The log renders only the rows in view: the filter brings the tool's output into view.
    await frame.type("#log-filter", "would tag");
    await wb.waitInFrame(frame, () => /would tag v2\.0\.0/.test(document.getElementById("log").textContent), undefined, 10000);
    await frame.evaluate(() => {
      const filter = document.getElementById("log-filter");
      filter.value = "";
      filter.dispatchEvent(new Event("input"));
    });
    seen.add(await nodeState(frame, "Approve"));
    assert.ok(seen.has("waiting") && seen.has("success"), `Approve went through ${[...seen].join(", ")}`);
    await wb.screenshot("run-finished");
    await frame.click("#diagnose-run");
    await wb.page.waitForFunction(
      () => [...document.querySelectorAll(".view-lines")].some((v) => v.textContent.includes('"completed_nodes"')),
      { timeout: 30000, polling: 100 },
    );
    await wb.screenshot("diagnose-report");
  });

  uiTest("cancel, then resume, completes a run; every gate mode is answered in the panel", async () => {
    await wb.openFile("gate_modes.dip");
    await wb.runCommand("Tracker: Run Pipeline");
    const frame = await panelFrame("GateModes");
    await wb.waitInFrame(frame, () => document.querySelector('form.gate[data-mode="yes_no"]'), undefined, 60000);
    await wb.screenshot("gate-yes-no");
    await frame.click("#cancel-run");
    await wb.waitInFrame(frame, () => document.body.dataset.lifecycle === "canceled", undefined, 60000);
    assert.equal(await frame.$("form.gate"), null, "cancelling closed the gate");
    await wb.screenshot("run-cancelled");
    await frame.click("#resume-run");
    await wb.waitInFrame(frame, () => document.body.dataset.active === "true", undefined, 60000);
    await clickGateButton(frame, "yes_no", "Yes");
    await clickGateButton(frame, "choice", "chocolate");
    await wb.waitInFrame(frame, () => document.querySelector('form.gate[data-mode="hybrid"] textarea'), undefined, 60000);
    await wb.screenshot("gate-hybrid");
    await frame.type('form.gate[data-mode="hybrid"] textarea', "warm and brief");
    await clickGateButton(frame, "hybrid", "Send text");
    await wb.waitInFrame(frame, () => document.querySelector('form.gate[data-mode="interview"]'), undefined, 60000);
    const kinds = await frame.evaluate(() =>
      [...document.querySelectorAll('form.gate[data-mode="interview"] .field')].map((f) => f.className),
    );
    assert.deepEqual(
      kinds.map((k) => k.replace("field field-", "")),
      ["text", "confirm", "select"],
    );
    await frame.type('form.gate[data-mode="interview"] .field-text input', "Tracker");
    await frame.click('form.gate[data-mode="interview"] .field-confirm input[value="yes"]');
    await frame.select('form.gate[data-mode="interview"] .field-select select', "chat");
    await wb.screenshot("gate-interview");
    await clickGateButton(frame, "interview", "Submit answers");
    await wb.waitInFrame(frame, () => document.body.dataset.lifecycle === "succeeded", undefined, 60000);
    assert.equal(await nodeState(frame, "Chocolate"), "success");
    assert.equal(await nodeState(frame, "Vanilla"), "skipped");
    assert.equal(await nodeState(frame, "Write"), "success");
    await wb.screenshot("resumed-run-finished");
  });

  uiTest("the graph view renders the server's graph with the bundled Mermaid; Simulate shows the plan", async () => {
    await wb.openFile("release_check.dip");
    await wb.runCommand("Tracker: Show Graph");
    const frame = await wb.webviewFrame(() => document.getElementById("graph"), undefined, 60000);
    await wb.waitInFrame(frame, () => document.body.dataset.rendered === "true", undefined, 60000);
    const svgText = await frame.evaluate(() => document.querySelector("#graph svg")?.textContent ?? "");
    assert.match(svgText, /Collect release/);
    assert.match(svgText, /recheck/);
    await wb.screenshot("graph");
    await wb.openFile("release_check.dip");
    await wb.runCommand("Tracker: Simulate Pipeline");
    await wb.page.waitForFunction(
      () =>
        [...document.querySelectorAll(".view-lines")].some((v) =>
          v.textContent.replace(/\u00a0/g, " ").includes("Simulation: ReleaseCheck"),
        ),
      { timeout: 30000, polling: 100 },
    );
    const plan = await wb.page.evaluate(() =>
      [...document.querySelectorAll(".view-lines")]
        .map((v) => v.textContent.replace(/\u00a0/g, " "))
        .find((t) => t.includes("Execution plan")),
    );
    assert.match(plan ?? "", /Inventory/);
    await wb.screenshot("simulate-plan");
  });

  uiTest("the Tracker Runs view lists the runs", async () => {
    await wb.runCommand("Tracker: Show Runs");
    await wb.page.waitForFunction(
      () => {
        const text = document.querySelector('[id="workbench.view.extension.tracker"]')?.textContent ?? "";
        return text.includes("ReleaseCheck") && text.includes("GateModes");
      },
      { timeout: 30000, polling: 200 },
    );
    await wb.screenshot("runs-view");
  });

  uiTest("panel latency while a run streams over 2,000 events", async () => {
    await wb.openFile("stream.dip");
    await wb.runCommand("Tracker: Run Pipeline with Auto-Approve");
    const frame = await panelFrame("Stream");
    await wb.waitInFrame(frame, () => document.body.dataset.lifecycle === "succeeded", undefined, 300000);
    await sleep(500);
    await followsTheEnd(frame, /run completed|pipeline completed/i);
    const stats = JSON.parse(await frame.evaluate(() => document.body.dataset.latency));
    const events = await frame.evaluate(() => document.getElementById("run-totals").textContent);
    assert.ok(stats.events >= 2000, `only ${stats.events} events reached the panel`);
    assert.equal(await nodeState(frame, `Step${STREAM_NODES}`), "success");
    measurements.streamEventsMeasured = stats.events;
    measurements.streamEventsTotal = await frame.evaluate(() => Number(/(\d+) events/.exec(document.getElementById("run-totals").textContent)?.[1] ?? 0));
    measurements.panelLatencyMs = { p50: stats.p50, p95: stats.p95, max: stats.max };
    measurements.eventToExtensionHostMs = stats.toHost;
    measurements.eventToWebviewMs = stats.toWebview;
    measurements.hostPostToWebviewMs = stats.hostToWebview;
    measurements.latencySeries = stats.series;
    measurements.webviewBusyMs = stats.busyMs;
    measurements.webviewBatches = stats.batches;
    measurements.webviewBytes = stats.bytes;
    measurements.webviewRenderMs = {
      batches: stats.render.count,
      script: stats.render.scriptMs,
      toPaint: stats.render.frameMs,
      maxLogRowsInDom: stats.render.maxLogRowsInDom,
    };
    measurements.loadAverage = loadavg().map((n) => Math.round(n * 100) / 100);
    measurements.streamTotals = events;
    await wb.screenshot("stream-finished");

    // The panel's own cost per batch, with the machine otherwise quieter (the run is over):
    // 100 batches of 25 events like the stream's, posted to the panel's message handler,
    // on top of the 3,000 events already in the log.
    const before = stats.render.count;
    await frame.evaluate(async (firstSeq) => {
      let seq = firstSeq;
      const ts = () => new Date().toISOString();
      const pipeline = (type, node, extra = {}) => ({ type: "event", params: { seq: seq++, event: { ts: ts(), source: "pipeline", type, node_id: node, ...extra } } });
      for (let batch = 0; batch < 100; batch++) {
        const messages = [];
        for (let i = 0; i < 5; i++) {
          const node = `Step${((batch * 5 + i) % 600) + 1}`;
          messages.push(
            pipeline("stage_started", node, { message: `executing node "${node}"` }),
            pipeline("decision_outcome", node, { message: `node "${node}" outcome: success`, context_updates: { tool_stdout: `${node}\n` } }),
            pipeline("stage_completed", node, { message: `node "${node}" completed` }),
            pipeline("decision_edge", node, { message: `edge selected ${node}->next via weight` }),
            pipeline("checkpoint_saved", node),
          );
        }
        window.postMessage({ type: "batch", messages }, "*");
        await new Promise((r) => setTimeout(r, 40));
      }
    }, measurements.streamEventsTotal + 1);
    await sleep(1500);
    const after = JSON.parse(await frame.evaluate(() => document.body.dataset.latency));
    const quiet = after.render.samples.slice(before).sort((a, b) => a - b);
    assert.ok(quiet.length >= 50, `only ${quiet.length} renders of the synthetic batches`);
    const pick = (p) => quiet[Math.min(quiet.length - 1, Math.floor(p * quiet.length))];
    measurements.webviewRenderQuietMs = { batches: quiet.length, logRows: after.render.logRows, p50: pick(0.5), p95: pick(0.95), max: quiet[quiet.length - 1] };
    measurements.loadAverageQuiet = loadavg().map((n) => Math.round(n * 100) / 100);
    await followsTheEnd(frame, /edge selected Step500->next/);
  });

  uiTest("a run panel comes back after a window reload", async () => {
    await wb.runCommand("Developer: Reload Window");
    await sleep(3000);
    await wb.page.waitForSelector(".monaco-workbench .part.statusbar", { timeout: 120000 });
    const frame = await panelFrame("Stream");
    await wb.waitInFrame(frame, () => document.body.dataset.lifecycle === "succeeded", undefined, 60000);
    assert.equal(await nodeState(frame, "Step1"), "success");
    await wb.screenshot("restored-panel");
  }, { keepEditors: true });
});
