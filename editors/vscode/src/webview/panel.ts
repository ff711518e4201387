/**
 * The run panel's script (runs inside the webview). It keeps its own copy of the run
 * model, folds the batches the extension posts with the shared reducer and renders:
 * header and totals, the node list with live states and durations, one form per open
 * gate, and the activity log with a text filter and kind toggles. DOM nodes are created
 * with textContent only (no HTML from the run is ever parsed).
 */
import { answerFromForm, buildGateForm, FormError, type GateForm } from "../gateForms";
import {
  applyMessage,
  createModel,
  filterLog,
  formatDuration,
  LOG_KINDS,
  type LogEntry,
  type LogKind,
  type RunMessage,
  type RunModel,
} from "../runModel";

interface VsCodeApi {
  postMessage(message: unknown): void;
  setState(state: unknown): void;
  getState(): unknown;
}
declare function acquireVsCodeApi(): VsCodeApi;

type Incoming =
  | { type: "reset"; model: RunModel }
  | { type: "batch"; messages: RunMessage[]; receivedAt?: Record<number, number>; postedAt?: number }
  | { type: "answerError"; gateId: string; message: string }
  | { type: "answerSent"; gateId: string };

const vscode = acquireVsCodeApi();
const root = document.getElementById("app")!;
const initialRunId = root.dataset.runId ?? "";
let model: RunModel = createModel(initialRunId);
vscode.setState({ runId: initialRunId });

const DEFAULT_KINDS: LogKind[] = ["run", "stage", "agent", "tool", "decision", "gate", "warning", "error"];
let kinds = new Set<LogKind>(DEFAULT_KINDS);
let filterText = "";
const MAX_LOG_ROWS = 1500;

/**
 * Latency of stream events (ms), from the engine's timestamp: to the extension host, to
 * this webview, and to the panel having rendered it (the figure that matters).
 */
const latencies = { host: [] as number[], webview: [] as number[], rendered: [] as number[], transit: [] as number[] };
/** Every 100th event: [seq, ms to the host, ms to this webview] — shows whether a backlog builds up. */
const series: [number, number, number][] = [];
let pendingEventTimes: number[] = [];
let busyMs = 0;
let batches = 0;
let bytes = 0;

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

// ------------------------------------------------------------------ layout

const header = el("header", { class: "run-header" });
const title = el("h1", { id: "run-title" });
const statusBadge = el("span", { id: "run-status", class: "badge" });
const totals = el("span", { id: "run-totals", class: "totals" });
const cancelButton = el("button", { id: "cancel-run", type: "button" }, "Cancel run");
const resumeButton = el("button", { id: "resume-run", type: "button" }, "Resume");
const diagnoseButton = el("button", { id: "diagnose-run", type: "button", class: "secondary" }, "Diagnose");
const errorLine = el("p", { id: "run-error", class: "error", hidden: "" });
header.append(
  el("div", { class: "title-row" }, title, statusBadge),
  el("div", { class: "actions-row" }, totals, cancelButton, resumeButton, diagnoseButton),
  errorLine,
);

const gatesSection = el("section", { id: "gates", "aria-label": "Open gates" });
const nodesBody = el("tbody");
const nodesTable = el(
  "table",
  { id: "nodes", class: "nodes" },
  el("thead", {}, el("tr", {}, el("th", {}, "Node"), el("th", {}, "State"), el("th", {}, "Time"), el("th", {}, "Tries"))),
  nodesBody,
);
const filterInput = el("input", { id: "log-filter", type: "search", placeholder: "Filter the log" });
const kindToggles = el("div", { class: "kinds" });
for (const kind of LOG_KINDS) {
  const box = el("input", { type: "checkbox", "data-kind": kind, id: `kind-${kind}` });
  box.checked = kinds.has(kind);
  box.addEventListener("change", () => {
    if (box.checked) kinds.add(kind);
    else kinds.delete(kind);
    rebuildLog();
  });
  kindToggles.append(el("label", { class: `kind kind-${kind}` }, box, kind));
}
const logList = el("ol", { id: "log", class: "log" });
root.append(
  header,
  gatesSection,
  el("section", { class: "nodes-section" }, el("h2", {}, "Nodes"), el("div", { class: "nodes-wrap" }, nodesTable)),
  el("section", { class: "log-section" }, el("h2", {}, "Activity"), el("div", { class: "log-tools" }, filterInput, kindToggles), logList),
);

