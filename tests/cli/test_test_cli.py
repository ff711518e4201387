"""``tracker test`` as a user (and CI) runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli

FLOW = """\
workflow Flow
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

PASSING = {
    "tests": [
        {"name": "happy", "scenario": {"outcome": "success"}, "expect": {"status": "success", "not_visited": ["Fix"]}},
        {"name": "error", "scenario": {"outcome": "fail"}, "expect": {"immediately_after": {"Gate": "Fix"}}},
    ]
}


@pytest.fixture
def flow(tmp_path: Path) -> Path:
    path = tmp_path / "flow.dip"
    path.write_text(FLOW)
    (tmp_path / "flow.test.json").write_text(json.dumps(PASSING))
    return path


def test_passing_suite(flow: Path) -> None:
    proc = run_cli(["test", str(flow)])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "  PASS  happy" in proc.stdout and "  PASS  error" in proc.stdout
    assert "2 tests: 2 passed, 0 failed" in proc.stdout
    assert "coverage: 5/5 nodes (100.0%), 5/5 edges (100.0%)" in proc.stdout


def test_failing_scenario_exits_1_and_shows_the_path(flow: Path) -> None:
    data = {"tests": [{"name": "wrong", "scenario": {"outcome": "success"}, "expect": {"visited": ["Fix"]}}]}
    (flow.parent / "flow.test.json").write_text(json.dumps(data))
    proc = run_cli(["test", str(flow), "--coverage"])
    assert proc.returncode == 1
    assert '  FAIL  wrong — expected node "Fix" to be visited' in proc.stdout
    assert "path: Start → Gate → Pass → Exit" in proc.stdout
    assert 'expected: {"visited": ["Fix"]}' in proc.stdout
    assert "  ✗ Gate -> Fix" in proc.stdout


def test_json_output(flow: Path) -> None:
    proc = run_cli(["test", str(flow.parent / "flow.test.json"), "--json"])
    assert proc.returncode == 0
    data = json.loads(proc.stdout)
    assert (data["passed"], data["failed"], data["total"]) == (2, 0, 2)
    assert data["results"][0] == {
        "name": "happy",
        "passed": True,
        "path": ["Start", "Gate", "Pass", "Exit"],
        "status": "success",
        "expected": {"status": "success", "not_visited": ["Fix"]},
    }
    assert data["coverage"]["nodes"]["covered"] == 5


def test_directory_mode_skips_orphans(flow: Path) -> None:
    (flow.parent / "orphan.test.json").write_text(json.dumps(PASSING))
    proc = run_cli(["test", str(flow.parent)])
    assert proc.returncode == 0
    assert "orphan.test.json: no orphan.dip beside it" in proc.stderr
    assert "1 file(s), 2 tests: 2 passed, 0 failed" not in proc.stdout  # one pair: no directory summary
    assert "2 tests: 2 passed, 0 failed" in proc.stdout


def test_missing_test_file(tmp_path: Path) -> None:
    path = tmp_path / "flow.dip"
    path.write_text(FLOW)
    proc = run_cli(["test", str(path)])
    assert proc.returncode == 1
    assert "flow.test.json: test file not found" in proc.stderr


def test_invalid_json_has_a_position(flow: Path) -> None:
    (flow.parent / "flow.test.json").write_text('{"tests": [\n  {"name": }\n]}')
    proc = run_cli(["test", str(flow)])
    assert proc.returncode == 1
    assert "flow.test.json:2:" in proc.stderr and "invalid JSON" in proc.stderr


def test_corpus_scenario_directories_pass(corpus: Path) -> None:
    for folder in ("dippin/examples", "dippin/testrunner/testdata"):
        proc = run_cli(["test", str(corpus / folder)])
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert " 0 failed" in proc.stdout


def test_corpus_ask_and_execute_passes(corpus: Path) -> None:
    proc = run_cli(["test", str(corpus / "tracker/examples/ask_and_execute.dip"), "--json"])
    assert proc.returncode == 0, proc.stdout
    assert json.loads(proc.stdout)["failed"] == 0


def test_stale_corpus_suite_fails_cleanly(corpus: Path) -> None:
    proc = run_cli(["test", str(corpus / "tracker/examples/build_product.dip")])
    assert proc.returncode == 1
    assert "simulation exceeded 500 steps" in proc.stdout
    assert "Traceback" not in proc.stderr
