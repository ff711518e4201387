"""The LLM autopilot interviewer against the fake Anthropic server (engine spec §8.3)."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator

import pytest

from tests.llm.conftest import Harness, make_client
from tests.llm.fakes import anthropic_wire
from tests.llm.fakes.server import FakeServer, Reply
from tracker.gates import (
    GateError,
    GateRequest,
    Interviewer,
    InterviewResult,
    Question,
    QuestionAnswer,
)
from tracker.gates.autopilot import (
    AutopilotInterviewer,
    UnknownPersonaError,
    judge_model,
    parse_persona,
)


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.lower().endswith("_proxy"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
async def harness(server: FakeServer) -> AsyncIterator[Harness]:
    made = make_client("anthropic", server.url)
    yield made
    await made.client.aclose()


def reply(text: str) -> Reply:
    return Reply(json_body=anthropic_wire.message([{"type": "text", "text": text}]))


def decision(choice: str, reasoning: str = "because") -> Reply:
    return reply(json.dumps({"choice": choice, "reasoning": reasoning}))


def gate(mode: str = "choice", **fields: object) -> GateRequest:
    base: dict[str, object] = {
        "gate_id": "g1",
        "node_id": "ApprovePlan",
        "mode": mode,
        "prompt": "Approve the plan?\n\n---\nPlan: add caching to the API layer.",
        "label": "Approve plan",
    }
    if mode in ("choice", "hybrid"):
        base["choices"] = ["approve", "refine", "reject"]
        base["default"] = "approve"
    if mode == "yes_no":
        base["choices"] = ["Yes", "No"]
    base.update(fields)
    return GateRequest(**base)  # type: ignore[arg-type]


def test_personas() -> None:
    assert parse_persona("") == "mid"
    assert parse_persona("  HARD ") == "hard"
    with pytest.raises(UnknownPersonaError, match=r'unknown autopilot persona "grumpy" \(valid: lax, mid, hard, mentor\)'):
        parse_persona("grumpy")
    assert judge_model("openai") == "gpt-4.1-mini"
    assert judge_model("openai-compat") == "claude-sonnet-4-6"


async def test_choice_gate_request_and_exact_match(server: FakeServer, harness: Harness) -> None:
    server.enqueue(decision("Approve", "The plan covers the edge cases."))
    seen: list[tuple[str, str]] = []
    pilot = AutopilotInterviewer(harness.client, "hard", on_decision=lambda r, a, why: seen.append((a, why)))
    assert isinstance(pilot, Interviewer)
    answer = await pilot.ask(gate())
    assert (answer.text, answer.actor) == ("approve", "autopilot")
    assert seen == [("approve", "The plan covers the edge cases.")]
    body = server.requests[0].json
    assert body["model"] == "claude-sonnet-4-6"
    assert body["temperature"] == 0.1 and body["max_tokens"] == 1024
    assert "high bar" in body["system"][0]["text"]
    user = body["messages"][0]["content"][0]["text"]
    assert "Plan: add caching to the API layer." in user
    assert '1. "approve" (default)\n2. "refine"\n3. "reject"' in user
    assert '{"choice": "<the exact option text>", "reasoning": "<one to three sentences>"}' in user


async def test_longest_contained_option_wins(server: FakeServer, harness: Harness) -> None:
    server.enqueue(decision("I would go with retry with fixes here"))
    request = gate(choices=["retry", "retry with fixes", "accept"], default="")
    assert (await AutopilotInterviewer(harness.client).ask(request)).text == "retry with fixes"


async def test_unmatched_reply_falls_back_to_default_then_first_option(server: FakeServer, harness: Harness) -> None:
    pilot = AutopilotInterviewer(harness.client)
    server.enqueue(decision("launch the rockets"))
    assert (await pilot.ask(gate())).text == "approve"
    server.enqueue(decision("launch the rockets"))
    assert (await pilot.ask(gate(default=""))).text == "approve"
    server.enqueue(decision("maybe"))
    assert (await pilot.ask(gate("yes_no"))).text == "Yes"
    server.enqueue(decision("no"))
    assert (await pilot.ask(gate("yes_no"))).text == "No"


async def test_fenced_reply_and_one_retry_on_garbage(server: FakeServer, harness: Harness) -> None:
    server.enqueue(reply("I think we should refine."), reply('```json\n{"choice": "refine", "reasoning": "gaps"}\n```'))
    answer = await AutopilotInterviewer(harness.client).ask(gate())
    assert answer.text == "refine"
    assert len(server.requests) == 2
    assert server.requests[0].json == server.requests[1].json


async def test_two_unparseable_replies_fail_the_gate(server: FakeServer, harness: Harness) -> None:
    server.enqueue(reply("no json"), reply('{"choice": ""}'))
    with pytest.raises(GateError, match="could not parse the judge's reply"):
        await AutopilotInterviewer(harness.client).ask(gate())


async def test_provider_errors_fail_the_gate_at_once(server: FakeServer, harness: Harness) -> None:
    server.enqueue(Reply(status=400, json_body=anthropic_wire.error_body("invalid_request_error", "bad model")))
    with pytest.raises(GateError, match=r"autopilot gate decision failed: .*bad model"):
        await AutopilotInterviewer(harness.client).ask(gate())
    assert len(server.requests) == 1


async def test_freeform_uses_the_choice_text_and_mentor_adds_feedback(server: FakeServer, harness: Harness) -> None:
    request = gate("freeform", prompt="What would you like done?")
    server.enqueue(decision("Add a --dry-run flag", "Small and safe."))
    assert (await AutopilotInterviewer(harness.client, "lax").ask(request)).text == "Add a --dry-run flag"
    assert "freeform gate" in server.requests[0].json["messages"][0]["content"][0]["text"]
    server.enqueue(decision("Add a --dry-run flag", "Write tests first. Keep the flag documented."))
    mentor = await AutopilotInterviewer(harness.client, "mentor").ask(request)
    assert mentor.text == "Add a --dry-run flag\n\nWrite tests first. Keep the flag documented."


def interview_request(previous: InterviewResult | None = None) -> GateRequest:
    return gate(
        "interview",
        prompt="Scope the review.",
        questions=[
            Question("q1", "Which area matters most?", options=["API", "Storage", "UI"]),
            Question("q2", "Is downtime acceptable?", yes_no=True),
            Question("q3", "Describe the deadline."),
        ],
        previous=previous,
    )


async def test_interview_answers_are_mapped_back(server: FakeServer, harness: Harness) -> None:
    answers = {
        "answers": [
            {"id": "q1", "answer": "the storage layer", "elaboration": "most incidents"},
            {"id": "q2", "answer": "N"},
            {"id": "q3", "answer": "  End of the quarter.  "},
        ]
    }
    server.enqueue(reply(json.dumps(answers)))
    previous = InterviewResult([QuestionAnswer("q1", "Which area matters most?", answer="API")])
    answer = await AutopilotInterviewer(harness.client).ask(interview_request(previous))
    result = answer.interview
    assert result is not None and answer.actor == "autopilot"
    assert [(q.id, q.answer, q.elaboration) for q in result.questions] == [
        ("q1", "Storage", "most incidents"),
        ("q2", "no", ""),
        ("q3", "End of the quarter.", ""),
    ]
    assert not result.incomplete and not result.canceled
    body = server.requests[0].json
    assert body["max_tokens"] == 2048
    user = body["messages"][0]["content"][0]["text"]
    assert "1. Which area matters most? (API, Storage, UI)\n2. Is downtime acceptable? (yes, no)\n3. Describe the deadline." in user
    assert "Previously answered:\n- Which area matters most?: API" in user


async def test_interview_with_unanswered_questions_is_incomplete(server: FakeServer, harness: Harness) -> None:
    server.enqueue(reply(json.dumps({"answers": [{"id": "q1", "answer": "UI"}, {"id": "q2", "answer": "perhaps"}]})))
    result = (await AutopilotInterviewer(harness.client).ask(interview_request())).interview
    assert result is not None and result.incomplete
    assert [q.answer for q in result.questions] == ["UI", "", ""]


async def test_interview_with_no_usable_answer_fails_after_one_retry(server: FakeServer, harness: Harness) -> None:
    server.enqueue(reply(json.dumps({"answers": [{"id": "q1", "answer": "Mainframe"}]})))
    with pytest.raises(GateError, match="could not parse the judge's answers"):
        await AutopilotInterviewer(harness.client).ask(interview_request())
    assert len(server.requests) == 2
