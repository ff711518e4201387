"""What a handler returns (an :class:`Outcome`) or raises (a :class:`HandlerError`).

A node *fails* by returning ``Outcome(status="fail")``, which edges can route on; it
*errors* by raising, which stops the run (engine spec §2.1, §2.3.3, §4.8).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

SUCCESS = "success"
FAIL = "fail"
RETRY = "retry"
STATUSES = (SUCCESS, FAIL, RETRY)

# Run-level terminal statuses.
TERMINAL_SUCCESS = "success"
TERMINAL_FAIL = "fail"
TERMINAL_BUDGET = "budget_exceeded"
TERMINAL_OVERRIDDEN = "validation_overridden"
TERMINAL_BILLING = "paused_billing"


def is_success(status: str) -> bool:
    return status in (TERMINAL_SUCCESS, TERMINAL_OVERRIDDEN)


class HandlerError(Exception):
    """A node that could not do its job at all; the run stops (not routable)."""


class BillingPause(HandlerError):
    """A provider reported exhausted credit or quota: the run pauses (``paused_billing``)
    and can be resumed later. Raised by LLM-backed handlers."""


@dataclass(slots=True)
class NodeStats:
    """Usage of one node execution (filled by LLM-backed handlers).

    An aggregate made with :meth:`add` (a parallel node summing its branches) keeps the
    added stats in ``parts``, so run totals stay per provider (:meth:`breakdown`)."""

    provider: str = ""
    model: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0
    cost_usd: float = 0.0
    turns: int = 0
    tool_calls: dict[str, int] = field(default_factory=dict)
    estimated: bool = False
    sessions: int = 0
    parts: list[NodeStats] = field(default_factory=list)

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens + self.cache_read_tokens + self.cache_write_tokens

    def breakdown(self) -> list[NodeStats]:
        """The stats as recorded per provider: the added parts of an aggregate, else itself."""
        return list(self.parts) if self.parts else [self]

    def add(self, other: NodeStats) -> None:
        if not self.parts and (self.total_tokens or self.cost_usd or self.sessions):
            self.parts.append(dataclasses.replace(self, tool_calls=dict(self.tool_calls), parts=[]))
        self.parts.extend(other.breakdown())
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens
        self.cache_read_tokens += other.cache_read_tokens
        self.cache_write_tokens += other.cache_write_tokens
        self.reasoning_tokens += other.reasoning_tokens
        self.cost_usd += other.cost_usd
        self.turns += other.turns
        self.sessions += other.sessions
        self.estimated = self.estimated or other.estimated
        for name, n in other.tool_calls.items():
            self.tool_calls[name] = self.tool_calls.get(name, 0) + n


@dataclass(slots=True)
class Truncation:
    stream: str
    limit: int
    captured: int
    dropped: int
    total: int


@dataclass(slots=True)
class MarkerMissing:
    pattern: str
    tail: str = ""
    error: str = ""


@dataclass(slots=True)
class AutoStatusMissing:
    tail: str
    fail_closed: bool


@dataclass(slots=True)
class Override:
    """A validation override (engine spec §2.10)."""

    gate_node_id: str
    label: str
    actor: str
    covered_gates: list[str] = field(default_factory=list)
    subgraph_path: list[str] = field(default_factory=list)
    timestamp: str = ""

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"gate_node_id": self.gate_node_id}
        if self.label:
            data["label"] = self.label
        data["actor"] = self.actor
        if self.covered_gates:
            data["covered_gates"] = list(self.covered_gates)
        if self.subgraph_path:
            data["subgraph_path"] = list(self.subgraph_path)
        data["timestamp"] = self.timestamp
        return data

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Override:
        return cls(
            gate_node_id=str(data.get("gate_node_id", "")),
            label=str(data.get("label", "")),
            actor=str(data.get("actor", "unknown")),
            covered_gates=[str(x) for x in data.get("covered_gates") or []],
            subgraph_path=[str(x) for x in data.get("subgraph_path") or []],
            timestamp=str(data.get("timestamp", "")),
        )


@dataclass(slots=True)
class Outcome:
    status: str
    context_updates: dict[str, str] = field(default_factory=dict)
    preferred_label: str = ""
    suggested_next_nodes: list[str] = field(default_factory=list)
    stats: NodeStats | None = None
    child_usage: NodeStats | None = None
    truncations: list[Truncation] = field(default_factory=list)
    marker_missing: MarkerMissing | None = None
    route_missing_tail: str | None = None
    auto_status_missing: AutoStatusMissing | None = None
    override_actor: str = ""
    child_overrides: list[Override] = field(default_factory=list)

    def status_json_text(self) -> str:
        """``status.json`` as ``json.dumps(indent=2)`` would write it, built directly
        (it is written after every tool node, so the generic encoder is too slow)."""
        from tracker.engine.jsonfrag import encode_str, join_array, join_object

        parts = ['"outcome": ' + encode_str(self.status)]
        if self.preferred_label:
            parts.append('"preferred_next_label": ' + encode_str(self.preferred_label))
        if self.suggested_next_nodes:
            parts.append('"suggested_next_ids": ' + join_array([encode_str(n) for n in self.suggested_next_nodes], 1))
        if self.context_updates:
            frags = [encode_str(k) + ": " + encode_str(v) for k, v in sorted(self.context_updates.items())]
            parts.append('"context_updates": ' + join_object(frags, 1))
        return join_object(parts, 0)

    def status_json(self) -> dict[str, Any]:
        """The per-node ``status.json`` document (engine spec §7.5)."""
        data: dict[str, Any] = {"outcome": self.status}
        if self.preferred_label:
            data["preferred_next_label"] = self.preferred_label
        if self.suggested_next_nodes:
            data["suggested_next_ids"] = list(self.suggested_next_nodes)
        if self.context_updates:
            data["context_updates"] = dict(sorted(self.context_updates.items()))
        return data
