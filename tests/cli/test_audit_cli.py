"""``tracker list`` and ``tracker audit``: summaries, the audit report, status classification."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from tests.conftest import run_cli

FLOW = """
workflow Audit
  start: Start
  exit: Done

  agent Start
    label: Start

  tool Check
    timeout: 5s
    command: test -f ready || { echo "not ready" >&2; exit 1; }

  agent Done
    label: Done

  edges
    Start -> Check
    Check -> Done
"""


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"TRACKER_AUDIT_DIR": str(tmp_path / "audit")}


def test_list_without_runs(tmp_path: Path, env: dict[str, str]) -> None:
    proc = run_cli(["list"], cwd=tmp_path, env=env)
    assert (proc.returncode, proc.stdout) == (0, "No runs found. Run a pipeline first.\n")
    proc = run_cli(["audit", "--json"], cwd=tmp_path, env=env)
    assert json.loads(proc.stdout) == []


def test_list_audit_and_classification_after_resume(tmp_path: Path, env: dict[str, str]) -> None:
    flow = tmp_path / "audit.dip"
    flow.write_text(textwrap.dedent(FLOW).lstrip())
    failed = run_cli([str(flow), "--no-tui"], cwd=tmp_path, env=env)
    assert failed.returncode == 1
    (run_id,) = [p.name for p in (tmp_path / ".tracker" / "runs").iterdir()]

    listing = run_cli(["list"], cwd=tmp_path, env=env)
    assert listing.returncode == 0
    row = next(line for line in listing.stdout.splitlines() if line.startswith(run_id))
    assert row.split()[1] == "FAIL" and row.split()[-1] == "Check"
    assert "1 runs total" in listing.stdout

    report = run_cli(["audit", run_id[:4]], cwd=tmp_path, env=env)
    assert report.returncode == 0
    text = report.stdout
    for section in ("═══ Audit Report ═══", "─── Timeline ───", "─── Retries ───", "─── Errors ───", "─── Recommendations ───"):
        assert section in text
    assert f"Run ID:     {run_id}" in text and "Status:     fail" in text
    assert "▸ Check — stage_failed" in text
    assert "• Pipeline failed at Check — check error details above" in text

    data = json.loads(run_cli(["audit", run_id, "--json"], cwd=tmp_path, env=env).stdout)
    assert (data["status"], data["status_class"]) == ("fail", "failed")
    assert data["timeline"][0]["type"] == "pipeline_started"
    assert any(item.get("duration_ns", -1) >= 0 for item in data["timeline"] if item["type"] == "stage_failed")

    (tmp_path / "ready").write_text("")
    resumed = run_cli([str(flow), "--no-tui", "-r", run_id], cwd=tmp_path, env=env)
    assert resumed.returncode == 0, resumed.stderr
    summaries = json.loads(run_cli(["list", "--json"], cwd=tmp_path, env=env).stdout)
    assert [(s["run_id"], s["status"], s["status_class"]) for s in summaries] == [(run_id, "success", "succeeded")]
    assert "failed_at" not in summaries[0]


def test_audit_of_an_unknown_run_is_an_error(tmp_path: Path, env: dict[str, str]) -> None:
    (tmp_path / ".tracker" / "runs").mkdir(parents=True)
    proc = run_cli(["audit", "feedface"], cwd=tmp_path, env=env)
    assert proc.returncode == 1
    assert proc.stderr.startswith('error: no run found matching "feedface"')
