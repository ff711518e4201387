"""Webhook gates end to end: a real HTTP receiver answers through the callback server."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import REPO

FLOW = """
workflow Hook
  start: Start
  exit: Done

  agent Start
    label: Start

  tool Report
    timeout: 5s
    command: echo ready to ship

  human Approve
    label: Ship it?

  tool Ship
    timeout: 5s
    command: echo shipped

  tool Hold
    timeout: 5s
    command: sleep 1; echo held  # keeps the run (and its callback server) up for the second answer

  agent Done
    label: Done

  edges
    Start -> Report
    Report -> Approve
    Approve -> Ship label: ship
    Approve -> Hold label: hold
    Ship -> Done
    Hold -> Done
"""


class Receiver:
    """The external service: records each gate POST and answers 200."""

    def __init__(self) -> None:
        self.payloads: queue.Queue[dict[str, Any]] = queue.Queue()
        self.headers: list[dict[str, str]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.headers.append(dict(self.headers))
                receiver.payloads.put(json.loads(body))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


def start(tmp_path: Path, *flags: str) -> subprocess.Popen[str]:
    flow = tmp_path / "hook.dip"
    flow.write_text(textwrap.dedent(FLOW).lstrip())
    env = {**os.environ, "TRACKER_AUDIT_DIR": str(tmp_path / "audit"), "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-m", "tracker", str(flow), "--json", "--gate-callback-addr", "127.0.0.1:0", *flags],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
    )


def finish(proc: subprocess.Popen[str]) -> tuple[int, list[dict[str, Any]], str]:
    out, err = proc.communicate(timeout=60)
    return proc.returncode, [json.loads(line) for line in out.splitlines()], err


def test_webhook_gate_is_answered_once_with_its_token(tmp_path: Path, receiver: Receiver) -> None:
    proc = start(tmp_path, "--webhook-url", receiver.url, "--webhook-auth", "Bearer s3cret")
    try:
        payload = receiver.payloads.get(timeout=60)
    finally:
        if proc.poll() is not None:
            print(proc.communicate())
    assert payload["node_id"] == "Approve"
    assert payload["prompt"].startswith("Ship it?")
    assert payload["choices"] == [{"label": "ship", "value": "ship"}, {"label": "hold", "value": "hold"}]
    assert payload["timeout_seconds"] == 600
    assert payload["callback_url"].startswith("http://127.0.0.1:") and payload["callback_url"].endswith(payload["gate_id"])
    assert receiver.headers[0]["Authorization"] == "Bearer s3cret"
    url, token = payload["callback_url"], payload["gate_token"]

    with httpx.Client(timeout=10) as client:
        wrong = client.post(url, json={"choice": "ship"}, headers={"X-Tracker-Gate-Token": "wrong"})
        assert (wrong.status_code, wrong.text) == (401, "invalid or missing X-Tracker-Gate-Token")
        missing = client.post(url, json={"choice": "ship"})
        assert missing.status_code == 401
        unknown = client.post(url.rsplit("/", 1)[0] + "/nope", json={"choice": "ship"}, headers={"X-Tracker-Gate-Token": token})
        assert (unknown.status_code, unknown.text) == (404, "unknown gate_id")
        bad = client.post(url, content=b"{nope", headers={"X-Tracker-Gate-Token": token})
        assert bad.status_code == 400 and bad.text.startswith("invalid JSON body")
        ok = client.post(url, json={"choice": "please HOLD it", "reasoning": "not yet"}, headers={"X-Tracker-Gate-Token": token})
        assert (ok.status_code, ok.json()) == (200, {"status": "ok"})
        again = client.post(url, json={"choice": "ship"}, headers={"X-Tracker-Gate-Token": token})
        assert again.status_code == 409 and again.text.startswith("gate already resolved")

    code, lines, err = finish(proc)
    assert code == 0, err
    assert "Webhook gate mode active" in err
    resolved = next(d for d in lines if d["type"] == "gate_resolved")
    assert (resolved["gate_response"], resolved["gate_actor"]) == ("hold", "webhook")
    started = [d["node_id"] for d in lines if d["type"] == "stage_started"]
    assert "Hold" in started and "Ship" not in started


def test_webhook_timeout_fails_the_gate_or_takes_the_first_choice(tmp_path: Path, receiver: Receiver) -> None:
    proc = start(tmp_path, "--webhook-url", receiver.url, "--gate-timeout", "300ms")
    code, lines, err = finish(proc)
    assert code == 1
    resolved = next(d for d in lines if d["type"] == "gate_resolved")
    assert resolved["gate_timed_out"] is True and resolved["gate_outcome"] == "fail"
    assert "timed out" in err

    proc = start(tmp_path, "--webhook-url", receiver.url, "--gate-timeout", "300ms", "--gate-timeout-action", "success")
    code, lines, err = finish(proc)
    assert code == 0, err
    resolved = next(d for d in lines if d["type"] == "gate_resolved")
    assert resolved["gate_response"] == "ship" and "gate_timed_out" not in resolved


def test_unreachable_webhook_is_a_handler_error(tmp_path: Path) -> None:
    proc = start(tmp_path, "--webhook-url", "http://127.0.0.1:9/hook")
    code, lines, err = finish(proc)
    assert code == 1
    resolved = next(d for d in lines if d["type"] == "gate_resolved")
    assert "webhook post failed" in resolved["error"]
    assert "Traceback" not in err
