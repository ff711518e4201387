"""``tracker simulate`` as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import corpus_files, run_cli
from tracker.cli.main import main

SIMPLE = """\
workflow Simple
  goal: "Route on outcome"
  start: Start
  exit: Exit
  agent Start
    label: Start
  agent Gate
    prompt: Route.
  agent Pass
    prompt: ok
  agent Fix
    prompt: fix
  agent Exit
    label: Exit
  edges
    Start -> Gate
    Gate -> Pass  when ctx.outcome = success
    Gate -> Fix  when ctx.outcome = fail
    Pass -> Exit
    Fix -> Exit
"""


@pytest.fixture
def simple(tmp_path: Path) -> Path:
    path = tmp_path / "simple.dip"
    path.write_text(SIMPLE)
    return path


def test_json_report_with_paths(simple: Path) -> None:
    proc = run_cli(["simulate", str(simple), "--json", "--all-paths"])
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["name"] == "Simple" and report["start_node"] == "Start" and report["exit_node"] == "Exit"
    assert [s["node_id"] for s in report["execution_plan"]] == ["Start", "Gate", "Pass", "Fix", "Exit"]
    assert report["unreachable"] == []
    assert [p["nodes"] for p in report["paths"]] == [
        ["Start", "Gate", "Pass", "Exit"],
        ["Start", "Gate", "Fix", "Exit"],
    ]
    assert report["truncated"] is False
    assert report["graph_attrs"]["workflow_dir"] == str(simple.parent.resolve())


def test_human_plan(simple: Path) -> None:
    proc = run_cli(["simulate", str(simple), "--all-paths"])
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "Pipeline: Simple" in out
    assert "Execution Plan (simulated BFS traversal from start node)" in out
    assert "└─> Pass (when: ctx.outcome = success)" in out
    assert "1. success  Start → Gate → Pass → Exit" in out


def test_jsonl_single_run_with_scenario(simple: Path) -> None:
    proc = run_cli(["simulate", str(simple), "--jsonl", "--scenario", "outcome=fail"])
    assert proc.returncode == 0, proc.stderr
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    assert events[0]["event"] == "pipeline_start" and events[-1]["event"] == "pipeline_end"
    assert [e["node"] for e in events if e["event"] == "node_enter"] == ["Start", "Gate", "Fix", "Exit"]
    assert "simulation complete: success (4 nodes visited)" in proc.stderr
    assert "path: Start → Gate → Fix → Exit" in proc.stderr


def test_jsonl_all_paths(simple: Path) -> None:
    proc = run_cli(["simulate", str(simple), "--jsonl", "--all-paths"])
    assert proc.returncode == 0, proc.stderr
    blocks = proc.stdout.split("\n\n")
    assert len(blocks) == 2
    assert json.loads(blocks[1].splitlines()[0])["run_id"] == "sim-path-002"
    assert "--- path 1: success (4 nodes: Start → Gate → Pass → Exit) ---" in proc.stderr
    assert proc.stderr.endswith("\n2 path(s) enumerated\n")


def test_mermaid(simple: Path) -> None:
    proc = run_cli(["simulate", str(simple), "--mermaid"])
    assert proc.returncode == 0
    assert proc.stdout.startswith("flowchart TD\n")
    assert '-->|"when ctx.outcome = fail"|' in proc.stdout


def test_bad_scenario_flag(simple: Path) -> None:
    proc = run_cli(["simulate", str(simple), "--jsonl", "--scenario", "outcome"])
    assert proc.returncode == 1
    assert '--scenario "outcome" must be KEY=VALUE' in proc.stderr


def test_missing_file(tmp_path: Path) -> None:
    proc = run_cli(["simulate", str(tmp_path / "nope.dip")])
    assert proc.returncode == 1
    assert "nope.dip" in proc.stderr and "Traceback" not in proc.stderr


def test_syntax_error_is_reported_with_position(tmp_path: Path) -> None:
    path = tmp_path / "broken.dip"
    path.write_text("workflow W\n  start: A\n  exit: A\n  agent A\n    prompt: x\n  edges\n    A -> \n")
    proc = run_cli(["simulate", str(path)])
    assert proc.returncode == 1
    assert f"{path}:7:" in proc.stderr and "error[DIP000]" in proc.stderr


def test_jsonl_reports_a_bad_condition(tmp_path: Path) -> None:
    path = tmp_path / "cond.dip"
    path.write_text("workflow W\n  start: A\n  exit: B\n  agent A\n    prompt: x\n  agent B\n    prompt: y\n  edges\n    A -> B  when ctx.x =\n")
    proc = run_cli(["simulate", str(path), "--jsonl"])
    assert proc.returncode == 1
    assert "invalid condition" in proc.stderr and "Traceback" not in proc.stderr


def test_validation_warnings_go_to_stderr(tmp_path: Path) -> None:
    path = tmp_path / "warn.dip"
    path.write_text("workflow W\n  start: A\n  exit: A\n  agent A\n    prompt: ${ctx.nothing_writes_this}\n")
    proc = run_cli(["simulate", str(path), "--json"])
    assert proc.returncode == 0
    json.loads(proc.stdout)
    assert "=== Validation Warnings ===" in proc.stderr and "DIP810" in proc.stderr


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: str(p.parent.name) + "/" + p.name)
def test_every_corpus_file_simulates(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # In-process through the CLI entry point (a subprocess per corpus file costs minutes).
    assert main(["simulate", str(path), "--json", "--all-paths"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert "execution_plan" in report and "paths" in report
    assert len(report["paths"]) <= 100
    if report["paths"]:
        assert all(p["nodes"][0] == report["start_node"] for p in report["paths"])


def test_build_product_simulates_as_a_subprocess(corpus: Path) -> None:
    proc = run_cli(["simulate", str(corpus / "tracker/examples/build_product.dip"), "--all-paths"], timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Paths (" in proc.stdout
