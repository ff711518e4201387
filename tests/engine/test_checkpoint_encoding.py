"""The incremental checkpoint encoding matches ``json.dumps(indent=2)`` under any edit history."""

from __future__ import annotations

import json
import os
import random
import stat
from pathlib import Path

import pytest

from tracker.engine.checkpoint import Checkpoint, CheckpointFile, load_checkpoint
from tracker.engine.jsonfrag import BLOCK, FragmentDict, FragmentSet


def test_fragment_dict_matches_json_dumps_through_updates_deletions_and_compaction() -> None:
    rng = random.Random(5)
    live: FragmentDict[str] = FragmentDict()
    expected: dict[str, str] = {}
    keys = [f"k{i}" for i in range(BLOCK * 6)] + ["é", 'quote"d', "line\nbreak"]
    for step in range(3000):
        key = rng.choice(keys)
        if rng.random() < 0.3 and key in expected:
            del live[key]
            del expected[key]
        else:
            value = rng.choice(["", "x", "ü", f"v{step}", 'a "b"\n'])
            live[key] = value
            expected[key] = value
        if step % 7 == 0:
            text = "{}" if not expected else live.joined(1)
            assert json.loads(text) == expected
            assert list(json.loads(text)) == list(expected)  # insertion order kept
            level_one = json.dumps({"x": expected}, indent=2, ensure_ascii=False)
            assert level_one == '{\n  "x": ' + live.joined(1) + "\n}"
    assert live.fragments() == [json.dumps({k: v}, ensure_ascii=False)[1:-1] for k, v in expected.items()]


def test_fragment_set_matches_json_dumps_through_discards_and_readds() -> None:
    rng = random.Random(9)
    live = FragmentSet()
    expected: dict[str, None] = {}
    items = [f"N{i}" for i in range(BLOCK * 5)]
    for step in range(3000):
        item = rng.choice(items)
        if rng.random() < 0.4:
            live.discard(item)
            expected.pop(item, None)
        else:
            live.add(item)
            expected.setdefault(item, None)
        if step % 11 == 0:
            assert json.dumps({"x": list(expected)}, indent=2) == '{\n  "x": ' + live.joined(1) + "\n}"
            assert list(live) == list(expected)


def test_checkpoint_text_is_stable_across_many_saves_of_a_growing_run() -> None:
    cp = Checkpoint(run_id="abc123abc123", workflow_name="W")
    for i in range(BLOCK * 3):
        nid = f"N{i}"
        for key in ("outcome", "tool_stdout", "tool_stderr"):
            cp.context.set(key, f"{key}-{i}")
        cp.context.scope_to(nid)
        cp.mark_completed(nid)
        cp.edge_selections[nid] = f"N{i + 1}"
        cp.node_outcomes[nid] = "success"
        cp.current_node = f"N{i + 1}"
        if i % 40 == 39:  # a loop restart clears part of the completed prefix
            cp.clear_completed({f"N{j}" for j in range(i - 20, i)}, retries=True)
        text = cp.to_json()
        assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        data = json.loads(text)
        assert data["completed_nodes"] == cp.completed_nodes
        assert data["edge_selections"] == cp.edge_selections.plain()
        assert data["context"] == cp.context.snapshot()


def test_checkpoint_timestamp_equals_rfc3339_including_rounding_at_second_edges() -> None:
    from tracker.engine.checkpoint import _timestamp
    from tracker.runs.timefmt import rfc3339

    rng = random.Random(3)
    samples = [1.7e9 + rng.uniform(-3e8, 3e8) for _ in range(2000)]
    samples += [1.7e9 + 0.9999996, 1.7e9 + 0.0000005, 1.7e9 + 0.0000015, 1.7e9 + 12.5]
    for ts in samples:
        assert _timestamp(ts) == rfc3339(ts)


def test_checkpoint_file_saves_atomically_and_cleans_up_its_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "secure" / "checkpoint.json"
    store = CheckpointFile(target)
    texts = [b'{"run_id": "a", "pad": "' + b"x" * n + b'"}' for n in (4000, 10, 2000, 0)]
    for text in texts:
        store.save(text)
        assert target.read_bytes() == text  # never torn: always one complete save
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700
    store.close()
    assert sorted(p.name for p in target.parent.iterdir()) == ["checkpoint.json"]
    assert load_checkpoint(target) is not None


def test_checkpoint_file_refuses_a_symlinked_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "checkpoint.json"
    CheckpointFile(target).save(b"{}")
    (tmp_path / "elsewhere").write_text("x")
    tmp = Path(str(target) + ".tmp")
    if tmp.exists():
        tmp.unlink()
    os.symlink(tmp_path / "elsewhere", tmp)
    with pytest.raises(OSError):
        CheckpointFile(target).save(b'{"run_id": "b"}')
    assert (tmp_path / "elsewhere").read_text() == "x"
    assert target.read_bytes() == b"{}"
