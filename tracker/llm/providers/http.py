"""The HTTP client handed to every provider SDK: reports received bytes to the idle guard.

Imported only when an adapter is constructed (it imports ``httpx2``, the SDKs' HTTP stack).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx2

from tracker.llm.idle import activity_listener


class _ActivityStream(httpx2.AsyncByteStream):
    def __init__(self, inner: httpx2.AsyncByteStream, on_bytes: Callable[[], None]) -> None:
        self._inner = inner
        self._on_bytes = on_bytes

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            self._on_bytes()
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


class ActivityTransport(httpx2.AsyncBaseTransport):
    """Wraps the real transport; a response body sent under a listener reports each chunk."""

    def __init__(self, inner: httpx2.AsyncBaseTransport | None = None) -> None:
        self._inner = inner or httpx2.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        listener = activity_listener.get()
        response = await self._inner.handle_async_request(request)
        if listener is not None and isinstance(response.stream, httpx2.AsyncByteStream):
            listener()
            response.stream = _ActivityStream(response.stream, listener)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


def make_http_client(*, timeout: float | None) -> httpx2.AsyncClient:
    """An async client with the activity transport; ``timeout=None`` means no total timeout."""
    return httpx2.AsyncClient(
        transport=ActivityTransport(),
        timeout=httpx2.Timeout(timeout, connect=timeout),
        follow_redirects=True,
    )
