/**
 * The run panel's state and its reducer: every message the server sends about a run
 * (snapshots, stream events, gates opened and closed) is folded into one {@link RunModel}.
 * The same code runs in the extension host (tree view, status bar, gate notifications)
 * and in the panel's webview (rendering). No VS Code API is used here.
 */
import type {
  CostSnapshot,
  GateClosed,
  GateOpened,
  NodeSnapshot,
  RunEventParams,
  RunSnapshot,
  ServerNodeState,
  StreamEvent,
} from "./protocol";

/** Node states as the panel shows them. */
export type NodeState = "pending" | "running" | "waiting" | "retrying" | "success" | "fail" | "skipped";

export interface NodeView {
  id: string;
  label: string;
  kind: string;
  state: NodeState;
  attempts: number;
  error?: string;
  /** Epoch milliseconds of the latest start (from the event stream). */
  startedAt?: number;
  /** Milliseconds of the latest finished attempt. */
  durationMs?: number;
}

export type LogKind = "run" | "stage" | "agent" | "tool" | "decision" | "gate" | "cost" | "warning" | "error";

export const LOG_KINDS: readonly LogKind[] = [
  "run",
  "stage",
  "agent",
  "tool",
  "decision",
  "gate",
  "cost",
  "warning",
  "error",
];

export interface LogEntry {
  seq: number;
  ts: string;
  kind: LogKind;
  node?: string;
  text: string;
}

export interface RunModel {
  runId: string;
  workflow: string;
  uri: string | null;
  workdir: string;
  /** The server's lifecycle: starting, running, succeeded, failed, canceled, paused. */
  lifecycle: string;
  /** The engine status: running, success, fail, … */
  status: string;
  active: boolean;
  currentNode: string;
  nodes: NodeView[];
  /** Open gates, oldest first. */
  gates: GateOpened[];
  /** Gates that closed, by gate ID (a late gateOpened for one of these is ignored). */
  closedGates: Record<string, GateClosed>;
  cost: CostSnapshot;
  log: LogEntry[];
  /** Sequence number of the last stream event applied. */
  lastSeq: number;
  eventCount: number;
  error?: string;
  startedAt?: string;
  finishedAt?: string;
}

export type RunMessage =
  | { type: "snapshot"; snapshot: RunSnapshot }
  | { type: "event"; params: RunEventParams }
  | { type: "gateOpened"; gate: GateOpened }
  | { type: "gateClosed"; closed: GateClosed };

/** How many log entries a model keeps (the oldest are dropped first). */
export const LOG_LIMIT = 5000;
const TAIL_LINES = 8;

export function createModel(runId: string): RunModel {
  return {
    runId,
    workflow: "",
    uri: null,
    workdir: "",
    lifecycle: "starting",
    status: "running",
    active: true,
    currentNode: "",
    nodes: [],
    gates: [],
    closedGates: {},
    cost: { totalTokens: 0, totalCostUsd: 0, estimated: false },
    log: [],
    lastSeq: 0,
    eventCount: 0,
  };
}

const STATE_NAMES: Record<ServerNodeState, NodeState> = {
  pending: "pending",
  running: "running",
  waiting: "waiting",
  retrying: "retrying",
  done: "success",
  failed: "fail",
  skipped: "skipped",
};

export function nodeState(state: string): NodeState {
  return STATE_NAMES[state as ServerNodeState] ?? "pending";
}

/** Fold one message into `model` (changed in place, and returned). */
export function applyMessage(model: RunModel, message: RunMessage): RunModel {
  switch (message.type) {
    case "snapshot":
      return applySnapshot(model, message.snapshot);
    case "event":
      return applyEvent(model, message.params.seq, message.params.event);
    case "gateOpened":
      return openGate(model, message.gate);
    case "gateClosed":
      return closeGate(model, message.closed);
  }
}

/** Fold a list of messages (a recorded stream, a batch from the extension host). */
export function reduceAll(model: RunModel, messages: Iterable<RunMessage>): RunModel {
  for (const message of messages) applyMessage(model, message);
  return model;
}

