"""The library façade: ``import tracker`` and call it, as docs/library.md shows."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import tracker
from tests.agent.fakes.turns import Call, text_turn, tool_turn
from tests.conftest import REPO
from tests.integration.conftest import provider_env, script
from tests.llm.fakes.server import FakeServer

FLOW = """\
workflow Release
  goal: "ship a release"
  start: Start
  exit: Done

  vars
    version: "0.0.0"

  agent Start
    label: Start

  tool Check
    timeout: 5s
    command: echo "checking ${params.version}"

  human Approve
    mode: freeform
    default: ship

  tool Ship
    timeout: 5s
    command: echo shipped

  tool Hold
    timeout: 5s
    command: echo held

  agent Done
    label: Done

  edges
    Start -> Check
    Check -> Approve
    Approve -> Ship  label: ship
    Approve -> Hold  label: hold
    Ship -> Done
    Hold -> Done
"""
FAILING = FLOW.replace("command: echo shipped", "command: exit 3").replace("    Ship -> Done\n", "    Ship -> Done  when ctx.outcome = success\n")


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith(("ANTHROPIC_", "OPENAI_", "GEMINI_", "GOOGLE_", "TRACKER_")) or name.lower().endswith("_proxy"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("TRACKER_AUDIT_DIR", str(tmp_path / "audit"))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "release.dip").write_text(FLOW)
    return root


def test_import_is_cheap_and_names_load_on_first_use() -> None:
    program = (
        "import sys, tracker\n"
        "print(sorted(m for m in ('tracker.api', 'tracker.engine', 'tracker.dippin', 'lark') if m in sys.modules))\n"
        "tracker.validate\n"
        "print('tracker.api' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, cwd=REPO, check=True)
    assert done.stdout.splitlines() == ["[]", "True"]
    assert set(tracker.__all__) <= set(dir(tracker))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        tracker.nope  # noqa: B018


def test_load_resolves_paths_local_names_builtins_and_text(project: Path) -> None:
    by_path = tracker.load(project / "release.dip")
    assert by_path.name == "Release" and by_path.path == project / "release.dip" and by_path.builtin is None
    by_name = tracker.load("release", workdir=project)
    assert by_name.path == project / "release.dip"
    builtin = tracker.load("deep_review", workdir=project)
    assert builtin.builtin == "deep_review" and builtin.path is None and builtin.name == "DeepReview"
    text = tracker.load_text(FLOW.replace("Release", "Inline"))
    assert text.name == "Inline" and [n.id for n in text.ir.nodes][:2] == ["Start", "Check"]
    with pytest.raises(tracker.WorkflowNotFound, match='unknown pipeline "nope"'):
        tracker.load("nope", workdir=project)
    with pytest.raises(tracker.WorkflowNotFound, match=r"missing\.dip: no such file"):
        tracker.load(project / "missing.dip")


def test_validate_reports_diagnostics_with_positions(project: Path) -> None:
    assert tracker.validate(project / "release.dip").ok
    text = FLOW.replace("Hold -> Done", "Hold -> Nowhere")
    broken = tracker.load_text(text, path=project / "broken.dip")
    report = tracker.validate(broken, environment=False)
    assert not report.ok
    error = report.errors[0]
    assert error.code == "DIP003" and "Nowhere" in error.message
    line = text.splitlines().index("    Hold -> Nowhere")
    assert (error.range.start.line, error.range.start.character) == (line, 12)
    assert json.loads(json.dumps(report.to_dict()))["ok"] is False
    assert tracker.validate("build_product").warnings == []


def test_simulate_and_estimate(project: Path) -> None:
    plan = tracker.simulate(project / "release.dip", all_paths=True)
    assert plan.order == ["Start", "Check", "Approve", "Ship", "Hold", "Done"]
    assert plan.unreachable == [] and plan.errors == []
    assert sorted(p["nodes"][-2] for p in plan.paths or []) == ["Hold", "Ship"]
    assert plan.to_dict()["name"] == "Release"
    with pytest.raises(tracker.WorkflowError) as caught:
        tracker.simulate(tracker.load_text("workflow X\n  start A\n"))
    assert caught.value.diagnostics[0].code == "DIP000"
    cost = tracker.estimate("build_product")
    assert isinstance(cost, tracker.RunEstimate) and 0 < cost.low_usd < cost.high_usd


def test_run_with_scripted_answers_then_read_the_run_back(project: Path) -> None:
    result = tracker.run("release", workdir=project, params={"version": "1.2.3"}, answers={"Approve": "hold"})
    assert isinstance(result, tracker.RunResult)
    assert result.status == "success" and result.success
    assert result.completed_nodes == ["Start", "Check", "Approve", "Hold", "Done"]
    assert result.context["tool_stdout"] == "held"
    assert result.run_dir == project / ".tracker" / "runs" / result.run_id
    summaries = tracker.runs(project)
    assert [s.run_id for s in summaries] == [result.run_id]
    assert summaries[0].status == "success"
    report = tracker.audit(result.run_id[:6], workdir=project)
    assert report.to_dict()["run_id"] == result.run_id
    assert tracker.diagnose(workdir=project).clean
    assert tracker.status(workdir=project) == []
    assert tracker.run_dir(workdir=project) == result.run_dir


def test_params_reach_the_tools_and_the_default_answers_with_auto_approve(project: Path) -> None:
    result = tracker.run(project / "release.dip", workdir=project, params={"version": "9.9"}, auto_approve=True)
    assert result.completed_nodes[-2:] == ["Ship", "Done"]
    assert result.context["node.Check.tool_stdout"] == "checking 9.9"


def test_setup_problems_raise_before_anything_runs(project: Path) -> None:
    with pytest.raises(tracker.RunSetupError, match='unknown param "colour"'):
        tracker.start(project / "release.dip", workdir=project, params={"colour": "red"})
    with pytest.raises(tracker.WorkflowError) as caught:
        tracker.start(tracker.load_text(FLOW.replace("Ship -> Done", "Ship -> Gone")), workdir=project)
    assert caught.value.diagnostics[0].code == "DIP003"
    assert not (project / ".tracker").exists()


def test_a_gate_without_an_interviewer_fails_the_run(project: Path) -> None:
    result = tracker.run(project / "release.dip", workdir=project)
    assert result.status == "fail"
    assert "no interviewer for human gates" in result.error


async def test_events_arrive_in_order_through_the_async_iterator(project: Path) -> None:
    run = tracker.start(project / "release.dip", workdir=project, answers=["ship"])
    seen = [event async for event in run.events()]
    result = await run
    assert seen[0].type == "pipeline_started" and seen[-1].type == "pipeline_completed"
    assert all(isinstance(e, tracker.Event) and e.run_id == run.run_id for e in seen)
    started = [e.node_id for e in seen if e.type == "stage_started"]
    assert started == ["Start", "Check", "Approve", "Ship", "Done"]
    gate = next(e for e in seen if e.type == "gate_resolved")
    assert (gate.gate_response, gate.gate_actor) == ("ship", "human")
    assert result.run_id == run.run_id and result.status == "success"
    assert [event async for event in run.events()] == []  # a finished run has nothing more
    with pytest.raises(RuntimeError, match="run_async"):
        tracker.run(project / "release.dip", workdir=project, auto_approve=True)


async def test_a_failed_run_is_diagnosed(project: Path) -> None:
    (project / "failing.dip").write_text(FAILING)
    result = await tracker.run_async("failing", workdir=project, auto_approve=True)
    assert result.status == "fail"
    report = tracker.diagnose(result.run_id, workdir=project)
    assert [f.node_id for f in report.failures] == ["Ship"]


def test_agents_use_the_keys_passed_as_env_and_interviews_take_one_answer_per_question(project: Path, server: FakeServer) -> None:
    flow = """\
