"""``--webhook-url``: gates answered by an external service (engine spec §8.2, D.10).

Each gate is POSTed as JSON to the webhook URL with a ``callback_url`` and a per-gate
``gate_token``; the service answers with ``POST <callback_url>``, header
``X-Tracker-Gate-Token``, body ``{"choice", "freeform", "reasoning"}``. A small HTTP
server in this process (``--gate-callback-addr``, started on the first gate) receives the
answer. Each gate accepts exactly one answer: a wrong token gets 401, a second answer 409.
On ``--gate-timeout`` the gate fails (``timeout_action: fail``, the default) or takes a
synthetic answer (``success``). Interview gates are not supported.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import sys
import uuid
from dataclasses import dataclass, field
from typing import ClassVar

from tracker.gates import (
    ACTOR_WEBHOOK,
    GateAnswer,
    GateError,
    GateRequest,
    GateTimeout,
    match_choice,
)

BODY_LIMIT = 64 * 1024
DEFAULT_TIMEOUT_S = 600.0
HEADER_LIMIT = 16 * 1024


@dataclass
class WebhookConfig:
    url: str
    callback_addr: str = ":8789"
    timeout_s: float = DEFAULT_TIMEOUT_S
    timeout_action: str = "fail"  # fail | success
    auth_header: str = ""
    run_id: str = ""


@dataclass
class _Pending:
    token: str
    request: GateRequest
    future: asyncio.Future[dict[str, str]]


@dataclass
class _Recent:
    token: str
    outcome: str  # answered | timed out | cancelled


def split_addr(addr: str) -> tuple[str, int]:
    host, _, port = addr.rpartition(":")
    host = host.strip("[]")
    try:
        number = int(port)
    except ValueError as exc:
        raise GateError(f"invalid --gate-callback-addr {addr!r} (use HOST:PORT or :PORT)") from exc
    return host, number


@dataclass
class _Response:
    status: int
    body: str
    content_type: str = "text/plain; charset=utf-8"

    REASONS: ClassVar[dict[int, str]] = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed", 409: "Conflict", 413: "Payload Too Large"}

    def encode(self) -> bytes:
        data = self.body.encode("utf-8")
        head = (
            f"HTTP/1.1 {self.status} {self.REASONS.get(self.status, 'Error')}\r\n"
            f"Content-Type: {self.content_type}\r\nContent-Length: {len(data)}\r\nConnection: close\r\n\r\n"
        )
        return head.encode("ascii") + data


@dataclass
class CallbackServer:
    """The HTTP endpoint that receives gate answers."""

    addr: str
    pending: dict[str, _Pending] = field(default_factory=dict)
    recent: dict[str, _Recent] = field(default_factory=dict)
    server: asyncio.base_events.Server | None = None
    base_url: str = ""

    async def start(self) -> None:
        host, port = split_addr(self.addr)
        self.server = await asyncio.start_server(self._handle, host or None, port)
        sock = self.server.sockets[0].getsockname()
        bound_host, bound_port = sock[0], sock[1]
        if bound_host in ("0.0.0.0", "::", ""):
            bound_host = "127.0.0.1"
        if ":" in bound_host:
            bound_host = f"[{bound_host}]"
        self.base_url = f"http://{bound_host}:{bound_port}"

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.server.wait_closed(), 2.0)
            self.server = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            response = await asyncio.wait_for(self._respond(reader), 30.0)
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ValueError):
            response = _Response(400, "bad request")
        try:
            writer.write(response.encode())
            await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def _respond(self, reader: asyncio.StreamReader) -> _Response:
        head = await reader.readuntil(b"\r\n\r\n")
        if len(head) > HEADER_LIMIT:
            return _Response(400, "headers too large")
        lines = head.decode("latin-1").split("\r\n")
        method, path, *_ = ([*lines[0].split(" "), "", ""])[:3]
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        if method != "POST":
            return _Response(405, "method not allowed")
        if not path.startswith("/gate/"):
            return _Response(404, "not found")
        gate_id = path[len("/gate/") :].split("?")[0].strip("/")
        if not gate_id:
            return _Response(400, "missing gate_id")
        length = int(headers.get("content-length", "0") or 0)
        token = headers.get("x-tracker-gate-token", "")
        pending = self.pending.get(gate_id)
        recent = self.recent.get(gate_id)
        if pending is None and recent is None:
            return _Response(404, "unknown gate_id")
        expected = pending.token if pending is not None else recent.token if recent is not None else ""
        if not token or not secrets.compare_digest(token, expected):
            return _Response(401, "invalid or missing X-Tracker-Gate-Token")
        if length > BODY_LIMIT:
            return _Response(400, "invalid JSON body: body too large")
        body = await reader.readexactly(length) if length else b""
        try:
            data = json.loads(body or b"{}")
            if not isinstance(data, dict):
                raise ValueError("expected a JSON object")
        except ValueError as exc:
            return _Response(400, f"invalid JSON body: {exc}")
        if pending is None or pending.future.done():
            state = recent.outcome if recent is not None else "answered"
            return _Response(409, f"gate already resolved ({state})")
        answer = {k: str(data.get(k) or "") for k in ("choice", "freeform", "reasoning")}
        pending.future.set_result(answer)
        self.forget(gate_id, "answered")
        return _Response(200, '{"status":"ok"}', "application/json")

    def forget(self, gate_id: str, outcome: str) -> None:
        gate = self.pending.pop(gate_id, None)
        if gate is not None:
            self.recent[gate_id] = _Recent(gate.token, outcome)
            if len(self.recent) > 1024:
                self.recent.pop(next(iter(self.recent)))


class WebhookInterviewer:
    actor = ACTOR_WEBHOOK

    def __init__(self, config: WebhookConfig) -> None:
        self.config = config
        self.server = CallbackServer(config.callback_addr)
        self._start_error: GateError | None = None
        self._started = False
        self._lock = asyncio.Lock()

    def supports(self, mode: str) -> bool:
        return mode != "interview"

    async def _ensure_server(self) -> None:
        async with self._lock:
            if self._start_error is not None:
                raise self._start_error
            if not self._started:
                try:
                    await self.server.start()
                except OSError as exc:
                    self._start_error = GateError(f"webhook callback server could not listen on {self.config.callback_addr}: {exc}")
                    raise self._start_error from exc
                self._started = True

    async def ask(self, request: GateRequest) -> GateAnswer:
        if request.mode == "interview":
            raise GateError("the webhook interviewer does not support interview gates")
        await self._ensure_server()
        import httpx

        gate_id = str(uuid.uuid4())
        token = str(uuid.uuid4())
        loop = asyncio.get_running_loop()
        future: asyncio.Future[dict[str, str]] = loop.create_future()
        self.server.pending[gate_id] = _Pending(token, request, future)
        timeout = self.config.timeout_s or DEFAULT_TIMEOUT_S
        payload: dict[str, object] = {"gate_id": gate_id}
        if self.config.run_id or request.run_id:
            payload["run_id"] = self.config.run_id or request.run_id
        payload["node_id"] = request.node_id
        payload["prompt"] = request.prompt
        if request.mode == "freeform":
            payload["choices"] = None
        else:
            payload["choices"] = [{"label": c, "value": c} for c in request.choices]
        payload["callback_url"] = f"{self.server.base_url}/gate/{gate_id}"
        payload["timeout_seconds"] = int(timeout)
        payload["gate_token"] = token
        headers = {"Content-Type": "application/json"}
        if self.config.auth_header:
            headers["Authorization"] = self.config.auth_header
        outcome = "cancelled"
        try:
            try:
                async with httpx.AsyncClient(timeout=30.0) as client:
                    response = await client.post(self.config.url, content=json.dumps(payload), headers=headers)
            except httpx.HTTPError as exc:
                raise GateError(f"webhook post failed: {exc}") from exc
            if response.status_code >= 400:
                raise GateError(f"webhook post failed: HTTP {response.status_code}")
            try:
                answer = await asyncio.wait_for(asyncio.shield(future), timeout)
            except TimeoutError:
                outcome = "timed out"
                sys.stderr.write(f"warning: webhook gate {gate_id} for node {request.node_id} timed out after {timeout:g}s\n")
                if self.config.timeout_action == "success":
                    return GateAnswer(self._synthetic(request), actor=self.actor)
                raise GateTimeout(f"webhook gate timed out after {timeout:g}s") from None
            outcome = "answered"
            return GateAnswer(self._interpret(request, answer), actor=self.actor)
        finally:
            if gate_id in self.server.pending:
                self.server.forget(gate_id, outcome)
            if not future.done():
                future.cancel()

    @staticmethod
    def _synthetic(request: GateRequest) -> str:
        if request.mode in ("choice", "yes_no", "hybrid") and request.choices:
            return request.choices[0]
        return "gate timeout"

    @staticmethod
    def _interpret(request: GateRequest, answer: dict[str, str]) -> str:
        choice, freeform = answer.get("choice", ""), answer.get("freeform", "")
        if request.mode == "choice":
            return match_choice(choice, request.choices, request.default)
        if request.mode == "yes_no":
            return match_choice(choice, ["Yes", "No"])
        if request.mode == "freeform":
            return freeform or choice
        return freeform or match_choice(choice, request.choices, request.default)

    async def close(self) -> None:
        for gate_id, gate in list(self.server.pending.items()):
            if not gate.future.done():
                gate.future.cancel()
            self.server.forget(gate_id, "cancelled")
        await self.server.close()
