"""Runs on disk: the listing, snapshots of runs this server did not start, diagnose.

Everything is read from ``<workdir>/.tracker/runs`` with the same library code as
``tracker list`` and ``tracker diagnose``, so editor runs and CLI runs are one history.
These functions read files; the command layer calls them in a worker thread.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tracker_lsp.runs.state import NodeStates

SUCCESS_STATUSES = ("success", "validation_overridden")


def lifecycle_of(status: str) -> str:
    """The ``state`` of a finished run from its terminal status."""
    if status in SUCCESS_STATUSES:
        return "succeeded"
    if status == "paused_billing":
        return "paused"
    return "failed"


def disk_summaries(workdir: Path) -> list[tuple[float, dict[str, Any]]]:
    """(timestamp, summary) for every run under ``workdir``: the ``tracker list --json``
    object plus ``runId``, ``workdir``, ``active``, ``state`` and ``workflow`` (the name
    its checkpoint records)."""
    from tracker.runs.audit import list_runs, read_checkpoint
    from tracker.runs.layout import runs_dir
    from tracker.runs.timefmt import parse_ts

    out = []
    for summary in list_runs(workdir):
        data = summary.to_dict()
        checkpoint = read_checkpoint(runs_dir(workdir) / summary.run_id) or {}
        if checkpoint.get("workflow_name"):
            data["workflow"] = str(checkpoint["workflow_name"])
        data.update(
            runId=summary.run_id,
            workdir=str(workdir),
            active=False,
            state=lifecycle_of(summary.status),
        )
        out.append((parse_ts(summary.timestamp) or 0.0, data))
    return out


def find_run_dir(workdirs: list[Path], run_id: str) -> Path | None:
    """The run directory ``run_id`` (or a unique prefix) names in one of ``workdirs``."""
    from tracker.runs.layout import RunLookupError, resolve_run

    for workdir in workdirs:
        try:
            return resolve_run(workdir, run_id)
        except RunLookupError:
            continue
    return None


def disk_snapshot(run_dir: Path) -> dict[str, Any] | None:
    """A ``tracker.runState``-shaped snapshot of a run read back from its directory (a CLI
    run, or one from an earlier server): node states replayed from its activity log."""
    from tracker.dippin import load_file
    from tracker.dippin.simulate import handler_and_shape
    from tracker.engine.events import from_wire
    from tracker.runs.activity import load_activity
    from tracker.runs.audit import classify, read_checkpoint

    checkpoint = read_checkpoint(run_dir)
    if checkpoint is None:
        return None
    run_id = str(checkpoint.get("run_id") or run_dir.name)
    nodes: list[tuple[str, str, str]] = []
    start = exit_ = ""
    captured = run_dir / "workflow.dip"
    workflow_name = str(checkpoint.get("workflow_name") or "")
    if captured.is_file():
        workflow = load_file(captured).workflow
        workflow_name = workflow_name or workflow.name
        start, exit_ = workflow.start, workflow.exit
        nodes = [(n.id, n.label, handler_and_shape(n, workflow)[0]) for n in workflow.nodes]
    states = NodeStates(run_id, nodes, start, exit_)
    log = load_activity(run_dir)
    for entry in log.entries:
        states.apply(from_wire(entry))
    for done in checkpoint.get("completed_nodes") or []:
        if states.nodes.get(done) is None or states.nodes[done].state == "pending":
            states.mark(str(done), "done")
    status = classify(log, checkpoint, run_id)
    if states.terminal_status:
        states.finish()
    data: dict[str, Any] = {
        "runId": run_dir.name,
        "workflow": workflow_name,
        "uri": None,
        "workdir": str(run_dir.parent.parent.parent),
        "runDir": str(run_dir),
        "state": lifecycle_of(status),
        "status": status,
        "active": False,
        "resumed": False,
        "startNode": states.start,
        "exitNode": states.exit,
        "currentNode": str(checkpoint.get("current_node", ""))
        if status not in SUCCESS_STATUSES
        else "",
        "nodes": states.nodes_data(),
        "pendingGates": [],
        "cost": states.cost_data(),
        "eventCount": len(log.entries),
    }
    if states.error:
        data["error"] = states.error
    return data
