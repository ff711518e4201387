"""The traced ``complete`` path (spec §6.3.1): fold a stream into trace events and a response.

Content order of the result: one merged thinking part (all reasoning deltas, last signature),
redacted-thinking parts, text parts (per text ID, first-seen order), then tool calls.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field

from tracker.llm import trace
from tracker.llm.stream import StreamEvent, StreamEventKind
from tracker.llm.trace import TraceEvent, TraceKind
from tracker.llm.types import (
    ContentPart,
    FinishReason,
    Message,
    RedactedThinkingPart,
    Response,
    TextPart,
    ThinkingPart,
    ToolCallPart,
    TraceObserver,
    Usage,
)


def new_call_id() -> str:
    """16 hex characters, shared by every trace event of one attempt."""
    return secrets.token_hex(8)


@dataclass(slots=True)
class _OpenToolCall:
    id: str
    name: str
    arguments: list[str] = field(default_factory=list)
    thought_signature: str = ""
    final_arguments: str | None = None

    def to_part(self) -> ToolCallPart:
        args = self.final_arguments if self.final_arguments is not None else "".join(self.arguments)
        return ToolCallPart(
            id=self.id,
            name=self.name,
            arguments=args if args.strip() else "{}",
            thought_signature=self.thought_signature,
        )


@dataclass(slots=True)
class StreamAccumulator:
    """Folds stream events into a :class:`Response`; pure state, no I/O."""

    provider: str
    model: str
    reasoning: list[str] = field(default_factory=list)
    reasoning_signature: str = ""
    saw_reasoning: bool = False
    redacted: list[str] = field(default_factory=list)
    texts: dict[str, list[str]] = field(default_factory=dict)
    tool_calls: dict[str, _OpenToolCall] = field(default_factory=dict)
    finish: FinishReason = field(default_factory=FinishReason)
    usage: Usage = field(default_factory=Usage)
    response_id: str = ""

    def add(self, event: StreamEvent) -> None:
        kind = event.kind
        if kind is StreamEventKind.TEXT_DELTA:
            self.texts.setdefault(event.text_id, []).append(event.delta)
        elif kind is StreamEventKind.TEXT_START:
            self.texts.setdefault(event.text_id, [])
        elif kind is StreamEventKind.REASONING_DELTA:
            self.saw_reasoning = True
            self.reasoning.append(event.delta)
        elif kind in (StreamEventKind.REASONING_SIGNATURE, StreamEventKind.REASONING_END):
            if event.signature:
                self.reasoning_signature = event.signature
            self.saw_reasoning = True
        elif kind is StreamEventKind.REASONING_START:
            self.saw_reasoning = True
        elif kind is StreamEventKind.REDACTED_REASONING:
            self.redacted.append(event.data)
        elif kind is StreamEventKind.TOOL_CALL_START:
            call = _OpenToolCall(event.tool_call_id, event.tool_name)
            if event.tool_arguments:
                call.arguments.append(event.tool_arguments)
            call.thought_signature = event.thought_signature
            self.tool_calls[event.tool_call_id] = call
        elif kind is StreamEventKind.TOOL_CALL_DELTA:
            open_call = self.tool_calls.get(event.tool_call_id)
            if open_call is not None:
                open_call.arguments.append(event.delta)
        elif kind is StreamEventKind.TOOL_CALL_END:
            open_call = self.tool_calls.get(event.tool_call_id)
            if open_call is not None and event.tool_arguments:
                open_call.final_arguments = event.tool_arguments
        elif kind is StreamEventKind.FINISH:
            if event.finish_reason is not None:
                self.finish = event.finish_reason
            if event.usage is not None:
                self.usage = event.usage
            self.response_id = event.response_id or self.response_id
        elif kind is StreamEventKind.STREAM_START:
            self.response_id = event.response_id or self.response_id

    def response(self, latency_seconds: float = 0.0) -> Response:
        parts: list[ContentPart] = []
        if self.saw_reasoning and (self.reasoning or self.reasoning_signature):
            parts.append(ThinkingPart("".join(self.reasoning), self.reasoning_signature))
        parts.extend(RedactedThinkingPart(data) for data in self.redacted)
        parts.extend(TextPart("".join(chunks)) for chunks in self.texts.values() if chunks)
        parts.extend(call.to_part() for call in self.tool_calls.values())
        return Response(
            id=self.response_id,
            model=self.model,
            provider=self.provider,
            message=Message("assistant", parts),
            finish_reason=self.finish,
            usage=self.usage,
            latency_seconds=latency_seconds,
        )


class _TraceEmitter:
    def __init__(
        self,
        provider: str,
        model: str,
        call_id: str,
        observers: Sequence[TraceObserver],
        session_owned: bool,
    ) -> None:
        self.provider = provider
        self.model = model
        self.call_id = call_id
        self.observers = observers
        self.session_owned = session_owned

    def emit(self, kind: TraceKind, **fields: object) -> None:
        event = TraceEvent(
            kind,
            self.provider,
            self.model,
            self.call_id,
            self.session_owned,
            **fields,  # type: ignore[arg-type]
        )
        trace.deliver(self.observers, event)

    def on_stream_event(self, event: StreamEvent) -> None:
        kind = event.kind
        if kind is StreamEventKind.TEXT_DELTA and event.delta:
            self.emit(TraceKind.TEXT, text=event.delta, preview=event.delta)
        elif kind is StreamEventKind.REASONING_DELTA and event.delta:
            self.emit(TraceKind.REASONING, text=event.delta, preview=event.delta)
        elif kind is StreamEventKind.PROVIDER_EVENT:
            frame = json.dumps(event.raw, ensure_ascii=False) if event.raw is not None else ""
            self.emit(
                TraceKind.PROVIDER_RAW,
                raw_event=event.raw_name,
                raw_frame=frame,
                raw_preview=trace.preview(frame),
            )
        elif kind is StreamEventKind.STREAM_START:
            self.emit(TraceKind.REQUEST_START, request_body=event.request_body)
        elif kind is StreamEventKind.TOOL_CALL_START:
            self.emit(
                TraceKind.TOOL_PREPARE,
                tool_name=event.tool_name,
                tool_call_id=event.tool_call_id,
                tool_arguments=event.tool_arguments,
                preview=trace.preview(event.tool_arguments) if event.tool_arguments else "",
            )
        elif kind is StreamEventKind.FINISH:
            reason = event.finish_reason.reason if event.finish_reason else ""
            self.emit(TraceKind.FINISH, finish_reason=reason, usage=event.usage)


async def accumulate_stream(
    events: AsyncGenerator[StreamEvent, None],
    *,
    provider: str,
    model: str,
    observers: Sequence[TraceObserver],
    session_owned: bool,
    call_id: str | None = None,
) -> Response:
    """Consume ``events`` into a response, emitting trace events to ``observers``.

    On a stream error a synthetic ``finish`` event with reason ``aborted`` is emitted, the
    observers are flushed, and the error propagates (to the retry middleware).
    """
    emitter = _TraceEmitter(provider, model, call_id or new_call_id(), observers, session_owned)
    accumulator = StreamAccumulator(provider, model)
    started = time.monotonic()
    try:
        async with aclosing(events):
            async for event in events:
                accumulator.add(event)
                emitter.on_stream_event(event)
    except asyncio.CancelledError:
        trace.flush(observers)
        raise
    except Exception:
        emitter.emit(TraceKind.FINISH, finish_reason="aborted")
        trace.flush(observers)
        raise
    trace.flush(observers)
    return accumulator.response(time.monotonic() - started)
