"""OpenAI-compatible Chat Completions adapter on the ``openai`` SDK with a base URL (§6.3.5).

No stream-idle guard: a 5-minute total timeout covers streams too (as in the reference).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import Any

from tracker.llm.errors import ProviderError, ResponseError
from tracker.llm.providers import compat_wire as wire
from tracker.llm.providers.base import (
    NON_STREAMING_TIMEOUT_SECONDS,
    dumps,
    network_error,
    sdk_to_dict,
)
from tracker.llm.providers.http import make_http_client
from tracker.llm.providers.openai_errors import convert_error, in_stream_error
from tracker.llm.providers.openai_sdk import make_openai_client
from tracker.llm.stream import StreamEvent, StreamEventKind, text_delta
from tracker.llm.types import Message, Request, Response, Usage

TEXT_ID = "text"
TRUNCATED_MESSAGE = (
    "openai-compat: stream ended before completion ([DONE] not received) — response truncated"
)


class OpenAICompatAdapter:
    """``POST {base}/v1/chat/completions`` through ``openai.AsyncOpenAI(base_url=…)``."""

    name = wire.PROVIDER

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str,
        total_timeout: float = NON_STREAMING_TIMEOUT_SECONDS,
    ) -> None:
        self._total_timeout = total_timeout
        self._http = make_http_client(timeout=None)
        self._client = make_openai_client(api_key=api_key, base_url=base_url, http_client=self._http)

    async def aclose(self) -> None:
        await self._client.close()

    @staticmethod
    def _call_kwargs(body: dict[str, Any]) -> dict[str, Any]:
        rest = {k: v for k, v in body.items() if k not in ("model", "messages", "stream")}
        return {"model": body["model"], "messages": body["messages"], "extra_body": rest}

    def _timeout_error(self, exc: BaseException) -> ProviderError:
        return network_error(self.name, TimeoutError(f"no response within {self._total_timeout:g}s"))

    def _raise(self, exc: BaseException, *, streaming: bool = False) -> None:
        converted = convert_error(self.name, exc, streaming=streaming)
        if converted is exc:
            raise exc
        raise converted from exc

    async def complete(self, request: Request) -> Response:
        body = wire.build_body(request, stream=False)
        started = time.monotonic()
        try:
            async with asyncio.timeout(self._total_timeout):
                result = await self._client.chat.completions.create(
                    **self._call_kwargs(body), timeout=self._total_timeout
                )
        except TimeoutError as exc:
            raise self._timeout_error(exc) from exc
        except Exception as exc:
            self._raise(exc)
            raise
        raw = sdk_to_dict(result)
        choices = list(raw.get("choices") or [])
        if not choices:
            raise ResponseError("openai-compat: empty response (0 choices, 0 content)")
        choice = choices[0]
        parts = wire.parts_from_message(choice.get("message") or {})
        has_calls = any(p.kind == "tool_call" for p in parts)
        return Response(
            id=str(raw.get("id", "")),
            model=str(raw.get("model") or request.model),
            provider=self.name,
            message=Message("assistant", parts),
            finish_reason=wire.finish_reason(str(choice.get("finish_reason") or ""), has_calls),
            usage=wire.usage_from(raw.get("usage")),
            latency_seconds=time.monotonic() - started,
            raw=raw,
        )

    async def stream(self, request: Request) -> AsyncGenerator[StreamEvent, None]:
        body = wire.build_body(request, stream=True)
        deadline = asyncio.get_running_loop().time() + self._total_timeout
        try:
            async with asyncio.timeout_at(deadline):
                sdk_stream = await self._client.chat.completions.create(
                    **self._call_kwargs(body), stream=True, timeout=self._total_timeout
                )
        except TimeoutError as exc:
            raise self._timeout_error(exc) from exc
        except Exception as exc:
            self._raise(exc)
            raise
        state = _ChunkState(dumps(body))
        iterator = sdk_stream.__aiter__()
        try:
            while True:
                try:
                    async with asyncio.timeout_at(deadline):
                        chunk = await iterator.__anext__()
                except StopAsyncIteration:
                    break
                for event in state.decode(sdk_to_dict(chunk)):
                    yield event
            for event in state.finish():
                yield event
        except TimeoutError as exc:
            raise self._timeout_error(exc) from exc
        except Exception as exc:
            self._raise(exc, streaming=True)
            raise
        finally:
            await sdk_stream.close()


@dataclass(slots=True)
class _ToolCallSlot:
    id: str = ""
    name: str = ""
    started: bool = False


@dataclass(slots=True)
class _ChunkState:
    request_body: str
    started: bool = False
    response_id: str = ""
    finish_raw: str | None = None
    usage: Usage | None = None
    calls: dict[int, _ToolCallSlot] = field(default_factory=dict)

    def decode(self, chunk: dict[str, Any]) -> list[StreamEvent]:
        if isinstance(chunk.get("error"), dict):
            raise in_stream_error(wire.PROVIDER, chunk["error"])
        events: list[StreamEvent] = []
        if not self.started:
            self.started = True
            self.response_id = str(chunk.get("id", ""))
            events.append(
                StreamEvent(
                    StreamEventKind.STREAM_START,
                    request_body=self.request_body,
                    response_id=self.response_id,
                )
            )
        if chunk.get("usage"):
            self.usage = wire.usage_from(chunk["usage"])
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            content = delta.get("content")
            if isinstance(content, str) and content:
                events.append(text_delta(TEXT_ID, content))
            for call in delta.get("tool_calls") or []:
                events.extend(self._tool_delta(call))
            if choice.get("finish_reason"):
                self.finish_raw = str(choice["finish_reason"])
        return events

    def _tool_delta(self, call: dict[str, Any]) -> list[StreamEvent]:
        slot = self.calls.setdefault(int(call.get("index", 0)), _ToolCallSlot())
        function = call.get("function") or {}
        if call.get("id"):
            slot.id = str(call["id"])
        if function.get("name"):
            slot.name = str(function["name"])
        events: list[StreamEvent] = []
        if not slot.started and slot.id:
            slot.started = True
            events.append(
                StreamEvent(StreamEventKind.TOOL_CALL_START, tool_call_id=slot.id, tool_name=slot.name)
            )
        arguments = function.get("arguments")
        if isinstance(arguments, str) and arguments and slot.started:
            events.append(StreamEvent(StreamEventKind.TOOL_CALL_DELTA, tool_call_id=slot.id, delta=arguments))
        return events

    def finish(self) -> list[StreamEvent]:
        """Tool-call ends in index order, then the deferred finish (at ``[DONE]``)."""
        if self.finish_raw is None:
            raise ResponseError(TRUNCATED_MESSAGE)
        events = [
            StreamEvent(StreamEventKind.TOOL_CALL_END, tool_call_id=self.calls[index].id)
            for index in sorted(self.calls)
            if self.calls[index].started
        ]
        events.append(
            StreamEvent(
                StreamEventKind.FINISH,
                finish_reason=wire.finish_reason(self.finish_raw, bool(events)),
                usage=self.usage or Usage(),
                response_id=self.response_id,
            )
        )
        return events
