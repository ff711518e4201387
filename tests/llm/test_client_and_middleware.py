"""Client routing, retry policy, usage roll-up, trace serialisation and error helpers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.llm.conftest import Connector, TraceRecorder
from tests.llm.fakes import anthropic_wire, openai_wire
from tests.llm.fakes.server import FakeServer, Reply
from tracker.llm import (
    Client,
    ConfigurationError,
    ErrorKind,
    Message,
    ProviderError,
    Request,
    RetryMiddleware,
    RetryPolicy,
    TokenTracker,
    TraceEvent,
    TraceKind,
    Usage,
    is_billing_error,
    is_retryable,
    parse_retry_after,
    preview,
)
from tracker.llm.config import load_provider_settings
from tracker.llm.errors import classify_http_error
from tracker.llm.providers import create_adapter


def two_provider_client(url: str) -> Client:
    settings = load_provider_settings(
        {
            "ANTHROPIC_API_KEY": "a-key-123456789",
            "ANTHROPIC_BASE_URL": url,
            "OPENAI_API_KEY": "o-key-123456789",
            "OPENAI_BASE_URL": url,
        }
    )
    return Client([create_adapter(s) for s in settings], settings=settings)


async def test_empty_provider_routes_by_catalog_then_default(server: FakeServer) -> None:
    client = two_provider_client(server.url)
    try:
        server.enqueue(Reply(json_body=openai_wire.response_object(output=[openai_wire.message_item("from openai")])))
        response = await client.complete(Request("gpt-5.4", [Message.user("hi")]))
        assert response.provider == "openai"
        assert server.last_request.path == "/v1/responses"

        server.enqueue(Reply(json_body=anthropic_wire.message([{"type": "text", "text": "default"}])))
        response = await client.complete(Request("some-local-model", [Message.user("hi")]))
        assert response.provider == "anthropic"
        assert server.last_request.path == "/v1/messages"

        with pytest.raises(ConfigurationError, match='unknown provider: "gemini"'):
            await client.complete(Request("gemini-2.5-pro", [Message.user("hi")]))
        with pytest.raises(ConfigurationError, match='unknown provider: "openai-compat"'):
            await client.complete(Request("x", [Message.user("hi")], provider="openai-compat"))
    finally:
        await client.aclose()


async def test_client_without_adapters_has_no_default() -> None:
    client = Client([])
    with pytest.raises(ConfigurationError, match="no provider specified and no default provider configured"):
        await client.complete(Request("x", [Message.user("hi")]))


async def test_client_level_observer_traces_and_is_not_session_owned(
    server: FakeServer, connect: Connector
) -> None:
    server.enqueue(Reply(sse=anthropic_wire.stream(text=["hi"])))
    harness = connect("anthropic")
    recorder = TraceRecorder()
    harness.client.add_observer(recorder)

    await harness.client.complete(Request("claude-sonnet-4-6", [Message.user("hi")]))

    assert server.last_request.json["stream"] is True
    assert recorder.events and not any(e.session_owned for e in recorder.events)


async def test_raw_stream_bypasses_middleware(server: FakeServer, connect: Connector) -> None:
    server.enqueue(Reply(sse=anthropic_wire.stream(text=["x", "y"])))
    harness = connect("anthropic")

    kinds = [event.kind.value async for event in harness.client.stream(Request("claude-sonnet-4-6", [Message.user("hi")]))]

    assert kinds[1] == "stream_start"
    assert kinds.count("text_delta") == 2 and "finish" in kinds
    assert harness.tracker.total_usage().total_tokens == 0


async def test_retries_stop_after_max_and_surface_the_last_error() -> None:
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async def always_busy(request: Request) -> object:
        raise ProviderError("busy", kind=ErrorKind.SERVER, provider="anthropic", status_code=503, retry_after=1)

    middleware = RetryMiddleware(RetryPolicy(max_retries=3, base_delay=2.0), sleep=sleep)
    with pytest.raises(ProviderError, match="busy"):
        await middleware(Request("m", []), always_busy)  # type: ignore[arg-type]
    assert sleeps == [2.0, 4.0, 8.0]


async def test_retry_after_is_clamped_to_two_minutes() -> None:
    middleware = RetryMiddleware()
    error = ProviderError("slow", kind=ErrorKind.RATE_LIMIT, provider="openai", retry_after=900)
    assert middleware.delay_for(error, 0) == 120.0
    negative = ProviderError("slow", kind=ErrorKind.RATE_LIMIT, provider="openai", retry_after=-5)
    assert middleware.delay_for(negative, 2) == 0.0


def test_parse_retry_after_forms() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("1.5") == 1.5
    assert parse_retry_after("-3") == 0.0
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("garbage") is None
    assert parse_retry_after(None) is None


@pytest.mark.parametrize(
    ("status", "code", "body", "kind"),
    [
        (401, "", "", ErrorKind.AUTHENTICATION),
        (400, "invalid_api_key", "", ErrorKind.AUTHENTICATION),
        (403, "", "", ErrorKind.ACCESS_DENIED),
        (404, "", "", ErrorKind.NOT_FOUND),
        (400, "model_not_found", "", ErrorKind.NOT_FOUND),
        (408, "", "", ErrorKind.REQUEST_TIMEOUT),
        (413, "", "", ErrorKind.CONTEXT_LENGTH),
        (429, "", "Your credit balance is too low", ErrorKind.QUOTA_EXCEEDED),
        (429, "insufficient_quota", "", ErrorKind.QUOTA_EXCEEDED),
        (429, "", "slow down", ErrorKind.RATE_LIMIT),
        (422, "", "", ErrorKind.INVALID_REQUEST),
        (400, "content_policy_violation", "", ErrorKind.CONTENT_FILTER),
        (529, "", "", ErrorKind.SERVER),
        (302, "", "", ErrorKind.SERVER),
    ],
)
def test_http_error_classification(status: int, code: str, body: str, kind: ErrorKind) -> None:
    assert classify_http_error(status, code, body) is kind


def test_billing_detection_prefers_types_over_text() -> None:
    rate_limited = ProviderError("Quota exceeded for metric", kind=ErrorKind.RATE_LIMIT, provider="gemini")
    assert not is_billing_error(rate_limited)
    forbidden = ProviderError("project quota exceeded", kind=ErrorKind.ACCESS_DENIED, provider="gemini")
    assert is_billing_error(forbidden)
    try:
        try:
            raise ProviderError("x", kind=ErrorKind.QUOTA_EXCEEDED, provider="openai")
        except ProviderError as inner:
            raise RuntimeError("wrapped") from inner
    except RuntimeError as outer:
        assert is_billing_error(outer)
        assert not is_retryable(outer)
    assert not is_retryable(ValueError("parse"))


def test_usage_addition_keeps_absent_counters_absent() -> None:
    total = Usage(1, 2, 3) + Usage(4, 5, 9, cache_read_tokens=7)
    assert (total.input_tokens, total.output_tokens, total.total_tokens) == (5, 7, 12)
    assert total.cache_read_tokens == 7 and total.reasoning_tokens is None
    assert total.prompt_tokens == 12


def test_token_tracker_buckets_by_provider_and_normalised_model() -> None:
    tracker = TokenTracker()
    tracker.add("anthropic", "sonnet-4-6", Usage(1_000_000, 0, 1_000_000))
    tracker.add("anthropic", "claude-sonnet-4-6", Usage(0, 1_000_000, 1_000_000, cache_read_tokens=10))
    tracker.add("openai", "", Usage(1_000_000, 0, 1_000_000))
    tracker.add("", "gpt-4o", Usage(1, 1, 2))
    assert set(tracker.buckets()) == {
        ("anthropic", "claude-sonnet-4-6"),
        ("openai", ""),
        ("unknown", "gpt-4o"),
    }
    totals = tracker.provider_totals(resolver=lambda provider: "gpt-4.1")
    assert totals["anthropic"].cost_usd == pytest.approx(3 + 15 + 10 * 0.3 / 1_000_000)
    assert totals["anthropic"].call_count == 2
    assert totals["openai"].cost_usd == pytest.approx(2.0)
    member = totals["anthropic"].to_dict(session_count=1)
    assert member["cache_read_tokens"] == 10 and "estimated" not in member
    assert tracker.total_usage().total_tokens == 3_000_002


def test_trace_event_line_fields() -> None:
    text = TraceEvent(TraceKind.TEXT, "openai", "gpt-5.4", "abcd", text="hello\nworld", preview="hello\nworld")
    assert text.to_activity_fields() == {
        "source": "llm",
        "type": "text",
        "provider": "openai",
        "model": "gpt-5.4",
        "content": "hello\nworld",
        "call_id": "abcd",
    }
    finish = TraceEvent(
        TraceKind.FINISH, "anthropic", "m", "c", finish_reason="stop", usage=Usage(3, 4, 7, cache_write_tokens=2)
    )
    assert finish.to_ndjson_fields() == {
        "source": "llm",
        "type": "finish",
        "provider": "anthropic",
        "model": "m",
        "token_input": 3,
        "token_output": 4,
        "cache_write_tokens": 2,
    }
    raw = TraceEvent(TraceKind.PROVIDER_RAW, "gemini", "m", "c", raw_event="x", raw_frame='{"a":1}', raw_preview='{"a":1}')
    assert raw.to_activity_fields()["content"] == '{"a":1}'
    assert "content" not in raw.to_ndjson_fields()


def test_preview_flattens_and_clips() -> None:
    assert preview("  a\nb  ") == "a b"
    long = "é" * 100
    clipped = preview(long)
    assert clipped.endswith("…") and len(clipped[:-1].encode()) <= 79
    assert preview("x" * 80) == "x" * 80
