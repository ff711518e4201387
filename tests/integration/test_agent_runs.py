"""Agent nodes run end to end through ``tracker``: tool calls in the working directory,
events, artifacts, token and cost totals, and every provider kind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.agent.fakes.turns import MODELS, PROVIDERS, Call, Turn, text_turn, tool_turn
from tests.integration.conftest import Stream, provider_env, run_dir, script, tracker, write_flow
from tests.llm.fakes.server import FakeServer

WRITER = """
workflow Writer
  goal: "write a greeting file"
  start: Start
  exit: Done

  defaults
    model: {model}
    provider: {provider}
    prompt_suffix: Keep it short.

  agent Start
    label: Start

  agent Write
    prompt: Create hello.txt with a greeting for $goal.

  tool Check
    timeout: 5s
    command: cat hello.txt

  agent Done
    label: Done

  edges
    Start -> Write
    Write -> Check
    Check -> Done
"""


def writer_turns() -> list[Turn]:
    return [
        tool_turn(Call("write", {"path": "hello.txt", "content": "hello from the agent\n"}), input_tokens=1200, output_tokens=40),
        text_turn("Created hello.txt.", input_tokens=1300, output_tokens=20),
    ]


def test_agent_node_runs_tools_in_the_workdir_and_reports_usage(server: FakeServer, workdir: Path) -> None:
    flow = write_flow(workdir, WRITER.format(model="claude-sonnet-4-6", provider="anthropic"))
    script(server, "anthropic", *writer_turns())
    proc = tracker([str(flow), "--json"], cwd=workdir, env=provider_env("anthropic", server))
    assert proc.returncode == 0, proc.stderr
    assert (workdir / "hello.txt").read_text() == "hello from the agent\n"
    stream = Stream.parse(proc.stdout)

    # the tool node after the agent saw the file the agent wrote
    check = next(d for d in stream.of("decision_outcome") if d["node_id"] == "Check")
    assert check["context_updates"]["tool_stdout"] == "hello from the agent"

    # agent events are tagged with their node and carry the tool call
    agent = [d for d in stream.lines if d["source"] == "agent"]
    assert {d["node_id"] for d in agent} == {"Write"}
    started = [d for d in agent if d["type"] == "tool_call_start"]
    assert [d["tool_name"] for d in started] == ["write"]
    ended = next(d for d in agent if d["type"] == "tool_call_end")
    assert "hello.txt" in ended["content"]

    # assistant text once: the session's llm_text line, no client-level duplicate
    assert [d["content"] for d in agent if d["type"] == "llm_text"] == ["Created hello.txt."]
    assert not [d for d in stream.lines if d["source"] == "llm"]

    # what the model received: the runtime block, the prompt with defaults and $goal, the tool result
    first, second = (r.json for r in server.requests)
    prompt = first["messages"][0]["content"][0]["text"]
    assert prompt.startswith("# Runtime")
    assert f"Working directory: {workdir}" in prompt
    assert "Create hello.txt with a greeting for write a greeting file.\n\nKeep it short." in prompt
    results = [part for m in second["messages"] for part in m["content"] if part.get("type") == "tool_result"]
    assert "wrote 21 bytes to hello.txt" in json.dumps(results)

    # usage: decision_outcome tokens, run-cumulative cost_updated with the spec's keys
    outcome = next(d for d in stream.of("decision_outcome") if d["node_id"] == "Write")
    assert (outcome["token_input"], outcome["token_output"]) == (2500, 60)
    costs = stream.of("cost_updated")
    assert [d["node_id"] for d in costs] == ["Write", "Check", "Done"]
    last = costs[-1]
    assert last["total_tokens"] == 2560
    assert last["total_cost_usd"] == pytest.approx((2500 * 3 + 60 * 15) / 1e6)
    anthropic = last["provider_totals"]["anthropic"]
    assert (anthropic["input_tokens"], anthropic["output_tokens"], anthropic["session_count"]) == (2500, 60, 1)
    assert last["wall_elapsed_ms"] > 0
    assert [d["type"] for d in stream.terminal()] == ["pipeline_completed"]

    # the human summary (stderr in --json mode) has the totals
    assert "─── Tokens by Provider ───" in proc.stderr
    assert "anthropic" in proc.stderr and "2,500 in" in proc.stderr and "Cost: $0.0084" in proc.stderr


def test_agent_artifacts_and_run_manifest(server: FakeServer, workdir: Path) -> None:
    flow = write_flow(workdir, WRITER.format(model="claude-sonnet-4-6", provider="anthropic"))
    script(server, "anthropic", *writer_turns())
    proc = tracker([str(flow), "--no-tui"], cwd=workdir, env=provider_env("anthropic", server))
    assert proc.returncode == 0, proc.stderr
    node_dir = run_dir(workdir) / "Write"
    prompt = (node_dir / "prompt.md").read_text()
    assert prompt.startswith("# Runtime") and "Keep it short." in prompt
    response = (node_dir / "response.md").read_text()
    assert "TOOL CALL: write" in response and "Created hello.txt." in response
    status = json.loads((node_dir / "status.json").read_text())
    assert status["outcome"] == "success"
    assert status["context_updates"]["last_response"] == "Created hello.txt."

    manifest = json.loads((run_dir(workdir) / "run.json").read_text())
    assert manifest["terminal_status"] == "success"
    assert manifest["totals"]["input_tokens"] == 2500 and manifest["totals"]["output_tokens"] == 60
    assert manifest["totals"]["llm_calls"] == 2
    assert manifest["tool_calls"] == {"write": 1}
    write = next(n for n in manifest["nodes"] if n["id"] == "Write")
    assert write["kind"] == "codergen" and write["turns"] == 2

    # plain mode: agent lines for people, not request bodies; the summary on stdout
    assert "[Write] ▸ write hello.txt" in proc.stdout
    assert "[Write]   ✓ write: wrote 21 bytes to hello.txt" in proc.stdout
    assert '"messages"' not in proc.stdout
    assert "─── Tokens by Provider ───" in proc.stdout and "Cost: $0.0084" in proc.stdout

    # the activity log has the agent lines with the run id (D.7)
    log = [json.loads(line) for line in (run_dir(workdir) / "activity.jsonl").read_text().splitlines()]
    agent_lines = [d for d in log if d["source"] == "agent"]
    assert agent_lines and all(d["run_id"] == run_dir(workdir).name for d in agent_lines)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_each_provider_kind_runs_an_agent_node(provider: str, server: FakeServer, workdir: Path) -> None:
    flow = write_flow(workdir, WRITER.format(model=MODELS[provider], provider=provider))
    script(server, provider, *writer_turns())
    proc = tracker([str(flow), "--json"], cwd=workdir, env=provider_env(provider, server))
    assert proc.returncode == 0, proc.stderr
    assert (workdir / "hello.txt").read_text() == "hello from the agent\n"
    stream = Stream.parse(proc.stdout)
    totals = stream.of("cost_updated")[-1]["provider_totals"]
    assert list(totals) == [provider]
    assert totals[provider]["output_tokens"] > 0
    paths = {r.path.split("?")[0] for r in server.requests}
    expected = {
        "anthropic": "/v1/messages",
        "openai": "/v1/responses",
        "gemini": f"/v1beta/models/{MODELS[provider]}:streamGenerateContent",
        "openai-compat": "/v1/chat/completions",
    }[provider]
    assert paths == {expected}
    assert len(server.requests) == 2


def test_model_alone_picks_its_provider(server: FakeServer, workdir: Path) -> None:
    """D.13: a node naming a model and no provider runs on the model's provider, even when
    another provider is the default."""
    flow = write_flow(
        workdir,
        """
        workflow Pick
          start: Start
          exit: Done

          agent Start
            label: Start

          agent Ask
            model: gpt-5.4
            prompt: Say hi.

          agent Done
            label: Done

          edges
            Start -> Ask
            Ask -> Done
        """,
    )
    script(server, "openai", text_turn("hi"))
    unused = FakeServer().start()
    try:
        env = {**provider_env("anthropic", unused), **provider_env("openai", server)}
        proc = tracker([str(flow), "--json"], cwd=workdir, env=env)
    finally:
        unused.stop()
    assert proc.returncode == 0, proc.stderr
    assert not unused.requests
    assert server.requests[0].json["model"] == "gpt-5.4"
    assert list(Stream.parse(proc.stdout).of("cost_updated")[-1]["provider_totals"]) == ["openai"]
