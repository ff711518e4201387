"""Context-key dataflow on small hand-written workflows."""

from __future__ import annotations

import textwrap

from tracker.dippin import load_text
from tracker.dippin.analysis import Analysis, analyze
from tracker.dippin.ir import Workflow


def workflow(text: str) -> Workflow:
    result = load_text(textwrap.dedent(text).lstrip("\n"))
    assert not [d for d in result.diagnostics if d.is_error], result.diagnostics
    return result.workflow


def analysis(text: str) -> Analysis:
    a = analyze(workflow(text))
    assert a.error is None
    return a


BRANCH = """
workflow Branch
  goal: "Ship it"
  start: Start
  exit: Done

  agent Start
    label: Start
  tool Check
    command: make test
    timeout: 10s
  agent Fix
    prompt: Fix the tests.
    writes: fix_notes
  agent Report
    prompt: Report ${ctx.fix_notes}
  agent Done
    label: Done

  edges
    Start -> Check
    Check -> Fix  when ctx.outcome = fail
    Check -> Report
    Fix -> Report
    Report -> Done
"""


def test_key_written_on_one_branch_is_may_not_must() -> None:
    a = analysis(BRANCH)
    notes = a.key_info("Report", "fix_notes")
    assert notes is not None
    assert notes.always is False
    assert [w.node_id for w in notes.writers] == ["Fix"]
    stdout = a.key_info("Report", "tool_stdout")
    assert stdout is not None and stdout.always is True


def test_keys_before_their_writer_are_absent() -> None:
    a = analysis(BRANCH)
    assert a.key_info("Check", "tool_stdout") is None
    assert a.key_info("Fix", "fix_notes") is None
    assert "fix_notes" in a.keys_after("Fix")


def test_writes_declaration_points_at_the_list_item_when_lines_are_given() -> None:
    text = textwrap.dedent(BRANCH).lstrip("\n")
    wf = load_text(text).workflow
    a = analyze(wf, source_lines=text.split("\n"))
    writer = a.key_info("Report", "fix_notes").writers[0]  # type: ignore[union-attr]
    assert writer.kind == "writes"
    line = text.split("\n")[writer.range.start.line]
    assert line[writer.range.start.character : writer.range.end.character] == "fix_notes"


def test_interview_answers_key_has_the_gate_as_writer() -> None:
    a = analysis(
        """
        workflow Interview
          start: Ask
          exit: Use
          agent Ask
            prompt: Ask questions.
          human Gate
            mode: interview
            answers_key: scope_answers
          agent Use
            prompt: Scope is ${ctx.scope_answers}
          edges
            Ask -> Gate
            Gate -> Use
        """
    )
    info = a.key_info("Use", "scope_answers")
    assert info is not None and info.always
    (writer,) = info.writers
    assert (writer.node_id, writer.kind) == ("Gate", "answers_key")
    assert writer.range.start.line == 7
    assert a.key_info("Use", "human_response") is not None
    assert a.key_info("Use", "interview_answers") is None


def test_scoped_keys_exist_only_downstream_of_their_node() -> None:
    a = analysis(BRANCH)
    assert a.key_info("Check", "node.Check.tool_stdout") is None
    assert a.key_info("Start", "node.Fix.fix_notes") is None
    scoped = a.key_info("Report", "node.Check.tool_stdout")
    assert scoped is not None and scoped.always and scoped.writers[0].kind == "scoped"
    assert a.key_info("Report", "node.Check.outcome") is not None
    fix_copy = a.key_info("Done", "node.Fix.fix_notes")
    assert fix_copy is not None and not fix_copy.always


LOOP = """
workflow Loop
  start: Start
  exit: Done
  agent Start
    label: Start
  agent Draft
    prompt: Draft it. Feedback so far: ${ctx.review_notes}
  agent Review
    prompt: Review it.
    writes: review_notes
  agent Done
    label: Done
  edges
    Start -> Draft
    Draft -> Review
    Review -> Draft  when ctx.outcome = fail  restart: true
    Review -> Done
"""


def test_loop_body_writes_reach_the_loop_head_as_loop_only() -> None:
    a = analysis(LOOP)
    info = a.key_info("Draft", "review_notes")
    assert info is not None
    assert info.loop_only and not info.always
    assert [w.node_id for w in info.writers] == ["Review"]
    assert a.key_info("Done", "review_notes").loop_only is False  # type: ignore[union-attr]
    assert a.loops() == [["Draft", "Review"]]


PARALLEL = """
workflow Par
  start: Plan
  exit: Done
  agent Plan
    prompt: Plan.
    writes: plan
  parallel Fan -> Left, Right
  agent Left
    prompt: Left side of ${ctx.plan}
    writes: left_notes
  agent Right
    prompt: Right side.
  fan_in Join <- Left, Right
  agent Done
    prompt: Merge ${ctx.left_notes}
  edges
    Plan -> Fan
    Join -> Done
"""


def test_parallel_branches_see_the_parent_context_and_merge_as_may() -> None:
    a = analysis(PARALLEL)
    assert a.parallel_pairs() == {"Fan": "Join"}
    assert a.key_info("Left", "plan").always  # type: ignore[union-attr]
    assert a.key_info("Right", "left_notes") is None
    merged = a.key_info("Done", "left_notes")
    assert merged is not None and not merged.always
    assert a.key_info("Done", "plan").always  # type: ignore[union-attr]
    last = a.key_info("Done", "last_response")
    assert last is not None
    assert {w.node_id for w in last.writers} == {"Plan", "Left", "Right"}


