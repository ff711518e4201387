/**
 * The editor run protocol as the extension sees it (docs/editor-protocol.md): command
 * and notification names and the shapes of their payloads. Only what the extension reads
 * is typed; everything else passes through untouched.
 */

/** The protocol major version this extension speaks. */
export const PROTOCOL_MAJOR = 1;

export const Commands = {
  run: "tracker.run",
  cancel: "tracker.cancel",
  answerGate: "tracker.answerGate",
  runs: "tracker.runs",
  runState: "tracker.runState",
  simulate: "tracker.simulate",
  graph: "tracker.graph",
  diagnose: "tracker.diagnose",
} as const;

export const Notifications = {
  runEvent: "tracker/runEvent",
  runState: "tracker/runState",
  gateOpened: "tracker/gateOpened",
  gateClosed: "tracker/gateClosed",
} as const;

export type GateMode = "choice" | "freeform" | "hybrid" | "yes_no" | "interview";

export interface GateQuestion {
  id: string;
  text: string;
  kind: "select" | "confirm" | "text";
  options: string[];
  prefill?: string;
  context?: string;
}

/** `tracker/gateOpened` params (also the items of a snapshot's `pendingGates`). */
export interface GateOpened {
  runId: string;
  gateId: string;
  nodeId: string;
  mode: GateMode;
  label?: string;
  prompt: string;
  choices: string[];
  questions: GateQuestion[];
  default?: string;
  timeoutSeconds?: number;
  timeoutAction?: string;
  openedAt?: string;
}

export interface GateAnswer {
  choice?: string;
  freeform?: string;
  answers?: Record<string, string>;
}

/** `tracker/gateClosed` params. */
export interface GateClosed {
  runId: string;
  gateId: string;
  nodeId?: string;
  answeredBy: string;
  answer: GateAnswer | null;
}

/** A StreamEvent: the object `tracker --json` prints for one engine event. */
export interface StreamEvent {
  ts: string;
  source: string;
  type: string;
  run_id?: string;
  node_id?: string;
  node_kind?: string;
  message?: string;
  error?: string;
  content?: string;
  tool_name?: string;
  edge_from?: string;
  edge_to?: string;
  outcome_status?: string;
  context_updates?: Record<string, string>;
  total_tokens?: number;
  total_cost_usd?: number;
  estimated?: boolean;
  attempt_no?: number;
  gate_id?: string;
  gate_response?: string;
  terminal_status?: string;
  [key: string]: unknown;
}

/** `tracker/runEvent` params. */
export interface RunEventParams {
  runId: string;
  seq: number;
  event: StreamEvent;
}

export type ServerNodeState =
  | "pending"
  | "running"
  | "waiting"
  | "retrying"
  | "done"
  | "failed"
  | "skipped";

export interface NodeSnapshot {
  id: string;
  label: string;
  kind: string;
  state: ServerNodeState;
  attempts: number;
  error?: string;
}

export interface CostSnapshot {
  totalTokens: number;
  totalCostUsd: number;
  estimated: boolean;
}

/** `tracker.runState` result and `tracker/runState` params. */
export interface RunSnapshot {
  runId: string;
  workflow: string;
  uri: string | null;
  workdir: string;
  runDir?: string | null;
  state: string;
  status: string;
  active: boolean;
  resumed?: boolean;
  startNode?: string;
  exitNode?: string;
  currentNode?: string;
  nodes: NodeSnapshot[];
  pendingGates: GateOpened[];
  cost: CostSnapshot;
  eventCount?: number;
  startedAt?: string;
  finishedAt?: string;
  error?: string;
  cancelRequested?: boolean;
  events?: { seq: number; event: StreamEvent }[];
  /** Set by the extension host only (never by the server): `nodes` holds just the nodes
   * that changed since the previous snapshot sent to the same webview. */
  nodesPatch?: boolean;
}

/** One item of the `tracker.runs` result. */
export interface RunSummary {
  runId: string;
  workflow?: string;
  workdir?: string;
  uri?: string | null;
  active?: boolean;
  state?: string;
  status?: string;
  timestamp?: string;
  nodes?: number;
  pendingGates?: GateOpened[];
  [key: string]: unknown;
}

/** `tracker.run` arguments. */
export interface RunArguments {
  uri?: string;
  workflow?: string;
  params?: Record<string, string>;
  inputs?: Record<string, string>;
  workdir?: string;
  autoApprove?: boolean;
  resume?: string;
}

export interface RunStarted {
  runId: string;
  workflow?: string;
  workdir?: string;
  resumed?: boolean;
  warnings?: string[];
}

/** The server's protocol version from the `initialize` result, or undefined. */
export function protocolVersion(capabilities: unknown): number | undefined {
  const experimental = (capabilities as { experimental?: { tracker?: { protocolVersion?: unknown } } })
    ?.experimental;
  const version = experimental?.tracker?.protocolVersion;
  return typeof version === "number" ? version : undefined;
}
