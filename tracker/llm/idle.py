"""The stream-idle deadline (spec §6.4): abort a stream that delivers no bytes for too long.

Each wait for the next stream item gets a fresh deadline; every chunk of bytes read from the
socket meanwhile (keep-alives included, reported by the HTTP transport through
:data:`activity_listener`) pushes it back. When it passes, the wait is cancelled and the
retryable stream error ``stream idle timeout: no SSE bytes within deadline`` is raised.
Cancellation by the caller propagates unchanged.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from tracker.llm.errors import stream_idle_error

T = TypeVar("T")

DEFAULT_STREAM_IDLE_TIMEOUT = 600.0

activity_listener: ContextVar[Callable[[], None] | None] = ContextVar(
    "tracker_llm_activity_listener", default=None
)
"""Read by the HTTP transport when a request is sent; the listener is bound to the response
body and called on every chunk received."""


class IdleDeadline:
    """Guards the awaits of one streamed call; ``seconds=None`` disables the guard."""

    def __init__(self, seconds: float | None, provider: str) -> None:
        self._seconds = seconds
        self._provider = provider
        self._scope: asyncio.Timeout | None = None

    def touch(self) -> None:
        """Bytes arrived: push the deadline back."""
        if self._scope is not None and self._seconds is not None:
            self._scope.reschedule(asyncio.get_running_loop().time() + self._seconds)

    @contextmanager
    def listening(self) -> Iterator[None]:
        """Bind this guard to HTTP requests sent inside the block."""
        token = activity_listener.set(self.touch)
        try:
            yield
        finally:
            activity_listener.reset(token)

    async def run(self, awaitable: Awaitable[T]) -> T:
        """Await ``awaitable`` under a fresh idle deadline."""
        if self._seconds is None:
            return await awaitable
        scope = asyncio.timeout(self._seconds)
        try:
            async with scope:
                self._scope = scope
                try:
                    return await awaitable
                finally:
                    self._scope = None
        except TimeoutError as exc:
            if scope.expired():
                raise stream_idle_error(self._provider) from exc
            raise
