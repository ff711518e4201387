"""The tracker library: load, check, simulate, estimate and run Dippin workflows from
Python, and read the runs they leave behind (engine spec §8.4, in Python form).

Every function is also available from the package root (``tracker.validate(...)``).
A *source* is a path to a ``.dip`` file, the name of a workflow (``NAME.dip`` in the
working directory, else a built-in such as ``"deep_review"``), or a
:class:`LoadedWorkflow` returned by :func:`load` or :func:`load_text`.

::

    import tracker

    report = tracker.validate("flow.dip")
    if report.ok:
        result = tracker.run("flow.dip", auto_approve=True)
        print(result.status, result.run_id)

    async def watch():
        run = tracker.start("flow.dip", answers={"Approve": "approve"})
        async for event in run.events():
            print(event.type, event.node_id)
        return await run.result()

Unlike the CLI, the library reads no ``.env`` file (pass ``env=`` for provider keys, or
set them in ``os.environ``), never prompts (human gates need ``interviewer=``,
``answers=`` or ``auto_approve=True``) and prints nothing.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Generator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracker.config.doctor import DoctorReport
    from tracker.dippin.diagnostics import Diagnostic
    from tracker.dippin.ir import Workflow
    from tracker.dippin.parser import ParseResult
    from tracker.engine import Event, RunResult
    from tracker.engine.api import PipelineRun
    from tracker.gates import Interviewer
    from tracker.library.answers import Answers
    from tracker.library.catalog import BuiltinWorkflow
    from tracker.library.estimate import RunEstimate
    from tracker.library.status import StatusUpdate
    from tracker.runs.audit import AuditReport, RunSummary
    from tracker.runs.diagnose import DiagnoseReport

Source = "str | os.PathLike[str] | LoadedWorkflow"


class WorkflowNotFound(FileNotFoundError):
    """The source names no file and no built-in workflow."""


class WorkflowError(Exception):
    """The workflow has errors and cannot run; ``diagnostics`` lists them."""

    def __init__(self, message: str, diagnostics: list[Diagnostic]) -> None:
        super().__init__(message)
        self.diagnostics = diagnostics


# ---------------------------------------------------------------------------- loading


@dataclass
class LoadedWorkflow:
    """A parsed workflow and where it came from."""

    source: bytes
    path: Path | None
    builtin: str | None
    parse: ParseResult

    @property
    def ir(self) -> Workflow:
        """The workflow IR (always present; partial when the text has syntax errors)."""
        return self.parse.workflow

    @property
    def name(self) -> str:
        return self.ir.name or (self.path.stem if self.path else self.builtin or "workflow")

    @property
    def display(self) -> str:
        """How the CLI names it: the path, or the built-in's name."""
        return str(self.path) if self.path is not None else (self.builtin or self.name)

    @property
    def diagnostics(self) -> list[Diagnostic]:
        """Parse-level problems (syntax, unknown fields, …)."""
        return list(self.parse.diagnostics)


def load(source: str | os.PathLike[str] | LoadedWorkflow, *, workdir: str | os.PathLike[str] | None = None) -> LoadedWorkflow:
    """Read and parse a workflow, resolving names like the CLI does (engine spec §8.6.2):
    a path (contains ``/`` or ends in ``.dip``), else ``NAME.dip`` or ``NAME`` in
    ``workdir`` (default: the current directory), else a built-in workflow.

    Parsing never raises on bad input: problems are in ``diagnostics``. A source that
    names nothing raises :class:`WorkflowNotFound`.
    """
    if isinstance(source, LoadedWorkflow):
        return source
    from tracker.cli.resolve import UnknownWorkflow, resolve_workflow
    from tracker.dippin import load_bytes

    base = Path(workdir) if workdir is not None else None
    try:
        resolved = resolve_workflow(os.fspath(source), base)
    except UnknownWorkflow as exc:
        raise WorkflowNotFound(str(exc)) from None
    except FileNotFoundError:
        raise WorkflowNotFound(f"{os.fspath(source)}: no such file") from None
    return LoadedWorkflow(resolved.text, resolved.path, None if resolved.path else resolved.name, load_bytes(resolved.text, resolved.path))


