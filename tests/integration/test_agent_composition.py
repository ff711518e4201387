"""Agent nodes inside parallel branches and subgraphs share the run's LLM setup, usage
totals and run directory."""

from __future__ import annotations

from pathlib import Path

from tests.agent.fakes.turns import text_turn
from tests.integration.conftest import Stream, provider_env, run_dir, script, tracker, write_flow
from tests.llm.fakes.server import FakeServer

TEAM = """
workflow Team
  start: Start
  exit: Done

  stylesheet:
    #Left
      model: gpt-5.4

  agent Start
    label: Start

  parallel Fan -> Left, Right

  agent Left
    prompt: Review the left side.

  agent Right
    model: claude-sonnet-4-6
    prompt: Review the right side.

  fan_in Join <- Left, Right

  subgraph Child
    ref: child.dip

  agent Done
    label: Done

  edges
    Start -> Fan
    Join -> Child
    Child -> Done
"""

CHILD = """
workflow Child
  start: Begin
  exit: End

  agent Begin
    label: Begin

  agent Inner
    model: claude-sonnet-4-6
    prompt: Summarise the reviews.

  agent End
    label: End

  edges
    Begin -> Inner
    Inner -> End
"""


def test_branches_and_child_runs_use_the_run_wide_client(server: FakeServer, workdir: Path) -> None:
    openai = FakeServer().start()
    try:
        flow = write_flow(workdir, TEAM)
        write_flow(workdir, CHILD, name="child.dip")
        script(server, "anthropic", text_turn("reviewed", input_tokens=100, output_tokens=10))
        script(openai, "openai", text_turn("left is fine", input_tokens=50, output_tokens=5))
        env = {**provider_env("anthropic", server), **provider_env("openai", openai)}
        proc = tracker([str(flow), "--json"], cwd=workdir, env=env)
    finally:
        openai.stop()
    assert proc.returncode == 0, proc.stderr

    # the stylesheet reached the parallel branch: Left ran on OpenAI
    assert [r.json["model"] for r in openai.requests] == ["gpt-5.4"]
    assert len(server.requests) == 2  # Right, then the child's Inner

    stream = Stream.parse(proc.stdout)
    agent_nodes = {d["node_id"] for d in stream.lines if d["source"] == "agent"}
    assert agent_nodes == {"Left", "Right", "Child/Inner"}
    totals = stream.of("cost_updated")[-1]["provider_totals"]
    assert (totals["anthropic"]["session_count"], totals["anthropic"]["input_tokens"]) == (2, 200)
    assert (totals["openai"]["session_count"], totals["openai"]["input_tokens"]) == (1, 50)

    runs = run_dir(workdir)
    for node in ("Left", "Right", "Child/Inner"):
        assert (runs / node / "status.json").is_file(), node
