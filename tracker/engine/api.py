"""The library entry point: start a run, watch its events, answer gates, cancel, resume.

::

    pipeline = load_pipeline(path.read_bytes(), path)
    run = PipelineRun(pipeline, RunConfig(workdir=project, interviewer=my_interviewer))
    run.add_sink(print_event)                  # synchronous sink, or:
    async for event in run.events(): ...       # an async iterator (start it before run())
    result = await run.run()                   # RunResult; run.cancel() ends it with a checkpoint

Resume with ``RunConfig(resume="<run id or unique prefix>")``. Setup problems (unknown
``--param``, an unknown run, a checkpoint of another workflow, agent nodes without a
provider) raise :class:`RunSetupError` before anything runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker.engine.budget import BudgetGuard, BudgetLimits, Usage
from tracker.engine.checkpoint import Checkpoint, CheckpointError, load_checkpoint
from tracker.engine.events import Event
from tracker.engine.load import LoadedPipeline
from tracker.engine.outcome import Override, is_success
from tracker.engine.registry import HandlerRegistry, RunServices, ToolSafety
from tracker.engine.run import CheckpointStore, Engine, TraceEntry

if TYPE_CHECKING:
    from tracker.gates import Interviewer


class RunSetupError(Exception):
    """The run cannot start; the message says why and what to do."""


@dataclass
class RunConfig:
    workdir: Path | None = None
    artifact_dir: Path | None = None  # base of run directories; default <workdir>/.tracker/runs
    capture: bool = True  # run directory, checkpoint, activity log, run.json
    resume: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    inputs: dict[str, str] = field(default_factory=dict)
    context: dict[str, str] = field(default_factory=dict)
    interviewer: Interviewer | None = None
    budget: BudgetLimits = field(default_factory=BudgetLimits)
    tool_safety: ToolSafety = field(default_factory=ToolSafety)
    backend: str = ""
    extras: dict[str, Any] = field(default_factory=dict)
    force_bundle_mismatch: bool = False
    verbose: bool = False
    run_id: str | None = None


@dataclass
class RunResult:
    run_id: str
    status: str
    completed_nodes: list[str]
    context: dict[str, str]
    error: str = ""
    trace: list[TraceEntry] = field(default_factory=list)
    overrides: list[Override] = field(default_factory=list)
    run_dir: Path | None = None
    usage: Usage | None = None
    started: float = 0.0
    finished: float = 0.0
    params: dict[str, str] = field(default_factory=dict)
    resumed: bool = False

    @property
    def success(self) -> bool:
        return is_success(self.status)


def _seconds(raw: str) -> float:
    from tracker.dippin.values import ValueError_, parse_duration

    try:
        return parse_duration(raw) / 1e9
    except ValueError_:
        return 0.0


def _int(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        return 0


class PipelineRun:
    """One run of a loaded pipeline (fresh or resumed)."""

    def __init__(self, pipeline: LoadedPipeline, config: RunConfig | None = None) -> None:
        from tracker.runs.layout import new_run_id, runs_dir, secure_dir

        self.pipeline = pipeline
        self.config = config = config or RunConfig()
        self.workdir = (config.workdir or Path.cwd()).resolve()
        self.graph = self._apply_params(pipeline, config.params)
        self.notes: list[str] = []
        self._sinks: list[Callable[[Event], None]] = []
        self._queues: list[asyncio.Queue[Event | None]] = []
        self.resumed: Checkpoint | None = None
        self.resume_dir: Path | None = None
        if config.resume:
            self.resumed, self.resume_dir = self._load_resume(config.resume)
        self.run_id = self.resumed.run_id if self.resumed is not None else (config.run_id or new_run_id())
        base = (config.artifact_dir or runs_dir(self.workdir)).resolve()
        self.run_dir: Path | None = None
        self.store: CheckpointStore | None = None
        self.activity = None
        if config.capture:
            self.run_dir = self.resume_dir if self.resume_dir is not None and config.artifact_dir is None else base / self.run_id
            secure = secure_dir(self.run_id)
            snapshot = self.run_dir / "checkpoint.json"
            if secure is not None:
                self.store = CheckpointStore(secure / "checkpoint.json", snapshot)
            else:
                self.store = CheckpointStore(snapshot)
            from tracker.runs.activity import ActivityLogWriter

            self.activity = ActivityLogWriter(self.run_dir, secure, verbose=config.verbose)
        from tracker.engine.inputs import InputError, bind_inputs

        try:
            seed, notes = bind_inputs(pipeline.graph.workflow.inputs, config.inputs, self.workdir, resuming=self.resumed is not None)
        except InputError as exc:
            raise RunSetupError(str(exc)) from exc
        self.notes += notes
        self.initial_context = {**config.context, **seed}
        usage = Usage()
        limits = self._limits(config.budget)
        self.services = RunServices(
            workdir=self.workdir,
            usage=usage,
            interviewer=config.interviewer,
            tool_safety=config.tool_safety,
            budget=BudgetGuard(limits, usage) if limits.active() else None,
            subgraphs=pipeline.subgraphs,
            backend=config.backend,
            extras=dict(config.extras),
        )
        self.registry = HandlerRegistry(self.services)
        self.services.registry = self.registry
        problems = self.registry.preflight(self.graph)
        for child in pipeline.subgraphs.graphs():
            problems += self.registry.preflight(child)
        if problems:
            raise RunSetupError("cannot run this workflow:\n  " + "\n  ".join(dict.fromkeys(problems)))
        self.engine: Engine | None = None
        self._cancel_requested = False

    # ------------------------------------------------------------------ setup

    def _apply_params(self, pipeline: LoadedPipeline, params: dict[str, str]):  # type: ignore[no-untyped-def]
        graph = pipeline.graph
        if not params:
            return graph
        declared = list(graph.workflow.vars)
        for key in params:
            if key not in graph.workflow.vars:
                listing = f"(declared params: {', '.join(declared)})" if declared else "(this workflow declares no params)"
                raise RunSetupError(f'apply --param overrides: unknown param "{key}" {listing}')
        attrs = dict(graph.attrs)
        for key, value in params.items():
            attrs[f"params.{key}"] = value
        return dataclasses.replace(graph, attrs=attrs, outgoing={}, _reach_cache={})

    def _limits(self, configured: BudgetLimits) -> BudgetLimits:
        attrs = self.graph.attrs
        return BudgetLimits(
            max_tokens=configured.max_tokens or _int(attrs.get("max_total_tokens", "0")),
            max_cost_cents=configured.max_cost_cents or _int(attrs.get("max_cost_cents", "0")),
            max_wall_time_s=configured.max_wall_time_s or _seconds(attrs.get("max_wall_time", "")),
            stall_timeout_s=configured.stall_timeout_s or _seconds(attrs.get("stall_timeout", "")),
        )

    def _load_resume(self, prefix: str) -> tuple[Checkpoint, Path]:
        from tracker.runs.layout import RunLookupError, resolve_run, secure_base

        try:
            run_dir = resolve_run(self.workdir, prefix)
        except RunLookupError as exc:
            raise RunSetupError(str(exc)) from exc
        secure_path = secure_base() / run_dir.name / "checkpoint.json"
        local_path = run_dir / "checkpoint.json"
        try:
            secure_cp = load_checkpoint(secure_path)
            local_cp = load_checkpoint(local_path)
        except CheckpointError as exc:
            raise RunSetupError(f"cannot resume run {run_dir.name}: {exc}") from exc
        checkpoint = secure_cp or local_cp
        if checkpoint is None:
            raise RunSetupError(f"checkpoint not found for run {run_dir.name}: no {local_path} (nothing to resume)")
        if secure_cp is not None and local_cp is not None:
            try:
                differ = secure_path.read_bytes() != local_path.read_bytes()
            except OSError:
                differ = False
            if differ:
                self.notes.append(
                    f"warning: the checkpoint copies of run {run_dir.name} differ; resuming from the secure copy {secure_path}"
                )
        if not checkpoint.run_id:
            checkpoint.run_id = run_dir.name
        wanted = self.graph.name
        if checkpoint.workflow_name and wanted and checkpoint.workflow_name != wanted:
            raise RunSetupError(
                f'run {run_dir.name} belongs to workflow "{checkpoint.workflow_name}", not "{wanted}"; '
                "pass the workflow that run was started with"
            )
        if checkpoint.bundle_identity and not self.config.force_bundle_mismatch:
            raise RunSetupError(
                f"bundle identity mismatch: the checkpoint was written by {checkpoint.bundle_identity}, "
                "the current source is (none — plain .dip); use --force-bundle-mismatch to resume anyway"
            )
        for node_id in [checkpoint.current_node, *checkpoint.completed_nodes]:
            if node_id and node_id not in self.graph.nodes:
                raise RunSetupError(
                    f'run {run_dir.name} cannot resume: node "{node_id}" of its checkpoint is not in this workflow'
                )
        return checkpoint, run_dir

    # ------------------------------------------------------------------ events

    def add_sink(self, sink: Callable[[Event], None]) -> None:
        """Call ``sink`` synchronously with every event, in order."""
        self._sinks.append(sink)

    def events(self) -> AsyncIterator[Event]:
        """An async iterator over the run's events; it ends when the run ends."""
        queue: asyncio.Queue[Event | None] = asyncio.Queue()
        self._queues.append(queue)

        async def iterate() -> AsyncIterator[Event]:
            while True:
                item = await queue.get()
                if item is None:
                    return
                yield item

        return iterate()

    def _dispatch(self, event: Event) -> None:
        for sink in self._sinks:
            sink(event)
        for queue in self._queues:
            queue.put_nowait(event)
        if self.activity is not None:
            self.activity(event)

    # ------------------------------------------------------------------ running

    def cancel(self) -> None:
        """Stop the run at the next await; it ends ``fail`` with a checkpoint to resume from."""
        self._cancel_requested = True
        if self.engine is not None:
            self.engine.cancel()

    def _ir_capture(self) -> bytes:
        """The IR as ``workflow.ir.json`` text, serialised when the run ends: on the main
        thread, because a helper thread during the run holds the GIL while the engine
        waits on a subprocess and so delays every node by up to the switch interval."""
        from tracker.dippin.ir_data import to_data
        from tracker.runs.manifest import ir_json

        try:
            return ir_json(to_data(self.pipeline.graph.workflow, positions=False))
        except Exception:  # the capture is best effort
            return b""

    async def run(self) -> RunResult:
        engine = Engine(
            self.graph,
            self.services,
            run_id=self.run_id,
            emit=self._dispatch,
            store=self.store,
            artifact_dir=self.run_dir,
            initial_context=self.initial_context,
            resume=self.resumed,
            registry=self.registry,
        )
        self.engine = engine
        self.services.emit = engine.emit
        if self._cancel_requested:
            engine.cancel()
        try:
            outcome = await engine.run()
        finally:
            for queue in self._queues:
                queue.put_nowait(None)
            await self._cleanup()
            self._finish_files()
        return RunResult(
            run_id=outcome.run_id,
            status=outcome.status,
            completed_nodes=outcome.completed_nodes,
            context=outcome.context,
            error=outcome.error,
            trace=outcome.trace,
            overrides=outcome.overrides,
            run_dir=self.run_dir,
            usage=self.services.usage,
            started=outcome.started,
            finished=outcome.finished,
            params=dict(self.config.params),
            resumed=self.resumed is not None,
        )

    async def _cleanup(self) -> None:
        """Run the handlers' cleanups (closing run-wide clients); a failing one is ignored."""
        cleanups, self.services.cleanups = self.services.cleanups, []
        for cleanup in cleanups:
            with contextlib.suppress(Exception):
                await cleanup()

    def _finish_files(self) -> None:
        if self.store is not None:
            self.store.close()
        if self.activity is not None:
            self.activity.close()
        run_dir = self.run_dir
        if run_dir is None or not run_dir.is_dir():
            return
        from tracker.runs.manifest import capture_workflow, write_manifest

        try:
            capture_workflow(run_dir, self.pipeline.source, self._ir_capture())
            source_path = str(self.pipeline.path.resolve()) if self.pipeline.path is not None else self.pipeline.name
            write_manifest(run_dir, source_path=source_path, params=dict(self.config.params))
        except OSError:
            pass


async def run_pipeline(
    pipeline: LoadedPipeline, config: RunConfig | None = None, on_event: Callable[[Event], None] | None = None
) -> RunResult:
    """Run a loaded pipeline to the end (convenience wrapper around :class:`PipelineRun`)."""
    run = PipelineRun(pipeline, config)
    if on_event is not None:
        run.add_sink(on_event)
    return await run.run()