/** A `tracker/*` notification as a {@link RunMessage}, or undefined for other methods. */
export function messageFromNotification(method: string, params: unknown): RunMessage | undefined {
  switch (method) {
    case "tracker/runState":
      return { type: "snapshot", snapshot: params as RunSnapshot };
    case "tracker/runEvent":
      return { type: "event", params: params as RunEventParams };
    case "tracker/gateOpened":
      return { type: "gateOpened", gate: params as GateOpened };
    case "tracker/gateClosed":
      return { type: "gateClosed", closed: params as GateClosed };
    default:
      return undefined;
  }
}

function applySnapshot(model: RunModel, snap: RunSnapshot): RunModel {
  model.workflow = snap.workflow ?? model.workflow;
  model.uri = snap.uri ?? model.uri;
  model.workdir = snap.workdir ?? model.workdir;
  model.lifecycle = snap.state ?? model.lifecycle;
  model.status = snap.status ?? model.status;
  model.active = Boolean(snap.active);
  model.currentNode = snap.currentNode ?? "";
  model.error = snap.error;
  model.startedAt = snap.startedAt ?? model.startedAt;
  model.finishedAt = snap.finishedAt;
  if (snap.cost) model.cost = { ...snap.cost };
  if (typeof snap.eventCount === "number") model.eventCount = Math.max(model.eventCount, snap.eventCount);
  const previous = new Map(model.nodes.map((n) => [n.id, n]));
  const views = (snap.nodes ?? []).map((n: NodeSnapshot) => {
    const before = previous.get(n.id);
    return {
      id: n.id,
      label: n.label || n.id,
      kind: n.kind,
      state: nodeState(n.state),
      attempts: n.attempts,
      error: n.error,
      startedAt: before?.startedAt,
      durationMs: before?.durationMs,
    };
  });
  if (snap.nodesPatch) {
    const changed = new Map(views.map((n) => [n.id, n]));
    model.nodes = model.nodes.map((n) => changed.get(n.id) ?? n);
  } else {
    model.nodes = views;
  }
  model.gates = (snap.pendingGates ?? []).filter((g) => !(g.gateId in model.closedGates));
  for (const item of snap.events ?? []) applyEvent(model, item.seq, item.event);
  return model;
}

function node(model: RunModel, id: string, kind = ""): NodeView {
  let found = model.nodes.find((n) => n.id === id);
  if (!found) {
    found = { id, label: id.split("/").pop() ?? id, kind, state: "pending", attempts: 0 };
    model.nodes.push(found);
  }
  return found;
}

function epoch(ts: string): number | undefined {
  const ms = Date.parse(ts);
  return Number.isNaN(ms) ? undefined : ms;
}

function applyEvent(model: RunModel, seq: number, event: StreamEvent): RunModel {
  if (seq <= model.lastSeq) return model; // replayed (restore) or duplicate
  model.lastSeq = seq;
  model.eventCount = Math.max(model.eventCount, seq);
  const id = event.node_id ?? "";
  const ownRun = !event.run_id || event.run_id === model.runId;
  if (event.source === "pipeline" && id) {
    const at = epoch(event.ts);
    switch (event.type) {
      case "stage_started": {
        const n = node(model, id, event.node_kind ?? "");
        n.state = "running";
        n.attempts = Math.max(n.attempts, event.attempt_no ?? n.attempts + 1);
        n.error = undefined;
        n.startedAt = at;
        n.durationMs = undefined;
        if (!id.includes("/")) model.currentNode = id;
        break;
      }
      case "stage_completed":
      case "node_memo_replayed":
        finishNode(node(model, id), "success", at);
        break;
      case "stage_failed":
        finishNode(node(model, id), "fail", at, firstLine(event.error || event.message));
        break;
      case "stage_retrying":
        node(model, id).state = "retrying";
        break;
      case "gate_opened":
        node(model, id).state = "waiting";
        break;
      case "gate_resolved":
        node(model, id).state = "running";
        break;
      case "decision_restart":
        for (const cleared of (event.cleared_nodes as string[] | undefined) ?? []) {
          const n = node(model, cleared);
          n.state = "pending";
          n.durationMs = undefined;
        }
        break;
    }
  }
  if (event.type === "cost_updated" && ownRun) {
    model.cost = {
      totalTokens: event.total_tokens ?? model.cost.totalTokens,
      totalCostUsd: event.total_cost_usd ?? model.cost.totalCostUsd,
      estimated: model.cost.estimated || Boolean(event.estimated),
    };
  }
  for (const entry of describeEvent(seq, event)) {
    model.log.push(entry);
  }
  if (model.log.length > LOG_LIMIT) model.log.splice(0, model.log.length - LOG_LIMIT);
  return model;
}

