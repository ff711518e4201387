"""Human gates over the run protocol: every mode opened, answered by the test client and
routed; wrong and duplicate answers refused without effect; pending gates found again
after a reload; gate timeouts."""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_lsp
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.lsp.test_run_protocol import (
    EXAMPLES,
    FIXTURES,
    SERVER_ENV,
    WORKSPACE,
    execute,
    make_client,
    new_workdir,
    recorder,
    refused,
    start_client,
    start_run,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_lsp.fixture(  # type: ignore[untyped-decorator]
    config=ClientServerConfig(
        server_command=[sys.executable, "-m", "tracker_lsp"],
        client_factory=make_client,
        server_env=SERVER_ENV,
    ),
    scope="module",
)
async def client(lsp_client: LanguageClient) -> AsyncIterator[None]:
    await start_client(lsp_client, WORKSPACE)
    yield
    await lsp_client.shutdown_session()


async def answer(
    client: LanguageClient, run_id: str, gate: dict[str, Any], value: dict[str, Any]
) -> Any:
    return await execute(
        client, "tracker.answerGate", {"runId": run_id, "gateId": gate["gateId"], "answer": value}
    )


def edge_taken(events: list[dict[str, Any]], source: str) -> str:
    target: str = next(
        e["edge_to"] for e in events if e["type"] == "decision_edge" and e["node_id"] == source
    )
    return target


def outcome_updates(events: list[dict[str, Any]], node: str) -> dict[str, str]:
    updates: dict[str, str] = next(
        e for e in events if e["type"] == "decision_outcome" and e["node_id"] == node
    ).get("context_updates", {})
    return updates


async def test_every_gate_mode_is_opened_answered_and_routed(client: LanguageClient) -> None:
    rec = recorder(client)
    run_id = await start_run(client, EXAMPLES / "gate_modes.dip", new_workdir("modes"))

    ready = await rec.gate(run_id, "Ready")
    assert (
        ready["mode"] == "yes_no" and ready["choices"] == ["Yes", "No"] and ready["questions"] == []
    )
    assert (
        ready["prompt"] == "Ready to begin?"
        and "default" not in ready
        and "timeoutSeconds" not in ready
    )
    assert await answer(client, run_id, ready, {"choice": "yes"}) == {"accepted": True}

    flavour = await rec.gate(run_id, "Flavour")
    assert (flavour["mode"], flavour["choices"], flavour["default"]) == (
        "choice",
        ["vanilla", "chocolate"],
        "vanilla",
    )
    await answer(client, run_id, flavour, {"choice": "chocolate"})

    feedback = await rec.gate(run_id, "Feedback")
    assert (feedback["mode"], feedback["choices"], feedback["default"]) == (
        "hybrid",
        ["formal", "casual"],
        "casual",
    )
    assert (
        feedback["prompt"]
        == "How should the note sound?\n\nPick a tone (formal or casual) or describe your own."
    )
    await answer(client, run_id, feedback, {"choice": "Formal"})

    interview = await rec.gate(run_id, "Interview")
    assert interview["mode"] == "interview"
    assert [(q["id"], q["kind"], q["options"]) for q in interview["questions"]] == [
        ("q1", "text", []),
        ("q2", "confirm", ["yes", "no"]),
        ("q3", "select", ["email", "chat"]),
    ]
    assert interview["questions"][0]["text"] == "What is the project called?"
    await answer(
        client,
        run_id,
        interview,
        {
            "answers": {
                "q1": "Tracker",
                "q2": True,
                "q3": {"answer": "chat", "elaboration": "the team channel"},
            }
        },
    )

    final = await rec.finished(run_id)
    assert final["status"] == "success" and final["pendingGates"] == []
    events = rec.events(run_id)
    assert edge_taken(events, "Ready") == "Flavour"
    assert edge_taken(events, "Flavour") == "Chocolate"
    assert edge_taken(events, "Feedback") == "Formal"
    assert outcome_updates(events, "Feedback") == {
        "human_response": "formal",
        "response.Feedback": "formal",
    }
    answers = json.loads(outcome_updates(events, "Interview")["interview_answers"])
    assert [(q["id"], q["answer"], q.get("elaboration", "")) for q in answers["questions"]] == [
        ("q1", "Tracker", ""),
        ("q2", "yes", ""),
        ("q3", "chat", "the team channel"),
    ]
    assert answers["incomplete"] is False and answers["canceled"] is False
    resolved = [
        (e["node_id"], e["gate_actor"], e.get("gate_response", ""))
        for e in events
        if e["type"] == "gate_resolved"
    ]
    assert resolved[:3] == [
        ("Ready", "human", "Yes"),
        ("Flavour", "human", "chocolate"),
        ("Feedback", "human", "formal"),
    ]
    closed = [
        (c["nodeId"], c["answeredBy"], c["answer"]) for c in rec.of("tracker/gateClosed", run_id)
    ]
    assert closed == [
        ("Ready", "human", {"choice": "Yes"}),
        ("Flavour", "human", {"choice": "chocolate"}),
        ("Feedback", "human", {"choice": "formal"}),
        (
            "Interview",
            "human",
            {
                "answers": {
                    "q1": "Tracker",
                    "q2": "yes",
                    "q3": {"answer": "chat", "elaboration": "the team channel"},
                }
            },
        ),
    ]
    # each tracker/gateOpened came after the gate_opened event of the same gate
    log = [(m, p) for m, p in rec.log if p.get("runId") == run_id]
    for gate in rec.of("tracker/gateOpened", run_id):
        event_at = next(
            i
            for i, (m, p) in enumerate(log)
            if m == "tracker/runEvent" and p["event"].get("gate_id") == gate["gateId"]
        )
        notice_at = next(
            i
            for i, (m, p) in enumerate(log)
            if m == "tracker/gateOpened" and p["gateId"] == gate["gateId"]
        )
        assert event_at < notice_at


async def test_freeform_text_reaches_the_context(client: LanguageClient) -> None:
    rec = recorder(client)
    run_id = await start_run(client, FIXTURES / "freeform_note.dip", new_workdir("freeform"))
    note = await rec.gate(run_id, "Note")
    assert (note["mode"], note["choices"]) == ("freeform", [])
    blank = await refused(
        client,
        "tracker.answerGate",
        {"runId": run_id, "gateId": note["gateId"], "answer": {"freeform": "  "}},
    )
    assert blank["reason"] == "invalid_answer"
    await answer(client, run_id, note, {"freeform": "Ship on Friday"})
    await rec.finished(run_id)
    assert outcome_updates(rec.events(run_id), "Note") == {
        "human_response": "Ship on Friday",
        "response.Note": "Ship on Friday",
    }


async def test_wrong_and_duplicate_answers_are_refused_and_change_nothing(
    client: LanguageClient,
) -> None:
    rec = recorder(client)
    run_id = await start_run(client, EXAMPLES / "gate_modes.dip", new_workdir("refusals"))
    ready = await rec.gate(run_id, "Ready")
    assert await answer(client, run_id, ready, {"choice": "Yes"}) == {"accepted": True}
    flavour = await rec.gate(run_id, "Flavour")
    await rec.settled(run_id)
    before = len(rec.of_run(run_id))

    wrong = await refused(
        client,
        "tracker.answerGate",
        {"runId": run_id, "gateId": flavour["gateId"], "answer": {"choice": "strawberry"}},
    )
    assert wrong["reason"] == "invalid_answer" and wrong["code"] == -32017
    assert (
        wrong["choices"] == ["vanilla", "chocolate"]
        and '"strawberry" is not one of the choices' in wrong["message"]
    )
    misplaced = await refused(
        client,
        "tracker.answerGate",
        {"runId": run_id, "gateId": flavour["gateId"], "answer": {"freeform": "vanilla"}},
    )
    assert misplaced["reason"] == "invalid_answer" and "choice" in misplaced["message"]
    shapeless = await refused(
        client,
        "tracker.answerGate",
        {"runId": run_id, "gateId": flavour["gateId"], "answer": "vanilla"},
    )
    assert shapeless["reason"] == "invalid_answer"
    stranger = await refused(
        client,
        "tracker.answerGate",
        {"runId": run_id, "gateId": "no-such-gate", "answer": {"choice": "vanilla"}},
    )
    assert stranger["reason"] == "unknown_gate"
    nobody = await refused(
        client,
        "tracker.answerGate",
        {"runId": "000000000000", "gateId": flavour["gateId"], "answer": {"choice": "vanilla"}},
    )
    assert nobody["reason"] == "unknown_run"
    missing = await refused(
        client, "tracker.answerGate", {"runId": run_id, "gateId": flavour["gateId"]}
    )
    assert missing["reason"] == "invalid_params"
    # none of that touched the run: the gate is still open and nothing was sent
    assert len(rec.of_run(run_id)) == before
    state = await execute(client, "tracker.runState", {"runId": run_id})
    assert [g["gateId"] for g in state["pendingGates"]] == [flavour["gateId"]]

    assert await answer(client, run_id, flavour, {"choice": "vanilla"}) == {"accepted": True}
    second = await refused(
        client,
        "tracker.answerGate",
        {"runId": run_id, "gateId": flavour["gateId"], "answer": {"choice": "chocolate"}},
    )
    assert second["reason"] == "gate_already_answered" and second["answeredBy"] == "human"

    feedback = await rec.gate(run_id, "Feedback")
    both = await refused(
        client,
        "tracker.answerGate",
        {
            "runId": run_id,
            "gateId": feedback["gateId"],
            "answer": {"choice": "formal", "freeform": "x"},
        },
    )
    assert both["reason"] == "invalid_answer"
    await answer(
        client, run_id, feedback, {"freeform": "warm but brief"}
    )  # hybrid: free text is fine

    interview = await rec.gate(run_id, "Interview")
    bad_option = await refused(
        client,
        "tracker.answerGate",
        {"runId": run_id, "gateId": interview["gateId"], "answer": {"answers": {"q3": "fax"}}},
    )
    assert bad_option["reason"] == "invalid_answer" and bad_option["options"] == ["email", "chat"]
    bad_confirm = await refused(
        client,
        "tracker.answerGate",
        {"runId": run_id, "gateId": interview["gateId"], "answer": {"answers": {"q2": "perhaps"}}},
    )
    assert bad_confirm["reason"] == "invalid_answer"
    unknown_question = await refused(
        client,
        "tracker.answerGate",
        {"runId": run_id, "gateId": interview["gateId"], "answer": {"answers": {"q9": "x"}}},
    )
    assert unknown_question["reason"] == "invalid_answer" and unknown_question["questions"] == [
        "q1",
        "q2",
        "q3",
    ]
    await answer(
        client, run_id, interview, {"answers": [{"id": "q1", "answer": "Tracker"}]}
    )  # the rest skipped
    await rec.finished(run_id)

    events = rec.events(run_id)
    assert edge_taken(events, "Flavour") == "Vanilla"  # the first answer, not the duplicate
    assert sum(e["type"] == "gate_resolved" and e["node_id"] == "Flavour" for e in events) == 1
    assert [
        c["answer"] for c in rec.of("tracker/gateClosed", run_id) if c["nodeId"] == "Flavour"
    ] == [{"choice": "vanilla"}]
    assert outcome_updates(events, "Feedback")["human_response"] == "warm but brief"
    interview_result = json.loads(outcome_updates(events, "Interview")["interview_answers"])
    assert interview_result["incomplete"] is True
    assert [q["answer"] for q in interview_result["questions"]] == ["Tracker", "", ""]


async def test_pending_gates_are_found_again_after_a_reload(client: LanguageClient) -> None:
    rec = recorder(client)
    run_id = await start_run(client, FIXTURES / "freeform_note.dip", new_workdir("reload"))
    gate = await rec.gate(run_id, "Note")
    # a reloaded panel knows nothing; it asks the server
    listed = {r["runId"]: r for r in await execute(client, "tracker.runs")}
    assert listed[run_id]["active"] is True and listed[run_id]["status"] == "running"
    assert listed[run_id]["pendingGates"] == [gate]
    state = await execute(client, "tracker.runState", {"runId": run_id[:8], "includeEvents": True})
    assert state["pendingGates"] == [gate] and state["currentNode"] == "Note"
    assert {n["id"]: n["state"] for n in state["nodes"]}["Note"] == "waiting"
    assert [e["seq"] for e in state["events"]] == list(range(1, state["eventCount"] + 1))
    assert state["events"][-1]["event"]["type"] == "gate_opened"
    await answer(client, run_id, gate, {"freeform": "answered after the reload"})
    final = await rec.finished(run_id)
    assert final["state"] == "succeeded"


async def test_cancelling_the_progress_in_the_client_cancels_the_run(
    client: LanguageClient,
) -> None:
    from lsprotocol import types as lsp

    rec = recorder(client)
    run_id = await start_run(client, FIXTURES / "freeform_note.dip", new_workdir("progress-cancel"))
    await rec.gate(run_id, "Note")
    token = await rec.wait(
        "progress begin",
        lambda: next(
            (
                t
                for t, reports in client.progress_reports.items()
                if str(t).startswith(f"tracker-run-{run_id}-") and reports
            ),
            None,
        ),
    )
    begin: Any = client.progress_reports[token][0]  # pytest-lsp keeps the progress values
    assert begin.kind == "begin" and begin.title == "FreeformNote" and begin.cancellable is True
    client.window_work_done_progress_cancel(lsp.WorkDoneProgressCancelParams(token=token))
    final = await rec.finished(run_id)
    assert final["state"] == "canceled" and final["cancelRequested"] is True
    assert [c["answeredBy"] for c in rec.of("tracker/gateClosed", run_id)] == ["cancelled"]


async def test_gate_timeouts_follow_the_node_and_the_run_setting(client: LanguageClient) -> None:
    rec = recorder(client)
    # the node's own timeout (1s) with a default: the default route is taken
    timed = await start_run(client, FIXTURES / "timed_gate.dip", new_workdir("timeout-node"))
    gate = await rec.gate(timed, "Decide")
    assert (
        gate["timeoutSeconds"] == 1.0
        and gate["timeoutAction"] == "default"
        and gate["default"] == "later"
    )
    final = await rec.finished(timed)
    assert final["status"] == "success"
    events = rec.events(timed)
    resolved = next(e for e in events if e["type"] == "gate_resolved")
    assert resolved["gate_timed_out"] is True
    assert edge_taken(events, "Decide") == "Later"
    assert [(c["answeredBy"], c["answer"]) for c in rec.of("tracker/gateClosed", timed)] == [
        ("timeout", None)
    ]
    late = await refused(
        client,
        "tracker.answerGate",
        {"runId": timed, "gateId": gate["gateId"], "answer": {"choice": "now"}},
    )
    assert late["reason"] == "gate_already_answered" and "timed out" in late["message"]

    # the per-run limit (the server setting gateTimeoutSeconds, per run here): no default, so the node fails
    limited = await start_run(
        client, FIXTURES / "freeform_note.dip", new_workdir("timeout-run"), gateTimeoutSeconds=0.3
    )
    note = await rec.gate(limited, "Note")
    assert note["timeoutSeconds"] == 0.3
    final = await rec.finished(limited)
    assert final["status"] == "fail" and final["state"] == "failed"
    outcome = next(
        e for e in rec.events(limited) if e["type"] == "decision_outcome" and e["node_id"] == "Note"
    )
    assert (
        outcome["outcome_status"] == "fail"
        and outcome["context_updates"]["human_response"] == "timed out (no default)"
    )
    assert [c["answeredBy"] for c in rec.of("tracker/gateClosed", limited)] == ["timeout"]
