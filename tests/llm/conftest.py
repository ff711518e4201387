"""Fixtures: a clean environment, fake provider servers and clients wired to them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.llm.fakes.env import API_KEYS, BASE_URL_VARS, scrub_env
from tests.llm.fakes.server import FakeServer
from tracker.llm import Client, RetryMiddleware, RetryPolicy, TokenTracker, TraceEvent
from tracker.llm.config import load_provider_settings
from tracker.llm.providers import create_adapter


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    scrub_env(monkeypatch, "TRACKER_GATEWAY")


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
