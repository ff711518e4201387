"""The engine-independent agent-node logic against the fake provider servers (§4.1)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.agent.conftest import Clients, EventLog
from tests.agent.fakes.turns import Call, Turn, text_turn, tool_turn
from tests.llm.fakes import anthropic_wire
from tests.llm.fakes.server import FakeServer, Reply
from tracker.agent.codergen import (
    AgentNodeError,
    AgentNodeSpec,
    AgentOutcome,
    AgentRun,
    run_agent_node,
)
from tracker.agent.node_settings import NodeSettings, model_and_provider, session_config
from tracker.dippin import load_text
from tracker.dippin.ir import AgentNode
from tracker.llm import BillingPauseError

WORKFLOW = """\
workflow Demo
  goal: "make a greeting"
  start: Start
  exit: Done
  defaults
    model: claude-sonnet-4-6
    prompt_prefix: Work carefully.
  vars
    lang: go
  stylesheet:
    #Styled
      model: gpt-5.4
  agent Start
    label: Start
  agent Build
    prompt: Write hello in ${params.lang} about ${ctx.topic}; the goal is $goal.
    writes: summary, files
  agent Gate
    prompt: Check the work.
    auto_status: true
    goal_gate: true
  agent Soft
    prompt: Check softly.
    auto_status: true
  agent Styled
    prompt: styled
  agent Done
    label: Done
  edges
    Start -> Build
    Build -> Gate
    Gate -> Soft
    Soft -> Styled
    Styled -> Done
