"""OpenAI Responses adapter on the official ``openai`` SDK (spec §6.3.3, D.13).

``response.incomplete`` ends the stream with finish reason ``length`` and its usage (D.13
fixes the reference's missing finish event).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator
from typing import Any

from tracker.llm.idle import DEFAULT_STREAM_IDLE_TIMEOUT, IdleDeadline
from tracker.llm.providers import openai_wire as wire
from tracker.llm.providers.base import (
    NON_STREAMING_TIMEOUT_SECONDS,
    dumps,
    network_error,
    sdk_to_dict,
)
from tracker.llm.providers.http import make_http_client
from tracker.llm.providers.openai_errors import convert_error, in_stream_error
from tracker.llm.providers.openai_sdk import make_openai_client
from tracker.llm.stream import StreamEvent, StreamEventKind, provider_event, text_delta
from tracker.llm.types import Message, Request, Response


class OpenAIAdapter:
    """``POST {base}/v1/responses`` through ``openai.AsyncOpenAI``."""

    name = wire.PROVIDER

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str,
        stream_idle_timeout: float | None = DEFAULT_STREAM_IDLE_TIMEOUT,
    ) -> None:
        self._idle_seconds = stream_idle_timeout
        self._http = make_http_client(timeout=None)
        self._client = make_openai_client(api_key=api_key, base_url=base_url, http_client=self._http)

    async def aclose(self) -> None:
        await self._client.close()

    @staticmethod
    def _call_kwargs(body: dict[str, Any]) -> dict[str, Any]:
        rest = {k: v for k, v in body.items() if k not in ("model", "input", "stream")}
        return {"model": body["model"], "input": body["input"], "extra_body": rest}

    def _raise(self, exc: BaseException, *, streaming: bool = False) -> None:
        converted = convert_error(self.name, exc, streaming=streaming)
        if converted is exc:
            raise exc
        raise converted from exc

    async def complete(self, request: Request) -> Response:
        body = wire.build_body(request, stream=False)
        started = time.monotonic()
        try:
            async with asyncio.timeout(NON_STREAMING_TIMEOUT_SECONDS):
                result = await self._client.responses.create(
                    **self._call_kwargs(body), timeout=NON_STREAMING_TIMEOUT_SECONDS
                )
        except TimeoutError as exc:
            raise network_error(self.name, exc) from exc
        except Exception as exc:
            self._raise(exc)
            raise
        raw = sdk_to_dict(result)
        if raw.get("status") == "failed":
            raise in_stream_error(self.name, raw.get("error"))
        output = list(raw.get("output") or [])
        incomplete = (raw.get("incomplete_details") or {}).get("reason") or ""
        return Response(
            id=str(raw.get("id", "")),
            model=str(raw.get("model") or request.model),
            provider=self.name,
            message=Message("assistant", wire.parts_from_output(output)),
            finish_reason=wire.finish_reason(
                str(raw.get("status", "")), str(incomplete), wire.has_function_call(output)
            ),
            usage=wire.usage_from(raw.get("usage")),
            latency_seconds=time.monotonic() - started,
            raw=raw,
        )

    async def stream(self, request: Request) -> AsyncGenerator[StreamEvent, None]:
        body = wire.build_body(request, stream=True)
        guard = IdleDeadline(self._idle_seconds, self.name)
        try:
            with guard.listening():
                sdk_stream = await guard.run(
                    self._client.responses.create(**self._call_kwargs(body), stream=True, timeout=None)
                )
        except Exception as exc:
            self._raise(exc)
            raise
        decoder = _StreamDecoder(dumps(body))
        iterator = sdk_stream.__aiter__()
        try:
            while True:
                try:
                    item = await guard.run(iterator.__anext__())
                except StopAsyncIteration:
                    break
                for event in decoder.decode(sdk_to_dict(item)):
                    yield event
        except Exception as exc:
            self._raise(exc, streaming=True)
            raise
        finally:
            await sdk_stream.close()


class _StreamDecoder:
    """Turns Responses stream frames into neutral stream events."""

    def __init__(self, request_body: str) -> None:
        self._request_body = request_body
        self._calls_by_index: dict[int, str] = {}
        self._has_function_call = False

    def decode(self, frame: dict[str, Any]) -> list[StreamEvent]:
        name = str(frame.get("type", ""))
        events = [provider_event(name, frame)]
        if name == "response.created":
            response = frame.get("response") or {}
            events.append(
                StreamEvent(
                    StreamEventKind.STREAM_START,
                    request_body=self._request_body,
                    response_id=str(response.get("id", "")),
                )
            )
        elif name == "response.output_item.added":
            events.extend(self._item_added(frame))
        elif name == "response.output_text.delta":
            text_id = f"item_{frame.get('output_index', 0)}"
            events.append(text_delta(text_id, str(frame.get("delta", ""))))
        elif name == "response.function_call_arguments.delta":
            call_id = self._calls_by_index.get(int(frame.get("output_index", 0)), "")
            events.append(
                StreamEvent(
                    StreamEventKind.TOOL_CALL_DELTA, tool_call_id=call_id, delta=str(frame.get("delta", ""))
                )
            )
        elif name == "response.output_item.done":
            events.extend(self._item_done(frame))
        elif name in ("response.completed", "response.incomplete"):
            events.append(self._finish(frame))
        elif name == "response.failed":
            response = frame.get("response") or {}
            raise in_stream_error(wire.PROVIDER, response.get("error") or {})
        elif name == "error":
            raise in_stream_error(wire.PROVIDER, frame)
        return events

    def _item_added(self, frame: dict[str, Any]) -> list[StreamEvent]:
        item = frame.get("item") or {}
        index = int(frame.get("output_index", 0))
        kind = item.get("type")
        if kind == "message":
            return [StreamEvent(StreamEventKind.TEXT_START, text_id=f"item_{index}")]
        if kind == "function_call":
            self._has_function_call = True
            call_id = str(item.get("call_id") or item.get("id") or "")
            self._calls_by_index[index] = call_id
            return [
                StreamEvent(
                    StreamEventKind.TOOL_CALL_START,
                    tool_call_id=call_id,
                    tool_name=str(item.get("name", "")),
                )
            ]
        return []

    def _item_done(self, frame: dict[str, Any]) -> list[StreamEvent]:
        item = frame.get("item") or {}
        index = int(frame.get("output_index", 0))
        kind = item.get("type")
        if kind == "message":
            return [StreamEvent(StreamEventKind.TEXT_END, text_id=f"item_{index}")]
        if kind == "function_call":
            call_id = self._calls_by_index.get(index) or str(item.get("call_id") or item.get("id") or "")
            return [
                StreamEvent(
                    StreamEventKind.TOOL_CALL_END,
                    tool_call_id=call_id,
                    tool_arguments=str(item.get("arguments") or ""),
                )
            ]
        return []

    def _finish(self, frame: dict[str, Any]) -> StreamEvent:
        response = frame.get("response") or {}
        output = list(response.get("output") or [])
        incomplete = (response.get("incomplete_details") or {}).get("reason") or ""
        status = str(response.get("status") or frame["type"].removeprefix("response."))
        return StreamEvent(
            StreamEventKind.FINISH,
            finish_reason=wire.finish_reason(
                status,
                str(incomplete),
                self._has_function_call or wire.has_function_call(output),
            ),
            usage=wire.usage_from(response.get("usage")),
            response_id=str(response.get("id", "")),
        )
