/** The panel's reducer fed with event streams recorded from the real tracker-lsp. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  applyMessage,
  compactBatch,
  createModel,
  describeEvent,
  filterLog,
  formatDuration,
  LOG_KINDS,
  type LogKind,
  reduceAll,
  type RunMessage,
  type RunModel,
  slimEvent,
} from "../../src/runModel";
import { messages, runIdOf } from "./fixtures";

function replay(name: string, upTo?: (m: RunMessage, index: number) => boolean): RunModel {
  const model = createModel(runIdOf(name));
  const all = messages(name);
  for (const [index, message] of all.entries()) {
    applyMessage(model, message);
    if (upTo?.(message, index)) break;
  }
  return model;
}

function states(model: RunModel): Record<string, string> {
  return Object.fromEntries(model.nodes.map((n) => [n.id, n.state]));
}

describe("release_check: parallel checks, a choice gate answered 'ship'", () => {
  test("the finished run: every node's final state, no open gate, success", () => {
    const model = replay("release_check");
    assert.equal(model.workflow, "ReleaseCheck");
    assert.equal(model.lifecycle, "succeeded");
    assert.equal(model.status, "success");
    assert.equal(model.active, false);
    assert.deepEqual(model.gates, []);
    assert.deepEqual(states(model), {
      Start: "success",
      Inventory: "success",
      Checks: "success",
      Changelog: "success",
      Licenses: "success",
      Smoke: "success",
      Join: "success",
      Report: "success",
      Approve: "success",
      Ship: "success",
      Hold: "skipped",
      Done: "success",
    });
    const ship = model.closedGates[Object.keys(model.closedGates)[0]];
    assert.deepEqual(ship.answer, { choice: "ship" });
    assert.equal(ship.answeredBy, "human");
  });

  test("while the gate waits: Approve is waiting, the gate is open, later nodes pending", () => {
    const model = replay("release_check", (m) => m.type === "gateOpened");
    assert.equal(model.active, true);
    assert.equal(model.gates.length, 1);
    assert.equal(model.gates[0].mode, "choice");
    assert.deepEqual(model.gates[0].choices, ["ship", "hold", "recheck"]);
    assert.equal(states(model).Approve, "waiting");
    assert.equal(states(model).Report, "success");
    assert.equal(states(model).Ship, "pending");
  });

  test("a node is running between its start and completion events", () => {
    const model = replay(
      "release_check",
      (m) => m.type === "event" && m.params.event.type === "stage_started" && m.params.event.node_id === "Inventory",
    );
    assert.equal(states(model).Inventory, "running");
    assert.equal(model.currentNode, "Inventory");
  });

  test("durations come from the events' timestamps", () => {
    const model = replay("release_check");
    const inventory = model.nodes.find((n) => n.id === "Inventory")!;
    assert.equal(typeof inventory.durationMs, "number");
    assert.ok(inventory.durationMs! >= 0 && inventory.durationMs! < 10000);
    assert.equal(model.nodes.find((n) => n.id === "Hold")!.durationMs, undefined);
  });

  test("the activity log has the tool output tails and the decisions", () => {
    const model = replay("release_check");
    const text = model.log.map((e) => `${e.kind}: ${e.text}`).join("\n");
    assert.match(text, /tool: stdout:\n(.|\n)*would tag v1\.0\.0/);
    assert.match(text, /decision: edge selected Approve->Ship/);
    assert.ok(!model.log.some((e) => /checkpoint saved/.test(e.text)), "checkpoints are not logged");
    assert.equal(model.eventCount, model.lastSeq);
  });

  test("replaying a stream twice changes nothing (events are applied once, by seq)", () => {
    const once = replay("release_check");
    const twice = reduceAll(replay("release_check"), messages("release_check"));
    assert.equal(twice.log.length, once.log.length);
    assert.deepEqual(states(twice), states(once));
  });
});

describe("gate_modes: yes/no, choice, hybrid, interview", () => {
  test("each gate opens, closes with its answer, and routes the run", () => {
    const model = replay("gate_modes");
    assert.equal(model.lifecycle, "succeeded");
    const answers = Object.values(model.closedGates).map((g) => g.answer);
    assert.deepEqual(answers.slice(0, 3), [{ choice: "Yes" }, { choice: "chocolate" }, { freeform: "warm and brief" }]);
    assert.ok(answers[3]?.answers, "the interview was answered with answers");
    const s = states(model);
    assert.equal(s.Chocolate, "success");
    assert.equal(s.Vanilla, "skipped");
    assert.equal(s.Stop, "skipped");
    assert.equal(s.Write, "success");
  });

  test("a gate closed before its gateOpened arrives (another panel, a timeout) stays closed", () => {
    const all = messages("gate_modes");
    const opened = all.find((m) => m.type === "gateOpened")!;
    const closed = all.find((m) => m.type === "gateClosed")!;
    const model = createModel(runIdOf("gate_modes"));
    applyMessage(model, closed);
    applyMessage(model, opened);
    assert.deepEqual(model.gates, []);
  });

  test("a gate answered elsewhere closes in the panel", () => {
    const all = messages("gate_modes");
    const index = all.findIndex((m) => m.type === "gateOpened");
    const model = reduceAll(createModel(runIdOf("gate_modes")), all.slice(0, index + 1));
    assert.equal(model.gates.length, 1);
    const gateId = model.gates[0].gateId;
    applyMessage(model, {
      type: "gateClosed",
      closed: { runId: model.runId, gateId, answeredBy: "webhook", answer: { choice: "No" } },
    });
    assert.deepEqual(model.gates, []);
    assert.equal(model.closedGates[gateId].answeredBy, "webhook");
  });
});

describe("cancel_resume: cancelled at the first gate, then resumed to the end", () => {
  test("the cancelled run ends canceled with its gate closed by the cancel", () => {
    const all = messages("cancel_resume");
    const index = all.findIndex((m) => m.type === "snapshot" && m.snapshot.state === "canceled");
    assert.ok(index > 0, "the recording has the canceled snapshot");
    const model = reduceAll(createModel(runIdOf("cancel_resume")), all.slice(0, index + 1));
    assert.equal(model.active, false);
    assert.equal(model.lifecycle, "canceled");
    assert.deepEqual(model.gates, []);
    assert.equal(Object.values(model.closedGates)[0].answeredBy, "cancelled");
  });

  test("the resumed run continues the same model and succeeds", () => {
    const model = replay("cancel_resume");
    assert.equal(model.lifecycle, "succeeded");
    const s = states(model);
    assert.equal(s.Hold, "success");
    assert.equal(s.Ship, "skipped");
  });
});

describe("snapshots", () => {
  test("a restored panel gets everything from one snapshot with its recent events", () => {
    const live = replay("release_check");
    const all = messages("release_check");
    const last = [...all].reverse().find((m) => m.type === "snapshot")!;
    assert.equal(last.type, "snapshot");
    const events = all.flatMap((m) => (m.type === "event" ? [{ seq: m.params.seq, event: m.params.event }] : []));
    const restored = applyMessage(createModel(live.runId), {
      type: "snapshot",
      snapshot: { ...last.snapshot, events },
    });
    assert.deepEqual(states(restored), states(live));
    assert.equal(restored.log.length, live.log.length);
    assert.equal(restored.lifecycle, "succeeded");
  });

  test("server node states map to the panel's names", () => {
    const model = createModel("r1");
    applyMessage(model, {
      type: "snapshot",
      snapshot: {
        runId: "r1",
        workflow: "W",
        uri: null,
        workdir: "/w",
        state: "running",
        status: "running",
        active: true,
        nodes: (["pending", "running", "waiting", "retrying", "done", "failed", "skipped"] as const).map((state, i) => ({
          id: `N${i}`,
          label: "",
          kind: "tool",
          state,
          attempts: 1,
        })),
        pendingGates: [],
        cost: { totalTokens: 1200, totalCostUsd: 0.0123, estimated: true },
      },
    });
    assert.deepEqual(
      model.nodes.map((n) => n.state),
      ["pending", "running", "waiting", "retrying", "success", "fail", "skipped"],
    );
    assert.equal(model.nodes[0].label, "N0");
    assert.deepEqual(model.cost, { totalTokens: 1200, totalCostUsd: 0.0123, estimated: true });
  });
});

describe("activity log", () => {
  test("agent text, failures and retries get their own kinds", () => {
    const agent = describeEvent(1, { ts: "2026-01-01T00:00:00Z", source: "agent", type: "text", node_id: "A", content: "thinking…" });
    assert.deepEqual(agent.map((e) => [e.kind, e.text]), [["agent", "thinking…"]]);
    const failed = describeEvent(2, { ts: "t", source: "pipeline", type: "stage_failed", node_id: "T", message: "node T failed", error: "exit 2" });
    assert.deepEqual(failed.map((e) => [e.kind, e.text]), [["error", "node T failed: exit 2"]]);
    const retry = describeEvent(3, { ts: "t", source: "pipeline", type: "stage_retrying", node_id: "T", message: "retrying T" });
    assert.equal(retry[0].kind, "warning");
  });

  test("long tool output keeps its tail", () => {
    const stdout = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join("\n");
    const [, tool] = describeEvent(4, {
      ts: "t",
      source: "pipeline",
      type: "decision_outcome",
      node_id: "T",
      message: "outcome",
      context_updates: { tool_stdout: stdout },
    });
    assert.equal(tool.kind, "tool");
    assert.ok(tool.text.includes("line 30") && !tool.text.includes("line 3\n"));
    assert.ok(tool.text.includes("…"));
  });

  test("filtering by text and kind", () => {
    const model = replay("release_check");
    const all = new Set<LogKind>(LOG_KINDS);
    assert.equal(filterLog(model.log, "", all).length, model.log.length);
    const tools = filterLog(model.log, "", new Set<LogKind>(["tool"]));
    assert.ok(tools.length > 0 && tools.every((e) => e.kind === "tool"));
    const smoke = filterLog(model.log, "SMOKE", all);
    assert.ok(smoke.length > 0 && smoke.every((e) => /smoke/i.test(e.text) || /smoke/i.test(e.node ?? "")));
  });

  test("the log keeps its newest entries", () => {
    const model = createModel("r");
    for (let seq = 1; seq <= 6000; seq++) {
      applyMessage(model, {
        type: "event",
        params: { runId: "r", seq, event: { ts: "t", source: "pipeline", type: "warning", message: `w${seq}` } },
      });
    }
    assert.equal(model.log.length, 5000);
    assert.equal(model.log[model.log.length - 1].text, "w6000");
  });

  test("durations read well", () => {
    assert.equal(formatDuration(340), "340 ms");
    assert.equal(formatDuration(1234), "1.2 s");
    assert.equal(formatDuration(125000), "2 min 5 s");
  });
});

describe("batches for a webview", () => {
  function nodesOf(model: RunModel) {
    return model.nodes.map((n) => ({ id: n.id, state: n.state, attempts: n.attempts, durationMs: n.durationMs }));
  }

  for (const name of ["release_check", "gate_modes", "cancel_resume"]) {
    test(`${name}: compacted batches give the same model as the raw stream`, () => {
      const all = messages(name);
      const direct = reduceAll(createModel(runIdOf(name)), all);
      for (const size of [1, 3, 7, 50]) {
        const viaBatches = createModel(runIdOf(name));
        const sent = new Map<string, string>();
        for (let i = 0; i < all.length; i += size) {
          reduceAll(viaBatches, compactBatch(all.slice(i, i + size), sent));
        }
        assert.deepEqual(nodesOf(viaBatches), nodesOf(direct), `batch size ${size}`);
        assert.deepEqual(viaBatches.gates, direct.gates);
        assert.deepEqual(viaBatches.log, direct.log);
        assert.equal(viaBatches.lifecycle, direct.lifecycle);
      }
    });
  }

  test("a batch keeps only its last snapshot, with only the nodes that changed", () => {
    const snapshots = messages("cancel_resume").filter((m) => m.type === "snapshot");
    assert.ok(snapshots.length >= 3, `${snapshots.length} snapshots`);
    const sent = new Map<string, string>();
    const first = compactBatch([snapshots[0]], sent);
    assert.equal(first.length, 1);
    assert.equal(first[0].type === "snapshot" && first[0].snapshot.nodesPatch, undefined, "the first one is complete");
    const next = compactBatch(snapshots.slice(1, 3), sent); // two consecutive snapshots: one state change
    assert.equal(next.length, 1);
    const patch = next[0].type === "snapshot" ? next[0].snapshot : undefined;
    assert.equal(patch?.nodesPatch, true);
    const full = snapshots[2].type === "snapshot" ? snapshots[2].snapshot.nodes.length : 0;
    assert.ok(patch!.nodes.length < full, `only changed nodes travel (${patch!.nodes.length} of ${full})`);
  });

  test("events lose the context snapshot but keep tool output", () => {
    const event = {
      ts: "t",
      source: "pipeline",
      type: "decision_outcome",
      node_id: "T",
      message: "m",
      context_snapshot: { big: "x".repeat(1000) },
      context_updates: { tool_stdout: "out", other: "y" },
    };
    const slim = slimEvent(event);
    assert.equal(slim.context_snapshot, undefined);
    assert.deepEqual(slim.context_updates, { tool_stdout: "out" });
    assert.deepEqual(describeEvent(1, slim), describeEvent(1, event));
  });
});
