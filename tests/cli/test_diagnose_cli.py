"""``tracker diagnose``: failed nodes with their output, repeated-failure detection, suggestions."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from tests.conftest import run_cli

LOOP = """
workflow Diag
  start: Start
  exit: Done

  defaults
    max_restarts: 1

  agent Start
    label: Start

  tool Build
    timeout: 5s
    command: echo "compiling"; echo "make: gcc: command not found" >&2; exit 127

  agent Done
    label: Done

  edges
    Start -> Build
    Build -> Done when ctx.outcome = success
    Build -> Build when ctx.outcome = fail restart: true
"""

TIMEOUT = """
workflow Slow
  start: Start
  exit: Done

  agent Start
    label: Start

  tool Hang
    timeout: 100ms
    command: sleep 3

  agent Done
    label: Done

  edges
    Start -> Hang
    Hang -> Done
"""


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"TRACKER_AUDIT_DIR": str(tmp_path / "audit")}


def run_flow(tmp_path: Path, env: dict[str, str], source: str) -> None:
    flow = tmp_path / "flow.dip"
    flow.write_text(textwrap.dedent(source).lstrip())
    assert run_cli([str(flow), "--no-tui"], cwd=tmp_path, env=env).returncode == 1


def test_identical_failures_are_reported_as_deterministic(tmp_path: Path, env: dict[str, str]) -> None:
    run_flow(tmp_path, env, LOOP)
    proc = run_cli(["diagnose"], cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    assert text.startswith("tracker diagnose\n")
    assert "Failures: 1" in text and "✗ Build" in text
    assert "Handler: tool" in text
    assert "Attempts: 2 failures (all identical — deterministic)" in text
    assert "Output:\n    compiling" in text
    assert "Stderr:\n    make: gcc: command not found" in text
    assert "─── Suggestions ───" in text
    assert "identical output — a deterministic bug" in text
    assert "a command or file is missing" in text

    data = json.loads(run_cli(["diagnose", "--json"], cwd=tmp_path, env=env).stdout)
    failure = data["failures"][0]
    assert (failure["node_id"], failure["retry_count"], failure["identical_retries"]) == ("Build", 2, True)
    assert {s["kind"] for s in data["suggestions"]} >= {"retry_pattern", "shell_command"}


def test_handler_errors_are_diagnosed_without_a_status_file(tmp_path: Path, env: dict[str, str]) -> None:
    run_flow(tmp_path, env, TIMEOUT)
    run_id = next((tmp_path / ".tracker" / "runs").iterdir()).name
    proc = run_cli(["diagnose", run_id[:6]], cwd=tmp_path, env=env)
    assert "✗ Hang" in proc.stdout
    assert "command timed out after 0.1s" in proc.stdout


def test_clean_run_and_missing_runs(tmp_path: Path, env: dict[str, str]) -> None:
    proc = run_cli(["diagnose"], cwd=tmp_path, env=env)
    assert proc.returncode == 1 and "no runs found — run a pipeline first" in proc.stderr
    flow = tmp_path / "ok.dip"
    flow.write_text(textwrap.dedent(TIMEOUT).replace("sleep 3", "true").lstrip())
    assert run_cli([str(flow), "--no-tui"], cwd=tmp_path, env=env).returncode == 0
    proc = run_cli(["diagnose"], cwd=tmp_path, env=env)
    assert "No failures found — this run completed cleanly." in proc.stdout
