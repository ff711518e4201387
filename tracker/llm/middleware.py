"""The middleware contract: wrappers around ``Client.complete`` (spec §6.2).

Middleware wraps only ``complete``, outermost first; the raw ``stream`` entry point bypasses it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from tracker.llm.types import Request, Response

CompleteFn = Callable[[Request], Awaitable[Response]]


class Middleware(Protocol):
    async def __call__(self, request: Request, call_next: CompleteFn) -> Response: ...


def chain(middlewares: Sequence[Middleware], innermost: CompleteFn) -> CompleteFn:
    """Compose ``middlewares`` around ``innermost``; the first one is the outermost."""
    handler = innermost
    for middleware in reversed(middlewares):
        handler = _bind(middleware, handler)
    return handler


def _bind(middleware: Middleware, call_next: CompleteFn) -> CompleteFn:
    async def call(request: Request) -> Response:
        return await middleware(request, call_next)

    return call
