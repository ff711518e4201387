"""Anthropic adapter through the real ``anthropic`` SDK against a fake Messages server."""

from __future__ import annotations

import json

import pytest

from tests.llm.conftest import Connector, TraceRecorder
from tests.llm.fakes import anthropic_wire as fake
from tests.llm.fakes.server import FakeServer, Reply
from tracker.llm import (
    ErrorKind,
    Message,
    ProviderError,
    Request,
    ResponseFormat,
    TextPart,
    ThinkingPart,
    ToolCallPart,
    ToolChoice,
    ToolDefinition,
    ToolResultPart,
    estimate_cost,
    is_billing_error,
)

READ_TOOL = ToolDefinition(
    "read",
    "Read a file",
    {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]},
)


def conversation() -> list[Message]:
    return [
        Message.system("You are careful."),
        Message("developer", [TextPart("Be brief.")]),
        Message.user("Read a.txt"),
        Message(
            "assistant",
            [
                ThinkingPart("I should read it", "sig-1"),
                TextPart("Reading."),
                ToolCallPart("toolu_1", "read", '{"path": "a.txt"}'),
            ],
        ),
        Message.tool_results([ToolResultPart("toolu_1", "hello", tool_name="read", is_error=True)]),
        Message.user("Now summarise."),
    ]


def traced_request(**overrides: object) -> tuple[Request, TraceRecorder]:
    recorder = TraceRecorder()
    request = Request(
        model="claude-sonnet-4-6",
        messages=conversation(),
        provider="anthropic",
        tools=[READ_TOOL],
        reasoning_effort="high",
        response_format=ResponseFormat("json_schema", '{"type":"object"}', strict=True),
        observers=[recorder],
    )
    for key, value in overrides.items():
        setattr(request, key, value)
    return request, recorder


async def test_streamed_call_maps_request_and_accumulates_response(
    server: FakeServer, connect: Connector
) -> None:
    server.enqueue(
        Reply(
            sse=fake.stream(
                thinking=["Let me ", "think"],
                signature="sig-final",
                text=["Hel", "lo"],
                tool_calls=[("toolu_9", "read", ['{"pa', 'th": "b.txt"}'])],
                stop_reason="tool_use",
                input_usage={
                    "input_tokens": 12,
                    "output_tokens": 1,
                    "cache_read_input_tokens": 100,
                    "cache_creation_input_tokens": 20,
                },
                output_tokens=7,
            )
        )
    )
    harness = connect("anthropic")
    request, recorder = traced_request()

    response = await harness.client.complete(request)

    sent = server.last_request
    assert sent.path == "/v1/messages"
    assert sent.header("x-api-key") == "sk-ant-test-0123456789"
    assert sent.header("anthropic-version") == "2023-06-01"
    assert sent.header("anthropic-beta") == "prompt-caching-2024-07-31"
    body = sent.json
    assert body["model"] == "claude-sonnet-4-6"
    assert body["max_tokens"] == 16384
    assert body["stream"] is True
    assert [b["text"] for b in body["system"]] == [
        "You are careful.",
        "Be brief.",
        'Respond with valid JSON conforming to this schema: {"type":"object"}',
    ]
    assert body["system"][-1]["cache_control"] == {"type": "ephemeral"}
    assert body["output_config"] == {"effort": "high"}
    assert "thinking" not in body
    assert body["tools"] == [
        {
            "name": "read",
            "description": "Read a file",
            "input_schema": READ_TOOL.parameters,
            "cache_control": {"type": "ephemeral"},
        }
    ]
    # tool results travel as user content, merged with the following user message
    assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]
    assistant = body["messages"][1]["content"]
    assert assistant[0] == {"type": "thinking", "thinking": "I should read it", "signature": "sig-1"}
    assert assistant[2] == {"type": "tool_use", "id": "toolu_1", "name": "read", "input": {"path": "a.txt"}}
    last_user = body["messages"][2]["content"]
    assert last_user[0] == {
        "type": "tool_result",
        "tool_use_id": "toolu_1",
        "content": "hello",
        "is_error": True,
    }
    assert last_user[1]["text"] == "Now summarise."
    assert last_user[-1]["cache_control"] == {"type": "ephemeral"}

    assert response.provider == "anthropic"
    assert response.model == "claude-sonnet-4-6"
    assert response.text == "Hello"
    assert response.reasoning == "Let me think"
    assert [type(p).__name__ for p in response.message.content] == [
        "ThinkingPart",
        "TextPart",
        "ToolCallPart",
    ]
    thinking = response.message.content[0]
    assert isinstance(thinking, ThinkingPart) and thinking.signature == "sig-final"
    assert response.tool_calls == [ToolCallPart("toolu_9", "read", '{"path": "b.txt"}')]
    assert response.finish_reason.reason == "tool_calls"
    assert response.finish_reason.raw == "tool_use"
    usage = response.usage
    assert (usage.input_tokens, usage.output_tokens, usage.total_tokens) == (12, 7, 19)
    assert (usage.cache_read_tokens, usage.cache_write_tokens) == (100, 20)
    # $3 in, $15 out, read 0.1×, write 1.25× (per 1M tokens)
    expected = (12 * 3 + 7 * 15 + 100 * 0.3 + 20 * 3 * 1.25) / 1_000_000
    assert estimate_cost(response.model, usage) == pytest.approx(expected)

    kinds = recorder.kinds()
    assert kinds[0] == "request_start"
    assert kinds.count("reasoning") == 2 and kinds.count("text") == 2
    assert kinds[-1] == "finish"
    start = recorder.events[[e.type for e in recorder.events].index("request_start")]
    assert json.loads(start.request_body) == body
    assert start.session_owned is True
    assert len({e.call_id for e in recorder.events}) == 1
    assert len(recorder.events[0].call_id) == 16
    prepare = next(e for e in recorder.events if e.type == "tool_prepare")
    assert prepare.tool_name == "read"
    finish = next(e for e in recorder.events if e.type == "finish")
    assert finish.finish_reason == "tool_calls"
    assert finish.usage is not None and finish.usage.output_tokens == 7
    raw_names = [e.raw_event for e in recorder.events if e.type == "provider_raw"]
    assert raw_names[0] == "message_start" and "message_delta" in raw_names
    assert recorder.flushes == 1
    assert harness.tracker.total_usage().output_tokens == 7


