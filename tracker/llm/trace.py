"""LLM trace events (spec §6.7) and their JSON line fields (§7.3.3 activity log, §8.1.6 NDJSON).

The client turns each traced call's stream into these events and hands them to observers
(plain callables; an observer may also define ``flush()``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from tracker.llm.types import TraceObserver, Usage

logger = logging.getLogger("tracker.llm.trace")

PREVIEW_LIMIT = 80


class TraceKind(StrEnum):
    REQUEST_START = "request_start"
    REASONING = "reasoning"
    TEXT = "text"
    TOOL_PREPARE = "tool_prepare"
    FINISH = "finish"
    PROVIDER_RAW = "provider_raw"


@dataclass(slots=True)
class TraceEvent:
    """One normalised trace event. ``session_owned`` is never serialised: it marks events
    of a request that carried its own observers (the activity-log writer drops them)."""

    kind: TraceKind
    provider: str
    model: str
    call_id: str
    session_owned: bool = False
    request_body: str = ""
    """``request_start``: the wire JSON actually sent, verbatim."""
    text: str = ""
    """``text``/``reasoning``: the delta, unclipped."""
    tool_name: str = ""
    tool_call_id: str = ""
    tool_arguments: str = ""
    """``tool_prepare``: arguments known at start (only Gemini has any), full JSON."""
    preview: str = ""
    """Display preview: whole delta for text/reasoning, 80-character argument preview for
    ``tool_prepare``."""
    finish_reason: str = ""
    usage: Usage | None = None
    raw_event: str = ""
    """``provider_raw``: the frame's ``type`` member (provider event name)."""
    raw_frame: str = ""
    raw_preview: str = ""

    @property
    def type(self) -> str:
        return self.kind.value

    def content(self) -> str:
        """Activity-log ``content``: first non-empty of request body, tool arguments, raw
        frame, delta text/preview, raw preview."""
        for value in (
            self.request_body,
            self.tool_arguments,
            self.raw_frame,
            self.text or self.preview,
            self.raw_preview,
        ):
            if value:
                return value
        return ""

    def to_activity_fields(self) -> dict[str, Any]:
        """Keys of an ``activity.jsonl`` line (``source: "llm"``), empty ones omitted; the
        writer adds ``ts``, ``run_id`` and ``bundle_identity``."""
        fields: dict[str, Any] = {"source": "llm", "type": self.type}
        _put(fields, "provider", self.provider)
        _put(fields, "model", self.model)
        _put(fields, "tool_name", self.tool_name)
        _put(fields, "content", self.content())
        fields.update(usage_fields(self.usage))
        _put(fields, "call_id", self.call_id)
        _put(fields, "finish_reason", self.finish_reason)
        return fields

    def to_ndjson_fields(self) -> dict[str, Any]:
        """Keys of an NDJSON ``--json`` line: the display preview only, no ``call_id`` or
        ``finish_reason`` (§8.1.6); the writer adds ``ts``."""
        fields: dict[str, Any] = {"source": "llm", "type": self.type}
        _put(fields, "provider", self.provider)
        _put(fields, "model", self.model)
        _put(fields, "tool_name", self.tool_name)
        _put(fields, "content", self.preview)
        fields.update(usage_fields(self.usage))
        return fields


def _put(fields: dict[str, Any], key: str, value: str) -> None:
    if value:
        fields[key] = value


def usage_fields(usage: Usage | None) -> dict[str, Any]:
    """``token_input``/``token_output`` plus the optional counters only when reported."""
    if usage is None:
        return {}
    fields: dict[str, Any] = {}
    if usage.input_tokens:
        fields["token_input"] = usage.input_tokens
    if usage.output_tokens:
        fields["token_output"] = usage.output_tokens
    if usage.cache_read_tokens:
        fields["cache_read_tokens"] = usage.cache_read_tokens
    if usage.cache_write_tokens:
        fields["cache_write_tokens"] = usage.cache_write_tokens
    if usage.reasoning_tokens:
        fields["reasoning_tokens"] = usage.reasoning_tokens
    if usage.estimated_cost:
        fields["estimated_cost"] = usage.estimated_cost
    return fields


def preview(text: str, limit: int = PREVIEW_LIMIT) -> str:
    """Newlines → spaces, trimmed, clipped to ``limit - 1`` bytes + ``…`` when longer."""
    flat = text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ").strip()
    encoded = flat.encode("utf-8")
    if len(encoded) <= limit:
        return flat
    return encoded[: limit - 1].decode("utf-8", errors="ignore") + "…"


def deliver(observers: Iterable[TraceObserver], event: TraceEvent) -> None:
    """Hand ``event`` to every observer; an observer's failure is logged, never raised."""
    for observer in observers:
        try:
            observer(event)
        except Exception:
            logger.exception("trace observer failed on %s event", event.type)


def flush(observers: Iterable[TraceObserver]) -> None:
    for observer in observers:
        flush_fn = getattr(observer, "flush", None)
        if callable(flush_fn):
            try:
                flush_fn()
            except Exception:
                logger.exception("trace observer flush failed")
