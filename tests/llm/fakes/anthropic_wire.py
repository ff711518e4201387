"""Anthropic Messages responses and SSE streams, as the real API sends them."""

from __future__ import annotations

import json
from typing import Any

from tests.llm.fakes.server import sse_event


def message(
    content: list[dict[str, Any]],
    *,
    stop_reason: str = "end_turn",
    usage: dict[str, int] | None = None,
    model: str = "claude-sonnet-4-6",
) -> dict[str, Any]:
    return {
        "id": "msg_01",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": usage or {"input_tokens": 10, "output_tokens": 5},
    }


def error_body(error_type: str, text: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": error_type, "message": text}}


def stream(
    *,
    text: list[str] = (),  # type: ignore[assignment]
    thinking: list[str] = (),  # type: ignore[assignment]
    signature: str = "",
    tool_calls: list[tuple[str, str, list[str]]] = (),  # type: ignore[assignment]
    stop_reason: str = "end_turn",
    input_usage: dict[str, int] | None = None,
    output_tokens: int = 7,
    model: str = "claude-sonnet-4-6",
) -> list[str]:
    """A full stream: optional thinking block, a text block, then tool_use blocks."""
    usage = input_usage or {"input_tokens": 12, "output_tokens": 1}
    frames = [
        sse_event(
            "message_start",
            {
                "type": "message_start",
                "message": {
                    "id": "msg_stream",
                    "type": "message",
                    "role": "assistant",
                    "model": model,
                    "content": [],
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": usage,
                },
            },
        ),
        sse_event("ping", {"type": "ping"}),
    ]
    index = 0
    if thinking:
        frames.append(
            sse_event(
                "content_block_start",
                {"type": "content_block_start", "index": index, "content_block": {"type": "thinking", "thinking": "", "signature": ""}},
            )
        )
        for chunk in thinking:
            frames.append(
                sse_event(
                    "content_block_delta",
                    {"type": "content_block_delta", "index": index, "delta": {"type": "thinking_delta", "thinking": chunk}},
                )
            )
        if signature:
            frames.append(
                sse_event(
                    "content_block_delta",
                    {"type": "content_block_delta", "index": index, "delta": {"type": "signature_delta", "signature": signature}},
                )
            )
        frames.append(sse_event("content_block_stop", {"type": "content_block_stop", "index": index}))
        index += 1
    if text:
        frames.append(
            sse_event(
                "content_block_start",
                {"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}},
            )
        )
        for chunk in text:
            frames.append(
                sse_event(
                    "content_block_delta",
                    {"type": "content_block_delta", "index": index, "delta": {"type": "text_delta", "text": chunk}},
                )
            )
        frames.append(sse_event("content_block_stop", {"type": "content_block_stop", "index": index}))
        index += 1
    for call_id, name, pieces in tool_calls:
        frames.append(
            sse_event(
                "content_block_start",
                {"type": "content_block_start", "index": index, "content_block": {"type": "tool_use", "id": call_id, "name": name, "input": {}}},
            )
        )
        for piece in pieces:
            frames.append(
                sse_event(
                    "content_block_delta",
                    {"type": "content_block_delta", "index": index, "delta": {"type": "input_json_delta", "partial_json": piece}},
                )
            )
        frames.append(sse_event("content_block_stop", {"type": "content_block_stop", "index": index}))
        index += 1
    frames.append(
        sse_event(
            "message_delta",
            {"type": "message_delta", "delta": {"stop_reason": stop_reason, "stop_sequence": None}, "usage": {"output_tokens": output_tokens}},
        )
    )
    frames.append(sse_event("message_stop", {"type": "message_stop"}))
    return frames


def stream_error(error_type: str, text: str) -> list[str]:
    """A stream that starts, then reports an in-stream ``error`` event."""
    head = stream(text=["partial"])[:4]
    return [*head, sse_event("error", json.loads(json.dumps(error_body(error_type, text))))]
