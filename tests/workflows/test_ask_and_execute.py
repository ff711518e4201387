"""``ask_and_execute``: a full run against the fake model server, gates answered on stdin."""

from __future__ import annotations

from pathlib import Path

from tests.agent.fakes.turns import Call, tool_turn
from tests.workflows.conftest import NodeScripts, Run, git, run_builtin

SPEC = "## Objective\nAdd greet.txt.\n## Requirements\n1. greet.txt says hello.\n"


def write(path: str, content: str, text: str = "") -> object:
    return tool_turn(Call("write", {"path": path, "content": content}), text=text)


def script_happy_path(models: NodeScripts, winner: str = "codex") -> None:
    models.script("Explore", "The project is a README only; tests: none.")
    models.script("WriteSpec", write(".ai/decisions/spec.md", SPEC), "Spec written: add greet.txt.")
    for node, who in (("ImplementClaude", "claude"), ("ImplementCodex", "codex"), ("ImplementGemini", "gemini")):
        models.script(node, write("greet.txt", f"hello from {who}\n"), "Implemented.")
    models.script("CrossCritique", write(".ai/decisions/critique.md", "all fine\n"), "Critique written.")
    models.script(
        "SelectWinner",
        write(".ai/decisions/selection.md", f"Winner: {winner}\n\nIt matches the spec.\n"),
        "Selected.\n\nSTATUS: success",
    )
    models.script("FinalVerify", "Requirement 1 holds.\n\nSTATUS: success")


def test_a_request_is_specified_built_three_times_and_the_winner_merged(models: NodeScripts, project: Path) -> None:
    script_happy_path(models)
    run = run_builtin("ask_and_execute", project, models, ["Add a greeting file", "approve"])
    assert run.proc.returncode == 0, run.proc.stderr[-3000:]
    assert run.terminal["type"] == "pipeline_completed"
    assert run.terminal["terminal_status"] == "success"
    path = run.path()
    assert path[:6] == ["Start", "SetupWorkspace", "AskUser", "Explore", "WriteSpec", "ApproveSpec"]
    assert path[-5:] == ["ApplyWinner", "FinalBuild", "FinalVerify", "CommitFinal", "Done"]
    # the three candidates ran on their own providers, in parallel branches
    assert models.providers_of("ImplementClaude") == {"anthropic"}
    assert models.providers_of("ImplementCodex") == {"openai"}
    assert models.providers_of("ImplementGemini") == {"gemini"}
    # the winner's work is merged into the main checkout, the worktrees are gone
    assert (project / "greet.txt").read_text() == "hello from codex\n"
    assert "candidate/" not in git(project, "branch", "--all")
    assert "Apply the codex candidate" in git(project, "log", "--format=%s")
    # scratch files never reach the history; the user's .gitignore is untouched
    assert git(project, "ls-files").split() == ["README.md", "greet.txt"]
    assert not (project / ".gitignore").exists()
    assert (project / ".ai" / "decisions" / "selection.md").is_file()
    assert run.gate("AskUser")[0]["gate_response"] == "Add a greeting file"


def test_a_note_at_the_spec_gate_sends_the_spec_back_with_that_note(models: NodeScripts, project: Path) -> None:
    script_happy_path(models)
    models.script("WriteSpec", write(".ai/decisions/spec.md", SPEC), "Spec rewritten.")
    run = run_builtin("ask_and_execute", project, models, ["Add a greeting file", "mention the locale", "approve"])
    assert run.proc.returncode == 0, run.proc.stderr[-3000:]
    assert run.path().count("WriteSpec") == 2
    second = [r.json for r in models.requests if "node: WriteSpec" in r.body.decode()][-1]
    assert "mention the locale" in str(second)


def test_a_rejected_spec_ends_the_run_without_building(models: NodeScripts, project: Path) -> None:
    script_happy_path(models)
    run: Run = run_builtin("ask_and_execute", project, models, ["Add a greeting file", "reject"])
    assert run.proc.returncode == 0, run.proc.stderr[-3000:]
    assert run.path()[-2:] == ["ApproveSpec", "Done"]
    assert "ImplementClaude" not in models.nodes_called()


def test_a_failed_verification_escalates_and_accepting_is_an_override(models: NodeScripts, project: Path) -> None:
    script_happy_path(models, winner="claude")
    models.turns["FinalVerify"].clear()
    models.script("FinalVerify", "Requirement 1 is not met.\n\nSTATUS: fail")
    run = run_builtin("ask_and_execute", project, models, ["Add a greeting file", "approve", "accept"])
    assert run.proc.returncode == 0, run.proc.stderr[-3000:]
    assert run.terminal["terminal_status"] == "validation_overridden"
    assert run.path()[-4:] == ["FinalVerify", "EscalateToHuman", "CommitFinal", "Done"]
    assert (project / "greet.txt").read_text() == "hello from claude\n"
