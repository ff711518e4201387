"""Edge selection through real runs: every priority rule, in the spec's order."""

from __future__ import annotations

from pathlib import Path

from tests.engine.support import of_type, path_taken, run_source

HEADER = """
workflow Route
  start: Start
  exit: Done

  agent Start
    label: Start

  agent Done
    label: Done
"""


def tool(name: str, command: str) -> str:
    return f"\n  tool {name}\n    timeout: 5s\n    command: {command}\n"


async def test_first_true_condition_wins_in_declaration_order(tmp_path: Path) -> None:
    src = (
        HEADER
        + tool("Probe", "echo green")
        + tool("A", "true")
        + tool("B", "true")
        + """
  edges
    Start -> Probe
    Probe -> A when ctx.tool_stdout = red
    Probe -> B when ctx.tool_stdout = green
    Probe -> A when ctx.tool_stdout contains gr
    A -> Done
    B -> Done
"""
    )
    result, events = await run_source(tmp_path, src)
    assert result.status == "success"
    assert path_taken(events) == ["Start", "Probe", "B", "Done"]
    conditions = [e for e in of_type(events, "decision_condition") if e.node_id == "Probe"]
    assert [(e.edge_to, e.condition_match) for e in conditions] == [("A", False), ("B", True)]
    chosen = next(e for e in of_type(events, "decision_edge") if e.node_id == "Probe")
    assert (chosen.edge_to, chosen.edge_priority, chosen.condition_match) == ("B", "condition", True)


async def test_compound_conditions_with_words_symbols_and_parentheses(tmp_path: Path) -> None:
    src = (
        HEADER
        + tool("Probe", "printf 'size=7\\nkind=beta\\n'")
        + tool("Wrong", "true")
        + tool("Right", "true")
        + """
  edges
    Start -> Probe
    Probe -> Wrong when ctx.tool_stdout contains "size=7" and ctx.tool_stdout contains alpha
    Probe -> Right when (ctx.tool_stdout contains alpha || ctx.tool_stdout contains beta) && not ctx.outcome = fail
    Probe -> Wrong
    Wrong -> Done
    Right -> Done
"""
    )
    result, events = await run_source(tmp_path, src)
    assert result.status == "success"
    assert path_taken(events)[2] == "Right"


async def test_operators_matches_in_and_numbers(tmp_path: Path) -> None:
    src = (
        HEADER
        + tool("Probe", "echo 0.85")
        + tool("Low", "true")
        + tool("High", "true")
        + """
  edges
    Start -> Probe
    Probe -> Low when ctx.tool_stdout < 0.5
    Probe -> High when ctx.tool_stdout >= 0.8 and ctx.tool_stdout matches "^0\\.[0-9]+$" and ctx.outcome in "success, retry"
    Probe -> Low
    Low -> Done
    High -> Done
"""
    )
    result, events = await run_source(tmp_path, src)
    assert result.status == "success", result.error
    assert path_taken(events)[2] == "High"


async def test_unconditional_edges_by_weight_then_lexical_tiebreak(tmp_path: Path) -> None:
    src = (
        HEADER
        + tool("Fork", "true")
        + tool("Zed", "true")
        + tool("Alpha", "true")
        + tool("Heavy", "true")
        + tool("Beta", "true")
        + """
  edges
    Start -> Fork
    Fork -> Zed
    Fork -> Heavy weight: 5
    Fork -> Alpha
    Heavy -> Beta
    Beta -> Alpha
    Beta -> Zed
    Alpha -> Done
    Zed -> Done
"""
    )
    result, events = await run_source(tmp_path, src)
    assert result.status == "success"
    assert path_taken(events) == ["Start", "Fork", "Heavy", "Beta", "Alpha", "Done"]
    edges = {e.node_id: e for e in of_type(events, "decision_edge")}
    assert edges["Fork"].edge_priority == "weight"
    assert edges["Beta"].edge_priority == "lexical"
    assert [e.node_id for e in of_type(events, "edge_tiebreaker")] == ["Beta"]


async def test_conditional_fallthrough_is_reported_after_the_edge(tmp_path: Path) -> None:
    src = (
        HEADER
        + tool("Probe", "echo nothing")
        + tool("A", "true")
        + """
  edges
    Start -> Probe
    Probe -> A when ctx.tool_stdout = something
    Probe -> Done
    A -> Done
"""
    )
    result, events = await run_source(tmp_path, src)
    assert result.status == "success"
    probe = [e.type for e in events if e.node_id == "Probe"]
    assert probe[-3:] == ["decision_condition", "decision_edge", "conditional_fallthrough"]
    fall = of_type(events, "conditional_fallthrough")[0]
    assert fall.conditions_tried == [{"edge_to": "A", "condition": "ctx.tool_stdout = something"}]
    assert fall.edge_priority == "weight"


