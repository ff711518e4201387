"""``checkpoint.json``: the resumable progress of a run, saved atomically after every node.

Keys and their order follow the reference (engine spec §7.2.2); the file is indented
JSON with 2 spaces. Saving writes ``<path>.tmp`` completely (mode 0600, never through a
symlink), then moves it into place, without ``fsync``: a killed process leaves the
previous or the new checkpoint, never a torn one (§7.2.4). The move is "unlink the old
file, rename the new one" rather than a rename over it, because ext4 flushes the data of
a file renamed over another (``auto_da_alloc``), which made every save cost a
synchronous write; if the process dies between the two steps, the complete ``.tmp`` is
what :func:`load_checkpoint` reads.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracker.engine.context import RunContext
from tracker.engine.jsonfrag import (
    FragmentDict,
    FragmentSet,
    encode_str,
    encode_value,
    join_array,
    join_object,
)


class CheckpointError(Exception):
    """A checkpoint that cannot be read or does not belong to this run."""


def _timestamp() -> str:
    from tracker.runs.timefmt import rfc3339

    return rfc3339(time.time())


@dataclass
class Checkpoint:
    run_id: str
    current_node: str = ""
    completed: FragmentSet = field(default_factory=FragmentSet)
    retry_counts: FragmentDict[int] = field(default_factory=FragmentDict)
    context: RunContext = field(default_factory=RunContext)
    timestamp: str = ""
    restart_count: int = 0
    edge_selections: FragmentDict[str] = field(default_factory=FragmentDict)
    node_outcomes: FragmentDict[str] = field(default_factory=FragmentDict)
    fallback_taken: dict[str, bool] = field(default_factory=dict)
    gate_recheck_pending: dict[str, bool] = field(default_factory=dict)
    overridden_gates: dict[str, bool] = field(default_factory=dict)
    wip_refs: dict[str, str] = field(default_factory=dict)
    bundle_identity: str = ""
    validation_overrides: list[dict[str, Any]] = field(default_factory=list)
    memo_entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    workflow_name: str = ""

    # -------------------------------------------------------------- completion set

    @property
    def completed_nodes(self) -> list[str]:
        return list(self.completed)

    def is_completed(self, node_id: str) -> bool:
        return node_id in self.completed

    def mark_completed(self, node_id: str) -> None:
        self.completed.add(node_id)

    def clear_completed(self, node_ids: set[str], *, retries: bool = False) -> None:
        """Drop completion marks and edge selections of ``node_ids`` (and their retry
        counts too with ``retries=True``, as loop restarts do)."""
        for nid in node_ids:
            self.completed.discard(nid)
            self.edge_selections.pop(nid, None)
            if retries:
                self.retry_counts.pop(nid, None)

    # -------------------------------------------------------------- serialisation

    def to_json(self) -> str:
        self.timestamp = _timestamp()
        parts = [
            '"run_id": ' + encode_str(self.run_id),
            '"current_node": ' + encode_str(self.current_node),
            '"completed_nodes": ' + join_array(self.completed.fragments(), 1),
            '"retry_counts": ' + join_object(self.retry_counts.fragments(), 1),
            '"context": ' + join_object(self.context.values.fragments(), 1),
            '"timestamp": ' + encode_str(self.timestamp),
            '"restart_count": ' + str(self.restart_count),
        ]
        if self.edge_selections:
            parts.append('"edge_selections": ' + join_object(self.edge_selections.fragments(), 1))
        if self.node_outcomes:
            parts.append('"node_outcomes": ' + join_object(self.node_outcomes.fragments(), 1))
        for key in ("fallback_taken", "gate_recheck_pending", "overridden_gates", "wip_refs"):
            value: dict[str, Any] = getattr(self, key)
            if value:
                frags = [encode_str(k) + ": " + encode_value(v) for k, v in sorted(value.items())]
                parts.append(f'"{key}": ' + join_object(frags, 1))
        if self.bundle_identity:
            parts.append('"bundle_identity": ' + encode_str(self.bundle_identity))
        if self.validation_overrides:
            text = json.dumps(self.validation_overrides, ensure_ascii=False, indent=2).replace("\n", "\n  ")
            parts.append('"validation_overrides": ' + text)
        if self.memo_entries:
            text = json.dumps(self.memo_entries, ensure_ascii=False, indent=2).replace("\n", "\n  ")
            parts.append('"memo_entries": ' + text)
        if self.workflow_name:
            parts.append('"workflow_name": ' + encode_str(self.workflow_name))
        return join_object(parts, 0)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Checkpoint:
        if not isinstance(data, dict):
            raise CheckpointError("checkpoint is not a JSON object")
        context = data.get("context") or {}
        if not isinstance(context, dict):
            raise CheckpointError('"context" is not an object')
        cp = cls(run_id=str(data.get("run_id") or ""))
        cp.current_node = str(data.get("current_node") or "")
        for nid in data.get("completed_nodes") or []:
            cp.mark_completed(str(nid))
        for k, v in (data.get("retry_counts") or {}).items():
            cp.retry_counts[str(k)] = int(v)
        cp.context = RunContext({str(k): "" if v is None else str(v) for k, v in context.items()})
        cp.timestamp = str(data.get("timestamp") or "")
        cp.restart_count = int(data.get("restart_count") or 0)
        for k, v in (data.get("edge_selections") or {}).items():
            cp.edge_selections[str(k)] = str(v)
        for k, v in (data.get("node_outcomes") or {}).items():
            cp.node_outcomes[str(k)] = str(v)
        cp.fallback_taken = {str(k): bool(v) for k, v in (data.get("fallback_taken") or {}).items()}
        cp.gate_recheck_pending = {str(k): bool(v) for k, v in (data.get("gate_recheck_pending") or {}).items()}
        cp.overridden_gates = {str(k): bool(v) for k, v in (data.get("overridden_gates") or {}).items()}
        cp.wip_refs = {str(k): str(v) for k, v in (data.get("wip_refs") or {}).items()}
        cp.bundle_identity = str(data.get("bundle_identity") or "")
        cp.validation_overrides = list(data.get("validation_overrides") or [])
        cp.memo_entries = dict(data.get("memo_entries") or {})
        cp.workflow_name = str(data.get("workflow_name") or "")
        return cp


def load_checkpoint(path: Path) -> Checkpoint | None:
    """The checkpoint at ``path`` (or its complete ``.tmp`` left by a save that was
    interrupted between unlink and rename); ``None`` when neither exists."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        tmp = Path(str(path) + ".tmp")
        try:
            return Checkpoint.from_data(json.loads(tmp.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError, AttributeError, CheckpointError):
            return None
    except OSError as exc:
        raise CheckpointError(f"corrupt checkpoint at {path}: {exc}") from exc
    try:
        return Checkpoint.from_data(json.loads(text))
    except (ValueError, TypeError, AttributeError, CheckpointError) as exc:
        raise CheckpointError(f"corrupt checkpoint at {path}: {exc}") from exc


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_made_dirs: set[str] = set()


def save_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through ``path.tmp`` + rename (mode 0600, no fsync)."""
    parent = str(path.parent)
    if parent not in _made_dirs:
        os.makedirs(parent, mode=0o700, exist_ok=True)
        _made_dirs.add(parent)
    tmp = str(path) + ".tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _NOFOLLOW  # O_NOFOLLOW: a symlinked .tmp fails
    try:
        fd = os.open(tmp, flags | os.O_EXCL, 0o600)
    except FileExistsError:
        fd = os.open(tmp, flags, 0o600)
        os.fchmod(fd, 0o600)
    except FileNotFoundError:
        _made_dirs.discard(parent)
        os.makedirs(parent, mode=0o700, exist_ok=True)
        _made_dirs.add(parent)
        fd = os.open(tmp, flags, 0o600)
    try:
        data = text.encode("utf-8")
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
    except BaseException:
        os.close(fd)
        _remove_quietly(tmp)
        raise
    os.close(fd)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    try:
        os.rename(tmp, path)
    except BaseException:
        _remove_quietly(tmp)
        raise


def _remove_quietly(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
