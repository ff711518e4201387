"""Fixtures for agent tests: a clean environment, the fake provider server, and LLM
clients wired to it for each provider."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.agent.fakes.turns import Turn
from tests.llm.conftest import Harness, make_client
from tests.llm.fakes.env import scrub_env
from tests.llm.fakes.server import FakeServer
from tracker.agent.events import AgentEvent


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    scrub_env(monkeypatch, "TRACKER_")


class Clients:
    """``clients(provider)`` → a harness whose client talks to the fake server."""

    def __init__(self, server: FakeServer) -> None:
        self.server = server
        self.created: list[Harness] = []

    def __call__(self, provider: str, **options: object) -> Harness:
        harness = make_client(provider, self.server.url, **options)  # type: ignore[arg-type]
        self.created.append(harness)
        return harness

    def script(self, provider: str, *turns: Turn) -> None:
        self.server.enqueue(*(t.reply(provider) for t in turns))


@pytest.fixture
async def clients(server: FakeServer) -> AsyncIterator[Clients]:
    made = Clients(server)
    yield made
    for harness in made.created:
        await harness.client.aclose()


class EventLog(list[AgentEvent]):
    def types(self, *, skip_llm: bool = True) -> list[str]:
        return [e.type.value for e in self if not (skip_llm and e.type.value.startswith("llm_"))]

    def of(self, kind: str) -> list[AgentEvent]:
        return [e for e in self if e.type.value == kind]


@pytest.fixture
def events() -> EventLog:
    return EventLog()

