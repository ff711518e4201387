"""Structural validation DIP001–DIP009: each code on a minimal document that triggers it
(exact severity and range) and on a near-identical one that does not."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tracker.dippin import load_text
from tracker.dippin.diagnostics import Severity
from tracker.dippin.lint import validate

from .helpers import BASIC_NODES, apply_fix, lint_text, marked, wf


@dataclass
class Case:
    code: str
    bad: str  # with the expected range marked ⟦…⟧
    good: str


MANY_NODES = "  agent A\n    prompt: Plan.\n  agent M\n    prompt: Work.\n  agent B\n    prompt: Ship.\n"

CASES = [
    Case(
        "DIP001",
        "workflow ⟦W⟧\n  exit: B\n\n" + BASIC_NODES + "\n  edges\n    A -> B\n",
        wf(BASIC_NODES + "\n  edges\n    A -> B\n"),
    ),
    Case(
        "DIP002",
        "workflow ⟦W⟧\n  start: A\n\n" + BASIC_NODES + "\n  edges\n    A -> B\n",
        wf(BASIC_NODES + "\n  edges\n    A -> B\n"),
    ),
    Case(
        "DIP003",
        wf(BASIC_NODES + "\n  edges\n    A -> ⟦Bee⟧\n    A -> B\n"),
        wf(BASIC_NODES + "\n  edges\n    A -> B\n"),
    ),
    Case(
        "DIP004",
        wf(MANY_NODES.replace("agent M", "agent ⟦M⟧") + "\n  edges\n    A -> B\n"),
        wf(MANY_NODES + "\n  edges\n    A -> M\n    M -> B\n"),
    ),
    Case(
        "DIP005",
        wf(MANY_NODES + "\n  edges\n    A -> M\n    ⟦M -> A  when ctx.outcome = fail⟧\n    M -> B\n"),
        wf(MANY_NODES + "\n  edges\n    A -> M\n    M -> A  when ctx.outcome = fail  restart: true\n    M -> B\n"),
    ),
    Case(
        "DIP006",
        wf(BASIC_NODES + "\n  edges\n    A -> B\n    ⟦B -> A  restart: true⟧\n"),
        wf(BASIC_NODES + "\n  edges\n    A -> B\n"),
    ),
    Case(
        "DIP007",
        wf(
            "  parallel ⟦P⟧ -> X, Y\n" + BASIC_NODES
            + "  agent X\n    prompt: x\n  agent Y\n    prompt: y\n\n  edges\n    A -> P\n    X -> B\n    Y -> B\n"
        ),
        wf(
            "  parallel P -> X, Y\n  fan_in J <- X, Y\n" + BASIC_NODES
            + "  agent X\n    prompt: x\n  agent Y\n    prompt: y\n\n  edges\n    A -> P\n    X -> B\n    Y -> B\n"
        ),
    ),
    Case(
        "DIP008",
        wf(BASIC_NODES + "  agent ⟦A⟧\n    prompt: Again.\n\n  edges\n    A -> B\n"),
        wf(BASIC_NODES + "  agent A2\n    prompt: Again.\n\n  edges\n    A -> B\n    A -> A2\n    A2 -> B\n"),
    ),
    Case(
        "DIP009",
        wf(BASIC_NODES + "\n  edges\n    A -> B  when ctx.outcome = success\n    ⟦A -> B  when ctx.outcome = success⟧\n    A -> B\n"),
        wf(BASIC_NODES + "\n  edges\n    A -> B  when ctx.outcome = success\n    A -> B  when ctx.outcome = fail\n    A -> B\n"),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.code for c in CASES])
def test_code_fires_with_exact_range_and_not_on_the_fixed_document(case: Case, tmp_path: Path) -> None:
    text, expected = marked(case.bad)
    bad = lint_text(tmp_path, text)
    found = [(d.severity, d.range) for d in bad.of(case.code)]
    assert found == [(Severity.ERROR, expected)], bad.diagnostics
    good = lint_text(tmp_path, case.good, name="good.dip")
    assert good.of(case.code) == []
    assert not any(d.severity is Severity.ERROR for d in good.diagnostics), good.diagnostics


def test_every_structural_code_has_a_case() -> None:
    assert sorted(c.code for c in CASES) == [f"DIP00{i}" for i in range(1, 10)]


def test_messages_and_help_follow_the_reference_wording(tmp_path: Path) -> None:
    text = wf(BASIC_NODES + "\n  edges\n    A -> Bee\n    Zed -> B\n", start="Start", exit="")
    linted = lint_text(tmp_path, text)
    messages = {(d.code, d.message, d.help) for d in linted.diagnostics if d.code.startswith("DIP00")}
    assert ("DIP001", 'start node "Start" is declared but does not exist in the node list', 'add a node with ID "Start" to the workflow') in messages
    assert ("DIP002", "workflow has no exit node declared", "add an exit: field to the workflow") in messages
    assert ("DIP003", 'edge references unknown target node "Bee"', 'did you mean "B"?') in messages
    assert ("DIP003", 'edge references unknown source node "Zed"', 'declare a node with ID "Zed" or fix the edge source') in messages


def test_cycle_message_names_the_path_and_self_loops(tmp_path: Path) -> None:
    text = wf(MANY_NODES + "\n  edges\n    A -> M\n    M -> M\n    M -> A\n    M -> B\n")
    messages = [d.message for d in lint_text(tmp_path, text).of("DIP005")]
    assert messages == ["unconditional cycle detected: M → M", "unconditional cycle detected: A → M → A"]


def test_implicit_parallel_edges_count_for_reachability_and_exit(tmp_path: Path) -> None:
    body = (
        "  parallel P -> X, B\n  fan_in J <- X, B\n" + BASIC_NODES + "  agent X\n    prompt: x\n\n  edges\n    A -> P\n"
    )
    linted = lint_text(tmp_path, wf(body))
    assert linted.of("DIP004") == []  # X and B are reached through the parallel
    exit_edges = linted.of("DIP006")
    assert [d.message for d in exit_edges] == ['exit node "B" has outgoing edge to "J"']
    assert exit_edges[0].range == marked(wf(body.replace("J <- X, B", "J <- X, ⟦B⟧")))[1]


def test_unknown_parallel_target_is_reported_with_a_suggestion(tmp_path: Path) -> None:
    body = "  parallel P -> X, Yy\n  fan_in J <- X, Yy\n" + BASIC_NODES + "  agent X\n    prompt: x\n  agent Y\n    prompt: y\n"
    text = wf(body + "\n  edges\n    A -> P\n    J -> B\n")
    found = lint_text(tmp_path, text).of("DIP003")
    assert [d.message for d in found] == [
        'parallel node "P" references unknown target node "Yy"',
        'fan_in node "J" references unknown source node "Yy"',
    ]
    assert found[0].help == 'did you mean "Y"?'


@pytest.mark.parametrize(
    ("code", "text"),
    [
        ("DIP003", wf(BASIC_NODES + "\n  edges\n    A -> Bx\n")),
        ("DIP005", wf(MANY_NODES + "\n  edges\n    A -> M\n    M -> A  when ctx.outcome = fail\n    M -> B\n")),
        ("DIP009", wf(BASIC_NODES + "\n  edges\n    A -> B  on success\n    A -> B  on success\n    A -> B\n")),
        ("DIP001", "workflow W\n  exit: B\n\n" + BASIC_NODES + "\n  edges\n    A -> B\n"),
        ("DIP002", "workflow W\n  goal: Ship\n  start: A\n\n" + BASIC_NODES + "\n  edges\n    A -> B\n"),
    ],
)
def test_quick_fix_removes_the_problem(code: str, text: str, tmp_path: Path) -> None:
    before = lint_text(tmp_path, text).of(code)
    assert before and before[0].fix is not None
    fixed = apply_fix(text, before[0].fix)
    after = lint_text(tmp_path, fixed, name="fixed.dip")
    assert after.of(code) == []
    assert not any(d.severity is Severity.ERROR for d in after.diagnostics), (fixed, after.diagnostics)


def test_validate_runs_only_structural_rules_in_reference_order() -> None:
    text = wf(BASIC_NODES + "  agent A\n    prompt: dup\n  tool T\n    command: echo\n\n  edges\n    A -> Nope\n    B -> A  restart: true\n")
    result = load_text(text)
    codes = [d.code for d in validate(result.workflow)]
    assert codes == ["DIP008", "DIP003", "DIP006", "DIP004", "DIP004"]  # B and T are unreachable
