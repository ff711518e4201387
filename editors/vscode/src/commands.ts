/**
 * The extension's commands: run (asking for the workflow's params first), run with
 * auto-approve, resume, cancel, simulate, graph, runs and diagnose. Each is a thin
 * wrapper over one server command; server errors are shown verbatim.
 */
import * as vscode from "vscode";
import type { TrackerClient } from "./client";
import type { GraphPanels } from "./graphPanel";
import { Commands, type RunArguments, type RunStarted, type RunSummary } from "./protocol";
import { errorText, type RunPanels } from "./runPanel";
import type { ReportDocuments } from "./reportDocuments";
import type { RunsTree } from "./runsTree";
import type { RunStore } from "./runStore";

interface InputDecl {
  name: string;
  type?: string;
  required?: boolean;
  default?: string;
  prompt?: string;
  description?: string;
  options?: string[];
}

interface SimulateReport {
  name: string;
  vars?: Record<string, string>;
  inputs?: InputDecl[];
  start_node: string;
  exit_node: string;
  graph_attrs: Record<string, string>;
  execution_plan: string[] | { node?: string; id?: string }[];
  unreachable: string[];
  paths?: unknown;
  [key: string]: unknown;
}

export interface CommandContext {
  client: TrackerClient;
  store: RunStore;
  panels: RunPanels;
  graphs: GraphPanels;
  tree: RunsTree;
  reports: ReportDocuments;
  output: vscode.OutputChannel;
}

/** The .dip file a command applies to: its argument, else the active editor's. */
function targetUri(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === "string" && arg) return vscode.Uri.parse(arg);
  const editor = vscode.window.activeTextEditor;
  if (editor && (editor.document.languageId === "dippin" || editor.document.uri.path.endsWith(".dip"))) {
    return editor.document.uri;
  }
  return undefined;
}

function requireUri(arg: unknown): vscode.Uri {
  const uri = targetUri(arg);
  if (!uri) throw new Error("Open a .dip file first.");
  return uri;
}

/** The workflow's declared params (vars) with their defaults, from the simulate report. */
export function declaredParams(report: Pick<SimulateReport, "graph_attrs" | "vars">): [string, string][] {
  if (report.vars) return Object.entries(report.vars);
  return Object.entries(report.graph_attrs ?? {})
    .filter(([key]) => key.startsWith("params."))
    .map(([key, value]) => [key.slice("params.".length), value]);
}

interface RunValues {
  params: Record<string, string>;
  inputs: Record<string, string>;
}

async function askForInput(decl: InputDecl, title: string): Promise<string | undefined> {
  const prompt = [decl.prompt || `Value for inputs.${decl.name}`, decl.required ? "(required)" : "(optional)"].join(" ");
  const options = decl.options?.length ? decl.options : decl.type === "bool" ? ["true", "false"] : undefined;
  if (options) {
    const picked = await vscode.window.showQuickPick(decl.required ? options : [...options, "(leave unset)"], {
      title,
      placeHolder: prompt,
      ignoreFocusOut: true,
    });
    return picked === "(leave unset)" ? "" : picked;
  }
  return vscode.window.showInputBox({
    title,
    prompt: decl.description ? `${prompt} — ${decl.description}` : prompt,
    value: decl.default ?? "",
    ignoreFocusOut: true,
    validateInput: (value) => (decl.required && !value.trim() ? `inputs.${decl.name} is required` : undefined),
  });
}