/** Whether the log follows new entries (until the user scrolls up). */
let followLog = true;
let lastLogScrollTop = 0;
logList.addEventListener("scroll", () => {
  const atBottom = logList.scrollTop + logList.clientHeight >= logList.scrollHeight - 8;
  // Rows growing to their real height (content-visibility) move the bottom away without
  // the user scrolling: only scrolling up stops following, reaching the bottom resumes it.
  if (atBottom) followLog = true;
  else if (logList.scrollTop < lastLogScrollTop) followLog = false;
  lastLogScrollTop = logList.scrollTop;
});

filterInput.addEventListener("input", () => {
  filterText = filterInput.value;
  rebuildLog();
});
cancelButton.addEventListener("click", () => vscode.postMessage({ type: "cancel", runId: model.runId }));
resumeButton.addEventListener("click", () => vscode.postMessage({ type: "resume", runId: model.runId }));
diagnoseButton.addEventListener("click", () => vscode.postMessage({ type: "diagnose", runId: model.runId }));

// ------------------------------------------------------------------ rendering

let renderQueued = false;
let lastRenderedSeq = 0; // seq of the newest log entry in the DOM
/** While events stream, render at most this often: layout and paint are what the panel costs. */
const MIN_RENDER_INTERVAL_MS = 100;
let lastRenderAt = 0;

function scheduleRender(): void {
  if (renderQueued) return;
  renderQueued = true;
  const wait = Math.max(0, lastRenderAt + MIN_RENDER_INTERVAL_MS - performance.now());
  setTimeout(() => {
    requestAnimationFrame(() => {
      renderQueued = false;
      render();
    });
  }, wait);
}

function render(): void {
  const began = performance.now();
  lastRenderAt = began;
  renderHeader();
  renderNodes();
  renderGates();
  appendLog();
  const now = Date.now();
  for (const ts of pendingEventTimes) latencies.rendered.push(now - ts);
  pendingEventTimes = [];
  busyMs += performance.now() - began;
  publishStats();
}

function renderHeader(): void {
  title.textContent = model.workflow ? `${model.workflow} — ${model.runId}` : model.runId;
  const label = model.active ? (model.gates.length ? "waiting for you" : "running") : model.lifecycle;
  statusBadge.textContent = label;
  statusBadge.className = `badge state-${model.active ? "running" : model.lifecycle}`;
  const cost = model.cost;
  totals.textContent = `${cost.totalTokens.toLocaleString("en")} tokens · $${cost.totalCostUsd.toFixed(4)}${
    cost.estimated ? " (estimated)" : ""
  } · ${model.eventCount} events`;
  cancelButton.hidden = !model.active;
  resumeButton.hidden = model.active || model.lifecycle === "succeeded";
  errorLine.hidden = !model.error;
  errorLine.textContent = model.error ?? "";
  document.body.dataset.lifecycle = model.lifecycle;
  document.body.dataset.active = String(model.active);
}

const rows = new Map<string, HTMLTableRowElement>();
/** What each row shows now, so unchanged rows are not touched. */
const shown = new Map<string, string>();

function renderNodes(): void {
  const now = Date.now();
  model.nodes.forEach((node, index) => {
    let row = rows.get(node.id);
    if (!row) {
      row = el("tr", { "data-node": node.id }, el("td", { class: "node-name" }), el("td"), el("td"), el("td"));
      rows.set(node.id, row);
    }
    if (nodesBody.children[index] !== row) nodesBody.insertBefore(row, nodesBody.children[index] ?? null);
    const running = node.state === "running" && node.startedAt !== undefined && node.durationMs === undefined;
    const key = `${node.label}|${node.state}|${node.attempts}|${node.error ?? ""}|${node.durationMs ?? ""}|${running ? Math.floor((now - node.startedAt!) / 1000) : ""}`;
    if (shown.get(node.id) === key) return;
    shown.set(node.id, key);
    const [name, state, time, tries] = Array.from(row.children) as HTMLElement[];
    name.textContent = node.label !== node.id ? `${node.label} (${node.id})` : node.id;
    name.title = node.error ?? node.kind;
    state.textContent = node.state;
    state.className = `state state-${node.state}`;
    row.dataset.state = node.state;
    const ms =
      node.durationMs ?? (node.state === "running" && node.startedAt !== undefined ? now - node.startedAt : undefined);
    time.textContent = ms === undefined ? "" : formatDuration(ms);
    tries.textContent = node.attempts > 1 ? String(node.attempts) : "";
  });
  while (nodesBody.children.length > model.nodes.length) nodesBody.lastElementChild!.remove();
}

