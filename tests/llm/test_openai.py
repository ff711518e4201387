"""OpenAI Responses adapter through the real ``openai`` SDK against a fake server."""

from __future__ import annotations

import json

import pytest

from tests.llm.conftest import Connector, TraceRecorder
from tests.llm.fakes import openai_wire as fake
from tests.llm.fakes.server import FakeServer, Reply
from tracker.llm import (
    ErrorKind,
    Message,
    ProviderError,
    Request,
    ResponseFormat,
    ThinkingPart,
    ToolCallPart,
    ToolChoice,
    ToolDefinition,
    ToolResultPart,
    estimate_cost,
    is_billing_error,
)

SHELL = ToolDefinition("bash", "Run a command", {"type": "object", "properties": {"cmd": {"type": "string"}}})


def history() -> list[Message]:
    return [
        Message.system("System one."),
        Message.system("System two."),
        Message.user("List files"),
        Message(
            "assistant",
            [
                ThinkingPart("hidden", "sig"),
                ToolCallPart("call_a", "bash", '{"cmd":"ls"}'),
                *Message.assistant("Let me look.").content,
            ],
        ),
        Message.tool_results(
            [
                ToolResultPart("call_a", "a.txt", tool_name="bash", is_error=True),
                ToolResultPart("", "orphan", tool_name="bash"),
            ]
        ),
    ]


async def test_streamed_call_maps_request_and_accumulates_response(
    server: FakeServer, connect: Connector
) -> None:
    server.enqueue(
        Reply(sse=fake.responses_stream(text=["Two ", "files"], call=("call_z", "bash", ['{"cmd":', '"pwd"}'])))
    )
    harness = connect("openai")
    recorder = TraceRecorder()
    request = Request(
        model="gpt-5.4",
        messages=history(),
        provider="openai",
        tools=[SHELL],
        tool_choice=ToolChoice.named("bash"),
        reasoning_effort="medium",
        response_format=ResponseFormat("json_schema", {"type": "object"}, strict=True),
        provider_options={"openai": {"parallel_tool_calls": False}},
        observers=[recorder],
    )

    response = await harness.client.complete(request)

    sent = server.last_request
    assert sent.path == "/v1/responses"
    assert sent.header("authorization") == "Bearer sk-openai-test-0123456789"
    body = sent.json
    assert body["instructions"] == "System one.\nSystem two."
    assert body["input"] == [
        {"role": "user", "content": "List files"},
        {"role": "assistant", "content": "Let me look."},
        {"type": "function_call", "call_id": "call_a", "name": "bash", "arguments": '{"cmd":"ls"}'},
        {"type": "function_call_output", "call_id": "call_a", "output": "a.txt"},
        {"type": "function_call_output", "call_id": "call_unknown", "output": "orphan"},
    ]
    assert body["tools"] == [
        {"type": "function", "name": "bash", "description": "Run a command", "parameters": SHELL.parameters}
    ]
    assert body["tool_choice"] == {"type": "function", "name": "bash"}
    assert body["max_output_tokens"] == 16384
    assert body["reasoning"] == {"effort": "medium"}
    assert body["text"] == {
        "format": {"type": "json_schema", "name": "response", "schema": {"type": "object"}, "strict": True}
    }
    assert body["parallel_tool_calls"] is False
    assert body["stream"] is True
    assert "store" not in body and "previous_response_id" not in body

    assert response.text == "Two files"
    assert response.tool_calls == [ToolCallPart("call_z", "bash", '{"cmd":"pwd"}')]
    assert response.finish_reason.reason == "tool_calls"
    usage = response.usage
    assert (usage.input_tokens, usage.cache_read_tokens, usage.output_tokens) == (60, 40, 30)
    assert usage.reasoning_tokens == 12 and usage.total_tokens == 130
    expected = (60 * 2.5 + 40 * 0.25 + 30 * 15) / 1_000_000
    assert estimate_cost("gpt-5.4", usage) == pytest.approx(expected)
    start = next(e for e in recorder.events if e.type == "request_start")
    assert json.loads(start.request_body) == body
    assert recorder.kinds()[-1] == "finish"


async def test_incomplete_response_finishes_with_length(server: FakeServer, connect: Connector) -> None:
    server.enqueue(
        Reply(sse=fake.responses_stream(text=["cut"], final_status="incomplete", incomplete_reason="max_output_tokens"))
    )
    harness = connect("openai")
    recorder = TraceRecorder()

    response = await harness.client.complete(
        Request("gpt-5.4", [Message.user("write a lot")], observers=[recorder])
    )

    assert response.finish_reason.reason == "length"
    assert response.usage.output_tokens == 30
    finish = next(e for e in recorder.events if e.type == "finish")
    assert finish.finish_reason == "length"


async def test_no_organisation_headers_even_when_the_sdk_env_vars_are_set(
    server: FakeServer, connect: Connector, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_ORG_ID", "org-123")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj-123")
    server.enqueue(Reply(json_body=fake.response_object(output=[fake.message_item("x")])))
    harness = connect("openai")

    await harness.client.complete(Request("gpt-5.4", [Message.user("hi")]))

    assert server.last_request.header("openai-organization") is None
    assert server.last_request.header("openai-project") is None


