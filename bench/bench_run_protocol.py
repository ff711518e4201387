"""Authoring latency while runs stream events through the editor run protocol.

The server (``python -m tracker_lsp``) runs generated pipelines with ``tracker.run`` and
streams every event as a ``tracker/runEvent`` notification; meanwhile this client asks
for completions (``${ctx.`` keys in a prompt of a large document) back to back and
measures each round trip. Scenarios:

* chain  — N tool nodes in a row (a steady stream, about 5 events per node);
* fanout — one parallel node with N branches (bursts of events as branches finish);
* two    — two chains at once.

The client speaks JSON-RPC over the server's stdio itself (frames parsed with ``json``),
so its own decoding costs microseconds per notification and the numbers are the
server's. The server is started in the run's workdir, as an editor starts it in the
workspace folder (tool nodes then start with ``posix_spawn``); ``--elsewhere`` starts it in
another directory, where the tool handler falls back to forking the server process for
every command. Prints numbers; never fails on a threshold (target: completion p95 ≤ 50 ms
while a run streams ≥ 2,000 events).

Usage: python bench/bench_run_protocol.py [--nodes 500] [--branches 100] [--elsewhere] [FILE.dip]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
CORPUS_FILE = REPO.parent / "shared" / "corpus" / "tracker" / "examples" / "build_product.dip"
FALLBACK_FILE = REPO / "examples" / "release_check.dip"


def pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def report(name: str, samples: list[float]) -> None:
    if not samples:
        print(f"{name:<46} (no samples)")
        return
    print(
        f"{name:<46} n={len(samples):<5} p50 {statistics.median(samples):6.1f} ms   "
        f"p95 {pct(samples, 0.95):6.1f} ms   max {max(samples):6.1f} ms"
    )


def chain_source(n: int) -> str:
    lines = ["workflow Chain", '  goal: "stream events"', "  start: N0", f"  exit: N{n - 1}", ""]
    for i in range(n):
        lines += [f"  tool N{i}", "    timeout: 30s", "    command: true", ""]
    lines.append("  edges")
    lines += [f"    N{i} -> N{i + 1}" for i in range(n - 1)]
    return "\n".join(lines) + "\n"


def fanout_source(n: int) -> str:
    branches = [f"B{i}" for i in range(n)]
    lines = ["workflow Fanout", '  goal: "burst of events"', "  start: Start", "  exit: Done", ""]
    lines += ["  agent Start", '    label: "Start"', ""]
    lines += [f"  parallel Fan -> {', '.join(branches)}", ""]
    for b in branches:
        lines += [f"  tool {b}", "    timeout: 30s", "    command: true", ""]
    lines += [f"  fan_in Join <- {', '.join(branches)}", ""]
    lines += [
        "  agent Done",
        '    label: "Done"',
        "",
        "  edges",
        "    Start -> Fan",
        "    Join -> Done",
    ]
    return "\n".join(lines) + "\n"


class Client:
    """A minimal LSP client over the server's stdio."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.next_id = 0
        self.waiting: dict[int, asyncio.Future[Any]] = {}
        self.notifications: dict[str, int] = {}
        self.events: dict[str, list[int]] = {}  # run id -> seq numbers
        self.finished: dict[str, asyncio.Event] = {}
        self.diagnostics: dict[str, int] = {}
        self.reader = asyncio.ensure_future(self._read())

    def _write(self, message: dict[str, Any]) -> None:
        body = json.dumps(message).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"Content-Length: {len(body)}\r\n\r\n".encode() + body)

    async def request(self, method: str, params: Any) -> Any:
        self.next_id += 1
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.waiting[self.next_id] = fut
        self._write({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        return await fut

    def notify(self, method: str, params: Any) -> None:
        self._write({"jsonrpc": "2.0", "method": method, "params": params})

    async def _read(self) -> None:
        stream = self.proc.stdout
        assert stream is not None
        while True:
            length = 0
            while True:
                line = await stream.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            message = json.loads(await stream.readexactly(length))
            if "id" in message and "method" in message:  # a request from the server
                self._write({"jsonrpc": "2.0", "id": message["id"], "result": None})
            elif "id" in message:
                fut = self.waiting.pop(message["id"])
                if "error" in message:
                    fut.set_exception(RuntimeError(message["error"]["message"]))
                else:
                    fut.set_result(message.get("result"))
            else:
                self._notification(message["method"], message.get("params"))

    def _notification(self, method: str, params: Any) -> None:
        self.notifications[method] = self.notifications.get(method, 0) + 1
        if method == "tracker/runEvent":
            self.events.setdefault(params["runId"], []).append(params["seq"])
        elif method == "tracker/runState" and not params["active"]:
            self.finished.setdefault(params["runId"], asyncio.Event()).set()
        elif method == "textDocument/publishDiagnostics":
            self.diagnostics[params["uri"]] = params.get("version") or 0

    async def diagnosed(self, uri: str, version: int) -> None:
        while self.diagnostics.get(uri, -1) < version:
            await asyncio.sleep(0.005)

    async def completion_ms(self, uri: str, line: int, character: int) -> float:
        started = time.perf_counter()
        result = await self.request(
            "textDocument/completion",
            {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}},
        )
        assert result, "completion returned nothing"
        return (time.perf_counter() - started) * 1000


async def open_completion_doc(client: Client, path: Path) -> tuple[str, int, int]:
    """Open ``path`` and type ``${ctx.`` at the end of a prompt line; where to complete."""
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    uri = path.resolve().as_uri()
    client.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "dippin", "version": 1, "text": text}},
    )
    await client.diagnosed(uri, 1)
    candidates = [i for i, line in enumerate(lines) if line.strip().startswith("prompt:")]
    line = candidates[len(candidates) * 2 // 3] + 1 if len(candidates) > 2 else candidates[-1]
    if not lines[line].strip():
        line -= 1
    col = len(lines[line])
    typed = " ${ctx."
    client.notify(
        "textDocument/didChange",
        {
            "textDocument": {"uri": uri, "version": 2},
            "contentChanges": [
                {
                    "range": {
                        "start": {"line": line, "character": col},
                        "end": {"line": line, "character": col},
                    },
                    "text": typed,
                }
            ],
        },
    )
    await client.diagnosed(uri, 2)
    return uri, line, col + len(typed)


async def complete_while(
    client: Client, uri: str, line: int, col: int, running: asyncio.Event
) -> list[float]:
    samples: list[float] = []
    while not running.is_set():
        samples.append(await client.completion_ms(uri, line, col))
        await asyncio.sleep(0.002)
    return samples


async def scenario(
    client: Client, name: str, sources: list[Path], workdir: Path, doc: tuple[str, int, int]
) -> None:
    uri, line, col = doc
    before = client.notifications.get("tracker/runEvent", 0)
    started = time.perf_counter()
    run_ids = []
    for source in sources:
        result = await client.request(
            "workspace/executeCommand",
            {
                "command": "tracker.run",
                "arguments": [{"uri": source.as_uri(), "workdir": str(workdir)}],
            },
        )
        run_ids.append(result["runId"])
    all_done = asyncio.Event()

    async def wait_runs() -> None:
        for run_id in run_ids:
            await client.finished.setdefault(run_id, asyncio.Event()).wait()
        all_done.set()

    waiter = asyncio.ensure_future(wait_runs())
    samples = await complete_while(client, uri, line, col, all_done)
    await waiter
    elapsed = time.perf_counter() - started
    events = client.notifications.get("tracker/runEvent", 0) - before
    for run_id in run_ids:
        seqs = client.events.get(run_id, [])
        assert seqs == list(range(1, len(seqs) + 1)), f"run {run_id}: events out of order"
    print(
        f"{name}: {events} events in {elapsed:5.2f} s ({events / elapsed:6.0f} events/s), {len(run_ids)} run(s)"
    )
    report("  completion while the run streams", samples)


async def main(args: argparse.Namespace) -> None:
    doc_path = (
        Path(args.file) if args.file else (CORPUS_FILE if CORPUS_FILE.is_file() else FALLBACK_FILE)
    )
    scratch = Path(tempfile.mkdtemp(prefix="bench-run-protocol-"))
    env = {**os.environ, "TRACKER_AUDIT_DIR": str(scratch / "audit")}
    cwd = tempfile.mkdtemp(prefix="bench-server-cwd-") if args.elsewhere else str(scratch)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tracker_lsp",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        env=env,
        cwd=cwd,
        limit=1 << 26,
    )
    print(f"server cwd: {'elsewhere' if args.elsewhere else 'the run workdir'}")
    client = Client(proc)
    await client.request(
        "initialize",
        {
            "processId": os.getpid(),
            "rootUri": scratch.as_uri(),
            "capabilities": {"window": {"workDoneProgress": True}},
            "initializationOptions": {"tracker": {"watchFiles": False, "environmentChecks": False}},
        },
    )
    client.notify("initialized", {})
    doc = await open_completion_doc(client, doc_path)
    print(
        f"completion document: {doc_path} ({len(doc_path.read_text().splitlines())} lines), line {doc[1] + 1}"
    )
    idle = [await client.completion_ms(*doc) for _ in range(50)]
    report("completion, idle server", idle)

    chain = scratch / "chain.dip"
    chain.write_text(chain_source(args.nodes))
    fanout = scratch / "fanout.dip"
    fanout.write_text(fanout_source(args.branches))
    second = scratch / "chain2.dip"
    second.write_text(chain_source(args.nodes // 2))
    await scenario(client, f"chain of {args.nodes} tool nodes", [chain], scratch, doc)
    await scenario(client, f"fan-out to {args.branches} branches", [fanout], scratch, doc)
    await scenario(
        client,
        f"two chains at once ({args.nodes} + {args.nodes // 2})",
        [chain, second],
        scratch,
        doc,
    )

    await client.request("shutdown", None)
    client.notify("exit", None)
    await proc.wait()
    shutil.rmtree(scratch, ignore_errors=True)
    if args.elsewhere:
        shutil.rmtree(cwd, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "file",
        nargs="?",
        help="the document to complete in (default: the corpus build_product.dip)",
    )
    parser.add_argument(
        "--nodes", type=int, default=500, help="tool nodes in the chain (about 5 events each)"
    )
    parser.add_argument("--branches", type=int, default=100, help="branches of the fan-out")
    parser.add_argument(
        "--elsewhere", action="store_true", help="start the server outside the run workdir"
    )
    asyncio.run(main(parser.parse_args()))
