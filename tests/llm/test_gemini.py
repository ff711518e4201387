"""Gemini adapter through the real ``google-genai`` SDK against a fake generateContent server."""

from __future__ import annotations

import base64
import json

import pytest

from tests.llm.conftest import Connector, TraceRecorder
from tests.llm.fakes import gemini_wire as fake
from tests.llm.fakes.server import FakeServer, Reply
from tracker.llm import (
    ErrorKind,
    Message,
    ProviderError,
    Request,
    ResponseError,
    ResponseFormat,
    ToolCallPart,
    ToolChoice,
    ToolDefinition,
    ToolResultPart,
    estimate_cost,
    is_billing_error,
)

SIGNATURE = base64.b64encode(b"opaque-thought").decode()
WEATHER = ToolDefinition("weather", "Weather for a city", {"type": "object", "properties": {"city": {"type": "string"}}})


def history() -> list[Message]:
    return [
        Message.system("Be terse."),
        Message.user("Weather in Oslo?"),
        Message("assistant", [ToolCallPart("call_1", "weather", '{"city":"Oslo"}', thought_signature=SIGNATURE)]),
        Message.tool_results([ToolResultPart("call_1", "rain", is_error=False)]),
    ]


async def test_streamed_call_maps_request_and_accumulates_response(
    server: FakeServer, connect: Connector
) -> None:
    server.enqueue(
        Reply(
            sse=fake.stream(
                [
                    fake.chunk([{"text": "thinking...", "thought": True}]),
                    fake.chunk([{"text": "It "}]),
                    fake.chunk([{"text": "rains."}, {"functionCall": {"name": "weather", "args": {"city": "Bergen"}}, "thoughtSignature": SIGNATURE}]),
                    fake.chunk([], finish="STOP"),
                    {"usageMetadata": fake.usage(), "modelVersion": "gemini-3.1-pro-preview", "responseId": "gem-1"},
                ]
            )
        )
    )
    harness = connect("gemini")
    recorder = TraceRecorder()
    request = Request(
        model="gemini-3.1-pro-preview",
        messages=history(),
        provider="gemini",
        tools=[WEATHER],
        tool_choice=ToolChoice("required"),
        reasoning_effort="low",
        temperature=0.2,
        response_format=ResponseFormat("json_schema", '{"type":"object","properties":{"a":{"type":"string"}}}'),
        observers=[recorder],
    )

    response = await harness.client.complete(request)

    sent = server.last_request
    assert sent.path == "/v1beta/models/gemini-3.1-pro-preview:streamGenerateContent?alt=sse"
    assert sent.header("x-goog-api-key") == "gemini-test-key-0123456789"
    body = sent.json
    assert body["systemInstruction"]["parts"] == [{"text": "Be terse."}]
    assert body["contents"][0] == {"role": "user", "parts": [{"text": "Weather in Oslo?"}]}
    model_turn = body["contents"][1]
    assert model_turn["role"] == "model"
    assert model_turn["parts"][0]["functionCall"] == {"name": "weather", "args": {"city": "Oslo"}}
    assert model_turn["parts"][0]["thoughtSignature"] == SIGNATURE
    # matched by tool name through the call ID
    assert body["contents"][2] == {
        "role": "user",
        "parts": [{"functionResponse": {"name": "weather", "response": {"content": "rain"}}}],
    }
    assert body["tools"] == [
        {"functionDeclarations": [{"name": "weather", "description": "Weather for a city", "parameters": WEATHER.parameters}]}
    ]
    assert body["toolConfig"] == {"functionCallingConfig": {"mode": "ANY"}}
    generation = body["generationConfig"]
    assert generation["temperature"] == 0.2
    assert generation["responseMimeType"] == "application/json"
    assert generation["responseSchema"] == {"type": "object", "properties": {"a": {"type": "string"}}}
    assert generation["thinkingConfig"] == {"thinkingLevel": "low"}
    assert "maxOutputTokens" not in generation

    assert response.text == "It rains."
    assert response.reasoning == "thinking..."
    call = response.tool_calls[0]
    assert call.name == "weather" and json.loads(call.arguments) == {"city": "Bergen"}
    assert call.id.startswith("call_") and len(call.id) == 21
    assert call.thought_signature == SIGNATURE
    assert response.finish_reason.reason == "tool_calls"
    usage = response.usage
    assert (usage.input_tokens, usage.cache_read_tokens) == (20, 10)
    assert (usage.output_tokens, usage.reasoning_tokens, usage.total_tokens) == (12, 4, 42)
    expected = (20 * 2 + 10 * 0.2 + 12 * 12) / 1_000_000
    assert estimate_cost("gemini-3.1-pro-preview", usage) == pytest.approx(expected)
    prepare = next(e for e in recorder.events if e.type == "tool_prepare")
    assert json.loads(prepare.tool_arguments) == {"city": "Bergen"}
    assert prepare.preview == '{"city":"Bergen"}'
    start = next(e for e in recorder.events if e.type == "request_start")
    assert json.loads(start.request_body) == body


