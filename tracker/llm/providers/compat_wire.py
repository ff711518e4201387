"""OpenAI-compatible Chat Completions wire mapping (spec §6.3.5).

Pure functions over dicts; no SDK import. Reasoning effort, provider options and
``json_schema`` response formats are not sent (as in the reference).
"""

from __future__ import annotations

from typing import Any

from tracker.llm.providers.base import DEFAULT_MAX_TOKENS
from tracker.llm.types import (
    ContentPart,
    FinishReason,
    Request,
    TextPart,
    ToolCallPart,
    ToolResultPart,
    Usage,
)

PROVIDER = "openai-compat"


def _messages(request: Request) -> list[dict[str, Any]]:
    wire: list[dict[str, Any]] = []
    for message in request.messages:
        text = "".join(p.text for p in message.content if isinstance(p, TextPart))
        if message.role in ("system", "developer"):
            wire.append({"role": "system", "content": text})
        elif message.role == "assistant":
            entry: dict[str, Any] = {"role": "assistant", "content": text}
            calls = [p for p in message.content if isinstance(p, ToolCallPart)]
            if calls:
                entry["tool_calls"] = [
                    {
                        "id": call.id,
                        "type": "function",
                        "function": {"name": call.name, "arguments": call.arguments},
                    }
                    for call in calls
                ]
            wire.append(entry)
        else:
            results = [p for p in message.content if isinstance(p, ToolResultPart)]
            if message.role == "user" and (text or not results):
                wire.append({"role": "user", "content": text})
            wire.extend(
                {"role": "tool", "tool_call_id": r.tool_call_id, "content": r.content}
                for r in results
            )
    return wire


def _tool_choice(request: Request) -> Any:
    choice = request.tool_choice
    if choice is None:
        return None
    if choice.mode == "named":
        return {"type": "function", "function": {"name": choice.tool_name}}
    return choice.mode


def build_body(request: Request, *, stream: bool) -> dict[str, Any]:
    """The ``POST /v1/chat/completions`` JSON body for ``request``."""
    body: dict[str, Any] = {"model": request.model, "messages": _messages(request)}
    if request.tools:
        body["tools"] = [
            {
                "type": "function",
                "function": {"name": t.name, "description": t.description, "parameters": t.parameters},
            }
            for t in request.tools
        ]
    choice = _tool_choice(request)
    if choice is not None:
        body["tool_choice"] = choice
    body["max_tokens"] = request.max_tokens or DEFAULT_MAX_TOKENS
    if request.temperature is not None:
        body["temperature"] = request.temperature
    if request.top_p is not None:
        body["top_p"] = request.top_p
    if request.stop_sequences:
        body["stop"] = list(request.stop_sequences)
    if request.response_format is not None and request.response_format.type == "json_object":
        body["response_format"] = {"type": "json_object"}
    if stream:
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}
    return body


def finish_reason(raw: str, has_tool_calls: bool) -> FinishReason:
    """``length``/``max_tokens`` and ``content_filter`` win over tool calls; ``stop`` or
    empty → ``tool_calls`` when calls are present, else ``stop``."""
    if raw in ("length", "max_tokens"):
        return FinishReason("length", raw)
    if raw == "content_filter":
        return FinishReason("content_filter", raw)
    if raw in ("stop", "", "tool_calls", "function_call"):
        return FinishReason("tool_calls" if has_tool_calls else "stop", raw)
    return FinishReason(raw.lower(), raw)


def usage_from(data: dict[str, Any] | None) -> Usage:
    data = data or {}
    prompt = int(data.get("prompt_tokens") or 0)
    completion = int(data.get("completion_tokens") or 0)
    cached = int((data.get("prompt_tokens_details") or {}).get("cached_tokens") or 0)
    reasoning = int((data.get("completion_tokens_details") or {}).get("reasoning_tokens") or 0)
    return Usage(
        input_tokens=max(0, prompt - cached),
        output_tokens=completion,
        total_tokens=int(data.get("total_tokens") or prompt + completion),
        reasoning_tokens=reasoning or None,
        cache_read_tokens=cached or None,
    )


def parts_from_message(message: dict[str, Any]) -> list[ContentPart]:
    parts: list[ContentPart] = []
    content = message.get("content")
    if isinstance(content, str) and content:
        parts.append(TextPart(content))
    for call in message.get("tool_calls") or []:
        function = call.get("function") or {}
        parts.append(
            ToolCallPart(
                id=str(call.get("id", "")),
                name=str(function.get("name", "")),
                arguments=str(function.get("arguments") or "") or "{}",
            )
        )
    return parts
