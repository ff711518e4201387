"""Helpers for engine tests: run a workflow in-process and look at its events."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from tracker.engine import Event, RunConfig, RunResult, load_pipeline
from tracker.engine.api import PipelineRun


def write(directory: Path, name: str, source: str) -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(source).lstrip("\n"), encoding="utf-8")
    return path


async def run_source(
    tmp_path: Path, source: str, *, name: str = "flow.dip", **config: Any
) -> tuple[RunResult, list[Event]]:
    """Write ``source`` to ``tmp_path/name`` and run it with ``tmp_path`` as workdir."""
    path = write(tmp_path, name, source)
    return await run_path(path, tmp_path, **config)


async def run_path(path: Path, workdir: Path, **config: Any) -> tuple[RunResult, list[Event]]:
    pipeline = load_pipeline(path.read_bytes(), path)
    run = PipelineRun(pipeline, RunConfig(workdir=workdir, **config))
    events: list[Event] = []
    run.add_sink(events.append)
    result = await run.run()
    return result, events


def types(events: list[Event], node: str | None = None, *, source: str = "pipeline") -> list[str]:
    """Event types in order, optionally only those of one node."""
    return [e.type for e in events if e.source == source and (node is None or e.node_id == node)]


def of_type(events: list[Event], type_: str) -> list[Event]:
    return [e for e in events if e.type == type_]


def path_taken(events: list[Event]) -> list[str]:
    """Node IDs in the order their handlers started."""
    return [e.node_id for e in events if e.type == "stage_started"]
