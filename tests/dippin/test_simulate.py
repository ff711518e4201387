"""The simulator: single runs, path enumeration, the plan report and the Mermaid graph."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from tests.conftest import corpus_files
from tracker.dippin import load_file, load_text
from tracker.dippin.ir import Workflow
from tracker.dippin.simulate import (
    SimulationError,
    enumerate_paths,
    plan_report,
    simulate,
    to_mermaid,
)


def workflow(text: str) -> Workflow:
    return load_text(textwrap.dedent(text).lstrip("\n")).workflow


GATE = workflow(
    """
    workflow Gate
      goal: "Route it"
      start: Start
      exit: Exit
      agent Start
        label: Start
      tool Check
        command: make test
        timeout: 5s
      agent Pass
        prompt: ok
      agent Fix
        prompt: fix
      agent Exit
        label: Exit
      edges
        Start -> Check
        Check -> Pass  when ctx.outcome = success
        Check -> Fix  when ctx.outcome = fail
        Pass -> Exit
        Fix -> Exit
    """
)


def test_tool_defaults_to_success() -> None:
    run = simulate(GATE)
    assert run.status == "success"
    assert run.path == ["Start", "Check", "Pass", "Exit"]
    updates = [(e["key"], e["value"]) for e in run.events if e["event"] == "context_update"]
    assert updates == [("tool_stdout", "success"), ("outcome", "success")]


def test_global_scenario_key_is_not_overwritten_by_tool_defaults() -> None:
    run = simulate(GATE, {"outcome": "fail"})
    assert run.path == ["Start", "Check", "Fix", "Exit"]


def test_per_node_scenario_key_applies_when_the_node_runs() -> None:
    run = simulate(GATE, {"Check.outcome": "fail"})
    assert run.path == ["Start", "Check", "Fix", "Exit"]
    assert run.context["outcome"] == "fail"


def test_empty_per_node_value_deletes_the_key_and_the_first_edge_wins() -> None:
    run = simulate(GATE, {"outcome": "fail", "Check.outcome": ""})
    # outcome deleted at Check, both conditions false, no unconditional edge → first edge
    assert run.path == ["Start", "Check", "Pass", "Exit"]


def test_event_protocol_shape() -> None:
    run = simulate(GATE)
    kinds = [e["event"] for e in run.events]
    assert kinds[0] == "pipeline_start" and kinds[-1] == "pipeline_end"
    assert run.events[0]["run_id"].startswith("sim-") and run.events[0]["workflow"] == "Gate"
    assert run.events[-1]["status"] == "success" and run.events[-1]["nodes_visited"] == 4
    enter = next(e for e in run.events if e["event"] == "node_enter" and e["node"] == "Check")
    assert list(enter) == ["event", "node", "kind", "command", "timestamp"]
    exit_event = next(e for e in run.events if e["event"] == "node_exit")
    assert exit_event["status"] == "success" and exit_event["duration_ms"] == 0
    edge = next(e for e in run.events if e["event"] == "edge_traverse" and e["from"] == "Check")
    assert edge["condition"] == "ctx.outcome = success" and "restart" not in edge
    for e in run.events:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d*[1-9])?Z", e["timestamp"])


HUMAN = workflow(
    """
    workflow Human
      start: Ask
      exit: Done
      human Ask
        label: Approve?
      agent Yes
        prompt: go
      agent Done
        label: Done
      edges
        Ask -> Yes  label: "[Y] Yes"
        Ask -> Done  label: "[N] No"
        Yes -> Done
    """
)


def test_preferred_label_matches_a_label_substring_case_insensitively() -> None:
    assert simulate(HUMAN, {"preferred_label": "no"}).path == ["Ask", "Done"]
    run = simulate(HUMAN, {"preferred_label": "yes"})
    assert run.path == ["Ask", "Yes", "Done"]
    assert "preferred_label" not in run.context


def test_human_without_preferred_label_takes_the_first_unconditional_edge() -> None:
    assert simulate(HUMAN).path == ["Ask", "Yes", "Done"]


def test_interactive_answers_set_human_response() -> None:
    run = simulate(HUMAN, ask=lambda node: "looks good")
    assert run.context["human_response"] == "looks good"


LOOP = workflow(
    """
    workflow Loop
      start: Start
      exit: Done
      agent Start
        label: Start
      tool Test
        command: make test
        timeout: 5s
      agent Fix
        prompt: fix
      agent Done
        label: Done
      edges
        Start -> Test
        Test -> Fix  when ctx.outcome = fail
        Test -> Done  when ctx.outcome = success
        Fix -> Test  restart: true
    """
)


def test_a_loop_without_a_visit_limit_hits_the_step_limit() -> None:
    with pytest.raises(SimulationError, match="exceeded 500 steps"):
        simulate(LOOP, {"outcome": "fail"})


def test_visit_limit_breaks_the_loop_with_a_false_condition() -> None:
    run = simulate(LOOP, {"outcome": "fail"}, visit_limit=3)
    assert run.status == "success"
    assert run.path.count("Test") == 4 and run.path[-1] == "Done"
    breaks = [e for e in run.events if e["event"] == "context_update" and e["key"] == "_loop_break"]
    assert [e["value"] for e in breaks] == ["Test"]
    assert "_loop_break" not in run.context
    restart = next(e for e in run.events if e["event"] == "edge_traverse" and e["from"] == "Fix")
    assert restart["restart"] is True


PARALLEL = workflow(
    """
    workflow Par
      start: Start
      exit: Done
      agent Start
        label: Start
      parallel Fan -> A, B, C
      agent A
        prompt: a
      agent B
        prompt: b
      agent C
        prompt: c
      fan_in Join <- A, B, C
      agent Done
        label: Done
      edges
        Start -> Fan
        Join -> Done
    """
)


def test_parallel_branches_run_then_the_join() -> None:
    run = simulate(PARALLEL)
    assert run.path == ["Start", "Fan", "A", "B", "C", "Join", "Done"]
    start = next(e for e in run.events if e["event"] == "parallel_start")
    assert start["targets"] == ["A", "B", "C"]
    end = next(e for e in run.events if e["event"] == "parallel_end")
    assert end["sources"] == ["A", "B", "C"]


def test_branch_filter_selects_branches() -> None:
    assert simulate(PARALLEL, branches=["B"]).path == ["Start", "Fan", "B", "Join", "Done"]
    assert simulate(PARALLEL, branches=["nope"]).path == ["Start", "Fan", "A", "B", "C", "Join", "Done"]


def test_dead_end_status() -> None:
    wf = workflow(
        """
        workflow Dead
          start: A
          exit: C
          agent A
            prompt: a
          agent B
            prompt: b
          agent C
            prompt: c
          edges
            A -> B
        """
    )
    run = simulate(wf)
    assert run.status == "dead_end" and run.path == ["A", "B"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("workflow W\n  exit: A\n  agent A\n    prompt: a\n", "workflow has no start node"),
        ("workflow W\n  start: A\n  agent A\n    prompt: a\n", "workflow has no exit node"),
        ("workflow W\n  start: X\n  exit: A\n  agent A\n    prompt: a\n", 'start node "X" not found'),
        ("workflow W\n  start: A\n  exit: A\n  agent A\n    prompt: a\n  edges\n    A -> A  when ctx.x =\n", "invalid condition"),
    ],
)
def test_preconditions(text: str, message: str) -> None:
    with pytest.raises(SimulationError, match=re.escape(message)):
        simulate(load_text(text).workflow)


def test_all_paths_reference_mode_explores_every_edge() -> None:
    found = enumerate_paths(GATE)
    assert [(r.status, r.path) for r in found.paths] == [
        ("success", ["Start", "Check", "Pass", "Exit"]),
        ("success", ["Start", "Check", "Fix", "Exit"]),
    ]
    assert [r.run_id for r in found.paths] == ["sim-path-001", "sim-path-002"]
    assert not found.truncated
    fix_path = found.paths[1]
    assert fix_path.context["outcome"] == "fail"  # the branch context is seeded to make the condition hold


def test_all_paths_parallel_targets_are_alternatives_or_a_unit() -> None:
    alternatives = enumerate_paths(PARALLEL)
    assert [r.path for r in alternatives.paths] == [
        ["Start", "Fan", t, "Join", "Done"] for t in ("A", "B", "C")
    ]
    unit = enumerate_paths(PARALLEL, parallel_as_unit=True)
    assert [r.path for r in unit.paths] == [["Start", "Fan", "A", "B", "C", "Join", "Done"]]


def test_all_paths_takes_a_restart_edge_at_most_once() -> None:
    found = enumerate_paths(LOOP, restart_once=True, distinct=True)
    assert [r.path for r in found.paths] == [
        ["Start", "Test", "Fix", "Test", "Done"],
        ["Start", "Test", "Done"],
    ]


def test_all_paths_cap_is_reported() -> None:
    found = enumerate_paths(GATE, max_paths=1)
    assert len(found.paths) == 1
    assert found.truncated and "stopped after 1 paths" in found.note


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_enumeration_terminates_on_every_corpus_file(path: Path) -> None:
    wf = load_file(path).workflow
    try:
        found = enumerate_paths(wf, restart_once=True, parallel_as_unit=True, distinct=True)
    except SimulationError as exc:
        assert "no execution paths found" in str(exc) or "not found" in str(exc) or "no start" in str(exc)
        return
    assert 1 <= len(found.paths) <= 100
    for r in found.paths:
        assert r.path[0] == wf.start
        assert r.status in ("success", "dead_end")
        if r.status == "success":
            assert r.path[-1] == wf.exit


def test_plan_report_shape_and_bfs_order() -> None:
    report = plan_report(GATE)
    assert list(report) == [
        "format", "name", "start_node", "exit_node", "graph_attrs", "nodes", "edges", "execution_plan", "unreachable", "vars", "inputs",
    ]
    assert [n["id"] for n in report["nodes"]] == ["Start", "Check", "Pass", "Fix", "Exit"]
    start = report["nodes"][0]
    assert (start["handler"], start["shape"]) == ("start", "Mdiamond")
    check = report["nodes"][1]
    assert (check["handler"], check["shape"]) == ("tool", "parallelogram")
    assert check["attrs"]["tool_command"] == "make test" and check["attrs"]["timeout"] == "5s"
    step2 = report["execution_plan"][1]
    assert step2 == {
        "step": 2,
        "node_id": "Check",
        "edges": [
            {"to": "Pass", "label": "", "condition": "ctx.outcome = success"},
            {"to": "Fix", "label": "", "condition": "ctx.outcome = fail"},
        ],
    }
    assert report["graph_attrs"]["goal"] == "Route it"
    assert report["unreachable"] == []


def test_plan_report_implicit_edges_and_unreachable_nodes() -> None:
    wf = workflow(
        """
        workflow P
          start: Start
          exit: Done
          agent Start
            label: Start
          parallel Fan -> A, B
          agent A
            prompt: a
          agent B
            prompt: b
          fan_in Join <- A, B
          agent Zed
            prompt: z
          agent Lost
            prompt: l
          agent Done
            label: Done
          edges
            Start -> Fan
            Join -> Done
        """
    )
    report = plan_report(wf)
    pairs = [(e["from"], e["to"]) for e in report["edges"]]
    assert ("Fan", "A") in pairs and ("Fan", "Join") in pairs and ("B", "Join") in pairs
    assert report["unreachable"] == ["Lost", "Zed"]
    assert [n["id"] for n in report["nodes"]][-2:] == ["Lost", "Zed"]


def test_mermaid_graph() -> None:
    text = to_mermaid(LOOP)
    assert text.startswith("flowchart TD\n")
    assert '  n0(["Start"])' in text
    assert '  n1[/"Test"/]' in text
    assert '-->|"when ctx.outcome = fail"|' in text
    assert "  n2 -.-> n1" in text
