/**
 * Run panels: one webview per run, fed with batches of the run's messages, answering
 * gates and cancelling / resuming through the server. Panels survive a window reload:
 * VS Code hands the panel back to {@link RunPanels.restore}, which asks the server for
 * the run's state (`tracker.runState`, with its recent events) and renders it again.
 */
import * as vscode from "vscode";
import type { TrackerClient } from "./client";
import { describeAnswer } from "./gateForms";
import { Commands, type GateAnswer, type RunSnapshot } from "./protocol";
import { compactBatch, type RunMessage } from "./runModel";
import type { RunStore } from "./runStore";
import { escapeHtml, webviewShell } from "./webviewHtml";

export const RUN_PANEL_VIEW_TYPE = "tracker.runPanel";
const FLUSH_MS = 16;

type FromWebview =
  | { type: "ready"; runId: string }
  | { type: "answer"; runId: string; gateId: string; answer: GateAnswer }
  | { type: "cancel"; runId: string }
  | { type: "resume"; runId: string }
  | { type: "diagnose"; runId: string };

export interface PanelActions {
  cancel(runId: string): Promise<void>;
  resume(runId: string): Promise<void>;
  diagnose(runId: string): Promise<void>;
}

export class RunPanel implements vscode.Disposable {
  private pending: RunMessage[] = [];
  /** When each pending event (by seq) reached the extension host, for the latency figures. */
  private receivedAt: Record<number, number> = {};
  /** Node states the webview has, to send snapshots as patches. */
  private readonly sentNodes = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private ready = false;
  private inFlight = false;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly runId: string,
    private readonly store: RunStore,
    private readonly client: TrackerClient,
    private readonly actions: PanelActions,
    extensionUri: vscode.Uri,
    private readonly onDisposed: () => void,
  ) {
    const media = vscode.Uri.joinPath(extensionUri, "media");
    const dist = vscode.Uri.joinPath(extensionUri, "dist");
    panel.webview.options = { enableScripts: true, localResourceRoots: [media, dist] };
    panel.webview.html = webviewShell(panel.webview, {
      title: `Run ${runId}`,
      styles: [vscode.Uri.joinPath(media, "panel.css")],
      scripts: [vscode.Uri.joinPath(dist, "webview", "panel.js")],
      body: `<main id="app" data-run-id="${escapeHtml(runId)}"></main>`,
    });
    this.disposables.push(
      store.subscribe(runId, (message) => this.queue(message)),
      panel.webview.onDidReceiveMessage((message: FromWebview) => this.received(message)),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  private queue(message: RunMessage): void {
    if (!this.ready) return; // the reset on "ready" carries everything
    this.pending.push(message);
    if (message.type === "event") this.receivedAt[message.params.seq] = Date.now();
    if (!this.timer) this.timer = setTimeout(() => this.flush(), FLUSH_MS);
  }

  private flush(): void {
    this.timer = undefined;
    // Back-pressure: one batch in flight at a time. While the webview is busy, messages
    // gather into the next (larger) batch instead of queueing up in front of it.
    if (!this.pending.length || this.inFlight) return;
    const messages = compactBatch(this.pending, this.sentNodes);
    const receivedAt = this.receivedAt;
    this.pending = [];
    this.receivedAt = {};
    this.inFlight = true;
    const delivered = () => {
      this.inFlight = false;
      if (this.pending.length && !this.timer) this.timer = setTimeout(() => this.flush(), FLUSH_MS);
    };
    this.panel.webview.postMessage({ type: "batch", messages, receivedAt, postedAt: Date.now() }).then(delivered, delivered);
    const model = this.store.get(this.runId);
    if (model) {
      const title = panelTitle(model.workflow, this.runId, model.active);
      if (this.panel.title !== title) this.panel.title = title;
    }
  }

  /** Send the whole model again (a new or restored panel). */
  resetView(): void {
    const model = this.store.model(this.runId);
    this.pending = [];
    this.receivedAt = {};
    this.sentNodes.clear();
    for (const n of model.nodes) this.sentNodes.set(n.id, "");
    this.panel.title = panelTitle(model.workflow, this.runId, model.active);
    void this.panel.webview.postMessage({ type: "reset", model });
  }

  private async received(message: FromWebview): Promise<void> {
    switch (message.type) {
      case "ready":
        this.ready = true;
        this.resetView();
        break;
      case "answer":
        try {
          await this.client.execute(Commands.answerGate, {
            runId: message.runId,
            gateId: message.gateId,
            answer: message.answer,
          });
          void this.panel.webview.postMessage({ type: "answerSent", gateId: message.gateId });
        } catch (error) {
          const text = errorText(error);
          void this.panel.webview.postMessage({ type: "answerError", gateId: message.gateId, message: text });
          void vscode.window.showErrorMessage(`Gate not answered (${describeAnswer(message.answer)}): ${text}`);
        }
        break;
      case "cancel":
        await this.actions.cancel(message.runId);
        break;
      case "resume":
        await this.actions.resume(message.runId);
        break;
      case "diagnose":
        await this.actions.diagnose(message.runId);
        break;
    }
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
    this.disposables.length = 0;
    this.onDisposed();
  }
}

function panelTitle(workflow: string, runId: string, active: boolean): string {
  return `${active ? "▶ " : ""}${workflow || "Run"} ${runId.slice(0, 8)}`;
}

/** The message of an LSP response error (shown verbatim) or any other error. */
export function errorText(error: unknown): string {
  if (error && typeof error === "object" && "message" in error) return String((error as Error).message);
  return String(error);
}

export class RunPanels implements vscode.WebviewPanelSerializer, vscode.Disposable {
  private readonly panels = new Map<string, RunPanel>();

  constructor(
    private readonly store: RunStore,
    private readonly client: TrackerClient,
    private readonly actions: PanelActions,
    private readonly extensionUri: vscode.Uri,
  ) {}

  has(runId: string): boolean {
    return this.panels.has(runId);
  }

  /** Show the run's panel, creating it when needed. */
  show(runId: string, preserveFocus = false): RunPanel {
    const existing = this.panels.get(runId);
    if (existing) {
      existing.panel.reveal(undefined, preserveFocus);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(
      RUN_PANEL_VIEW_TYPE,
      `Run ${runId.slice(0, 8)}`,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus },
      { enableScripts: true, retainContextWhenHidden: true },
    );
    return this.adopt(panel, runId);
  }

  private adopt(panel: vscode.WebviewPanel, runId: string): RunPanel {
    const runPanel = new RunPanel(panel, runId, this.store, this.client, this.actions, this.extensionUri, () =>
      this.panels.delete(runId),
    );
    this.panels.set(runId, runPanel);
    return runPanel;
  }

  /** A panel from before a reload: fetch the run's state from the server, then render. */
  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const runId = (state as { runId?: string } | undefined)?.runId;
    if (!runId) {
      panel.dispose();
      return;
    }
    const runPanel = this.adopt(panel, runId);
    await this.refresh(runId);
    runPanel.resetView();
  }

  /** Replace the stored model with the server's snapshot (with recent events). */
  async refresh(runId: string): Promise<void> {
    try {
      const snapshot = await this.client.execute<RunSnapshot>(Commands.runState, { runId, includeEvents: true });
      this.store.reset(snapshot);
      this.panels.get(runId)?.resetView();
    } catch (error) {
      void vscode.window.showErrorMessage(`Run ${runId}: ${errorText(error)}`);
    }
  }

  dispose(): void {
    for (const panel of this.panels.values()) panel.dispose();
  }
}
