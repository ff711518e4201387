"""``build_product_with_superspec``: five phases of work streams in git worktrees, a
quality gate after each, three reviews and a traceability audit, against the fake
model server."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.agent.fakes.turns import Call, tool_turn
from tests.workflows.conftest import NodeScripts, git, run_builtin

STREAMS = "ABCDEFGHI"
PARALLEL_STREAMS = "ABCEFGHI"


@pytest.fixture
def spec_project(project: Path) -> Path:
    (project / "SPEC.md").write_text("# Tool\n\nR1: every stream leaves a file named after it.\n", encoding="utf-8")
    git(project, "add", "SPEC.md")
    git(project, "commit", "--quiet", "-m", "add the spec")
    return project


def script(models: NodeScripts) -> None:
    models.script("AnalyzeSpec", tool_turn(Call("write", {"path": ".ai/superspec/analysis.md", "content": "R1\n"})), "Analysed.")
    briefs = [Call("write", {"path": f".ai/superspec/streams/{s}.md", "content": f"Create {s.lower()}.txt\n"}) for s in STREAMS]
    models.script(
        "BuildPlan",
        tool_turn(Call("write", {"path": ".ai/superspec/plan.md", "content": "R1 -> every stream\n"}), *briefs),
        "Nine streams planned.",
    )
    for stream in STREAMS:
        # parallel streams work in their worktree; D works in the main checkout
        models.script(f"Stream{stream}", tool_turn(Call("write", {"path": f"{stream.lower()}.txt", "content": f"{stream}\n"})), "Done.")
    for role in ("architect", "qa", "product"):
        node = {"architect": "ReviewArchitect", "qa": "ReviewQA", "product": "ReviewProduct"}[role]
        models.script(node, tool_turn(Call("write", {"path": f".ai/superspec/review/{role}.md", "content": "fine\n"})), "Reviewed.")


def test_five_phases_are_built_merged_gated_reviewed_and_committed(models: NodeScripts, spec_project: Path) -> None:
    script(models)
    run = run_builtin("build_product_with_superspec", spec_project, models, ["approve"])
    assert run.proc.returncode == 0, run.proc.stderr[-3000:]
    assert run.terminal["terminal_status"] == "success"
    path = run.path()
    gates = [i for i, node in enumerate(path) if node == "QualityGate"]
    assert len(gates) == 5
    order = [node for node in path if node in ("MergePhase1", "MergePhase2", "CommitPhase3", "MergePhase4", "MergePhase5")]
    assert order == ["MergePhase1", "MergePhase2", "CommitPhase3", "MergePhase4", "MergePhase5"]
    assert path[-6:] == ["Synthesis", "FinalGates", "TraceabilityAudit", "Cleanup", "Commit", "Done"]
    for stream in STREAMS:
        assert (spec_project / f"{stream.lower()}.txt").read_text() == f"{stream}\n"
    log = git(spec_project, "log", "--format=%s")
    for stream in PARALLEL_STREAMS:
        assert f"Merge stream {stream}" in log
    assert "Stream D" in log
    assert git(spec_project, "worktree", "list").count("\n") == 1
    assert "stream/" not in git(spec_project, "branch", "--all")
    assert {models.providers_of("ReviewQA").pop(), models.providers_of("ReviewProduct").pop()} == {"openai", "gemini"}


def test_a_failing_gate_is_fixed_then_the_next_phase_starts(models: NodeScripts, spec_project: Path) -> None:
    script(models)
    (spec_project / "Makefile").write_text("test:\n\ttest ! -f a.txt || test -f fixed\n", encoding="utf-8")
    git(spec_project, "add", "Makefile")
    git(spec_project, "commit", "--quiet", "-m", "add a test target")
    models.script("FixQuality", tool_turn(Call("write", {"path": "fixed", "content": "yes\n"})), "Fixed.")
    run = run_builtin("build_product_with_superspec", spec_project, models, ["approve"])
    assert run.proc.returncode == 0, run.proc.stderr[-3000:]
    path = run.path()
    first = path.index("QualityGate")
    assert path[first : first + 4] == ["QualityGate", "FixQuality", "QualityGate", "StartPhase2"]
    assert "Fixes after phase 1" in git(spec_project, "log", "--format=%s")