function finishNode(n: NodeView, state: NodeState, at: number | undefined, error?: string): void {
  n.state = state;
  if (error) n.error = error;
  if (n.startedAt !== undefined && at !== undefined) n.durationMs = Math.max(0, at - n.startedAt);
}

function openGate(model: RunModel, gate: GateOpened): RunModel {
  if (gate.gateId in model.closedGates) return model;
  if (!model.gates.some((g) => g.gateId === gate.gateId)) model.gates.push(gate);
  if (gate.nodeId) node(model, gate.nodeId).state = "waiting";
  return model;
}

function closeGate(model: RunModel, closed: GateClosed): RunModel {
  model.closedGates[closed.gateId] = closed;
  model.gates = model.gates.filter((g) => g.gateId !== closed.gateId);
  return model;
}

function firstLine(text: string | undefined): string | undefined {
  const line = (text ?? "").trim().split("\n")[0];
  return line ? line.slice(0, 200) : undefined;
}

function tail(text: string, lines = TAIL_LINES): string {
  const all = text.replace(/\s+$/, "").split("\n");
  return (all.length > lines ? ["…", ...all.slice(-lines)] : all).join("\n");
}

/** The activity-log entries of one stream event (none for bookkeeping events). */
export function describeEvent(seq: number, event: StreamEvent): LogEntry[] {
  const base = { seq, ts: event.ts, node: event.node_id || undefined };
  const entry = (kind: LogKind, text: string): LogEntry => ({ ...base, kind, text });
  const message = event.message ?? "";
  if (event.source === "agent" || event.source === "llm") {
    const text = event.content || message || event.type;
    return [entry("agent", event.tool_name ? `${event.tool_name}: ${tail(text)}` : tail(text))];
  }
  switch (event.type) {
    case "checkpoint_saved":
      return [];
    case "pipeline_started":
      return [entry("run", message || "run started")];
    case "pipeline_completed":
      return [entry("run", message || "run completed")];
    case "pipeline_failed":
    case "budget_exceeded":
    case "billing_paused":
    case "checkpoint_failed":
      return [entry("error", event.error ? `${message}: ${event.error}` : message)];
    case "stage_started":
      return [entry("stage", message || `started ${event.node_id}`)];
    case "stage_completed":
    case "node_memo_replayed":
      return [entry("stage", message || `completed ${event.node_id}`)];
    case "stage_failed":
      return [entry("error", [message, event.error].filter(Boolean).join(": "))];
    case "stage_retrying":
      return [entry("warning", message)];
    case "decision_outcome": {
      const out = [entry("decision", message)];
      const updates = event.context_updates ?? {};
      for (const key of ["tool_stdout", "tool_stderr"]) {
        const text = updates[key];
        if (text) out.push(entry("tool", `${key === "tool_stdout" ? "stdout" : "stderr"}:\n${tail(text)}`));
      }
      return out;
    }
    case "decision_edge":
    case "decision_condition":
    case "decision_restart":
    case "edge_tiebreaker":
    case "conditional_fallthrough":
    case "loop_restart":
      return [entry("decision", message)];
    case "gate_opened":
      return [entry("gate", message || `gate opened: ${String(event.gate_label ?? event.node_id ?? "")}`)];
    case "gate_resolved":
      return [
        entry(
          "gate",
          message || `gate answered${event.gate_actor ? ` by ${String(event.gate_actor)}` : ""}: ${event.gate_response ?? ""}`,
        ),
      ];
    case "cost_updated":
      return [entry("cost", message || `${event.total_tokens ?? 0} tokens, $${(event.total_cost_usd ?? 0).toFixed(4)}`)];
    case "tool_output_truncated":
    case "warning":
    case "tool_marker_missing":
    case "tool_route_missing":
    case "auto_status_missing":
    case "node_no_progress_detected":
    case "node_cost_limit_exceeded":
      return [entry("warning", message)];
    default:
      return message ? [entry("run", message)] : [];
  }
}

