"""``tracker list`` and ``tracker audit``: run summaries and the audit report (engine spec §8.7.1).

Status classification (D.11): a run's status is the terminal status of its latest
attempt — a run that failed, was resumed and then succeeded is ``success``. Without a
terminal event the checkpoint decides (a pending ``current_node`` means ``fail``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from tracker.runs.activity import ActivityLog, load_activity
from tracker.runs.layout import CHECKPOINT, run_dirs, secure_base
from tracker.runs.timefmt import clock, human_duration, parse_ts

NS = 1_000_000_000
TERMINAL_TYPES = ("pipeline_completed", "pipeline_failed", "budget_exceeded", "billing_paused")
SHORT_STATUS = {"success": "ok", "validation_overridden": "override", "budget_exceeded": "budget", "fail": "FAIL"}


def read_checkpoint(run_dir: Path) -> dict[str, Any] | None:
    """The run's checkpoint (run-directory copy, else the secure copy), or None."""
    for path in (run_dir / CHECKPOINT, secure_base() / run_dir.name / CHECKPOINT):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict):
            return data
    return None


def status_class(status: str) -> str:
    if status == "paused_billing":
        return "paused"
    if status in ("success", "validation_overridden"):
        return "succeeded"
    return "failed"


def classify(log: ActivityLog, checkpoint: dict[str, Any], run_id: str) -> str:
    """Terminal status of the latest attempt (engine spec §7.9.3 as amended by D.11)."""
    last_start = -1
    for i, entry in enumerate(log.entries):
        if entry.get("type") == "pipeline_started" and entry.get("run_id", run_id) == run_id:
            last_start = i
    for entry in reversed(log.entries[last_start + 1 if last_start >= 0 else 0 :]):
        if entry.get("type") in TERMINAL_TYPES and entry.get("terminal_status") and entry.get("run_id", run_id) == run_id:
            status = str(entry["terminal_status"])
            if status == "success" and any(e.get("type") == "validation_overridden" for e in log.entries[last_start + 1 :]):
                return "validation_overridden"
            return status
    if checkpoint.get("validation_overrides") and not checkpoint.get("current_node"):
        return "validation_overridden"
    return "fail" if checkpoint.get("current_node") else "success"


def _overrides(log: ActivityLog, checkpoint: dict[str, Any]) -> list[dict[str, Any]]:
    found = [
        {
            "gate_node_id": e.get("override_gate", ""),
            "label": e.get("override_label", ""),
            "actor": e.get("override_actor", ""),
            "subgraph_path": e.get("override_subgraph_path") or [],
            "timestamp": e.get("ts", ""),
        }
        for e in log.entries
        if e.get("type") == "validation_overridden"
    ]
    return found or list(checkpoint.get("validation_overrides") or [])


def _duration_ns(log: ActivityLog) -> int:
    stamps = [e["_ts"] for e in log.entries if e.get("_ts")]
    if len(stamps) < 2:
        return 0
    return int((max(stamps) - min(stamps)) * NS)


@dataclass
class RunSummary:
    run_id: str
    status: str
    status_class: str
    nodes: int
    retries: int
    restarts: int
    timestamp: str
    duration_ns: int = 0
    failed_at: str = ""
    bundle_identity: str = ""
    override_count: int = 0

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "run_id": self.run_id,
            "status": self.status,
            "status_class": self.status_class,
            "nodes": self.nodes,
            "retries": self.retries,
            "restarts": self.restarts,
            "timestamp": self.timestamp,
            "duration_ns": self.duration_ns,
        }
        if self.failed_at:
            data["failed_at"] = self.failed_at
        if self.bundle_identity:
            data["bundle_identity"] = self.bundle_identity
        if self.override_count:
            data["override_count"] = self.override_count
        return data


def summarize(run_dir: Path) -> RunSummary | None:
    checkpoint = read_checkpoint(run_dir)
    if checkpoint is None:
        return None
    log = load_activity(run_dir)
    run_id = str(checkpoint.get("run_id") or run_dir.name)
    status = classify(log, checkpoint, run_id)
    overrides = _overrides(log, checkpoint)
    return RunSummary(
        run_id=run_dir.name,
        status=status,
        status_class=status_class(status),
        nodes=len(checkpoint.get("completed_nodes") or []),
        retries=sum(int(v) for v in (checkpoint.get("retry_counts") or {}).values()),
        restarts=int(checkpoint.get("restart_count") or 0),
        timestamp=str(checkpoint.get("timestamp", "")),
        duration_ns=_duration_ns(log),
        failed_at=str(checkpoint.get("current_node", "")) if status in ("fail", "budget_exceeded") else "",
        bundle_identity=str(checkpoint.get("bundle_identity", "")),
        override_count=len(overrides),
    )


