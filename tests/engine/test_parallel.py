"""Parallel fan-out and fan-in: concurrency, isolated contexts, merge order, policies."""

from __future__ import annotations

import json
from pathlib import Path

from tests.engine.support import of_type, path_taken, run_source, types


def fanout(policy: str = "", fan_in_policy: str = "", b_command: str = "echo b", extra_edges: str = "") -> str:
    p_params = f"\n    params:\n      fan_in_policy: {policy}\n      quorum: 2\n" if policy else "\n"
    j_params = f"\n    params:\n      fan_in_policy: {fan_in_policy}\n      quorum: 2\n" if fan_in_policy else "\n"
    return (
        "workflow P\n  start: Start\n  exit: Done\n\n  agent Start\n    label: Start\n\n"
        f"  parallel Fan -> A, B, C{p_params}\n"
        "  tool A\n    timeout: 5s\n    command: sleep 0.3; echo a\n\n"
        f"  tool B\n    timeout: 5s\n    command: sleep 0.3; {b_command}\n\n"
        "  tool C\n    timeout: 5s\n    command: sleep 0.3; echo c\n\n"
        f"  fan_in Join <- A, B, C{j_params}\n"
        "  tool After\n    timeout: 5s\n    command: echo after\n\n"
        "  agent Done\n    label: Done\n\n"
        "  edges\n    Start -> Fan\n    Join -> After\n    After -> Done\n" + extra_edges
    )


async def test_branches_run_concurrently_and_the_join_merges_in_branch_order(tmp_path: Path) -> None:
    result, events = await run_source(tmp_path, fanout())
    assert result.status == "success", result.error
    branch = [(e.type, e.node_id) for e in events if e.node_id in ("A", "B", "C") and e.type.startswith("stage_")]
    # all three branches start before any of them finishes: they run concurrently
    assert [t for t, _ in branch[:3]] == ["stage_started"] * 3
    assert {n for _, n in branch} == {"A", "B", "C"}
    assert path_taken(events)[-3:] == ["Join", "After", "Done"]
    assert result.context["tool_stdout"] == "after"
    assert result.context["node.Join.tool_stdout"] == "c"  # later branches win on shared keys
    results = json.loads(result.context["parallel.results"])
    assert [r["node_id"] for r in results] == ["A", "B", "C"]
    assert results[1]["context_updates"]["tool_stdout"] == "b"
    fan = types(events, "Fan")
    assert fan[:2] == ["stage_started", "parallel_started"]
    assert fan.index("parallel_completed") < fan.index("decision_outcome")
    assert of_type(events, "parallel_started")[0].message == "fan-out to 3 branches: [A B C]"
    edge = next(e for e in of_type(events, "decision_edge") if e.node_id == "Fan")
    assert (edge.edge_to, edge.edge_priority) == ("Join", "suggested")
    # branches are not completed nodes of the run
    assert "A" not in result.completed_nodes


async def test_branches_do_not_see_each_others_writes(tmp_path: Path) -> None:
    src = fanout(b_command="echo ${ctx.outcome}")
    result, _ = await run_source(tmp_path, src)
    results = json.loads(result.context["parallel.results"])
    assert results[1]["context_updates"]["tool_stdout"] == ""


async def test_any_policy_succeeds_with_one_failed_branch(tmp_path: Path) -> None:
    result, events = await run_source(tmp_path, fanout(b_command="exit 1"))
    assert result.status == "success"
    failed = [e for e in of_type(events, "stage_failed") if e.node_id == "B"]
    assert len(failed) == 1
    assert "node.Join.tool_stdout" in result.context


async def test_all_policy_fails_the_parallel_node(tmp_path: Path) -> None:
    src = fanout(policy="all", b_command="exit 1", extra_edges="    Fan -> Done when ctx.outcome = fail\n")
    result, events = await run_source(tmp_path, src)
    assert result.status == "success"
    assert path_taken(events)[-1] == "Done" and "Join" not in path_taken(events)
    assert result.context["fan_in.policy_detail"] == "policy all: 2/3 branches succeeded; failed: B"
    completed = of_type(events, "parallel_completed")[0]
    assert completed.message == "fan-in complete, aggregate status: fail (policy all: 2/3 branches succeeded; failed: B)"


async def test_quorum_policy_on_the_fan_in_node(tmp_path: Path) -> None:
    ok, _ = await run_source(tmp_path, fanout(fan_in_policy="quorum", b_command="exit 1"))
    assert ok.status == "success"
    assert ok.context["node.Join.fan_in.policy_detail"] == "policy quorum(2): 2/3 branches succeeded; failed: B"

    src = fanout(fan_in_policy="all", b_command="exit 1", extra_edges="    Join -> Done when ctx.outcome = fail\n")
    bad, events = await run_source(tmp_path, src, name="all.dip")
    assert bad.status == "success"
    assert bad.context["node.Join.outcome"] == "fail"
    assert "After" not in path_taken(events)
