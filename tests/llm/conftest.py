"""Fixtures: a clean environment, fake provider servers and clients wired to them."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.llm.fakes.server import FakeServer
from tracker.llm import Client, RetryMiddleware, RetryPolicy, TokenTracker, TraceEvent
from tracker.llm.config import load_provider_settings
from tracker.llm.cost import reset_unknown_model_warnings
from tracker.llm.providers import create_adapter

_ENV_PREFIXES = ("ANTHROPIC_", "OPENAI_", "GEMINI_", "GOOGLE_", "TRACKER_GATEWAY")
_PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")

API_KEYS = {
    "anthropic": ("ANTHROPIC_API_KEY", "sk-ant-test-0123456789"),
    "openai": ("OPENAI_API_KEY", "sk-openai-test-0123456789"),
    "gemini": ("GEMINI_API_KEY", "gemini-test-key-0123456789"),
    "openai-compat": ("OPENAI_COMPAT_API_KEY", "sk-compat-test-0123456789"),
}
BASE_URL_VARS = {
    "anthropic": "ANTHROPIC_BASE_URL",
    "openai": "OPENAI_BASE_URL",
    "gemini": "GEMINI_BASE_URL",
    "openai-compat": "OPENAI_COMPAT_BASE_URL",
}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(_ENV_PREFIXES) or name in _PROXY_VARS:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    reset_unknown_model_warnings()


@dataclass
class SleepRecorder:
    delays: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@dataclass
class TraceRecorder:
    events: list[TraceEvent] = field(default_factory=list)
    flushes: int = 0

    def __call__(self, event: TraceEvent) -> None:
        self.events.append(event)

    def flush(self) -> None:
        self.flushes += 1

    def kinds(self) -> list[str]:
        return [e.type for e in self.events if e.type != "provider_raw"]


@dataclass
class Harness:
    client: Client
    sleeps: SleepRecorder
    tracker: TokenTracker


def make_client(
    provider: str,
    base_url: str,
    *,
    idle_timeout: float | None = 5.0,
    max_retries: int = 3,
) -> Harness:
    var, key = API_KEYS[provider]
    settings = load_provider_settings({var: key, BASE_URL_VARS[provider]: base_url}, only=provider)
    adapters = [create_adapter(s, stream_idle_timeout=idle_timeout) for s in settings]
    sleeps = SleepRecorder()
    tracker = TokenTracker()
    client = Client(
        adapters,
        middlewares=[RetryMiddleware(RetryPolicy(max_retries=max_retries, base_delay=2.0), sleep=sleeps), tracker],
        settings=settings,
    )
    return Harness(client, sleeps, tracker)


class Connector:
    """``connect(provider, **options)`` → a :class:`Harness` talking to the fake server."""

    def __init__(self, server: FakeServer) -> None:
        self.server = server
        self.created: list[Harness] = []

    def __call__(self, provider: str, **options: Any) -> Harness:
        harness = make_client(provider, self.server.url, **options)
        self.created.append(harness)
        return harness


@pytest.fixture
async def connect(server: FakeServer) -> AsyncIterator[Connector]:
    connector = Connector(server)
    yield connector
    for harness in connector.created:
        await harness.client.aclose()
