"""Notifications to the client, sent in order without starving requests.

Runs produce events on the server's event loop, sometimes hundreds in a burst (a wide
fan-out finishing, a fast loop). :class:`Outbox` queues the notifications and a single
task sends them in slices of at most :data:`SLICE_SECONDS` (and :data:`SLICE_MAX`
messages), yielding to the event loop between slices, so completion and hover requests
that arrive meanwhile are answered within a slice or two. Every notification keeps the
one-event-per-message shape of the protocol; only the sending is batched.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from typing import Any

SLICE_SECONDS = 0.004
SLICE_MAX = 200


class Outbox:
    def __init__(self, send: Callable[[str, Any], None]) -> None:
        self._send = send
        self._queue: deque[tuple[str, Any]] = deque()
        self._wake: asyncio.Event | None = None
        self._idle: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self.sent = 0
        self.slices = 0

    def push(self, method: str, params: Any) -> None:
        self._queue.append((method, params))
        if self._task is None or self._task.done():
            self._wake = asyncio.Event()
            self._idle = asyncio.Event()
            self._task = asyncio.ensure_future(self._drain())
        assert self._wake is not None and self._idle is not None
        self._idle.clear()
        self._wake.set()

    def __len__(self) -> int:
        return len(self._queue)

    async def flushed(self) -> None:
        """Wait until everything queued so far has been sent."""
        while (
            self._queue
            and self._idle is not None
            and self._task is not None
            and not self._task.done()
        ):
            await self._idle.wait()

    async def _drain(self) -> None:
        assert self._wake is not None and self._idle is not None
        queue = self._queue
        while True:
            await self._wake.wait()
            self._wake.clear()
            while queue:
                deadline = time.perf_counter() + SLICE_SECONDS
                for _ in range(SLICE_MAX):
                    if not queue:
                        break
                    method, params = queue.popleft()
                    try:
                        self._send(method, params)
                    except (BrokenPipeError, ConnectionError):
                        queue.clear()
                        break
                    self.sent += 1
                    if time.perf_counter() >= deadline:
                        break
                self.slices += 1
                await asyncio.sleep(0)
            self._idle.set()
