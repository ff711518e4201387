"""Subgraph and manager-loop nodes: child runs, params, nested events, supervision."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.engine.support import of_type, path_taken, run_source, write
from tracker.engine import PipelineLoadError

CHILD = """
workflow Child
  start: Begin
  exit: End

  vars
    team: nobody

  agent Begin
    label: Begin

  tool Greet
    label: "Greet ${params.team}"
    timeout: 5s
    command: echo "hello ${params.team} from ${graph.goal}"

  agent End
    label: End

  edges
    Begin -> Greet
    Greet -> End
"""


def parent(node: str) -> str:
    return (
        "workflow Parent\n  goal: parent goal\n  start: Start\n  exit: Done\n\n  agent Start\n    label: Start\n\n"
        + node
        + "\n  tool After\n    timeout: 5s\n    command: echo after\n\n  agent Done\n    label: Done\n\n"
        "  edges\n    Start -> Sub\n    Sub -> After\n    After -> Done\n"
    )


async def test_subgraph_runs_the_child_with_params_and_nests_its_events(tmp_path: Path) -> None:
    write(tmp_path, "child.dip", CHILD)
    src = parent("  subgraph Sub\n    ref: child.dip\n    params:\n      team: core\n")
    result, events = await run_source(tmp_path, src)
    assert result.status == "success", result.error
    # the child starts from the parent's context; it re-seeds only the graph keys it has
    assert result.context["node.Sub.tool_stdout"] == "hello core from parent goal"
    nested = [e for e in events if e.node_id.startswith("Sub/")]
    assert [e.node_id for e in nested if e.type == "stage_started"] == ["Sub/Begin", "Sub/Greet", "Sub/End"]
    assert {e.run_id for e in nested} != {result.run_id}  # the child run keeps its own run id
    assert [e.type for e in events].count("pipeline_started") == 1
    assert [e.type for e in events].count("pipeline_completed") == 1
    status_file = result.run_dir / "Sub" / "Greet" / "status.json"  # type: ignore[operator]
    assert status_file.is_file()
    assert path_taken(events)[-2:] == ["After", "Done"]


async def test_child_failure_fails_the_node_and_child_errors_stop_the_run(tmp_path: Path) -> None:
    failing_exit = CHILD.replace("  agent End\n    label: End\n", "  tool End\n    timeout: 5s\n    command: exit 1\n")
    write(tmp_path, "child.dip", failing_exit)
    src = parent("  subgraph Sub\n    ref: child.dip\n").replace(
        "    Sub -> After\n", "    Sub -> After when ctx.outcome = fail\n    Sub -> Done when ctx.outcome = success\n"
    )
    result, events = await run_source(tmp_path, src)
    assert result.status == "success", result.error
    assert result.context["node.Sub.outcome"] == "fail"  # the child ended fail: the node fails, routably
    assert path_taken(events)[-2:] == ["After", "Done"]

    hanging = CHILD.replace('command: echo "hello ${params.team} from ${graph.goal}"', "command: sleep 2")
    write(tmp_path, "child.dip", hanging.replace("timeout: 5s", "timeout: 100ms"))
    result, _ = await run_source(tmp_path, parent("  subgraph Sub\n    ref: child.dip\n"), name="p2.dip")
    assert result.status == "fail"
    assert 'subgraph "child.dip"' in result.error and "timed out" in result.error


async def test_missing_and_cyclic_subgraph_references_are_load_errors(tmp_path: Path) -> None:
    path = write(tmp_path, "p.dip", parent("  subgraph Sub\n    ref: nowhere.dip\n"))
    from tracker.engine import load_pipeline

    with pytest.raises(PipelineLoadError) as info:
        load_pipeline(path.read_bytes(), path)
    assert 'subgraph "nowhere.dip" not found' in str(info.value)

    write(tmp_path, "a.dip", parent("  subgraph Sub\n    ref: b.dip\n"))
    write(tmp_path, "b.dip", parent("  subgraph Sub\n    ref: a.dip\n"))
    with pytest.raises(PipelineLoadError) as info:
        load_pipeline((tmp_path / "a.dip").read_bytes(), tmp_path / "a.dip")
    assert "cycle" in str(info.value)


MANAGED = """
workflow Managed
  start: Begin
  exit: End

  agent Begin
    label: Begin

  tool Work
    timeout: 5s
    command: sleep 0.15

  agent End
    label: End

  edges
    Begin -> Work
    Work -> End when ctx.steer.hint = go
    Work -> Work when ctx.steer.hint != go restart: true
"""


def manager(extra: str) -> str:
    return parent("  manager_loop Sub\n    subgraph_ref: managed.dip\n    poll_interval: 50ms\n" + extra)


async def test_manager_loop_steers_the_child_until_it_finishes(tmp_path: Path) -> None:
    write(tmp_path, "managed.dip", MANAGED.replace("workflow Managed\n", "workflow Managed\n  defaults\n    max_restarts: 50\n"))
    src = manager("    max_cycles: 200\n    steer_condition: stack.child.cycles >= 2\n    steer_context:\n      hint: go\n")
    result, events = await run_source(tmp_path, src)
    assert result.status == "success", result.error
    assert result.context["node.Sub.stack.child.status"] == "success"
    ticks = [e.message for e in of_type(events, "manager_cycle_tick")]
    assert "manager_loop: cycle 1/200" in ticks
    assert any(m.startswith("manager_loop: steered 1 keys") for m in ticks)
    sub_started = [e.message for e in of_type(events, "stage_started") if e.node_id == "Sub"]
    assert sub_started == ['executing node "Sub"', 'manager_loop: child "managed.dip" launched']


async def test_manager_loop_stop_condition_and_max_cycles(tmp_path: Path) -> None:
    write(tmp_path, "managed.dip", MANAGED.replace("workflow Managed\n", "workflow Managed\n  defaults\n    max_restarts: 500\n"))
    result, events = await run_source(tmp_path, manager("    max_cycles: 100\n    stop_condition: stack.child.cycles = 3\n"))
    assert result.status == "success", result.error
    assert result.context["node.Sub.stack.child.status"] == "stop_condition_met"
    done = [e.message for e in of_type(events, "stage_completed") if e.node_id == "Sub"]
    assert "manager_loop: stop_condition met after 3 cycles" in done

    result, events = await run_source(tmp_path, manager("    max_cycles: 2\n"), name="p2.dip")
    assert result.status == "fail"
    assert "max cycles (2) exceeded" in result.error