async def test_non_streaming_call_drops_reasoning_for_older_models(
    server: FakeServer, connect: Connector
) -> None:
    server.enqueue(Reply(json_body=fake.chunk([{"text": "Sure."}], finish="MAX_TOKENS", usage_metadata=fake.usage(cached=0))))
    harness = connect("gemini")

    response = await harness.client.complete(
        Request(
            "gemini-2.5-flash",
            [Message.user("hi")],
            reasoning_effort="high",
            max_tokens=50,
            provider_options={"gemini": {"safetySettings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}]}},
        )
    )

    sent = server.last_request
    assert sent.json["safetySettings"] == [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}]
    assert sent.path == "/v1beta/models/gemini-2.5-flash:generateContent"
    assert sent.json["generationConfig"] == {"maxOutputTokens": 50}
    assert response.text == "Sure."
    assert response.finish_reason.reason == "length"
    assert response.usage.cache_read_tokens is None


async def test_resource_exhausted_is_a_rate_limit(server: FakeServer, connect: Connector) -> None:
    server.enqueue(
        Reply(status=429, json_body=fake.error_body(429, "RESOURCE_EXHAUSTED", "Quota exceeded for metric")),
        Reply(sse=fake.stream([fake.chunk([{"text": "ok"}], finish="STOP", usage_metadata=fake.usage())])),
    )
    harness = connect("gemini")

    response = await harness.client.complete(
        Request("gemini-2.5-pro", [Message.user("hi")], observers=[TraceRecorder()])
    )

    assert response.text == "ok"
    assert harness.sleeps.delays == [2.0]


async def test_bad_key_is_an_authentication_failure(server: FakeServer, connect: Connector) -> None:
    server.enqueue(Reply(status=401, json_body=fake.error_body(401, "UNAUTHENTICATED", "API key not valid")))
    harness = connect("gemini")

    with pytest.raises(ProviderError) as caught:
        await harness.client.complete(Request("gemini-2.5-pro", [Message.user("hi")]))

    assert caught.value.kind is ErrorKind.AUTHENTICATION
    assert "API key not valid" in caught.value.message
    assert not is_billing_error(caught.value)
    assert len(server.requests) == 1


async def test_in_stream_error_is_typed_by_code(server: FakeServer, connect: Connector) -> None:
    server.enqueue(
        Reply(sse=fake.stream([fake.chunk([{"text": "par"}]), fake.error_body(500, "INTERNAL", "oops")]))
    )
    harness = connect("gemini", max_retries=0)
    recorder = TraceRecorder()

    with pytest.raises(ProviderError) as caught:
        await harness.client.complete(Request("gemini-2.5-pro", [Message.user("hi")], observers=[recorder]))

    assert caught.value.kind is ErrorKind.SERVER
    assert caught.value.message == "google: oops (INTERNAL)"
    assert recorder.events[-1].finish_reason == "aborted"


async def test_blocked_prompt_is_a_plain_error(server: FakeServer, connect: Connector) -> None:
    server.enqueue(Reply(sse=fake.stream([{"promptFeedback": {"blockReason": "SAFETY"}, "responseId": "x"}])))
    harness = connect("gemini")

    with pytest.raises(ResponseError, match="prompt blocked by Gemini: SAFETY"):
        await harness.client.complete(Request("gemini-2.5-pro", [Message.user("hi")], observers=[TraceRecorder()]))
    assert len(server.requests) == 1


async def test_stalled_stream_trips_the_idle_deadline(server: FakeServer, connect: Connector) -> None:
    server.enqueue(Reply(sse=fake.stream([fake.chunk([{"text": "a"}]), fake.chunk([{"text": "b"}])]), stall_after=1))
    harness = connect("gemini", idle_timeout=0.3, max_retries=0)

    with pytest.raises(ProviderError) as caught:
        await harness.client.complete(Request("gemini-2.5-pro", [Message.user("hi")], observers=[TraceRecorder()]))

    assert caught.value.kind is ErrorKind.STREAM