const forms = new Map<string, { form: GateForm; element: HTMLElement }>();

function renderGates(): void {
  const open = new Set(model.gates.map((g) => g.gateId));
  for (const [gateId, entry] of forms) {
    if (!open.has(gateId)) {
      entry.element.remove();
      forms.delete(gateId);
    }
  }
  for (const gate of model.gates) {
    if (forms.has(gate.gateId)) continue;
    const form = buildGateForm(gate);
    const element = renderForm(form);
    forms.set(gate.gateId, { form, element });
    gatesSection.append(element);
  }
  gatesSection.hidden = forms.size === 0;
}

function renderForm(form: GateForm): HTMLElement {
  const box = el("form", { class: `gate gate-${form.mode}`, "data-gate": form.gateId, "data-mode": form.mode });
  box.append(el("h2", {}, `${form.title}`), el("p", { class: "gate-node" }, `Gate at ${form.nodeId} (${form.mode})`));
  if (form.prompt) box.append(el("pre", { class: "gate-prompt" }, form.prompt));
  const inputs = new Map<string, () => string>();
  for (const field of form.fields) {
    const id = `${form.gateId}-${field.id}`;
    const wrap = el("div", { class: `field field-${field.type}`, "data-field": field.id });
    wrap.append(el("label", { for: id }, field.label));
    if (field.type === "text") {
      const input = field.multiline
        ? el("textarea", { id, name: field.id, rows: "3" })
        : el("input", { id, name: field.id, type: "text" });
      input.value = field.value;
      inputs.set(field.id, () => input.value);
      wrap.append(input);
    } else if (field.type === "select") {
      const select = el("select", { id, name: field.id });
      for (const option of field.options) select.append(el("option", { value: option }, option));
      select.value = field.value;
      inputs.set(field.id, () => select.value);
      wrap.append(select);
    } else {
      const group = el("div", { class: "confirm", role: "radiogroup" });
      for (const value of ["yes", "no"]) {
        const radio = el("input", { type: "radio", name: id, value, id: `${id}-${value}` });
        radio.checked = field.value === value;
        group.append(el("label", { for: `${id}-${value}` }, radio, value));
      }
      inputs.set(field.id, () => (group.querySelector("input:checked") as HTMLInputElement | null)?.value ?? "");
      wrap.append(group);
    }
    box.append(wrap);
  }
  const problem = el("p", { class: "error gate-error", hidden: "" });
  const actions = el("div", { class: "gate-actions" });
  for (const action of form.actions) {
    const button = el(
      "button",
      { type: "button", "data-action": action.id, class: action.primary ? "primary" : "secondary" },
      action.label,
    );
    button.addEventListener("click", () => {
      const values: Record<string, string> = {};
      for (const [id, read] of inputs) values[id] = read();
      try {
        const answer = answerFromForm(form, action.id, values);
        problem.hidden = true;
        box.classList.add("sending");
        vscode.postMessage({ type: "answer", runId: form.runId, gateId: form.gateId, answer });
      } catch (error) {
        problem.hidden = false;
        problem.textContent = error instanceof FormError ? error.message : String(error);
      }
    });
    actions.append(button);
  }
  box.addEventListener("submit", (event) => event.preventDefault());
  box.append(actions, problem);
  return box;
}

