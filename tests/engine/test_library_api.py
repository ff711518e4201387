"""The library API an editor uses: events, gates answered by ID, cancel, resume, params."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from tests.engine.support import of_type, path_taken, run_path, run_source, write
from tracker.engine import Event, RunConfig, RunSetupError, load_pipeline
from tracker.engine.api import PipelineRun
from tracker.gates import GateAnswer, GateRequest
from tracker.gates.broker import BrokerInterviewer, GateAlreadyAnswered, UnknownGate

SLOW = """
workflow Slow
  start: Start
  exit: Done

  agent Start
    label: Start

  tool One
    timeout: 5s
    command: echo one >> trail

  tool Two
    timeout: 10s
    command: echo two-start >> trail; sleep 5; echo two-end >> trail

  tool Three
    timeout: 5s
    command: echo three >> trail

  agent Done
    label: Done

  edges
    Start -> One
    One -> Two
    Two -> Three
    Three -> Done
"""


async def test_events_iterator_sees_the_whole_run_in_order(tmp_path: Path) -> None:
    path = write(tmp_path, "flow.dip", SLOW.replace("sleep 5; ", ""))
    run = PipelineRun(load_pipeline(path.read_bytes(), path), RunConfig(workdir=tmp_path))
    seen: list[Event] = []
    stream = run.events()  # subscribe before the run starts

    async def consume() -> None:
        async for event in stream:
            seen.append(event)

    consumer = asyncio.create_task(consume())
    result = await run.run()
    await consumer
    assert result.status == "success"
    assert seen[0].type == "pipeline_started" and seen[-1].type == "pipeline_completed"
    assert seen[0].snapshot_start_node == "Start"
    assert [n["id"] for n in seen[0].snapshot_nodes or []] == ["Done", "One", "Start", "Three", "Two"]
    assert all(e.run_id == result.run_id for e in seen)


async def test_cancel_checkpoints_and_resume_continues_after_the_last_completed_node(tmp_path: Path) -> None:
    path = write(tmp_path, "flow.dip", SLOW)
    pipeline = load_pipeline(path.read_bytes(), path)
    run = PipelineRun(pipeline, RunConfig(workdir=tmp_path))

    def cancel_when_two_starts(event: Event) -> None:
        if event.type == "stage_started" and event.node_id == "Two":
            asyncio.get_running_loop().call_later(0.3, run.cancel)

    run.add_sink(cancel_when_two_starts)
    events: list[Event] = []
    run.add_sink(events.append)
    result = await run.run()
    assert result.status == "fail"
    failed = of_type(events, "pipeline_failed")
    assert [e.message for e in failed] == ["context cancelled"]
    assert events[-2].type == "checkpoint_saved"
    checkpoint = json.loads((result.run_dir / "checkpoint.json").read_text())  # type: ignore[operator]
    assert checkpoint["current_node"] == "Two"
    assert checkpoint["completed_nodes"] == ["Start", "One"]

    resumed, events = await run_path(path, tmp_path, resume=result.run_id[:6])
    assert resumed.status == "success", resumed.error
    assert resumed.run_id == result.run_id
    started = of_type(events, "pipeline_started")[0]
    assert started.snapshot_current_node == "Two"
    assert started.snapshot_completed_nodes == ["Start", "One"]
    assert path_taken(events) == ["Two", "Three", "Done"]
    assert (tmp_path / "trail").read_text().split() == ["one", "two-start", "two-start", "two-end", "three"]
    log = (result.run_dir / "activity.jsonl").read_text().splitlines()  # type: ignore[operator]
    assert sum(1 for line in log if '"type":"pipeline_started"' in line) == 2


async def test_resume_refuses_unknown_ambiguous_corrupt_and_foreign_runs(tmp_path: Path) -> None:
    path = write(tmp_path, "flow.dip", SLOW.replace("sleep 5; ", ""))
    pipeline = load_pipeline(path.read_bytes(), path)
    with pytest.raises(RunSetupError, match='no run found matching "nope"'):
        PipelineRun(pipeline, RunConfig(workdir=tmp_path, resume="nope"))
    first, _ = await run_path(path, tmp_path)

    other = write(tmp_path, "other.dip", SLOW.replace("workflow Slow", "workflow Other").replace("sleep 5; ", ""))
    with pytest.raises(RunSetupError, match='belongs to workflow "Slow"'):
        PipelineRun(load_pipeline(other.read_bytes(), other), RunConfig(workdir=tmp_path, resume=first.run_id))

    runs = tmp_path / ".tracker" / "runs"
    (runs / (first.run_id[:3] + "zzzzzzzzz")).mkdir()
    with pytest.raises(RunSetupError, match="ambiguous run ID"):
        PipelineRun(pipeline, RunConfig(workdir=tmp_path, resume=first.run_id[:3]))

    audit = Path(str(tmp_path / "audit")) / first.run_id / "checkpoint.json"
    audit.write_text("{ not json")
    with pytest.raises(RunSetupError, match="corrupt checkpoint"):
        PipelineRun(pipeline, RunConfig(workdir=tmp_path, resume=first.run_id))


async def test_params_override_vars_and_unknown_params_are_refused(tmp_path: Path) -> None:
    src = (
        "workflow V\n  start: Start\n  exit: Done\n\n  vars\n    who: nobody\n\n  agent Start\n    label: Start\n\n"
        "  tool Hi\n    timeout: 5s\n    command: echo hi ${params.who}\n\n  agent Done\n    label: Done\n\n"
        "  edges\n    Start -> Hi\n    Hi -> Done\n"
    )
    result, _ = await run_source(tmp_path, src, params={"who": "team"})
    assert result.context["node.Hi.tool_stdout"] == "hi team"
    with pytest.raises(RunSetupError, match=r'unknown param "nope" \(declared params: who\)'):
        await run_source(tmp_path, src, params={"nope": "1"})


async def test_declared_inputs_are_validated_and_seeded(tmp_path: Path) -> None:
    src = (
        "workflow I\n  start: Start\n  exit: Done\n\n  inputs\n    size: number\n      required: true\n      max: 10\n"
        "    mode: enum\n      options: fast, slow\n      default: slow\n\n"
        "  agent Start\n    label: Start\n\n  agent Done\n    label: Done\n\n  edges\n    Start -> Done\n"
    )
    result, _ = await run_source(tmp_path, src, inputs={"size": "4"})
    assert result.context["inputs.size"] == "4" and result.context["inputs.mode"] == "slow"
    with pytest.raises(RunSetupError, match='missing required input "size"'):
        await run_source(tmp_path, src)
    with pytest.raises(RunSetupError, match="above the maximum"):
        await run_source(tmp_path, src, inputs={"size": "40"})


GATE = """
workflow G
  start: Start
  exit: Done

  agent Start
    label: Start

  tool Report
    timeout: 5s
    command: echo all green

  human Approve
    label: Ship it?
    prompt: "Look at ${ctx.tool_stdout}"

  tool Ship
    timeout: 5s
    command: echo shipped

  tool Hold
    timeout: 5s
    command: echo held

  agent Done
    label: Done

  edges
    Start -> Report
    Report -> Approve
    Approve -> Ship label: ship
    Approve -> Hold label: hold
    Ship -> Done
    Hold -> Done
