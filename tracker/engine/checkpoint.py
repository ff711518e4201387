"""``checkpoint.json``: the resumable progress of a run, saved atomically after every node.

Keys and their order follow the reference (engine spec §7.2.2); the file is indented
JSON with 2 spaces. Saving writes ``<path>.tmp`` completely (mode 0600, never through a
symlink), then moves it into place, without ``fsync``: a killed process leaves the
previous or the new checkpoint, never a torn one (§7.2.4). The move is "unlink the old
file, rename the new one" rather than a rename over it, because ext4 flushes the data of
a file renamed over another (``auto_da_alloc``), which made every save cost a
synchronous write; if the process dies between the two steps, the complete ``.tmp`` is
what :func:`load_checkpoint` reads.

A run saves through :class:`CheckpointFile`, which on Linux makes each save cheaper still:
it overwrites the ``.tmp`` left by the previous save in place and *exchanges* it with the
checkpoint (``renameat2(RENAME_EXCHANGE)``, one atomic step), so no inode is created or
freed per save and ``checkpoint.json`` never goes missing. The ``.tmp`` (holding the
previous checkpoint) therefore stays while the run goes on; :meth:`CheckpointFile.close`
removes it when the run ends. Elsewhere it falls back to :func:`save_atomic`.
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import stat
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from tracker.engine.context import RunContext
from tracker.engine.jsonfrag import (
    FragmentDict,
    FragmentSet,
    encode_str,
    encode_value,
    join_object,
)


class CheckpointError(Exception):
    """A checkpoint that cannot be read or does not belong to this run."""


_second_cache: list[Any] = [None, "", ""]  # whole second, "YYYY-MM-DDTHH:MM:SS", "+HH:MM"


def _timestamp(ts: float | None = None) -> str:
    """``rfc3339(ts)`` (local time, microseconds; the checkpoint's ``timestamp``), with the
    date/time/offset part formatted once per second."""
    if ts is None:
        ts = time.time()
    whole = math.floor(ts)
    micro = round((ts - whole) * 1e6)  # as datetime.fromtimestamp rounds (half-even)
    if micro >= 1_000_000:
        whole += 1
        micro -= 1_000_000
    if whole != _second_cache[0]:
        text = datetime.fromtimestamp(whole).astimezone().isoformat(timespec="seconds")
        _second_cache[:] = [whole, text[:19], text[19:]]
    return f"{_second_cache[1]}.{micro:06d}{_second_cache[2]}"


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
        return self.to_bytes().decode("utf-8")

    def to_bytes(self) -> bytes:
        """The file text (UTF-8), stamped with the current time; assembled from cached
        pieces with one join, so a long run's growing checkpoint stays cheap to save."""
        self.timestamp = _timestamp()

        def text(value: str) -> bytes:
            return value.encode("utf-8")

        out = [
            b'{\n  "run_id": ' + text(encode_str(self.run_id)),
            b',\n  "current_node": ' + text(encode_str(self.current_node)),
            b',\n  "completed_nodes": ',
        ]
        self.completed.extend_json(out, 1)
        out.append(b',\n  "retry_counts": ')
        self.retry_counts.extend_json(out, 1)
        out.append(b',\n  "context": ')
        self.context.values.extend_json(out, 1)
        out.append(b',\n  "timestamp": ' + text(encode_str(self.timestamp)))
        out.append(b',\n  "restart_count": ' + text(str(self.restart_count)))
        if self.edge_selections:
            out.append(b',\n  "edge_selections": ')
            self.edge_selections.extend_json(out, 1)
        if self.node_outcomes:
            out.append(b',\n  "node_outcomes": ')
            self.node_outcomes.extend_json(out, 1)
        for key in ("fallback_taken", "gate_recheck_pending", "overridden_gates", "wip_refs"):
            value: dict[str, Any] = getattr(self, key)
            if value:
                frags = [encode_str(k) + ": " + encode_value(v) for k, v in sorted(value.items())]
                out.append(text(f',\n  "{key}": ' + join_object(frags, 1)))
        if self.bundle_identity:
            out.append(b',\n  "bundle_identity": ' + text(encode_str(self.bundle_identity)))
        if self.validation_overrides:
            dumped = json.dumps(self.validation_overrides, ensure_ascii=False, indent=2).replace("\n", "\n  ")
            out.append(b',\n  "validation_overrides": ' + text(dumped))
        if self.memo_entries:
            dumped = json.dumps(self.memo_entries, ensure_ascii=False, indent=2).replace("\n", "\n  ")
            out.append(b',\n  "memo_entries": ' + text(dumped))
        if self.workflow_name:
            out.append(b',\n  "workflow_name": ' + text(encode_str(self.workflow_name)))
        out.append(b"\n}")
        return b"".join(out)

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


def save_atomic(path: Path, text: str | bytes) -> None:
    """Write ``text`` (UTF-8 when a string) to ``path`` through ``path.tmp`` + rename
    (mode 0600, no fsync)."""
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
        data = text.encode("utf-8") if isinstance(text, str) else text
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


class _RenameExchange:
    """``renameat2(..., RENAME_EXCHANGE)`` through libc, when the platform has it."""

    AT_FDCWD = -100
    RENAME_EXCHANGE = 2
    _func: Any = None
    available: bool | None = None  # None: not probed yet

    @classmethod
    def swap(cls, a: str, b: str) -> bool:
        """Atomically exchange ``a`` and ``b``; ``False`` when either is missing or the
        system cannot exchange (then nothing happened)."""
        if cls.available is None:
            cls._load()
        if not cls.available:
            return False
        if cls._func(cls.AT_FDCWD, os.fsencode(a), cls.AT_FDCWD, os.fsencode(b), cls.RENAME_EXCHANGE) == 0:
            return True
        import ctypes

        err = ctypes.get_errno()
        if err in (errno.EINVAL, errno.ENOSYS, errno.EPERM, errno.ENOTSUP):
            cls.available = False  # the file system or kernel cannot exchange
        elif err != errno.ENOENT:
            raise OSError(err, os.strerror(err), b)
        return False

    @classmethod
    def _load(cls) -> None:
        cls.available = False
        if not sys.platform.startswith("linux"):
            return
        try:
            import ctypes

            func = ctypes.CDLL(None, use_errno=True).renameat2
        except (OSError, AttributeError):
            return
        func.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
        func.restype = ctypes.c_int
        cls._func = func
        cls.available = True


class CheckpointFile:
    """Repeated atomic saves of one checkpoint path (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)
        self.tmp = self.path + ".tmp"
        self._tmp_left = False

    def save(self, data: bytes) -> None:
        if _RenameExchange.available is False:
            save_atomic(Path(self.path), data)
            return
        flags = os.O_WRONLY | os.O_CREAT | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0)  # a symlinked .tmp fails
        try:
            fd = os.open(self.tmp, flags, 0o600)
        except FileNotFoundError:
            os.makedirs(os.path.dirname(self.path), mode=0o700, exist_ok=True)
            fd = os.open(self.tmp, flags, 0o600)
        try:
            if stat.S_IMODE(os.fstat(fd).st_mode) != 0o600:
                os.fchmod(fd, 0o600)
            view = memoryview(data)
            offset = 0
            while offset < len(data):
                offset += os.pwrite(fd, view[offset:], offset)
            os.ftruncate(fd, len(data))
        except BaseException:
            os.close(fd)
            _remove_quietly(self.tmp)
            raise
        os.close(fd)
        try:
            if _RenameExchange.swap(self.tmp, self.path):
                self._tmp_left = True  # it now holds the previous checkpoint
                return
            if os.path.lexists(self.path):  # exchange unsupported here: the portable way
                os.unlink(self.path)
            os.rename(self.tmp, self.path)
            self._tmp_left = False
        except BaseException:
            _remove_quietly(self.tmp)
            raise

    def close(self) -> None:
        """Remove the ``.tmp`` the exchanges left behind."""
        if self._tmp_left:
            self._tmp_left = False
            _remove_quietly(self.tmp)


def _remove_quietly(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
