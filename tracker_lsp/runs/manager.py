"""The runs of one server: start (or resume), find, cancel, shut down.

One :class:`RunManager` per server keeps every run it started; several may run at once,
all on the server's event loop (:mod:`~tracker_lsp.runs.managed` holds one run). It
resolves what to run (the open document's text, a file, or a workflow name), loads it off
the event loop, picks the interviewer (auto-approve > autopilot > the editor) and starts
the engine with the same run directories as the CLI: ``<workdir>/.tracker/runs/<id>/``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker_lsp.runs import protocol as P
from tracker_lsp.runs.outbox import Outbox
from tracker_lsp.runs.protocol import ProtocolError

if TYPE_CHECKING:
    from tracker_lsp.runs.managed import ManagedRun
    from tracker_lsp.server import TrackerServer

log = logging.getLogger("tracker_lsp.runs")

CANCEL_WAIT_S = 30.0


@dataclass
class RunRequest:
    """The arguments of ``tracker.run``, checked."""

    uri: str = ""
    workflow: str = ""
    params: dict[str, str] = field(default_factory=dict)
    inputs: dict[str, str] = field(default_factory=dict)
    workdir: Path | None = None
    auto_approve: bool = False
    autopilot: str | None = None
    max_tokens: int = 0
    max_cost_cents: int = 0
    max_wall_time_s: float = 0.0
    resume: str | None = None
    gate_timeout_s: float | None = None


@dataclass
class WorkflowSource:
    text: bytes
    path: Path | None
    uri: str


class RunManager:
    def __init__(self, server: TrackerServer) -> None:
        self.server = server
        self.runs: dict[str, ManagedRun] = {}
        self.outbox = Outbox(self._send)

    def _send(self, method: str, params: Any) -> None:
        self.server.protocol.notify(method, params)

    # ------------------------------------------------------------------ lookups

    def find(self, run_id: str) -> ManagedRun:
        """A run this server knows, by ID or unique ID prefix."""
        if not run_id:
            raise ProtocolError(P.INVALID_PARAMS, "runId is required")
        run = self.runs.get(run_id)
        if run is not None:
            return run
        matches = [r for rid, r in self.runs.items() if rid.startswith(run_id)]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise ProtocolError(
                P.UNKNOWN_RUN,
                f'ambiguous run ID "{run_id}" matches {len(matches)} runs of this server',
            )
        raise ProtocolError(
            P.UNKNOWN_RUN, f'no run "{run_id}" was started by this server', runId=run_id
        )

    def find_optional(self, run_id: str) -> ManagedRun | None:
        try:
            return self.find(run_id)
        except ProtocolError:
            return None

    # ------------------------------------------------------------------ starting

    def _source(self, req: RunRequest, workdir_hint: Path | None) -> WorkflowSource:
        from tracker_lsp.documents import uri_to_path

        if req.uri:
            path = uri_to_path(req.uri)
            if path is None:
                raise ProtocolError(P.INVALID_PARAMS, f"uri must be a file: URI, got {req.uri!r}")
            doc = self.server.document(req.uri)
            if doc is not None:
                return WorkflowSource(doc.text.encode("utf-8"), path, req.uri)
            try:
                return WorkflowSource(path.read_bytes(), path, req.uri)
            except OSError as exc:
                raise ProtocolError(
                    P.WORKFLOW_ERROR, f"cannot read {path}: {exc.strerror or exc}"
                ) from None
        from tracker.cli.resolve import UnknownWorkflow, resolve_workflow

        try:
            found = resolve_workflow(req.workflow, cwd=workdir_hint)
        except UnknownWorkflow as exc:
            raise ProtocolError(P.WORKFLOW_ERROR, str(exc)) from None
        except OSError as exc:
            raise ProtocolError(
                P.WORKFLOW_ERROR, f"cannot read {req.workflow}: {exc.strerror or exc}"
            ) from None
        if found.path is not None:
            doc = self.server.documents.by_path(found.path)
            text = doc.text.encode("utf-8") if doc is not None else found.text
            return WorkflowSource(text, found.path.resolve(), found.path.resolve().as_uri())
        return WorkflowSource(found.text, None, "")

    def default_workdir(self, path: Path | None) -> Path | None:
        """The workspace folder holding ``path``, else ``path``'s directory; for a
        built-in workflow the first workspace folder."""
        from tracker_lsp.files import workspace_roots

        roots = workspace_roots(self.server)
        if path is not None:
            resolved = path.resolve()
            holding = [r for r in roots if resolved.is_relative_to(r.resolve())]
            if holding:
                return max(holding, key=lambda r: len(r.parts))
            return resolved.parent
        return roots[0] if roots else None

    async def start(self, req: RunRequest) -> tuple[ManagedRun, list[str]]:
        from tracker.config import DotenvError, load_env_files
        from tracker.engine import (
            BudgetLimits,
            PipelineLoadError,
            PipelineRun,
            RunConfig,
            RunSetupError,
            load_pipeline,
        )

        hint = req.workdir or self.default_workdir(None)
        source = self._source(req, hint)
        workdir = req.workdir or self.default_workdir(source.path)
        if workdir is None:
            raise ProtocolError(
                P.INVALID_PARAMS, "no workdir: pass workdir (there is no workspace folder)"
            )
        loop = asyncio.get_running_loop()
        try:
            pipeline = await loop.run_in_executor(
                None, partial(load_pipeline, source.text, source.path, cwd=workdir)
            )
        except PipelineLoadError as exc:
            raise ProtocolError(
                P.WORKFLOW_ERROR, exc.render(), diagnostics=[d.to_dict() for d in exc.diagnostics]
            ) from None
        env = dict(os.environ)
        try:
            load_env_files(workdir, env)
        except DotenvError as exc:
            raise ProtocolError(P.SETUP_ERROR, str(exc)) from None
        interviewer, llm = self._interviewer(req, env)
        extras: dict[str, Any] = {"environ": env}
        if llm is not None:
            extras["llm"] = llm
        config = RunConfig(
            workdir=workdir,
            resume=req.resume,
            params=dict(req.params),
            inputs=dict(req.inputs),
            interviewer=interviewer,
            budget=BudgetLimits(
                max_tokens=req.max_tokens,
                max_cost_cents=req.max_cost_cents,
                max_wall_time_s=req.max_wall_time_s,
            ),
            extras=extras,
        )
        try:
            run = PipelineRun(pipeline, config)
            existing = self.runs.get(run.run_id)
            if existing is not None and existing.active:
                raise ProtocolError(
                    P.RUN_ACTIVE,
                    f"run {run.run_id} is still running; cancel it before resuming",
                    runId=run.run_id,
                )
        except (RunSetupError, ProtocolError) as exc:
            if llm is not None:
                await llm.aclose()
            if isinstance(exc, ProtocolError):
                raise
            raise ProtocolError(P.SETUP_ERROR, str(exc)) from None
        from tracker_lsp.runs.managed import ManagedRun

        managed = ManagedRun(self, run, source, pipeline)
        if existing is not None:  # a resumed run: its events keep counting
            managed.seq = existing.seq
            managed.recent.extend(existing.recent)
            managed.closed.update(existing.closed)
        self._wire_interviewer(managed, interviewer)
        managed.llm = llm
        if llm is not None:
            llm.attach(run.services)
        run.add_sink(managed.on_event)
        self.runs[run.run_id] = managed
        from tracker_lsp.runs.progress import RunProgress

        managed.progress = RunProgress(self.server, run.run_id, pipeline.name, managed.cancel)
        managed.task = asyncio.ensure_future(managed.drive())
        managed.changed(now=True)
        progress_task = asyncio.ensure_future(managed.progress.start())
        progress_task.add_done_callback(_log_failure)
        notes = [f"warning[{w.code}]: {w.message}" for w in pipeline.warnings] + list(run.notes)
        return managed, notes

    def _interviewer(self, req: RunRequest, env: dict[str, str]) -> tuple[Any, Any]:
        """(interviewer, llm setup or None): auto-approve > autopilot > the editor."""
        if req.auto_approve:
            from tracker.gates.auto import AutoApproveInterviewer

            return AutoApproveInterviewer(), None
        if req.autopilot is not None:
            from tracker.gates.autopilot import (
                AutopilotInterviewer,
                UnknownPersonaError,
                parse_persona,
            )
            from tracker.handlers.codergen import LLMSetup
            from tracker.llm.errors import ConfigurationError

            try:
                persona = parse_persona(req.autopilot)
            except UnknownPersonaError as exc:
                raise ProtocolError(P.INVALID_PARAMS, str(exc)) from None
            llm = LLMSetup(env)
            try:
                client = llm.client
            except ConfigurationError as exc:
                llm.problem = str(exc)
                client = None
            if client is None:
                why = llm.problem or "no provider key is set"
                raise ProtocolError(
                    P.SETUP_ERROR, f'autopilot "{persona}" requires an LLM client: {why}'
                )
            return AutopilotInterviewer(client, persona), llm
        from tracker_lsp.runs.interviewer import EditorInterviewer

        timeout = self.default_gate_timeout() if req.gate_timeout_s is None else req.gate_timeout_s

        def unbound(*args: Any) -> None:
            raise RuntimeError("interviewer used before its run was registered")

        return EditorInterviewer(unbound, unbound, timeout_s=timeout), None

    def default_gate_timeout(self) -> float:
        """The server setting ``gateTimeoutSeconds`` (0: gates wait until answered)."""
        value = getattr(self.server.settings, "gate_timeout_seconds", 0)
        return float(value) if isinstance(value, int | float) and value > 0 else 0.0

    def _wire_interviewer(self, managed: ManagedRun, interviewer: Any) -> None:
        from tracker_lsp.runs.interviewer import EditorInterviewer

        managed.close_interviewer = interviewer.close
        if isinstance(interviewer, EditorInterviewer):
            interviewer.on_open = managed.gate_opened
            interviewer.on_close = managed.gate_closed
            managed.interviewer = interviewer

    # ------------------------------------------------------------------ stopping

    async def cancel(self, run_id: str) -> ManagedRun:
        managed = self.find(run_id)
        if not managed.active:
            raise ProtocolError(
                P.RUN_NOT_ACTIVE,
                f"run {managed.run_id} is not running (it ended {managed.lifecycle}, status {managed.status})",
                runId=managed.run_id,
                state=managed.lifecycle,
            )
        managed.cancel()
        if managed.task is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(managed.task), CANCEL_WAIT_S)
        return managed

    async def shutdown(self) -> None:
        """Cancel every active run and wait (briefly) for their checkpoints."""
        active = [r for r in self.runs.values() if r.active]
        for managed in active:
            managed.cancel()
        tasks = [r.task for r in active if r.task is not None]
        if tasks:
            await asyncio.wait(tasks, timeout=5.0)
        await self.outbox.flushed()


def _log_failure(task: asyncio.Future[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("run progress failed", exc_info=task.exception())
