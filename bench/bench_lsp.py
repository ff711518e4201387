"""Language-server latency and memory, measured over stdio with a real LSP client.

* diagnostics: one-character edits of ``build_product.dip`` (about 3,400 lines); the time
  from sending ``didChange`` to receiving ``publishDiagnostics`` for that version;
* completion: ``textDocument/completion`` round trips right after an edit (fields of a node,
  ``${ctx.`` keys, node IDs in an edge), while the server is still re-analysing;
* memory: the server's resident set size with every corpus ``.dip`` file open.

Usage: python bench/bench_lsp.py [FILE.dip] [--edits N]
Prints numbers; never fails on a threshold (targets: diagnostics p95 ≤ 25 ms,
completion p95 ≤ 15 ms, RSS ≤ 200 MB). Wall-clock numbers follow the machine's load
(printed before and after); the server's CPU time per edit (from ``tracker.stats``) does
not, so compare that line between runs on a busy machine.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from pathlib import Path

from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"
DEFAULT = CORPUS / "tracker" / "examples" / "build_product.dip"


def pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def report(name: str, samples: list[float]) -> None:
    print(
        f"{name:<44} n={len(samples):<4} p50 {statistics.median(samples):7.1f} ms   "
        f"p95 {pct(samples, 0.95):7.1f} ms   max {max(samples):7.1f} ms"
    )


class Bench:
    def __init__(self) -> None:
        self.client = LanguageClient("bench", "1")
        self.waiters: dict[tuple[str, int], asyncio.Future[float]] = {}
        self.latest: dict[str, int] = {}

        @self.client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)  # type: ignore[untyped-decorator]
        def published(params: lsp.PublishDiagnosticsParams) -> None:
            now = time.perf_counter()
            self.latest[params.uri] = params.version or 0
            fut = self.waiters.pop((params.uri, params.version or 0), None)
            if fut is not None and not fut.done():
                fut.set_result(now)

    async def start(self) -> None:
        await self.client.start_io(sys.executable, "-m", "tracker_lsp")
        caps = lsp.ClientCapabilities(
            general=lsp.GeneralClientCapabilities(position_encodings=[lsp.PositionEncodingKind.Utf16]),
            text_document=lsp.TextDocumentClientCapabilities(
                completion=lsp.CompletionClientCapabilities(
                    completion_item=lsp.ClientCompletionItemOptions(snippet_support=True),
                    completion_list=lsp.CompletionListCapabilities(item_defaults=["editRange", "insertTextFormat", "data"]),
                )
            ),
        )
        await self.client.initialize_async(
            lsp.InitializeParams(capabilities=caps, initialization_options={"tracker": {"watchFiles": False}})
        )
        self.client.initialized(lsp.InitializedParams())

    def expect(self, uri: str, version: int) -> asyncio.Future[float]:
        fut: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiters[(uri, version)] = fut
        return fut

    async def open(self, path: Path) -> str:
        uri = path.resolve().as_uri()
        fut = self.expect(uri, 1)
        text = path.read_text(encoding="utf-8", errors="replace")
        self.client.text_document_did_open(
            lsp.DidOpenTextDocumentParams(text_document=lsp.TextDocumentItem(uri=uri, language_id="dippin", version=1, text=text))
        )
        await asyncio.wait_for(fut, 120)
        return uri

    def change(self, uri: str, version: int, line: int, col: int, text: str, end_col: int | None = None, end_line: int | None = None) -> None:
        rng = lsp.Range(
            start=lsp.Position(line=line, character=col),
            end=lsp.Position(line=line if end_line is None else end_line, character=col if end_col is None else end_col),
        )
        self.client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(
                text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[lsp.TextDocumentContentChangePartial(range=rng, text=text)],
            )
        )

    async def complete(self, uri: str, line: int, col: int) -> tuple[float, int]:
        started = time.perf_counter()
        result = await self.client.text_document_completion_async(
            lsp.CompletionParams(text_document=lsp.TextDocumentIdentifier(uri=uri), position=lsp.Position(line=line, character=col))
        )
        elapsed = (time.perf_counter() - started) * 1000
        items = result.items if isinstance(result, lsp.CompletionList) else (result or [])
        return elapsed, len(items)

    async def stop(self) -> None:
        await self.client.shutdown_async(None)
        self.client.exit(None)
        await self.client.stop()  # type: ignore[no-untyped-call]


def server_rss_mb(client: LanguageClient) -> float:
    server = getattr(client, "_server", None)
    pid = getattr(server, "pid", None)
    if pid is None:
        return float("nan")
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def edit_sites(lines: list[str], rng: random.Random, count: int) -> list[tuple[int, int]]:
    """Places inside the text of non-blank lines (prompts, commands, labels, edges)."""
    candidates = [i for i, line in enumerate(lines) if len(line.strip()) > 3 and not line.lstrip().startswith("#")]
    sites = []
    for _ in range(count):
        i = rng.choice(candidates)
        line = lines[i]
        indent = len(line) - len(line.lstrip())
        sites.append((i, rng.randint(indent + 1, len(line))))
    return sites


async def run(path: Path, edits: int) -> None:
    bench = Bench()
    await bench.start()
    t0 = time.perf_counter()
    uri = await bench.open(path)
    print(f"file: {path} ({len(path.read_text().splitlines())} lines)")
    print(f"{'open → first diagnostics':<44} {(time.perf_counter() - t0) * 1000:7.1f} ms")
    lines = path.read_text(encoding="utf-8").split("\n")
    rng = random.Random(4)
    version = 1
    diag_ms: list[float] = []
    for line, col in edit_sites(lines, rng, edits // 2):
        # type a character, then delete it again: every edit is a one-character edit
        for text, end in (("x", None), ("", col + 1)):
            version += 1
            fut = bench.expect(uri, version)
            started = time.perf_counter()
            bench.change(uri, version, line, col, text, end)
            done = await asyncio.wait_for(fut, 30)
            diag_ms.append((done - started) * 1000)
            await asyncio.sleep(0.03)  # a pause between keystrokes, like a fast typist
    report("didChange → publishDiagnostics", diag_ms)
    stats = await bench.client.workspace_execute_command_async(lsp.ExecuteCommandParams(command="tracker.stats", arguments=[]))
    timings = stats["timings"][-len(diag_ms) :] if stats else []
    if timings:
        report("  server side: incremental parse", [t[1] for t in timings])
        report("  server side: lint (validate + lint)", [t[2] for t in timings])
        report("  server side: convert + send", [t[3] for t in timings])
        if len(timings[0]) > 4:
            report("  server CPU for all three (load-independent)", [t[4] for t in timings])

    # Completion right after a keystroke, before the new diagnostics are out.
    prompt_line = next(i for i, line in enumerate(lines) if line.strip().startswith("prompt:") and i > 1500) + 1
    node_line = next(i for i in range(prompt_line, 0, -1) if lines[i].startswith("  agent "))
    edges_at = next(i for i, line in enumerate(lines) if line.strip() == "edges")
    edge_line = next(i for i, line in enumerate(lines) if i > edges_at + 40 and " -> " in line)
    field_line = node_line + 1
    completion_ms: list[float] = []
    by_scenario: dict[str, list[float]] = {}
    counts: dict[str, int] = {}
    scenarios = [
        ("ctx keys", prompt_line, len(lines[prompt_line]), " ${ctx."),
        ("node fields", field_line, 0, "    "),
        ("edge target", edge_line, len(lines[edge_line].split("->")[0]) + 3, ""),
    ]
    for _ in range(edits // len(scenarios)):
        for name, line, col, typed in scenarios:
            version += 1
            fut = bench.expect(uri, version)
            bench.change(uri, version, line, col, typed + ("" if name != "node fields" else "\n"))
            at_line, at_col = (line, col + len(typed)) if name != "node fields" else (line, 4)
            elapsed, n = await bench.complete(uri, at_line, at_col)
            completion_ms.append(elapsed)
            by_scenario.setdefault(name, []).append(elapsed)
            counts[name] = n
            await asyncio.wait_for(fut, 30)
            version += 1  # undo the typing
            fut = bench.expect(uri, version)
            if name == "node fields":
                bench.change(uri, version, line, 0, "", end_col=0, end_line=line + 1)
            else:
                bench.change(uri, version, line, col, "", col + len(typed))
            await asyncio.wait_for(fut, 30)
    report("completion (right after a keystroke)", completion_ms)
    for name, samples in by_scenario.items():
        report(f"  {name} ({counts[name]} items)", samples)
    name, line, col, typed = scenarios[0]
    version += 1
    fut = bench.expect(uri, version)
    bench.change(uri, version, line, col, typed)
    await asyncio.wait_for(fut, 30)
    await asyncio.sleep(1.0)
    idle_ms = []
    for _ in range(20):
        elapsed, n = await bench.complete(uri, line, col + len(typed))
        idle_ms.append(elapsed)
    report(f"completion, idle server ({name}, {n} items)", idle_ms)

    files = sorted(CORPUS.glob("**/*.dip"))
    t0 = time.perf_counter()
    for other in files:
        if other.resolve() != path.resolve():
            await bench.open(other)
    print(f"{'open every corpus file (' + str(len(files)) + ')':<44} {(time.perf_counter() - t0) * 1000:7.0f} ms")
    await asyncio.sleep(1.0)
    print(f"{'server RSS with every corpus file open':<44} {server_rss_mb(bench.client):7.1f} MB")
    await bench.stop()


class RawClient:
    """JSON-RPC over the server's stdio with no object mapping: round trips as an editor
    that parses JSON natively sees them (the pygls client above also converts every
    result into lsprotocol objects, which costs more than the server for long lists)."""

    def __init__(self) -> None:
        import json
        import subprocess

        self.json = json
        self.proc = subprocess.Popen([sys.executable, "-m", "tracker_lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.next_id = 0
        caps = {
            "textDocument": {
                "completion": {
                    "completionItem": {"snippetSupport": True},
                    "completionList": {"itemDefaults": ["editRange", "insertTextFormat", "data"]},
                }
            }
        }
        self.request("initialize", {"capabilities": caps, "initializationOptions": {"watchFiles": False}})
        self.notify("initialized", {})

    def _send(self, message: dict[str, object]) -> None:
        assert self.proc.stdin is not None
        body = self.json.dumps(message).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def _read(self) -> dict[str, object]:
        assert self.proc.stdout is not None
        length = 0
        while True:
            line = self.proc.stdout.readline()
            if line in (b"\r\n", b""):
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        message: dict[str, object] = self.json.loads(self.proc.stdout.read(length))
        return message

    def notify(self, method: str, params: object) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method: str, params: object) -> object:
        self.next_id += 1
        self._send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        while True:
            message = self._read()
            if message.get("id") == self.next_id and "method" not in message:
                return message.get("result")

    def wait_diagnostics(self, version: int) -> None:
        while True:
            message = self._read()
            params = message.get("params")
            if message.get("method") == "textDocument/publishDiagnostics" and isinstance(params, dict) and params.get("version") == version:
                return

    def close(self) -> None:
        self.request("shutdown", None)
        self.notify("exit", None)
        self.proc.wait(timeout=30)


def raw_completion(path: Path, rounds: int) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    uri = path.resolve().as_uri()
    client = RawClient()
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "dippin", "version": 1, "text": "\n".join(lines)}})
    client.wait_diagnostics(1)
    line = next(i for i, text in enumerate(lines) if text.strip().startswith("prompt:") and i > 1500) + 1
    col = len(lines[line])
    change = {"range": {"start": {"line": line, "character": col}, "end": {"line": line, "character": col}}, "text": " ${ctx."}
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [change]})
    client.wait_diagnostics(2)
    samples = []
    count = 0
    for _ in range(rounds):
        started = time.perf_counter()
        result = client.request("textDocument/completion", {"textDocument": {"uri": uri}, "position": {"line": line, "character": col + 7}})
        samples.append((time.perf_counter() - started) * 1000)
        count = len(result["items"]) if isinstance(result, dict) else 0
    report(f"completion, raw JSON client ({count} items)", samples)
    client.close()


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("file", nargs="?", default=str(DEFAULT))
    ap.add_argument("--edits", type=int, default=100)
    args = ap.parse_args()
    print(f"load average before: {load_average()}")
    asyncio.run(run(Path(args.file), args.edits))
    raw_completion(Path(args.file), 30)
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
