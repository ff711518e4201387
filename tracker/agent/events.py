"""Agent-session events (engine spec §5.12) and their wire keys.

A session reports everything it does as :class:`AgentEvent` objects handed to one sink.
:meth:`AgentEvent.to_fields` gives the keys of an ``activity.jsonl`` / ``--json`` line
(``source: "agent"``, §7.3.3 and §8.1.5); every key it returns is a field of
``tracker.engine.events.Event``, so the engine turns an agent event into a line with
``Event(**agent_event.to_fields())``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from tracker.llm.types import Usage


class AgentEventType(StrEnum):
    SESSION_START = "session_start"
    SESSION_END = "session_end"
    TURN_START = "turn_start"
    TURN_END = "turn_end"
    LLM_REQUEST_PREPARING = "llm_request_preparing"
    LLM_REQUEST_START = "llm_request_start"
    LLM_REASONING = "llm_reasoning"
    LLM_TEXT = "llm_text"
    LLM_TOOL_PREPARE = "llm_tool_prepare"
    LLM_FINISH = "llm_finish"
    LLM_PROVIDER_RAW = "llm_provider_raw"
    TEXT_DELTA = "text_delta"
    TOOL_CALL_START = "tool_call_start"
    TOOL_CACHE_HIT = "tool_cache_hit"
    TOOL_CALL_END = "tool_call_end"
    STATUS_UPDATE = "status_update"
    ERROR = "error"
    CONTEXT_WINDOW_WARNING = "context_window_warning"
    CONTEXT_COMPACTION = "context_compaction"
    STEERING_INJECTED = "steering_injected"
    PROVIDER_FAILOVER = "provider_failover"
    TURN_METRICS = "turn_metrics"
    VERIFY = "verify"
    CHECKPOINT = "checkpoint"


@dataclass(slots=True)
class TurnMetrics:
    """The per-turn block of ``turn_metrics`` (overrides the usage keys on the wire)."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    context_utilization: float = 0.0
    tool_cache_hits: int = 0
    tool_cache_misses: int = 0
    turn_duration_ms: int = 0
    estimated_cost: float = 0.0


@dataclass(slots=True)
class AgentEvent:
    """One event of one session. ``turn`` is 0 for the planning turn, -1 for repair turns."""

    type: AgentEventType
    session_id: str = ""
    node_id: str = ""
    ts: float = field(default_factory=time.time)
    turn: int = 0
    provider: str = ""
    model: str = ""
    text: str = ""
    """Event text: the turn's text (``text_delta``), a message (``error``, ``verify``, …),
    or a streamed delta (``llm_text``/``llm_reasoning``)."""
    error: str = ""
    """Session-level error text (``error`` events)."""
    tool_name: str = ""
    tool_input: str = ""
    tool_output: str = ""
    tool_error: bool = False
    tool_duration_ms: int = 0
    call_id: str = ""
    finish_reason: str = ""
    request_body: str = ""
    usage: Usage | None = None
    context_utilization: float = 0.0
    metrics: TurnMetrics | None = None
    parent_session_id: str = ""

    def content(self) -> str:
        """The line's ``content``: request body, else tool output, else the event text."""
        return self.request_body or self.tool_output or self.text

    def error_text(self) -> str:
        """The line's ``error``: the tool-error flag (``"true"``) and the session error,
        joined with ``": "`` when both exist (§5.12 Quirk)."""
        parts = ["true" if self.tool_error else "", self.error]
        return ": ".join(p for p in parts if p)

    def to_fields(self) -> dict[str, Any]:
        """Wire keys of this event (empty values omitted), named like the engine's
        ``Event`` fields; ``source`` is ``"agent"``."""
        fields: dict[str, Any] = {"type": self.type.value, "source": "agent", "ts": self.ts}
        _put(fields, "node_id", self.node_id)
        _put(fields, "session_id", self.session_id)
        _put(fields, "parent_session_id", self.parent_session_id)
        _put(fields, "turn_no", self.turn)
        _put(fields, "provider", self.provider)
        _put(fields, "model", self.model)
        _put(fields, "tool_name", self.tool_name)
        _put(fields, "tool_input", self.tool_input)
        _put(fields, "content", self.content())
        _put(fields, "error", self.error_text())
        _put(fields, "tool_duration_ms", self.tool_duration_ms)
        _put(fields, "context_utilization", self.context_utilization)
        _put(fields, "call_id", self.call_id)
        _put(fields, "finish_reason", self.finish_reason)
        if self.usage is not None:
            _put(fields, "token_input", self.usage.input_tokens)
            _put(fields, "token_output", self.usage.output_tokens)
            _put(fields, "cache_read_tokens", self.usage.cache_read_tokens or 0)
            _put(fields, "cache_write_tokens", self.usage.cache_write_tokens or 0)
            _put(fields, "reasoning_tokens", self.usage.reasoning_tokens or 0)
            _put(fields, "estimated_cost", self.usage.estimated_cost or 0.0)
        if self.metrics is not None:
            m = self.metrics
            for key, value in (
                ("token_input", m.input_tokens),
                ("token_output", m.output_tokens),
                ("cache_read_tokens", m.cache_read_tokens),
                ("cache_write_tokens", m.cache_write_tokens),
                ("context_utilization", m.context_utilization),
                ("tool_cache_hits", m.tool_cache_hits),
                ("tool_cache_misses", m.tool_cache_misses),
                ("turn_duration_ms", m.turn_duration_ms),
                ("estimated_cost", m.estimated_cost),
            ):
                if value:
                    fields[key] = value
                else:
                    fields.pop(key, None)
        return fields


def _put(fields: dict[str, Any], key: str, value: Any) -> None:
    if value:
        fields[key] = value


AgentEventSink = Callable[[AgentEvent], None]
"""Receives every event of a session, in emission order."""
