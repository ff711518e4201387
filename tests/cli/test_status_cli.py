"""``tracker status [RUN]``: the agents' report_status notes of a run."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.cli.runs_support import isolate, narrated_run
from tests.conftest import run_cli
from tests.llm.fakes.server import FakeServer


@pytest.fixture(autouse=True)
def clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate(monkeypatch, tmp_path)


def test_the_timeline_of_the_latest_run(tmp_path: Path, server: FakeServer) -> None:
    run_id = narrated_run(tmp_path, server)
    proc = run_cli(["status"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == f"Status timeline — run {run_id} (2 updates)"
    assert lines[1] == ""
    assert re.fullmatch(r"  \d\d:\d\d:\d\d  \[Work\]", lines[2])
    assert lines[3] == "      Reading the code base"
    assert lines[5:7] == ["      Tests written,", "      now fixing two failures"]

    by_prefix = run_cli(["status", run_id[:5], "--json"], cwd=tmp_path)
    assert by_prefix.returncode == 0, by_prefix.stderr
    data = json.loads(by_prefix.stdout)
    assert data["run_id"] == run_id
    assert [u["text"] for u in data["updates"]] == ["Reading the code base", "Tests written,\nnow fixing two failures"]
    assert {u["node_id"] for u in data["updates"]} == {"Work"}
    assert all(re.match(r"\d{4}-\d\d-\d\dT", u["ts"]) for u in data["updates"])


def test_a_run_without_notes_and_the_workdir_flag(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "quiet.dip").write_text(
        'workflow Quiet\n  start: Start\n  exit: Done\n  agent Start\n    label: Start\n'
        '  tool Echo\n    timeout: 5s\n    command: echo hi\n  agent Done\n    label: Done\n'
        "  edges\n    Start -> Echo\n    Echo -> Done\n"
    )
    assert run_cli(["quiet.dip", "--no-tui"], cwd=project).returncode == 0
    proc = run_cli(["status", "-w", str(project)], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[1] == "  No status updates recorded — the agent didn't call report_status on this run."
    assert "(0 updates)" in proc.stdout


def test_unknown_ambiguous_and_missing_runs(tmp_path: Path) -> None:
    none = run_cli(["status"], cwd=tmp_path)
    assert none.returncode == 1
    assert none.stderr.strip() == "error: no runs found — run a pipeline first"
    runs = tmp_path / ".tracker" / "runs"
    for name in ("abc111111111", "abc222222222"):
        (runs / name).mkdir(parents=True)
    no_checkpoint = run_cli(["status"], cwd=tmp_path)
    assert no_checkpoint.stderr.strip() == "error: no runs found with valid checkpoints"
    ambiguous = run_cli(["status", "abc"], cwd=tmp_path)
    assert ambiguous.returncode == 1
    assert ambiguous.stderr.strip() == 'error: ambiguous run ID "abc" matches 2 runs: abc111111111, abc222222222'
    unknown = run_cli(["status", "zzz"], cwd=tmp_path)
    assert unknown.returncode == 1
    assert unknown.stderr.startswith('error: no run found matching "zzz"')
    shutil.rmtree(runs)
    flag = run_cli(["status", "--bogus"], cwd=tmp_path)
    assert flag.returncode == 1 and flag.stderr.startswith("Error: unrecognized arguments: --bogus")
