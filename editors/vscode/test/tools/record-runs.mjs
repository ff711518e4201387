// Records the notifications tracker-lsp sends while it runs the example pipelines, into
// test/fixtures/*.jsonl (one {method, params} per line). The unit tests feed these real
// streams to the run panel's reducer. Run again after a protocol change:
//   PATH=/work/main/.venv/bin:$PATH node test/tools/record-runs.mjs
import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { startServer } from "../support/lsp.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const examples = resolve(here, "../../../../examples");
const fixtures = resolve(here, "../fixtures");

const workdir = mkdtempSync(join(tmpdir(), "tracker-record-"));
cpSync(examples, workdir, { recursive: true });

function sanitize(value) {
  const text = JSON.stringify(value)
    .replaceAll(pathToFileURL(workdir).href, "file:///WORKDIR")
    .replaceAll(workdir, "/WORKDIR");
  return JSON.parse(text);
}

async function record(name, file, answers, { cancelAfterFirstGate = false } = {}) {
  const server = await startServer({ rootPath: workdir });
  const uri = pathToFileURL(join(workdir, file)).href;
  const started = await server.connection.sendRequest("workspace/executeCommand", {
    command: "tracker.run",
    arguments: [{ uri }],
  });
  const runId = started.runId;
  let answered = 0;
  let resumed = false;
  for (;;) {
    const item = await server.waitFor(
      (n) =>
        n.params?.runId === runId &&
        ((n.method === "tracker/gateOpened" && !n.handled) ||
          (n.method === "tracker/runState" && !n.params.active && !n.handled)),
      60000,
    );
    item.handled = true;
    if (item.method === "tracker/runState") {
      if (cancelAfterFirstGate && !resumed) {
        resumed = true;
        await server.connection.sendRequest("workspace/executeCommand", {
          command: "tracker.run",
          arguments: [{ uri, resume: runId }],
        });
        continue;
      }
      break;
    }
    if (cancelAfterFirstGate && !resumed) {
      await server.connection.sendRequest("workspace/executeCommand", {
        command: "tracker.cancel",
        arguments: [{ runId }],
      });
      continue;
    }
    const answer = answers[answered++] ?? answers[answers.length - 1];
    await server.connection.sendRequest("workspace/executeCommand", {
      command: "tracker.answerGate",
      arguments: [{ runId, gateId: item.params.gateId, answer: answer(item.params) }],
    });
  }
  const lines = server.notifications
    .filter((n) => n.method.startsWith("tracker/"))
    .map((n) => JSON.stringify(sanitize({ method: n.method, params: n.params })));
  writeFileSync(join(fixtures, `${name}.jsonl`), lines.join("\n") + "\n");
  console.log(`${name}: ${lines.length} notifications`);
  await server.stop();
}

await record("release_check", "release_check.dip", [() => ({ choice: "ship" })]);
await record("gate_modes", "gate_modes.dip", [
  () => ({ choice: "yes" }),
  () => ({ choice: "chocolate" }),
  () => ({ freeform: "warm and brief" }),
  (gate) => ({
    answers: Object.fromEntries(
      gate.questions.map((q) => [q.id, q.kind === "confirm" ? "yes" : q.options[0] ?? "Tracker"]),
    ),
  }),
]);
await record("cancel_resume", "release_check.dip", [() => ({ choice: "hold" })], {
  cancelAfterFirstGate: true,
});
