/**
 * The run panel's script (runs inside the webview). It keeps its own copy of the run
 * model, folds the batches the extension posts with the shared reducer and renders, once
 * per animation frame at most: header and totals, the node list with live states and
 * durations (only the rows a batch touched), one form per open gate, and the activity log
 * with a text filter and kind toggles. The log is virtualised: only the rows in view (and
 * a margin) are in the DOM, so rendering a batch costs the same after 100 events as after
 * 5,000. DOM nodes are created with textContent only (no HTML from the run is ever parsed).
 */
import { answerFromForm, buildGateForm, FormError, type GateForm } from "../gateForms";
import { estimateRowHeight, Follow, RowHeights, visibleWindow, bottomScrollTop, type LogWindow } from "../logLayout";
import {
  applyMessage,
  createModel,
  filterLog,
  formatDuration,
  LOG_KINDS,
  LOG_LIMIT,
  type LogEntry,
  type LogKind,
  type NodeView,
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

/**
 * Latency of stream events (ms), from the engine's timestamp: to the extension host, to
 * this webview, and to the panel having rendered it (the figure that matters).
 */
const latencies = { host: [] as number[], webview: [] as number[], rendered: [] as number[], transit: [] as number[] };
/** Every 100th event: [seq, ms to the host, ms to this webview] — shows whether a backlog builds up. */
const series: [number, number, number][] = [];
let pendingEventTimes: number[] = [];
/**
 * Per render after a batch: script time (with the style and layout it forces: the panel's
 * own cost) and the time until the frame was painted (also waits for whatever else runs
 * on the thread, such as the workbench around the webview in code-server).
 */
const renderTimes = { script: [] as number[], frame: [] as number[], domRows: 0 };
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
/**
 * The node list: a table in ARIA terms, laid out as fixed-height block rows (not an HTML
 * table, whose layout would take in all rows whenever one cell changes).
 */
const nodesBody = el("div", { class: "node-rows", role: "rowgroup" });
const nodesTable = el(
  "div",
  { id: "nodes", class: "nodes", role: "table", "aria-label": "Nodes" },
  el(
    "div",
    { class: "node-row node-head", role: "row" },
    ...["Node", "State", "Time", "Tries"].map((label) => el("span", { role: "columnheader" }, label)),
  ),
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
/** The log's scroll box; the spacer is as high as all rows, the rendered rows sit in it at their offset. */
const logView = el("div", { id: "log", class: "log", tabindex: "0", "aria-label": "Activity log" });
const logSpacer = el("div", { class: "log-spacer" });
const logRows = el("ol", { class: "log-rows" });
logSpacer.append(logRows);
logView.append(logSpacer);
root.append(
  header,
  gatesSection,
  el("section", { class: "nodes-section" }, el("h2", {}, "Nodes"), el("div", { class: "nodes-wrap" }, nodesTable)),
  el("section", { class: "log-section" }, el("h2", {}, "Activity"), el("div", { class: "log-tools" }, filterInput, kindToggles), logView),
);

/** Whether the log follows new entries: until the user scrolls away from the end. */
const follow = new Follow();
logView.addEventListener("scroll", () => {
  follow.scrolled(logView.scrollTop, logView.clientHeight, rowHeights.total());
  scheduleRender(false);
});
new ResizeObserver(() => scheduleRender(false)).observe(logView);

filterInput.addEventListener("input", () => {
  filterText = filterInput.value;
  rebuildLog();
});
cancelButton.addEventListener("click", () => vscode.postMessage({ type: "cancel", runId: model.runId }));
resumeButton.addEventListener("click", () => vscode.postMessage({ type: "resume", runId: model.runId }));
diagnoseButton.addEventListener("click", () => vscode.postMessage({ type: "diagnose", runId: model.runId }));

// ------------------------------------------------------------------ rendering

let frameQueued = false;
let fullRenderDue = false;

/**
 * Render on the next animation frame: everything after a batch (`full`), only the log
 * after a scroll or resize. Batches that arrive within one frame are rendered together.
 */
function scheduleRender(full = true): void {
  if (full) fullRenderDue = true;
  if (frameQueued) return;
  frameQueued = true;
  requestAnimationFrame(() => {
    frameQueued = false;
    const everything = fullRenderDue;
    fullRenderDue = false;
    render(everything);
  });
}

function render(full: boolean): void {
  const began = performance.now();
  if (full) {
    renderHeader();
    renderNodes(dirtyNodes);
    dirtyNodes = new Set();
    renderGates();
    takeNewEntries();
  }
  renderLog();
  const now = Date.now();
  for (const ts of pendingEventTimes) latencies.rendered.push(now - ts);
  pendingEventTimes = [];
  const scriptMs = performance.now() - began;
  busyMs += scriptMs;
  if (!full) return;
  renderTimes.script.push(scriptMs);
  renderTimes.domRows = Math.max(renderTimes.domRows, logRows.childElementCount);
  afterPaint(() => {
    renderTimes.frame.push(performance.now() - began);
    publishStats();
  });
  publishStats();
}

/** Run `callback` once the current frame has been painted (the first task after it). */
const paintChannel = new MessageChannel();
let paintCallbacks: (() => void)[] = [];
paintChannel.port1.onmessage = () => {
  const callbacks = paintCallbacks;
  paintCallbacks = [];
  for (const callback of callbacks) callback();
};
function afterPaint(callback: () => void): void {
  paintCallbacks.push(callback);
  paintChannel.port2.postMessage(0);
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

const rows = new Map<string, HTMLElement>();
/** What each row shows now, so unchanged rows are not touched. */
const shown = new Map<string, string>();
/** Nodes the batches since the last render touched ("all": the list itself changed). */
let dirtyNodes: Set<string> | "all" = "all";

function touchNodes(message: RunMessage): void {
  if (dirtyNodes === "all") return;
  const dirty = dirtyNodes;
  switch (message.type) {
    case "event": {
      const event = message.params.event;
      if (event.node_id) dirty.add(event.node_id);
      for (const id of (event.cleared_nodes as string[] | undefined) ?? []) dirty.add(id);
      break;
    }
    case "snapshot":
      if (!message.snapshot.nodesPatch) dirtyNodes = "all";
      else for (const n of message.snapshot.nodes ?? []) dirty.add(n.id);
      break;
    case "gateOpened":
      if (message.gate.nodeId) dirty.add(message.gate.nodeId);
      break;
    case "gateClosed":
      break;
  }
}

/** Update the rows of `which` nodes (all of them, in model order, for "all"). */
function renderNodes(which: Set<string> | "all"): void {
  const now = Date.now();
  if (which !== "all" && nodesBody.childElementCount === model.nodes.length) {
    for (const node of model.nodes) {
      if (!which.has(node.id)) continue;
      const row = rows.get(node.id);
      if (!row) return renderNodes("all"); // a new node: place every row
      updateNodeRow(node, row, now);
    }
    return;
  }
  model.nodes.forEach((node, index) => {
    let row = rows.get(node.id);
    if (!row) {
      const cell = (className = "") => el("span", { role: "cell", class: className });
      row = el("div", { class: "node-row", role: "row", "data-node": node.id }, cell("node-name"), cell(), cell(), cell());
      rows.set(node.id, row);
    }
    if (nodesBody.children[index] !== row) nodesBody.insertBefore(row, nodesBody.children[index] ?? null);
    updateNodeRow(node, row, now);
  });
  while (nodesBody.children.length > model.nodes.length) nodesBody.lastElementChild!.remove();
}

function updateNodeRow(node: NodeView, row: HTMLElement, now: number): void {
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
  const ms = node.durationMs ?? (running ? now - node.startedAt! : undefined);
  time.textContent = ms === undefined ? "" : formatDuration(ms);
  tries.textContent = node.attempts > 1 ? String(node.attempts) : "";
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

// ------------------------------------------------------------------ the activity log (virtualised)

/** Rows kept in the log view (the model keeps as many entries); older ones go in chunks. */
const SHOWN_LIMIT = LOG_LIMIT;
const DROP_CHUNK = 500;
/** Rows rendered above and below the viewport, in pixels. */
const OVERSCAN_PX = 240;
/** Entries passing the filter, oldest first: entry i is row number `dropped + i`. */
let shownEntries: LogEntry[] = [];
let dropped = 0;
/** Seq of the newest model entry looked at (entries of one event are added together). */
let lastSeenSeq = 0;
let rowHeights = new RowHeights();
/** Rendered rows by row number: always one contiguous range, in order in `logRows`. */
const renderedRows = new Map<number, HTMLLIElement>();
/** Height removed from the top since the last render (old rows dropped), for the scroll position. */
let droppedHeight = 0;
/** Row metrics for height estimates, from probe rows (again when the width changes). */
const rowMetrics = { width: -1, firstLine: 20, perLine: 16, columns: 0 };

function estimate(entry: LogEntry): number {
  return estimateRowHeight(entry.text, rowMetrics.firstLine, rowMetrics.perLine, rowMetrics.columns);
}

/** Add the model's new entries that pass the filter. */
function takeNewEntries(): void {
  const log = model.log;
  let start = log.length;
  while (start > 0 && log[start - 1].seq > lastSeenSeq) start--;
  if (start === log.length) return;
  for (let i = start; i < log.length; i++) {
    if (!matches(log[i])) continue;
    shownEntries.push(log[i]);
    rowHeights.push(estimate(log[i]));
  }
  lastSeenSeq = log[log.length - 1].seq;
  const excess = shownEntries.length - SHOWN_LIMIT;
  if (excess >= DROP_CHUNK) {
    droppedHeight += rowHeights.offset(excess);
    shownEntries.splice(0, excess);
    rowHeights.dropFront(excess);
    dropped += excess;
  }
}

/** Show the model's log from scratch (new filter, kinds or model): following its end. */
function rebuildLog(): void {
  shownEntries = filterLog(model.log, filterText, kinds).slice(-SHOWN_LIMIT);
  lastSeenSeq = model.log.length ? model.log[model.log.length - 1].seq : 0;
  rowHeights = new RowHeights();
  rowHeights.push(...shownEntries.map(estimate));
  dropped = 0;
  droppedHeight = 0;
  renderedRows.clear();
  logRows.replaceChildren();
  follow.following = true;
  scheduleRender(false);
}

/** Measure probe rows: a one-line and a two-line row, and the width of a character. */
function calibrate(width: number): void {
  const probe = (text: string) => logRow({ seq: 0, ts: "2000-01-01T00:00:00", kind: "decision", node: "Step100", text });
  const one = probe("0");
  const two = probe("0\n0");
  const wide = probe("0".repeat(40));
  logRows.append(one, two, wide);
  const firstLine = one.getBoundingClientRect().height;
  const perLine = two.getBoundingClientRect().height - firstLine;
  const text = wide.querySelector(".text")!.getBoundingClientRect();
  const row = wide.getBoundingClientRect();
  one.remove();
  two.remove();
  wide.remove();
  if (firstLine > 0) rowMetrics.firstLine = firstLine;
  if (perLine > 0) rowMetrics.perLine = perLine;
  const charWidth = text.width / 40;
  rowMetrics.columns = charWidth > 0 ? Math.max(8, Math.floor((width - (text.left - row.left) - 12) / charWidth)) : 0;
  rowMetrics.width = width;
}

/** Put the rows of `win` in the DOM (reusing those already there); the rest go. */
function placeRows(win: LogWindow): void {
  const start = dropped + win.start;
  const end = dropped + win.end;
  let first = Infinity;
  let last = -Infinity;
  for (const [number, row] of renderedRows) {
    if (number < start || number >= end) {
      row.remove();
      renderedRows.delete(number);
    } else {
      first = Math.min(first, number);
      last = Math.max(last, number);
    }
  }
  const before = document.createDocumentFragment();
  const after = document.createDocumentFragment();
  for (let number = start; number < end; number++) {
    if (number >= first && number <= last) continue;
    const row = logRow(shownEntries[number - dropped]);
    renderedRows.set(number, row);
    (number < first ? before : after).append(row);
  }
  logRows.prepend(before);
  logRows.append(after);
}

/** Measure the rendered rows not measured yet; returns whether any height changed. */
function measureRows(): boolean {
  let changed = false;
  for (const [number, row] of renderedRows) {
    const index = number - dropped;
    if (rowHeights.isMeasured(index)) continue;
    if (rowHeights.measure(index, row.getBoundingClientRect().height)) changed = true;
  }
  return changed;
}

/**
 * Render the rows the viewport shows, measure the new ones and scroll: to the end in
 * follow mode (after the measuring, so the last row is in view however high it turned
 * out), else keeping the row at the top of the view where it was.
 */
function renderLog(): void {
  const viewport = logView.clientHeight;
  const width = logView.clientWidth;
  if (width !== rowMetrics.width && width > 0) {
    calibrate(width);
    rowHeights.reestimate((i) => estimate(shownEntries[i]));
  }
  const current = Math.max(0, logView.scrollTop - droppedHeight);
  droppedHeight = 0;
  const anchor = rowHeights.indexAt(current);
  const anchorShift = current - rowHeights.offset(anchor);
  const target = () => (follow.following ? bottomScrollTop(rowHeights, viewport) : rowHeights.offset(anchor) + anchorShift);
  let scrollTop = target();
  let win = visibleWindow(rowHeights, scrollTop, viewport, OVERSCAN_PX);
  for (let pass = 0; pass < 8; pass++) {
    placeRows(win);
    if (!measureRows()) break;
    scrollTop = target();
    win = visibleWindow(rowHeights, scrollTop, viewport, OVERSCAN_PX);
  }
  logSpacer.style.height = `${rowHeights.total()}px`;
  logRows.style.transform = `translateY(${win.top}px)`;
  if (Math.abs(logView.scrollTop - scrollTop) >= 1) logView.scrollTop = scrollTop;
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function summary(values: number[]): { p50: number; p95: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return {
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    max: round(sorted.length ? sorted[sorted.length - 1] : 0),
  };
}

let statsTimer: number | undefined;
let statsPublishedAt = -Infinity;

/**
 * Publish the figures (`document.body.dataset.latency`, read by the end-to-end tests): at
 * most once a second while the run streams (sorting them is not free), at once when it ended.
 */
function publishStats(): void {
  if (model.active && performance.now() - statsPublishedAt < 1000) {
    statsTimer ??= window.setTimeout(() => {
      statsTimer = undefined;
      publishStats();
    }, 1000);
    return;
  }
  statsPublishedAt = performance.now();
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
    render: {
      count: renderTimes.script.length,
      scriptMs: summary(renderTimes.script),
      frameMs: summary(renderTimes.frame),
      maxLogRowsInDom: renderTimes.domRows,
      logRows: shownEntries.length,
      /** Script time of every render, in order (the tests take the ones after a point). */
      samples: renderTimes.script.map((ms) => Math.round(ms * 10) / 10),
    },
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
      dirtyNodes = "all";
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
        touchNodes(message);
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
  if (model.active) renderNodes(new Set(model.nodes.filter((n) => n.state === "running").map((n) => n.id)));
}, 1000);

vscode.postMessage({ type: "ready", runId: initialRunId });
