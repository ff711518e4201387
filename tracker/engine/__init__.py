"""The pipeline runtime: load a workflow, run it node by node, stream events, checkpoint.

Library entry points (the CLI and the language server use the same ones):

* :func:`load_pipeline` – parse, validate and adapt a workflow and its subgraphs;
* :class:`PipelineRun` / :func:`run_pipeline` – run it, with :class:`RunConfig`;
* :class:`Event` – the event stream (``run.add_sink`` or ``async for e in run.events()``);
* :func:`register_handler` – plug in a handler for a node kind (e.g. ``codergen``).
"""

from __future__ import annotations

from tracker.engine.api import PipelineRun, RunConfig, RunResult, RunSetupError, run_pipeline
from tracker.engine.budget import BudgetLimits
from tracker.engine.events import Event, NdjsonWriter
from tracker.engine.load import LoadedPipeline, PipelineLoadError, load_pipeline
from tracker.engine.outcome import BillingPause, HandlerError, NodeStats, Outcome
from tracker.engine.registry import (
    Handler,
    NodeEnv,
    RunServices,
    ToolSafety,
    register_handler,
    unregister_handler,
)

__all__ = [
    "BillingPause",
    "BudgetLimits",
    "Event",
    "Handler",
    "HandlerError",
    "LoadedPipeline",
    "NdjsonWriter",
    "NodeEnv",
    "NodeStats",
    "Outcome",
    "PipelineLoadError",
    "PipelineRun",
    "RunConfig",
    "RunResult",
    "RunServices",
    "RunSetupError",
    "ToolSafety",
    "load_pipeline",
    "register_handler",
    "run_pipeline",
    "unregister_handler",
]
