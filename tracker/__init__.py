"""tracker: author, check and run multi-agent LLM pipelines written in the Dippin language.

The library API (see ``docs/library.md``)::

    import tracker

    tracker.validate("flow.dip").ok           # parse, validate and lint
    tracker.simulate("flow.dip").order        # the static execution plan
    result = tracker.run("flow.dip", auto_approve=True)
    tracker.runs()                            # past runs, newest first
    tracker.diagnose(result.run_id)           # why a run failed

Names are imported on first use, so ``import tracker`` stays cheap (the CLI relies on it).
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from tracker.api import (
        LoadedWorkflow,
        Run,
        RunOptions,
        Simulation,
        ValidationResult,
        WorkflowError,
        WorkflowNotFound,
        audit,
        diagnose,
        doctor,
        estimate,
        load,
        load_text,
        run,
        run_async,
        run_dir,
        runs,
        simulate,
        start,
        status,
        validate,
        workflows,
    )
    from tracker.engine import Event, RunResult, RunSetupError
    from tracker.library.answers import ScriptedInterviewer
    from tracker.library.catalog import BuiltinWorkflow
    from tracker.library.estimate import RunEstimate
    from tracker.library.status import StatusUpdate

__all__ = [
    "BuiltinWorkflow",
    "Event",
    "LoadedWorkflow",
    "Run",
    "RunEstimate",
    "RunOptions",
    "RunResult",
    "RunSetupError",
    "ScriptedInterviewer",
    "Simulation",
    "StatusUpdate",
    "ValidationResult",
    "WorkflowError",
    "WorkflowNotFound",
    "__version__",
    "audit",
    "diagnose",
    "doctor",
    "estimate",
    "load",
    "load_text",
    "run",
    "run_async",
    "run_dir",
    "runs",
    "simulate",
    "start",
    "status",
    "validate",
    "workflows",
]
_ELSEWHERE = {
    "Event": "tracker.engine",
    "RunResult": "tracker.engine",
    "RunSetupError": "tracker.engine",
    "ScriptedInterviewer": "tracker.library.answers",
    "BuiltinWorkflow": "tracker.library.catalog",
    "RunEstimate": "tracker.library.estimate",
    "StatusUpdate": "tracker.library.status",
}
_EXPORTS = {name: _ELSEWHERE.get(name, "tracker.api") for name in __all__ if name != "__version__"}


class _CallablePackage:
    """``tracker.runs`` and ``tracker.workflows`` are functions of the library API and
    also names of folders in this package. Calling one runs the function; any other
    attribute is looked up in the package (``tracker.runs.audit``), so both keep working."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        import importlib

        return getattr(importlib.import_module("tracker.api"), self._name)(*args, **kwargs)

    def __getattr__(self, attribute: str) -> Any:
        import importlib

        package = importlib.import_module(f"tracker.{self._name}")
        try:
            return getattr(package, attribute)
        except AttributeError:
            return importlib.import_module(f"tracker.{self._name}.{attribute}")

    def __repr__(self) -> str:
        return f"<tracker.{self._name}: function of tracker.api and package tracker.{self._name}>"


class _TrackerModule(types.ModuleType):
    """Keeps the callable ``runs``/``workflows`` when Python binds the sub-packages of
    the same name to this module after importing them."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _CALLABLE and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


_CALLABLE = ("runs", "workflows")
if not TYPE_CHECKING:
    runs = _CallablePackage("runs")
    workflows = _CallablePackage("workflows")
sys.modules[__name__].__class__ = _TrackerModule


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'tracker' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
