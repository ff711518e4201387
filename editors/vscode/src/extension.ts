/**
 * Entry point of the Dippin extension: starts the language client and wires the run
 * store to the run panels, the "Tracker Runs" view, the status bar and gate
 * notifications. All language and run logic lives in tracker-lsp.
 */
import * as vscode from "vscode";
import { TrackerClient } from "./client";
import { cancelRun, type CommandContext, registerCommands, resumeRun } from "./commands";
import { GraphPanels } from "./graphPanel";
import { ReportDocuments } from "./reportDocuments";
import { errorText, RUN_PANEL_VIEW_TYPE, RunPanels } from "./runPanel";
import { RunsTree } from "./runsTree";
import { RunStore } from "./runStore";
import { RunStatusBar } from "./statusBar";

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel("Dippin (tracker)", { log: true });
  const store = new RunStore();
  const client = new TrackerClient({
    output,
    onRunMessage: (runId, message) => store.apply(runId, message),
    showInstallHelp: async () => {
      const readme = vscode.Uri.joinPath(context.extensionUri, "README.md");
      await vscode.commands.executeCommand("markdown.showPreview", readme);
    },
  });
  // The panels call back into the commands for cancel / resume; ctx is set just below.
  let ctx: CommandContext | undefined;
  const panels = new RunPanels(
    store,
    client,
    {
      cancel: (runId) => guard(() => cancelRun(ctx!, runId)),
      resume: (runId) => guard(() => resumeRun(ctx!, runId)),
      diagnose: (runId) => guard(async () => vscode.commands.executeCommand("tracker.diagnoseRun", runId)),
    },
    context.extensionUri,
  );
  const graphs = new GraphPanels(client, context.extensionUri);
  const tree = new RunsTree(store, client);
  const reports = new ReportDocuments();
  ctx = { client, store, output, panels, graphs, tree, reports };

  context.subscriptions.push(
    output,
    store,
    client,
    panels,
    graphs,
    tree,
    reports,
    new RunStatusBar(store),
    vscode.window.registerWebviewPanelSerializer(RUN_PANEL_VIEW_TYPE, panels),
    vscode.window.createTreeView("tracker.runs", { treeDataProvider: tree, showCollapseAll: true }),
    ...registerCommands(ctx),
    vscode.commands.registerCommand("tracker.restartServer", async () => {
      await client.stop();
      await client.start();
    }),
    store.onGateOpened(async (gate) => {
      const model = store.get(gate.runId);
      const pick = await vscode.window.showInformationMessage(
        `${model?.workflow ?? "Run"} is waiting for you: ${gate.label || gate.nodeId}`,
        "Answer",
      );
      if (pick === "Answer") panels.show(gate.runId);
    }),
    store.onDidChange((runId) => {
      const model = store.get(runId);
      if (model && !model.active) tree.refreshSoon();
    }),
  );
  void client.start();
}

async function guard(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    void vscode.window.showErrorMessage(errorText(error));
  }
}

export function deactivate(): void {
  // the client and panels are disposed through context.subscriptions
}

