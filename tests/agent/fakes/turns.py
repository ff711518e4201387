"""One model turn as each provider streams it: a text reply or a batch of tool calls.

Tests script a conversation as a list of :class:`Turn` objects and enqueue
``turn.reply(provider)`` on the fake server, so the same script runs against the real
Anthropic, OpenAI, Gemini and OpenAI-compatible SDK paths.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tests.llm.fakes import anthropic_wire, gemini_wire, openai_wire
from tests.llm.fakes.server import Reply, sse_event

PROVIDERS = ("anthropic", "openai", "gemini", "openai-compat")
MODELS = {
    "anthropic": "claude-sonnet-4-6",
    "openai": "gpt-5.4",
    "gemini": "gemini-2.5-pro",
    "openai-compat": "deepseek-chat",
}


@dataclass
class Call:
    name: str
    arguments: dict[str, Any] | str
    id: str = ""

    @property
    def raw(self) -> str:
        return self.arguments if isinstance(self.arguments, str) else json.dumps(self.arguments)


@dataclass
class Turn:
    text: str = ""
    calls: list[Call] = field(default_factory=list)
    truncated: bool = False
    input_tokens: int = 20
    output_tokens: int = 8

    def reply(self, provider: str) -> Reply:
        calls = [Call(c.name, c.arguments, c.id or f"call_{i}_{c.name}") for i, c in enumerate(self.calls)]
        if provider == "anthropic":
            return _anthropic(self, calls)
        if provider == "openai":
            return _openai(self, calls)
        if provider == "gemini":
            return _gemini(self, calls)
        if provider == "openai-compat":
            return _compat(self, calls)
        raise ValueError(provider)


def tool_turn(*calls: Call, text: str = "", input_tokens: int = 20, output_tokens: int = 8) -> Turn:
    return Turn(text=text, calls=list(calls), input_tokens=input_tokens, output_tokens=output_tokens)


def text_turn(text: str, **options: Any) -> Turn:
    return Turn(text=text, **options)


def _anthropic(turn: Turn, calls: list[Call]) -> Reply:
    stop = "max_tokens" if turn.truncated else ("tool_use" if calls else "end_turn")
    return Reply(
        sse=anthropic_wire.stream(
            text=[turn.text] if turn.text else [],
            tool_calls=[(c.id, c.name, [c.raw]) for c in calls],
            stop_reason=stop,
            input_usage={"input_tokens": turn.input_tokens, "output_tokens": 1},
            output_tokens=turn.output_tokens,
        )
    )


def _openai(turn: Turn, calls: list[Call]) -> Reply:
    seq = iter(range(10_000))
    usage = {
        "input_tokens": turn.input_tokens,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": turn.output_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": turn.input_tokens + turn.output_tokens,
    }
    frames = [
        sse_event(
            "response.created",
            {"type": "response.created", "sequence_number": next(seq), "response": openai_wire.response_object(status="in_progress", usage={})},
        )
    ]
    output: list[dict[str, Any]] = []
    index = 0
    if turn.text:
        frames.append(
            sse_event(
                "response.output_item.added",
                {
                    "type": "response.output_item.added", "sequence_number": next(seq), "output_index": index,
                    "item": {"type": "message", "id": "msg_1", "role": "assistant", "status": "in_progress", "content": []},
                },
            )
        )
        frames.append(
            sse_event(
                "response.output_text.delta",
                {
                    "type": "response.output_text.delta", "sequence_number": next(seq), "item_id": "msg_1",
                    "output_index": index, "content_index": 0, "delta": turn.text, "logprobs": [],
                },
            )
        )
        item = openai_wire.message_item(turn.text)
        output.append(item)
        frames.append(
            sse_event("response.output_item.done", {"type": "response.output_item.done", "sequence_number": next(seq), "output_index": index, "item": item})
        )
        index += 1
    for call in calls:
        frames.append(
            sse_event(
                "response.output_item.added",
                {
                    "type": "response.output_item.added", "sequence_number": next(seq), "output_index": index,
                    "item": {"type": "function_call", "id": f"fc_{call.id}", "call_id": call.id, "name": call.name, "arguments": "", "status": "in_progress"},
                },
            )
        )
        frames.append(
            sse_event(
                "response.function_call_arguments.delta",
                {"type": "response.function_call_arguments.delta", "sequence_number": next(seq), "item_id": f"fc_{call.id}", "output_index": index, "delta": call.raw},
            )
        )
        item = openai_wire.function_call_item(call.id, call.name, call.raw)
        output.append(item)
        frames.append(
            sse_event("response.output_item.done", {"type": "response.output_item.done", "sequence_number": next(seq), "output_index": index, "item": item})
        )
        index += 1
    status = "incomplete" if turn.truncated else "completed"
    final = openai_wire.response_object(
        status=status, output=output, usage=usage, incomplete_reason="max_output_tokens" if turn.truncated else None
    )
    frames.append(sse_event(f"response.{status}", {"type": f"response.{status}", "sequence_number": next(seq), "response": final}))
    return Reply(sse=frames)


def _gemini(turn: Turn, calls: list[Call]) -> Reply:
    parts: list[dict[str, Any]] = []
    if turn.text:
        parts.append({"text": turn.text})
    for call in calls:
        args = json.loads(call.raw) if call.raw.strip() else {}
        parts.append({"functionCall": {"name": call.name, "args": args}})
    finish = "MAX_TOKENS" if turn.truncated else "STOP"
    usage = gemini_wire.usage(prompt=turn.input_tokens, cached=0, candidates=turn.output_tokens, thoughts=0)
    return Reply(sse=gemini_wire.stream([gemini_wire.chunk(parts, finish=finish, usage_metadata=usage)]))


def _compat(turn: Turn, calls: list[Call]) -> Reply:
    finish = "length" if turn.truncated else ("tool_calls" if calls else "stop")
    frames = openai_wire.chat_stream(
        text=[turn.text] if turn.text else [],
        calls=[(c.id, c.name, [c.raw]) for c in calls],
        finish=finish,
    )
    return Reply(sse=frames)
