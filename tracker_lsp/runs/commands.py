"""The ``workspace/executeCommand`` handlers of the run protocol and their arguments.

Each command takes one JSON object (a bare string is read as its main argument: ``uri``
or ``runId``). Arguments are checked here; a bad one is an ``invalid_params`` error
naming it. ``tracker.simulate`` is served by the code-lens module and reused as is.
"""

from __future__ import annotations

import asyncio
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker_lsp.runs import protocol as P
from tracker_lsp.runs.protocol import ProtocolError

if TYPE_CHECKING:
    from tracker_lsp.runs.manager import RunManager, RunRequest
    from tracker_lsp.server import TrackerServer


def arguments(args: tuple[Any, ...], main: str) -> dict[str, Any]:
    """The command's argument object (``[{...}]``, or ``["value"]`` for ``main``)."""
    if not args:
        return {}
    first = args[0]
    if isinstance(first, dict):
        return first
    if isinstance(first, str):
        return {main: first}
    raise ProtocolError(
        P.INVALID_PARAMS, f"expected one argument object, got {type(first).__name__}"
    )


def text_arg(data: dict[str, Any], key: str, *, required: bool = False) -> str:
    value = data.get(key)
    if value is None or value == "":
        if required:
            raise ProtocolError(P.INVALID_PARAMS, f"{key} is required")
        return ""
    if not isinstance(value, str):
        raise ProtocolError(P.INVALID_PARAMS, f"{key} must be a string")
    return value


def count_arg(data: dict[str, Any], key: str) -> int:
    value = data.get(key, 0)
    if value is None:
        return 0
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or value < 0
        or value != int(value)
    ):
        raise ProtocolError(P.INVALID_PARAMS, f"{key} must be a non-negative integer")
    return int(value)


def seconds_arg(data: dict[str, Any], key: str) -> float | None:
    """Seconds as a number, or a duration text such as ``90s`` / ``10m``."""
    value = data.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        from tracker.dippin.values import ValueError_, parse_duration

        try:
            seconds = parse_duration(value) / 1e9
        except ValueError_:
            raise ProtocolError(
                P.INVALID_PARAMS, f"{key}: invalid duration {value!r} (use e.g. 90s, 10m, 1h30m)"
            ) from None
    elif isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    else:
        raise ProtocolError(P.INVALID_PARAMS, f"{key} must be seconds or a duration text")
    if seconds < 0 or math.isnan(seconds):
        raise ProtocolError(P.INVALID_PARAMS, f"{key} must not be negative")
    return seconds


def workdir_arg(data: dict[str, Any]) -> Path | None:
    text = text_arg(data, "workdir")
    if not text:
        return None
    if text.startswith("file:"):
        from tracker_lsp.documents import uri_to_path

        path = uri_to_path(text)
        text = str(path) if path else text
    workdir = Path(text).expanduser()
    if not workdir.is_absolute():
        raise ProtocolError(P.INVALID_PARAMS, f"workdir must be an absolute path, got {text!r}")
    if not workdir.is_dir():
        raise ProtocolError(P.INVALID_PARAMS, f"workdir {workdir} is not a directory")
    return workdir.resolve()


def run_request(data: dict[str, Any]) -> RunRequest:
    from tracker_lsp.runs.manager import RunRequest

    uri, workflow = text_arg(data, "uri"), text_arg(data, "workflow")
    if bool(uri) == bool(workflow):
        raise ProtocolError(
            P.INVALID_PARAMS,
            "tracker.run needs exactly one of uri (a .dip file) or workflow (a built-in name)",
        )
    params = _string_map(data.get("params") or {}, "params")
    inputs = _string_map(data.get("inputs") or {}, "inputs")
    budget = data.get("budget") or {}
    if not isinstance(budget, dict):
        raise ProtocolError(
            P.INVALID_PARAMS, "budget must be an object {maxTokens, maxCostCents, maxWallTime}"
        )
    autopilot = data.get("autopilot")
    if autopilot is not None and not isinstance(autopilot, str):
        raise ProtocolError(
            P.INVALID_PARAMS, "autopilot must be a persona name (lax, mid, hard, mentor)"
        )
    return RunRequest(
        uri=uri,
        workflow=workflow,
        params=params,
        inputs=inputs,
        workdir=workdir_arg(data),
        auto_approve=bool(data.get("autoApprove")),
        autopilot=autopilot,
        max_tokens=count_arg(budget, "maxTokens"),
        max_cost_cents=count_arg(budget, "maxCostCents"),
        max_wall_time_s=seconds_arg(budget, "maxWallTime") or 0.0,
        resume=text_arg(data, "resume") or None,
        gate_timeout_s=seconds_arg(data, "gateTimeoutSeconds"),
    )


