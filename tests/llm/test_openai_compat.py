"""OpenAI-compatible Chat Completions adapter through the ``openai`` SDK with a base URL."""

from __future__ import annotations

import json

import pytest

from tests.llm.conftest import Connector, TraceRecorder
from tests.llm.fakes import openai_wire as fake
from tests.llm.fakes.server import FakeServer, Reply, sse_event
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
)

GREP = ToolDefinition("grep", "Search", {"type": "object", "properties": {"q": {"type": "string"}}})


def history() -> list[Message]:
    return [
        Message.system("Stay inline."),
        Message.user("find TODOs"),
        Message.assistant("Searching.", [ToolCallPart("c1", "grep", '{"q":"TODO"}')]),
        Message.tool_results([ToolResultPart("c1", "a.py:1 TODO", tool_name="grep")]),
    ]


async def test_streamed_call_maps_request_and_accumulates_response(
    server: FakeServer, connect: Connector
) -> None:
    server.enqueue(
        Reply(sse=fake.chat_stream(text=["Fo", "und"], calls=[("c9", "grep", ['{"q":', '"FIXME"}'])], finish="tool_calls"))
    )
    harness = connect("openai-compat")
    recorder = TraceRecorder()
    request = Request(
        model="deepseek-chat",
        messages=history(),
        provider="openai-compat",
        tools=[GREP],
        tool_choice=ToolChoice("auto"),
        reasoning_effort="high",
        response_format=ResponseFormat("json_schema", {"type": "object"}),
        provider_options={"openai-compat": {"foo": 1}},
        observers=[recorder],
    )

    response = await harness.client.complete(request)

    sent = server.last_request
    assert sent.path == "/v1/chat/completions"
    assert sent.header("authorization") == "Bearer sk-compat-test-0123456789"
    body = sent.json
    assert body["messages"] == [
        {"role": "system", "content": "Stay inline."},
        {"role": "user", "content": "find TODOs"},
        {
            "role": "assistant",
            "content": "Searching.",
            "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "grep", "arguments": '{"q":"TODO"}'}}],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "a.py:1 TODO"},
    ]
    assert body["tools"] == [{"type": "function", "function": {"name": "grep", "description": "Search", "parameters": GREP.parameters}}]
    assert body["tool_choice"] == "auto"
    assert body["max_tokens"] == 16384
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    # json_schema, reasoning effort and provider options are not sent
    assert "response_format" not in body and "reasoning" not in body and "foo" not in body

    assert response.text == "Found"
    assert response.tool_calls == [ToolCallPart("c9", "grep", '{"q":"FIXME"}')]
    assert response.finish_reason.reason == "tool_calls"
    assert (response.usage.input_tokens, response.usage.cache_read_tokens, response.usage.output_tokens) == (32, 8, 9)
    kinds = recorder.kinds()
    assert kinds[0] == "request_start" and kinds[-1] == "finish"
    assert "provider_raw" not in [e.type for e in recorder.events]
    assert json.loads(recorder.events[0].request_body) == body


async def test_length_wins_over_tool_calls(server: FakeServer, connect: Connector) -> None:
    server.enqueue(Reply(sse=fake.chat_stream(calls=[("c1", "grep", ['{"q"'])], finish="length")))
    harness = connect("openai-compat")

    response = await harness.client.complete(
        Request("deepseek-chat", [Message.user("x")], provider="openai-compat", observers=[TraceRecorder()])
    )

    assert response.finish_reason.reason == "length"
    assert response.tool_calls[0].arguments == '{"q"'


async def test_stream_without_done_is_truncation(server: FakeServer, connect: Connector) -> None:
    server.enqueue(Reply(sse=fake.chat_stream(text=["half"], done=False)))
    harness = connect("openai-compat")

    with pytest.raises(ResponseError, match=r"\[DONE\] not received"):
        await harness.client.complete(
            Request("deepseek-chat", [Message.user("x")], provider="openai-compat", observers=[TraceRecorder()])
        )
    assert len(server.requests) == 1


async def test_error_payload_in_stream_is_typed_by_code(server: FakeServer, connect: Connector) -> None:
    frames = fake.chat_stream(text=["x"], done=False)[:1]
    frames.append(sse_event(None, {"error": {"code": "context_length_exceeded", "message": "too long"}}))
    server.enqueue(Reply(sse=frames))
    harness = connect("openai-compat")

    with pytest.raises(ProviderError) as caught:
        await harness.client.complete(
            Request("deepseek-chat", [Message.user("x")], provider="openai-compat", observers=[TraceRecorder()])
        )

    assert caught.value.kind is ErrorKind.CONTEXT_LENGTH
    assert caught.value.message == "openai-compat: too long"


async def test_non_streaming_call_and_server_error_retry(server: FakeServer, connect: Connector) -> None:
    server.enqueue(
        Reply(status=502, text_body="<html>bad gateway</html>"),
        Reply(json_body=fake.chat_completion("hi there", finish="stop")),
    )
    harness = connect("openai-compat")

    response = await harness.client.complete(
        Request(
            "deepseek-chat",
            [Message.user("x")],
            provider="openai-compat",
            response_format=ResponseFormat("json_object"),
        )
    )

    assert server.last_request.json["response_format"] == {"type": "json_object"}
    assert "stream" not in server.last_request.json
    assert response.text == "hi there"
    assert response.finish_reason.reason == "stop"
    assert (response.usage.input_tokens, response.usage.reasoning_tokens) == (40, 5)
    assert harness.sleeps.delays == [2.0]


async def test_empty_choices_is_an_error(server: FakeServer, connect: Connector) -> None:
    body = fake.chat_completion("x")
    body["choices"] = []
    server.enqueue(Reply(json_body=body))
    harness = connect("openai-compat")

    with pytest.raises(ResponseError, match="0 choices"):
        await harness.client.complete(Request("deepseek-chat", [Message.user("x")], provider="openai-compat"))
