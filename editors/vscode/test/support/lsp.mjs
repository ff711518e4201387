// A small stdio client for tracker-lsp, used by the test tools (recording run event
// streams, reading semantic tokens). Everything goes through the real server.
import { spawn } from "node:child_process";
import { pathToFileURL } from "node:url";
import * as rpc from "vscode-jsonrpc/node";

/** Start `tracker-lsp` (or TRACKER_LSP_COMMAND, split on spaces) and initialize it. */
export async function startServer({ rootPath, settings = {} } = {}) {
  const [command, ...args] = (process.env.TRACKER_LSP_COMMAND || "tracker-lsp").split(" ");
  const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] });
  if (process.env.TRACKER_LSP_DEBUG) child.stderr.pipe(process.stderr);
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const connection = rpc.createMessageConnection(
    new rpc.StreamMessageReader(child.stdout),
    new rpc.StreamMessageWriter(child.stdin),
  );
  const notifications = [];
  const listeners = new Set();
  connection.onNotification((method, params) => {
    const item = { method, params, at: performance.now() };
    notifications.push(item);
    for (const listener of listeners) listener(item);
  });
  connection.onRequest("window/workDoneProgress/create", () => null);
  connection.onRequest("client/registerCapability", () => null);
  connection.onRequest("workspace/configuration", (params) => params.items.map(() => settings));
  connection.listen();
  const rootUri = rootPath ? pathToFileURL(rootPath).href : null;
  const init = await connection.sendRequest("initialize", {
    processId: process.pid,
    rootUri,
    workspaceFolders: rootUri ? [{ uri: rootUri, name: "root" }] : null,
    capabilities: { window: { workDoneProgress: true }, textDocument: {
        semanticTokens: { requests: { full: true }, tokenTypes: [], tokenModifiers: [], formats: ["relative"] },
      } },
    initializationOptions: settings,
  });
  await connection.sendNotification("initialized", {});

  /** Resolves with the first notification (already received or coming) that matches. */
  function waitFor(predicate, timeoutMs = 30000) {
    const seen = notifications.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        listeners.delete(listener);
        reject(new Error(`timed out waiting for a notification\n${stderr.slice(-2000)}`));
      }, timeoutMs);
      const listener = (item) => {
        if (predicate(item)) {
          clearTimeout(timer);
          listeners.delete(listener);
          resolve(item);
        }
      };
      listeners.add(listener);
    });
  }

  async function stop() {
    try {
      await connection.sendRequest("shutdown");
      await connection.sendNotification("exit");
    } catch {
      // the server is gone already
    }
    connection.dispose();
    child.kill();
  }

  return { connection, init, notifications, waitFor, stop, stderr: () => stderr };
}
