"""Crash safety: SIGKILL in the middle of a run, resume, every completed node ran once."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from tests.conftest import REPO, run_cli

FLOW = """
workflow Crash
  start: Start
  exit: Done

  agent Start
    label: Start

  tool A
    timeout: 5s
    command: echo "A done" >> trail

  tool B
    timeout: 5s
    command: echo "B done" >> trail

  tool C
    timeout: 30s
    command: echo $$ > c.pid; echo "C start" >> trail; sleep 20; echo "C done" >> trail

  tool D
    timeout: 5s
    command: echo "D done" >> trail

  agent Done
    label: Done

  edges
    Start -> A
    A -> B
    B -> C
    C -> D
    D -> Done
"""


def test_sigkill_mid_run_then_resume_runs_each_completed_node_once(tmp_path: Path) -> None:
    flow = tmp_path / "crash.dip"
    flow.write_text(textwrap.dedent(FLOW).lstrip())
    env = {**os.environ, "TRACKER_AUDIT_DIR": str(tmp_path / "audit"), "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tracker", str(flow), "--json"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
    )
    trail = tmp_path / "trail"
    deadline = time.monotonic() + 60
    while "C start" not in (trail.read_text() if trail.exists() else ""):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the run never reached C"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    # the tool's shell leads its own process group, which outlived the killed engine
    orphan = int((tmp_path / "c.pid").read_text())
    with contextlib.suppress(ProcessLookupError):
        os.killpg(orphan, signal.SIGKILL)

    run_dir = next((tmp_path / ".tracker" / "runs").iterdir())
    checkpoint = json.loads((run_dir / "checkpoint.json").read_text())
    assert checkpoint["current_node"] == "C"
    assert checkpoint["completed_nodes"] == ["Start", "A", "B"]
    assert not (run_dir / "activity.jsonl").exists()  # only a clean close writes the copy
    live = (tmp_path / "audit" / run_dir.name / "activity.jsonl").read_bytes().splitlines()
    assert b'"node_id":"C"' in live[-1] and b'"stage_started"' in live[-1]

    resumed = run_cli([str(flow), "--json", "-r", run_dir.name[:5]], cwd=tmp_path, env=env)
    assert resumed.returncode == 0, resumed.stderr
    lines = [json.loads(line) for line in resumed.stdout.splitlines()]
    assert lines[0]["snapshot_current_node"] == "C"
    assert [d["node_id"] for d in lines if d["type"] == "stage_started"] == ["C", "D", "Done"]
    assert lines[-1]["type"] == "pipeline_completed" and lines[-1]["run_id"] == run_dir.name
    assert trail.read_text().splitlines() == ["A done", "B done", "C start", "C start", "C done", "D done"]
    for node in ("A", "B", "C", "D"):
        assert (run_dir / node / "status.json").is_file()
    activity = (run_dir / "activity.jsonl").read_text()
    assert activity.count('"type":"pipeline_started"') == 2