function logRow(entry: LogEntry): HTMLLIElement {
  const time = entry.ts.length >= 19 ? entry.ts.slice(11, 19) : entry.ts;
  return el(
    "li",
    { class: `entry kind-${entry.kind}`, "data-kind": entry.kind, "data-seq": String(entry.seq) },
    el("span", { class: "time" }, time),
    el("span", { class: "kind-label" }, entry.kind),
    entry.node ? el("span", { class: "node" }, entry.node) : "",
    el("span", { class: "text" }, entry.text),
  );
}

function matches(entry: LogEntry): boolean {
  return filterLog([entry], filterText, kinds).length === 1;
}

function appendLog(): void {
  const log = model.log;
  // Entries of one event are added together, so "seq after the last one shown" is exact.
  let start = log.length;
  while (start > 0 && log[start - 1].seq > lastRenderedSeq) start--;
  if (start === log.length) return;
  const fragment = document.createDocumentFragment();
  for (let i = start; i < log.length; i++) {
    if (matches(log[i])) fragment.append(logRow(log[i]));
  }
  lastRenderedSeq = log[log.length - 1].seq;
  logList.append(fragment);
  let extra = logList.children.length - MAX_LOG_ROWS;
  while (extra-- > 0) logList.firstElementChild!.remove();
  if (followLog) {
    logList.scrollTop = 1e9; // a write only: no layout read per frame
    // Rows off screen have estimated heights (content-visibility); follow once they are laid out.
    requestAnimationFrame(() => {
      if (followLog) logList.scrollTop = 1e9;
    });
  }
}

function rebuildLog(): void {
  logList.replaceChildren();
  const shown = filterLog(model.log, filterText, kinds).slice(-MAX_LOG_ROWS);
  const fragment = document.createDocumentFragment();
  for (const entry of shown) fragment.append(logRow(entry));
  logList.append(fragment);
  lastRenderedSeq = model.log.length ? model.log[model.log.length - 1].seq : 0;
  logList.scrollTop = logList.scrollHeight;
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function summary(values: number[]): { p50: number; p95: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted.length ? sorted[sorted.length - 1] : 0 };
}

function publishStats(): void {
  const stats = {
    events: latencies.rendered.length,
    ...summary(latencies.rendered),
    toHost: summary(latencies.host),
    toWebview: summary(latencies.webview),
    hostToWebview: summary(latencies.transit),
    series,
    busyMs: Math.round(busyMs),
    batches,
    bytes,
  };
  document.body.dataset.latency = JSON.stringify(stats);
}

// ------------------------------------------------------------------ messages

window.addEventListener("message", (event: MessageEvent<Incoming>) => {
  const data = event.data;
  switch (data.type) {
    case "reset":
      model = data.model;
      vscode.setState({ runId: model.runId });
      rows.clear();
      shown.clear();
      nodesBody.replaceChildren();
      for (const entry of forms.values()) entry.element.remove();
      forms.clear();
      rebuildLog();
      scheduleRender();
      break;
    case "batch": {
      const arrived = Date.now();
      const began = performance.now();
      batches++;
      bytes += JSON.stringify(data).length;
      if (data.postedAt !== undefined) latencies.transit.push(arrived - data.postedAt);
      data.messages.forEach((message) => {
        applyMessage(model, message);
        if (message.type !== "event") return;
        const ts = Date.parse(message.params.event.ts);
        if (Number.isNaN(ts)) return;
        pendingEventTimes.push(ts);
        latencies.webview.push(arrived - ts);
        const atHost = data.receivedAt?.[message.params.seq];
        if (atHost !== undefined) latencies.host.push(atHost - ts);
        if (message.params.seq % 100 === 0) series.push([message.params.seq, (atHost ?? ts) - ts, arrived - ts]);
      });
      busyMs += performance.now() - began;
      scheduleRender();
      break;
    }
    case "answerError": {
      const entry = forms.get(data.gateId);
      if (entry) {
        entry.element.classList.remove("sending");
        const problem = entry.element.querySelector(".gate-error") as HTMLElement;
        problem.hidden = false;
        problem.textContent = data.message;
      }
      break;
    }
    case "answerSent":
      forms.get(data.gateId)?.element.classList.add("answered");
      break;
  }
});

setInterval(() => {
  if (model.active) renderNodes();
}, 1000);

vscode.postMessage({ type: "ready", runId: initialRunId });
