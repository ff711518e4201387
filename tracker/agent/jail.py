"""The writable-paths jail (engine spec §4.1.7, §5.7).

A node that declares ``writable_paths`` gets a :class:`JailedEnvironment`: in-process
writes (``write``, ``edit``, ``apply_patch``, deletions) must match one of the globs and
are opened beneath the root without following symlinks; ``bash`` runs through
``python -m tracker.agent.jail_exec``, which applies a Landlock ruleset (whole filesystem
read-only, read-write below each glob's literal directory prefix) before ``exec``.
Linux with Landlock ABI ≥ 3 only; elsewhere the session refuses to start.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import re
import sys
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path

from tracker.agent.environment import LocalEnvironment, ToolError

LANDLOCK_UNAVAILABLE = "landlock ABI v3 not available on this host (requires Linux kernel 6.7+)"
_WILDCARDS = "*?[{"


class JailError(ValueError):
    """The ``writable_paths`` declaration or the host cannot support the jail."""


# ---------------------------------------------------------------------------- validation


def validate_writable_paths(globs: Sequence[str], working_dir: Path, process_cwd: Path) -> list[str]:
    """The cleaned glob list; fail-closed on anything the jail cannot honour."""
    cleaned = [g.strip() for g in globs]
    if not cleaned:
        raise JailError("writable_paths is declared but empty")
    for glob in cleaned:
        if not glob:
            raise JailError("writable_paths contains an empty entry")
        if glob.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:[\\/]", glob):
            raise JailError(f"writable_paths entry {glob!r} is absolute; use a workspace-relative glob")
        if glob.startswith("~"):
            raise JailError(f"writable_paths entry {glob!r} starts with ~; use a workspace-relative glob")
        segments = glob.split("/")
        if ".." in segments:
            raise JailError(f"writable_paths entry {glob!r} contains a .. segment")
        if "{" in glob or "}" in glob:
            raise JailError(f"writable_paths entry {glob!r} uses brace expansion, which is not supported")
        for segment in segments:
            if "**" in segment and segment != "**":
                raise JailError(f"writable_paths entry {glob!r}: ** must be a whole path segment")
        try:
            _segment_regexes(glob)
        except re.error as exc:
            raise JailError(f"writable_paths entry {glob!r} is not a valid glob: {exc}") from exc
    real_wd = os.path.realpath(working_dir)
    real_cwd = os.path.realpath(process_cwd)
    if real_wd != real_cwd and not real_wd.startswith(real_cwd.rstrip(os.sep) + os.sep):
        raise JailError(
            f"working directory {working_dir} is outside the current directory {process_cwd}"
        )
    return cleaned


# ---------------------------------------------------------------------------- matching


def _segment_regex(segment: str) -> re.Pattern[str]:
    out: list[str] = []
    i = 0
    while i < len(segment):
        ch = segment[i]
        if ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "[":
            end = segment.find("]", i + 2 if segment[i + 1 : i + 2] in ("!", "^") else i + 1)
            if end == -1:
                raise re.error("unterminated character class")
            body = segment[i + 1 : end]
            if body.startswith("!"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = end
        else:
            out.append(re.escape(ch))
        i += 1
    return re.compile("".join(out) + r"\Z")


@cache
def _segment_regexes(glob: str) -> tuple[re.Pattern[str] | None, ...]:
    """One matcher per segment; ``None`` stands for ``**``."""
    return tuple(None if s == "**" else _segment_regex(s) for s in glob.split("/"))


def _match_segments(patterns: Sequence[re.Pattern[str] | None], parts: Sequence[str]) -> bool:
    if not patterns:
        return not parts
    head = patterns[0]
    if head is None:
        return any(_match_segments(patterns[1:], parts[i:]) for i in range(len(parts) + 1))
    return bool(parts) and bool(head.match(parts[0])) and _match_segments(patterns[1:], parts[1:])


def matches_writable(relative: str, globs: Sequence[str]) -> bool:
    """Whether a root-relative path may be written (literal = exact, ``**`` any depth)."""
    parts = [p for p in relative.replace(os.sep, "/").split("/") if p and p != "."]
    for glob in globs:
        if not any(c in glob for c in _WILDCARDS):
            if parts == [p for p in glob.split("/") if p and p != "."]:
                return True
            continue
        if _match_segments(_segment_regexes(glob), parts):
            return True
    return False


def writable_dirs(root: Path, globs: Sequence[str]) -> list[Path]:
    """For each glob, the directory part of its prefix before the first wildcard (or the
    root when there is none) — the directories ``bash`` may write below."""
    dirs: list[Path] = []
    for glob in globs:
        cut = min((glob.index(c) for c in _WILDCARDS if c in glob), default=len(glob))
        prefix = glob[:cut]
        directory = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        if cut == len(glob) and "/" not in glob:
            directory = ""
        path = root / directory if directory else root
        if path not in dirs:
            dirs.append(path)
    return dirs


# ---------------------------------------------------------------------------- landlock

SYS_LANDLOCK_CREATE_RULESET = 444
SYS_LANDLOCK_ADD_RULE = 445
SYS_LANDLOCK_RESTRICT_SELF = 446
LANDLOCK_CREATE_RULESET_VERSION = 1
LANDLOCK_RULE_PATH_BENEATH = 1
PR_SET_NO_NEW_PRIVS = 38

FS_EXECUTE = 1 << 0
FS_WRITE_FILE = 1 << 1
FS_READ_FILE = 1 << 2
FS_READ_DIR = 1 << 3
FS_ALL_V3 = (1 << 15) - 1
"""Every filesystem right up to ABI 3 (``TRUNCATE`` is bit 14)."""
FS_READ_ONLY = FS_EXECUTE | FS_READ_FILE | FS_READ_DIR
FS_FILE_RW = FS_READ_FILE | FS_WRITE_FILE | (1 << 14)


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def landlock_abi() -> int:
    """The host's Landlock ABI version (0 when unsupported or not Linux)."""
    if not sys.platform.startswith("linux"):
        return 0
    try:
        version = _libc().syscall(SYS_LANDLOCK_CREATE_RULESET, None, 0, LANDLOCK_CREATE_RULESET_VERSION)
    except (OSError, AttributeError):
        return 0
    return max(int(version), 0)


