// The end-to-end harness: a real code-server (VS Code in the browser) with the packaged
// extension installed and the real tracker-lsp on PATH, driven by headless Chromium
// through puppeteer-core. Everything runs on 127.0.0.1; nothing is downloaded.
import { spawn, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import puppeteer from "puppeteer-core";

export const ROOT = resolve(import.meta.dirname, "../..");
export const ARTIFACTS = join(ROOT, "test-artifacts");
export const CODE_SERVER =
  process.env.CODE_SERVER_BIN || join(ROOT, ".cache/runtime/node_modules/code-server/out/node/entry.js");
export const CHROMIUM = process.env.CHROMIUM_BIN || "/usr/bin/chromium";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
    server.on("error", reject);
  });
}

async function waitForHttp(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { redirect: "manual" });
      if (res.status < 500) return;
    } catch {
      // not up yet
    }
    await sleep(250);
  }
  throw new Error(`code-server did not answer at ${url} within ${timeoutMs} ms`);
}

/** node (24) that runs code-server: CODE_SERVER_NODE or the `node` on PATH. */
function nodeBinary() {
  return process.env.CODE_SERVER_NODE || process.execPath;
}

export class Workbench {
  constructor() {
    this.home = mkdtempSync(join(tmpdir(), "tracker-e2e-"));
    this.workspace = join(this.home, "workspace");
    this.userData = join(this.home, "user-data");
    this.extensions = join(this.home, "extensions");
    mkdirSync(this.workspace, { recursive: true });
    mkdirSync(join(this.userData, "User"), { recursive: true });
    mkdirSync(ARTIFACTS, { recursive: true });
    this.shots = 0;
    this.log = "";
  }

  writeSettings(extra = {}) {
    const settings = {
      "workbench.startupEditor": "none",
      "workbench.tips.enabled": false,
      "workbench.enableExperiments": false,
      "workbench.welcomePage.walkthroughs.openOnInstall": false,
      "workbench.secondarySideBar.defaultVisibility": "hidden",
      "chat.disableAIFeatures": true,
      "extensions.ignoreRecommendations": true,
      "extensions.autoUpdate": false,
      "extensions.autoCheckUpdates": false,
      "telemetry.telemetryLevel": "off",
      "update.mode": "none",
      "security.workspace.trust.enabled": false,
      "editor.minimap.enabled": false,
      "editor.quickSuggestionsDelay": 10,
      "files.autoSave": "off",
      "window.commandCenter": false,
      ...extra,
    };
    writeFileSync(join(this.userData, "User", "settings.json"), JSON.stringify(settings, null, 2));
  }

  codeServerArgs(...args) {
    return [CODE_SERVER, "--user-data-dir", this.userData, "--extensions-dir", this.extensions, ...args];
  }

