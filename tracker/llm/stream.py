"""Provider-neutral stream events, as produced by every adapter's ``stream`` (spec §6.3).

One flat record with a ``kind`` keeps adapters and consumers simple to switch on.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from tracker.llm.types import FinishReason, Usage


class StreamEventKind(StrEnum):
    STREAM_START = "stream_start"
    """The provider's stream started; ``request_body`` is the wire JSON sent."""
    TEXT_START = "text_start"
    TEXT_DELTA = "text_delta"
    TEXT_END = "text_end"
    REASONING_START = "reasoning_start"
    REASONING_DELTA = "reasoning_delta"
    REASONING_SIGNATURE = "reasoning_signature"
    REASONING_END = "reasoning_end"
    REDACTED_REASONING = "redacted_reasoning"
    TOOL_CALL_START = "tool_call_start"
    TOOL_CALL_DELTA = "tool_call_delta"
    TOOL_CALL_END = "tool_call_end"
    FINISH = "finish"
    PROVIDER_EVENT = "provider_event"
    """A raw provider frame: ``raw_name`` is its type, ``raw`` the full frame."""


@dataclass(slots=True)
class StreamEvent:
    kind: StreamEventKind
    text_id: str = ""
    delta: str = ""
    tool_call_id: str = ""
    tool_name: str = ""
    tool_arguments: str = ""
    """TOOL_CALL_START: arguments known at start; TOOL_CALL_END: complete arguments if known."""
    thought_signature: str = ""
    signature: str = ""
    data: str = ""
    finish_reason: FinishReason | None = None
    usage: Usage | None = None
    response_id: str = ""
    request_body: str = ""
    raw_name: str = ""
    raw: dict[str, Any] | None = None


def text_delta(text_id: str, delta: str) -> StreamEvent:
    return StreamEvent(StreamEventKind.TEXT_DELTA, text_id=text_id, delta=delta)


def reasoning_delta(delta: str) -> StreamEvent:
    return StreamEvent(StreamEventKind.REASONING_DELTA, delta=delta)


def provider_event(name: str, frame: dict[str, Any]) -> StreamEvent:
    return StreamEvent(StreamEventKind.PROVIDER_EVENT, raw_name=name, raw=frame)
