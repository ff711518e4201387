"""Verification commands: verify-after-edit (engine spec §5.9) and verify-on-breach (§5.10).

A verification runs ``sh -c`` in the session's working directory (never inside the
writable-paths jail), in its own process group, with stdout and stderr combined and no
timeout of its own; the output keeps its last 16 KiB.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
from dataclasses import dataclass
from pathlib import Path

from tracker.agent.environment import PIPE_GRACE_SECONDS, wait_for_exit

OUTPUT_CAP = 16_384
TRUNCATION_MARKER = "...(truncated)\n"


class VerifyInfraError(Exception):
    """The verification command could not be run at all."""


@dataclass(frozen=True, slots=True)
class VerifyRun:
    command: str
    exit_code: int
    output: str

    @property
    def passed(self) -> bool:
        return self.exit_code == 0


def detect_verify_command(root: Path) -> str:
    """The test command suggested by the project's marker files, or ``""``."""
    if (root / "go.mod").is_file():
        return "go test ./..."
    if (root / "Cargo.toml").is_file():
        return "cargo test"
    if (root / "package.json").is_file():
        return "npm test"
    makefile = root / "Makefile"
    if makefile.is_file() and re.search(r"^test\s*:", _read(makefile), re.MULTILINE):
        return "make test"
    if (root / "pytest.ini").is_file():
        return "pytest"
    pyproject = root / "pyproject.toml"
    if pyproject.is_file() and "[tool.pytest" in _read(pyproject):
        return "pytest"
    return ""


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def cap_output(data: bytes) -> str:
    """The last bytes of ``data`` so that marker + tail fit in :data:`OUTPUT_CAP`."""
    if len(data) <= OUTPUT_CAP:
        return data.decode("utf-8", errors="replace")
    keep = OUTPUT_CAP - len(TRUNCATION_MARKER)
    return TRUNCATION_MARKER + data[-keep:].decode("utf-8", errors="ignore")


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
        os.killpg(pid, signal.SIGKILL)


async def run_verify(command: str, cwd: Path, env: dict[str, str] | None = None) -> VerifyRun:
    try:
        proc = await asyncio.create_subprocess_exec(
            "sh", "-c", command,
            cwd=cwd,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )  # fmt: skip
    except OSError as exc:
        raise VerifyInfraError(f"cannot run {command!r}: {exc}") from exc
    assert proc.stdout is not None
    reader = asyncio.ensure_future(proc.stdout.read())
    try:
        exit_code = await wait_for_exit(proc)
    except BaseException:
        _kill_group(proc.pid)
        reader.cancel()
        raise
    _kill_group(proc.pid)
    try:
        output = await asyncio.wait_for(reader, PIPE_GRACE_SECONDS)
    except TimeoutError:
        output = b""
    return VerifyRun(command, exit_code, cap_output(output))
