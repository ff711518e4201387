"""A scripted HTTP server on 127.0.0.1 that records requests and replays canned responses.

Each provider fake builds :class:`Reply` objects (JSON bodies or SSE streams) in its own
wire protocol; the server only frames and sends them.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One scripted response. ``sse`` sends a close-delimited ``text/event-stream`` body."""

    status: int = 200
    json_body: Any = None
    text_body: str | None = None
    sse: list[str] | None = None
    """Pre-framed SSE chunks (each typically ``event: …\\ndata: …\\n\\n``)."""
    headers: dict[str, str] = field(default_factory=dict)
    stall_after: int | None = None
    """Send this many SSE chunks, then stall (send nothing) until the server stops."""
    chunk_delay: float = 0.0


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def header(self, name: str) -> str | None:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None


class FakeServer:
    """Replays ``Reply`` objects in order (the last one repeats when the queue runs dry)."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._replies: deque[Reply] = deque()
        self._last: Reply | None = None
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def enqueue(self, *replies: Reply) -> None:
        with self._lock:
            self._replies.extend(replies)

    def next_reply(self) -> Reply:
        with self._lock:
            if self._replies:
                self._last = self._replies.popleft()
            if self._last is None:
                return Reply(status=500, json_body={"error": "no reply scripted"})
            return self._last

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    @property
    def last_request(self) -> RecordedRequest:
        return self.requests[-1]


def _make_handler(server: FakeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            server.record(RecordedRequest(self.command, self.path, dict(self.headers.items()), body))
            reply = server.next_reply()
            if reply.sse is not None:
                self._send_sse(reply)
            else:
                self._send_body(reply)

        do_GET = _handle
        do_POST = _handle

        def _send_body(self, reply: Reply) -> None:
            if reply.text_body is not None:
                payload = reply.text_body.encode()
            else:
                payload = json.dumps(reply.json_body if reply.json_body is not None else {}).encode()
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()

        def _send_sse(self, reply: Reply) -> None:
            self.close_connection = True
            self.send_response(reply.status)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.end_headers()
            assert reply.sse is not None
            try:
                for index, chunk in enumerate(reply.sse):
                    if reply.stall_after is not None and index >= reply.stall_after:
                        break
                    self.wfile.write(chunk.encode())
                    self.wfile.flush()
                    if reply.chunk_delay:
                        server.stopping.wait(reply.chunk_delay)
                if reply.stall_after is not None:
                    server.stopping.wait(30)
            except (BrokenPipeError, ConnectionResetError):
                return

    return Handler


def sse_event(event: str | None, data: Any) -> str:
    """One SSE frame; ``data`` is JSON-encoded unless it is already a string."""
    payload = data if isinstance(data, str) else json.dumps(data)
    prefix = f"event: {event}\n" if event else ""
    return f"{prefix}data: {payload}\n\n"
