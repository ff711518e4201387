"""Agent nodes through the library API (``PipelineRun``): the handler builds the run's
client from ``extras`` or uses the caller's, and usage lands in the token tracker."""

from __future__ import annotations

from pathlib import Path

from tests.agent.fakes.turns import Call, text_turn, tool_turn
from tests.integration.conftest import provider_env, script, write_flow
from tests.llm.fakes import anthropic_wire
from tests.llm.fakes.server import FakeServer, Reply
from tracker.engine import Event, RunConfig, load_pipeline
from tracker.engine.api import PipelineRun
from tracker.gates.auto import AutoApproveInterviewer
from tracker.gates.autopilot import AutopilotInterviewer
from tracker.handlers.codergen import LLMSetup
from tracker.llm import Client, Message, Request

FLOW = """
workflow Lib
  start: Start
  exit: Done

  agent Start
    label: Start

  agent Work
    model: claude-sonnet-4-6
    prompt: Write notes.txt.

  human Confirm
    prompt: "Keep the notes?"
    default: keep

  agent Done
    label: Done

  edges
    Start -> Work
    Work -> Confirm
    Confirm -> Done label: keep
    Confirm -> Work label: redo restart: true
"""


async def test_the_handler_builds_its_client_from_extras(server: FakeServer, workdir: Path) -> None:
    flow = write_flow(workdir, FLOW)
    script(
        server,
        "anthropic",
        tool_turn(Call("write", {"path": "notes.txt", "content": "n\n"})),
        text_turn("wrote notes.txt"),
    )
    config = RunConfig(
        workdir=workdir,
        interviewer=AutoApproveInterviewer(),
        extras={"environ": provider_env("anthropic", server)},
    )
    run = PipelineRun(load_pipeline(flow.read_bytes(), flow), config)
    result = await run.run()
    assert result.status == "success", result.error
    assert (workdir / "notes.txt").read_text() == "n\n"
    setup = run.services.extras["llm"]
    assert isinstance(setup, LLMSetup)
    totals = setup.token_tracker.provider_totals()
    assert totals["anthropic"].call_count == 2
    assert result.usage is not None and result.usage.by_provider["anthropic"].input_tokens == 40
    assert run.services.cleanups == []  # the run closed what the handler opened


async def test_a_callers_client_serves_agents_and_the_judge(server: FakeServer, workdir: Path) -> None:
    flow = write_flow(workdir, FLOW)
    script(
        server,
        "anthropic",
        text_turn("notes written"),
        text_turn('{"choice": "keep", "reasoning": "fine"}'),
    )
    client = Client.from_env(provider_env("anthropic", server))
    try:
        config = RunConfig(
            workdir=workdir,
            interviewer=AutopilotInterviewer(client, "lax"),
            extras={"llm_client": client},
        )
        run = PipelineRun(load_pipeline(flow.read_bytes(), flow), config)
        events: list[Event] = []
        run.add_sink(events.append)
        result = await run.run()
        assert result.status == "success", result.error
        judge_lines = [e for e in events if e.source == "llm"]
        assert {e.type for e in judge_lines} >= {"request_start", "finish"}
        assert all(e.run_id == result.run_id for e in judge_lines)
        gate = next(e for e in events if e.type == "gate_resolved")
        assert (gate.gate_actor, gate.gate_response) == ("autopilot", "keep")
        # the caller's client stays open for the caller, without the run's trace observer:
        # with no observer left, a call uses the non-streaming endpoint
        server.enqueue(Reply(json_body=anthropic_wire.message([{"type": "text", "text": "still open"}])))
        response = await client.complete(Request(model="claude-sonnet-4-6", messages=[Message.user("hi")]))
        assert response.text == "still open"
        assert len([e for e in events if e.source == "llm"]) == len(judge_lines)
    finally:
        await client.aclose()
