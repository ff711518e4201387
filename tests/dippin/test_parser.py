"""Parser behaviour through the public API: the IR it builds, ranges, values and errors."""

from __future__ import annotations

from tracker.dippin import load_text, parse_text
from tracker.dippin.ir import (
    AgentNode,
    FanInNode,
    HumanNode,
    ManagerLoopNode,
    ParallelNode,
    SubgraphNode,
    ToolNode,
)
from tracker.dippin.values import MILLISECOND, SECOND


def src(body: str) -> str:
    return "workflow W\n  start: A\n  exit: B\n" + body


def codes(text: str) -> list[str]:
    return [d.code for d in parse_text(text).diagnostics]


def test_minimal_workflow_builds_ir_with_header_fields() -> None:
    r = parse_text(
        'workflow Demo\n  goal: "Ship it"\n  requires: git, docker\n  start: A\n  exit: B\n\n'
        "  agent A\n    label: Begin\n\n  agent B\n    label: End\n\n  edges\n    A -> B\n"
    )
    assert r.diagnostics == []
    w = r.workflow
    assert (w.name, w.goal, w.start, w.exit) == ("Demo", "Ship it", "A", "B")
    assert w.requires == ["git", "docker"]
    assert [n.id for n in w.nodes] == ["A", "B"]
    assert w.edges[0].source == "A" and w.edges[0].target == "B"
    a = w.node("A")
    assert isinstance(a, AgentNode) and a.label == "Begin"
    # ranges are zero-based: `agent A` is on line 6, the ID at column 8
    assert (a.id_range.start.line, a.id_range.start.character, a.id_range.end.character) == (6, 8, 9)
    assert a.fields["label"].value_range.start.character == 11


def test_every_node_kind_and_its_typed_fields() -> None:
    text = src(
        "  agent A\n"
        "    model: claude-sonnet-4-6\n    provider: anthropic\n    max_turns: 12\n"
        "    cmd_timeout: 1m30s\n    goal_gate: yes\n    auto_status: true\n    compaction_threshold: 0.75\n"
        "    reads: plan, spec\n    writes:\n      - summary\n      - verdict\n"
        "    params:\n      max_cost_usd: 2\n      permission_mode: plan\n"
        "    prompt:\n      Line one\n\n        indented more\n      Line three\n"
        "  human H\n    mode: interview\n    timeout: 500ms\n    timeout_action: default\n"
        "  tool T\n    timeout: 30s\n    output_limit: 4096\n    marker_grep: ^(pass|fail)$\n    route_required: on\n"
        "    command: |\n      echo pass\n"
        "  subgraph S\n    ref: child.dip\n    params:\n      lang: python\n"
        "  manager_loop M\n    subgraph_ref: child.dip\n    poll_interval: 10s\n    max_cycles: 3\n"
        "    stop_condition: stack.child.outcome = success\n    steer_context: hint=go, level=2\n"
        "  parallel P -> A, T\n    params:\n      fan_in_policy: all\n"
        "  fan_in J <- A, T\n"
        "  agent B\n    label: End\n"
    )
    r = parse_text(text)
    assert r.diagnostics == []
    w = r.workflow
    a, h, t, s, m, p, j = (w.node(x) for x in "AHTSMPJ")
    assert isinstance(a, AgentNode)
    assert (a.model, a.provider, a.max_turns, a.cmd_timeout) == ("claude-sonnet-4-6", "anthropic", 12, 90 * SECOND)
    assert a.goal_gate and a.auto_status and a.compaction_threshold == 0.75
    assert a.reads == ["plan", "spec"] and a.writes == ["summary", "verdict"]
    assert a.params == {"max_cost_usd": "2", "permission_mode": "plan"}
    assert a.prompt == "Line one\n\n  indented more\nLine three"
    assert isinstance(h, HumanNode) and (h.mode, h.timeout, h.timeout_action) == ("interview", 500 * MILLISECOND, "default")
    assert isinstance(t, ToolNode) and t.command == "echo pass" and t.route_required and t.output_limit == 4096
    assert t.marker_grep == "^(pass|fail)$"
    assert isinstance(s, SubgraphNode) and s.ref == "child.dip" and s.params == {"lang": "python"}
    assert isinstance(m, ManagerLoopNode) and m.poll_interval == 10 * SECOND and m.max_cycles == 3
    assert m.stop_condition is not None and m.stop_condition.expr is not None
    assert m.steer_context == {"hint": "go", "level": "2"}
    assert isinstance(p, ParallelNode) and p.targets == ["A", "T"] and p.params == {"fan_in_policy": "all"}
    assert isinstance(j, FanInNode) and j.sources == ["A", "T"]


