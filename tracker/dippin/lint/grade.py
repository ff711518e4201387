"""The doctor grade of a workflow (spec §6.8): a score out of 100 and a letter.

``score = 100 − 20·errors − 5·warnings − 15·unreachable − 15·(not all paths reach
the exit) − 10·(tools with partial output coverage)``, clamped at 0; A ≥ 90, B ≥ 80,
C ≥ 70, D ≥ 60, else F. Hints and infos do not count. An unreachable node costs twice
(its DIP004 error and the unreachable count), as in the reference.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tracker.dippin.diagnostics import Diagnostic, Severity
from tracker.dippin.lint.coverage import Coverage, analyze

if TYPE_CHECKING:
    from tracker.dippin.parser import ParseResult

ERROR_COST = 20
WARNING_COST = 5
UNREACHABLE_COST = 15
NON_TERMINATING_COST = 15
PARTIAL_TOOL_COST = 10
LETTERS = ((90, "A"), (80, "B"), (70, "C"), (60, "D"))


@dataclass(frozen=True)
class Suggestion:
    category: str  # "coverage" | "lint"
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"category": self.category, "message": self.message}


@dataclass
class SpecSummary:
    """The workflow's ``spec:`` attachment (reported, never scored)."""

    present: bool = False
    loader: str = ""
    path: str = ""
    nodes_with_satisfies: int = 0
    total_acids: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "present": self.present,
            "loader": self.loader,
            "path": self.path,
            "nodes_with_satisfies": self.nodes_with_satisfies,
            "total_acids": self.total_acids,
        }


@dataclass
class Grade:
    grade: str
    score: int
    errors: int
    warnings: int
    hints: int
    coverage: Coverage
    spec: SpecSummary
    suggestions: list[Suggestion] = field(default_factory=list)
    cost: Any = None

    @property
    def uncovered_tools(self) -> int:
        return len(self.coverage.partial_tools)

    def to_dict(self) -> dict[str, Any]:
        """The reference's JSON report shape."""
        cov = self.coverage
        return {
            "grade": self.grade,
            "score": self.score,
            "lint": {"errors": self.errors, "warnings": self.warnings, "hints": self.hints},
            "coverage": {
                "reachable_nodes": cov.reachable_nodes,
                "total_nodes": cov.total_nodes,
                "unreachable_count": len(cov.unreachable_nodes),
                "all_terminate": cov.all_paths_terminate,
                "uncovered_tools": self.uncovered_tools,
            },
            "cost": {"total": self.cost},
            "spec": self.spec.to_dict(),
            "suggestions": [s.to_dict() for s in self.suggestions],
        }


def letter(score: int) -> str:
    for threshold, name in LETTERS:
        if score >= threshold:
            return name
    return "F"


def score_of(errors: int, warnings: int, coverage: Coverage) -> int:
    score = 100
    score -= ERROR_COST * errors
    score -= WARNING_COST * warnings
    score -= UNREACHABLE_COST * len(coverage.unreachable_nodes)
    if not coverage.all_paths_terminate:
        score -= NON_TERMINATING_COST
    score -= PARTIAL_TOOL_COST * len(coverage.partial_tools)
    return max(score, 0)


def _suggestions(errors: int, warnings: int, coverage: Coverage) -> list[Suggestion]:
    out: list[Suggestion] = []
    if errors:
        out.append(Suggestion("lint", "fix validation errors before deployment — run `tracker validate` for details"))
    if warnings:
        out.append(Suggestion("lint", "review lint warnings — run `tracker lint` for details"))
    if coverage.unreachable_nodes:
        names = ", ".join(coverage.unreachable_nodes)
        out.append(Suggestion("coverage", f"remove or connect unreachable nodes: {names}"))
    if not coverage.all_paths_terminate:
        names = ", ".join(coverage.sink_nodes)
        out.append(Suggestion("coverage", f"ensure all paths reach exit — some nodes are dead ends: {names}"))
    for tool in coverage.tools.values():
        if tool.status == "partial":
            missing = ", ".join(tool.missing_edges)
            out.append(Suggestion("coverage", f"add edges for uncovered tool outputs of {tool.node_id}: {missing}"))
    out.sort(key=lambda s: s.category)  # stable: coverage before lint, order kept within
    return out


def _spec_summary(result: ParseResult) -> SpecSummary:
    wf = result.workflow
    satisfying = [n for n in wf.nodes if n.satisfies]
    return SpecSummary(
        present=wf.spec is not None,
        loader=wf.spec.loader if wf.spec else "",
        path=wf.spec.path if wf.spec else "",
        nodes_with_satisfies=len(satisfying),
        total_acids=sum(len(n.satisfies) for n in satisfying),
    )


def grade(result: ParseResult, diagnostics: list[Diagnostic], cost: Any = None) -> Grade:
    """Grade a parsed workflow from its diagnostics (parse, validation and lint, as
    returned by :func:`tracker.dippin.lint.check`). ``cost`` is reported as given."""
    errors = sum(1 for d in diagnostics if d.severity is Severity.ERROR)
    warnings = sum(1 for d in diagnostics if d.severity is Severity.WARNING)
    hints = len(diagnostics) - errors - warnings
    coverage = analyze(result.workflow)
    score = score_of(errors, warnings, coverage)
    return Grade(
        grade=letter(score),
        score=score,
        errors=errors,
        warnings=warnings,
        hints=hints,
        coverage=coverage,
        spec=_spec_summary(result),
        suggestions=_suggestions(errors, warnings, coverage),
        cost=cost,
    )
