"""The doctor grade (spec §6.8) and the coverage analysis behind it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.dippin import load_file, load_text
from tracker.dippin.diagnostics import Diagnostic, Severity
from tracker.dippin.lint import LintOptions, check
from tracker.dippin.lint.coverage import analyze
from tracker.dippin.lint.grade import grade, letter

from .helpers import BASIC_NODES, wf


def diag(severity: Severity) -> Diagnostic:
    return Diagnostic(code="X", severity=severity, message="m")


HEALTHY = wf(BASIC_NODES + "\n  edges\n    A -> B\n")


def test_score_formula_counts_errors_warnings_and_ignores_hints() -> None:
    result = load_text(HEALTHY)
    report = grade(result, [diag(Severity.ERROR), diag(Severity.WARNING), diag(Severity.WARNING), diag(Severity.HINT), diag(Severity.INFO)])
    assert (report.errors, report.warnings, report.hints) == (1, 2, 2)
    assert report.score == 100 - 20 - 10
    assert report.grade == "C"


def test_unreachable_nodes_and_dead_ends_are_penalised_on_top_of_their_diagnostics() -> None:
    text = wf(
        "  agent A\n    prompt: a\n  agent Dead\n    prompt: d\n  agent Lost\n    prompt: l\n  agent B\n    prompt: b\n"
        "\n  edges\n    A -> B\n    A -> Dead\n"
    )
    result = load_text(text)
    report = grade(result, [])
    assert report.coverage.unreachable_nodes == ["Lost"]
    assert report.coverage.sink_nodes == ["Dead"]
    assert report.score == 100 - 15 - 15
    assert report.to_dict()["coverage"] == {
        "reachable_nodes": 3,
        "total_nodes": 4,
        "unreachable_count": 1,
        "all_terminate": False,
        "uncovered_tools": 0,
    }


def test_partial_tool_coverage_costs_ten_points_and_suggests_edges() -> None:
    tool = "  tool T\n    timeout: 5s\n    command:\n      echo 'pass'\n      echo 'fail'\n"
    text = wf(BASIC_NODES + tool + "\n  edges\n    A -> T\n    T -> B  when ctx.tool_stdout = pass\n")
    result = load_text(text)
    report = grade(result, [])
    cov = report.coverage.tools["T"]
    assert (cov.status, cov.extracted_outputs, cov.missing_edges) == ("partial", ["pass", "fail"], ["fail"])
    assert report.score == 90
    assert report.to_dict()["coverage"]["uncovered_tools"] == 1
    assert [s.message for s in report.suggestions] == ["add edges for uncovered tool outputs of T: fail"]


@pytest.mark.parametrize(
    ("extra_edge", "outputs", "status"),
    [
        ("    T -> B\n", "", "covered"),  # an unconditional fallback covers everything
        ("    T -> B  when ctx.tool_stdout = fail\n", "", "covered"),
        ("", "    outputs: pass, fail\n", "unknown"),  # declared outputs: the reference's quirk
    ],
)
def test_tool_coverage_status(extra_edge: str, outputs: str, status: str) -> None:
    tool = "  tool T\n    timeout: 5s\n" + outputs + "    command:\n      echo pass\n      echo fail > log.txt\n      echo fail | tee x\n      printf 'fail'\n"
    text = wf(BASIC_NODES + tool + "\n  edges\n    A -> T\n    T -> B  when ctx.tool_stdout = pass\n" + extra_edge)
    assert analyze(load_text(text).workflow).tools["T"].status == status


def test_tool_without_conditions_has_no_conditions_status() -> None:
    tool = "  tool T\n    timeout: 5s\n    command: echo pass\n"
    text = wf(BASIC_NODES + tool + "\n  edges\n    A -> T\n    T -> B\n")
    assert analyze(load_text(text).workflow).tools["T"].status == "no_conditions"


@pytest.mark.parametrize(("score", "expected"), [(100, "A"), (90, "A"), (89, "B"), (80, "B"), (79, "C"), (70, "C"), (69, "D"), (60, "D"), (59, "F"), (0, "F")])
def test_letter_boundaries(score: int, expected: str) -> None:
    assert letter(score) == expected


def test_score_is_clamped_at_zero_and_suggestions_are_sorted_by_category() -> None:
    nodes = "".join(f"  agent {n}\n    prompt: {n}\n" for n in "ABCDEF")
    result = load_text("workflow W\n\n" + nodes)  # no start or exit: every node is unreachable
    diags = check(result)
    report = grade(result, diags)
    assert report.score == 0 and report.grade == "F"
    categories = [s.category for s in report.suggestions]
    assert categories == sorted(categories)
    assert "lint" in categories


def test_report_has_the_reference_json_shape() -> None:
    result = load_text("workflow W\n  spec: superspec SPEC.md\n  start: A\n  exit: B\n\n  agent A\n    satisfies: f.A.1, f.A.2\n    prompt: a\n  agent B\n    prompt: b\n\n  edges\n    A -> B\n")
    data = grade(result, [], cost={"min": 0.1, "max": 0.4}).to_dict()
    assert list(data) == ["grade", "score", "lint", "coverage", "cost", "spec", "suggestions"]
    assert data["lint"] == {"errors": 0, "warnings": 0, "hints": 0}
    assert data["cost"] == {"total": {"min": 0.1, "max": 0.4}}
    assert data["spec"] == {"present": True, "loader": "superspec", "path": "SPEC.md", "nodes_with_satisfies": 1, "total_acids": 2}


def test_doctor_corpus_grades_go_from_a_to_f(corpus: Path) -> None:
    folder = corpus / "dippin" / "doctor" / "testdata"
    grades = {}
    for name in ("healthy", "with_tools", "unhealthy", "severe"):
        result = load_file(folder / f"{name}.dip")
        grades[name] = grade(result, check(result, LintOptions(environment=False)))
    assert grades["healthy"].grade == "A" and grades["healthy"].score == 100
    assert grades["with_tools"].grade == "A"
    assert grades["unhealthy"].grade == "D"
    assert grades["severe"].grade == "F"
    assert grades["healthy"].score > grades["unhealthy"].score > grades["severe"].score
    assert not grades["severe"].coverage.all_paths_terminate
    assert grades["severe"].coverage.unreachable_nodes == ["Orphan1", "Orphan2"]