def test_block_parallel_with_branch_overrides() -> None:
    r = parse_text(
        src("  parallel P\n    branch: A\n      model: gpt-5.4\n      provider: openai\n    branch: B\n      fidelity: summary:low\n")
    )
    assert r.diagnostics == []
    p = r.workflow.node("P")
    assert isinstance(p, ParallelNode) and p.block_form
    assert p.targets == ["A", "B"]
    assert (p.branches[0].model, p.branches[0].provider, p.branches[1].fidelity) == ("gpt-5.4", "openai", "summary:low")


def test_edges_with_every_attribute_and_shorthand() -> None:
    r = parse_text(
        src(
            "  edges\n"
            '    A -> B  when ctx.outcome = success and ctx.x != "a b"  label: "looks good"  weight: 3\n'
            "    B -> A  on fail  label: retry  loop\n"
            "    A->B  restart: true  choice: approve  override: true\n"
        )
    )
    assert r.diagnostics == []
    e1, e2, e3 = r.workflow.edges
    assert e1.condition is not None and e1.condition.raw == 'ctx.outcome = success and ctx.x != "a b"'
    assert e1.condition.expr is not None and e1.label == "looks good" and e1.weight == 3
    assert e2.outcome_shorthand and e2.condition is not None and e2.condition.raw == "ctx.outcome = fail"
    assert e2.restart and e2.loop_shorthand and e2.label == "retry"
    assert (e3.source, e3.target, e3.restart, e3.choice, e3.override) == ("A", "B", True, "approve", True)


def test_condition_ranges_point_into_the_line() -> None:
    text = src("  edges\n    A -> B  when ctx.outcome = success\n")
    r = parse_text(text)
    cond = r.workflow.edges[0].condition
    assert cond is not None
    line = text.split("\n")[cond.range.start.line]
    assert line[cond.range.start.character : cond.range.end.character] == "ctx.outcome = success"


def test_interpolation_references_carry_ranges_in_blocks() -> None:
    text = src("  agent A\n    prompt:\n      Review ${ctx.last_response}\n      for ${graph.goal}.\n")
    r = parse_text(text)
    refs = r.workflow.node("A").references  # type: ignore[union-attr]
    lines = text.split("\n")
    got = [lines[x.range.start.line][x.range.start.character : x.range.end.character] for x in refs]
    assert got == ["${ctx.last_response}", "${graph.goal}"]
    assert [(x.namespace, x.key) for x in refs] == [("ctx", "last_response"), ("graph", "goal")]


def test_comments_are_collected_and_hash_in_quotes_is_kept() -> None:
    r = parse_text('# top\nworkflow W  # trailing\n  goal: "Step #1"  # why\n  start: A\n  exit: A\n  agent A\n    label: C# tips\n')
    assert r.workflow.goal == "Step #1"
    assert r.workflow.node("A").label == "C# tips"  # type: ignore[union-attr]
    assert [c.text for c in r.workflow.comments] == ["# top", "# trailing", "# why"]
    assert [c.own_line for c in r.workflow.comments] == [True, False, False]


def test_quoted_values_decode_escapes() -> None:
    r = parse_text(src('  agent A\n    label: "say \\"hi\\" \\\\ bye"\n'))
    assert r.workflow.node("A").label == 'say "hi" \\ bye'  # type: ignore[union-attr]


def test_crlf_and_bom_are_harmless() -> None:
    text = "\ufeffworkflow W\r\n  start: A\r\n  exit: A\r\n  agent A\r\n    prompt:\r\n      hi\r\n"
    r = parse_text(text)
    assert r.diagnostics == []
    assert r.workflow.node("A").prompt == "hi"  # type: ignore[union-attr]


