"""OpenAI Responses wire mapping (spec §6.3.3, D.13): request body, output and usage parsing.

Pure functions over dicts; no SDK import.
"""

from __future__ import annotations

from typing import Any

from tracker.llm.providers.base import DEFAULT_MAX_TOKENS, merge_top_level
from tracker.llm.types import (
    ContentPart,
    FinishReason,
    Request,
    TextPart,
    ToolCallPart,
    ToolResultPart,
    Usage,
)

PROVIDER = "openai"
_RESERVED_OPTIONS = frozenset({"reasoning_effort", "tracker_emit_provider_events"})


def _input_items(request: Request) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for message in request.messages:
        if message.role in ("system", "developer"):
            continue
        if message.role == "user":
            text = "".join(p.text for p in message.content if isinstance(p, TextPart))
            results = [p for p in message.content if isinstance(p, ToolResultPart)]
            if text or not results:
                items.append({"role": "user", "content": text})
            items.extend(_tool_output(r) for r in results)
        elif message.role == "assistant":
            text = "".join(p.text for p in message.content if isinstance(p, TextPart))
            if text:
                items.append({"role": "assistant", "content": text})
            items.extend(
                {
                    "type": "function_call",
                    "call_id": call.id,
                    "name": call.name,
                    "arguments": call.arguments,
                }
                for call in message.content
                if isinstance(call, ToolCallPart)
            )
        elif message.role == "tool":
            items.extend(_tool_output(p) for p in message.content if isinstance(p, ToolResultPart))
    return items


def _tool_output(result: ToolResultPart) -> dict[str, Any]:
    return {
        "type": "function_call_output",
        "call_id": result.tool_call_id or "call_unknown",
        "output": result.content,
    }


def _tool_choice(request: Request) -> Any:
    choice = request.tool_choice
    if choice is None:
        return None
    if choice.mode == "named":
        return {"type": "function", "name": choice.tool_name}
    return choice.mode


def build_body(request: Request, *, stream: bool) -> dict[str, Any]:
    """The ``POST /v1/responses`` JSON body for ``request``."""
    options = request.options_for(PROVIDER)
    body: dict[str, Any] = {"model": request.model}
    instructions = "\n".join(
        part.text
        for message in request.messages
        if message.role in ("system", "developer")
        for part in message.content
        if isinstance(part, TextPart) and part.text
    )
    if instructions:
        body["instructions"] = instructions
    body["input"] = _input_items(request)
    if request.tools:
        body["tools"] = [
            {"type": "function", "name": t.name, "description": t.description, "parameters": t.parameters}
            for t in request.tools
        ]
    choice = _tool_choice(request)
    if choice is not None:
        body["tool_choice"] = choice
    body["max_output_tokens"] = request.max_tokens or DEFAULT_MAX_TOKENS
    if request.temperature is not None:
        body["temperature"] = request.temperature
    if request.top_p is not None:
        body["top_p"] = request.top_p
    effort = request.reasoning_effort or str(options.get("reasoning_effort") or "")
    if effort:
        body["reasoning"] = {"effort": effort}
    fmt = request.response_format
    if fmt is not None and fmt.type == "json_object":
        body["text"] = {"format": {"type": "json_object"}}
    elif fmt is not None and fmt.type == "json_schema":
        body["text"] = {
            "format": {
                "type": "json_schema",
                "name": "response",
                "schema": fmt.schema_object() or {},
                "strict": True,
            }
        }
    merge_top_level(body, options, _RESERVED_OPTIONS)
    if stream:
        body["stream"] = True
    return body


def finish_reason(status: str, incomplete_reason: str, has_function_call: bool) -> FinishReason:
    """Any function call → ``tool_calls``; ``completed`` → ``stop``; ``incomplete`` → ``length``
    (or the incomplete reason when it is not ``max_output_tokens``); ``failed`` → ``error``."""
    if has_function_call:
        return FinishReason("tool_calls", status)
    if status == "completed":
        return FinishReason("stop", status)
    if status == "incomplete":
        if incomplete_reason and incomplete_reason != "max_output_tokens":
            return FinishReason(incomplete_reason, status)
        return FinishReason("length", status)
    if status == "failed":
        return FinishReason("error", status)
    return FinishReason(status.lower(), status)


def usage_from(data: dict[str, Any] | None) -> Usage:
    data = data or {}
    details = data.get("input_tokens_details") or {}
    out_details = data.get("output_tokens_details") or {}
    reported_input = int(data.get("input_tokens") or 0)
    cached = int(details.get("cached_tokens") or 0)
    cache_write = int(details.get("cache_write_tokens") or 0)
    output = int(data.get("output_tokens") or 0)
    reasoning = out_details.get("reasoning_tokens")
    return Usage(
        input_tokens=max(0, reported_input - cached - cache_write),
        output_tokens=output,
        total_tokens=int(data.get("total_tokens") or reported_input + output),
        reasoning_tokens=int(reasoning) if reasoning else None,
        cache_read_tokens=cached or None,
        cache_write_tokens=cache_write or None,
    )


def parts_from_output(output: list[dict[str, Any]]) -> list[ContentPart]:
    texts: list[ContentPart] = []
    calls: list[ContentPart] = []
    for item in output:
        kind = item.get("type")
        if kind == "message":
            text = "".join(
                str(c.get("text", ""))
                for c in item.get("content") or []
                if c.get("type") == "output_text"
            )
            if text:
                texts.append(TextPart(text))
        elif kind == "function_call":
            calls.append(
                ToolCallPart(
                    id=str(item.get("call_id") or item.get("id") or ""),
                    name=str(item.get("name", "")),
                    arguments=str(item.get("arguments") or "") or "{}",
                )
            )
    return texts + calls


def has_function_call(output: list[dict[str, Any]]) -> bool:
    return any(item.get("type") == "function_call" for item in output)