def ensure_supported() -> None:
    if landlock_abi() < 3:
        raise JailError(LANDLOCK_UNAVAILABLE)


def restrict_self(writable: Sequence[Path], read_write_files: Sequence[str] = ("/dev/null",)) -> None:
    """Make the whole filesystem read-only except below ``writable`` (this process and its
    future children). Raises ``OSError`` when the kernel refuses."""
    libc = _libc()
    attr = _RulesetAttr(FS_ALL_V3)
    ruleset = libc.syscall(SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), ctypes.sizeof(attr), 0)
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    try:
        _add_rule(libc, ruleset, "/", FS_READ_ONLY)
        for path in read_write_files:
            if os.path.exists(path):
                _add_rule(libc, ruleset, path, FS_FILE_RW)
        for directory in writable:
            _add_rule(libc, ruleset, str(directory), FS_ALL_V3)
        if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
        if libc.syscall(SYS_LANDLOCK_RESTRICT_SELF, ruleset, 0) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    finally:
        os.close(ruleset)


def _add_rule(libc: ctypes.CDLL, ruleset: int, path: str, access: int) -> None:
    fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    try:
        if not os.path.isdir(path):
            access &= FS_FILE_RW | FS_EXECUTE
        rule = _PathBeneathAttr(access, fd)
        if libc.syscall(SYS_LANDLOCK_ADD_RULE, ruleset, LANDLOCK_RULE_PATH_BENEATH, ctypes.byref(rule), 0) != 0:
            raise OSError(ctypes.get_errno(), f"landlock_add_rule failed for {path}")
    finally:
        os.close(fd)


# ---------------------------------------------------------------------------- environment


class JailedEnvironment(LocalEnvironment):
    """An environment whose writes are confined to ``globs`` (relative to ``root``)."""

    def __init__(
        self, root: str | Path, globs: Sequence[str], *, command_env: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(root, command_env=command_env)
        self.globs = list(globs)

    def check_writable(self, path: str) -> None:
        relative = self.relative(self.resolve(path))
        if not matches_writable(relative, self.globs):
            raise ToolError(
                f'write path not in writable_paths: "{relative}" does not match any '
                f"writable_paths glob ({', '.join(self.globs)})"
            )

    def write_text(self, path: str, content: str) -> None:
        self.check_writable(path)
        relative = self.relative(self.resolve(path))
        fd = self._open_beneath(relative)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(content)

    def _open_beneath(self, relative: str) -> int:
        """Create intermediate directories one by one and open the file without following
        any symlink, so nothing outside the root can be reached."""
        parts = [p for p in relative.split(os.sep) if p and p != "."]
        dir_fd = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY)
        try:
            for part in parts[:-1]:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(part, 0o755, dir_fd=dir_fd)
                try:
                    next_fd = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=dir_fd)
                except OSError as exc:
                    raise _escape_error(exc, relative) from exc
                os.close(dir_fd)
                dir_fd = next_fd
            try:
                return os.open(
                    parts[-1],
                    os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW,
                    0o644,
                    dir_fd=dir_fd,
                )
            except OSError as exc:
                raise _escape_error(exc, relative) from exc
        finally:
            os.close(dir_fd)

    def command_argv(self, command: str) -> Sequence[str]:
        return (
            sys.executable, "-m", "tracker.agent.jail_exec", "--",
            str(self.root), *self.globs, "--", "sh", "-c", command,
        )  # fmt: skip


def _escape_error(exc: OSError, relative: str) -> ToolError:
    if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.EXDEV):
        return ToolError(f"write path escapes session root: {relative}")
    return ToolError(f"open {relative}: {(exc.strerror or str(exc)).lower()}")