def list_runs(workdir: Path) -> list[RunSummary]:
    """Every run with a loadable checkpoint, newest checkpoint first."""
    out = [s for d in run_dirs(workdir) if (s := summarize(d)) is not None]
    out.sort(key=lambda s: parse_ts(s.timestamp) or 0.0, reverse=True)
    return out


@dataclass
class AuditReport:
    run_id: str
    status: str
    status_class: str
    total_duration_ns: int
    timeline: list[dict[str, Any]] = field(default_factory=list)
    retries: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    recommendations: list[str] = field(default_factory=list)
    completed_nodes: int = 0
    restart_count: int = 0
    checkpoint_timestamp: str = ""
    bundle_identity: str = ""
    validation_overrides: list[dict[str, Any]] = field(default_factory=list)
    override_count: int = 0
    failed_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "run_id": self.run_id,
            "status": self.status,
            "status_class": self.status_class,
            "total_duration_ns": self.total_duration_ns,
            "timeline": self.timeline,
        }
        if self.retries:
            data["retries"] = self.retries
        data["errors"] = self.errors
        data["recommendations"] = self.recommendations
        data["completed_nodes"] = self.completed_nodes
        data["restart_count"] = self.restart_count
        data["checkpoint_timestamp"] = self.checkpoint_timestamp
        if self.bundle_identity:
            data["bundle_identity"] = self.bundle_identity
        if self.validation_overrides:
            data["validation_overrides"] = self.validation_overrides
        if self.override_count:
            data["override_count"] = self.override_count
        return data


def gate_path(override: dict[str, Any]) -> str:
    return "/".join([*override.get("subgraph_path", []), str(override.get("gate_node_id", ""))])


def audit(run_dir: Path) -> AuditReport:
    checkpoint = read_checkpoint(run_dir)
    if checkpoint is None:
        raise FileNotFoundError(f"checkpoint not found for run {run_dir.name}")
    log = load_activity(run_dir)
    run_id = str(checkpoint.get("run_id") or run_dir.name)
    status = classify(log, checkpoint, run_id)
    timeline: list[dict[str, Any]] = []
    started: dict[str, float] = {}
    errors: list[dict[str, Any]] = []
    for e in log.entries:
        item: dict[str, Any] = {"ts": e.get("ts", ""), "type": e.get("type", "")}
        nid = e.get("node_id", "")
        if nid:
            item["node_id"] = nid
        if e.get("message"):
            item["message"] = e["message"]
        if e.get("type") == "stage_started" and nid:
            started[nid] = e["_ts"]
        elif e.get("type") in ("stage_completed", "stage_failed") and nid in started:
            item["duration_ns"] = int((e["_ts"] - started[nid]) * NS)
        timeline.append(item)
        if e.get("error"):
            err: dict[str, Any] = {"ts": e.get("ts", "")}
            if nid:
                err["node_id"] = nid
            err["message"] = str(e["error"])
            errors.append(err)
    retries = [{"node_id": k, "attempts": int(v)} for k, v in sorted((checkpoint.get("retry_counts") or {}).items())]
    overrides = _overrides(log, checkpoint)
    duration = _duration_ns(log)
    current = str(checkpoint.get("current_node", ""))
    recs: list[str] = []
    if overrides:
        recs.append("Completed via validation override — this does not mean the goal gates passed or the spec is met")
        recs += [f'Override at {gate_path(o)} via label "{o.get("label", "")}" by {o.get("actor", "unknown")}' for o in overrides]
    recs += [f"Consider adjusting retry_policy for {r['node_id']} (used {r['attempts']} retries)" for r in retries if r["attempts"] >= 2]
    restarts = int(checkpoint.get("restart_count") or 0)
    if restarts:
        recs.append(f"Pipeline restarted {restarts} time(s) — review loop conditions")
    if duration > 30 * 60 * NS:
        recs.append("Long-running pipeline — consider fidelity=summary:medium for faster resumes")
    if status == "fail" and current:
        recs.append(f"Pipeline failed at {current} — check error details above")
    elif status == "budget_exceeded" and current:
        recs.append(f"Pipeline halted (budget exceeded) at {current} — raise the budget or resume with a larger one")
    return AuditReport(
        run_id=run_id,
        status=status,
        status_class=status_class(status),
        total_duration_ns=duration,
        timeline=timeline,
        retries=retries,
        errors=errors,
        recommendations=recs,
        completed_nodes=len(checkpoint.get("completed_nodes") or []),
        restart_count=restarts,
        checkpoint_timestamp=str(checkpoint.get("timestamp", "")),
        bundle_identity=str(checkpoint.get("bundle_identity", "")),
        validation_overrides=overrides,
        override_count=len(overrides),
        failed_at=current if status in ("fail", "budget_exceeded") else "",
    )


