"""``tool``: run a node's shell command and turn its output into an outcome (engine spec §4.2).

Exit code 0 is ``success``, anything else ``fail``. ``tool_stdout``/``tool_stderr`` hold
the right-trimmed output tails; ``marker_grep`` extracts ``tool_marker``; a
``_TRACKER_ROUTE=<value>`` line sets ``tool_route``; declared ``writes:`` are read from
stdout. A timeout, an unsafe ``${...}``, a refused command or a bad attribute is a
handler error (the run stops) rather than a routable failure.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from tracker.agent.writes import declared_keys, extract_writes
from tracker.dippin.values import ValueError_, parse_duration
from tracker.engine.context import RunContext
from tracker.engine.graph import RuntimeNode
from tracker.engine.interpolate import expand_tool_command
from tracker.engine.outcome import FAIL, SUCCESS, HandlerError, MarkerMissing, Outcome, Truncation
from tracker.engine.registry import NodeEnv, RunServices
from tracker.handlers.process import CommandTimeout, run_command, tool_environment
from tracker.handlers.safety import CommandRefused, check_command, split_patterns

DEFAULT_TIMEOUT_S = 30.0
TAIL = 256
TRUTHY = ("true", "1", "yes", "y", "on")
_ROUTE = re.compile(r"^\s*_TRACKER_ROUTE=(.+?)\s*$")
_LIMIT = re.compile(r"^(\d+)\s*(KB|MB)?$", re.IGNORECASE)
_UNSAFE_DIR = set("`$;|&()<>\n\r")


def tail_text(text: str, limit: int = TAIL) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[-limit:].decode("utf-8", errors="ignore")


def parse_output_limit(raw: str) -> int:
    m = _LIMIT.match(raw.strip())
    if not m:
        raise HandlerError(f'invalid output_limit "{raw}" (use bytes, or a number with KB/MB)')
    value = int(m.group(1))
    unit = (m.group(2) or "").upper()
    value *= {"": 1, "KB": 1024, "MB": 1024 * 1024}[unit]
    if value <= 0:
        raise HandlerError(f'invalid output_limit "{raw}": must be greater than 0')
    return value


def clean_working_dir(raw: str) -> str:
    if any(ch in _UNSAFE_DIR for ch in raw):
        raise HandlerError(f'unsafe working_dir "{raw}": shell metacharacters are not allowed')
    cleaned = os.path.normpath(raw)
    if ".." in Path(cleaned).parts:
        raise HandlerError(f'unsafe working_dir "{raw}": ".." is not allowed')
    return cleaned


def _status_file(env: NodeEnv, node_id: str, outcome: Outcome, made: set[str]) -> None:
    """Write ``<artifact root>/<node>/status.json``; ``made`` remembers the folders this
    run already created, so the usual case is one open (no failed open, no stat)."""
    root = env.artifact_dir if env.artifact_dir is not None else env.services.workdir
    folder = os.path.join(root, node_id)
    path = os.path.join(folder, "status.json")
    data = outcome.status_json_text().encode("utf-8")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    try:
        if folder not in made:
            try:
                os.mkdir(folder)
            except FileExistsError:
                pass
            except FileNotFoundError:
                os.makedirs(folder, exist_ok=True)
            made.add(folder)
        try:
            fd = os.open(path, flags, 0o644)
        except FileNotFoundError:  # removed while the run goes on
            os.makedirs(folder, exist_ok=True)
            fd = os.open(path, flags, 0o644)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
    except OSError as exc:
        raise HandlerError(f"cannot write {path}: {exc}") from exc


class ToolHandler:
    def __init__(self, services: RunServices) -> None:
        self.services = services
        self._env_cache: tuple[tuple[str, str, str], dict[str, str]] | None = None
        self._made_folders: set[str] = set()

    def _environment(self, run_id: str, run_dir: str, workdir: str) -> dict[str, str]:
        key = (run_id, run_dir, workdir)
        if self._env_cache is None or self._env_cache[0] != key:
            # A front end that loaded .env files into its own environment mapping (the
            # language server) hands it over as extras["environ"]; the CLI loads them into
            # the process environment.
            base = self.services.extras.get("environ")
            self._env_cache = (key, tool_environment(run_id, run_dir, workdir, base=base))
        return self._env_cache[1]

    async def execute(self, node: RuntimeNode, ctx: RunContext, env: NodeEnv) -> Outcome:
        attrs = node.attrs
        raw = attrs.get("tool_command", "")
        if not raw:
            raise HandlerError(f'tool node "{node.id}" has no command')
        command = expand_tool_command(raw, ctx)
        if not command.strip():
            raise HandlerError(f'tool node "{node.id}": the command expands to nothing')
        safety = self.services.tool_safety
        graph_attrs = env.graph.attrs
        try:
            check_command(
                command,
                deny_extra=split_patterns([*safety.denylist_add, graph_attrs.get("tool_denylist_add", "")]),
                allow=split_patterns([*safety.allowlist, graph_attrs.get("tool_commands_allow", "")]),
                bypass_denylist=safety.bypass_denylist,
            )
        except CommandRefused as exc:
            raise HandlerError(str(exc)) from exc
        if attrs.get("working_dir"):
            cleaned = clean_working_dir(attrs["working_dir"])
            quoted = cleaned.replace("\\", "\\\\").replace('"', '\\"')
            command = f'cd "{quoted}" && {command}'
        timeout = DEFAULT_TIMEOUT_S
        if attrs.get("timeout"):
            try:
                ns = parse_duration(attrs["timeout"])
            except ValueError_ as exc:
                raise HandlerError(f'invalid timeout "{attrs["timeout"]}" on tool node "{node.id}"') from exc
            if ns <= 0:
                raise HandlerError(f'invalid timeout "{attrs["timeout"]}" on tool node "{node.id}": must be > 0')
            timeout = ns / 1e9
        limit = safety.default_output_limit
        if attrs.get("output_limit"):
            limit = parse_output_limit(attrs["output_limit"])
        limit = min(limit, safety.max_output_limit)

        workdir = str(self.services.workdir)
        run_dir = str(env.artifact_dir) if env.artifact_dir is not None else ""
        environment = self._environment(env.run_id, run_dir, workdir)
        try:
            result = await run_command(command, cwd=workdir, env=environment, limit=limit, timeout=timeout)
        except CommandTimeout as exc:
            raise HandlerError(str(exc)) from exc
        except OSError as exc:
            raise HandlerError(f'tool node "{node.id}": cannot start the command: {exc}') from exc

        stdout = result.stdout.buf.decode("utf-8", errors="replace").rstrip(" \t\r\n")
        stderr = result.stderr.buf.decode("utf-8", errors="replace").rstrip(" \t\r\n")
        status = SUCCESS if result.exit_code == 0 else FAIL
        updates = {"tool_stdout": stdout, "tool_stderr": stderr, "tool_route": ""}
        outcome = Outcome(status, updates)
        for name, buf in (("stdout", result.stdout), ("stderr", result.stderr)):
            if buf.dropped:
                outcome.truncations.append(Truncation(name, limit, len(buf.buf), buf.dropped, buf.total))
        lines = [line.rstrip("\r") for line in stdout.split("\n")] if stdout else []
        pattern = attrs.get("marker_grep", "")
        if pattern:
            updates["tool_marker"] = ""
            updates["tool_marker_error"] = ""
            try:
                regex = re.compile(pattern)
            except re.error as exc:
                updates["tool_marker_error"] = str(exc)
                outcome.status = FAIL
                outcome.marker_missing = MarkerMissing(pattern, error=str(exc))
            else:
                marker = None
                for line in lines:
                    m = regex.search(line)
                    if m:
                        marker = m.group(1) if regex.groups else m.group(0)
                if marker is None:
                    outcome.status = FAIL
                    outcome.marker_missing = MarkerMissing(pattern, tail=tail_text(stdout))
                else:
                    updates["tool_marker"] = marker or ""
        route = ""
        for line in lines:
            m = _ROUTE.match(line)
            if m:
                route = m.group(1)
        updates["tool_route"] = route
        if not route and attrs.get("route_required", "").lower() in TRUTHY:
            outcome.status = FAIL
            outcome.route_missing_tail = tail_text(stdout)
        keys = declared_keys([attrs.get("writes", "")])
        if keys:
            writes = extract_writes(keys, stdout)
            updates.update(writes.context_updates())
            if not writes.ok:
                outcome.status = FAIL
        _status_file(env, node.id, outcome, self._made_folders)
        return outcome


def make_handler(services: RunServices) -> ToolHandler:
    return ToolHandler(services)
