/** The graph view's script: renders the Mermaid text it is sent with the bundled Mermaid. */
interface MermaidApi {
  initialize(config: Record<string, unknown>): void;
  render(id: string, text: string): Promise<{ svg: string }>;
}
declare const mermaid: MermaidApi;
declare function acquireVsCodeApi(): { postMessage(message: unknown): void };

const target = document.getElementById("graph")!;
const source = document.getElementById("graph-source")!;
const note = document.getElementById("graph-note")!;
const dark = document.body.classList.contains("vscode-dark") || document.body.classList.contains("vscode-high-contrast");
mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: dark ? "dark" : "default" });
let serial = 0;
let lastText = "";

window.addEventListener("message", async (event: MessageEvent<{ type: string; mermaid: string; complete: boolean }>) => {
  if (event.data.type !== "graph" || event.data.mermaid === lastText) return;
  lastText = event.data.mermaid;
  source.textContent = event.data.mermaid;
  note.hidden = event.data.complete;
  note.textContent = event.data.complete ? "" : "The file has errors; the graph shows what could be read.";
  try {
    const { svg } = await mermaid.render(`graph-${++serial}`, event.data.mermaid);
    // Mermaid's output (securityLevel strict) is SVG markup built from the server's text.
    target.innerHTML = svg;
    document.body.dataset.rendered = "true";
  } catch (error) {
    target.textContent = `Mermaid could not render this graph: ${String(error)}`;
    document.body.dataset.rendered = "error";
  }
});

acquireVsCodeApi().postMessage({ type: "ready" });