/** Ask for the workflow's params and inputs; undefined when the user cancelled. */
async function askForValues(ctx: CommandContext, uri: vscode.Uri): Promise<RunValues | undefined> {
  const values: RunValues = { params: {}, inputs: {} };
  if (!vscode.workspace.getConfiguration("tracker").get("run.askForParams", true)) return values;
  let report: SimulateReport;
  try {
    report = await ctx.client.execute<SimulateReport>(Commands.simulate, { uri: uri.toString() });
  } catch (error) {
    // The simulate report is only used for the params; a run does not depend on it.
    ctx.output.appendLine(`[run] not asking for params and inputs: ${errorText(error)}`);
    return values;
  }
  const params = declaredParams(report);
  const inputs = report.inputs ?? [];
  const total = params.length + inputs.length;
  let index = 0;
  for (const [name, fallback] of params) {
    const value = await vscode.window.showInputBox({
      title: `Run ${report.name}: params (${++index}/${total})`,
      prompt: `Value for params.${name}`,
      value: fallback,
      ignoreFocusOut: true,
    });
    if (value === undefined) return undefined;
    values.params[name] = value;
  }
  for (const decl of inputs) {
    const value = await askForInput(decl, `Run ${report.name}: inputs (${++index}/${total})`);
    if (value === undefined) return undefined;
    if (value !== "") values.inputs[decl.name] = value;
  }
  return values;
}

async function startRun(ctx: CommandContext, args: RunArguments): Promise<string | undefined> {
  const started = await ctx.client.execute<RunStarted>(Commands.run, args);
  const runId = started.runId;
  ctx.store.model(runId);
  for (const warning of started.warnings ?? []) ctx.output.appendLine(`[run ${runId}] ${warning}`);
  ctx.panels.show(runId);
  if (args.resume) await ctx.panels.refresh(runId);
  ctx.tree.refreshSoon();
  return runId;
}

async function runPipeline(ctx: CommandContext, arg: unknown, autoApprove: boolean): Promise<string | undefined> {
  const uri = requireUri(arg);
  const values = await askForValues(ctx, uri);
  if (values === undefined) return undefined;
  return startRun(ctx, { uri: uri.toString(), params: values.params, inputs: values.inputs, autoApprove });
}

async function pickRun(
  ctx: CommandContext,
  placeholder: string,
  filter: (run: RunSummary) => boolean,
): Promise<RunSummary | undefined> {
  const runs = (await ctx.client.execute<RunSummary[]>(Commands.runs, {})).filter(filter);
  if (!runs.length) {
    void vscode.window.showInformationMessage("No matching runs.");
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    runs.map((run) => ({
      label: `${run.workflow ?? "run"} ${run.runId}`,
      description: [run.active ? "running" : run.status, run.timestamp].filter(Boolean).join(" · "),
      run,
    })),
    { placeHolder: placeholder },
  );
  return picked?.run;
}

function runIdArg(arg: unknown): string | undefined {
  if (typeof arg === "string") return arg;
  const fromTree = (arg as { summary?: RunSummary } | undefined)?.summary?.runId;
  return fromTree;
}

export async function cancelRun(ctx: CommandContext, arg?: unknown): Promise<void> {
  let runId = runIdArg(arg);
  if (!runId) {
    const active = ctx.store.active();
    runId =
      active.length === 1
        ? active[0].runId
        : (await pickRun(ctx, "Cancel which run?", (run) => Boolean(run.active)))?.runId;
  }
  if (!runId) return;
  const result = await ctx.client.execute<{ status: string; resumable?: boolean }>(Commands.cancel, { runId });
  void vscode.window.showInformationMessage(
    `Run ${runId} cancelled (${result.status})${result.resumable ? "; it can be resumed" : ""}.`,
  );
  ctx.tree.refreshSoon();
}

export async function resumeRun(ctx: CommandContext, arg?: unknown): Promise<void> {
  let runId = runIdArg(arg);
  let uri = runId ? ctx.store.get(runId)?.uri ?? undefined : undefined;
  if (!runId) {
    const run = await pickRun(ctx, "Resume which run?", (r) => !r.active && r.status !== "success");
    runId = run?.runId;
    uri = run?.uri ?? undefined;
  }
  if (!runId) return;
  if (!uri) {
    const summary = (await ctx.client.execute<RunSummary[]>(Commands.runs, {})).find((r) => r.runId === runId);
    uri = summary?.uri ?? targetUri(undefined)?.toString();
  }
  if (!uri) throw new Error(`Open the .dip file of run ${runId} to resume it.`);
  await startRun(ctx, { uri, resume: runId });
}

