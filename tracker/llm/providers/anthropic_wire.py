"""Anthropic Messages wire mapping (spec §6.3.2): request body, response and usage parsing.

Pure functions over dicts; no SDK import.
"""

from __future__ import annotations

import json
from typing import Any

from tracker.llm.providers.base import DEFAULT_MAX_TOKENS, merge_top_level, parse_arguments
from tracker.llm.types import (
    ContentPart,
    FinishReason,
    ImagePart,
    Message,
    RedactedThinkingPart,
    Request,
    TextPart,
    ThinkingPart,
    ToolCallPart,
    ToolResultPart,
    Usage,
)

PROVIDER = "anthropic"
PROMPT_CACHING_BETA = "prompt-caching-2024-07-31"
_RESERVED_OPTIONS = frozenset({"beta_headers", "auto_cache", "tracker_emit_provider_events"})
_EPHEMERAL = {"type": "ephemeral"}


def auto_cache_enabled(request: Request) -> bool:
    return request.options_for(PROVIDER).get("auto_cache", True) is not False


def beta_header(request: Request) -> str:
    """``anthropic-beta`` value: prompt caching while auto-caching is on, plus option betas."""
    betas: list[str] = [PROMPT_CACHING_BETA] if auto_cache_enabled(request) else []
    extra = request.options_for(PROVIDER).get("beta_headers")
    if isinstance(extra, str):
        betas.extend(b.strip() for b in extra.split(",") if b.strip())
    elif isinstance(extra, list | tuple):
        betas.extend(str(b) for b in extra if str(b))
    return ",".join(betas)


def _image_block(image: ImagePart) -> dict[str, Any]:
    if image.url:
        return {"type": "image", "source": {"type": "url", "url": image.url}}
    return {
        "type": "image",
        "source": {"type": "base64", "media_type": image.media_type, "data": image.data},
    }


def _content_block(part: ContentPart) -> dict[str, Any] | None:
    if isinstance(part, TextPart):
        return {"type": "text", "text": part.text} if part.text else None
    if isinstance(part, ImagePart):
        return _image_block(part)
    if isinstance(part, ToolCallPart):
        return {
            "type": "tool_use",
            "id": part.id,
            "name": part.name,
            "input": parse_arguments(part.arguments),
        }
    if isinstance(part, ToolResultPart):
        block: dict[str, Any] = {
            "type": "tool_result",
            "tool_use_id": part.tool_call_id,
            "content": part.content,
        }
        if part.is_error:
            block["is_error"] = True
        return block
    if isinstance(part, ThinkingPart):
        return {"type": "thinking", "thinking": part.text, "signature": part.signature}
    if isinstance(part, RedactedThinkingPart):
        return {"type": "redacted_thinking", "data": part.signature}
    return None


def _system_blocks(request: Request) -> list[dict[str, Any]]:
    blocks = [
        {"type": "text", "text": part.text}
        for message in request.messages
        if message.role in ("system", "developer")
        for part in message.content
        if isinstance(part, TextPart) and part.text
    ]
    fmt = request.response_format
    if fmt is not None and fmt.type == "json_object":
        blocks.append({"type": "text", "text": "Respond with valid JSON."})
    elif fmt is not None and fmt.type == "json_schema":
        blocks.append(
            {
                "type": "text",
                "text": f"Respond with valid JSON conforming to this schema: {fmt.schema_text()}",
            }
        )
    return blocks


def _messages(messages: list[Message]) -> list[dict[str, Any]]:
    wire: list[dict[str, Any]] = []
    for message in messages:
        if message.role in ("system", "developer"):
            continue
        role = "assistant" if message.role == "assistant" else "user"
        blocks = [b for b in (_content_block(p) for p in message.content) if b is not None]
        if not blocks:
            continue
        if wire and wire[-1]["role"] == role:
            wire[-1]["content"].extend(blocks)
        else:
            wire.append({"role": role, "content": blocks})
    return wire


