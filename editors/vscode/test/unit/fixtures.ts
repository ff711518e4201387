/** Reads the recorded notification streams in test/fixtures (see test/tools/record-runs.mjs). */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { GateOpened } from "../../src/protocol";
import { messageFromNotification, type RunMessage } from "../../src/runModel";

const here = dirname(fileURLToPath(import.meta.url));
// Bundled tests live in out/test/; the fixtures stay in test/fixtures/.
export const FIXTURES = join(here, "..", "..", "test", "fixtures");

export interface Recorded {
  method: string;
  params: { runId?: string } & Record<string, unknown>;
}

export function recorded(name: string): Recorded[] {
  return readFileSync(join(FIXTURES, `${name}.jsonl`), "utf8")
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as Recorded);
}

export function messages(name: string): RunMessage[] {
  return recorded(name)
    .map((n) => messageFromNotification(n.method, n.params))
    .filter((m): m is RunMessage => m !== undefined);
}

export function runIdOf(name: string): string {
  const first = recorded(name).find((n) => n.params.runId);
  if (!first?.params.runId) throw new Error(`no runId in ${name}`);
  return first.params.runId;
}

export function gatesOf(name: string): GateOpened[] {
  return recorded(name)
    .filter((n) => n.method === "tracker/gateOpened")
    .map((n) => n.params as unknown as GateOpened);
}
