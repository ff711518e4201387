"""Retries, fallbacks, goal gates and validation overrides, driven by a scripted agent
handler registered through the public registry (the way the real agent handler plugs in)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.engine.support import of_type, path_taken, run_source, types
from tracker.engine import RunSetupError
from tracker.gates import ACTOR_HUMAN, GateAnswer, GateRequest


def flow(body: str, defaults: str = "") -> str:
    head = "workflow Agents\n  start: Start\n  exit: Done\n"
    if defaults:
        head += "\n  defaults\n" + defaults
    return head + "\n  agent Start\n    label: Start\n\n  agent Done\n    label: Done\n" + body


async def test_agent_nodes_are_refused_before_the_run_without_a_provider(tmp_path: Path) -> None:
    src = flow("\n  agent Work\n    prompt: do the work\n\n  edges\n    Start -> Work\n    Work -> Done\n")
    with pytest.raises(RunSetupError) as info:
        await run_source(tmp_path, src)
    assert 'agent node "Work"' in str(info.value)
    assert "agent nodes need an LLM provider; see `tracker doctor`" in str(info.value)
    assert not (tmp_path / ".tracker").exists()


async def test_retry_within_budget_then_success(tmp_path: Path, fake_agent: Any) -> None:
    src = flow(
        "\n  agent Work\n    prompt: do it\n    retry_policy: linear\n    max_retries: 3\n    base_delay: 1ms\n"
        "    params:\n      script: retry, retry, success\n\n  edges\n    Start -> Work\n    Work -> Done\n"
    )
    result, events = await run_source(tmp_path, src)
    assert result.status == "success"
    assert path_taken(events) == ["Start", "Work", "Work", "Work", "Done"]
    retrying = of_type(events, "stage_retrying")
    assert [e.message for e in retrying] == [
        'retrying node "Work" (attempt 1/3, policy=linear)',
        'retrying node "Work" (attempt 2/3, policy=linear)',
    ]
    attempts = [e.attempt_no for e in of_type(events, "stage_started") if e.node_id == "Work"]
    assert attempts == [1, 2, 3]
    assert types(events, "Work")[:3] == ["stage_started", "decision_outcome", "stage_retrying"]
    assert result.context["fake_calls.Work"] == "3"


async def test_retries_exhausted_fail_the_run_or_take_the_fallback(tmp_path: Path, fake_agent: Any) -> None:
    body = (
        "\n  agent Work\n    prompt: do it\n    max_retries: 1\n    base_delay: 1ms\n{extra}"
        "    params:\n      script: retry\n\n  tool Rescue\n    timeout: 5s\n    command: echo rescued\n\n"
        "  edges\n    Start -> Work\n    Work -> Done\n    Start -> Rescue when ctx.never = yes\n    Rescue -> Done\n"
    )
    result, events = await run_source(tmp_path, flow(body.format(extra="")))
    assert result.status == "fail"
    assert [e.message for e in of_type(events, "stage_failed")] == ['retries exhausted for node "Work"']
    assert of_type(events, "pipeline_failed")[0].message == "pipeline failed"

    result, events = await run_source(tmp_path, flow(body.format(extra="    fallback_target: Rescue\n")), name="fb.dip")
    assert result.status == "success"
    assert path_taken(events) == ["Start", "Work", "Work", "Rescue", "Done"]


async def test_retry_target_reruns_an_earlier_node(tmp_path: Path, fake_agent: Any) -> None:
    src = flow(
        "\n  tool Prepare\n    timeout: 5s\n    command: echo prepared\n\n"
        "  agent Work\n    prompt: do it\n    retry_target: Prepare\n    base_delay: 1ms\n"
        "    params:\n      script: retry, success\n\n"
        "  edges\n    Start -> Prepare\n    Prepare -> Work\n    Work -> Done\n"
    )
    result, events = await run_source(tmp_path, src)
    assert result.status == "success"
    assert path_taken(events) == ["Start", "Prepare", "Work", "Prepare", "Work", "Done"]


async def test_goal_gate_sends_the_run_back_until_it_passes(tmp_path: Path, fake_agent: Any) -> None:
    src = flow(
        "\n  agent Build\n    prompt: build\n\n"
        "  agent Verify\n    prompt: verify\n    goal_gate: true\n    retry_target: Build\n"
        "    params:\n      script: fail, success\n\n"
        "  edges\n    Start -> Build\n    Build -> Verify\n    Verify -> Done when ctx.outcome = success\n"
        "    Verify -> Done when ctx.outcome = fail\n"
    )
    result, events = await run_source(tmp_path, src)
    assert result.status == "success"
    assert path_taken(events) == ["Start", "Build", "Verify", "Done", "Build", "Verify", "Done"]
    gate_retry = [e for e in of_type(events, "stage_retrying") if e.node_id == "Verify"]
    assert gate_retry[0].message == 'goal-gate retry for "Verify" → "Build" (attempt 1/3)'


async def test_unsatisfied_goal_gate_fails_the_run(tmp_path: Path, fake_agent: Any) -> None:
    src = flow(
        "\n  agent Verify\n    prompt: verify\n    goal_gate: true\n    max_retries: 0\n"
        "    params:\n      script: fail\n\n"
        "  edges\n    Start -> Verify\n    Verify -> Done when ctx.outcome = success\n    Verify -> Done when ctx.outcome = fail\n"
    )
    result, events = await run_source(tmp_path, src)
    assert result.status == "fail"
    assert 'goal-gate retries exhausted for "Verify"' in result.error
    assert of_type(events, "pipeline_failed")[-1].terminal_status == "fail"


class HumanSays:
    """An interviewer standing in for a person who always gives the same answer."""

    actor = ACTOR_HUMAN

    def __init__(self, text: str) -> None:
        self.text = text

    def supports(self, mode: str) -> bool:
        return True

    async def ask(self, request: GateRequest) -> GateAnswer:
        return GateAnswer(self.text)

    async def close(self) -> None:
        return None


async def test_override_edge_from_a_human_gate_ends_validation_overridden(tmp_path: Path, fake_agent: Any) -> None:
    src = flow(
        "\n  agent Verify\n    prompt: verify\n    goal_gate: true\n    max_retries: 0\n"
        "    params:\n      script: fail\n\n"
        "  human Escalate\n    label: Accept anyway?\n\n"
        "  tool Abandon\n    timeout: 5s\n    command: exit 1\n\n"
        "  edges\n    Start -> Verify\n    Verify -> Done when ctx.outcome = success\n"
        "    Verify -> Escalate when ctx.outcome = fail\n"
        "    Escalate -> Done label: accept override: true\n    Escalate -> Abandon label: abandon\n"
        "    Abandon -> Done\n"
    )
    result, events = await run_source(tmp_path, src, interviewer=HumanSays("accept"))
    assert result.status == "validation_overridden"
    override = of_type(events, "validation_overridden")[0]
    assert (override.override_gate, override.override_label, override.override_actor) == ("Escalate", "accept", "human")
    edge = next(e for e in of_type(events, "decision_edge") if e.node_id == "Escalate")
    assert edge.edge_priority == "override"
    escalate = types(events, "Escalate")
    assert escalate.index("decision_edge") < escalate.index("validation_overridden")
    assert of_type(events, "pipeline_completed")[0].terminal_status == "validation_overridden"
    assert result.overrides[0].covered_gates == ["Verify"]


async def test_usage_from_handlers_feeds_cost_events_and_the_token_budget(tmp_path: Path, fake_agent: Any) -> None:
    from tracker.engine import BudgetLimits

    src = flow(
        "\n  agent One\n    prompt: a\n    params:\n      tokens: 600\n      cost: 0.5\n\n"
        "  agent Two\n    prompt: b\n    params:\n      tokens: 600\n      cost: 0.5\n\n"
        "  edges\n    Start -> One\n    One -> Two\n    Two -> Done\n"
    )
    result, events = await run_source(tmp_path, src, budget=BudgetLimits(max_tokens=1000))
    assert result.status == "budget_exceeded"
    costs = of_type(events, "cost_updated")
    assert costs[0].node_id == "One"
    assert costs[0].total_tokens == 610 and costs[0].provider_totals["fake"]["input_tokens"] == 600
    terminal = [e for e in events if e.terminal_status]
    assert [(e.type, e.terminal_status, e.message) for e in terminal] == [
        ("budget_exceeded", "budget_exceeded", "max_total_tokens exceeded")
    ]
    assert terminal[0].total_tokens == 1220
    outcome = next(e for e in of_type(events, "decision_outcome") if e.node_id == "Two")
    assert (outcome.token_input, outcome.token_output) == (600, 10)
