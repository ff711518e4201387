"""Pending gates answered by ID, each exactly once.

A :class:`GateBroker` holds the gates that wait for an answer from outside the run (an
editor panel, a webhook callback). :meth:`GateBroker.answer` resolves a gate; a second
answer for the same gate — from another panel, the webhook, or after a timeout — is
refused with :class:`GateAlreadyAnswered` and changes nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from tracker.gates import ACTOR_HUMAN, GateAnswer, GateCancelled, GateRequest

RECENT_LIMIT = 1024


class UnknownGate(KeyError):
    """No gate with that ID is (or was recently) open."""

    def __str__(self) -> str:
        return f"unknown gate_id {self.args[0]!r}"


class GateAlreadyAnswered(Exception):
    """The gate already has its answer."""


@dataclass
class PendingGate:
    request: GateRequest
    future: asyncio.Future[GateAnswer]
    token: str = ""
    answered_by: str = ""
    extra: dict[str, str] = field(default_factory=dict)


class GateBroker:
    def __init__(self) -> None:
        self._pending: dict[str, PendingGate] = {}
        self._recent: dict[str, str] = {}  # resolved gate id -> who answered

    def open(self, request: GateRequest, *, key: str = "", token: str = "") -> PendingGate:
        gate_key = key or request.gate_id
        future: asyncio.Future[GateAnswer] = asyncio.get_running_loop().create_future()
        gate = PendingGate(request, future, token)
        self._pending[gate_key] = gate
        return gate

    def pending(self) -> list[PendingGate]:
        return list(self._pending.values())

    def get(self, key: str) -> PendingGate | None:
        return self._pending.get(key)

    def answer(self, key: str, answer: GateAnswer, *, by: str = ACTOR_HUMAN) -> None:
        """Resolve gate ``key``; raises :class:`UnknownGate` or :class:`GateAlreadyAnswered`."""
        gate = self._pending.get(key)
        if gate is None:
            if key in self._recent:
                raise GateAlreadyAnswered(f"gate {key} was already answered (by {self._recent[key]})")
            raise UnknownGate(key)
        if gate.future.done():
            raise GateAlreadyAnswered(f"gate {key} was already answered (by {gate.answered_by or 'another client'})")
        gate.answered_by = by
        gate.future.set_result(answer)
        self._forget(key, by)

    def cancel(self, key: str, reason: str = "gate cancelled") -> None:
        gate = self._pending.get(key)
        if gate is not None and not gate.future.done():
            gate.future.set_exception(GateCancelled(reason))
        self._forget(key, "cancelled")

    def close(self, key: str) -> None:
        """Drop a gate whose waiter gave up (timeout, run cancelled)."""
        gate = self._pending.get(key)
        if gate is None:
            return  # already answered or cancelled: keep who closed it
        if not gate.future.done():
            gate.future.cancel()
        self._forget(key, gate.answered_by or "timeout")

    def _forget(self, key: str, by: str) -> None:
        self._pending.pop(key, None)
        self._recent[key] = by
        if len(self._recent) > RECENT_LIMIT:
            self._recent.pop(next(iter(self._recent)))


class BrokerInterviewer:
    """An interviewer whose answers come through a :class:`GateBroker` (e.g. an editor).

    ``on_open`` is called with each request as it opens, so a front end can show it;
    ``on_close(request, answered_by)`` when it closes for any reason.
    """

    def __init__(
        self,
        broker: GateBroker | None = None,
        *,
        actor: str = ACTOR_HUMAN,
        on_open: Callable[[GateRequest], None] | None = None,
        on_close: Callable[[GateRequest, str], None] | None = None,
    ) -> None:
        self.broker = broker or GateBroker()
        self.actor = actor
        self.on_open = on_open
        self.on_close = on_close

    def supports(self, mode: str) -> bool:
        return True

    async def ask(self, request: GateRequest) -> GateAnswer:
        gate = self.broker.open(request)
        if self.on_open is not None:
            self.on_open(request)
        answered_by = "cancelled"
        try:
            answer = await gate.future
            answered_by = gate.answered_by
            return answer
        finally:
            self.broker.close(request.gate_id)
            if self.on_close is not None:
                self.on_close(request, answered_by)

    async def close(self) -> None:
        for gate in self.broker.pending():
            self.broker.cancel(gate.request.gate_id, "run ended")
