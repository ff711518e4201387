"""What every provider adapter offers, and helpers they share (JSON, errors, SDK objects).

Importing this module imports no SDK.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, Mapping
from typing import Any, Protocol

from tracker.llm.errors import ErrorKind, ProviderError, classify_http_error
from tracker.llm.retry import parse_retry_after
from tracker.llm.stream import StreamEvent
from tracker.llm.types import Request, Response

DEFAULT_MAX_TOKENS = 16384
NON_STREAMING_TIMEOUT_SECONDS = 300.0


class ProviderAdapter(Protocol):
    """One provider's wire protocol behind the neutral model (§6.3)."""

    name: str

    async def complete(self, request: Request) -> Response:
        """Non-streaming call."""
        ...

    def stream(self, request: Request) -> AsyncGenerator[StreamEvent, None]:
        """Streaming call: STREAM_START, raw PROVIDER_EVENTs, deltas, then FINISH."""
        ...

    async def aclose(self) -> None: ...


def dumps(body: Any) -> str:
    """Compact JSON, as sent on the wire."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def parse_arguments(arguments: str) -> dict[str, Any]:
    """Tool-call arguments as an object; invalid or non-object JSON gives ``{}``."""
    if not arguments or not arguments.strip():
        return {}
    try:
        value = json.loads(arguments)
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def sdk_to_dict(obj: Any) -> dict[str, Any]:
    """A JSON-shaped dict of an SDK response object (its wire form)."""
    if isinstance(obj, dict):
        return obj
    to_dict = getattr(obj, "to_dict", None)
    if callable(to_dict):
        result = to_dict(mode="json")
        return result if isinstance(result, dict) else {}
    model_dump = getattr(obj, "model_dump", None)
    if callable(model_dump):
        result = model_dump(mode="json", by_alias=True, exclude_none=True)
        return result if isinstance(result, dict) else {}
    raise TypeError(f"cannot convert {type(obj).__name__} to a dict")


def merge_top_level(body: dict[str, Any], options: Mapping[str, Any], skip: frozenset[str]) -> None:
    for key, value in options.items():
        if key not in skip:
            body[key] = value


def response_text(response: Any) -> str:
    """The raw body of an HTTP error response, or ``""`` when it cannot be read."""
    try:
        text = response.text
    except Exception:
        return ""
    return text if isinstance(text, str) else ""


def header(response: Any, name: str) -> str | None:
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    try:
        value = headers.get(name)
    except Exception:
        return None
    return value if isinstance(value, str) else None


def error_code_of(body: Any) -> str:
    """``error.code`` or ``error.type`` (or top-level ``code``/``type``) of an error body."""
    if isinstance(body, Mapping):
        inner = body.get("error")
        if isinstance(inner, Mapping):
            for key in ("code", "type", "status"):
                value = inner.get(key)
                if isinstance(value, str) and value:
                    return value
        for key in ("code", "type"):
            value = body.get(key)
            if isinstance(value, str) and value and value != "error":
                return value
    return ""


def error_message_of(body: Any) -> str:
    if isinstance(body, Mapping):
        inner = body.get("error")
        if isinstance(inner, Mapping) and isinstance(inner.get("message"), str):
            return str(inner["message"])
        if isinstance(body.get("message"), str):
            return str(body["message"])
    return ""


def http_error(
    provider: str,
    *,
    status: int,
    body_text: str,
    code: str,
    response: Any = None,
) -> ProviderError:
    """A provider error for a non-200 HTTP response; the message is the raw body."""
    kind = classify_http_error(status, code, body_text)
    return ProviderError(
        body_text or f"{provider}: HTTP {status}",
        kind=kind,
        provider=provider,
        status_code=status,
        error_code=code,
        retry_after=parse_retry_after(header(response, "retry-after")),
    )


def network_error(provider: str, exc: BaseException) -> ProviderError:
    return ProviderError(
        f"{provider}: network error: {exc}", kind=ErrorKind.NETWORK, provider=provider
    )


def stream_read_error(provider: str, exc: BaseException) -> ProviderError:
    return ProviderError(
        f"{provider}: stream read failed: {exc}", kind=ErrorKind.STREAM, provider=provider
    )
