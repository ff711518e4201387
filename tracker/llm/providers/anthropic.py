"""Anthropic Messages adapter on the official ``anthropic`` SDK (spec §6.3.2)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections.abc import AsyncGenerator
from typing import Any, cast

import anthropic
import httpx2

from tracker.llm.errors import LLMError, ProviderError, ResponseError, kind_for_status
from tracker.llm.idle import DEFAULT_STREAM_IDLE_TIMEOUT, IdleDeadline
from tracker.llm.providers import anthropic_wire as wire
from tracker.llm.providers.base import (
    NON_STREAMING_TIMEOUT_SECONDS,
    dumps,
    error_code_of,
    error_message_of,
    http_error,
    network_error,
    response_text,
    sdk_to_dict,
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
from tracker.llm.types import FinishReason, Message, Request, Response, Usage

logger = logging.getLogger("tracker.llm.anthropic")

ANTHROPIC_VERSION = "2023-06-01"

_STREAM_ERROR_STATUS = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "overloaded_error": 529,
}


def convert_error(exc: BaseException, *, streaming: bool = False) -> BaseException:
    """Map an SDK/transport exception to the taxonomy (§6.5.2); others pass through."""
    if isinstance(exc, LLMError):
        return exc
    if isinstance(exc, anthropic.APIStatusError):
        body = exc.body
        error_type = error_code_of(body)
        if exc.status_code == 200:  # an in-stream `error` event
            status = _STREAM_ERROR_STATUS.get(error_type, 500)
            message = f"anthropic: {error_type}: {error_message_of(body)}"
            return ProviderError(
                message,
                kind=kind_for_status(status, message),
                provider=wire.PROVIDER,
                status_code=status,
                error_code=error_type,
            )
        text = response_text(exc.response) or (
            json.dumps(body) if body is not None else str(exc)
        )
        return http_error(
            wire.PROVIDER,
            status=exc.status_code,
            body_text=text,
            code=error_type,
            response=exc.response,
        )
    if isinstance(exc, anthropic.APIConnectionError):
        return network_error(wire.PROVIDER, exc)
    if isinstance(exc, httpx2.TransportError):
        return stream_read_error(wire.PROVIDER, exc) if streaming else network_error(wire.PROVIDER, exc)
    if isinstance(exc, json.JSONDecodeError | ValueError | KeyError | TypeError):
        return ResponseError(f"anthropic: malformed response: {exc}")
    return exc


class AnthropicAdapter:
    """``POST {base}/v1/messages`` through ``anthropic.AsyncAnthropic``."""

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
        self._client = anthropic.AsyncAnthropic(
            api_key=api_key,
            base_url=base_url,
            max_retries=0,
            http_client=self._http,
            # The wire contract of §6.3.2: key in `x-api-key`, API version 2023-06-01.
            default_headers=cast(
                "dict[str, str]",
                {
                    "x-api-key": api_key,
                    "anthropic-version": ANTHROPIC_VERSION,
                    "Authorization": anthropic.omit,  # no Bearer header
                },
            ),
        )

    async def aclose(self) -> None:
        await self._client.close()

    def _call_kwargs(self, request: Request, body: dict[str, Any]) -> dict[str, Any]:
        rest = {k: v for k, v in body.items() if k not in ("model", "max_tokens", "messages", "stream")}
        kwargs: dict[str, Any] = {
            "model": body["model"],
            "max_tokens": body["max_tokens"],
            "messages": body["messages"],
            "extra_body": rest,
        }
        beta = wire.beta_header(request)
        if beta:
            kwargs["extra_headers"] = {"anthropic-beta": beta}
        return kwargs

    async def complete(self, request: Request) -> Response:
        body = wire.build_body(request, stream=False)
        started = time.monotonic()
        try:
            async with asyncio.timeout(NON_STREAMING_TIMEOUT_SECONDS):
                message = await self._client.messages.create(
                    **self._call_kwargs(request, body), timeout=NON_STREAMING_TIMEOUT_SECONDS
                )
        except TimeoutError as exc:
            raise network_error(self.name, exc) from exc
        except Exception as exc:
            converted = convert_error(exc)
            if converted is exc:
                raise
            raise converted from exc
        raw = sdk_to_dict(message)
        parts = wire.parts_from_content(list(raw.get("content") or []))
        usage = wire.usage_from(raw.get("usage"))
        finish = wire.finish_reason(raw.get("stop_reason"))
        response = Response(
            id=str(raw.get("id", "")),
            model=str(raw.get("model") or request.model),
            provider=self.name,
            message=Message("assistant", parts),
            finish_reason=finish,
            usage=usage,
            latency_seconds=time.monotonic() - started,
            raw=raw,
        )
        if not parts and usage.output_tokens == 0:
            self._warn_empty(response)
        return response

    def _warn_empty(self, response: Response) -> None:
        detail = f" body={json.dumps(response.raw)[:200]}" if os.environ.get("TRACKER_DEBUG") else ""
        logger.warning(
            "anthropic: empty response (stop_reason=%s model=%s id=%s)%s",
            response.finish_reason.raw,
            response.model,
            response.id,
            detail,
        )

    async def stream(self, request: Request) -> AsyncGenerator[StreamEvent, None]:
        body = wire.build_body(request, stream=True)
        body_text = dumps(body)
        guard = IdleDeadline(self._idle_seconds, self.name)
        try:
            with guard.listening():
                sdk_stream = await guard.run(
                    self._client.messages.create(
                        **self._call_kwargs(request, body), stream=True, timeout=None
                    )
                )
        except Exception as exc:
            converted = convert_error(exc)
            if converted is exc:
                raise
            raise converted from exc
        decoder = _StreamDecoder(body_text)
        iterator = sdk_stream.__aiter__()
        try:
            while True:
                try:
                    item = await guard.run(iterator.__anext__())
                except StopAsyncIteration:
                    break
                frame = sdk_to_dict(item)
                for event in decoder.decode(frame):
                    yield event
        except Exception as exc:
            converted = convert_error(exc, streaming=True)
            if converted is exc:
                raise
            raise converted from exc
        finally:
            await sdk_stream.close()


class _StreamDecoder:
    """Turns Anthropic stream frames into neutral stream events."""

    def __init__(self, request_body: str) -> None:
        self._request_body = request_body
        self._blocks: dict[int, tuple[str, str]] = {}
        self._input_usage: dict[str, Any] = {}
        self._response_id = ""

    def decode(self, frame: dict[str, Any]) -> list[StreamEvent]:
        name = str(frame.get("type", ""))
        events = [provider_event(name, frame)]
        handler = getattr(self, f"_on_{name}", None)
        if handler is not None:
            events.extend(handler(frame))
        return events

    def _on_message_start(self, frame: dict[str, Any]) -> list[StreamEvent]:
        message = frame.get("message") or {}
        self._response_id = str(message.get("id", ""))
        self._input_usage = dict(message.get("usage") or {})
        return [
            StreamEvent(
                StreamEventKind.STREAM_START,
                request_body=self._request_body,
                response_id=self._response_id,
            )
        ]

    def _on_content_block_start(self, frame: dict[str, Any]) -> list[StreamEvent]:
        index = int(frame.get("index", 0))
        block = frame.get("content_block") or {}
        kind = str(block.get("type", ""))
        if kind == "text":
            text_id = f"block_{index}"
            self._blocks[index] = ("text", text_id)
            events = [StreamEvent(StreamEventKind.TEXT_START, text_id=text_id)]
            if block.get("text"):
                events.append(text_delta(text_id, str(block["text"])))
            return events
        if kind == "tool_use":
            call_id = str(block.get("id", ""))
            self._blocks[index] = ("tool_use", call_id)
            return [
                StreamEvent(
                    StreamEventKind.TOOL_CALL_START,
                    tool_call_id=call_id,
                    tool_name=str(block.get("name", "")),
                )
            ]
        if kind == "thinking":
            self._blocks[index] = ("thinking", "")
            events = [StreamEvent(StreamEventKind.REASONING_START)]
            if block.get("thinking"):
                events.append(reasoning_delta(str(block["thinking"])))
            return events
        if kind == "redacted_thinking":
            self._blocks[index] = ("redacted_thinking", "")
            return [StreamEvent(StreamEventKind.REDACTED_REASONING, data=str(block.get("data", "")))]
        return []

    def _on_content_block_delta(self, frame: dict[str, Any]) -> list[StreamEvent]:
        index = int(frame.get("index", 0))
        delta = frame.get("delta") or {}
        kind = delta.get("type")
        _, block_id = self._blocks.get(index, ("", ""))
        if kind == "text_delta":
            return [text_delta(block_id or f"block_{index}", str(delta.get("text", "")))]
        if kind == "input_json_delta":
            return [
                StreamEvent(
                    StreamEventKind.TOOL_CALL_DELTA,
                    tool_call_id=block_id,
                    delta=str(delta.get("partial_json", "")),
                )
            ]
        if kind == "thinking_delta":
            return [reasoning_delta(str(delta.get("thinking", "")))]
        if kind == "signature_delta":
            return [
                StreamEvent(StreamEventKind.REASONING_SIGNATURE, signature=str(delta.get("signature", "")))
            ]
        return []

    def _on_content_block_stop(self, frame: dict[str, Any]) -> list[StreamEvent]:
        kind, block_id = self._blocks.get(int(frame.get("index", 0)), ("", ""))
        if kind == "text":
            return [StreamEvent(StreamEventKind.TEXT_END, text_id=block_id)]
        if kind == "tool_use":
            return [StreamEvent(StreamEventKind.TOOL_CALL_END, tool_call_id=block_id)]
        if kind == "thinking":
            return [StreamEvent(StreamEventKind.REASONING_END)]
        return []

    def _on_message_delta(self, frame: dict[str, Any]) -> list[StreamEvent]:
        delta = frame.get("delta") or {}
        merged = {**self._input_usage, **{k: v for k, v in (frame.get("usage") or {}).items() if v}}
        usage: Usage = wire.usage_from(merged)
        finish: FinishReason = wire.finish_reason(delta.get("stop_reason"))
        return [
            StreamEvent(
                StreamEventKind.FINISH,
                finish_reason=finish,
                usage=usage,
                response_id=self._response_id,
            )
        ]


__all__ = ["AnthropicAdapter", "convert_error"]