# ----------------------------------------------------------------------------- text


def render_list(runs: list[RunSummary], out: TextIO) -> None:
    if not runs:
        out.write("No runs found. Run a pipeline first.\n")
        return
    header = f"{'Run ID':<14}  {'Status':<9}  {'Nodes':>5}  {'Retries':>7}  {'Duration':>9}  {'Bundle':<27}  Failed At"
    out.write(header + "\n")
    out.write("─" * len(header) + "\n")
    for s in runs:
        duration = human_duration(s.duration_ns / NS) if s.duration_ns else ""
        bundle = (s.bundle_identity[:23] + "...") if s.bundle_identity else ""
        status = SHORT_STATUS.get(s.status, s.status)
        out.write(f"{s.run_id[:14]:<14}  {status:<9}  {s.nodes:>5}  {s.retries:>7}  {duration:>9}  {bundle:<27}  {s.failed_at}".rstrip() + "\n")
    out.write(f"\n  {len(runs)} runs total\n")
    out.write("  Inspect a run: tracker audit <runID>\n")


def render_audit(report: AuditReport, out: TextIO) -> None:
    w = out.write
    w("═══ Audit Report ═══\n")
    w(f"Run ID:     {report.run_id}\n")
    if report.bundle_identity:
        w(f"Bundle:     {report.bundle_identity}\n")
    status = report.status
    if report.validation_overrides:
        last = report.validation_overrides[-1]
        status += f' (label "{last.get("label", "")}" at {gate_path(last)} by {last.get("actor", "unknown")})'
    w(f"Status:     {status}\n")
    w(f"Nodes:      {report.completed_nodes} completed\n")
    w(f"Restarts:   {report.restart_count}\n")
    ts = parse_ts(report.checkpoint_timestamp)
    if ts:
        from datetime import datetime

        w(f"Timestamp:  {datetime.fromtimestamp(ts).astimezone().strftime('%Y-%m-%d %H:%M:%S %Z')}\n")
    for o in report.validation_overrides:
        w(f"Override:   {gate_path(o)} → {o.get('label', '')}\n")
    w("\n─── Timeline ───\n")
    if not report.timeline:
        w("(no activity recorded)\n")
    for item in report.timeline:
        t = parse_ts(item["ts"]) or 0.0
        kind = item["type"]
        nid = item.get("node_id", "")
        if kind in ("pipeline_started", "pipeline_completed", "pipeline_failed", "loop_restart") or not nid:
            line = f"{clock(t)}  ▶ {kind}"
        else:
            line = f"{clock(t)}  ▸ {nid} — {kind}"
        if "duration_ns" in item:
            line += f" ({human_duration(item['duration_ns'] / NS)})"
        w(line + "\n")
    if report.timeline:
        w(f"Total: {human_duration(report.total_duration_ns / NS)}\n")
    w("\n─── Retries ───\n")
    if not report.retries:
        w("(none)\n")
    for r in report.retries:
        n = r["attempts"]
        w(f"{r['node_id']}:  {n} {'retry' if n == 1 else 'retries'}\n")
    w("\n─── Errors ───\n")
    if not report.errors:
        w("(none)\n")
    for e in report.errors:
        t = parse_ts(e["ts"]) or 0.0
        first = str(e["message"]).strip().splitlines()[0] if str(e["message"]).strip() else ""
        w(f"{clock(t)}  [{e.get('node_id') or 'pipeline'}] {first}\n")
    w("\n─── Recommendations ───\n")
    if not report.recommendations:
        w("(none)\n")
    for rec in report.recommendations:
        w(f"• {rec}\n")


def most_recent_run(workdir: Path) -> Path:
    """The run whose checkpoint has the latest timestamp."""
    from tracker.runs.layout import RunLookupError, runs_dir

    if not runs_dir(workdir).is_dir():
        raise RunLookupError("no runs found — run a pipeline first")
    best: tuple[float, Path] | None = None
    for d in run_dirs(workdir):
        checkpoint = read_checkpoint(d)
        if checkpoint is None:
            continue
        ts = parse_ts(str(checkpoint.get("timestamp", ""))) or 0.0
        if best is None or ts > best[0]:
            best = (ts, d)
    if best is None:
        raise RunLookupError("no runs found with valid checkpoints")
    return best[1]
