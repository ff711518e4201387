"""Re-emitting the LLM client's trace events of one call as ``llm_*`` agent events
(engine spec §5.12).

Unlike the reference, text and reasoning deltas travel in the event text (``content`` on
the wire): our streams drop the duplicate client-level lines instead (Appendix D.7).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from tracker.agent.events import AgentEventType
from tracker.llm.trace import TraceEvent, TraceKind


class TraceForwarder:
    KINDS: ClassVar[dict[TraceKind, AgentEventType]] = {
        TraceKind.REQUEST_START: AgentEventType.LLM_REQUEST_START,
        TraceKind.REASONING: AgentEventType.LLM_REASONING,
        TraceKind.TEXT: AgentEventType.LLM_TEXT,
        TraceKind.TOOL_PREPARE: AgentEventType.LLM_TOOL_PREPARE,
        TraceKind.FINISH: AgentEventType.LLM_FINISH,
        TraceKind.PROVIDER_RAW: AgentEventType.LLM_PROVIDER_RAW,
    }

    def __init__(self, emit: Callable[..., None], turn: int) -> None:
        self.emit = emit
        self.turn = turn

    def __call__(self, event: TraceEvent) -> None:
        kind = self.KINDS[event.kind]
        fields: dict[str, object] = {
            "turn": self.turn,
            "provider": event.provider,
            "model": event.model,
            "call_id": event.call_id,
        }
        if kind is AgentEventType.LLM_REQUEST_START:
            fields["request_body"] = event.request_body
        elif kind in (AgentEventType.LLM_TEXT, AgentEventType.LLM_REASONING):
            fields["text"] = event.text
        elif kind is AgentEventType.LLM_TOOL_PREPARE:
            fields["tool_name"] = event.tool_name
        elif kind is AgentEventType.LLM_FINISH:
            fields["finish_reason"] = event.finish_reason
            fields["usage"] = event.usage
        elif kind is AgentEventType.LLM_PROVIDER_RAW:
            fields["text"] = event.raw_event
        self.emit(kind, **fields)
