"""``tracker run-json [RUN]``: rebuild run.json from the run directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.runs_support import isolate, narrated_run
from tests.conftest import run_cli
from tests.llm.fakes.server import FakeServer


@pytest.fixture(autouse=True)
def clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate(monkeypatch, tmp_path)


def test_a_lost_run_json_is_rebuilt_with_its_source_path(tmp_path: Path, server: FakeServer) -> None:
    run_id = narrated_run(tmp_path, server)
    run_dir = tmp_path / ".tracker" / "runs" / run_id
    original = json.loads((run_dir / "run.json").read_text())
    (run_dir / "run.json").unlink()  # as if the process had been killed before writing it
    # the rebuild keeps what the old file said about the source only when there is one
    proc = run_cli(["run-json"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == f"wrote {run_dir / 'run.json'}"
    assert lines[1].split() == ["run:", run_id]
    assert lines[2].split() == ["status:", "success"]
    assert lines[3].split() == ["nodes:", str(len(original["nodes"]))]
    assert lines[4].startswith("  llm:    3 calls, ") and "in /" in lines[4]
    assert lines[5].split()[:3] == ["human:", "2", "gate"]
    rebuilt = json.loads((run_dir / "run.json").read_text())
    assert rebuilt["terminal_status"] == "success"
    assert rebuilt["run_id"] == run_id
    assert rebuilt["totals"] == original["totals"]


def test_existing_source_path_and_params_survive_a_rebuild(tmp_path: Path, server: FakeServer) -> None:
    run_id = narrated_run(tmp_path, server)
    run_dir = tmp_path / ".tracker" / "runs" / run_id
    before = json.loads((run_dir / "run.json").read_text())
    proc = run_cli(["run-json", run_id[:6], "--json"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    printed = json.loads(proc.stdout)
    assert printed["spec"]["source_path"] == before["spec"]["source_path"]
    assert printed == json.loads((run_dir / "run.json").read_text())


def test_a_run_without_terminal_event_and_errors(tmp_path: Path) -> None:
    run_dir = tmp_path / ".tracker" / "runs" / "deadbeef0001"
    run_dir.mkdir(parents=True)
    (run_dir / "checkpoint.json").write_text(json.dumps({"run_id": "deadbeef0001", "completed_nodes": ["Start"], "timestamp": "2026-01-01T00:00:00Z"}))
    proc = run_cli(["run-json", "dead"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "status: (none recorded — run did not emit a terminal event)" in proc.stdout
    assert "  nodes:  1" in proc.stdout
    missing = run_cli(["run-json", "feed"], cwd=tmp_path)
    assert missing.returncode == 1
    assert missing.stderr.startswith('error: no run found matching "feed"')
    (run_dir.parent / "deadbeef0002").mkdir()
    ambiguous = run_cli(["run-json", "deadbeef"], cwd=tmp_path)
    assert ambiguous.returncode == 1
    assert ambiguous.stderr.strip() == 'error: ambiguous run ID "deadbeef" matches 2 runs: deadbeef0001, deadbeef0002'
    flag = run_cli(["run-json", "--format", "x"], cwd=tmp_path)
    assert flag.returncode == 1 and flag.stderr.startswith("Error: unrecognized arguments: --format\n")