def test_invalid_values_are_reported_at_the_value() -> None:
    text = src("  tool T\n    timeout: 30\n    output_limit: -1\n    route_required: maybe\n")
    r = parse_text(text)
    got = [(d.code, d.range.start.line, d.range.start.character) for d in r.diagnostics]
    assert got == [("DIP902", 4, 13), ("DIP902", 5, 18), ("DIP902", 6, 20)]
    assert 'invalid duration "30" for timeout' in r.diagnostics[0].message


def test_unknown_field_suggests_the_closest_name_with_a_fix() -> None:
    r = parse_text(src("  agent A\n    promt: hello\n"))
    (d,) = r.diagnostics
    assert d.code == "DIP901" and "did you mean `prompt`" in d.help
    assert d.fix is not None and d.fix.edits[0].new_text == "prompt"


def test_field_of_another_kind_is_named() -> None:
    (d,) = parse_text(src("  agent A\n    command: ls\n")).diagnostics
    assert d.code == "DIP901" and "tool" in d.help


def test_three_independent_errors_are_each_reported_and_intact_nodes_survive() -> None:
    text = (
        "workflow W\n"
        "  start: A\n"
        "  exit: D\n"
        "  agent A\n"
        "    label: a\n"
        "    model gpt-5.4\n"  # missing colon (line 5)
        "  tool B\n"
        "    timeout: 5s\n"
        "    command:\n"
        "      echo ok\n"
        "  human\n"  # missing ID (line 10)
        "    mode: choice\n"
        "  agent D\n"
        "    label: d\n"
        "  edges\n"
        "    A -> B\n"
        "    B ->\n"  # missing target (line 16)
        "    B -> D\n"
    )
    r = parse_text(text)
    errors = [d for d in r.diagnostics if d.severity.value == "error"]
    assert [(d.code, d.range.start.line) for d in errors] == [("DIP000", 5), ("DIP000", 10), ("DIP000", 16)]
    assert [n.id for n in r.workflow.nodes] == ["A", "B", "D"]
    assert r.workflow.node("A").label == "a"  # type: ignore[union-attr]
    assert r.workflow.node("B").command == "echo ok"  # type: ignore[union-attr]
    assert [(e.source, e.target) for e in r.workflow.edges] == [("A", "B"), ("B", "D")]


def test_misplaced_declaration_and_same_line_value_continuation() -> None:
    text = src("  agent A\n    prompt: first line\n      second line\n  agent B\n    label: x\n")
    r = parse_text(text)
    (d,) = r.diagnostics
    assert d.code == "DIP000" and "cannot continue" in d.message
    assert d.range.start.line == 5
    assert r.workflow.node("A").prompt == "first line"  # type: ignore[union-attr]


def test_section_keyword_with_colon_is_an_error_with_a_fix_and_still_read() -> None:
    r = parse_text(src("  defaults:\n    model: gpt-5.4\n  agent A\n    label: a\n"))
    (d,) = r.diagnostics
    assert d.code == "DIP918" and d.fix is not None and d.fix.edits[0].new_text == ""
    assert r.workflow.defaults.model == "gpt-5.4"


def test_nested_retry_block_and_bracket_edges_are_rejected() -> None:
    assert "DIP911" in codes(src("  agent A\n    retry:\n      max: 3\n"))
    assert "DIP912" in codes(src("  edges\n    A -> B [label: x]\n"))


def test_legacy_boolean_warns_that_yes_means_false() -> None:
    r = parse_text(src("  edges\n    A -> B  restart: yes\n"))
    assert [d.code for d in r.diagnostics] == ["DIP906"]
    assert r.workflow.edges[0].restart is False


def test_duplicate_field_and_var_keys_warn_and_last_wins() -> None:
    r = parse_text(src("  vars\n    a: 1\n    a: 2\n  agent A\n    model: x\n    model: y\n"))
    assert sorted(d.code for d in r.diagnostics) == ["DIP903", "DIP904"]
    assert r.workflow.vars["a"].value == "2"
    assert r.workflow.node("A").model == "y"  # type: ignore[union-attr]


