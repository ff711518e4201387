"""``tracker diagnose``: why a run failed and what to try (engine spec §8.7.2).

Failed nodes come from ``<node>/status.json`` files whose outcome is ``fail`` and from
``stage_failed`` events carrying an error (handler errors write no status file). For each
one the report shows its output, stderr, errors and whether repeated failures were
identical (a deterministic bug) or varied (a flaky step); anomaly events (truncated
output, missing markers/routes, conditional fallthroughs), budget halts, overrides and
tampered audit lines add their own suggestions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from tracker.runs.activity import load_activity
from tracker.runs.audit import gate_path, read_checkpoint
from tracker.runs.layout import RUN_JSON
from tracker.runs.timefmt import human_duration

ANOMALY_TYPES = ("tool_output_truncated", "conditional_fallthrough", "tool_marker_missing", "tool_route_missing", "auto_status_missing")


@dataclass
class Suggestion:
    node_id: str
    kind: str
    message: str

    def to_dict(self) -> dict[str, str]:
        data = {"kind": self.kind, "message": self.message}
        if self.node_id:
            data["node_id"] = self.node_id
        return data


@dataclass
class NodeFailure:
    node_id: str
    handler: str = ""
    duration_ns: int = 0
    attempts: int = 0
    identical: bool = False
    output: str = ""
    stderr: str = ""
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "node_id": self.node_id,
            "handler": self.handler,
            "duration_ns": self.duration_ns,
            "retry_count": self.attempts,
            "identical_retries": self.identical,
            "output": self.output,
            "stderr": self.stderr,
            "errors": self.errors,
        }


@dataclass
class DiagnoseReport:
    run_id: str
    completed_nodes: int
    failures: list[NodeFailure] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)
    budget_halt: dict[str, Any] | None = None
    overrides: list[dict[str, Any]] = field(default_factory=list)
    unpriced_models: list[str] = field(default_factory=list)
    injected_lines: int = 0

    @property
    def clean(self) -> bool:
        return not (self.failures or self.budget_halt or self.overrides or self.unpriced_models)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "run_id": self.run_id,
            "completed_nodes": self.completed_nodes,
            "failures": [f.to_dict() for f in self.failures],
            "suggestions": [s.to_dict() for s in self.suggestions],
        }
        if self.budget_halt:
            data["budget_halt"] = self.budget_halt
        if self.overrides:
            data["validation_overrides"] = self.overrides
        if self.unpriced_models:
            data["unpriced_models"] = self.unpriced_models
        if self.injected_lines:
            data["injected_lines"] = self.injected_lines
        return data


def _status_files(run_dir: Path) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(run_dir.rglob("status.json")):
        node_id = str(path.parent.relative_to(run_dir))
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict):
            out[node_id] = data
    return out


def diagnose(run_dir: Path) -> DiagnoseReport:
    checkpoint = read_checkpoint(run_dir)
    if checkpoint is None:
        raise FileNotFoundError(f"checkpoint not found for run {run_dir.name}")
    log = load_activity(run_dir)
    report = DiagnoseReport(
        run_id=str(checkpoint.get("run_id") or run_dir.name),
        completed_nodes=len(checkpoint.get("completed_nodes") or []),
        injected_lines=log.injected if log.secure else 0,
    )
    statuses = _status_files(run_dir)
    failed: dict[str, NodeFailure] = {}
    for nid, data in statuses.items():
        if data.get("outcome") == "fail":
            updates = data.get("context_updates") or {}
            failed[nid] = NodeFailure(nid, output=str(updates.get("tool_stdout", "")), stderr=str(updates.get("tool_stderr", "")))

    started: dict[str, float] = {}
    kinds: dict[str, str] = {}
    signatures: dict[str, list[str]] = {}
    last_outcome: dict[str, dict[str, str]] = {}
    anomalies: list[dict[str, Any]] = []
    for e in log.entries:
        nid = str(e.get("node_id", ""))
        kind = e.get("type")
        if kind == "stage_started" and nid:
            started[nid] = e["_ts"]
            if e.get("node_kind"):
                kinds[nid] = str(e["node_kind"])
        elif kind == "decision_outcome" and nid:
            last_outcome[nid] = dict(e.get("context_updates") or {})
        elif kind == "stage_failed" and nid:
            error = str(e.get("error", ""))
            if error and nid not in failed:
                failed[nid] = NodeFailure(nid)
            if nid in failed:
                updates = last_outcome.get(nid, {})
                signature = error or (updates.get("tool_stderr", "") + "\x00" + updates.get("tool_stdout", ""))
                signatures.setdefault(nid, []).append(signature)
                if nid in started:
                    failed[nid].duration_ns = int((e["_ts"] - started[nid]) * 1e9)
        elif kind == "budget_exceeded":
            report.budget_halt = {
                "message": e.get("message", ""),
                "total_tokens": e.get("total_tokens", 0),
                "total_cost_usd": e.get("total_cost_usd", 0.0),
                "wall_elapsed_ms": e.get("wall_elapsed_ms", 0),
            }
        elif kind == "validation_overridden":
            report.overrides.append(
                {
                    "gate_node_id": e.get("override_gate", ""),
                    "label": e.get("override_label", ""),
                    "actor": e.get("override_actor", ""),
                    "subgraph_path": e.get("override_subgraph_path") or [],
                }
            )
        if kind in ANOMALY_TYPES:
            anomalies.append(e)
        if e.get("error") and nid in failed and str(e["error"]) not in failed[nid].errors:
            failed[nid].errors.append(str(e["error"]))
    for nid, failure in failed.items():
        failure.handler = kinds.get(nid, failure.handler)
        sigs = signatures.get(nid, [])
        failure.attempts = len(sigs)
        failure.identical = len(sigs) >= 2 and len(set(sigs)) == 1
        if not failure.output and not failure.stderr and nid in last_outcome:
            failure.output = last_outcome[nid].get("tool_stdout", "")
            failure.stderr = last_outcome[nid].get("tool_stderr", "")
    report.failures = [failed[n] for n in sorted(failed)]
    try:
        manifest = json.loads((run_dir / RUN_JSON).read_text(encoding="utf-8"))
        report.unpriced_models = list((manifest.get("totals") or {}).get("unpriced_models") or [])
    except (OSError, ValueError, AttributeError):
        pass
    report.suggestions = _suggestions(report, anomalies)
    return report


def _suggestions(report: DiagnoseReport, anomalies: list[dict[str, Any]]) -> list[Suggestion]:
    out: list[Suggestion] = []
    for f in report.failures:
        nid = f.node_id
        if f.identical:
            out.append(Suggestion(nid, "retry_pattern", f"{nid} failed {f.attempts} times with identical output — a deterministic bug; fix the command or its inputs rather than retrying"))
        elif f.attempts >= 3:
            out.append(Suggestion(nid, "retry_pattern", f"{nid} failed {f.attempts} times with varying output — looks flaky; check for timing or environment dependence"))
        if "ESCALATE" in f.output and "fix attempts" in f.output:
            out.append(Suggestion(nid, "escalate_limit", f"{nid} hit its persisted fix-attempt limit; reset the counter file it mentions to try again"))
        if not (f.output or f.stderr or f.errors):
            out.append(Suggestion(nid, "no_output", f"{nid} failed without output; search the activity log: grep '\"node_id\":\"{nid}\"' activity.jsonl"))
        if "command not found" in f.stderr or "No such file or directory" in f.stderr:
            out.append(Suggestion(nid, "shell_command", f"{nid}: a command or file is missing — check PATH, the working directory and the script's paths"))
        if "FAIL" in f.output and "go test" in f.output:
            out.append(Suggestion(nid, "go_test", f"{nid}: Go tests failed — run the failing test locally with -run and -v"))
        if f.handler and f.handler != "tool" and 0 < f.duration_ns < 50_000_000:
            out.append(Suggestion(nid, "suspicious_timing", f"{nid} ({f.handler}) failed in under 50 ms — likely a configuration problem, not real work"))
    if report.budget_halt:
        out.append(Suggestion("", "budget", "the run stopped at a budget limit; resume with a larger --max-tokens/--max-cost/--max-wall-time"))
    if report.injected_lines:
        out.append(Suggestion("", "audit_log_injection", f"{report.injected_lines} line(s) of the secure activity log lack the runtime sentinel — treat the audit trail as compromised"))
    latest: dict[tuple[str, str], tuple[dict[str, Any], int]] = {}
    for e in anomalies:
        key = (str(e.get("node_id", "")), str(e.get("type", "")))
        count = latest.get(key, (e, 0))[1] + 1
        latest[key] = (e, count)
    for (nid, kind), (e, count) in latest.items():
        times = f" ({count} times)" if count > 1 else ""
        if kind == "tool_output_truncated":
            out.append(Suggestion(nid, kind, f"{nid}: {e.get('trunc_stream', 'output')} was truncated to {e.get('trunc_limit', 0)} bytes{times} — raise output_limit if routing depends on it"))
        elif kind == "conditional_fallthrough":
            out.append(Suggestion(nid, kind, f"{nid}: no condition matched and the run fell back to an unconditional edge{times} — check the values the conditions test"))
        elif kind == "tool_marker_missing":
            what = "is invalid" if e.get("marker_error") else "matched nothing"
            out.append(Suggestion(nid, kind, f"{nid}: marker_grep {e.get('marker_pattern', '')!r} {what}{times}"))
        elif kind == "tool_route_missing":
            out.append(Suggestion(nid, kind, f"{nid}: route_required is set but the command printed no _TRACKER_ROUTE= line{times}"))
        elif kind == "auto_status_missing":
            closed = "failed the goal gate closed" if e.get("auto_status_fail_closed") else "defaulted to success"
            out.append(Suggestion(nid, kind, f"{nid}: no STATUS line in the agent's reply; the verdict {closed}{times}"))
    return out


def render(report: DiagnoseReport, out: TextIO) -> None:
    w = out.write
    w("tracker diagnose\n\n")
    w(f"Run ID: {report.run_id}\n")
    w(f"Nodes: {report.completed_nodes} completed\n")
    halt = report.budget_halt
    if halt:
        w("\n━━━ Budget halt detected ━━━\n")
        w(f"  breach:      {halt.get('message', '')}\n")
        w(f"  tokens used: {halt.get('total_tokens', 0)}\n")
        w(f"  cost:        ${float(halt.get('total_cost_usd') or 0):.4f}\n")
        w(f"  wall time:   {halt.get('wall_elapsed_ms', 0)}ms\n")
        w("  → raise --max-tokens / --max-cost / --max-wall-time and resume with tracker -r\n")
    if report.overrides:
        w("\n─── Validation Override ─────\n")
        for o in report.overrides:
            w(f"  Gate:  {gate_path(o)}\n  Label: \"{o.get('label', '')}\"\n  Actor: {o.get('actor', '')}\n")
    if report.unpriced_models:
        w("\n─── Unpriced Usage ─────\n")
        w("  models billed at $0 (a cost ceiling could not bound them): " + ", ".join(report.unpriced_models) + "\n")
    if report.clean:
        w("\nNo failures found — this run completed cleanly.\n")
        return
    if report.failures:
        w(f"\nFailures: {len(report.failures)}\n")
        for f in report.failures:
            w(f"\n✗ {f.node_id}\n")
            if f.handler:
                w(f"  Handler: {f.handler}\n")
            if f.duration_ns:
                label = "Duration (last)" if f.attempts >= 2 else "Duration"
                w(f"  {label}: {human_duration(f.duration_ns / 1e9)}\n")
            if f.attempts:
                w(f"  Attempts: {f.attempts} failures" + (" (all identical — deterministic)" if f.identical else "") + "\n")
            for title, text in (("Output", f.output), ("Stderr", f.stderr)):
                lines = [ln for ln in text.splitlines() if ln.strip()]
                if lines:
                    w(f"  {title}:\n")
                    for ln in lines[-20:]:
                        w(f"    {ln}\n")
            if f.errors:
                w("  Errors:\n")
                for err in f.errors:
                    w(f"    {err.strip().splitlines()[0] if err.strip() else err}\n")
            elif not (f.output or f.stderr):
                w("  No error details captured — node may have failed silently\n")
        w("\n─── Suggestions ───\n")
        shown = [s for s in report.suggestions if s.kind != "budget"]
        if not shown:
            w("(none)\n")
        for s in shown:
            w(f"→ {s.message}\n")
