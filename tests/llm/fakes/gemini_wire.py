"""Gemini generateContent bodies and ``alt=sse`` streams."""

from __future__ import annotations

from typing import Any

from tests.llm.fakes.server import sse_event


def usage(prompt: int = 30, cached: int = 10, candidates: int = 8, thoughts: int = 4) -> dict[str, int]:
    return {
        "promptTokenCount": prompt,
        "cachedContentTokenCount": cached,
        "candidatesTokenCount": candidates,
        "thoughtsTokenCount": thoughts,
        "totalTokenCount": prompt + candidates + thoughts,
    }


def chunk(parts: list[dict[str, Any]], finish: str | None = None, usage_metadata: dict[str, int] | None = None) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
    if finish:
        candidate["finishReason"] = finish
    body: dict[str, Any] = {"candidates": [candidate], "modelVersion": "gemini-2.5-pro", "responseId": "gem-1"}
    if usage_metadata:
        body["usageMetadata"] = usage_metadata
    return body


def stream(chunks: list[dict[str, Any]]) -> list[str]:
    return [sse_event(None, c) for c in chunks]


def error_body(code: int, status: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "status": status}}
