/**
 * Read-only documents for the reports the server produces (the simulate plan, a run's
 * diagnosis). They live under the `tracker-report:` scheme, so they are never "dirty":
 * closing them asks nothing, and showing the same report again updates it in place.
 */
import * as vscode from "vscode";

export const REPORT_SCHEME = "tracker-report";

export class ReportDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly registration = vscode.workspace.registerTextDocumentContentProvider(REPORT_SCHEME, this);

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? "";
  }

  /** Show `content` beside the active editor as the read-only document `name` (its extension picks the language). */
  async show(name: string, content: string): Promise<vscode.TextEditor> {
    const uri = vscode.Uri.from({ scheme: REPORT_SCHEME, path: `/${name.replace(/[\\/]/g, "-")}` });
    const key = uri.toString();
    const known = this.contents.has(key);
    this.contents.set(key, content);
    if (known) this.changed.fire(uri);
    const doc = await vscode.workspace.openTextDocument(uri);
    return vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true });
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
    this.contents.clear();
  }
}
