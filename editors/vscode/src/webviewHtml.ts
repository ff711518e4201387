/** The HTML shell of the extension's webviews: a strict content security policy, local
 * styles and one nonce'd script from the extension itself, no remote resources. */
import { randomBytes } from "node:crypto";
import * as vscode from "vscode";

export interface ShellOptions {
  title: string;
  styles: vscode.Uri[];
  scripts: vscode.Uri[];
  body: string;
  /** Mermaid writes <style> into its SVG; only the graph view allows inline styles. */
  inlineStyles?: boolean;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function webviewShell(webview: vscode.Webview, options: ShellOptions): string {
  const nonce = randomBytes(16).toString("base64");
  const styleSrc = `${webview.cspSource}${options.inlineStyles ? " 'unsafe-inline'" : ""}`;
  const csp = [
    "default-src 'none'",
    `style-src ${styleSrc}`,
    `script-src 'nonce-${nonce}'`,
    `img-src ${webview.cspSource} data:`,
    `font-src ${webview.cspSource}`,
  ].join("; ");
  const styles = options.styles.map((u) => `<link rel="stylesheet" href="${webview.asWebviewUri(u)}">`).join("\n");
  const scripts = options.scripts
    .map((u) => `<script nonce="${nonce}" src="${webview.asWebviewUri(u)}"></script>`)
    .join("\n");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(options.title)}</title>
${styles}
</head>
<body>
${options.body}
${scripts}
</body>
</html>`;
}