def load_text(text: str, *, path: str | os.PathLike[str] | None = None) -> LoadedWorkflow:
    """Parse workflow source text; ``path`` (optional) is where file directives such as
    ``prompt_file`` are resolved from and what diagnostics name."""
    from tracker.dippin import load_bytes

    data = text.encode("utf-8")
    where = Path(path) if path is not None else None
    return LoadedWorkflow(data, where, None, load_bytes(data, where))


def workflows() -> list[BuiltinWorkflow]:
    """The built-in workflows: ``name``, ``display_name``, ``goal``, ``requires``."""
    from tracker.library.catalog import workflows as catalogue

    return catalogue()


# ---------------------------------------------------------------------------- checking


@dataclass
class ValidationResult:
    """The diagnostics of :func:`validate`, split by severity."""

    workflow: LoadedWorkflow
    diagnostics: list[Diagnostic]

    def _of(self, severity: str) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity.value == severity]

    @property
    def errors(self) -> list[Diagnostic]:
        return self._of("error")

    @property
    def warnings(self) -> list[Diagnostic]:
        return self._of("warning")

    @property
    def hints(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity.value not in ("error", "warning")]

    @property
    def ok(self) -> bool:
        """No errors (warnings allowed), as for ``tracker validate``'s exit code."""
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.workflow.display, "ok": self.ok, "diagnostics": [d.to_dict() for d in self.diagnostics]}


def validate(
    source: str | os.PathLike[str] | LoadedWorkflow,
    *,
    extra_models: Mapping[str, Sequence[str]] | None = None,
    environment: bool = True,
) -> ValidationResult:
    """Parse errors, structural validation and every lint rule (what ``tracker validate``
    reports). ``extra_models`` accepts models beyond the catalogue per provider;
    ``environment=False`` skips checks that look at this machine (``bash -n``, ``PATH``)."""
    from tracker.dippin.lint import LintOptions, check

    loaded = load(source)
    extra = {provider: list(models) for provider, models in (extra_models or {}).items()}
    options = LintOptions(extra_models=extra, environment=environment)
    return ValidationResult(loaded, check(loaded.parse, options))


@dataclass
class Simulation:
    """The static execution plan (``tracker simulate``; engine spec §8.6.4)."""

    name: str
    start_node: str
    exit_node: str
    graph_attrs: dict[str, str]
    nodes: list[dict[str, Any]]
    edges: list[dict[str, str]]
    execution_plan: list[dict[str, Any]]
    unreachable: list[str]
    paths: list[dict[str, Any]] | None = None
    errors: list[Diagnostic] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    report: dict[str, Any] = field(default_factory=dict)

    @property
    def order(self) -> list[str]:
        """Node IDs in plan order (BFS from the start node)."""
        return [step["node_id"] for step in self.execution_plan]

    def to_dict(self) -> dict[str, Any]:
        """The same object ``tracker simulate --json`` prints."""
        return dict(self.report)


def simulate(source: str | os.PathLike[str] | LoadedWorkflow, *, all_paths: bool = False, max_paths: int = 100) -> Simulation:
    """The execution plan, and with ``all_paths`` every distinct start→exit path (bounded
    by ``max_paths``). No model is called. Raises :class:`WorkflowError` on syntax errors."""
    from tracker.cli.cmd_simulate import validation
    from tracker.dippin.simulate import full_report

    loaded = load(source)
    syntax = [d for d in loaded.diagnostics if d.is_error and d.code in ("DIP000", "DIP909", "DIP913", "DIP917")]
    if syntax:
        raise WorkflowError(f"{loaded.display}: cannot simulate a workflow with syntax errors", syntax)
    errors, warnings = validation(loaded.ir, loaded.parse.path)
    folder = str(loaded.path.resolve().parent) if loaded.path is not None else None
    report = full_report(loaded.ir, all_paths=all_paths, max_paths=max_paths, workflow_dir=folder)
    return Simulation(
        name=report["name"],
        start_node=report["start_node"],
        exit_node=report["exit_node"],
        graph_attrs=dict(report["graph_attrs"]),
        nodes=list(report["nodes"]),
        edges=list(report["edges"]),
        execution_plan=list(report["execution_plan"]),
        unreachable=list(report["unreachable"]),
        paths=list(report["paths"]) if all_paths else None,
        errors=errors,
        warnings=warnings,
        report=report,
    )


