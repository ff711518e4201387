"""Retry middleware (spec §6.4, D.13): exponential backoff for retryable errors only.

Delay before retry n (0-based) = base × 2ⁿ, no jitter. A rate-limit error carrying a server
``Retry-After`` waits that long instead (clamped to [0, 2 min]), streamed calls included.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from tracker.llm.errors import ErrorKind, find_provider_error, is_retryable
from tracker.llm.middleware import CompleteFn
from tracker.llm.types import Request, Response

logger = logging.getLogger("tracker.llm.retry")

MAX_RETRY_AFTER_SECONDS = 120.0

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_retries: int = 3
    base_delay: float = 2.0
    """Seconds. The CLI and library use 3 retries with a 2 s base (2 s, 4 s, 8 s)."""

    def backoff(self, retry_index: int) -> float:
        return float(self.base_delay * 2.0**retry_index)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header: delta-seconds (fractions allowed) or an HTTP
    date; negative → 0; unparseable → ``None``."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now or datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())


class RetryMiddleware:
    """Re-sends the whole completion after a retryable failure (a new stream, a new call ID)."""

    def __init__(self, policy: RetryPolicy | None = None, *, sleep: Sleep | None = None) -> None:
        self.policy = policy or RetryPolicy()
        self._sleep = sleep or asyncio.sleep

    def delay_for(self, error: BaseException, retry_index: int) -> float:
        provider_error = find_provider_error(error)
        if (
            provider_error is not None
            and provider_error.kind is ErrorKind.RATE_LIMIT
            and provider_error.retry_after is not None
        ):
            return min(max(provider_error.retry_after, 0.0), MAX_RETRY_AFTER_SECONDS)
        return self.policy.backoff(retry_index)

    async def __call__(self, request: Request, call_next: CompleteFn) -> Response:
        retry_index = 0
        while True:
            try:
                return await call_next(request)
            except Exception as error:
                if retry_index >= self.policy.max_retries or not is_retryable(error):
                    raise
                delay = self.delay_for(error, retry_index)
                logger.info(
                    "llm call failed (%s); retry %d/%d in %.2fs",
                    error,
                    retry_index + 1,
                    self.policy.max_retries,
                    delay,
                )
                await self._sleep(delay)
                retry_index += 1
