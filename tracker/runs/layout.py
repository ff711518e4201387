"""Where runs live: run IDs, ``.tracker/runs/<id>/``, the secure audit directory, and
finding a run by ID prefix (engine spec §7.1, §7.6.1, §7.2.6)."""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

CHECKPOINT = "checkpoint.json"
ACTIVITY = "activity.jsonl"
RUN_JSON = "run.json"


class RunLookupError(Exception):
    """A run ID that matches no run, or several."""


def new_run_id() -> str:
    """12 lowercase hex characters from a cryptographic RNG."""
    try:
        return secrets.token_hex(6)
    except Exception:  # pragma: no cover - the RNG does not fail in practice
        return "unknown"


def is_clean_run_id(run_id: str) -> bool:
    """A run ID usable as one path element (no separators, not ``.``/``..``)."""
    return bool(run_id) and "/" not in run_id and "\\" not in run_id and run_id not in (".", "..") and os.path.basename(run_id) == run_id


def runs_dir(workdir: Path) -> Path:
    return workdir / ".tracker" / "runs"


def _absolute_env(name: str) -> Path | None:
    value = os.environ.get(name, "").strip()
    if value and os.path.isabs(value):
        return Path(value)
    return None


def secure_base() -> Path:
    """Root of the secure audit copies: ``$TRACKER_AUDIT_DIR``, ``$XDG_STATE_HOME/tracker/runs``,
    ``~/.local/state/tracker/runs``, else ``<tmp>/tracker-audit`` (only absolute values count)."""
    explicit = _absolute_env("TRACKER_AUDIT_DIR")
    if explicit is not None:
        return explicit
    state = _absolute_env("XDG_STATE_HOME")
    if state is not None:
        return state / "tracker" / "runs"
    if os.name == "nt":  # pragma: no cover
        local = _absolute_env("LOCALAPPDATA")
        if local is not None:
            return local / "tracker" / "runs"
    home = _absolute_env("HOME")
    if home is not None:
        return home / ".local" / "state" / "tracker" / "runs"
    return Path(tempfile.gettempdir()) / "tracker-audit"


def secure_dir(run_id: str) -> Path | None:
    return secure_base() / run_id if is_clean_run_id(run_id) else None


def resolve_run(workdir: Path, prefix: str) -> Path:
    """The run directory whose name is ``prefix`` or uniquely starts with it."""
    base = runs_dir(workdir)
    try:
        names = sorted(p.name for p in base.iterdir() if p.is_dir())
    except FileNotFoundError:
        names = []
    except OSError as exc:
        raise RunLookupError(f"cannot read runs directory {base}: {exc}") from exc
    matches = [n for n in names if n.startswith(prefix)]
    if not matches or not prefix:
        raise RunLookupError(f'no run found matching "{prefix}" in {base}')
    if len(matches) > 1:
        if prefix in matches:
            return (base / prefix).resolve()
        raise RunLookupError(f'ambiguous run ID "{prefix}" matches {len(matches)} runs: {", ".join(matches)}')
    return (base / matches[0]).resolve()


def run_dirs(workdir: Path) -> list[Path]:
    base = runs_dir(workdir)
    try:
        return sorted(p for p in base.iterdir() if p.is_dir())
    except OSError:
        return []
