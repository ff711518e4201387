"""``--autopilot PERSONA``: an LLM judge (the fake server) answers the gates of a run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.agent.fakes.turns import text_turn
from tests.integration.conftest import Stream, provider_env, script, tracker, write_flow
from tests.llm.fakes.server import FakeServer

REVIEW = """
workflow Review
  goal: "ship a change"
  start: Start
  exit: Done

  agent Start
    label: Start

  agent Draft
    model: claude-sonnet-4-6
    prompt: Draft the change.

  human Approve
    label: "Ship it?"
    prompt: "Review the draft."
    default: approve

  tool Ship
    timeout: 5s
    command: echo shipped

  tool Rework
    timeout: 5s
    command: echo reworked

  agent Done
    label: Done

  edges
    Start -> Draft
    Draft -> Approve
    Approve -> Ship label: approve
    Approve -> Rework label: reject
    Ship -> Done
    Rework -> Done
"""

NOTE = """
workflow Note
  start: Start
  exit: Done

  agent Start
    label: Start

  human Describe
    mode: freeform
    prompt: "What should the release note say?"

  tool Echo
    timeout: 5s
    command: echo noted

  agent Done
    label: Done

  edges
    Start -> Describe
    Describe -> Echo
    Echo -> Done
"""


def test_the_judge_decides_a_gate_against_its_default(server: FakeServer, workdir: Path) -> None:
    flow = write_flow(workdir, REVIEW)
    script(
        server,
        "anthropic",
        text_turn("Here is the draft: rename the flag."),
        text_turn('{"choice": "reject", "reasoning": "The draft has no tests."}'),
    )
    proc = tracker([str(flow), "--json", "--autopilot", "HARD"], cwd=workdir, env=provider_env("anthropic", server))
    assert proc.returncode == 0, proc.stderr
    assert "Autopilot mode: persona hard" in proc.stderr
    stream = Stream.parse(proc.stdout)
    resolved = stream.one("gate_resolved")
    assert (resolved["gate_actor"], resolved["gate_response"]) == ("autopilot", "reject")
    assert stream.path() == ["Start", "Draft", "Approve", "Rework", "Done"]

    judge = server.requests[1].json
    assert judge["model"] == "claude-sonnet-4-6"
    system = json.dumps(judge.get("system", ""))
    assert "high bar" in system  # the hard persona
    asked = json.dumps(judge["messages"])
    assert "Review the draft." in asked and "rename the flag" in asked  # gate prompt + previous output
    assert '\\"approve\\" (default)' in asked and '\\"reject\\"' in asked

    # the judge's call is not a session call: it appears as llm lines with the run id
    llm = [d for d in stream.lines if d["source"] == "llm"]
    assert {"request_start", "text", "finish"} <= {d["type"] for d in llm}
    run_id = stream.lines[0]["run_id"]
    assert all(d["run_id"] == run_id and "node_id" not in d for d in llm)
    # and the agent's own call is not duplicated on the llm source
    assert sum(1 for d in llm if d["type"] == "request_start") == 1


def test_the_judge_answers_freeform_gates_without_agent_nodes(server: FakeServer, workdir: Path) -> None:
    flow = write_flow(workdir, NOTE)
    script(
        server,
        "anthropic",
        text_turn("I think it should mention the fix."),  # not JSON: asked again once
        text_turn('{"choice": "Fixes the crash on empty input.", "reasoning": "short and factual"}'),
    )
    proc = tracker([str(flow), "--json", "--autopilot", "mid"], cwd=workdir, env=provider_env("anthropic", server))
    assert proc.returncode == 0, proc.stderr
    stream = Stream.parse(proc.stdout)
    outcome = next(d for d in stream.of("decision_outcome") if d["node_id"] == "Describe")
    assert outcome["context_updates"]["human_response"] == "Fixes the crash on empty input."
    assert stream.one("gate_resolved")["gate_actor"] == "autopilot"
    assert len(server.requests) == 2
    assert len([d for d in stream.lines if d["source"] == "llm" and d["type"] == "request_start"]) == 2


def test_auto_approve_wins_over_autopilot(workdir: Path) -> None:
    flow = write_flow(workdir, NOTE)
    proc = tracker([str(flow), "--json", "--autopilot", "mid", "--auto-approve"], cwd=workdir)
    assert proc.returncode == 0, proc.stderr
    assert "--auto-approve takes precedence" in proc.stderr
    outcome = next(d for d in Stream.parse(proc.stdout).of("decision_outcome") if d["node_id"] == "Describe")
    assert outcome["context_updates"]["human_response"] == "auto-approved"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--autopilot", "bogus"], 'unknown autopilot persona "bogus" (valid: lax, mid, hard, mentor)'),
        (["--autopilot", "mid", "--webhook-url", "http://127.0.0.1:9/gates"], "--webhook-url cannot be combined"),
        (["--autopilot", "mid"], 'autopilot "mid" requires an LLM client: no provider key is set (ANTHROPIC_API_KEY'),
    ],
)
def test_autopilot_refusals(args: list[str], message: str, workdir: Path) -> None:
    flow = write_flow(workdir, NOTE)
    proc = tracker([str(flow), *args], cwd=workdir)
    assert proc.returncode == 1
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (workdir / ".tracker").exists()