async function simulate(ctx: CommandContext, arg: unknown): Promise<void> {
  const uri = requireUri(arg);
  const report = await ctx.client.execute<SimulateReport>(Commands.simulate, { uri: uri.toString() });
  const plan = (report.execution_plan as unknown[]).map((step) =>
    typeof step === "string" ? step : String((step as { node?: string; id?: string }).node ?? (step as { id?: string }).id ?? JSON.stringify(step)),
  );
  const lines = [
    `# Simulation: ${report.name}`,
    "",
    `Start: \`${report.start_node}\` · exit: \`${report.exit_node}\``,
    "",
    "## Execution plan",
    "",
    ...plan.map((id, i) => `${i + 1}. \`${id}\``),
    "",
    "## Unreachable nodes",
    "",
    report.unreachable.length ? report.unreachable.map((id) => `- \`${id}\``).join("\n") : "None.",
  ];
  const paths = report.paths as { nodes?: string[] }[] | undefined;
  if (Array.isArray(paths)) {
    lines.push("", `## Paths (${paths.length})`, "");
    for (const path of paths.slice(0, 50)) {
      const nodes = Array.isArray(path) ? path : path.nodes ?? [];
      lines.push(`- ${nodes.map((n) => `\`${String(n)}\``).join(" → ")}`);
    }
  }
  await ctx.reports.show(`Simulation ${report.name}.md`, lines.join("\n") + "\n");
}

async function diagnose(ctx: CommandContext, arg: unknown): Promise<void> {
  let runId = runIdArg(arg);
  if (!runId) runId = (await pickRun(ctx, "Diagnose which run?", () => true))?.runId;
  if (!runId) return;
  const report = await ctx.client.execute<unknown>(Commands.diagnose, { runId });
  await ctx.reports.show(`Diagnosis ${runId}.json`, JSON.stringify(report, null, 2) + "\n");
}

async function openRun(ctx: CommandContext, arg: unknown): Promise<void> {
  const runId = runIdArg(arg);
  if (!runId) return;
  const model = ctx.store.get(runId);
  if (!model || !model.nodes.length) await ctx.panels.refresh(runId);
  ctx.panels.show(runId);
}

/** Run `fn`, showing any error (server errors verbatim) instead of throwing. */
function guarded(name: string, fn: (...args: unknown[]) => Promise<unknown>): (...args: unknown[]) => Promise<unknown> {
  return async (...args: unknown[]) => {
    try {
      return await fn(...args);
    } catch (error) {
      void vscode.window.showErrorMessage(`${name}: ${errorText(error)}`);
      return undefined;
    }
  };
}

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  const table: Record<string, [string, (...args: unknown[]) => Promise<unknown>]> = {
    "tracker.runPipeline": ["Run Pipeline", (arg) => runPipeline(ctx, arg, false)],
    "tracker.runPipelineAutoApprove": ["Run with Auto-Approve", (arg) => runPipeline(ctx, arg, true)],
    "tracker.resumeRun": ["Resume Run", (arg) => resumeRun(ctx, arg)],
    "tracker.cancelRun": ["Cancel Run", (arg) => cancelRun(ctx, arg)],
    "tracker.simulatePipeline": ["Simulate", (arg) => simulate(ctx, arg)],
    "tracker.showGraph": ["Show Graph", (arg) => ctx.graphs.show(requireUri(arg))],
    "tracker.showRuns": [
      "Show Runs",
      async () => {
        ctx.tree.refreshSoon();
        await vscode.commands.executeCommand("tracker.runs.focus");
      },
    ],
    "tracker.diagnoseRun": ["Diagnose Run", (arg) => diagnose(ctx, arg)],
    "tracker.openRun": ["Open Run", (arg) => openRun(ctx, arg)],
    "tracker.refreshRuns": ["Refresh Runs", async () => ctx.tree.refreshSoon()],
  };
  return Object.entries(table).map(([id, [name, fn]]) => vscode.commands.registerCommand(id, guarded(name, fn)));
}