def estimate(source: str | os.PathLike[str] | LoadedWorkflow) -> RunEstimate:
    """A rough cost range from catalogue prices (engine spec §8.7.4); no model is called."""
    from tracker.library.estimate import estimate as estimate_workflow

    return estimate_workflow(load(source).ir)


# ---------------------------------------------------------------------------- running


@dataclass
class RunOptions:
    """Everything :func:`start` accepts besides the source."""

    workdir: str | os.PathLike[str] | None = None
    params: Mapping[str, str] | None = None
    inputs: Mapping[str, str] | None = None
    context: Mapping[str, str] | None = None
    resume: str | None = None
    interviewer: Interviewer | None = None
    answers: Answers | None = None
    auto_approve: bool = False
    max_tokens: int = 0
    max_cost_cents: int = 0
    max_wall_time: float = 0.0
    artifact_dir: str | os.PathLike[str] | None = None
    capture: bool = True
    env: Mapping[str, str] | None = None
    llm_client: Any = None
    run_id: str | None = None


def _interviewer(options: RunOptions) -> Interviewer | None:
    """``interviewer`` > ``answers`` > ``auto_approve`` > none (human gates then fail)."""
    if options.interviewer is not None:
        return options.interviewer
    if options.answers is not None:
        from tracker.library.answers import ScriptedInterviewer

        return ScriptedInterviewer(options.answers)
    if options.auto_approve:
        from tracker.gates.auto import AutoApproveInterviewer

        return AutoApproveInterviewer()
    return None


def _pipeline_run(source: str | os.PathLike[str] | LoadedWorkflow, options: RunOptions) -> PipelineRun:
    from tracker.engine import BudgetLimits, PipelineLoadError, RunConfig, load_pipeline
    from tracker.engine.api import PipelineRun

    workdir = Path(options.workdir).resolve() if options.workdir is not None else Path.cwd()
    loaded = load(source, workdir=workdir)
    try:
        pipeline = load_pipeline(loaded.source, loaded.path)
    except PipelineLoadError as exc:
        raise WorkflowError(str(exc.message), exc.diagnostics) from None
    extras: dict[str, Any] = {}
    if options.env is not None:
        extras["environ"] = dict(options.env)
    if options.llm_client is not None:
        extras["llm_client"] = options.llm_client
    config = RunConfig(
        workdir=workdir,
        artifact_dir=Path(options.artifact_dir).resolve() if options.artifact_dir is not None else None,
        capture=options.capture,
        resume=options.resume,
        params=dict(options.params or {}),
        inputs=dict(options.inputs or {}),
        context=dict(options.context or {}),
        interviewer=_interviewer(options),
        budget=BudgetLimits(
            max_tokens=options.max_tokens, max_cost_cents=options.max_cost_cents, max_wall_time_s=options.max_wall_time
        ),
        extras=extras,
        run_id=options.run_id,
    )
    return PipelineRun(pipeline, config)


class Run:
    """A run that has been set up (setup problems already raised) and starts on first use:
    iterate :meth:`events`, await :meth:`result` (or the run itself), or :meth:`cancel`."""

    def __init__(self, pipeline_run: PipelineRun) -> None:
        self._run = pipeline_run
        self._task: asyncio.Task[RunResult] | None = None

    @property
    def run_id(self) -> str:
        return self._run.run_id

    @property
    def run_dir(self) -> Path | None:
        """``<workdir>/.tracker/runs/<run id>`` (``None`` when ``capture=False``)."""
        return self._run.run_dir

    @property
    def notes(self) -> list[str]:
        """Setup notes (e.g. an input the workflow does not declare)."""
        return list(self._run.notes)

    def _start(self) -> asyncio.Task[RunResult]:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run.run())
        return self._task

    def events(self) -> AsyncIterator[Event]:
        """Every event of the run, in order, ending when the run ends. Subscribe before
        the run starts (iterating starts it); events emitted earlier are not replayed."""
        finished = self._task is not None and self._task.done()
        stream = None if finished else self._run.events()

        async def iterate() -> AsyncIterator[Event]:
            if stream is None:  # the run is over: nothing more will arrive
                return
            self._start()
            async for event in stream:
                yield event

        return iterate()

    async def result(self) -> RunResult:
        """Run to the end (starting it if needed) and return the result."""
        return await self._start()

    def __await__(self) -> Generator[Any, None, RunResult]:
        return self.result().__await__()

    def cancel(self) -> None:
        """Stop at the next await; the run ends ``fail`` with a checkpoint to resume from."""
        self._run.cancel()