async def test_preferred_label_beats_weight_and_can_pick_a_conditional_edge(tmp_path: Path) -> None:
    from tracker.gates.auto import AutoApproveInterviewer

    src = """
workflow Labels
  start: Start
  exit: Done

  agent Start
    label: Start

  human Pick
    label: Pick one
    default: later

  tool Now
    timeout: 5s
    command: echo now

  tool Later
    timeout: 5s
    command: echo later

  agent Done
    label: Done

  edges
    Start -> Pick
    Pick -> Now weight: 10
    Pick -> Later when ctx.tool_stdout = never label: later
    Now -> Done
    Later -> Done
"""
    result, events = await run_source(tmp_path, src, interviewer=AutoApproveInterviewer())
    assert result.status == "success"
    assert "Later" in path_taken(events)
    chosen = next(e for e in of_type(events, "decision_edge") if e.node_id == "Pick")
    assert chosen.edge_priority == "label"


async def test_no_matching_edge_ends_the_run_with_an_error(tmp_path: Path) -> None:
    src = (
        HEADER
        + tool("Probe", "echo x")
        + tool("A", "true")
        + """
  edges
    Start -> Probe
    Probe -> A when ctx.tool_stdout = y
    A -> Done
"""
    )
    result, events = await run_source(tmp_path, src)
    assert result.status == "fail"
    assert "no matching edges" in result.error
    terminal = [e for e in events if e.terminal_status]
    assert [(e.type, e.terminal_status) for e in terminal] == [("pipeline_failed", "fail")]


async def test_failing_node_without_conditional_edge_stops_or_takes_fallback(tmp_path: Path) -> None:
    halt = (
        HEADER
        + tool("Boom", "exit 3")
        + """
  edges
    Start -> Boom
    Boom -> Done
"""
    )
    result, events = await run_source(tmp_path, halt)
    assert result.status == "fail"
    assert "failed with no failure edge" in result.error
    assert path_taken(events) == ["Start", "Boom"]

    rescued = halt.replace("  edges\n", "  tool Rescue\n    timeout: 5s\n    command: echo rescued\n\n  edges\n    Start -> Rescue when ctx.never = yes\n    Rescue -> Done\n").replace(
        "workflow Route\n", "workflow Route\n  defaults\n    on_failure: Rescue\n"
    )
    result, events = await run_source(tmp_path, rescued, name="rescued.dip")
    assert result.status == "success", result.error
    assert path_taken(events)[-2:] == ["Rescue", "Done"]
    fallback = [e for e in of_type(events, "stage_failed") if e.node_id == "Boom"]
    assert [e.message for e in fallback] == ['node "Boom" failed', 'node "Boom" failed with no failure edge, routing to fallback "Rescue"']


async def test_failure_routed_by_outcome_condition(tmp_path: Path) -> None:
    src = (
        HEADER
        + tool("Boom", "echo oops >&2; exit 1")
        + tool("Fix", "true")
        + """
  edges
    Start -> Boom
    Boom -> Done when ctx.outcome = success
    Boom -> Fix when ctx.outcome = fail
    Fix -> Done
"""
    )
    result, events = await run_source(tmp_path, src)
    assert result.status == "success"
    assert path_taken(events) == ["Start", "Boom", "Fix", "Done"]
    assert result.context["node.Boom.tool_stderr"] == "oops"
    assert result.context["node.Boom.outcome"] == "fail"


async def test_restart_loop_clears_downstream_and_respects_max_restarts(tmp_path: Path) -> None:
    src = """
workflow Loop
  start: Start
  exit: Done

  defaults
    max_restarts: 2

  agent Start
    label: Start

  tool Count
    timeout: 5s
    command:
      n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; echo $n

  agent Done
    label: Done

  edges
    Start -> Count
    Count -> Done when ctx.tool_stdout = 3
    Count -> Count when ctx.tool_stdout != 3 restart: true
"""
    result, events = await run_source(tmp_path, src)
    assert result.status == "success", result.error
    assert path_taken(events) == ["Start", "Count", "Count", "Count", "Done"]
    restarts = of_type(events, "decision_restart")
    assert [e.restart_count for e in restarts] == [1, 2]
    assert restarts[0].cleared_nodes == ["Count", "Done"]
    assert [e.node_id for e in of_type(events, "loop_restart")] == ["Count", "Count"]

    (tmp_path / "count").unlink()
    looping = src.replace("ctx.tool_stdout = 3", "ctx.tool_stdout = 9").replace("!= 3", "!= 9")
    result, events = await run_source(tmp_path, looping, name="forever.dip")
    assert result.status == "fail"
    assert result.error == "max restarts (2) exceeded"
    failed = of_type(events, "pipeline_failed")
    assert failed[-1].message == "max restarts (2) exceeded"