/** Log entries matching a text filter and a set of kinds. */
export function filterLog(log: readonly LogEntry[], text: string, kinds: ReadonlySet<LogKind>): LogEntry[] {
  const needle = text.trim().toLowerCase();
  return log.filter(
    (e) =>
      kinds.has(e.kind) &&
      (!needle || e.text.toLowerCase().includes(needle) || (e.node ?? "").toLowerCase().includes(needle)),
  );
}

/** "1.2 s", "340 ms", "2 min 5 s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60000);
  return `${minutes} min ${Math.round((ms % 60000) / 1000)} s`;
}

/** Whether a run is finished (no more events expected). */
export function isFinished(model: RunModel): boolean {
  return !model.active && model.lifecycle !== "starting";
}

/** Event keys the model reads; the rest (context snapshots, node lists) need not travel to a webview. */
const EVENT_KEYS = new Set([
  "ts", "source", "type", "run_id", "node_id", "node_kind", "message", "error", "content", "tool_name",
  "total_tokens", "total_cost_usd", "estimated", "attempt_no", "gate_id", "gate_label", "gate_response",
  "gate_actor", "cleared_nodes", "terminal_status",
]);

/** An event with only what the model reads (tool output kept, the context snapshot dropped). */
export function slimEvent(event: StreamEvent): StreamEvent {
  const out: StreamEvent = { ts: event.ts, source: event.source, type: event.type };
  for (const [key, value] of Object.entries(event)) {
    if (EVENT_KEYS.has(key)) out[key] = value;
  }
  const updates = event.context_updates;
  if (updates && (updates.tool_stdout || updates.tool_stderr)) {
    out.context_updates = {};
    if (updates.tool_stdout) out.context_updates.tool_stdout = updates.tool_stdout;
    if (updates.tool_stderr) out.context_updates.tool_stderr = updates.tool_stderr;
  }
  return out;
}

/** The node fields a snapshot patch compares. */
export function nodeKey(n: NodeSnapshot): string {
  return `${n.state}|${n.attempts}|${n.label}|${n.kind}|${n.error ?? ""}`;
}

/**
 * Shrink a batch for a webview: only the last snapshot of the batch is kept (snapshots are
 * complete), it carries only the nodes that changed since `sent` (updated in place), and
 * events lose what the model does not read. Applying the result to a model that has seen
 * the earlier batches gives the same model as applying `messages`.
 */
export function compactBatch(messages: RunMessage[], sent: Map<string, string>): RunMessage[] {
  let last = -1;
  messages.forEach((m, i) => {
    if (m.type === "snapshot") last = i;
  });
  const out: RunMessage[] = [];
  messages.forEach((message, index) => {
    if (message.type === "event") {
      out.push({ type: "event", params: { ...message.params, event: slimEvent(message.params.event) } });
    } else if (message.type === "snapshot") {
      if (index !== last) return;
      const snap = message.snapshot;
      const nodes = snap.nodes ?? [];
      const sameList = nodes.length === sent.size && nodes.every((n) => sent.has(n.id));
      const changed = nodes.filter((n) => sent.get(n.id) !== nodeKey(n));
      if (!sameList) sent.clear();
      for (const n of nodes) sent.set(n.id, nodeKey(n));
      const { events: _events, ...rest } = snap;
      out.push({
        type: "snapshot",
        snapshot: sameList ? { ...rest, nodes: changed, nodesPatch: true } : { ...rest, nodes },
      });
    } else {
      out.push(message);
    }
  });
  return out;
}
