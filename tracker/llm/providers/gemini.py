"""Gemini adapter on the official ``google-genai`` SDK (spec §6.3.4).

``contents`` travel as SDK types; every other body member is passed verbatim through the
SDK's per-request ``extra_body`` so the wire JSON is exactly :func:`gemini_wire.build_body`.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncGenerator
from typing import Any

import httpx2
from google import genai
from google.genai import errors as genai_errors
from google.genai import types as genai_types

from tracker.llm.errors import LLMError, ProviderError, ResponseError, kind_for_status
from tracker.llm.idle import DEFAULT_STREAM_IDLE_TIMEOUT, IdleDeadline
from tracker.llm.providers import gemini_wire as wire
from tracker.llm.providers.base import (
    NON_STREAMING_TIMEOUT_SECONDS,
    dumps,
    http_error,
    network_error,
    response_text,
    stream_read_error,
)
from tracker.llm.providers.http import make_http_client
from tracker.llm.stream import (
    StreamEvent,
    StreamEventKind,
    provider_event,
    reasoning_delta,
    text_delta,
)
from tracker.llm.types import Message, Request, Response, Usage

TEXT_ID = "gemini_text_0"
_SDK_ONLY_FIELDS = {"sdkHttpResponse", "automaticFunctionCallingHistory", "parsed"}


def convert_error(exc: BaseException, *, streaming: bool = False) -> BaseException:
    if isinstance(exc, LLMError):
        return exc
    if isinstance(exc, genai_errors.APIError):
        status_text = str(exc.status or "")
        http_status = getattr(exc.response, "status_code", None)
        if http_status == 200:  # an error object inside the stream
            code = int(exc.code or 500)
            message = f"google: {exc.message} ({status_text})"
            return ProviderError(
                message,
                kind=kind_for_status(code),
                provider=wire.PROVIDER,
                status_code=code,
                error_code=status_text,
            )
        text = response_text(exc.response) or json.dumps(exc.details)
        return http_error(
            wire.PROVIDER,
            status=int(exc.code or http_status or 500),
            body_text=text,
            code="",
            response=exc.response,
        )
    if isinstance(exc, httpx2.TransportError):
        return stream_read_error(wire.PROVIDER, exc) if streaming else network_error(wire.PROVIDER, exc)
    if isinstance(exc, json.JSONDecodeError | ValueError | KeyError | TypeError):
        return ResponseError(f"google: malformed response: {exc}")
    return exc


def _frame(chunk: Any) -> dict[str, Any]:
    data = chunk.model_dump(mode="json", by_alias=True, exclude_none=True)
    return {k: v for k, v in data.items() if k not in _SDK_ONLY_FIELDS}


class GeminiAdapter:
    """``{base}/v1beta/models/{model}:generateContent`` through ``google.genai.Client``."""

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
        self._client = genai.Client(
            api_key=api_key,
            vertexai=False,
            http_options=genai_types.HttpOptions(
                base_url=base_url.rstrip("/") + "/",
                api_version="v1beta",
                httpx_async_client=self._http,
            ),
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    @staticmethod
    def _sdk_arguments(body: dict[str, Any], timeout_ms: int | None) -> dict[str, Any]:
        contents = [
            genai_types.Content.model_validate_json(json.dumps(content))
            for content in body.get("contents", [])
        ]
        extra = {k: v for k, v in body.items() if k != "contents"}
        options = genai_types.HttpOptions(extra_body=extra or None, timeout=timeout_ms)
        return {
            "contents": contents,
            "config": genai_types.GenerateContentConfig(http_options=options),
        }

    def _raise(self, exc: BaseException, *, streaming: bool = False) -> None:
        converted = convert_error(exc, streaming=streaming)
        if converted is exc:
            raise exc
        raise converted from exc

    async def complete(self, request: Request) -> Response:
        body = wire.build_body(request)
        started = time.monotonic()
        try:
            async with asyncio.timeout(NON_STREAMING_TIMEOUT_SECONDS):
                result = await self._client.aio.models.generate_content(
                    model=request.model,
                    **self._sdk_arguments(body, int(NON_STREAMING_TIMEOUT_SECONDS * 1000)),
                )
        except TimeoutError as exc:
            raise network_error(self.name, exc) from exc
        except Exception as exc:
            self._raise(exc)
            raise
        raw = _frame(result)
        wire.check_prompt_feedback(raw)
        parts, finish_raw = wire.candidate_parts(raw)
        content = wire.parts_from_response(parts)
        has_calls = any(p.kind == "tool_call" for p in content)
        return Response(
            id=str(raw.get("responseId", "")),
            model=str(raw.get("modelVersion") or request.model),
            provider=self.name,
            message=Message("assistant", content),
            finish_reason=wire.finish_reason(finish_raw, has_calls),
            usage=wire.usage_from(raw.get("usageMetadata")),
            latency_seconds=time.monotonic() - started,
            raw=raw,
        )

    async def stream(self, request: Request) -> AsyncGenerator[StreamEvent, None]:
        body = wire.build_body(request)
        guard = IdleDeadline(self._idle_seconds, self.name)
        try:
            with guard.listening():
                chunks = await guard.run(
                    self._client.aio.models.generate_content_stream(
                        model=request.model, **self._sdk_arguments(body, None)
                    )
                )
        except Exception as exc:
            self._raise(exc)
            raise
        decoder = _StreamDecoder(dumps(body))
        iterator = chunks.__aiter__()
        try:
            while True:
                try:
                    chunk = await guard.run(iterator.__anext__())
                except StopAsyncIteration:
                    break
                for event in decoder.decode(_frame(chunk)):
                    yield event
            for event in decoder.finish():
                yield event
        except Exception as exc:
            self._raise(exc, streaming=True)
            raise
        finally:
            closer = getattr(chunks, "aclose", None)
            if closer is not None:
                await closer()


class _StreamDecoder:
    """Each SSE chunk is a full response; text merges into one part, calls arrive whole."""

    def __init__(self, request_body: str) -> None:
        self._request_body = request_body
        self._started = False
        self._text_started = False
        self._has_function_call = False
        self._finish_raw = ""
        self._usage: Usage | None = None
        self._response_id = ""

    def decode(self, chunk: dict[str, Any]) -> list[StreamEvent]:
        events: list[StreamEvent] = [provider_event(self._frame_name(chunk), chunk)]
        if not self._started:
            self._started = True
            self._response_id = str(chunk.get("responseId", ""))
            events.append(
                StreamEvent(
                    StreamEventKind.STREAM_START,
                    request_body=self._request_body,
                    response_id=self._response_id,
                )
            )
        wire.check_prompt_feedback(chunk)
        parts, finish_raw = wire.candidate_parts(chunk)
        for part in parts:
            events.extend(self._part(part))
        if finish_raw:
            self._finish_raw = finish_raw
        if chunk.get("usageMetadata"):
            self._usage = wire.usage_from(chunk["usageMetadata"])
        return events

    @staticmethod
    def _frame_name(chunk: dict[str, Any]) -> str:
        return str(chunk.get("type") or "generateContentResponse")

    def _part(self, part: dict[str, Any]) -> list[StreamEvent]:
        if "functionCall" in part:
            self._has_function_call = True
            call = wire.function_call_part(part)
            return [
                StreamEvent(
                    StreamEventKind.TOOL_CALL_START,
                    tool_call_id=call.id,
                    tool_name=call.name,
                    tool_arguments=call.arguments,
                    thought_signature=call.thought_signature,
                ),
                StreamEvent(
                    StreamEventKind.TOOL_CALL_END,
                    tool_call_id=call.id,
                    tool_arguments=call.arguments,
                ),
            ]
        text = part.get("text")
        if not isinstance(text, str) or not text:
            return []
        if part.get("thought"):
            return [reasoning_delta(text)]
        events: list[StreamEvent] = []
        if not self._text_started:
            self._text_started = True
            events.append(StreamEvent(StreamEventKind.TEXT_START, text_id=TEXT_ID))
        events.append(text_delta(TEXT_ID, text))
        return events

    def finish(self) -> list[StreamEvent]:
        if not self._started:
            return []
        events: list[StreamEvent] = []
        if self._text_started:
            events.append(StreamEvent(StreamEventKind.TEXT_END, text_id=TEXT_ID))
        events.append(
            StreamEvent(
                StreamEventKind.FINISH,
                finish_reason=wire.finish_reason(self._finish_raw, self._has_function_call),
                usage=self._usage or Usage(),
                response_id=self._response_id,
            )
        )
        return events
