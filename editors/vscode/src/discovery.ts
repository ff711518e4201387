/**
 * Finding the language server to start, in the order Python tool extensions use:
 * the `tracker.server.path` setting (command, or command and arguments), else
 * `tracker-lsp` on PATH, else `python -m tracker_lsp` with the Python extension's
 * interpreter (then `python3` / `python` on PATH). The file system and processes are
 * reached through a {@link DiscoveryHost}, so the order can be tested without VS Code.
 */
import * as path from "node:path";

export interface ServerCommand {
  command: string;
  args: string[];
  /** Where it came from, for the output channel. */
  source: "setting" | "path" | "python-extension" | "python";
}

export interface DiscoveryHost {
  /** `tracker.server.path`: a command, or [command, ...args]; empty when unset. */
  configured: string | string[] | undefined;
  /** The PATH to search. */
  envPath: string;
  platform: NodeJS.Platform;
  isExecutable(file: string): Promise<boolean>;
  /** Interpreters the Python extension reports (active first), if it is installed. */
  pythonExtensionInterpreters(): Promise<string[]>;
  /** Whether `python -c "import tracker_lsp"` succeeds. */
  canImportServer(python: string): Promise<boolean>;
}

export type Discovery =
  | { ok: true; server: ServerCommand; tried: string[] }
  | { ok: false; tried: string[]; message: string };

export const SERVER_EXECUTABLE = "tracker-lsp";
export const SERVER_MODULE = "tracker_lsp";

function executableNames(name: string, platform: NodeJS.Platform): string[] {
  return platform === "win32" ? [`${name}.exe`, `${name}.cmd`, `${name}.bat`, name] : [name];
}

/** The first executable called `name` on `envPath`. */
export async function findOnPath(
  name: string,
  envPath: string,
  platform: NodeJS.Platform,
  isExecutable: (file: string) => Promise<boolean>,
): Promise<string | undefined> {
  const separator = platform === "win32" ? ";" : ":";
  const join = platform === "win32" ? path.win32.join : path.posix.join;
  for (const dir of envPath.split(separator)) {
    if (!dir) continue;
    for (const candidate of executableNames(name, platform)) {
      const file = join(dir, candidate);
      if (await isExecutable(file)) return file;
    }
  }
  return undefined;
}

function configuredCommand(configured: string | string[] | undefined): string[] | undefined {
  if (configured === undefined) return undefined;
  const parts = (Array.isArray(configured) ? configured : [configured]).map((p) => String(p).trim());
  return parts.length && parts[0] ? parts : undefined;
}

export async function discoverServer(host: DiscoveryHost): Promise<Discovery> {
  const tried: string[] = [];
  const configured = configuredCommand(host.configured);
  if (configured) {
    const [command, ...args] = configured;
    const looksLikePath = command.includes("/") || command.includes("\\");
    const resolved = looksLikePath
      ? (await host.isExecutable(command))
        ? command
        : undefined
      : await findOnPath(command, host.envPath, host.platform, host.isExecutable);
    tried.push(`tracker.server.path: ${configured.join(" ")}`);
    if (resolved) return { ok: true, server: { command: resolved, args, source: "setting" }, tried };
    return {
      ok: false,
      tried,
      message: `The command in the setting tracker.server.path (${command}) was not found or is not executable.`,
    };
  }
  tried.push(`${SERVER_EXECUTABLE} on PATH`);
  const onPath = await findOnPath(SERVER_EXECUTABLE, host.envPath, host.platform, host.isExecutable);
  if (onPath) return { ok: true, server: { command: onPath, args: [], source: "path" }, tried };

  for (const python of await host.pythonExtensionInterpreters()) {
    tried.push(`${python} -m ${SERVER_MODULE} (Python extension)`);
    if (await host.canImportServer(python)) {
      return { ok: true, server: { command: python, args: ["-m", SERVER_MODULE], source: "python-extension" }, tried };
    }
  }
  for (const name of ["python3", "python"]) {
    const python = await findOnPath(name, host.envPath, host.platform, host.isExecutable);
    if (!python) continue;
    tried.push(`${python} -m ${SERVER_MODULE}`);
    if (await host.canImportServer(python)) {
      return { ok: true, server: { command: python, args: ["-m", SERVER_MODULE], source: "python" }, tried };
    }
  }
  return {
    ok: false,
    tried,
    message:
      "The Dippin language server (tracker-lsp) was not found. Install tracker (pip install tracker) " +
      "in the environment VS Code uses, or set tracker.server.path.",
  };
}
