"""Gemini generateContent wire mapping (spec §6.3.4): request body, parts and usage parsing.

Pure functions over camelCase dicts; no SDK import.
"""

from __future__ import annotations

import json
import re
import secrets
from typing import Any

from tracker.llm.errors import ResponseError
from tracker.llm.providers.base import merge_top_level, parse_arguments
from tracker.llm.types import (
    ContentPart,
    FinishReason,
    Message,
    Request,
    TextPart,
    ThinkingPart,
    ToolCallPart,
    ToolResultPart,
    Usage,
)

PROVIDER = "gemini"
_RESERVED_OPTIONS = frozenset({"tracker_emit_provider_events"})
_MAJOR_VERSION = re.compile(r"^(?:models/)?gemini-(\d+)")


def synthetic_call_id() -> str:
    return f"call_{secrets.token_hex(8)}"


def major_version(model: str) -> int | None:
    match = _MAJOR_VERSION.match(model.strip())
    return int(match.group(1)) if match else None


def _parts(message: Message, names_by_call_id: dict[str, str]) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    for part in message.content:
        if isinstance(part, TextPart) and part.text:
            parts.append({"text": part.text})
        elif isinstance(part, ToolCallPart):
            call: dict[str, Any] = {
                "functionCall": {"name": part.name, "args": parse_arguments(part.arguments)}
            }
            if part.thought_signature:
                call["thoughtSignature"] = part.thought_signature
            parts.append(call)
        elif isinstance(part, ToolResultPart):
            name = part.tool_name or names_by_call_id.get(part.tool_call_id) or part.tool_call_id
            response: dict[str, Any] = {"content": part.content}
            if part.is_error:
                response["error"] = True
            parts.append({"functionResponse": {"name": name, "response": response}})
    return parts


def _contents(messages: list[Message]) -> list[dict[str, Any]]:
    names_by_call_id = {
        call.id: call.name for message in messages for call in message.tool_calls if call.id
    }
    contents: list[dict[str, Any]] = []
    for message in messages:
        if message.role in ("system", "developer"):
            continue
        parts = _parts(message, names_by_call_id)
        if parts:
            contents.append({"role": "model" if message.role == "assistant" else "user", "parts": parts})
    return contents


def _tool_config(request: Request) -> dict[str, Any] | None:
    choice = request.tool_choice
    if choice is None:
        return None
    if choice.mode == "named":
        config: dict[str, Any] = {"mode": "ANY", "allowedFunctionNames": [choice.tool_name]}
    else:
        config = {"mode": {"auto": "AUTO", "none": "NONE", "required": "ANY"}[choice.mode]}
    return {"functionCallingConfig": config}


def _generation_config(request: Request) -> dict[str, Any]:
    config: dict[str, Any] = {}
    if request.temperature is not None:
        config["temperature"] = request.temperature
    if request.top_p is not None:
        config["topP"] = request.top_p
    if request.max_tokens:
        config["maxOutputTokens"] = request.max_tokens
    if request.stop_sequences:
        config["stopSequences"] = list(request.stop_sequences)
    fmt = request.response_format
    if fmt is not None:
        config["responseMimeType"] = "application/json"
        schema = fmt.schema_object() if fmt.type == "json_schema" else None
        if schema is not None:
            config["responseSchema"] = schema
    version = major_version(request.model)
    if request.reasoning_effort and version is not None and version >= 3:
        config["thinkingConfig"] = {"thinkingLevel": request.reasoning_effort}
    return config


def build_body(request: Request) -> dict[str, Any]:
    """The ``generateContent`` / ``streamGenerateContent`` JSON body for ``request``."""
    body: dict[str, Any] = {}
    system = [
        {"text": part.text}
        for message in request.messages
        if message.role in ("system", "developer")
        for part in message.content
        if isinstance(part, TextPart) and part.text
    ]
    if system:
        body["systemInstruction"] = {"parts": system}
    body["contents"] = _contents(request.messages)
    if request.tools:
        body["tools"] = [
            {
                "functionDeclarations": [
                    {"name": t.name, "description": t.description, "parameters": t.parameters}
                    for t in request.tools
                ]
            }
        ]
    tool_config = _tool_config(request)
    if tool_config is not None:
        body["toolConfig"] = tool_config
    generation = _generation_config(request)
    if generation:
        body["generationConfig"] = generation
    merge_top_level(body, request.options_for(PROVIDER), _RESERVED_OPTIONS)
    return body


_FINISH = {"STOP": "stop", "MAX_TOKENS": "length", "SAFETY": "content_filter", "RECITATION": "content_filter"}


def finish_reason(raw: str, has_function_call: bool) -> FinishReason:
    if has_function_call:
        return FinishReason("tool_calls", raw)
    return FinishReason(_FINISH.get(raw, raw.lower()), raw)


def usage_from(data: dict[str, Any] | None) -> Usage:
    data = data or {}
    prompt = int(data.get("promptTokenCount") or 0)
    cached = int(data.get("cachedContentTokenCount") or 0)
    candidates = int(data.get("candidatesTokenCount") or 0)
    thoughts = int(data.get("thoughtsTokenCount") or 0)
    return Usage(
        input_tokens=max(0, prompt - cached),
        output_tokens=candidates + thoughts,
        total_tokens=int(data.get("totalTokenCount") or 0),
        reasoning_tokens=thoughts or None,
        cache_read_tokens=cached or None,
    )


def check_prompt_feedback(chunk: dict[str, Any]) -> None:
    reason = (chunk.get("promptFeedback") or {}).get("blockReason")
    if reason:
        raise ResponseError(f"google: prompt blocked by Gemini: {reason}")


def candidate_parts(chunk: dict[str, Any]) -> tuple[list[dict[str, Any]], str]:
    """(parts of the first candidate, its finish reason or ``""``)."""
    candidates = chunk.get("candidates") or []
    if not candidates:
        return [], ""
    first = candidates[0]
    return list((first.get("content") or {}).get("parts") or []), str(first.get("finishReason") or "")


def function_call_part(part: dict[str, Any]) -> ToolCallPart:
    call = part.get("functionCall") or {}
    return ToolCallPart(
        id=synthetic_call_id(),
        name=str(call.get("name", "")),
        arguments=json.dumps(call.get("args") or {}, separators=(",", ":")),
        thought_signature=str(part.get("thoughtSignature") or ""),
    )


def parts_from_response(parts: list[dict[str, Any]]) -> list[ContentPart]:
    thinking = "".join(str(p.get("text", "")) for p in parts if p.get("thought") and "text" in p)
    text = "".join(str(p.get("text", "")) for p in parts if not p.get("thought") and "text" in p)
    result: list[ContentPart] = []
    if thinking:
        result.append(ThinkingPart(thinking))
    if text:
        result.append(TextPart(text))
    result.extend(function_call_part(p) for p in parts if "functionCall" in p)
    return result