def _string_map(raw: Any, name: str) -> dict[str, str]:
    """An object of name: text/number/boolean values, as strings."""
    if not isinstance(raw, dict):
        raise ProtocolError(P.INVALID_PARAMS, f"{name} must be an object of name: value")
    out: dict[str, str] = {}
    for key, value in raw.items():
        if isinstance(value, bool):
            out[str(key)] = "true" if value else "false"
        elif isinstance(value, str | int | float):
            out[str(key)] = str(value)
        else:
            raise ProtocolError(P.INVALID_PARAMS, f"{name}.{key} must be text or a number")
    return out


def candidate_workdirs(
    server: TrackerServer, manager: RunManager, explicit: Path | None
) -> list[Path]:
    """Where to look for runs: the given workdir, else the workspace folders and the
    workdirs of the runs this server started."""
    if explicit is not None:
        return [explicit]
    from tracker_lsp.files import workspace_roots

    out: list[Path] = []
    for path in [*workspace_roots(server), *(r.workdir for r in manager.runs.values())]:
        resolved = path.resolve()
        if resolved not in out:
            out.append(resolved)
    return out


def register(server: TrackerServer, manager: RunManager) -> None:
    from tracker_lsp.server import RawJSON

    @server.command(P.RUN)
    async def run_command(*args: Any) -> Any:
        data = arguments(args, "uri")
        managed, notes = await manager.start(run_request(data))
        return RawJSON(
            runId=managed.run_id,
            workflow=managed.workflow,
            workdir=str(managed.workdir),
            runDir=str(managed.run.run_dir) if managed.run.run_dir is not None else None,
            resumed=managed.run.resumed is not None,
            warnings=notes,
        )

    @server.command(P.CANCEL)
    async def cancel_command(*args: Any) -> Any:
        data = arguments(args, "runId")
        managed = await manager.cancel(text_arg(data, "runId", required=True))
        run_dir = managed.run.run_dir
        checkpoint = run_dir is not None and (run_dir / "checkpoint.json").is_file()
        return RawJSON(
            runId=managed.run_id,
            status=managed.status,
            state=managed.lifecycle,
            checkpoint=checkpoint,
            resumable=checkpoint,
        )

    @server.command(P.ANSWER_GATE)
    def answer_command(*args: Any) -> Any:
        data = arguments(args, "runId")
        managed = manager.find(text_arg(data, "runId", required=True))
        gate_id = text_arg(data, "gateId", required=True)
        if "answer" not in data:
            raise ProtocolError(
                P.INVALID_PARAMS, "answer is required: {choice?, freeform?, answers?}"
            )
        managed.answer(gate_id, data["answer"])
        return RawJSON(accepted=True)

    @server.command(P.RUNS)
    async def runs_command(*args: Any) -> Any:
        from tracker_lsp.runs.history import disk_summaries

        data = arguments(args, "workdir")
        explicit = workdir_arg(data)
        workdirs = candidate_workdirs(server, manager, explicit)
        loop = asyncio.get_running_loop()
        found: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}
        for workdir in workdirs:
            for ts, item in await loop.run_in_executor(None, disk_summaries, workdir):
                found[(str(workdir), item["runId"])] = (ts, item)
        for managed in manager.runs.values():
            if explicit is not None and managed.workdir.resolve() != explicit:
                continue
            key = (str(managed.workdir.resolve()), managed.run_id)
            ts, item = found.get(
                key, (0.0, {"run_id": managed.run_id, "nodes": 0, "retries": 0, "restarts": 0})
            )
            snapshot = managed.snapshot()
            item.update(
                runId=managed.run_id,
                workdir=str(managed.workdir),
                active=managed.active,
                state=managed.lifecycle,
                workflow=managed.workflow,
                uri=managed.source.uri or None,
                pendingGates=snapshot["pendingGates"],
            )
            if managed.active:
                item.update(status="running", status_class="running")
            else:
                item.setdefault("status", managed.status)
            item.setdefault("timestamp", snapshot["startedAt"])
            found[key] = (max(ts, managed.started_at), item)
        ordered = sorted(found.values(), key=lambda pair: pair[0], reverse=True)
        return [RawJSON(item) for _, item in ordered]

    @server.command(P.RUN_STATE)
    async def run_state_command(*args: Any) -> Any:
        from tracker_lsp.runs.history import disk_snapshot, find_run_dir

        data = arguments(args, "runId")
        run_id = text_arg(data, "runId", required=True)
        managed = manager.find_optional(run_id)
        if managed is not None:
            snapshot = managed.snapshot()
            if data.get("includeEvents"):
                snapshot["events"] = list(managed.recent)
            return RawJSON(snapshot)
        workdirs = candidate_workdirs(server, manager, workdir_arg(data))
        loop = asyncio.get_running_loop()
        run_dir = await loop.run_in_executor(None, find_run_dir, workdirs, run_id)
        found = (
            await loop.run_in_executor(None, disk_snapshot, run_dir)
            if run_dir is not None
            else None
        )
        if found is None:
            raise ProtocolError(
                P.UNKNOWN_RUN,
                f'no run "{run_id}" (looked in {", ".join(map(str, workdirs)) or "no workspace folder"})',
                runId=run_id,
            )
        return RawJSON(found)

    @server.command(P.DIAGNOSE)
    async def diagnose_command(*args: Any) -> Any:
        from tracker.runs.diagnose import diagnose
        from tracker_lsp.runs.history import find_run_dir

        data = arguments(args, "runId")
        run_id = text_arg(data, "runId", required=True)
        managed = manager.find_optional(run_id)
        workdirs = (
            [managed.workdir]
            if managed is not None
            else candidate_workdirs(server, manager, workdir_arg(data))
        )
        wanted = managed.run_id if managed is not None else run_id
        loop = asyncio.get_running_loop()
        run_dir = await loop.run_in_executor(None, find_run_dir, workdirs, wanted)
        if run_dir is None:
            raise ProtocolError(
                P.UNKNOWN_RUN,
                f'no run "{run_id}" (looked in {", ".join(map(str, workdirs)) or "no workspace folder"})',
                runId=run_id,
            )
        try:
            report = await loop.run_in_executor(None, diagnose, run_dir)
        except FileNotFoundError as exc:
            raise ProtocolError(
                P.UNKNOWN_RUN, f"run {run_dir.name} cannot be diagnosed: {exc}", runId=run_dir.name
            ) from None
        return RawJSON(report.to_dict())

    @server.command(P.GRAPH)
    def graph_command(*args: Any) -> Any:
        from tracker.dippin import load_file
        from tracker.dippin.export_dot import to_dot
        from tracker.dippin.simulate import to_mermaid
        from tracker_lsp.documents import uri_to_path

        data = arguments(args, "uri")
        uri = text_arg(data, "uri", required=True)
        snap = server.snapshot(uri)
        if snap is not None:
            result = snap.result
        else:
            path = uri_to_path(uri)
            if path is None or not path.is_file():
                raise ProtocolError(P.WORKFLOW_ERROR, f"{uri} is neither open nor a readable file")
            result = load_file(path)
        workflow = result.workflow
        return RawJSON(
            name=workflow.name,
            mermaid=to_mermaid(workflow),
            dot=to_dot(workflow, details=bool(data.get("details", False))),
            complete=result.ok,
        )
