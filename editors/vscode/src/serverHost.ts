/**
 * The real {@link DiscoveryHost}: the file system, child processes and the Python
 * extension's API, as VS Code offers them.
 */
import { execFile } from "node:child_process";
import { constants, promises as fs } from "node:fs";
import * as vscode from "vscode";
import { type DiscoveryHost, SERVER_MODULE } from "./discovery";

async function isExecutable(file: string): Promise<boolean> {
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) return false;
    await fs.access(file, process.platform === "win32" ? constants.F_OK : constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function canImportServer(python: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(python, ["-c", `import ${SERVER_MODULE}`], { timeout: 15000 }, (error) => resolve(!error));
  });
}

interface PythonExtensionApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { path: string } | undefined;
    resolveEnvironment(env: { path: string }): Promise<{ executable?: { uri?: vscode.Uri } } | undefined>;
  };
  settings?: {
    getExecutionDetails(resource?: vscode.Uri): { execCommand?: string[] };
  };
}

async function pythonExtensionInterpreters(): Promise<string[]> {
  const extension = vscode.extensions.getExtension<PythonExtensionApi>("ms-python.python");
  if (!extension) return [];
  try {
    const api = extension.isActive ? extension.exports : await extension.activate();
    const resource = vscode.workspace.workspaceFolders?.[0]?.uri;
    const out: string[] = [];
    const active = api.environments?.getActiveEnvironmentPath(resource);
    if (active) {
      const resolved = await api.environments?.resolveEnvironment(active);
      const executable = resolved?.executable?.uri?.fsPath;
      if (executable) out.push(executable);
    }
    const exec = api.settings?.getExecutionDetails(resource)?.execCommand;
    if (exec?.length === 1 && !out.includes(exec[0])) out.push(exec[0]);
    return out;
  } catch {
    return [];
  }
}

export function vscodeDiscoveryHost(): DiscoveryHost {
  const config = vscode.workspace.getConfiguration("tracker");
  const configured = config.get<string | string[]>("server.path");
  return {
    configured: Array.isArray(configured) ? configured : configured || undefined,
    envPath: process.env.PATH ?? "",
    platform: process.platform,
    isExecutable,
    pythonExtensionInterpreters,
    canImportServer,
  };
}
