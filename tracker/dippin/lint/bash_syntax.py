"""``bash -n`` over tool commands (DIP123), as few bash processes as possible.

Checking each command in its own ``bash -n`` costs a process spawn per tool node, which
dominated loading a pipeline with hundreds of tools. Commands that tree-sitter-bash reads
without an error are first checked together, each wrapped as the body of its own shell
function: if bash accepts the whole script, every one of them is valid on its own. (A
command can only reach into the next one through an unterminated construct — a quote, a
brace, a here-document — and tree-sitter reports those, so such commands are never
batched.) When the batch fails, or for the commands tree-sitter did not read, each command
gets its own ``bash -n`` (several at once), which also gives the exact message and line.
Results are cached by command text.
"""

from __future__ import annotations

import re
import shutil
import subprocess

from tracker.dippin.records import record


@record(kw_only=False, eq=True, frozen=True, slots=False)
class SyntaxProblem:
    """What ``bash -n`` said: its last output line and the 1-based line it names."""

    message: str
    line: int | None


_BASH_LINE = re.compile(r"line (\d+):")
_CACHE: dict[str, SyntaxProblem | None] = {}
_CACHE_LIMIT = 2048
_PARALLEL_CHECKS = 16
_CHECK_TIMEOUT = 10.0


def bash_syntax_error(command: str) -> SyntaxProblem | None:
    """Run ``bash -n`` on the command; None when it is valid or bash is unavailable."""
    return bash_syntax_errors([command]).get(command)


def bash_syntax_errors(commands: list[str]) -> dict[str, SyntaxProblem | None]:
    """``bash -n`` for several commands (batched where safe, cached by text).

    Commands are missing from the result when bash is not available.
    """
    todo = [c for c in dict.fromkeys(commands) if c not in _CACHE]
    if todo:
        bash = shutil.which("bash")
        if bash is None:
            return {}
        _check(todo, bash)
        if len(_CACHE) > _CACHE_LIMIT:
            for key in list(_CACHE)[: len(_CACHE) - _CACHE_LIMIT]:
                del _CACHE[key]
    return {c: _CACHE[c] for c in commands if c in _CACHE}


def _check(todo: list[str], bash: str) -> None:
    from tracker.dippin.lint.shell import parses  # tree-sitter, loaded on first use

    batchable = [c for c in todo if parses(c)]
    if len(batchable) > 1 and _batch_passes(batchable, bash):
        for command in batchable:
            _CACHE[command] = None
        done = set(batchable)
        todo = [c for c in todo if c not in done]
    for i in range(0, len(todo), _PARALLEL_CHECKS):
        group = todo[i : i + _PARALLEL_CHECKS]
        running = [(command, _spawn(bash)) for command in group]
        for command, proc in running:
            _CACHE[command] = _finish(proc, command)


def _batch_passes(commands: list[str], bash: str) -> bool:
    """Whether bash accepts every command at once, each as its own function body."""
    script = "".join(f"__tracker_check_{i}() {{\n:\n{command}\n}}\n" for i, command in enumerate(commands))
    proc = _spawn(bash)
    return proc is not None and _finish(proc, script) is None and proc.returncode == 0


def _spawn(bash: str) -> subprocess.Popen[str] | None:
    try:
        return subprocess.Popen(
            ["bash", "-n"],  # argv[0] "bash" keeps messages free of the install path
            executable=bash,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
    except OSError:
        return None


def _finish(proc: subprocess.Popen[str] | None, script: str) -> SyntaxProblem | None:
    """Feed ``script`` to a ``bash -n`` and read its verdict (None: valid or unknown)."""
    if proc is None:
        return None
    try:
        output, _ = proc.communicate(script, timeout=_CHECK_TIMEOUT)
    except (OSError, subprocess.SubprocessError):
        proc.kill()
        proc.communicate()
        return None
    if proc.returncode == 0:
        return None
    lines = [ln for ln in output.splitlines() if ln.strip()]
    last = lines[-1] if lines else f"bash -n exited with status {proc.returncode}"
    numbers = [int(m.group(1)) for ln in lines for m in [_BASH_LINE.search(ln)] if m]
    return SyntaxProblem(last, numbers[-1] if numbers else None)