async def test_untraced_call_uses_non_streaming_endpoint(
    server: FakeServer, connect: Connector
) -> None:
    server.enqueue(
        Reply(
            json_body=fake.message(
                [
                    {"type": "text", "text": "Done."},
                    {"type": "tool_use", "id": "toolu_2", "name": "read", "input": {"path": "x"}},
                ],
                stop_reason="max_tokens",
                usage={"input_tokens": 5, "output_tokens": 9, "cache_read_input_tokens": 0},
            )
        )
    )
    harness = connect("anthropic")
    request = Request(
        model="claude-haiku-4-5",
        messages=[Message.user("hi")],
        tools=[READ_TOOL],
        tool_choice=ToolChoice("none"),
        provider_options={"anthropic": {"auto_cache": False, "metadata": {"user_id": "u1"}}},
    )

    response = await harness.client.complete(request)

    body = server.last_request.json
    assert "stream" not in body
    assert "tools" not in body and "tool_choice" not in body
    assert body["metadata"] == {"user_id": "u1"}
    assert "cache_control" not in json.dumps(body)
    assert server.last_request.header("anthropic-beta") is None
    assert response.text == "Done."
    assert response.tool_calls[0].arguments == '{"path":"x"}'
    assert response.finish_reason.reason == "length"
    assert response.usage.cache_read_tokens is None
    assert response.provider == "anthropic"


async def test_overloaded_529_is_retried_with_backoff(server: FakeServer, connect: Connector) -> None:
    server.enqueue(
        Reply(status=529, json_body=fake.error_body("overloaded_error", "Overloaded")),
        Reply(status=500, json_body=fake.error_body("api_error", "boom")),
        Reply(sse=fake.stream(text=["ok"])),
    )
    harness = connect("anthropic")
    request, recorder = traced_request()

    response = await harness.client.complete(request)

    assert response.text == "ok"
    assert len(server.requests) == 3
    assert harness.sleeps.delays == [2.0, 4.0]
    # each attempt has its own call ID; failed attempts emit no request_start
    starts = [e for e in recorder.events if e.type == "request_start"]
    assert len(starts) == 1


