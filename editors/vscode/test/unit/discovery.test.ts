/** Server discovery order: setting, tracker-lsp on PATH, the Python extension's interpreter, python on PATH. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type DiscoveryHost, discoverServer, findOnPath } from "../../src/discovery";

function host(overrides: Partial<DiscoveryHost> & { executables?: string[]; importable?: string[] }): DiscoveryHost {
  const executables = new Set(overrides.executables ?? []);
  const importable = new Set(overrides.importable ?? []);
  return {
    configured: undefined,
    envPath: "/usr/local/bin:/usr/bin",
    platform: "linux",
    isExecutable: async (file) => executables.has(file),
    pythonExtensionInterpreters: async () => [],
    canImportServer: async (python) => importable.has(python),
    ...overrides,
  };
}

describe("server discovery", () => {
  test("the setting wins: a command with arguments", async () => {
    const found = await discoverServer(
      host({
        configured: ["/venv/bin/python", "-m", "tracker_lsp"],
        executables: ["/venv/bin/python", "/usr/bin/tracker-lsp"],
      }),
    );
    assert.ok(found.ok);
    assert.deepEqual(found.server, { command: "/venv/bin/python", args: ["-m", "tracker_lsp"], source: "setting" });
  });

  test("a bare command in the setting is looked up on PATH", async () => {
    const found = await discoverServer(host({ configured: "tracker-lsp", executables: ["/usr/bin/tracker-lsp"] }));
    assert.ok(found.ok);
    assert.equal(found.server.command, "/usr/bin/tracker-lsp");
  });

  test("a broken setting is an error naming the setting, not a silent fallback", async () => {
    const found = await discoverServer(host({ configured: "/nope/tracker-lsp", executables: ["/usr/bin/tracker-lsp"] }));
    assert.equal(found.ok, false);
    assert.match(!found.ok ? found.message : "", /tracker\.server\.path/);
  });

  test("without a setting: tracker-lsp on PATH, first directory first", async () => {
    const found = await discoverServer(
      host({ executables: ["/usr/local/bin/tracker-lsp", "/usr/bin/tracker-lsp"], importable: ["/usr/bin/python3"] }),
    );
    assert.ok(found.ok);
    assert.deepEqual(found.server, { command: "/usr/local/bin/tracker-lsp", args: [], source: "path" });
  });

  test("then the Python extension's interpreter, if it can import tracker_lsp", async () => {
    const found = await discoverServer(
      host({
        pythonExtensionInterpreters: async () => ["/home/me/.venv/bin/python"],
        importable: ["/home/me/.venv/bin/python"],
        executables: ["/usr/bin/python3"],
      }),
    );
    assert.ok(found.ok);
    assert.deepEqual(found.server, {
      command: "/home/me/.venv/bin/python",
      args: ["-m", "tracker_lsp"],
      source: "python-extension",
    });
    assert.deepEqual(found.tried, ["tracker-lsp on PATH", "/home/me/.venv/bin/python -m tracker_lsp (Python extension)"]);
  });

  test("an interpreter that cannot import the server is skipped for python3 on PATH", async () => {
    const found = await discoverServer(
      host({
        pythonExtensionInterpreters: async () => ["/other/python"],
        executables: ["/usr/bin/python3"],
        importable: ["/usr/bin/python3"],
      }),
    );
    assert.ok(found.ok);
    assert.deepEqual(found.server, { command: "/usr/bin/python3", args: ["-m", "tracker_lsp"], source: "python" });
  });

  test("nothing found: a clear message and everything that was tried", async () => {
    const found = await discoverServer(host({ executables: ["/usr/bin/python3"] }));
    assert.equal(found.ok, false);
    if (!found.ok) {
      assert.match(found.message, /tracker-lsp\) was not found/);
      assert.match(found.message, /pip install/);
      assert.deepEqual(found.tried, ["tracker-lsp on PATH", "/usr/bin/python3 -m tracker_lsp"]);
    }
  });

  test("Windows: ; separated PATH and .exe names", async () => {
    const file = await findOnPath("tracker-lsp", "C:\\a;C:\\b", "win32", async (f) => f === "C:\\b\\tracker-lsp.exe");
    assert.equal(file, "C:\\b\\tracker-lsp.exe");
  });

  test("empty PATH entries are ignored", async () => {
    const file = await findOnPath("tracker-lsp", "::/bin", "linux", async (f) => f === "/bin/tracker-lsp");
    assert.equal(file, "/bin/tracker-lsp");
  });
});
