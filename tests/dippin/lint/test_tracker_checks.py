"""Tracker's load-time checks TRK101–TRK105 and TRK107."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from textwrap import dedent

import pytest

from tests.conftest import CORPUS, corpus_files
from tracker.dippin import load_file
from tracker.dippin.diagnostics import Diagnostic, Fix, Severity
from tracker.dippin.lint import check, rules
from tracker.dippin.lint.catalog import explain

TRK_CODES = ("TRK101", "TRK102", "TRK103", "TRK104", "TRK105", "TRK107")


def doc(text: str) -> str:
    return dedent(text).lstrip("\n")


def write(tmp_path: Path, text: str, name: str = "main.dip") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def found(path: Path, code: str) -> list[Diagnostic]:
    return [d for d in check(load_file(path)) if d.code == code]


def span(d: Diagnostic) -> tuple[int, int, int, int]:
    r = d.range
    return (r.start.line, r.start.character, r.end.line, r.end.character)


def at(text: str, needle: str, within: str = "") -> tuple[int, int, int, int]:
    offset = text.index(needle, text.index(within) if within else 0)
    line = text.count("\n", 0, offset)
    column = offset - (text.rfind("\n", 0, offset) + 1)
    return (line, column, line, column + len(needle))


def apply_fix(text: str, fix: Fix | None) -> str:
    assert fix is not None
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    for edit in sorted(fix.edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        start = starts[edit.range.start.line] + edit.range.start.character
        end = starts[edit.range.end.line] + edit.range.end.character
        text = text[:start] + edit.new_text + text[end:]
    return text


def test_trk_codes_are_documented() -> None:
    rules()  # loads every rule module, which registers its codes
    for code in TRK_CODES:
        info = explain(code)
        assert info is not None and info.origin == "tracker" and info.example and info.fixed and info.fix


# ---------------------------------------------------------------------------- TRK101

STDOUT_DOC = doc(
    """
    workflow W
      start: T
      exit: Done
      tool T
        timeout: 60s
        command: make test 2>&1 | tee log; printf tests-pass
      agent Fix
        prompt: fix
      agent Done
        label: Done
      edges
        T -> Done  when ctx.tool_stdout contains tests-pass
        T -> Fix
        Fix -> Done
    """
)


def test_trk101_stdout_routing_on_unbounded_output(tmp_path: Path) -> None:
    path = write(tmp_path, STDOUT_DOC)
    (diag,) = found(path, "TRK101")
    assert diag.severity is Severity.WARNING
    assert span(diag) == at(path.read_text(), "T", within="tool T")
    assert diag.related[0].range.start.line == at(path.read_text(), "T -> Done")[0]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("    timeout: 60s", '    timeout: 60s\n    marker_grep: "^tests-pass$"'),
        ("    timeout: 60s", "    timeout: 60s\n    output_limit: 1048576"),
        ("    T -> Fix", "    T -> Fix  when ctx.outcome = fail"),
        ("    T -> Fix", "    T -> Fix  when ctx.tool_stdout contains tests-fail"),
        ("2>&1 | tee log; ", ""),
        ("    T -> Fix", "    T -> Fix  on fail\n    T -> Fix"),
    ],
)
def test_trk101_clean_variants(tmp_path: Path, old: str, new: str) -> None:
    assert old in STDOUT_DOC
    assert found(write(tmp_path, STDOUT_DOC.replace(old, new)), "TRK101") == []


# ---------------------------------------------------------------------------- TRK102

GATE_DOC = doc(
    """
    workflow W
      start: Build
      exit: Done
      defaults
        on_failure: Escalate
      agent Build
        prompt: build
      human Escalate
        label: Escalate
      agent Cleanup
        prompt: clean
      agent Done
        label: Done
      edges
        Build -> Done
        Escalate -> Cleanup  label: accept
        Escalate -> Done  label: abandon
        Cleanup -> Done
    """
)


def test_trk102_accepting_edge_after_failure_without_override(tmp_path: Path) -> None:
    path = write(tmp_path, GATE_DOC)
    text = path.read_text()
    (diag,) = found(path, "TRK102")
    assert diag.severity is Severity.WARNING
    assert span(diag) == at(text, "label: accept")
    fixed = apply_fix(text, diag.fix)
    assert "    Escalate -> Cleanup  label: accept  override: true\n" in fixed
    fixed_path = write(tmp_path, fixed, "fixed.dip")
    edge = load_file(fixed_path).workflow.edges[1]
    assert edge.override and edge.label == "accept"
    assert found(fixed_path, "TRK102") == []


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("  defaults\n    on_failure: Escalate\n", ""),
        ("label: accept", "label: retry"),
        ("    prompt: clean", "    prompt: clean\n  human Confirm\n    label: Confirm"),
    ],
)
def test_trk102_clean_variants(tmp_path: Path, old: str, new: str) -> None:
    text = GATE_DOC.replace(old, new)
    if "Confirm" in new:
        text = text.replace("    Cleanup -> Done", "    Cleanup -> Confirm\n    Confirm -> Done")
    assert found(write(tmp_path, text), "TRK102") == []


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("    Build -> Done", "    Build -> Done  when ctx.outcome = success\n    Build -> Escalate  when ctx.outcome = fail"),
        ("    prompt: build", "    prompt: build\n    fallback_target: Escalate"),
    ],
)
def test_trk102_gate_reached_by_fail_edge_or_fallback(tmp_path: Path, old: str, new: str) -> None:
    text = GATE_DOC.replace("  defaults\n    on_failure: Escalate\n", "").replace(old, new)
    assert len(found(write(tmp_path, text), "TRK102")) == 1


# ---------------------------------------------------------------------------- TRK103 / TRK104

ROUTE_DOC = doc(
    """
    workflow W
      start: Check
      exit: Done
      tool Check
        timeout: 10s
        command: printf ok
      conditional Route
        label: Route
      agent Ship
        prompt: ship
      agent Done
        label: Done
      edges
        Check -> Route
        Route -> Ship  when ctx.tool_stdout = ok  label: ok
        Route -> Done
        Ship -> Done
    """
)


def test_trk103_and_trk104_on_a_conditional_node(tmp_path: Path) -> None:
    path = write(tmp_path, ROUTE_DOC)
    (no_fail,) = found(path, "TRK103")
    (labels,) = found(path, "TRK104")
    rng = at(path.read_text(), "Route", within="conditional Route")
    assert span(no_fail) == rng and span(labels) == rng
    assert no_fail.severity is Severity.WARNING and labels.severity is Severity.WARNING
    assert "(1/2 labeled)" in labels.message
    assert labels.related[0].range.start.line == at(path.read_text(), "Route -> Done")[0]


def test_trk103_and_trk104_clean(tmp_path: Path) -> None:
    text = ROUTE_DOC.replace("    Route -> Done", "    Route -> Done  when ctx.tool_stdout = failed  label: failed")
    path = write(tmp_path, text)
    assert found(path, "TRK103") == [] and found(path, "TRK104") == []


# ---------------------------------------------------------------------------- TRK105


def test_trk105_override_on_an_edge_not_leaving_a_human_gate(tmp_path: Path) -> None:
    path = write(tmp_path, GATE_DOC.replace("    Build -> Done", "    Build -> Done  override: true"))
    text = path.read_text()
    (diag,) = found(path, "TRK105")
    assert diag.severity is Severity.WARNING and diag.unnecessary
    assert span(diag) == at(text, "override: true")
    assert "    Build -> Done\n" in apply_fix(text, diag.fix)


def test_trk105_clean_on_a_human_gate_edge(tmp_path: Path) -> None:
    path = write(tmp_path, GATE_DOC.replace("label: accept", "label: accept  override: true"))
    assert found(path, "TRK105") == []


# ---------------------------------------------------------------------------- TRK107

COMMAND_DOC = doc(
    """
    workflow W
      start: T
      exit: T
      vars
        target: prod
      tool T
        timeout: 10s
        command: deploy ${params.target} --version ${ctx.version} --why "${ctx.human_response}"
    """
)


def test_trk107_unsafe_context_key_in_a_command(tmp_path: Path) -> None:
    path = write(tmp_path, COMMAND_DOC)
    (diag,) = found(path, "TRK107")
    assert diag.severity is Severity.WARNING
    assert span(diag) == at(path.read_text(), "${ctx.version}")
    assert '"version"' in diag.message


def test_trk107_clean_with_safe_keys(tmp_path: Path) -> None:
    path = write(tmp_path, COMMAND_DOC.replace("${ctx.version}", "${ctx.outcome}"))
    assert found(path, "TRK107") == []


def test_trk107_in_a_command_file_points_at_the_directive(tmp_path: Path) -> None:
    (tmp_path / "deploy.sh").write_text("deploy --sha ${ctx.last_response}\n", encoding="utf-8")
    text = COMMAND_DOC.replace('    command: deploy ${params.target} --version ${ctx.version} --why "${ctx.human_response}"', "    command_file: deploy.sh")
    path = write(tmp_path, text)
    (diag,) = found(path, "TRK107")
    assert span(diag) == at(path.read_text(), "deploy.sh")


# ---------------------------------------------------------------------------- corpus

# TRK warnings on the corpus, checked by hand: the accept/mark-done escalation edges of two
# built-in workflows, and two stdout-routed tools whose commands contain `2>&1` (one of them,
# MergeBranches, only as `>/dev/null 2>&1`: tracker's heuristic is reproduced as specified).
EXPECTED_TRK = {
    "tracker/examples/ask_and_execute.dip": Counter({"TRK102": 1}),
    "tracker/examples/build_product.dip": Counter({"TRK102": 2}),
    "tracker/examples/fix-tracker-visibility.dip": Counter({"TRK101": 1}),
    "tracker/examples/parallel-ralph-dev.dip": Counter({"TRK101": 1}),
}


def test_corpus_raises_exactly_the_expected_trk_warnings(corpus: Path) -> None:
    actual: dict[str, Counter[str]] = {}
    for path in corpus_files():
        diags = [d for d in check(load_file(path)) if d.code in TRK_CODES]
        assert all(d.severity is Severity.WARNING for d in diags)
        if diags:
            actual[str(path.relative_to(CORPUS))] = Counter(d.code for d in diags)
    assert actual == EXPECTED_TRK