def test_inputs_block_and_dialect_line() -> None:
    r = parse_text(
        "dip 2\nworkflow W\n  start: A\n  exit: A\n  inputs\n    idea: text\n      required: true\n      max_length: 400\n"
        "    risk: enum\n      default: medium\n      options: low, medium, high\n  agent A\n    label: a\n"
    )
    assert r.diagnostics == []
    assert r.workflow.dialect == 2
    idea, risk = r.workflow.inputs
    assert (idea.name, idea.type, idea.required, idea.max_length) == ("idea", "text", True, 400)
    assert (risk.type, risk.default, risk.options) == ("enum", "medium", ["low", "medium", "high"])


def test_stylesheet_rules() -> None:
    r = parse_text(src("  stylesheet:\n    *\n      model: a\n    .fast\n      model: b\n    #A\n      model: c\n"))
    assert [(s.selector.kind, s.selector.value, s.properties) for s in r.workflow.stylesheet] == [
        ("universal", "*", {"model": "a"}),
        ("class", "fast", {"model": "b"}),
        ("id", "A", {"model": "c"}),
    ]


def test_keywords_are_not_reserved_as_node_ids() -> None:
    r = parse_text(
        "workflow W\n  start: agent\n  exit: edges\n  agent agent\n    label: a\n  tool edges\n    timeout: 1s\n"
        "    command: true\n  edges\n    agent -> edges\n"
    )
    assert r.diagnostics == []
    assert [(e.source, e.target) for e in r.workflow.edges] == [("agent", "edges")]


def test_file_directives_resolve_relative_to_the_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "a.md").write_text("Do ${ctx.thing}\n")
    text = src("  agent A\n    prompt_file: prompts/a.md\n  tool T\n    command_file: missing.sh\n")
    r = load_text(text, tmp_path / "flow.dip")
    a = r.workflow.node("A")
    assert a.prompt == "Do ${ctx.thing}"  # type: ignore[union-attr]
    assert [x.key for x in a.references] == ["thing"]
    (d,) = r.diagnostics
    assert d.code == "DIP910" and "missing.sh" in d.message and d.range.start.line == 6


def test_empty_and_commentless_inputs_give_one_clear_error() -> None:
    for text in ("", "   \n\n", "# only a comment\n"):
        r = parse_text(text)
        assert [d.code for d in r.diagnostics] == ["DIP000"]
        assert "no workflow declaration" in r.diagnostics[0].message


def test_text_before_workflow_is_reported() -> None:
    r = parse_text("hello there\nworkflow W\n  start: A\n  exit: A\n  agent A\n    label: a\n")
    assert [(d.code, d.range.start.line) for d in r.diagnostics] == [("DIP000", 0)]
    assert r.workflow.name == "W"


def test_map_block_line_without_colon_is_reported() -> None:
    r = parse_text(src("  agent A\n    params:\n      max_cost_usd 2\n      permission_mode: plan\n"))
    (d,) = r.diagnostics
    assert d.code == "DIP919" and (d.range.start.line, d.range.start.character) == (5, 6)
    assert r.workflow.node("A").params == {"permission_mode": "plan"}  # type: ignore[union-attr]


def test_a_later_when_replaces_an_on_shorthand() -> None:
    r = parse_text(src("  edges\n    A -> B  on success  when ctx.x = y\n"))
    edge = r.workflow.edges[0]
    assert edge.condition is not None and edge.condition.raw == "ctx.x = y"
    assert not edge.outcome_shorthand
    assert [d.code for d in r.diagnostics] == ["DIP905"]


def test_inline_steer_context_key_with_colon_is_dropped() -> None:
    r = parse_text(src("  manager_loop M\n    subgraph_ref: c.dip\n    steer_context: a:b=1, c=2\n"))
    assert r.workflow.node("M").steer_context == {"c": "2"}  # type: ignore[union-attr]
    assert [d.code for d in r.diagnostics] == ["DIP904"]
