"""``activity.jsonl``: the run's audit trail, written live and read back by the reports.

The live log sits in the secure audit directory (engine spec §7.3, §7.6): each line is
the sentinel ``\\x1f\\x1e`` + one JSON object + newline, appended with a single ``write``.
When the run ends, a copy without sentinels is written to ``<runDir>/activity.jsonl``.
Readers prefer the secure file, skip unparseable lines, and count lines without the
sentinel there as injected.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracker.engine.events import SOURCE_AGENT, SOURCE_LLM, Event, to_json_line
from tracker.runs.layout import ACTIVITY, secure_base
from tracker.runs.timefmt import parse_ts

SENTINEL = b"\x1f\x1e"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _open_append(path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(OSError):
        os.chmod(path.parent, 0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | _NOFOLLOW, 0o600)
    os.fchmod(fd, 0o600)
    return fd


class ActivityLogWriter:
    """An event sink appending to the live log; :meth:`close` writes the run-dir copy."""

    def __init__(self, run_dir: Path, secure_dir: Path | None, *, verbose: bool = False) -> None:
        self.run_dir = run_dir
        self.secure_dir = secure_dir
        self.verbose = verbose
        self._fd: int | None = None
        self._secure = False
        self._failed = False
        self.live_path: Path | None = None

    def _open(self) -> None:
        targets: list[tuple[Path, bool]] = []
        if self.secure_dir is not None:
            targets.append((self.secure_dir / ACTIVITY, True))
        targets.append((self.run_dir / ACTIVITY, False))
        for path, secure in targets:
            try:
                self._fd = _open_append(path)
            except OSError:
                continue
            self._secure = secure
            self.live_path = path
            return
        self._failed = True

    def __call__(self, event: Event) -> None:
        if self._failed:
            return
        if not self.verbose and event.type in ("provider_raw", "llm_provider_raw") and event.source in (SOURCE_LLM, SOURCE_AGENT):
            return
        if self._fd is None:
            self._open()
            if self._fd is None:
                return
        line = to_json_line(event, snapshot=False).encode("utf-8")
        with contextlib.suppress(OSError):
            os.write(self._fd, SENTINEL + line if self._secure else line)

    def close(self) -> None:
        """Close the live file and copy it (sentinels stripped) into the run directory."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        with contextlib.suppress(OSError):
            os.fsync(fd)
        os.close(fd)
        if self._secure and self.live_path is not None:
            with contextlib.suppress(OSError):
                snapshot_log(self.live_path, self.run_dir / ACTIVITY)


def snapshot_log(live: Path, target: Path) -> None:
    if target.parent.is_symlink():
        raise OSError(f"{target.parent} is a symbolic link")
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(target.parent, 0o700)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _NOFOLLOW, 0o600)
    os.fchmod(fd, 0o600)
    with open(live, "rb") as src, os.fdopen(fd, "wb") as dst:
        for raw in src:
            dst.write(raw[2:] if raw.startswith(SENTINEL) else raw)


# ----------------------------------------------------------------------------- reading


@dataclass
class ActivityLog:
    entries: list[dict[str, Any]] = field(default_factory=list)  # sorted by time; "_ts" holds seconds
    path: Path | None = None
    secure: bool = False
    injected: int = 0


def activity_path(run_dir: Path) -> tuple[Path | None, bool]:
    """The log to read for a run: the secure copy when it exists, else the run-dir copy."""
    secure = secure_base() / run_dir.name / ACTIVITY
    if secure.is_file():
        return secure, True
    local = run_dir / ACTIVITY
    if local.is_file():
        return local, False
    return None, False


def load_activity(run_dir: Path, *, sort: bool = True) -> ActivityLog:
    """Every parseable line; ``sort`` orders them by time (``_ts``, seconds) and needs the
    timestamps parsed, which the unsorted read skips."""
    path, secure = activity_path(run_dir)
    log = ActivityLog(path=path, secure=secure)
    if path is None:
        return log
    with open(path, "rb") as fh:
        for index, raw in enumerate(fh):
            line = raw.rstrip(b"\n")
            if secure:
                if line.startswith(SENTINEL):
                    line = line[2:]
                else:
                    log.injected += 1
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except ValueError:
                continue
            if not isinstance(data, dict):
                continue
            if sort:
                data["_ts"] = parse_ts(str(data.get("ts", ""))) or 0.0
            data["_line"] = index
            log.entries.append(data)
    if sort:
        log.entries.sort(key=lambda d: (d["_ts"], d["_line"]))
    return log
