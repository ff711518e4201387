"""``build_product``: full runs against the fake model server, gates answered on stdin."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.agent.fakes.turns import Call, tool_turn
from tests.workflows.conftest import NodeScripts, git, run_builtin

SPEC = "# Greeter\n\nCreate greet.txt saying hello and bye.txt saying goodbye.\n"
PLAN = """\
## Milestone 1: Greeting
Goal: greet.txt exists.
Outputs: greet.txt
Done when: greet.txt says hello.

## Milestone 2: Farewell
Goal: bye.txt exists.
Outputs: bye.txt
Done when: bye.txt says goodbye.
"""


def write(path: str, content: str) -> object:
    return tool_turn(Call("write", {"path": path, "content": content}))


@pytest.fixture
def spec_project(project: Path) -> Path:
    (project / "SPEC.md").write_text(SPEC, encoding="utf-8")
    git(project, "add", "SPEC.md")
    git(project, "commit", "--quiet", "-m", "add the spec")
    return project


def script_build(models: NodeScripts) -> None:
    models.script("ReadSpec", write(".ai/decisions/spec-analysis.md", "R1 greet.txt\nR2 bye.txt\n"), "Analysed.")
    models.script("Decompose", write(".ai/decisions/milestones.md", PLAN), "Two milestones planned.")
    models.script(
        "Implement",
        write("greet.txt", "hello\n"), "Milestone 1 implemented.",
        write("bye.txt", "goodbye\n"), "Milestone 2 implemented.",
    )
    for node, name in (("ReviewClaude", "claude"), ("ReviewCodex", "codex"), ("ReviewGemini", "gemini")):
        models.script(node, write(f".ai/review/{name}.md", "no blocking findings\nverdict: ship\n"), "Reviewed.")
    models.script("SynthesizeReviews", write(".ai/decisions/review-synthesis.md", "nothing blocking\n"), "STATUS: success")
    models.script("FinalSpecCheck", write(".ai/decisions/compliance.md", "R1 ok\nR2 ok\n"), "All met.\n\nSTATUS: success")


def test_the_spec_is_built_milestone_by_milestone_reviewed_and_committed(models: NodeScripts, spec_project: Path) -> None:
    script_build(models)
    run = run_builtin("build_product", spec_project, models, ["approve"])
    assert run.proc.returncode == 0, run.proc.stderr[-3000:]
    assert run.terminal["terminal_status"] == "success"
    path = run.path()
    assert path[:8] == ["Start", "Setup", "SpecLint", "ReadSpec", "Decompose", "ShowPlan", "ApprovePlan", "PickNextMilestone"]
    assert path.count("Implement") == 2 and path.count("MarkMilestoneDone") == 2
    assert path[-6:] == ["SynthesizeReviews", "FinalBuild", "FinalSpecCheck", "Cleanup", "FinalCommit", "Done"]
    assert {models.providers_of(n).pop() for n in ("ReviewClaude", "ReviewCodex", "ReviewGemini")} == {"anthropic", "openai", "gemini"}
    # each milestone is its own commit; scratch files are gone, decisions are kept
    log = git(spec_project, "log", "--format=%s").splitlines()
    assert log[:2] == ["Milestone 2: Farewell", "Milestone 1: Greeting"]
    assert (spec_project / "bye.txt").read_text() == "goodbye\n"
    assert not (spec_project / ".ai" / "build").exists()
    assert (spec_project / ".ai" / "decisions" / "compliance.md").is_file()
    assert git(spec_project, "status", "--porcelain") == ""
    # the plan reached the approval gate
    assert "## Milestone 1: Greeting" in run.opened("ApprovePlan")[0]["gate_prompt"]


def test_failing_tests_go_through_the_fix_loop(models: NodeScripts, spec_project: Path) -> None:
    script_build(models)
    # milestone 1 leaves a failing test behind; FixMilestone repairs it
    (spec_project / "Makefile").write_text("test:\n\ttest -f fixed\n", encoding="utf-8")
    git(spec_project, "add", "Makefile")
    git(spec_project, "commit", "--quiet", "-m", "add a test target")
    models.script("FixMilestone", write("fixed", "yes\n"), "Fixed.")
    run = run_builtin("build_product", spec_project, models, ["approve"])
    assert run.proc.returncode == 0, run.proc.stderr[-3000:]
    path = run.path()
    first_test = path.index("TestMilestone")
    assert path[first_test : first_test + 5] == ["TestMilestone", "FixMilestone", "CommitIfDirty", "TestMilestone", "VerifyMilestone"]
    assert run.terminal["terminal_status"] == "success"


def test_accepting_a_failed_spec_check_ends_validation_overridden(models: NodeScripts, spec_project: Path) -> None:
    script_build(models)
    models.turns["FinalSpecCheck"].clear()
    models.script("FinalSpecCheck", "R2 is missing.\n\nSTATUS: fail")
    run = run_builtin("build_product", spec_project, models, ["approve", "accept"])
    assert run.proc.returncode == 0, run.proc.stderr[-3000:]
    assert run.terminal["terminal_status"] == "validation_overridden"
    assert run.path()[-5:] == ["FinalSpecCheck", "EscalateReview", "Cleanup", "FinalCommit", "Done"]
    assert run.of("validation_overridden")[0]["node_id"] == "EscalateReview"


def test_fail_on_override_turns_the_override_into_exit_2(models: NodeScripts, spec_project: Path) -> None:
    script_build(models)
    models.turns["FinalSpecCheck"].clear()
    models.script("FinalSpecCheck", "STATUS: fail")
    run = run_builtin("build_product", spec_project, models, ["approve", "accept"], "--fail-on-override")
    assert run.proc.returncode == 2
    assert "--fail-on-override caused non-zero exit" in run.proc.stderr


def test_without_a_spec_the_run_stops_after_setup_with_a_pointer(models: NodeScripts, project: Path) -> None:
    run = run_builtin("build_product", project, models, [])
    assert run.path() == ["Start", "Setup", "Done"]
    setup = next(d for d in run.of("decision_outcome") if d["node_id"] == "Setup")
    assert "tracker init build_product" in setup["context_updates"]["tool_stdout"]
    assert models.calls == []
