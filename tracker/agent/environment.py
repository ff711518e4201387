"""The execution environment of the native agent's tools (engine spec §5.6).

File tools see the working directory through :meth:`LocalEnvironment.resolve`: absolute
paths and ``..`` escapes are refused (lexically; symlinks are not resolved). ``bash``
commands run ``sh -c`` in the root, with an empty stdin, in their own process group; the
whole group is killed after every command (background children do not survive) and on
timeout or cancellation.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

PIPE_GRACE_SECONDS = 5.0
EXIT_POLL_SECONDS = 0.01


class ToolError(Exception):
    """A tool call failed; the message is what the model sees after ``Tool error (name): ``."""


class CommandTimeout(ToolError):
    """A command ran longer than its timeout (its partial output is discarded)."""


@dataclass(frozen=True, slots=True)
class CommandResult:
    stdout: str
    stderr: str
    exit_code: int


def go_duration(seconds: float) -> str:
    """Go's ``time.Duration`` text for whole and fractional seconds (``10s``, ``2m0s``)."""
    if seconds <= 0:
        return "0s"
    if seconds < 1:
        return f"{round(seconds * 1000)}ms"
    whole = int(seconds)
    frac = seconds - whole
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    sec_text = f"{secs + frac:.3f}".rstrip("0").rstrip(".") if frac else str(secs)
    if hours:
        return f"{hours}h{minutes}m{sec_text}s"
    if minutes:
        return f"{minutes}m{sec_text}s"
    return f"{sec_text}s"


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
        os.killpg(pid, signal.SIGKILL)


class LocalEnvironment:
    """Tools' view of the working directory (``root``, absolute, fixed at creation)."""

    def __init__(self, root: str | Path, *, command_env: Mapping[str, str] | None = None) -> None:
        self.root = Path(os.path.abspath(root))
        self.command_env = dict(command_env) if command_env is not None else None

    # ------------------------------------------------------------------ paths

    def resolve(self, path: str) -> Path:
        """The absolute path of a working-directory-relative ``path``."""
        if os.path.isabs(path) or path.startswith("\\"):
            base = os.path.basename(path.rstrip("/")) or "file"
            raise ToolError(
                f'absolute paths not allowed: {path} (use a relative path like "{base}" instead)'
            )
        joined = os.path.normpath(os.path.join(self.root, path))
        root = str(self.root)
        if joined != root and not joined.startswith(root.rstrip(os.sep) + os.sep):
            raise ToolError(f"path escapes working directory: {path}")
        return Path(joined)

    def relative(self, path: Path) -> str:
        return os.path.relpath(path, self.root)

    # ------------------------------------------------------------------ files

    def read_bytes(self, path: str) -> bytes:
        target = self.resolve(path)
        try:
            return target.read_bytes()
        except OSError as exc:
            raise ToolError(_os_message(exc, path)) from exc

    def exists(self, path: str) -> bool:
        return self.resolve(path).exists()

    def write_text(self, path: str, content: str) -> None:
        """Create parent directories (0755) and create/overwrite the file (0644)."""
        target = self.resolve(path)
        self.check_writable(path)
        try:
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                handle.write(content)
        except OSError as exc:
            raise ToolError(_os_message(exc, path)) from exc

    def remove(self, path: str) -> None:
        target = self.resolve(path)
        self.check_writable(path)
        try:
            target.unlink()
        except OSError as exc:
            raise ToolError(_os_message(exc, path)) from exc

    def check_writable(self, path: str) -> None:
        """Hook for the writable-paths jail; the plain environment allows every path."""

    # ------------------------------------------------------------------ commands

    def command_argv(self, command: str) -> Sequence[str]:
        return ("sh", "-c", command)

    async def run(self, command: str, timeout: float) -> CommandResult:
        """Run ``command``; raise :class:`CommandTimeout` after ``timeout`` seconds."""
        try:
            proc = await asyncio.create_subprocess_exec(
                *self.command_argv(command),
                cwd=self.root,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=self.command_env,
                start_new_session=True,
            )
        except OSError as exc:
            raise ToolError(f"failed to start command: {exc}") from exc
        assert proc.stdout is not None and proc.stderr is not None
        out_task = asyncio.ensure_future(proc.stdout.read())
        err_task = asyncio.ensure_future(proc.stderr.read())
        try:
            try:
                exit_code = await asyncio.wait_for(wait_for_exit(proc), timeout)
            except TimeoutError:
                _kill_group(proc.pid)
                await _settle(proc, out_task, err_task)
                raise CommandTimeout(f"command timed out after {go_duration(timeout)}") from None
            _kill_group(proc.pid)
            stdout, stderr = await _collect(out_task, err_task)
        except asyncio.CancelledError:
            _kill_group(proc.pid)
            await _settle(proc, out_task, err_task)
            raise
        return CommandResult(
            stdout.decode("utf-8", errors="replace"),
            stderr.decode("utf-8", errors="replace"),
            exit_code,
        )


async def wait_for_exit(proc: asyncio.subprocess.Process) -> int:
    """The exit status as soon as the shell exits. ``Process.wait`` would also wait for
    the pipes to close, which a background child can hold open indefinitely."""
    while proc.returncode is None:
        await asyncio.sleep(EXIT_POLL_SECONDS)
    return proc.returncode


async def _collect(
    out_task: asyncio.Future[bytes], err_task: asyncio.Future[bytes]
) -> tuple[bytes, bytes]:
    """Output of both pipes; pipes still held after the grace period are abandoned."""
    done, pending = await asyncio.wait({out_task, err_task}, timeout=PIPE_GRACE_SECONDS)
    for task in pending:
        task.cancel()
    stdout = out_task.result() if out_task in done else b""
    stderr = err_task.result() if err_task in done else b""
    return stdout, stderr


async def _settle(
    proc: asyncio.subprocess.Process,
    out_task: asyncio.Future[bytes],
    err_task: asyncio.Future[bytes],
) -> None:
    with contextlib.suppress(TimeoutError, ProcessLookupError):
        await asyncio.wait_for(asyncio.shield(proc.wait()), PIPE_GRACE_SECONDS)
    with contextlib.suppress(Exception):
        await _collect(out_task, err_task)


def _os_message(exc: OSError, path: str) -> str:
    reason = exc.strerror or str(exc)
    return f"open {path}: {reason.lower()}" if exc.strerror else reason