"""


def spec(node_id: str, source: str = WORKFLOW, **extra_attrs: str) -> AgentNodeSpec:
    parsed = load_text(source)
    assert not parsed.diagnostics
    node = parsed.workflow.node(node_id)
    assert isinstance(node, AgentNode)
    built = AgentNodeSpec.from_ir(node, parsed.workflow)
    if extra_attrs:
        built = AgentNodeSpec(built.node_id, {**built.attrs, **extra_attrs}, built.graph_attrs)
    return built


async def execute(
    clients: Clients,
    workdir: Path,
    node_spec: AgentNodeSpec,
    turns: list[Turn] | None = None,
    *,
    context: dict[str, str] | None = None,
    events: EventLog | None = None,
    provider: str = "anthropic",
    **options: Any,
) -> AgentOutcome:
    harness = clients(provider)
    if turns:
        clients.script(provider, *turns)
    run = AgentRun(
        spec=node_spec,
        context=context or {},
        working_dir=workdir,
        artifact_dir=workdir / ".tracker" / "runs" / "r1",
        run_id="r1",
        client=harness.client,
        on_event=events.append if events is not None else None,
        today=date(2026, 1, 2),
        **options,
    )
    return await run_agent_node(run)


def artifacts(workdir: Path, node_id: str) -> Path:
    return workdir / ".tracker" / "runs" / "r1" / node_id


# ---------------------------------------------------------------------------- end to end


async def test_agent_node_end_to_end(clients: Clients, server: FakeServer, workdir: Path, events: EventLog) -> None:
    final = 'Greeting written.\n```json\n{"summary": "wrote hello.go", "files": ["hello.go"]}\n```'
    turns = [
        tool_turn(Call("write", {"path": "hello.go", "content": "package main\n"})),
        text_turn(final, input_tokens=1000, output_tokens=200),
    ]
    context = {"topic": "mornings", "last_response": "previous agent said hi", "human_response": "go ahead"}
    outcome = await execute(clients, workdir, spec("Build"), turns, context=context, events=events)

    assert outcome.status == "success"
    updates = outcome.context_updates
    assert updates["last_response"] == final == updates["response.Build"]
    assert updates["summary"] == "wrote hello.go" and updates["files"] == '["hello.go"]'
    assert updates["node_cost_exceeded"] == "" and updates["node_no_progress"] == ""
    assert updates["last_turns"] == "2"
    assert float(updates["last_cost"]) == pytest.approx(outcome.stats.cost_usd, abs=1e-4)  # type: ignore[union-attr]
    assert "write" in updates["episode_summary"]
    assert json.loads(updates["episode_summaries"]) == [updates["episode_summary"]]
    assert "turn_breach_class" not in updates and "writes_error" not in updates
    assert (workdir / "hello.go").read_text() == "package main\n"

    stats = outcome.stats
    assert stats is not None and stats.turns == 2 and stats.tool_calls == {"write": 1}
    assert (stats.provider, stats.model) == ("anthropic", "claude-sonnet-4-6")
    assert stats.input_tokens == 1020 and stats.cost_usd > 0

    prompt = outcome.prompt
    assert prompt.startswith(f"# Runtime\n\n- Working directory: {workdir}")
    assert "- Date: 2026-01-02\n- Run: r1, node: Build\n\n" in prompt
    assert "Work carefully.\n\nWrite hello in go about mornings; the goal is make a greeting." in prompt
    assert prompt.endswith("## Human Response\ngo ahead\n\n## Previous Node Output\nprevious agent said hi")
    sent = server.requests[0].json["messages"][0]["content"][0]["text"]
    assert sent == prompt

    node_dir = artifacts(workdir, "Build")
    assert (node_dir / "prompt.md").read_text() == prompt
    response = (node_dir / "response.md").read_text()
    assert response.startswith("TURN 1\n\nTOOL CALL: write\nINPUT:\n")
    assert "TOOL RESULT: write\nOUTPUT:\nwrote 13 bytes to hello.go" in response
    assert "TURN 2\n\nTEXT:\nGreeting written." in response
    assert "\nSession " in response and " completed in " in response
    assert "Turns: 2 | Tool calls: 1 (write: 1)" in response
    status = json.loads((node_dir / "status.json").read_text())
    assert status["outcome"] == "success"
    assert list(status["context_updates"]) == sorted(status["context_updates"])
    assert (node_dir / "status.json").stat().st_mode & 0o777 == 0o644
    assert not (node_dir / "status.json").read_text().endswith("\n")
    assert {e.node_id for e in events} == {"Build"}


async def test_events_convert_to_engine_event_fields(clients: Clients, workdir: Path, events: EventLog) -> None:
    from tracker.engine.events import Event, wire_dict

    await execute(clients, workdir, spec("Styled"), [text_turn("done")], events=events, provider="openai")
    lines = [wire_dict(Event(**{**e.to_fields(), "ts": e.ts})) for e in events]
    assert lines[0]["source"] == "agent" and lines[0]["type"] == "session_start"
    assert all(line["node_id"] == "Styled" for line in lines)
    text_lines = [line for line in lines if line["type"] == "text_delta"]
    assert text_lines == [{**text_lines[0], "content": "done"}]


# ---------------------------------------------------------------------------- auto_status


async def test_auto_status_line_sets_the_status(clients: Clients, workdir: Path) -> None:
    outcome = await execute(clients, workdir, spec("Gate"), [text_turn("Tests fail.\n**STATUS: fail**")])
    assert outcome.status == "fail" and outcome.auto_status_missing is None


async def test_missing_status_fails_closed_on_goal_gates(clients: Clients, workdir: Path) -> None:
    outcome = await execute(clients, workdir, spec("Gate"), [text_turn("Everything looks fine to me.")])
    assert outcome.status == "fail"
    assert outcome.auto_status_missing is not None
    assert outcome.auto_status_missing.fail_closed is True
    assert outcome.auto_status_missing.tail == "Everything looks fine to me."


async def test_missing_status_keeps_success_elsewhere(clients: Clients, workdir: Path) -> None:
    outcome = await execute(clients, workdir, spec("Soft"), [text_turn("```\nSTATUS: fail\n```\nno verdict")])
    assert outcome.status == "success"
    assert outcome.auto_status_missing is not None and outcome.auto_status_missing.fail_closed is False


# ---------------------------------------------------------------------------- writes


async def test_broken_writes_contract_fails_the_node(clients: Clients, workdir: Path) -> None:
    outcome = await execute(clients, workdir, spec("Build"), [text_turn('{"summary": "only one key"}')])
    assert outcome.status == "fail"
    assert "missing declared key(s): files" in outcome.context_updates["writes_error"]


# ---------------------------------------------------------------------------- turn limits


async def test_loop_is_a_pathological_breach(clients: Clients, workdir: Path) -> None:
    outcome = await execute(clients, workdir, spec("Soft"), [tool_turn(Call("bash", {"command": "echo same"}))])
    assert outcome.status == "fail"
    assert outcome.context_updates["turn_breach_class"] == "pathological"
    assert "loop detected" in outcome.context_updates["turn_limit_msg"]
    assert "turn limit" in outcome.context_updates["turn_limit_msg"]


async def test_turn_limit_is_verified_green_when_the_verify_command_passes(clients: Clients, workdir: Path) -> None:
    node = spec("Soft", max_turns="2", verify_command="true")
    turns = [tool_turn(Call("bash", {"command": f"echo {i}"})) for i in range(3)]
    outcome = await execute(clients, workdir, node, turns)
    assert outcome.status == "success"
    assert outcome.context_updates["turn_breach_class"] == "verified_green"
    assert outcome.context_updates["turn_limit_msg"] == 'node "Soft": agent hit its turn limit (2 turns) before finishing'


async def test_turn_limit_without_verification_needs_an_operator(clients: Clients, workdir: Path) -> None:
    turns = [tool_turn(Call("bash", {"command": f"echo {i}"})) for i in range(3)]
    outcome = await execute(clients, workdir, spec("Soft", max_turns="2"), turns)
    assert (outcome.status, outcome.context_updates["turn_breach_class"]) == ("fail", "operator_decision")
    strict = await execute(clients, workdir, spec("Soft", max_turns="1", turn_breach_policy="fail"), turns)
    assert strict.status == "fail" and "turn_breach_class" not in strict.context_updates


async def test_turn_override_file_raises_the_limit(clients: Clients, workdir: Path) -> None:
    overrides = workdir / ".tracker" / "turn_overrides"
    overrides.mkdir(parents=True)
    (overrides / "Soft").write_text("3\n")
    turns = [tool_turn(Call("bash", {"command": f"echo {i}"})) for i in range(2)] + [text_turn("finished")]
    outcome = await execute(clients, workdir, spec("Soft", max_turns="2"), turns)
    assert outcome.status == "success" and outcome.context_updates["last_turns"] == "3"


# ---------------------------------------------------------------------------- guards


async def test_cost_cap_asks_for_a_retry(clients: Clients, workdir: Path) -> None:
    node = spec("Soft", max_cost_usd="0.001")
    outcome = await execute(clients, workdir, node, [tool_turn(Call("bash", {"command": "echo"}), input_tokens=50_000)])
    assert outcome.status == "retry"
    assert outcome.context_updates["node_cost_exceeded"] == "true"
    assert outcome.context_updates["node_no_progress"] == ""
    assert [n.type for n in outcome.notices] == ["node_cost_limit_exceeded"]
    assert "exceeded max_cost_usd $0.0010" in outcome.context_updates["last_response"]
    failing = spec("Soft", max_cost_usd="0.001", cost_exceeded_action="fail")
    outcome = await execute(clients, workdir, failing, [tool_turn(Call("bash", {"command": "echo"}), input_tokens=50_000)])
    assert outcome.status == "fail"


async def test_no_progress_asks_for_a_retry(clients: Clients, workdir: Path) -> None:
    turns = [Turn(text="thinking...", truncated=True)]
    outcome = await execute(clients, workdir, spec("Soft", no_progress_turns="2"), turns)
    assert outcome.status == "retry"
    assert outcome.context_updates["node_no_progress"] == "true"
    assert outcome.context_updates["last_response"] == (
        'node "Soft": no-progress detected (2 consecutive turns with no tool calls)'
    )
    assert outcome.notices[0].type == "node_no_progress_detected"


# ---------------------------------------------------------------------------- errors


async def test_authentication_failure_is_a_handler_error_without_artifacts(
    clients: Clients, server: FakeServer, workdir: Path
) -> None:
    server.enqueue(Reply(status=401, json_body=anthropic_wire.error_body("authentication_error", "invalid x-api-key")))
    with pytest.raises(AgentNodeError, match="authentication error from anthropic"):
        await execute(clients, workdir, spec("Soft"))
    assert not artifacts(workdir, "Soft").exists()


async def test_exhausted_credit_pauses_the_run(clients: Clients, server: FakeServer, workdir: Path) -> None:
    server.enqueue(
        Reply(status=400, json_body=anthropic_wire.error_body("invalid_request_error", "Your credit balance is too low"))
    )
    with pytest.raises(BillingPauseError) as caught:
        await execute(clients, workdir, spec("Soft"))
    assert "add credit: https://console.anthropic.com/settings/billing" in str(caught.value)
    assert "sk-ant-test-0123456789" not in str(caught.value)


async def test_transient_failures_become_a_retry_outcome(clients: Clients, server: FakeServer, workdir: Path) -> None:
    server.enqueue(Reply(status=503, json_body=anthropic_wire.error_body("overloaded_error", "busy")))
    outcome = await execute(clients, workdir, spec("Soft"))
    assert outcome.status == "retry"
    assert outcome.context_updates["last_response"].startswith('node "Soft": agent session failed:')
    assert len(server.requests) == 4  # the client retried three times first
    assert (artifacts(workdir, "Soft") / "status.json").exists()
    assert "ERROR:" in (artifacts(workdir, "Soft") / "response.md").read_text()


async def test_configuration_problems_are_handler_errors(clients: Clients, workdir: Path) -> None:
    with pytest.raises(AgentNodeError, match='node "Soft" has no prompt'):
        await execute(clients, workdir, AgentNodeSpec("Soft", {"prompt": "  "}))
    with pytest.raises(AgentNodeError, match='backend "claude-code" is not available'):
        await execute(clients, workdir, spec("Soft", backend="claude-code"))
    with pytest.raises(AgentNodeError, match="unknown backend"):
        await execute(clients, workdir, spec("Soft", backend="robot"))
    with pytest.raises(AgentNodeError, match="max_turns='lots' is not an integer"):
        await execute(clients, workdir, spec("Soft", max_turns="lots"))
    with pytest.raises(AgentNodeError, match="last_response_truncate must be >= 0"):
        await execute(clients, workdir, spec("Soft", last_response_truncate="-1"))
    with pytest.raises(AgentNodeError, match="writable_paths entry '/etc' is absolute"):
        await execute(clients, workdir, spec("Soft", writable_paths="/etc"))
    with pytest.raises(AgentNodeError, match="ResponseSchema must be non-empty"):
        await execute(clients, workdir, spec("Soft", response_format="json_schema"))
    run = AgentRun(spec=spec("Soft"), context={}, working_dir=workdir, client=None)
    with pytest.raises(AgentNodeError, match="no LLM provider is configured"):
        await run_agent_node(run)


# ---------------------------------------------------------------------------- settings


def test_from_ir_applies_defaults_and_stylesheet() -> None:
    build = spec("Build")
    assert build.attrs["prompt"].startswith("Work carefully.\n\nWrite hello")
    assert build.attrs["writes"] == "summary,files"
    assert build.graph_attrs["params.lang"] == "go"
    styled = spec("Styled")
    assert styled.attrs["llm_model"] == "gpt-5.4"
    assert model_and_provider(NodeSettings(styled, {}), "anthropic") == ("gpt-5.4", "openai")
    assert model_and_provider(NodeSettings(build, {}), None) == ("claude-sonnet-4-6", "anthropic")
    assert model_and_provider(NodeSettings(AgentNodeSpec("X", {}), {}), "gemini") == ("gemini-2.5-pro", "gemini")
    assert model_and_provider(NodeSettings(AgentNodeSpec("X", {}), {"graph.llm_provider": "openai"}), None) == (
        "gpt-5.4",
        "openai",
    )


def test_session_settings_from_attributes(workdir: Path) -> None:
    node = AgentNodeSpec(
        "N",
        {
            "prompt": "p",
            "system_prompt": "Be brief.",
            "commit_only": "yes",
            "command_timeout": "45s",
            "context_compaction": "auto",
            "tool_access": "none",
            "working_dir": "sub",
            "llm_fallbacks": "openai/gpt-5.4, broken, gemini/gemini-2.5-pro",
            "reflect_on_error": "false",
            "response_format": "json_object",
        },
        {"max_cost_usd": "3", "no_progress_turns": "4", "verify_after_edit": "true", "reasoning_effort": "low"},
    )
    config = session_config(
        NodeSettings(node, {"episode_summaries": '["earlier"]'}),
        run_working_dir=workdir,
        default_provider="anthropic",
        command_policy=None,
    )
    assert config.system_prompt.startswith("Scope restriction:") and config.system_prompt.endswith("Be brief.")
    assert config.command_timeout == 45.0
    assert (config.context_compaction, config.compaction_threshold) == ("auto", 0.6)
    assert config.tools_restricted and config.working_dir == str(workdir / "sub")
    assert [str(lane) for lane in config.fallbacks] == ["openai/gpt-5.4", "gemini/gemini-2.5-pro"]
    assert config.max_cost_usd == 3.0 and config.no_progress_turns == 4
    assert config.verify_after_edit and config.verify_on_breach and not config.reflect_on_error
    assert config.reasoning_effort == "low" and config.response_format == "json_object"
    assert config.prior_episode_summaries == ["earlier"]
    disabled = AgentNodeSpec("N", {"prompt": "p", "max_cost_usd": "0"}, {"max_cost_usd": "3"})
    assert session_config(NodeSettings(disabled, {}), run_working_dir=workdir, default_provider=None, command_policy=None).max_cost_usd == 0


async def test_working_dir_roots_the_tools(clients: Clients, workdir: Path) -> None:
    (workdir / "pkg").mkdir()
    turns = [tool_turn(Call("write", {"path": "inside.txt", "content": "x"})), text_turn("ok")]
    outcome = await execute(clients, workdir, spec("Soft", working_dir="pkg"), turns)
    assert outcome.status == "success"
    assert (workdir / "pkg" / "inside.txt").exists()
    assert f"- Working directory: {workdir / 'pkg'}" in outcome.prompt


async def test_graph_denylist_applies_to_agent_commands(clients: Clients, workdir: Path, events: EventLog) -> None:
    source = WORKFLOW.replace("    prompt_prefix: Work carefully.\n", "    tool_denylist_add: git push *\n")
    turns = [tool_turn(Call("bash", {"command": "git push origin main"})), text_turn("ok")]
    await execute(clients, workdir, spec("Soft", source), turns, events=events)
    end = events.of("tool_call_end")[0]
    assert end.tool_error and "denylist:git push *" in end.tool_output


def test_prompt_defaults_cascade() -> None:
    from tracker.agent.codergen import apply_prompt_defaults
    from tracker.dippin.ir import Defaults

    defaults = Defaults(system_prompt="Shared.", prompt_prefix="Before.", prompt_suffix="After.")
    assert apply_prompt_defaults({"prompt": "Mine."}, defaults) == {
        "prompt": "Before.\n\nMine.\n\nAfter.",
        "system_prompt": "Shared.",
    }
    assert apply_prompt_defaults({"prompt": " ", "system_prompt": "Own."}, defaults) == {"prompt": " ", "system_prompt": "Own."}