"""


async def test_gates_answered_by_id_exactly_once(tmp_path: Path) -> None:
    opened: list[GateRequest] = []
    closed: list[tuple[str, str]] = []
    interviewer = BrokerInterviewer(on_open=opened.append, on_close=lambda r, by: closed.append((r.gate_id, by)))
    broker = interviewer.broker
    path = write(tmp_path, "flow.dip", GATE)
    run = PipelineRun(load_pipeline(path.read_bytes(), path), RunConfig(workdir=tmp_path, interviewer=interviewer))
    events: list[Event] = []
    run.add_sink(events.append)
    task = asyncio.create_task(run.run())
    while not opened:
        await asyncio.sleep(0.01)
    request = opened[0]
    assert request.mode == "choice" and request.choices == ["ship", "hold"]
    assert "Look at \n\n## Tool Stdout\n\n```text\nall green\n```" in request.prompt
    assert [g.request.gate_id for g in broker.pending()] == [request.gate_id]
    with pytest.raises(UnknownGate):
        broker.answer("not-a-gate", GateAnswer("ship"))
    broker.answer(request.gate_id, GateAnswer("hold"), by="panel-1")
    with pytest.raises(GateAlreadyAnswered):
        broker.answer(request.gate_id, GateAnswer("ship"), by="panel-2")
    result = await task
    assert result.status == "success"
    assert "Hold" in path_taken(events) and "Ship" not in path_taken(events)
    assert closed == [(request.gate_id, "panel-1")]
    opened_ev = of_type(events, "gate_opened")[0]
    resolved = of_type(events, "gate_resolved")[0]
    assert opened_ev.gate_id == resolved.gate_id
    assert (resolved.gate_response, resolved.gate_outcome, resolved.gate_actor) == ("hold", "success", "human")
    assert result.context["preferred_label"] == "" and result.context["node.Approve.preferred_label"] == "hold"
