"""The four built-in workflows: clean under our own validator, linter and simulator, and
shaped as engine spec §8.8 describes (requirements, defaults, gates, routing)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import REPO, run_cli
from tracker.dippin import load_bytes
from tracker.dippin.ir import AgentNode, HumanNode, ParallelNode, Workflow
from tracker.library.catalog import names, source

BUILTINS = ["ask_and_execute", "build_product", "build_product_with_superspec", "deep_review"]


def ir(name: str) -> Workflow:
    data = source(name)
    assert data is not None
    result = load_bytes(data, None)
    assert result.diagnostics == []
    return result.workflow


def gate(workflow: Workflow, node_id: str) -> tuple[HumanNode, dict[str, str]]:
    """The gate and its outgoing edges as label → target."""
    node = workflow.node(node_id)
    assert isinstance(node, HumanNode), node_id
    return node, {e.label: e.target for e in workflow.edges if e.source == node_id}


def test_exactly_the_four_builtins_ship() -> None:
    assert names() == BUILTINS


@pytest.mark.parametrize("name", BUILTINS)
def test_validates_and_lints_with_no_warnings(name: str) -> None:
    proc = run_cli(["validate", name, "--format", "json"])
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == []
    lint = run_cli(["lint", name, "--format", "json"])
    report = json.loads(lint.stdout)[0]
    assert (report["grade"], report["score"], report["diagnostics"]) == ("A", 100, [])


@pytest.mark.parametrize("name", BUILTINS)
def test_simulates_cleanly_and_every_path_reaches_the_exit(name: str) -> None:
    proc = run_cli(["simulate", name, "--json", "--all-paths"])
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    report = json.loads(proc.stdout)
    assert report["unreachable"] == []
    assert report["start_node"] == "Start" and report["exit_node"] == "Done"
    assert report["paths"], "no path found"
    assert all(p["nodes"][-1] == "Done" for p in report["paths"])
    assert report["nodes"][0]["handler"] == "start"
    assert next(n for n in report["nodes"] if n["id"] == "Done")["handler"] == "exit"


@pytest.mark.parametrize(
    ("name", "requires", "retries", "restarts", "fidelity", "escalation"),
    [
        ("ask_and_execute", ["git"], 2, 50, "summary:high", "EscalateToHuman"),
        ("build_product", ["git"], 3, 50, "full", "EscalateReview"),
        ("build_product_with_superspec", ["git"], 3, 20, "full", "EscalateToHuman"),
        ("deep_review", [], 2, 20, "summary:high", "EscalateToHuman"),
    ],
)
def test_requirements_and_defaults(name: str, requires: list[str], retries: int, restarts: int, fidelity: str, escalation: str) -> None:
    workflow = ir(name)
    assert (workflow.requires or []) == requires
    d = workflow.defaults
    assert (d.model, d.provider) == ("claude-sonnet-4-6", "anthropic")
    assert (d.max_retries, d.max_restarts, d.fidelity, d.on_failure) == (retries, restarts, fidelity, escalation)
    assert isinstance(workflow.node(escalation), HumanNode)
    for marker in ("Start", "Done"):  # bare markers: an agent with only a label
        node = workflow.node(marker)
        assert isinstance(node, AgentNode) and not node.prompt


def test_parallel_branches_pin_other_providers() -> None:
    for name, parallel in (("ask_and_execute", "ImplementParallel"), ("build_product", "ReviewParallel"), ("build_product_with_superspec", "ReviewParallel")):
        workflow = ir(name)
        node = workflow.node(parallel)
        assert isinstance(node, ParallelNode)
        providers = set()
        for target in node.targets:
            branch = workflow.node(target)
            assert isinstance(branch, AgentNode)
            providers.add(branch.provider or workflow.defaults.provider)
        assert providers == {"anthropic", "openai", "gemini"}, name


def test_ask_and_execute_gates() -> None:
    workflow = ir("ask_and_execute")
    ask, _ = gate(workflow, "AskUser")
    assert ask.mode == "freeform" and ask.label == "What would you like done?"
    approve, edges = gate(workflow, "ApproveSpec")
    assert approve.default == "approve"
    assert edges == {"approve": "SetupWorktrees", "refine": "WriteSpec", "reject": "Done"}
    _, edges = gate(workflow, "EscalateToHuman")
    assert edges == {"accept": "CommitFinal", "abandon": "Done"}
    accept = next(e for e in workflow.edges if e.source == "EscalateToHuman" and e.label == "accept")
    assert accept.override is True


def test_build_product_gates_and_the_milestone_loop() -> None:
    workflow = ir("build_product")
    assert [(i.name, i.type, i.required) for i in workflow.inputs] == [("spec", "file", False)]
    node, edges = gate(workflow, "ApprovePlan")
    assert node.default == "approve" and edges == {"approve": "PickNextMilestone", "adjust": "Decompose", "reject": "Done"}
    node, edges = gate(workflow, "OperatorDecision")
    assert node.default == "stop"
    assert edges == {"stop": "EscalateMilestone", "abandon": "Done", "commit_advance": "CommitIfDirty", "continue": "ContinueWithMoreTurns"}
    node, edges = gate(workflow, "EscalateMilestone")
    assert node.default == "mark done"
    assert edges == {"mark done": "MarkMilestoneDone", "retry": "Implement", "accept": "CheckMilestoneOutputs", "abandon": "Done"}
    node, edges = gate(workflow, "EscalateReview")
    assert node.default == "accept" and edges == {"accept": "Cleanup", "retry": "ResetReviewBudget", "abandon": "Done"}
    overrides = {(e.source, e.label) for e in workflow.edges if e.override}
    assert ("EscalateReview", "accept") in overrides
    conditions = {(e.source, e.target): e.condition.raw for e in workflow.edges if e.condition}
    assert conditions[("PickNextMilestone", "CheckMilestoneOutputs")] == "ctx.tool_stdout = all-done"
    assert conditions[("Implement", "OperatorDecision")] == "ctx.turn_breach_class = operator_decision"
    review = workflow.node("ReviewParallel")
    assert isinstance(review, ParallelNode) and review.params.get("fan_in_policy") == "all"


def test_superspec_runs_the_streams_in_five_fixed_phases() -> None:
    workflow = ir("build_product_with_superspec")
    phases = {}
    for node in workflow.nodes:
        if isinstance(node, ParallelNode) and node.id.startswith("Phase"):
            phases[node.id] = [workflow.node(t).label.split(":")[0] for t in node.targets]  # type: ignore[union-attr]
    assert phases == {
        "Phase1": ["Stream A", "Stream B"],
        "Phase2": ["Stream C", "Stream E"],
        "Phase4": ["Stream F", "Stream G"],
        "Phase5": ["Stream H", "Stream I"],
    }
    assert isinstance(workflow.node("StreamD"), AgentNode)  # phase 3 runs D alone
    roles = workflow.node("ReviewParallel")
    assert isinstance(roles, ParallelNode) and roles.targets == ["ReviewArchitect", "ReviewQA", "ReviewProduct"]
    synthesis = {e.target: e.condition.raw if e.condition else "" for e in workflow.edges if e.source == "Synthesis"}
    assert synthesis == {"FinalGates": "ctx.outcome = success", "ApplyFixes": "ctx.outcome = fail", "Done": ""}
    _, edges = gate(workflow, "EscalateToHuman")
    assert edges == {"accept": "Cleanup", "abandon": "Done"}


def test_deep_review_interviews_and_plan_gate() -> None:
    workflow = ir("deep_review")
    for node_id, answers in (("ScopeInterview", "scope_answers"), ("FindingsInterview", "findings_answers"), ("PriorityInterview", "priority_answers")):
        node, _ = gate(workflow, node_id)
        assert (node.mode, node.questions_key, node.answers_key) == ("interview", "last_response", answers)
    plan = workflow.node("WriteRemediationPlan")
    assert isinstance(plan, AgentNode) and plan.auto_status
    for key in ("scope_answers", "findings_answers", "priority_answers"):
        assert "${ctx." + key + "}" in plan.prompt
    node, edges = gate(workflow, "ReviewPlan")
    assert node.default == "approve" and edges == {"approve": "FinalizeDeliverables", "revise": "WriteRemediationPlan", "reject": "Done"}
    analyse = workflow.node("AnalyzeParallel")
    assert isinstance(analyse, ParallelNode) and analyse.params.get("fan_in_policy") == "all"
    assert any(e.source == "AnalyzeParallel" and e.target == "EscalateToHuman" for e in workflow.edges)


SHIPPED = sorted(str(p) for p in (REPO / "examples").glob("*.dip")) + sorted(
    str(p) for p in (REPO / "tracker" / "workflows").glob("*.dip")
)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: Path(p).name)
def test_shipped_pipelines_are_canonically_formatted_and_lint_clean(path: str) -> None:
    fmt = run_cli(["fmt", "--check", path])
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr
    lint = run_cli(["lint", path, "--format", "json"])
    report = json.loads(lint.stdout)[0]
    assert report["diagnostics"] == [], report["diagnostics"]
