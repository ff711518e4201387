"""One run the editor started: its events, node states, gates and lifecycle.

A :class:`ManagedRun` wraps the engine's :class:`~tracker.engine.PipelineRun`: each engine
event becomes a ``tracker/runEvent`` (the object the CLI prints with ``--json``, wrapped
with the run ID and a sequence number); node states are folded into snapshots sent as
``tracker/runState`` (at start, at most every :data:`SNAPSHOT_INTERVAL_S` while they
change, and at the end); gates go out as ``tracker/gateOpened`` / ``tracker/gateClosed``
and come back through :meth:`ManagedRun.answer`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections import deque
from typing import TYPE_CHECKING, Any

from tracker_lsp.runs import protocol as P
from tracker_lsp.runs.protocol import ProtocolError

if TYPE_CHECKING:
    from tracker.engine import Event, LoadedPipeline, PipelineRun, RunResult
    from tracker.gates import GateRequest
    from tracker_lsp.runs.interviewer import EditorInterviewer
    from tracker_lsp.runs.manager import RunManager, WorkflowSource
    from tracker_lsp.runs.progress import RunProgress

log = logging.getLogger("tracker_lsp.runs")

SNAPSHOT_INTERVAL_S = 0.1
RECENT_EVENTS = 2000
SUCCESS_STATUSES = ("success", "validation_overridden")


def rfc3339(ts: float) -> str:
    from tracker.engine.events import format_ts

    return format_ts(ts)


class ManagedRun:
    """One run (fresh or resumed) and everything the editor can ask about it."""

    def __init__(
        self,
        manager: RunManager,
        run: PipelineRun,
        source: WorkflowSource,
        pipeline: LoadedPipeline,
    ) -> None:
        from tracker.runs.live import node_order
        from tracker_lsp.runs.state import NodeStates

        self.manager = manager
        self.run = run
        self.run_id = run.run_id
        self.source = source
        self.workflow = pipeline.name
        self.workdir = run.workdir
        graph = run.graph
        nodes = [
            (nid, graph.nodes[nid].label, graph.nodes[nid].handler) for nid in node_order(graph)
        ]
        self.states = NodeStates(self.run_id, nodes, graph.start, graph.exit)
        self.interviewer: EditorInterviewer | None = None
        self.close_interviewer: Any = None
        self.llm: Any = None
        self.lifecycle = "starting"
        self.seq = 0
        self.recent: deque[dict[str, Any]] = deque(maxlen=RECENT_EVENTS)
        self.pending: dict[str, dict[str, Any]] = {}
        self.requests: dict[str, GateRequest] = {}
        self.closed: dict[str, str] = {}
        self.gate_nodes: dict[str, str] = {}
        self.started_at = time.time()
        self.finished_at = 0.0
        self.cancel_requested = False
        self.error = ""
        self.result: RunResult | None = None
        self.task: asyncio.Task[None] | None = None
        self.progress: RunProgress | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._last_snapshot = -1e9
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()

    # ------------------------------------------------------------------ status

    @property
    def active(self) -> bool:
        return self.lifecycle in ("starting", "running")

    @property
    def status(self) -> str:
        if self.active:
            return "running"
        return self.states.terminal_status or (
            self.result.status if self.result is not None else "fail"
        )

    def snapshot(self) -> dict[str, Any]:
        """The ``tracker.runState`` object."""
        data: dict[str, Any] = {
            "runId": self.run_id,
            "workflow": self.workflow,
            "uri": self.source.uri or None,
            "workdir": str(self.workdir),
            "runDir": str(self.run.run_dir) if self.run.run_dir is not None else None,
            "state": self.lifecycle,
            "status": self.status,
            "active": self.active,
            "resumed": self.run.resumed is not None,
            "startNode": self.states.start,
            "exitNode": self.states.exit,
            "currentNode": self.states.current,
            "nodes": self.states.nodes_data(),
            "pendingGates": list(self.pending.values()),
            "cost": self.states.cost_data(),
            "eventCount": self.seq,
            "startedAt": rfc3339(self.started_at),
        }
        if self.finished_at:
            data["finishedAt"] = rfc3339(self.finished_at)
        error = self.error or (self.states.error if not self.active else "")
        if error:
            data["error"] = error
        if self.cancel_requested:
            data["cancelRequested"] = True
        return data

    # ------------------------------------------------------------------ events

    def on_event(self, event: Event) -> None:
        from tracker.engine.events import GATE_OPENED, wire_dict
        from tracker_lsp.server import RawJSON

        if threading.get_ident() != self._loop_thread:  # a handler emitting from a worker thread
            self._loop.call_soon_threadsafe(self.on_event, event)
            return
        self.seq += 1
        data = wire_dict(event)
        self.recent.append({"seq": self.seq, "event": data})
        if event.type == GATE_OPENED and event.gate_id:
            self.gate_nodes[event.gate_id] = event.node_id
        if self.lifecycle == "starting":
            self.lifecycle = "running"
        self.manager.outbox.push(P.RUN_EVENT, RawJSON(runId=self.run_id, seq=self.seq, event=data))
        if self.states.apply(event):
            self.changed()

    def changed(self, *, now: bool = False) -> None:
        """Something a snapshot shows changed: send one now or after the throttle interval."""
        if self._timer is not None:
            if not now:
                return
            self._timer.cancel()
            self._timer = None
        loop = asyncio.get_running_loop()
        wait = self._last_snapshot + SNAPSHOT_INTERVAL_S - loop.time()
        if now or wait <= 0:
            self._send_snapshot()
        else:
            self._timer = loop.call_later(wait, self._send_snapshot)

    def _send_snapshot(self) -> None:
        from tracker_lsp.server import RawJSON

        self._timer = None
        self._last_snapshot = asyncio.get_running_loop().time()
        self.manager.outbox.push(P.RUN_STATE_CHANGED, RawJSON(self.snapshot()))
        if self.progress is not None and self.active:
            current = self.states.nodes.get(self.states.current)
            if current is not None:
                self.progress.report(
                    f"{current.label or current.id} ({current.state})"
                    if current.label and current.label != current.id
                    else f"{current.id} ({current.state})"
                )

    # ------------------------------------------------------------------ gates

    def gate_opened(self, request: GateRequest, timeout_s: float | None) -> None:
        from tracker_lsp.runs.answers import gate_payload
        from tracker_lsp.server import RawJSON

        node_id = self.gate_nodes.get(request.gate_id, request.node_id)
        node = self.run.graph.nodes.get(node_id)  # None for a node of a child workflow
        action = (node.attrs.get("timeout_action") if node is not None else "") or "default"
        payload = gate_payload(
            self.run_id,
            request,
            node_id=node_id,
            timeout_s=timeout_s,
            timeout_action=action,
            opened_at=rfc3339(time.time()),
        )
        self.pending[request.gate_id] = payload
        self.requests[request.gate_id] = request
        self.manager.outbox.push(P.GATE_OPENED, RawJSON(payload))
        self.changed()

    def gate_closed(self, gate_id: str, by: str) -> None:
        self.close_gate(gate_id, by, None)

    def close_gate(self, gate_id: str, by: str, answer: dict[str, Any] | None) -> None:
        from tracker_lsp.server import RawJSON

        if gate_id in self.closed:
            return
        payload = self.pending.pop(gate_id, None)
        self.requests.pop(gate_id, None)
        self.closed[gate_id] = by
        node_id = payload["nodeId"] if payload else self.gate_nodes.get(gate_id, "")
        self.manager.outbox.push(
            P.GATE_CLOSED,
            RawJSON(
                runId=self.run_id, gateId=gate_id, nodeId=node_id, answeredBy=by, answer=answer
            ),
        )
        self.changed()

    def answer(self, gate_id: str, raw: Any) -> None:
        """Answer an open gate; raises :class:`ProtocolError` and changes nothing when the
        gate is unknown or closed, or the answer does not fit it."""
        from tracker.gates.broker import GateAlreadyAnswered, UnknownGate
        from tracker_lsp.runs.answers import AnswerError, parse_answer

        request = self.requests.get(gate_id)
        if request is None or self.interviewer is None:
            by = self.closed.get(gate_id)
            if by is not None:
                raise ProtocolError(
                    P.GATE_ALREADY_ANSWERED,
                    f"gate {gate_id} of run {self.run_id} is already closed ({_closed_text(by)})",
                    answeredBy=by,
                )
            raise ProtocolError(P.UNKNOWN_GATE, f"run {self.run_id} has no open gate {gate_id}")
        try:
            parsed = parse_answer(request, raw)
        except AnswerError as exc:
            raise ProtocolError(P.INVALID_ANSWER, str(exc), gateId=gate_id, **exc.details) from None
        try:
            self.interviewer.broker.answer(gate_id, parsed.gate_answer, by=P.BY_HUMAN)
        except GateAlreadyAnswered as exc:
            raise ProtocolError(
                P.GATE_ALREADY_ANSWERED, str(exc), answeredBy=self.closed.get(gate_id, "")
            ) from None
        except UnknownGate:
            raise ProtocolError(
                P.UNKNOWN_GATE, f"run {self.run_id} has no open gate {gate_id}"
            ) from None
        self.close_gate(gate_id, P.BY_HUMAN, parsed.normalized)

    # ------------------------------------------------------------------ lifecycle

    def cancel(self) -> None:
        if not self.active:
            return
        self.cancel_requested = True
        self.run.cancel()
        self.changed()

    async def drive(self) -> None:
        try:
            self.result = await self.run.run()
        except Exception as exc:  # the engine reports its own failures; this is a last resort
            log.exception("run %s crashed", self.run_id)
            self.error = f"run crashed: {exc}"
        finally:
            for closer in (
                self.close_interviewer,
                self.llm.aclose if self.llm is not None else None,
            ):
                if closer is not None:
                    with contextlib.suppress(Exception):
                        await closer()
            self._finish()

    def _finish(self) -> None:
        status = self.states.terminal_status or (
            self.result.status if self.result is not None else "fail"
        )
        if self.result is not None and not self.states.terminal_status:
            self.states.terminal_status = status
        if self.cancel_requested:
            self.lifecycle = "canceled"
        elif status == "paused_billing":
            self.lifecycle = "paused"
        elif status in SUCCESS_STATUSES:
            self.lifecycle = "succeeded"
        else:
            self.lifecycle = "failed"
        self.states.finish()
        self.finished_at = time.time()
        for gate_id in list(self.pending):
            self.close_gate(gate_id, P.BY_CANCELLED, None)
        self.changed(now=True)
        if self.progress is not None:
            self.progress.end(f"{self.workflow}: {self.lifecycle} ({status})")


def _closed_text(by: str) -> str:
    if by == P.BY_TIMEOUT:
        return "it timed out"
    if by == P.BY_CANCELLED:
        return "its run was cancelled"
    return f"answered by {by}"