  installExtension(vsix) {
    return execFileSync(nodeBinary(), this.codeServerArgs("--install-extension", vsix), {
      env: this.env(),
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  }

  env() {
    const env = {
      ...process.env,
      XDG_CONFIG_HOME: join(this.home, "config"),
      XDG_DATA_HOME: join(this.home, "data"),
      // Keep this PATH for the extension host: VS Code skips re-reading the login
      // shell's environment when it is started "from the CLI".
      VSCODE_CLI: "1",
      // No extension gallery: nothing may leave the machine.
      EXTENSIONS_GALLERY: JSON.stringify({ serviceUrl: "http://127.0.0.1:9/gallery", itemUrl: "http://127.0.0.1:9/item" }),
    };
    if (process.env.TRACKER_BIN_DIR) env.PATH = `${process.env.TRACKER_BIN_DIR}:${env.PATH}`;
    return env;
  }

  async start({ headless = true } = {}) {
    this.port = await freePort();
    this.server = spawn(
      nodeBinary(),
      this.codeServerArgs(
        "--auth",
        "none",
        "--bind-addr",
        `127.0.0.1:${this.port}`,
        "--disable-telemetry",
        "--disable-update-check",
        "--disable-workspace-trust",
        "--disable-getting-started-override",
        this.workspace,
      ),
      { env: this.env(), stdio: ["ignore", "pipe", "pipe"], detached: true },
    );
    this.server.stdout.on("data", (d) => (this.log += d));
    this.server.stderr.on("data", (d) => (this.log += d));
    this.url = `http://127.0.0.1:${this.port}/?folder=${encodeURIComponent(this.workspace)}`;
    await waitForHttp(`http://127.0.0.1:${this.port}/healthz`, 60000);
    this.browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1600,1000",
        // Only the local code-server is reachable from the page.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
      ],
      defaultViewport: { width: 1600, height: 1000 },
      protocolTimeout: 120000,
    });
    this.page = await this.browser.newPage();
    this.page.on("console", (msg) => {
      if (msg.type() === "error") this.log += `[browser] ${msg.text()}\n`;
    });
    const started = Date.now();
    await this.page.goto(this.url, { waitUntil: "domcontentloaded", timeout: 120000 });
    await this.page.waitForSelector(".monaco-workbench .part.activitybar", { timeout: 120000 });
    await this.page.waitForSelector(".monaco-workbench .part.statusbar", { timeout: 120000 });
    this.loadMs = Date.now() - started;
    await sleep(1500);
  }

  async screenshot(name) {
    this.shots += 1;
    const file = join(ARTIFACTS, `${String(this.shots).padStart(2, "0")}-${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  async stop() {
    try {
      await this.browser?.close();
    } catch {
      // already gone
    }
    if (this.server && this.server.exitCode === null) {
      try {
        process.kill(-this.server.pid, "SIGTERM");
      } catch {
        // already gone
      }
      await sleep(500);
    }
    if (!process.env.KEEP_E2E_HOME) rmSync(this.home, { recursive: true, force: true });
  }

  // ------------------------------------------------------------------ UI helpers

  async pressKey(combo) {
    const keys = combo.split("+");
    for (const key of keys) await this.page.keyboard.down(key);
    for (const key of keys.reverse()) await this.page.keyboard.up(key);
  }

  async quickInput() {
    await this.page.waitForSelector(".quick-input-widget:not([style*='display: none']) input", { visible: true, timeout: 20000 });
    return this.page.$(".quick-input-widget input");
  }

  /** Run a command from the command palette by its title. */
  async runCommand(title) {
    await this.focusWorkbench();
    await this.pressKey("F1");
    const input = await this.quickInput();
    await this.pressKey("Control+a");
    await input.type(`>${title}`, { delay: 5 });
    await this.page.waitForFunction(
      (wanted) =>
        [...document.querySelectorAll(".quick-input-list .monaco-list-row")].some((row) =>
          row.textContent.includes(wanted),
        ),
      { timeout: 20000 },
      title,
    );
    await sleep(150);
    await this.page.keyboard.press("Enter");
    // The palette closes (or turns into the command's own input box).
    await this.page.waitForFunction(
      () => {
        const widget = document.querySelector(".quick-input-widget");
        const hidden = !widget || widget.style.display === "none" || widget.offsetParent === null;
        return hidden || !widget.querySelector("input")?.value.startsWith(">");
      },
      { timeout: 20000 },
    );
  }

  /** Wait for an input box whose title or prompt mentions `text`; returns its input. */
  async inputBox(text) {
    await this.page.waitForFunction(
      (wanted) => {
        const widget = document.querySelector(".quick-input-widget");
        return widget && widget.style.display !== "none" && widget.innerText.includes(wanted);
      },
      { timeout: 30000 },
      text,
    );
    return this.page.$(".quick-input-widget input");
  }

  /** Move keyboard focus out of any webview (keys typed there never reach the workbench). */
  async focusWorkbench() {
    await this.page.bringToFront();
    const title = await this.page.$(".part.titlebar .window-title");
    if (title) await title.click();
    else await this.page.mouse.click(800, 10);
  }

  /** Open a workspace file through Quick Open; resolves when its editor tab is active. */
  async openFile(name) {
    await this.focusWorkbench();
    await this.pressKey("Control+p");
    const input = await this.quickInput();
    await input.type(name, { delay: 5 });
    await this.page.waitForFunction(
      (wanted) =>
        [...document.querySelectorAll(".quick-input-list .monaco-list-row")].some((row) =>
          row.textContent.includes(wanted),
        ),
      { timeout: 20000 },
      name,
    );
    await sleep(100);
    const opened = Date.now();
    await this.page.keyboard.press("Enter");
    await this.page.waitForFunction(
      (wanted) => [...document.querySelectorAll(".tab.active")].some((tab) => tab.textContent.includes(wanted)),
      { timeout: 20000 },
      name,
    );
    await this.page.waitForSelector(".monaco-editor .view-lines", { timeout: 20000 });
    return opened;
  }

  /** The frame of a webview for which `predicate(arg)` holds in its document. */
  async webviewFrame(predicate, arg, timeoutMs = 30000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      for (const frame of this.page.frames()) {
        try {
          if (await frame.evaluate(predicate, arg)) return frame;
        } catch {
          // detached or still loading
        }
      }
      await sleep(200);
    }
    throw new Error(`no webview matching ${predicate} (${arg}) within ${timeoutMs} ms`);
  }

  async waitInFrame(frame, fn, arg, timeoutMs = 30000) {
    return frame.waitForFunction(fn, { timeout: timeoutMs, polling: 50 }, arg);
  }
}