def _tool_choice(request: Request) -> dict[str, Any] | None:
    choice = request.tool_choice
    if choice is None or choice.mode == "auto":
        return {"type": "auto"} if choice is not None else None
    if choice.mode == "required":
        return {"type": "any"}
    if choice.mode == "named":
        return {"type": "tool", "name": choice.tool_name}
    return None


def _apply_cache_control(body: dict[str, Any]) -> None:
    system = body.get("system")
    if system:
        system[-1]["cache_control"] = dict(_EPHEMERAL)
    tools = body.get("tools")
    if tools:
        tools[-1]["cache_control"] = dict(_EPHEMERAL)
    for message in reversed(body["messages"]):
        if message["role"] == "user" and message["content"]:
            message["content"][-1]["cache_control"] = dict(_EPHEMERAL)
            break


def build_body(request: Request, *, stream: bool) -> dict[str, Any]:
    """The ``POST /v1/messages`` JSON body for ``request``."""
    body: dict[str, Any] = {
        "model": request.model,
        "max_tokens": request.max_tokens or DEFAULT_MAX_TOKENS,
    }
    system = _system_blocks(request)
    if system:
        body["system"] = system
    body["messages"] = _messages(request.messages)
    tools_disabled = request.tool_choice is not None and request.tool_choice.mode == "none"
    if request.tools and not tools_disabled:
        body["tools"] = [
            {"name": t.name, "description": t.description, "input_schema": t.parameters}
            for t in request.tools
        ]
        choice = _tool_choice(request)
        if choice is not None:
            body["tool_choice"] = choice
    if request.temperature is not None:
        body["temperature"] = request.temperature
    if request.top_p is not None:
        body["top_p"] = request.top_p
    if request.stop_sequences:
        body["stop_sequences"] = list(request.stop_sequences)
    if request.reasoning_effort:
        body["output_config"] = {"effort": request.reasoning_effort}
    if auto_cache_enabled(request):
        _apply_cache_control(body)
    merge_top_level(body, request.options_for(PROVIDER), _RESERVED_OPTIONS)
    if stream:
        body["stream"] = True
    return body


_FINISH = {"end_turn": "stop", "stop_sequence": "stop", "max_tokens": "length", "tool_use": "tool_calls"}


def finish_reason(stop_reason: str | None) -> FinishReason:
    raw = stop_reason or ""
    return FinishReason(_FINISH.get(raw, raw), raw)


def _positive(value: Any) -> int | None:
    return int(value) if isinstance(value, int) and value > 0 else None


def usage_from(data: dict[str, Any] | None, *, input_tokens: int | None = None) -> Usage:
    """Usage from an Anthropic ``usage`` object; ``input_tokens`` overrides when given."""
    data = data or {}
    inp = input_tokens if input_tokens is not None else int(data.get("input_tokens") or 0)
    out = int(data.get("output_tokens") or 0)
    return Usage(
        input_tokens=inp,
        output_tokens=out,
        total_tokens=inp + out,
        cache_read_tokens=_positive(data.get("cache_read_input_tokens")),
        cache_write_tokens=_positive(data.get("cache_creation_input_tokens")),
    )


def parts_from_content(blocks: list[dict[str, Any]]) -> list[ContentPart]:
    parts: list[ContentPart] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "text":
            parts.append(TextPart(str(block.get("text", ""))))
        elif kind == "tool_use":
            parts.append(
                ToolCallPart(
                    id=str(block.get("id", "")),
                    name=str(block.get("name", "")),
                    arguments=json.dumps(block.get("input") or {}, separators=(",", ":")),
                )
            )
        elif kind == "thinking":
            parts.append(ThinkingPart(str(block.get("thinking", "")), str(block.get("signature", ""))))
        elif kind == "redacted_thinking":
            parts.append(RedactedThinkingPart(str(block.get("data", ""))))
    return parts
