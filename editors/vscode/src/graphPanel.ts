/**
 * "Show Graph": a webview rendering the server's Mermaid text of the pipeline
 * (`tracker.graph`) with the Mermaid build bundled in the extension (no network).
 */
import * as vscode from "vscode";
import type { TrackerClient } from "./client";
import { Commands } from "./protocol";
import { escapeHtml, webviewShell } from "./webviewHtml";

interface GraphResult {
  name: string;
  mermaid: string;
  dot: string;
  complete: boolean;
}

export class GraphPanels implements vscode.Disposable {
  private readonly panels = new Map<string, vscode.WebviewPanel>();
  private readonly latest = new Map<string, GraphResult>();

  constructor(
    private readonly client: TrackerClient,
    private readonly extensionUri: vscode.Uri,
  ) {}

  async show(uri: vscode.Uri): Promise<void> {
    const key = uri.toString();
    const graph = await this.client.execute<GraphResult>(Commands.graph, { uri: key });
    let panel = this.panels.get(key);
    if (!panel) {
      const media = vscode.Uri.joinPath(this.extensionUri, "media");
      const dist = vscode.Uri.joinPath(this.extensionUri, "dist");
      panel = vscode.window.createWebviewPanel(
        "tracker.graph",
        `Graph: ${graph.name || uri.path.split("/").pop()}`,
        vscode.ViewColumn.Beside,
        { enableScripts: true, localResourceRoots: [media, dist] },
      );
      panel.webview.html = webviewShell(panel.webview, {
        title: "Graph",
        styles: [vscode.Uri.joinPath(media, "graph.css")],
        scripts: [vscode.Uri.joinPath(dist, "mermaid", "mermaid.min.js"), vscode.Uri.joinPath(dist, "webview", "graph.js")],
        body: `<main><p id="graph-note" hidden></p><div id="graph" aria-label="${escapeHtml(graph.name)} graph"></div><details><summary>Mermaid source</summary><pre id="graph-source"></pre></details></main>`,
        inlineStyles: true,
      });
      this.panels.set(key, panel);
      const view = panel;
      // The script asks for the graph once it listens (a message sent earlier would be lost).
      view.webview.onDidReceiveMessage((message: { type?: string }) => {
        const current = this.latest.get(key);
        if (message.type === "ready" && current) void view.webview.postMessage({ type: "graph", ...current });
      });
      panel.onDidDispose(() => {
        this.panels.delete(key);
        this.latest.delete(key);
      });
    } else {
      panel.reveal();
    }
    this.latest.set(key, graph);
    void panel.webview.postMessage({ type: "graph", ...graph });
  }

  dispose(): void {
    for (const panel of this.panels.values()) panel.dispose();
  }
}
