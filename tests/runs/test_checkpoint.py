"""checkpoint.json: field shape, atomic save, both copies, reading back."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from tests.engine.support import run_source
from tracker.engine.checkpoint import Checkpoint, CheckpointError, load_checkpoint, save_atomic
from tracker.engine.context import RunContext

FLOW = """
workflow C
  goal: keep state
  start: Start
  exit: Done

  agent Start
    label: Start

  tool Work
    timeout: 5s
    command: echo worked

  agent Done
    label: Done

  edges
    Start -> Work
    Work -> Done
"""


async def test_both_copies_are_written_with_the_reference_fields(tmp_path: Path, audit_dir: Path) -> None:
    result, events = await run_source(tmp_path, FLOW)
    local = result.run_dir / "checkpoint.json"  # type: ignore[operator]
    secure = audit_dir / result.run_id / "checkpoint.json"
    assert local.read_bytes() == secure.read_bytes()
    assert stat.S_IMODE(os.stat(secure).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(secure.parent).st_mode) == 0o700
    data = json.loads(local.read_text())
    assert list(data)[:7] == ["run_id", "current_node", "completed_nodes", "retry_counts", "context", "timestamp", "restart_count"]
    assert data["run_id"] == result.run_id
    assert data["current_node"] == "Done"
    assert data["completed_nodes"] == ["Start", "Work"]
    assert data["context"]["graph.goal"] == "keep state"
    assert data["context"]["node.Work.tool_stdout"] == "worked"
    assert "_run_id" not in data["context"]
    assert data["edge_selections"] == {"Start": "Work", "Work": "Done"}
    assert data["node_outcomes"] == {"Start": "success", "Work": "success"}
    assert not list(local.parent.glob("*.tmp"))
    assert sum(1 for e in events if e.type == "checkpoint_saved") == 2


def test_round_trip_and_indentation(tmp_path: Path) -> None:
    cp = Checkpoint(run_id="abc123abc123", current_node="B")
    cp.mark_completed("A")
    cp.retry_counts["A"] = 2
    cp.context = RunContext({"k": 'v "quoted"\nline', "é": "ü"})
    cp.edge_selections["A"] = "B"
    cp.fallback_taken["A"] = True
    text = cp.to_json()
    data = json.loads(text)
    assert text == json.dumps(data, indent=2, ensure_ascii=False)
    again = Checkpoint.from_data(data)
    assert again.completed_nodes == ["A"] and again.context.get("k") == 'v "quoted"\nline'
    assert again.fallback_taken == {"A": True}


def test_save_is_atomic_and_an_interrupted_move_is_recovered(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "checkpoint.json"
    save_atomic(target, '{"run_id": "one"}')
    save_atomic(target, '{"run_id": "two"}')
    assert json.loads(target.read_text()) == {"run_id": "two"}
    # a process killed between removing the old file and renaming the new one leaves a
    # complete .tmp behind: it is what gets loaded
    os.rename(target, str(target) + ".tmp")
    loaded = load_checkpoint(target)
    assert loaded is not None and loaded.run_id == "two"
    assert load_checkpoint(tmp_path / "missing.json") is None


def test_symlinked_temp_file_and_corrupt_checkpoints_are_refused(tmp_path: Path) -> None:
    target = tmp_path / "checkpoint.json"
    (tmp_path / "elsewhere").write_text("x")
    os.symlink(tmp_path / "elsewhere", str(target) + ".tmp")
    with pytest.raises(OSError):
        save_atomic(target, "{}")
    assert (tmp_path / "elsewhere").read_text() == "x"
    target.write_text("{ broken")
    with pytest.raises(CheckpointError, match="corrupt checkpoint"):
        load_checkpoint(target)
