"""How this copy of tracker was installed, and the command that updates it.

The version is ``tracker.__version__``. Install details come from the distribution's
``direct_url.json`` (PEP 610): an editable checkout, a local directory, a VCS URL, or an
index/wheel install; a virtualenv holding ``pipx_metadata.json`` is a pipx install. For a
checkout the commit and its time come from git.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DIST_NAME = "tracker"


@dataclass(frozen=True, slots=True)
class InstallInfo:
    version: str
    method: str  # pipx, editable, directory, vcs, index, source
    location: str = ""  # checkout, directory or URL the install came from
    commit: str = ""
    built: str = ""
    python: str = field(default_factory=lambda: sys.executable)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "method": self.method,
            "location": self.location,
            "commit": self.commit,
            "built": self.built,
            "python": self.python,
        }


@dataclass(frozen=True, slots=True)
class UpdatePlan:
    """What to run to update, with a sentence explaining why; ``argv`` empty when the
    update cannot be automated (then ``note`` says what to do)."""

    argv: list[str]
    note: str
    before: list[str] = field(default_factory=list)  # a step the user does first

    @property
    def command(self) -> str:
        import shlex

        return shlex.join(self.argv) if self.argv else ""

    def to_dict(self) -> dict[str, Any]:
        return {"command": self.command, "argv": list(self.argv), "note": self.note, "before": list(self.before)}


def _direct_url() -> dict[str, Any] | None:
    """The install's ``direct_url.json`` (``{}`` when it has none, ``None`` when tracker is
    not installed). A checkout's ``tracker.egg-info`` on ``sys.path`` is passed over in
    favour of the installed distribution that has the file."""
    from importlib import metadata

    found = False
    for dist in metadata.distributions(name=DIST_NAME):
        found = True
        text = dist.read_text("direct_url.json")
        if not text:
            continue
        try:
            data = json.loads(text)
        except ValueError:
            continue
        if isinstance(data, dict):
            return data
    return {} if found else None


def _metadata_time() -> str:
    from datetime import UTC, datetime
    from importlib import metadata

    try:
        files = metadata.distribution(DIST_NAME).files or []
    except metadata.PackageNotFoundError:
        return ""
    for f in files:
        if f.name == "METADATA":
            try:
                stamp = Path(str(f.locate())).stat().st_mtime
            except OSError:
                return ""
            return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return ""


def _git(folder: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def checkout_commit(folder: Path) -> tuple[str, str]:
    """(8-character commit with ``-dirty`` when modified, commit time) of a git checkout."""
    commit = _git(folder, "rev-parse", "--short=8", "HEAD")
    if not commit:
        return "", ""
    if _git(folder, "status", "--porcelain", "--untracked-files=no"):
        commit += "-dirty"
    return commit, _git(folder, "log", "-1", "--format=%cI")


def _file_path(url: str) -> str:
    from urllib.parse import unquote, urlparse

    parsed = urlparse(url)
    return unquote(parsed.path) if parsed.scheme == "file" else url


def install_info() -> InstallInfo:
    """How the running tracker was installed."""
    from tracker import __version__

    package_dir = Path(__file__).resolve().parent.parent
    return describe(_direct_url(), sys.prefix, __version__, package_dir.parent)


def describe(direct: dict[str, Any] | None, prefix: str, version: str, source_root: Path) -> InstallInfo:
    """Classify an install from its ``direct_url.json`` data (``None``: not installed,
    running from ``source_root``) and ``sys.prefix`` (a pipx virtualenv holds
    ``pipx_metadata.json``, and lives in ``…/pipx/venvs/<name>`` unless ``PIPX_HOME``
    moved it)."""
    if (Path(prefix) / "pipx_metadata.json").is_file() or f"{os.sep}pipx{os.sep}venvs{os.sep}" in prefix + os.sep:
        location = str((direct or {}).get("url", ""))
        if isinstance((direct or {}).get("vcs_info"), dict):
            location = f"{direct['vcs_info'].get('vcs', 'git')}+{location}"  # type: ignore[index]
        return InstallInfo(version, "pipx", _file_path(location) if location else "", "", _metadata_time())
    if direct is None:
        commit, built = checkout_commit(source_root)
        return InstallInfo(version, "source", str(source_root), commit, built)
    url = str(direct.get("url", ""))
    if isinstance(direct.get("vcs_info"), dict):
        vcs = direct["vcs_info"]
        return InstallInfo(version, "vcs", f"{vcs.get('vcs', 'git')}+{url}", str(vcs.get("commit_id", ""))[:8], _metadata_time())
    if isinstance(direct.get("dir_info"), dict):
        location = _file_path(url)
        commit, built = checkout_commit(Path(location)) if location else ("", "")
        if direct["dir_info"].get("editable"):
            return InstallInfo(version, "editable", location, commit, built or _metadata_time())
        return InstallInfo(version, "directory", location, commit, _metadata_time())
    return InstallInfo(version, "index", _file_path(url) if url else "", "", _metadata_time())


def update_plan(info: InstallInfo) -> UpdatePlan:
    """The command that updates the install described by ``info``."""
    python = info.python
    if info.method == "pipx" and info.location:
        # from a checkout or a VCS URL: the version may not change, so reinstall from the
        # same source instead of asking pipx for a newer version
        return UpdatePlan(["pipx", "reinstall", DIST_NAME], f"tracker was installed with pipx from {info.location}")
    if info.method == "pipx":
        return UpdatePlan(["pipx", "upgrade", DIST_NAME], "tracker was installed with pipx")
    if info.method == "editable":
        return UpdatePlan(
            [python, "-m", "pip", "install", "--editable", info.location],
            f"tracker is an editable install of the checkout at {info.location}; update the checkout, "
            "then reinstall it to pick up new dependencies",
            before=[f"git -C {info.location} pull --ff-only"],
        )
    if info.method == "directory":
        return UpdatePlan(
            [python, "-m", "pip", "install", "--upgrade", info.location],
            f"tracker was installed from the directory {info.location}; update that directory first",
            before=[f"git -C {info.location} pull --ff-only"],
        )
    if info.method == "vcs":
        return UpdatePlan(
            [python, "-m", "pip", "install", "--upgrade", f"{DIST_NAME} @ {info.location}"],
            f"tracker was installed from {info.location}",
        )
    if info.method == "source":
        return UpdatePlan(
            [],
            f"tracker runs from a source tree at {info.location} without being installed; "
            f"update it with `git -C {info.location} pull`",
        )
    return UpdatePlan([python, "-m", "pip", "install", "--upgrade", DIST_NAME], "tracker was installed with pip")


def version_check() -> Any:
    """The doctor's "Version Compatibility" check: this tracker's version and origin, the
    Python running it, and a warning when the installed package metadata disagrees with
    the code (a checkout updated without reinstalling)."""
    import platform
    from importlib import metadata

    from tracker.config.doctor import CheckResult

    info = install_info()
    result = CheckResult("Version Compatibility")
    origin = f" ({info.method}{', ' + info.commit if info.commit else ''})"
    result.add("ok", f"tracker {info.version}{origin}; the Dippin toolchain is built in, no separate version to match")
    result.add("ok", f"Python {platform.python_version()} at {info.python}")
    try:
        installed = metadata.version(DIST_NAME)
    except metadata.PackageNotFoundError:
        installed = ""
    if installed and installed != info.version:
        result.add(
            "warn",
            f"the installed package says {installed} but the code is {info.version}",
            "reinstall tracker (see `tracker update`)",
        )
    return result.settle()