async def test_authentication_error_fails_at_once(server: FakeServer, connect: Connector) -> None:
    server.enqueue(Reply(status=401, json_body=fake.error_body("authentication_error", "invalid x-api-key")))
    harness = connect("anthropic")

    with pytest.raises(ProviderError) as caught:
        await harness.client.complete(Request("claude-sonnet-4-6", [Message.user("hi")]))

    error = caught.value
    assert error.kind is ErrorKind.AUTHENTICATION
    assert error.status_code == 401
    assert error.provider == "anthropic"
    assert "invalid x-api-key" in error.message
    assert not error.retryable
    assert len(server.requests) == 1
    assert harness.sleeps.delays == []


async def test_rate_limit_honours_retry_after_on_streamed_calls(
    server: FakeServer, connect: Connector
) -> None:
    server.enqueue(
        Reply(
            status=429,
            json_body=fake.error_body("rate_limit_error", "slow down"),
            headers={"Retry-After": "7.5"},
        ),
        Reply(sse=fake.stream(text=["fine"])),
    )
    harness = connect("anthropic")
    request, _ = traced_request()

    response = await harness.client.complete(request)

    assert response.text == "fine"
    assert harness.sleeps.delays == [7.5]


async def test_credit_exhaustion_is_a_billing_pause(server: FakeServer, connect: Connector) -> None:
    server.enqueue(
        Reply(
            status=400,
            json_body=fake.error_body(
                "invalid_request_error",
                "Your credit balance is too low to access the Anthropic API.",
            ),
        )
    )
    harness = connect("anthropic")

    with pytest.raises(ProviderError) as caught:
        await harness.client.complete(Request("claude-sonnet-4-6", [Message.user("hi")]))

    assert caught.value.kind is ErrorKind.INVALID_REQUEST
    assert is_billing_error(caught.value)
    assert len(server.requests) == 1
    pause = harness.client.billing_pause(caught.value)
    assert pause is not None
    text = str(pause)
    assert "provider billing/quota exhausted" in text
    assert "  provider : anthropic" in text
    assert "  key from : $ANTHROPIC_API_KEY  (sk-a…6789)" in text
    assert "https://console.anthropic.com/settings/billing" in text
    assert "sk-ant-test-0123456789" not in text


async def test_unknown_model_is_not_found_and_not_retried(
    server: FakeServer, connect: Connector
) -> None:
    server.enqueue(Reply(status=404, json_body=fake.error_body("not_found_error", "model: claude-nope")))
    harness = connect("anthropic")
    request, _ = traced_request(model="claude-nope")

    with pytest.raises(ProviderError) as caught:
        await harness.client.complete(request)

    assert caught.value.kind is ErrorKind.NOT_FOUND
    assert len(server.requests) == 1


async def test_in_stream_error_event_is_typed_and_aborts_the_trace(
    server: FakeServer, connect: Connector
) -> None:
    server.enqueue(Reply(sse=fake.stream_error("overloaded_error", "Overloaded")))
    harness = connect("anthropic", max_retries=0)
    request, recorder = traced_request()

    with pytest.raises(ProviderError) as caught:
        await harness.client.complete(request)

    error = caught.value
    assert error.kind is ErrorKind.SERVER
    assert error.status_code == 529
    assert error.retryable
    assert error.message == "anthropic: overloaded_error: Overloaded"
    assert recorder.events[-1].type == "finish"
    assert recorder.events[-1].finish_reason == "aborted"
    assert "request_start" in recorder.kinds()


async def test_stalled_stream_trips_the_idle_deadline(server: FakeServer, connect: Connector) -> None:
    server.enqueue(Reply(sse=fake.stream(text=["a", "b"]), stall_after=3))
    harness = connect("anthropic", idle_timeout=0.3, max_retries=0)
    request, recorder = traced_request()

    with pytest.raises(ProviderError) as caught:
        await harness.client.complete(request)

    assert caught.value.kind is ErrorKind.STREAM
    assert caught.value.retryable
    assert str(caught.value) == "stream idle timeout: no SSE bytes within deadline"
    assert recorder.events[-1].finish_reason == "aborted"


async def test_keep_alive_bytes_rearm_the_idle_deadline(server: FakeServer, connect: Connector) -> None:
    frames = fake.stream(text=["slow"])
    # SSE comments are invisible to the SDK but still count as activity
    paced = [frames[0], *[": keep-alive\n\n"] * 6, *frames[1:]]
    server.enqueue(Reply(sse=paced, chunk_delay=0.1))
    harness = connect("anthropic", idle_timeout=0.35, max_retries=0)
    request, _ = traced_request()

    response = await harness.client.complete(request)

    assert response.text == "slow"
