/**
 * The "Tracker Runs" tree view: the workspace's runs (active ones from this window's
 * store, past ones from `tracker.runs`), newest first, each expandable to its nodes.
 */
import * as vscode from "vscode";
import type { TrackerClient } from "./client";
import { Commands, type RunSummary } from "./protocol";
import { formatDuration, type NodeView } from "./runModel";
import type { RunStore } from "./runStore";

type Item = { kind: "run"; summary: RunSummary } | { kind: "node"; runId: string; node: NodeView } | { kind: "empty"; text: string };

const STATE_ICONS: Record<string, string> = {
  pending: "circle-outline",
  running: "play-circle",
  waiting: "bell",
  retrying: "debug-restart",
  success: "pass",
  fail: "error",
  skipped: "circle-slash",
};

export class RunsTree implements vscode.TreeDataProvider<Item>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Item | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private summaries: RunSummary[] = [];
  private loaded = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly store: RunStore,
    private readonly client: TrackerClient,
  ) {
    this.subscription = store.onDidChange(() => this.refreshSoon(false));
  }

  /** Refresh the tree; with `reload`, ask the server for the run list again. */
  refreshSoon(reload = true): void {
    if (reload) this.loaded = false;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.changed.fire(undefined);
    }, 150);
  }

  private async load(): Promise<void> {
    if (this.loaded) return;
    try {
      this.summaries = await this.client.execute<RunSummary[]>(Commands.runs, {});
      this.loaded = true;
    } catch {
      this.summaries = [];
    }
  }

  async getChildren(element?: Item): Promise<Item[]> {
    if (element?.kind === "run") {
      const model = this.store.get(element.summary.runId);
      if (!model) {
        await this.loadRunNodes(element.summary.runId);
      }
      const nodes = this.store.get(element.summary.runId)?.nodes ?? [];
      return nodes.map((node) => ({ kind: "node", runId: element.summary.runId, node }));
    }
    if (element) return [];
    await this.load();
    const byId = new Map<string, RunSummary>();
    for (const summary of this.summaries) byId.set(summary.runId, summary);
    for (const model of this.store.models.values()) {
      const known = byId.get(model.runId) ?? { runId: model.runId };
      byId.set(model.runId, {
        ...known,
        workflow: model.workflow || known.workflow,
        active: model.active,
        state: model.lifecycle,
        status: model.status,
      });
    }
    const runs = [...byId.values()].sort((a, b) => Number(Boolean(b.active)) - Number(Boolean(a.active)));
    if (!runs.length) return [{ kind: "empty", text: "No runs yet — run a .dip file" }];
    return runs.map((summary) => ({ kind: "run", summary }));
  }

  private async loadRunNodes(runId: string): Promise<void> {
    try {
      const snapshot = await this.client.execute<Parameters<RunStore["reset"]>[0]>(Commands.runState, { runId });
      this.store.reset(snapshot);
    } catch {
      // a run directory without a readable state has no nodes to show
    }
  }

  getTreeItem(element: Item): vscode.TreeItem {
    if (element.kind === "empty") return new vscode.TreeItem(element.text);
    if (element.kind === "node") {
      const node = element.node;
      const item = new vscode.TreeItem(node.label === node.id ? node.id : `${node.label} (${node.id})`);
      item.description =
        node.durationMs !== undefined ? `${node.state} · ${formatDuration(node.durationMs)}` : node.state;
      item.iconPath = new vscode.ThemeIcon(STATE_ICONS[node.state] ?? "circle-outline");
      item.tooltip = node.error ?? node.kind;
      item.contextValue = "trackerNode";
      return item;
    }
    const run = element.summary;
    const item = new vscode.TreeItem(
      `${run.workflow ?? "run"} ${run.runId.slice(0, 12)}`,
      vscode.TreeItemCollapsibleState.Collapsed,
    );
    item.id = `run:${run.runId}`;
    item.description = [run.active ? "running" : run.state ?? run.status, run.timestamp].filter(Boolean).join(" · ");
    item.iconPath = new vscode.ThemeIcon(run.active ? "play-circle" : run.status === "success" ? "pass" : "history");
    item.contextValue = run.active ? "trackerRunActive" : "trackerRun";
    item.command = { command: "tracker.openRun", title: "Open run", arguments: [run.runId] };
    return item;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.subscription.dispose();
    this.changed.dispose();
  }
}