async def test_non_streaming_call_parses_output(server: FakeServer, connect: Connector) -> None:
    server.enqueue(
        Reply(
            json_body=fake.response_object(
                output=[fake.message_item("hello"), fake.function_call_item("c1", "bash", "")]
            )
        )
    )
    harness = connect("openai")

    response = await harness.client.complete(
        Request(
            "gpt-4.1",
            [Message.user("hi")],
            response_format=ResponseFormat("json_object"),
            provider_options={"openai": {"reasoning_effort": "low"}},
        )
    )

    body = server.last_request.json
    assert "stream" not in body
    assert body["text"] == {"format": {"type": "json_object"}}
    assert body["reasoning"] == {"effort": "low"}
    assert response.text == "hello"
    assert response.tool_calls[0].arguments == "{}"
    assert response.finish_reason.reason == "tool_calls"


async def test_quota_exhaustion_is_billing_and_not_retried(server: FakeServer, connect: Connector) -> None:
    server.enqueue(
        Reply(
            status=429,
            json_body={
                "error": {
                    "message": "You exceeded your current quota, please check your plan.",
                    "type": "insufficient_quota",
                    "code": "insufficient_quota",
                }
            },
            headers={"Retry-After": "1"},
        )
    )
    harness = connect("openai")

    with pytest.raises(ProviderError) as caught:
        await harness.client.complete(Request("gpt-5.4", [Message.user("hi")]))

    assert caught.value.kind is ErrorKind.QUOTA_EXCEEDED
    assert caught.value.error_code == "insufficient_quota"
    assert is_billing_error(caught.value)
    assert len(server.requests) == 1
    pause = harness.client.billing_pause(caught.value)
    assert pause is not None
    assert "https://platform.openai.com/account/billing/overview" in str(pause)


async def test_rate_limit_then_server_error_then_success(server: FakeServer, connect: Connector) -> None:
    server.enqueue(
        Reply(
            status=429,
            json_body={"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}},
            headers={"Retry-After": "3"},
        ),
        Reply(status=503, json_body={"error": {"message": "busy", "code": None}}, headers={"Retry-After": "30"}),
        Reply(sse=fake.responses_stream(text=["ok"])),
    )
    harness = connect("openai")

    response = await harness.client.complete(
        Request("gpt-5.4", [Message.user("hi")], observers=[TraceRecorder()])
    )

    assert response.text == "ok"
    # Retry-After only replaces the backoff for rate limits; a 503 uses backoff (2nd retry = 4 s)
    assert harness.sleeps.delays == [3.0, 4.0]


async def test_unknown_model_fails_at_once(server: FakeServer, connect: Connector) -> None:
    server.enqueue(
        Reply(
            status=404,
            json_body={"error": {"message": "The model `gpt-nope` does not exist", "code": "model_not_found"}},
        )
    )
    harness = connect("openai")

    with pytest.raises(ProviderError) as caught:
        await harness.client.complete(Request("gpt-nope", [Message.user("hi")], provider="openai"))

    assert caught.value.kind is ErrorKind.NOT_FOUND
    assert "does not exist" in caught.value.message
    assert len(server.requests) == 1


async def test_response_failed_event_is_typed_by_code(server: FakeServer, connect: Connector) -> None:
    frames = fake.responses_stream(text=["x"])[:2]
    failed = fake.response_object(status="failed")
    failed["error"] = {"code": "server_error", "message": "The server had an error"}
    from tests.llm.fakes.server import sse_event

    frames.append(sse_event("response.failed", {"type": "response.failed", "sequence_number": 9, "response": failed}))
    server.enqueue(Reply(sse=frames), Reply(sse=fake.responses_stream(text=["recovered"])))
    harness = connect("openai")
    recorder = TraceRecorder()

    response = await harness.client.complete(Request("gpt-5.4", [Message.user("hi")], observers=[recorder]))

    assert response.text == "recovered"
    assert harness.sleeps.delays == [2.0]
    finishes = [e.finish_reason for e in recorder.events if e.type == "finish"]
    assert finishes == ["aborted", "stop"]
    call_ids = {e.call_id for e in recorder.events if e.type == "finish"}
    assert len(call_ids) == 2


async def test_stalled_stream_trips_the_idle_deadline(server: FakeServer, connect: Connector) -> None:
    server.enqueue(Reply(sse=fake.responses_stream(text=["a", "b"]), stall_after=2))
    harness = connect("openai", idle_timeout=0.3, max_retries=0)

    with pytest.raises(ProviderError) as caught:
        await harness.client.complete(Request("gpt-5.4", [Message.user("hi")], observers=[TraceRecorder()]))

    assert caught.value.kind is ErrorKind.STREAM
    assert str(caught.value) == "stream idle timeout: no SSE bytes within deadline"
