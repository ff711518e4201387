"""``tracker lsp`` and ``tracker-lsp`` start the same server."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import run_cli


def _frame(message: dict[str, object]) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def test_tracker_lsp_help_lists_the_transport_flags() -> None:
    proc = run_cli(["lsp", "--help"])
    assert proc.returncode == 0
    assert "--tcp" in proc.stdout and "--port" in proc.stdout


def test_tracker_lsp_answers_initialize_over_stdio() -> None:
    messages: list[dict[str, object]] = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}},
        {"jsonrpc": "2.0", "id": 2, "method": "shutdown"},
        {"jsonrpc": "2.0", "method": "exit"},
    ]
    proc = subprocess.run(
        [sys.executable, "-m", "tracker", "lsp"],
        input=b"".join(_frame(m) for m in messages),
        capture_output=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    out = proc.stdout.decode()
    assert '"name": "tracker-lsp"' in out
    caps = json.loads(out.split("\r\n\r\n", 1)[1].split("Content-Length")[0])["result"]["capabilities"]
    for provider in ("completionProvider", "hoverProvider", "renameProvider", "semanticTokensProvider", "codeLensProvider", "inlayHintProvider"):
        assert provider in caps
    assert caps["textDocumentSync"]["change"] == 2


def test_tcp_mode_serves_one_client_on_loopback() -> None:
    import socket
    import time

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "tracker_lsp", "--tcp", "--port", str(port)], stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = socket.create_connection(("127.0.0.1", port), timeout=5)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        with conn:
            conn.sendall(_frame({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}))
            data = b""
            while b'"result"' not in data or not data.rstrip().endswith(b"}"):
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
            assert b'"name": "tracker-lsp"' in data
    finally:
        server.kill()
        server.wait(timeout=30)
