/** The status-bar item shown while a run is active (and louder while a gate waits). */
import * as vscode from "vscode";
import type { RunStore } from "./runStore";

export class RunStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem("tracker.run", vscode.StatusBarAlignment.Left, 50);
  private readonly subscription: vscode.Disposable;

  constructor(private readonly store: RunStore) {
    this.item.name = "Tracker run";
    this.subscription = store.onDidChange(() => this.update());
    this.update();
  }

  update(): void {
    const active = this.store.active();
    if (!active.length) {
      this.item.hide();
      return;
    }
    const waiting = active.find((m) => m.gates.length);
    const run = waiting ?? active[0];
    const more = active.length > 1 ? ` (+${active.length - 1})` : "";
    this.item.text = waiting
      ? `$(bell) ${run.workflow}: gate waiting${more}`
      : `$(play-circle) ${run.workflow || "run"}${run.currentNode ? `: ${run.currentNode}` : ""}${more}`;
    this.item.tooltip = `Tracker run ${run.runId} — click to open its panel`;
    this.item.command = { command: "tracker.openRun", title: "Open run", arguments: [run.runId] };
    this.item.backgroundColor = waiting ? new vscode.ThemeColor("statusBarItem.warningBackground") : undefined;
    this.item.show();
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
