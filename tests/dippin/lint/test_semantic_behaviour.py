"""Semantic lint details beyond "fires / does not fire": exhaustive routing, accepted
values, options, message forms, ranges inside lists and quick fixes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.dippin import load_text
from tracker.dippin.diagnostics import Severity
from tracker.dippin.lint import LintOptions, check

from .helpers import BASIC_NODES, apply_fix, lint_text, marked, wf

THREE = "  agent A\n    prompt: Plan.\n  agent M\n    prompt: Work.\n  agent B\n    prompt: Ship.\n"


def codes_of(text: str, code: str, options: LintOptions | None = None) -> list[str]:
    return [d.message for d in check(load_text(text), options) if d.code == code]


@pytest.mark.parametrize(
    "routing",
    [
        ("A -> M  when ctx.outcome = success", "A -> B  when ctx.outcome = fail"),
        ("A -> M  when outcome == success", "A -> B  when outcome = failure"),
        ("A -> M  when ctx.tool_stdout contains done", "A -> B  when ctx.tool_stdout not contains done"),
        ("A -> M  when ctx.tool_stdout contains done", "A -> B  when not ctx.tool_stdout contains done"),
        ("A -> M  when ctx.verdict = a", "A -> B  when ctx.verdict = b"),
        ("A -> M  on success", "A -> B  on fail"),
    ],
)
def test_exhaustive_conditions_need_no_default_edge(routing: tuple[str, str]) -> None:
    text = wf(THREE + "\n  edges\n    " + "\n    ".join(routing) + "\n    M -> B\n")
    assert codes_of(text, "DIP102") == []
    assert codes_of(text, "DIP101") == []


def test_partition_needs_every_conditional_edge_to_be_one_equality() -> None:
    text = wf(THREE + "\n  edges\n    A -> M  when ctx.v = a\n    A -> B  when ctx.v = b and ctx.w = c\n    M -> B\n")
    assert codes_of(text, "DIP102") == ['node "A" has conditional outgoing edges but no unconditional default edge']


def test_marker_router_needs_no_default_edge() -> None:
    tool = "  tool A\n    timeout: 30s\n    marker_grep: ^(ok|ko)$\n    command: ./x.sh\n  agent M\n    prompt: m\n  agent B\n    prompt: b\n"
    text = wf(tool + "\n  edges\n    A -> M  when ctx.tool_marker = ok\n    A -> B  when ctx.tool_marker = ko\n    M -> B\n")
    assert codes_of(text, "DIP102") == []
    assert codes_of(text, "DIP101") == []


def test_condition_that_does_not_parse_is_skipped_by_value_checks() -> None:
    text = wf(BASIC_NODES + "\n  edges\n    A -> B  when outcome =\n    A -> B  when other = x\n")
    diags = check(load_text(text))
    assert [d.code for d in diags if d.code == "DIP914"] == ["DIP914"]
    # Only the edge that parsed is checked; the broken one does not hide it.
    assert [d.message for d in diags if d.code == "DIP120"] == [
        'edge A → B: condition variable "other" has no namespace prefix'
    ]


@pytest.mark.parametrize("mode", ["choice", "freeform", "interview", "yes_no", "hybrid"])
def test_every_runtime_human_mode_is_accepted(mode: str) -> None:
    text = wf(BASIC_NODES + f"  human G\n    mode: {mode}\n\n  edges\n    A -> G\n    G -> B\n")
    assert codes_of(text, "DIP127") == []


@pytest.mark.parametrize("variable", ["ctx.x", "graph.goal", "params.p", "stack.child.outcome", "inputs.idea"])
def test_namespaced_condition_variables_are_accepted(variable: str) -> None:
    text = wf(BASIC_NODES + f"\n  edges\n    A -> B  when {variable} = y\n    A -> B\n")
    assert codes_of(text, "DIP120") == []


def test_extra_models_extend_the_catalogue() -> None:
    text = wf("  agent A\n    provider: acme\n    model: rocket-1\n    prompt: Plan.\n  agent B\n    prompt: b\n\n  edges\n    A -> B\n")
    assert codes_of(text, "DIP108") == ['node "A" uses unknown provider "acme"']
    assert codes_of(text, "DIP108", LintOptions(extra_models={"acme": ["rocket-1"]})) == []


def test_model_without_provider_must_be_known_to_some_provider() -> None:
    body = "  agent A\n    model: {m}\n    prompt: Plan.\n  agent B\n    prompt: b\n\n  edges\n    A -> B\n"
    assert codes_of(wf(body.format(m="gpt-5.4")), "DIP108") == []
    assert codes_of(wf(body.format(m="gpt-9000")), "DIP108") == ['node "A" uses unknown model "gpt-9000" and sets no provider']


def test_defaults_model_is_checked_for_each_agent_with_help() -> None:
    text = wf(BASIC_NODES + "\n  edges\n    A -> B\n", header="  defaults\n    provider: openai\n    model: gpt-5.4-turbo")
    diags = [d for d in check(load_text(text)) if d.code == "DIP108"]
    assert [d.message for d in diags] == [
        'node "A" uses unknown model "gpt-5.4-turbo" for provider "openai"',
        'node "B" uses unknown model "gpt-5.4-turbo" for provider "openai"',
    ]
    assert diags[0].help.startswith("known models for openai: gpt-4.1, gpt-4.1-mini")


def test_node_scoped_references_and_reads() -> None:
    body = (
        "  agent A\n    writes: plan\n    prompt: Plan.\n"
        "  agent B\n    reads: node.A.plan, node.Zed.x, node.B.self\n"
        "    prompt: Use ${ctx.node.A.plan} and ${node.Ghost.x} and ${node.A}\n\n  edges\n    A -> B\n"
    )
    diags = check(load_text(wf(body)))
    assert [(d.message, d.help) for d in diags if d.code == "DIP106"] == [
        ('node "B" references undefined variable ${node.Ghost.x}', 'node "Ghost" does not exist in the workflow'),
        ('node "B" references undefined variable ${node.A}', "node-scoped refs must be in the form node.<id>.<key>"),
    ]
    assert [d.message for d in diags if d.code == "DIP112"] == [
        'node "B" reads "node.Zed.x" but node "Zed" does not exist in the workflow',
        'node "B" reads "node.B.self" but node "B" is not upstream',
    ]


def test_list_items_get_their_own_range(tmp_path: Path) -> None:
    text, expected = marked(wf("  agent A\n    writes: a, ⟦plan⟧, c\n    prompt: Plan.\n  agent B\n    reads: a, c\n    prompt: b\n\n  edges\n    A -> B\n"))
    found = lint_text(tmp_path, text).of("DIP107")
    assert [d.range for d in found] == [expected]


def test_overlap_reports_both_edges() -> None:
    text = wf(THREE + "\n  edges\n    A -> M  when ctx.x = 1 and ctx.y = 2\n    A -> B  when ctx.y = 2\n    A -> B\n    M -> B\n")
    diags = [d for d in check(load_text(text)) if d.code == "DIP103"]
    assert [d.message for d in diags] == ['node "A" has overlapping conditions: edges to "M" and "B" both check ctx.y = 2']
    assert diags[0].related[0].message == "also checked on the edge to M"


def test_response_schema_pairing_hint() -> None:
    text = wf("  agent A\n    response_format: json_schema\n    prompt: Plan.\n  agent B\n    prompt: b\n\n  edges\n    A -> B\n")
    diags = [d for d in check(load_text(text)) if d.code == "DIP131"]
    assert [(d.severity, d.message) for d in diags] == [
        (Severity.HINT, 'node "A" has response_format json_schema but no response_schema provided')
    ]


def test_environment_checks_can_be_disabled() -> None:
    text = wf(BASIC_NODES + "  tool T\n    timeout: 5s\n    command: no-such-tool-xyz && if\n\n  edges\n    A -> T\n    T -> B\n")
    on = {d.code for d in check(load_text(text))}
    off = {d.code for d in check(load_text(text), LintOptions(environment=False))}
    assert {"DIP123", "DIP125"} <= on
    assert not {"DIP123", "DIP125"} & off


def test_file_checks_use_the_options_file_exists(tmp_path: Path) -> None:
    text = wf(BASIC_NODES + "  subgraph S\n    ref: open-in-editor.dip\n\n  edges\n    A -> S\n    S -> B\n")
    result = load_text(text, tmp_path / "flow.dip")
    assert [d.code for d in check(result) if d.code == "DIP126"] == ["DIP126"]
    seen: list[Path] = []

    def exists(p: Path) -> bool:
        seen.append(p)
        return True

    assert [d.code for d in check(result, LintOptions(file_exists=exists)) if d.code == "DIP126"] == []
    assert seen == [tmp_path / "open-in-editor.dip"]


FIXES = [
    ("DIP111", wf(BASIC_NODES + "  tool T\n    command: echo ok\n\n  edges\n    A -> T\n    T -> B\n")),
    ("DIP120", wf(BASIC_NODES + "\n  edges\n    A -> B  when outcome = success\n    A -> B\n")),
    ("DIP122", wf(BASIC_NODES + "  tool T\n    timeout: 5s\n    outputs: pass, fail\n    command: ./t\n\n  edges\n    A -> T\n    T -> B  when ctx.tool_stdout = pas\n    T -> B\n")),
    ("DIP127", wf(BASIC_NODES + "  human G\n    mode: free-form\n\n  edges\n    A -> G\n    G -> B\n")),
    ("DIP128", wf(BASIC_NODES + "  human G\n    mode: interview\n    default: yes\n    prompt: Q?\n\n  edges\n    A -> G\n    G -> B\n")),
    ("DIP131", wf('  agent A\n    response_schema:\n      {"type": "object"}\n    prompt: Plan.\n  agent B\n    prompt: b\n\n  edges\n    A -> B\n')),
    ("DIP133", wf("  agent A\n    params:\n      model: gpt-5.4\n      max_cost_usd: 2\n    prompt: Plan.\n  agent B\n    prompt: b\n\n  edges\n    A -> B\n")),
    ("DIP133", wf("  agent A\n    params:\n      goal_gate: true\n    retry_target: A\n    prompt: Plan.\n  agent B\n    prompt: b\n\n  edges\n    A -> B\n")),
    ("DIP134", wf(THREE + "\n  edges\n    A -> M\n    M -> A  restart: true\n    M -> B\n", header="  defaults\n    max_retries: 3")),
    ("DIP113", wf(BASIC_NODES + "\n  edges\n    A -> B\n", header="  defaults\n    retry_policy: Standard")),
]


@pytest.mark.parametrize(("code", "text"), FIXES, ids=[c for c, _ in FIXES])
def test_quick_fix_removes_the_problem_without_new_errors(code: str, text: str, tmp_path: Path) -> None:
    before = lint_text(tmp_path, text).of(code)
    assert before and before[0].fix is not None, before
    fixed = apply_fix(text, before[0].fix)
    after = lint_text(tmp_path, fixed, name="fixed.dip")
    assert after.of(code) == [], fixed
    assert [d for d in after.diagnostics if d.severity is Severity.ERROR] == [], fixed
