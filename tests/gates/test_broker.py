"""The gate broker: exactly-once answers and who closed a gate."""

from __future__ import annotations

import pytest

from tracker.gates import GateAnswer, GateRequest
from tracker.gates.broker import GateAlreadyAnswered, GateBroker, UnknownGate


def _request(gate_id: str) -> GateRequest:
    return GateRequest(gate_id=gate_id, node_id="Gate", mode="choice", prompt="Ship?", choices=["yes", "no"])


async def test_answer_once_then_refuse_and_closing_keeps_who_answered() -> None:
    broker = GateBroker()
    gate = broker.open(_request("g1"))
    broker.answer("g1", GateAnswer(text="yes"), by="editor")
    assert (await gate.future).text == "yes"
    broker.close("g1")  # the waiter's cleanup after an answer must not rewrite history
    with pytest.raises(GateAlreadyAnswered, match="by editor"):
        broker.answer("g1", GateAnswer(text="no"))
    with pytest.raises(UnknownGate):
        broker.answer("nope", GateAnswer(text="no"))


async def test_closing_an_open_gate_records_a_timeout() -> None:
    broker = GateBroker()
    broker.open(_request("g2"))
    broker.close("g2")
    with pytest.raises(GateAlreadyAnswered, match="timeout"):
        broker.answer("g2", GateAnswer(text="yes"))