def test_parallel_branch_scoped_keys_do_not_reach_the_parent() -> None:
    a = analysis(PARALLEL)
    assert a.key_info("Done", "node.Left.left_notes") is None
    assert a.key_info("Done", "node.Plan.plan") is not None
    assert a.key_info("Done", "node.Fan.parallel.results") is not None


def test_human_response_is_consumed_by_the_next_agent() -> None:
    a = analysis(
        """
        workflow Ask
          start: Gate
          exit: Second
          human Gate
            mode: freeform
          agent First
            prompt: Use ${ctx.human_response}
          agent Second
            prompt: Again ${ctx.human_response}
          edges
            Gate -> First
            First -> Second
        """
    )
    assert a.live_on_first_pass("First")
    assert not a.live_on_first_pass("Second")
    assert a.consumers_before("Second") == ["First"]
    assert a.key_info("Second", "human_response") is not None
    assert a.key_info("Second", "node.Gate.human_response").always  # type: ignore[union-attr]


def test_choice_gate_writes_no_human_response() -> None:
    a = analysis(
        """
        workflow Choice
          start: Gate
          exit: Done
          human Gate
            label: Pick
          agent Done
            prompt: ok
          edges
            Gate -> Done  label: yes
        """
    )
    assert a.key_info("Done", "human_response") is None
    assert a.key_info("Done", "preferred_label") is not None


def test_reads_are_collected_with_ranges_and_origins() -> None:
    text = textwrap.dedent(BRANCH).lstrip("\n")
    a = analyze(load_text(text).workflow)
    lines = text.split("\n")
    (prompt_read,) = a.readers_of("fix_notes")
    assert prompt_read.node_id == "Report" and prompt_read.origin == "interpolation"
    rng = prompt_read.range
    assert lines[rng.start.line][rng.start.character : rng.end.character] == "${ctx.fix_notes}"
    (cond,) = [r for r in a.reads if r.origin == "condition"]
    assert (cond.node_id, cond.edge_index, cond.namespace, cond.key) == (None, 1, "ctx", "outcome")
    assert lines[cond.range.start.line][cond.range.start.character : cond.range.end.character] == "ctx.outcome"


def test_bare_condition_variables_have_no_namespace() -> None:
    a = analysis(
        """
        workflow Bare
          start: A
          exit: B
          agent A
            prompt: go
          agent B
            prompt: done
          edges
            A -> B  when outcome = success
        """
    )
    (read,) = a.reads
    assert (read.namespace, read.key, read.context_key) == ("", "outcome", "outcome")


def test_params_graph_and_inputs_sources() -> None:
    a = analysis(
        """
        workflow Sources
          goal: "Build the thing"
          start: A
          exit: A
          defaults
            model: claude-sonnet-4-6
          vars
            branch: main
          inputs
            spec: file
              required: true
          agent A
            prompt: ${params.branch} ${graph.goal} ${inputs.spec} ${graph.llm_model}
        """
    )
    assert set(a.params) == {"branch"}
    assert a.params["branch"].kind == "params"
    assert a.graph_attr_values["goal"] == "Build the thing"
    assert a.graph_attr_values["llm_model"] == "claude-sonnet-4-6"
    assert a.graph_attr_values["params.branch"] == "main"
    assert set(a.inputs) == {"spec"} and a.inputs["spec"].definite
    assert a.key_info("A", "graph.goal").always  # type: ignore[union-attr]
    assert a.key_info("A", "inputs.spec").always  # type: ignore[union-attr]
    assert [w.key for w in a.writers_of("params.branch")] == ["graph.params.branch"]
    assert len(a.readers_of("params.branch")) == 1


def test_child_workflow_without_vars_expects_its_params() -> None:
    a = analysis(
        """
        workflow Child
          start: A
          exit: A
          agent A
            prompt: Work on ${params.topic}
        """
    )
    assert set(a.params) == {"topic"}
    assert not a.params["topic"].definite


def test_reachability_dead_ends_and_unreachable_nodes() -> None:
    a = analysis(
        """
        workflow Reach
          start: A
          exit: C
          agent A
            prompt: a
          agent B
            prompt: b
          agent C
            prompt: c
          agent Orphan
            prompt: o
          agent Stuck
            prompt: s
          edges
            A -> B
            B -> C  when ctx.outcome = success
            B -> Stuck
        """
    )
    assert a.reachable == {"A", "B", "C", "Stuck"}
    assert a.unreachable == ["Orphan"]
    assert a.paths_to_exit == {"A", "B", "C"}
    assert a.dead_ends == ["Stuck"]


def test_fallback_and_on_failure_routes_carry_context() -> None:
    a = analysis(
        """
        workflow Routes
          start: A
          exit: Done
          defaults
            on_failure: Rescue
          agent A
            prompt: a
            writes: a_notes
          human Rescue
            mode: freeform
          agent Done
            prompt: done
          edges
            A -> Done
            Rescue -> Done
        """
    )
    assert a.key_info("Rescue", "a_notes") is not None
    assert a.key_info("Done", "human_response").always is False  # type: ignore[union-attr]


def test_opaque_subgraph_is_reported_upstream() -> None:
    a = analysis(
        """
        workflow Outer
          start: A
          exit: B
          subgraph A
            ref: child.dip
          agent B
            prompt: ${ctx.child_key}
          edges
            A -> B
        """
    )
    assert a.opaque_upstream("B") == ["A"]
    assert a.opaque_upstream("A") == []