workflow Interview
  goal: "ask"
  start: Start
  exit: Done

  agent Start
    label: Start

  agent Questions
    model: claude-sonnet-4-6
    prompt: Ask two questions as JSON.

  human Ask
    mode: interview

  agent Done
    label: Done

  edges
    Start -> Questions
    Questions -> Ask
    Ask -> Done
"""
    questions = {"questions": [{"text": "Is it urgent?"}, {"text": "Which part?", "options": ["api", "cli"]}]}
    script(server, "anthropic", tool_turn(Call("report_status", {"status": "drafting questions"})), text_turn(json.dumps(questions)))
    result = tracker.run(tracker.load_text(flow), workdir=project, env=provider_env("anthropic", server), answers=["y", "2"])
    assert result.status == "success", result.error
    answers = json.loads(result.context["interview_answers"])
    assert [q["answer"] for q in answers["questions"]] == ["yes", "cli"]
    assert [u.text for u in tracker.status(result.run_id, workdir=project)] == ["drafting questions"]
    assert len(server.requests) == 2


def test_runs_and_workflows_are_functions_and_packages() -> None:
    import tracker.runs.audit  # binds the sub-package; the function must survive

    assert callable(tracker.runs) and tracker.runs.audit.list_runs is not None
    assert [w.name for w in tracker.workflows()] == ["ask_and_execute", "build_product", "build_product_with_superspec", "deep_review"]
    assert tracker.workflows()[3].display_name == "DeepReview"


def test_doctor(tmp_path: Path) -> None:
    report = tracker.doctor(tmp_path, env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)})
    assert report.exit_code == 1  # no provider configured
    names = [c.name for c in report.checks]
    assert "Version Compatibility" in names and "LLM Providers" in names
    fine = tracker.doctor(tmp_path, env={"PATH": os.environ["PATH"], "HOME": str(tmp_path), "ANTHROPIC_API_KEY": "sk-ant-api03-0123456789"})
    assert fine.exit_code in (0, 2) and fine.failures == 0
