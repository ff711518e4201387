"""Error mapping shared by the two ``openai``-SDK adapters (spec §6.5.2)."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import openai

from tracker.llm.errors import ErrorKind, LLMError, ProviderError, ResponseError, kind_for_code
from tracker.llm.providers.base import (
    error_code_of,
    http_error,
    network_error,
    response_text,
    stream_read_error,
)


def in_stream_error(provider: str, error: Any) -> ProviderError:
    """An error reported inside a 200 stream: typed by its code, default invalid request."""
    code = ""
    message = ""
    if isinstance(error, dict):
        code = str(error.get("code") or error.get("type") or "")
        message = str(error.get("message") or "")
    if not message:
        message = code or "stream error"
    return ProviderError(
        f"{provider}: {message}",
        kind=kind_for_code(code) or ErrorKind.INVALID_REQUEST,
        provider=provider,
        error_code=code,
    )


def convert_error(provider: str, exc: BaseException, *, streaming: bool = False) -> BaseException:
    if isinstance(exc, LLMError):
        return exc
    if isinstance(exc, openai.APIStatusError):
        text = response_text(exc.response) or (
            json.dumps(exc.body) if exc.body is not None else str(exc)
        )
        return http_error(
            provider,
            status=exc.status_code,
            body_text=text,
            code=error_code_of(exc.body),
            response=exc.response,
        )
    if isinstance(exc, openai.APIConnectionError):
        return network_error(provider, exc)
    if isinstance(exc, openai.APIError):
        body = exc.body if isinstance(exc.body, dict) else {"message": exc.message}
        return in_stream_error(provider, body)
    if isinstance(exc, httpx2.TransportError):
        return stream_read_error(provider, exc) if streaming else network_error(provider, exc)
    if isinstance(exc, json.JSONDecodeError | ValueError | KeyError | TypeError):
        return ResponseError(f"{provider}: malformed response: {exc}")
    return exc
