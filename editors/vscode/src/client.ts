/**
 * The language client: finds and starts `tracker-lsp` over stdio, checks the run
 * protocol version it advertises, and passes the run notifications to the run store.
 * Code lenses from the server ("▶ Run", "Simulate") are pointed at the extension's own
 * commands, so a click opens the run panel instead of starting a run nobody watches.
 */
import * as vscode from "vscode";
import {
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
  TransportKind,
} from "vscode-languageclient/node";
import { type Discovery, discoverServer } from "./discovery";
import { Notifications, PROTOCOL_MAJOR, protocolVersion } from "./protocol";
import { messageFromNotification, type RunMessage } from "./runModel";
import { vscodeDiscoveryHost } from "./serverHost";

export interface ClientHooks {
  output: vscode.LogOutputChannel;
  /** Shows how to install the server (the README's "Install" section). */
  showInstallHelp(): Promise<void>;
  onRunMessage(runId: string, message: RunMessage): void;
}

/** Settings passed to the server (docs/language-server.md, "Settings"). */
function serverSettings(): Record<string, unknown> {
  const config = vscode.workspace.getConfiguration("tracker");
  return {
    tracker: {
      environmentChecks: config.get("environmentChecks", true),
      inlayHints: config.get("inlayHints", true),
      debounceMs: config.get("debounceMs", 20),
      codeLens: config.get("codeLens", true),
      gateTimeoutSeconds: config.get("gateTimeoutSeconds", 0),
    },
  };
}

const LENS_COMMANDS: Record<string, string> = {
  "tracker.run": "tracker.runPipeline",
  "tracker.simulate": "tracker.simulatePipeline",
};

function retargetLenses(lenses: vscode.CodeLens[] | null | undefined): vscode.CodeLens[] | null | undefined {
  if (!lenses) return lenses;
  const out: vscode.CodeLens[] = [];
  for (const lens of lenses) {
    const command = lens.command;
    const target = command ? LENS_COMMANDS[command.command] : undefined;
    if (!command || !target) {
      out.push(lens);
      continue;
    }
    const uri = (command.arguments?.[0] as { uri?: string } | undefined)?.uri;
    const args = uri ? [vscode.Uri.parse(uri)] : [];
    out.push(new vscode.CodeLens(lens.range, { title: command.title, command: target, arguments: args }));
    if (command.command === "tracker.run") {
      out.push(
        new vscode.CodeLens(lens.range, {
          title: "Run with Auto-Approve",
          command: "tracker.runPipelineAutoApprove",
          arguments: args,
        }),
      );
    } else {
      out.push(new vscode.CodeLens(lens.range, { title: "Graph", command: "tracker.showGraph", arguments: args }));
    }
  }
  return out;
}

export async function describeDiscovery(): Promise<Discovery> {
  return discoverServer(vscodeDiscoveryHost());
}

export class TrackerClient implements vscode.Disposable {
  client: LanguageClient | undefined;
  protocolVersion: number | undefined;
  /** Settles when the first start attempt is over (true: the server runs). */
  ready: Promise<boolean> = Promise.resolve(false);
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly hooks: ClientHooks) {}

  /** Start (or restart) the server; {@link ready} follows this attempt. */
  start(): Promise<boolean> {
    this.ready = this.startServer();
    return this.ready;
  }

  /** Find and start the server; shows an error with an install action when it is missing. */
  private async startServer(): Promise<boolean> {
    const found = await describeDiscovery();
    const output = this.hooks.output;
    if (!found.ok) {
      output.appendLine(`[client] ${found.message}\n[client] tried: ${found.tried.join("; ")}`);
      void this.showMissingServer(found.message);
      return false;
    }
    output.appendLine(
      `[client] starting ${[found.server.command, ...found.server.args].join(" ")} (${found.server.source})`,
    );
    const serverOptions: ServerOptions = {
      command: found.server.command,
      args: found.server.args,
      transport: TransportKind.stdio,
      options: { cwd: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ language: "dippin" }],
      // Traces go to this channel too: set tracker.trace.server and the channel's log level to Trace.
      outputChannel: output,
      initializationOptions: serverSettings(),
      synchronize: { configurationSection: "tracker" },
      middleware: {
        provideCodeLenses: async (document, token, next) => retargetLenses(await next(document, token)),
      },
    };
    const client = new LanguageClient("tracker", "Dippin (tracker-lsp)", serverOptions, clientOptions);
    this.client = client;
    for (const method of Object.values(Notifications)) {
      this.disposables.push(
        client.onNotification(method, (params: { runId?: string }) => {
          const message = messageFromNotification(method, params);
          if (message && params?.runId) this.hooks.onRunMessage(params.runId, message);
        }),
      );
    }
    try {
      await client.start();
    } catch (error) {
      output.appendLine(`[client] the server did not start: ${String(error)}`);
      void this.showMissingServer(`The Dippin language server failed to start: ${String(error)}`);
      return false;
    }
    this.protocolVersion = protocolVersion(client.initializeResult?.capabilities);
    output.appendLine(`[client] server ready; run protocol version ${this.protocolVersion ?? "none"}`);
    return true;
  }

  /** Throws with a readable message when runs cannot be started against this server. */
  checkRunProtocol(): LanguageClient {
    if (!this.client) throw new Error("The Dippin language server is not running.");
    if (this.protocolVersion === undefined) {
      throw new Error("This tracker-lsp does not support running pipelines (no run protocol). Update tracker.");
    }
    if (Math.floor(this.protocolVersion) !== PROTOCOL_MAJOR) {
      throw new Error(
        `tracker-lsp speaks run protocol version ${this.protocolVersion}; this extension knows version ${PROTOCOL_MAJOR}. Update the extension or tracker.`,
      );
    }
    return this.client;
  }

  /** `workspace/executeCommand` on the server. */
  async execute<T>(command: string, args: unknown): Promise<T> {
    await this.ready;
    const client = this.checkRunProtocol();
    return (await client.sendRequest("workspace/executeCommand", { command, arguments: [args] })) as T;
  }

  private async showMissingServer(message: string): Promise<void> {
    const install = "How to install";
    const settings = "Open Settings";
    const pick = await vscode.window.showErrorMessage(message, install, settings);
    if (pick === install) await this.hooks.showInstallHelp();
    if (pick === settings) await vscode.commands.executeCommand("workbench.action.openSettings", "tracker.server");
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) await client.stop();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    void this.stop();
  }
}
