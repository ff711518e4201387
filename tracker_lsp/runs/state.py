"""Node states of a run, folded from its events (the ``nodes`` of a run snapshot).

``attempts`` counts the node's starts in the run (retries and loop restarts included).
States: ``pending`` (not reached yet), ``running``, ``waiting`` (a human gate is open),
``retrying``, ``done``, ``failed``, and ``skipped`` (never reached in a finished run).
Child nodes of subgraph and manager-loop nodes appear as ``Parent/Child`` after their
parent the first time one of their events arrives. The run's own terminal event is the
one carrying its run ID (a child engine's budget halt carries the child's). :meth:`NodeStates.apply` returns
whether anything a snapshot shows changed, so snapshots are sent only when needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tracker.engine import events as ev

PENDING = "pending"
RUNNING = "running"
WAITING = "waiting"
RETRYING = "retrying"
DONE = "done"
FAILED = "failed"
SKIPPED = "skipped"


@dataclass
class NodeInfo:
    id: str
    label: str = ""
    kind: str = ""
    state: str = PENDING
    attempts: int = 0
    error: str = ""

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "label": self.label or self.id.rsplit("/", 1)[-1],
            "kind": self.kind,
            "state": self.state,
            "attempts": self.attempts,
        }
        if self.error:
            data["error"] = self.error
        return data


class NodeStates:
    """The node list of one run and what each node is doing."""

    def __init__(
        self, run_id: str, nodes: list[tuple[str, str, str]], start: str = "", exit: str = ""
    ) -> None:
        self.run_id = run_id
        self.order: list[str] = []
        self.nodes: dict[str, NodeInfo] = {}
        for node_id, label, kind in nodes:
            self._add(node_id, label, kind)
        self.start = start
        self.exit = exit
        self.current = ""
        self.total_tokens = 0
        self.total_cost_usd = 0.0
        self.estimated = False
        self.terminal_status = ""
        self.error = ""

    def _add(
        self, node_id: str, label: str = "", kind: str = "", after: str | None = None
    ) -> NodeInfo:
        info = NodeInfo(node_id, label, kind)
        self.nodes[node_id] = info
        if after is not None and after in self.nodes:
            index = self.order.index(after) + 1
            while index < len(self.order) and self.order[index].startswith(after + "/"):
                index += 1
            self.order.insert(index, node_id)
        else:
            self.order.append(node_id)
        return info

    def _node(self, node_id: str, kind: str = "") -> NodeInfo:
        info = self.nodes.get(node_id)
        if info is None:
            parent = node_id.rsplit("/", 1)[0] if "/" in node_id else None
            info = self._add(node_id, kind=kind, after=parent)
        if kind and not info.kind:
            info.kind = kind
        return info

    def mark(self, node_id: str, state: str, kind: str = "") -> bool:
        info = self._node(node_id, kind)
        if info.state == state:
            return False
        info.state = state
        return True

    def apply(self, event: ev.Event) -> bool:
        """Fold one event in; True when the snapshot changed."""
        if event.source != ev.SOURCE_PIPELINE:
            return False
        t, nid = event.type, event.node_id
        if t == ev.PIPELINE_STARTED:
            for done in event.snapshot_completed_nodes or []:
                self.mark(done, DONE)
            if event.snapshot_start_node:
                self.start = event.snapshot_start_node
            if event.snapshot_exit_node:
                self.exit = event.snapshot_exit_node
            return True
        if event.terminal_status and event.run_id in ("", self.run_id):
            self.terminal_status = event.terminal_status
            self.error = event.error or (
                event.message
                if event.terminal_status not in ("success", "validation_overridden")
                else ""
            )
            self.current = ""
            return True
        if not nid:
            if t == ev.COST_UPDATED:
                return self._cost(event)
            return False
        if t == ev.STAGE_STARTED:
            info = self._node(nid, event.node_kind)
            info.attempts += 1
            info.error = ""
            if "/" not in nid:
                self.current = nid
            info.state = RUNNING
            return True
        if t in (ev.STAGE_COMPLETED, ev.NODE_MEMO_REPLAYED):
            return self.mark(nid, DONE)
        if t in (ev.STAGE_FAILED, ev.WORK_PRESERVE_FAILED):
            info = self._node(nid)
            info.state = FAILED
            info.error = (
                (event.error or event.message).strip().splitlines()[0][:200]
                if (event.error or event.message)
                else ""
            )
            return True
        if t == ev.STAGE_RETRYING:
            return self.mark(nid, RETRYING)
        if t == ev.GATE_OPENED:
            return self.mark(nid, WAITING)
        if t == ev.GATE_RESOLVED:
            return self.mark(nid, RUNNING)
        if t == ev.DECISION_RESTART:
            changed = False
            for cleared in event.cleared_nodes or []:
                changed = self.mark(cleared, PENDING) or changed
            return changed
        if t == ev.COST_UPDATED:
            return self._cost(event)
        return False

    def _cost(self, event: ev.Event) -> bool:
        changed = (event.total_tokens, event.total_cost_usd) != (
            self.total_tokens,
            self.total_cost_usd,
        )
        self.total_tokens = event.total_tokens
        self.total_cost_usd = event.total_cost_usd
        self.estimated = self.estimated or event.estimated
        return changed

    def finish(self) -> None:
        """The run ended: nodes never reached are skipped, nothing runs any more."""
        for info in self.nodes.values():
            if info.state == PENDING:
                info.state = SKIPPED
            elif info.state in (RUNNING, WAITING, RETRYING):
                info.state = (
                    FAILED
                    if self.terminal_status not in ("success", "validation_overridden")
                    else DONE
                )
        self.current = ""

    def nodes_data(self) -> list[dict[str, Any]]:
        return [self.nodes[n].to_data() for n in self.order]

    def cost_data(self) -> dict[str, Any]:
        return {
            "totalTokens": self.total_tokens,
            "totalCostUsd": self.total_cost_usd,
            "estimated": self.estimated,
        }
