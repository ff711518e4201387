"""Run a shell command for a tool node: own process group, tail-kept output, timeout.

The command runs as ``sh -c <command>`` in a new session, so a timeout or cancellation
kills the whole process group. stdout and stderr are each kept in a tail buffer of
``limit`` bytes (the oldest bytes are dropped). The child is started with
``os.posix_spawn``, its pipes are read on the event loop, and it is reaped when they
close (through a pidfd if it is still running then), which costs far less per process
than asyncio's subprocess transports.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass

SECRET_MARKERS = ("_API_KEY", "_SECRET", "_TOKEN", "_PASSWORD")
RUN_IDENTITY_VARS = ("TRACKER_RUN_ID", "TRACKER_RUN_DIR", "TRACKER_WORKDIR")
DRAIN_GRACE = 5.0


class CommandTimeout(Exception):
    pass


class TailBuffer:
    """Keeps the last ``limit`` bytes written and counts the total."""

    __slots__ = ("buf", "limit", "total")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.buf = bytearray()
        self.total = 0

    def write(self, data: bytes) -> None:
        self.total += len(data)
        self.buf += data
        excess = len(self.buf) - self.limit
        if excess > 0:
            del self.buf[:excess]

    @property
    def dropped(self) -> int:
        return self.total - len(self.buf)


@dataclass
class CommandResult:
    exit_code: int
    stdout: TailBuffer
    stderr: TailBuffer


def tool_environment(run_id: str, run_dir: str, workdir: str, base: dict[str, str] | None = None) -> dict[str, str]:
    """The process environment minus secrets (unless ``TRACKER_PASS_ENV=1``), plus the
    run identity variables."""
    source = dict(os.environ if base is None else base)
    if source.get("TRACKER_PASS_ENV") != "1":
        source = {k: v for k, v in source.items() if not any(m in k.upper() for m in SECRET_MARKERS)}
    for name in RUN_IDENTITY_VARS:
        source.pop(name, None)
    if run_id and run_dir:
        source["TRACKER_RUN_ID"] = run_id
    if run_dir:
        source["TRACKER_RUN_DIR"] = run_dir
    source["TRACKER_WORKDIR"] = workdir
    return source


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


# cd into the node's directory, then run the command text as `sh -c` would.
_CD_THEN_EVAL = 'cd -- "$1" || exit 126; __tracker_command__=$2; set --; eval "$__tracker_command__"'


_devnull_fd: list[int] = []


def _devnull() -> int:
    """One read-only ``/dev/null`` descriptor (close-on-exec) shared by every spawn."""
    if not _devnull_fd:
        _devnull_fd.append(os.open(os.devnull, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)))
    return _devnull_fd[0]


def _spawn(command: str, cwd: str, env: dict[str, str]) -> tuple[int, int, int, Callable[[], int]]:
    """Start ``sh -c command`` in a new session; (pid, stdout fd, stderr fd, reap).

    ``os.posix_spawn`` (vfork + exec in C) costs far less than ``subprocess.Popen`` (a
    fork of this whole process). posix_spawn cannot change directory on Python 3.11, so for
    another directory the shell does it first and then evaluates the command in the same
    process (no second exec); ``$0`` stays ``sh`` as with ``sh -c``.
    """
    if cwd == os.getcwd():
        argv = ["/bin/sh", "-c", command]
    else:
        argv = ["/bin/sh", "-c", _CD_THEN_EVAL, "sh", cwd, command]
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    devnull = _devnull()
    try:
        pid = os.posix_spawn(
            "/bin/sh",
            argv,
            env,
            file_actions=[
                (os.POSIX_SPAWN_DUP2, devnull, 0),
                (os.POSIX_SPAWN_DUP2, out_w, 1),
                (os.POSIX_SPAWN_DUP2, err_w, 2),
            ],
            setsid=True,
        )
    except BaseException:
        for fd in (out_r, err_r):
            os.close(fd)
        raise
    finally:
        for fd in (out_w, err_w):
            os.close(fd)

    def reap() -> int:
        return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])

    return pid, out_r, err_r, reap


async def run_command(command: str, *, cwd: str, env: dict[str, str], limit: int, timeout: float) -> CommandResult:
    """Run ``sh -c command``; raises :class:`CommandTimeout` after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    pid, out_fd, err_fd, reap = _spawn(command, cwd, env)
    os.set_blocking(out_fd, False)
    os.set_blocking(err_fd, False)
    buffers = {out_fd: TailBuffer(limit), err_fd: TailBuffer(limit)}
    streams_done: asyncio.Future[None] = loop.create_future()
    open_streams = {out_fd, err_fd}

    def on_readable(fd: int) -> None:
        while True:
            try:
                data = os.read(fd, 65536)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if not data:
                break
            buffers[fd].write(data)  # and read on: the end of file often came with the data
        loop.remove_reader(fd)
        open_streams.discard(fd)
        if not open_streams and not streams_done.done():
            streams_done.set_result(None)

    def drain() -> None:
        """After the child exits, read what is left without waiting for more wakeups."""
        for fd in list(open_streams):
            while fd in open_streams:
                before = buffers[fd].total
                on_readable(fd)
                if buffers[fd].total == before and fd in open_streams:
                    break

    loop.add_reader(out_fd, on_readable, out_fd)
    loop.add_reader(err_fd, on_readable, err_fd)
    pidfd = -1

    async def wait_exit() -> int:
        """The exit code, once the streams are closed: usually the child is already gone
        (it closed them by exiting); else wait for it through a pidfd (or a thread)."""
        nonlocal pidfd
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        try:
            pidfd = os.pidfd_open(pid)
        except (AttributeError, OSError):
            return await loop.run_in_executor(None, reap)
        exited: asyncio.Future[None] = loop.create_future()

        def on_exit() -> None:
            loop.remove_reader(pidfd)
            if not exited.done():
                exited.set_result(None)

        loop.add_reader(pidfd, on_exit)
        await exited
        return reap()

    state = {"timed_out": False}
    timers: list[asyncio.TimerHandle] = []

    def force_streams_done() -> None:
        for fd in list(open_streams):
            loop.remove_reader(fd)
        open_streams.clear()
        if not streams_done.done():
            streams_done.set_result(None)

    def on_timeout() -> None:
        state["timed_out"] = True
        _kill_group(pid)
        timers.append(loop.call_later(DRAIN_GRACE, force_streams_done))

    timers.append(loop.call_later(timeout, on_timeout))
    try:
        await streams_done
        code = await wait_exit()
    except BaseException:
        _kill_group(pid)
        with contextlib.suppress(ChildProcessError):
            reap()
        raise
    finally:
        for timer in timers:
            timer.cancel()
        for fd in list(open_streams):
            loop.remove_reader(fd)
        if pidfd >= 0:
            loop.remove_reader(pidfd)
            os.close(pidfd)
        os.close(out_fd)
        os.close(err_fd)
    if state["timed_out"]:
        raise CommandTimeout(f"command timed out after {timeout:g}s")
    return CommandResult(code, buffers[out_fd], buffers[err_fd])