def start(source: str | os.PathLike[str] | LoadedWorkflow, **options: Any) -> Run:
    """Set up a run and return a :class:`Run` handle (see :class:`RunOptions` for the
    options). Raises :class:`WorkflowNotFound`, :class:`WorkflowError` (the workflow has
    errors) or :class:`tracker.engine.RunSetupError` (unknown param, missing input, an
    agent node without a provider key, a run to resume that does not exist, …)."""
    return Run(_pipeline_run(source, RunOptions(**options)))


async def run_async(source: str | os.PathLike[str] | LoadedWorkflow, **options: Any) -> RunResult:
    """:func:`start` and await the result."""
    return await start(source, **options).result()


def run(source: str | os.PathLike[str] | LoadedWorkflow, **options: Any) -> RunResult:
    """Run a workflow to the end and return its :class:`~tracker.engine.RunResult`
    (``status``: ``success``, ``fail``, ``budget_exceeded``, ``validation_overridden``,
    ``paused_billing``; ``result.success`` for the first and the fourth). Synchronous:
    from async code use :func:`run_async` or :func:`start`."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(run_async(source, **options))
    raise RuntimeError("tracker.run() cannot be called from a running event loop; use `await tracker.run_async(...)`")


# ---------------------------------------------------------------------------- past runs


def _workdir(workdir: str | os.PathLike[str] | None) -> Path:
    return Path(workdir).resolve() if workdir is not None else Path.cwd()


def run_dir(run_id: str | None = None, *, workdir: str | os.PathLike[str] | None = None) -> Path:
    """The run directory of ``run_id`` (exact or unique prefix), or of the most recent run.
    Raises :class:`tracker.runs.layout.RunLookupError` with the reason."""
    from tracker.runs.audit import most_recent_run
    from tracker.runs.layout import resolve_run

    base = _workdir(workdir)
    return resolve_run(base, run_id) if run_id else most_recent_run(base)


def runs(workdir: str | os.PathLike[str] | None = None) -> list[RunSummary]:
    """Every run under ``<workdir>/.tracker/runs``, newest first (what ``tracker list`` shows)."""
    from tracker.runs.audit import list_runs

    return list_runs(_workdir(workdir))


def audit(run_id: str, *, workdir: str | os.PathLike[str] | None = None) -> AuditReport:
    """One run's timeline, retries, errors and recommendations (``tracker audit``)."""
    from tracker.runs.audit import audit as audit_run

    return audit_run(run_dir(run_id, workdir=workdir))


def diagnose(run_id: str | None = None, *, workdir: str | os.PathLike[str] | None = None) -> DiagnoseReport:
    """Why a run failed, with suggestions (``tracker diagnose``); default: the latest run."""
    from tracker.runs.diagnose import diagnose as diagnose_run

    return diagnose_run(run_dir(run_id, workdir=workdir))


def status(run_id: str | None = None, *, workdir: str | os.PathLike[str] | None = None) -> list[StatusUpdate]:
    """The agents' ``report_status`` notes of a run (``tracker status``)."""
    from tracker.library.status import status_timeline

    return status_timeline(run_dir(run_id, workdir=workdir))


def doctor(
    workdir: str | os.PathLike[str] | None = None,
    *,
    probe: bool = False,
    pipeline: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
) -> DoctorReport:
    """The ``tracker doctor`` checks (without its ``.gitignore`` fix); ``probe`` makes one
    tiny live call per configured provider. ``report.exit_code`` is 0, 1 or 2."""
    from tracker.config.doctor import DoctorOptions, run_checks
    from tracker.library.install import version_check

    options = DoctorOptions(
        workdir=_workdir(workdir),
        pipeline=Path(pipeline) if pipeline is not None else None,
        probe=probe,
        environ=dict(os.environ if env is None else env),
    )
    report = run_checks(options)
    names = [c.name for c in report.checks]
    where = names.index("Dippin Language") + 1 if "Dippin Language" in names else len(names)
    report.checks.insert(where, version_check())
    return report
