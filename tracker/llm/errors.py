"""Error taxonomy of the LLM client (spec §6.5) and the billing/quota pause test.

Adapters turn SDK exceptions into :class:`ProviderError` (one :class:`ErrorKind` each);
the retry middleware retries exactly the kinds marked retryable.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum


class ErrorKind(StrEnum):
    AUTHENTICATION = "authentication"
    ACCESS_DENIED = "access_denied"
    NOT_FOUND = "not_found"
    INVALID_REQUEST = "invalid_request"
    CONTEXT_LENGTH = "context_length"
    QUOTA_EXCEEDED = "quota_exceeded"
    CONTENT_FILTER = "content_filter"
    RATE_LIMIT = "rate_limit"
    SERVER = "server"
    REQUEST_TIMEOUT = "request_timeout"
    NETWORK = "network"
    STREAM = "stream"

    @property
    def retryable(self) -> bool:
        return self in _RETRYABLE


_RETRYABLE = frozenset(
    {
        ErrorKind.RATE_LIMIT,
        ErrorKind.SERVER,
        ErrorKind.REQUEST_TIMEOUT,
        ErrorKind.NETWORK,
        ErrorKind.STREAM,
    }
)


class LLMError(Exception):
    """Base class of every error raised by :mod:`tracker.llm`."""


class ConfigurationError(LLMError):
    """No or unknown provider, bad gateway settings, missing keys. Never retried."""

    retryable = False


class ProviderError(LLMError):
    """A provider call failed; ``kind`` decides retryability (§6.5.1)."""

    def __init__(
        self,
        message: str,
        *,
        kind: ErrorKind,
        provider: str,
        status_code: int | None = None,
        error_code: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.provider = provider
        self.status_code = status_code
        self.error_code = error_code
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        return self.kind.retryable

    def __repr__(self) -> str:
        return (
            f"ProviderError(kind={self.kind.value}, provider={self.provider!r}, "
            f"status={self.status_code}, code={self.error_code!r}, message={self.message!r})"
        )


class ResponseError(LLMError):
    """An untyped, non-retryable failure: malformed stream data, truncation, prompt blocks."""

    retryable = False


STREAM_IDLE_MESSAGE = "stream idle timeout: no SSE bytes within deadline"


def stream_idle_error(provider: str) -> ProviderError:
    return ProviderError(STREAM_IDLE_MESSAGE, kind=ErrorKind.STREAM, provider=provider)


# --------------------------------------------------------------------------- classification

_CODE_KINDS: dict[str, ErrorKind] = {
    "invalid_api_key": ErrorKind.AUTHENTICATION,
    "authentication_error": ErrorKind.AUTHENTICATION,
    "model_not_found": ErrorKind.NOT_FOUND,
    "context_length_exceeded": ErrorKind.CONTEXT_LENGTH,
    "insufficient_quota": ErrorKind.QUOTA_EXCEEDED,
    "content_filter": ErrorKind.CONTENT_FILTER,
    "content_policy_violation": ErrorKind.CONTENT_FILTER,
    "rate_limit_exceeded": ErrorKind.RATE_LIMIT,
    "server_error": ErrorKind.SERVER,
    "internal_error": ErrorKind.SERVER,
}

_QUOTA_BODY_MARKERS = ("insufficient_quota", "insufficient quota", "credit balance")


def kind_for_code(code: str) -> ErrorKind | None:
    """The kind a provider error code/type names (§6.5.1), or ``None`` for unknown codes."""
    return _CODE_KINDS.get(code.strip().lower()) if code else None


def kind_for_status(status: int, body: str = "") -> ErrorKind:
    """The kind of an HTTP failure by status (§6.5.1); the body only splits 429s."""
    if status == 401:
        return ErrorKind.AUTHENTICATION
    if status == 403:
        return ErrorKind.ACCESS_DENIED
    if status == 404:
        return ErrorKind.NOT_FOUND
    if status == 408:
        return ErrorKind.REQUEST_TIMEOUT
    if status == 413:
        return ErrorKind.CONTEXT_LENGTH
    if status == 429:
        lowered = body.lower()
        if any(marker in lowered for marker in _QUOTA_BODY_MARKERS):
            return ErrorKind.QUOTA_EXCEEDED
        return ErrorKind.RATE_LIMIT
    if 400 <= status < 500:
        return ErrorKind.INVALID_REQUEST
    return ErrorKind.SERVER


def classify_http_error(status: int, code: str, body: str) -> ErrorKind:
    """A known error code/type decides first (D.13); otherwise the HTTP status does."""
    return kind_for_code(code) or kind_for_status(status, body)


# --------------------------------------------------------------------------- chains


def error_chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and every error it wraps (``__cause__``, else ``__context__``)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def is_retryable(exc: BaseException) -> bool:
    """True iff the first error in the chain that declares retryability says so (§6.4)."""
    for err in error_chain(exc):
        flag = getattr(err, "retryable", None)
        if isinstance(flag, bool):
            return flag
    return False


def find_provider_error(exc: BaseException) -> ProviderError | None:
    for err in error_chain(exc):
        if isinstance(err, ProviderError):
            return err
    return None


_BILLING_TEXT_MARKERS = (
    "credit balance",
    "too low to access",
    "insufficient_quota",
    "insufficient quota",
    "quota exceeded",
    "exceeded your current quota",
)


def is_billing_error(exc: BaseException) -> bool:
    """Billing/quota exhaustion (§6.5.3): typed kind first, message text only as fallback."""
    chain = list(error_chain(exc))
    if any(isinstance(e, ProviderError) and e.kind is ErrorKind.QUOTA_EXCEEDED for e in chain):
        return True
    if any(isinstance(e, ProviderError) and e.retryable for e in chain):
        return False
    lowered = str(exc).lower()
    return any(marker in lowered for marker in _BILLING_TEXT_MARKERS)
