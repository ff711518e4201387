"""What a run prints without the live view: event lines and the end-of-run summary.

Event lines follow the reference's plain mode (engine spec §7.3.5):
``[HH:MM:SS] <type> node=<id> <message>``, with consecutive resumed completions folded
into one ``✓ resumed N completed nodes`` line. The summary (§8.7.4) lists the status,
each node execution, the path taken and, after a failure, how to resume.
"""

from __future__ import annotations

import sys
from typing import TextIO

from tracker.engine import events as ev
from tracker.engine.api import RunResult
from tracker.runs.timefmt import clock, human_duration

STATUS_ICONS = {"success": "✓", "fail": "✗", "retry": "↻", "error": "✗"}


class PlainPrinter:
    """An event sink printing one line per pipeline event (and agent lines)."""

    def __init__(self, out: TextIO | None = None, *, verbose: bool = False) -> None:
        self.out = out or sys.stdout
        self.verbose = verbose
        self._resumed: list[str] = []

    def _flush_resumed(self) -> None:
        if self._resumed:
            self.out.write(f"  ✓ resumed {len(self._resumed)} completed nodes: {', '.join(self._resumed)}\n")
            self._resumed = []

    def __call__(self, event: ev.Event) -> None:
        if event.source == ev.SOURCE_PIPELINE:
            if event.type == ev.STAGE_COMPLETED and "previously completed" in event.message:
                self._resumed.append(event.node_id)
                return
            self._flush_resumed()
            head = f"[{clock(event.ts)}] {event.type:<22} "
            if event.node_id:
                head += f"node={event.node_id:<20} "
            line = head + (event.message or _gate_text(event))
            if event.error and event.error not in event.message:
                first = event.error.strip().splitlines()[0] if event.error.strip() else event.error
                line += f" (err: {first})"
            self.out.write(line.rstrip() + "\n")
        elif event.source == ev.SOURCE_AGENT:
            text = event.content or event.message or event.error
            if text:
                self.out.write(f"[{clock(event.ts)}] [{event.node_id}] {event.type}: {text.splitlines()[0]}\n")
        elif self.verbose and event.source == ev.SOURCE_LLM and event.content:
            self.out.write(f"[{clock(event.ts)}] {event.type}: {event.content.splitlines()[0]}\n")
        self.out.flush()


def _gate_text(event: ev.Event) -> str:
    if event.type == ev.GATE_OPENED:
        choices = f" — {', '.join(event.gate_choices)}" if event.gate_choices else ""
        return f"waiting for an answer ({event.gate_mode}){choices}"
    if event.type == ev.GATE_RESOLVED:
        if event.gate_timed_out:
            return f"timed out → {event.gate_outcome}"
        answer = (event.gate_response or "").splitlines()[0] if event.gate_response else ""
        return f"answered by {event.gate_actor}: {answer} → {event.gate_outcome}".replace(":  →", " →")
    return ""


def failure_title(result: RunResult) -> str:
    """The classified cause printed on the last stderr line (``error: <icon> <title>``)."""
    text = result.error.lower()
    if result.status == "paused_billing":
        return "💳 Billing / quota exhausted"
    if result.status == "budget_exceeded":
        return "✗ Run halted: budget exceeded"
    if "timed out" in text:
        return "⏱️ Timed out"
    return "✗ Run failed"


def strip_error(text: str) -> str:
    for prefix in ("pipeline execution: ", "pipeline finished with status: "):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    if text.startswith("handler error at node "):
        _, _, rest = text.partition(": ")
        text = rest or text
    return text


def render_summary(result: RunResult, workflow_arg: str, out: TextIO) -> None:
    w = out.write
    w("\n═══ Run Complete ═══\n")
    w(f"Run ID:    {result.run_id}\n")
    status = result.status
    if status == "success":
        shown = "● success"
    elif status == "validation_overridden" and result.overrides:
        last = result.overrides[-1]
        shown = f'● validation_overridden — at {"/".join([*last.subgraph_path, last.gate_node_id])} (label "{last.label}")'
    elif status == "paused_billing":
        shown = "⏸ paused — billing/quota (add credit, then resume)"
    else:
        shown = f"● {status}"
    w(f"Status:    {shown}\n")
    if result.params:
        w("Params:    " + ", ".join(f"{k}={v}" for k, v in sorted(result.params.items())) + "\n")
    if result.finished and result.started:
        w(f"Duration:  {human_duration(result.finished - result.started)}\n")
    if result.run_dir is not None:
        w(f"Run dir:   {result.run_dir}\n")
    usage = result.usage
    if usage is not None and usage.any:
        w("\n─── Tokens by Provider ───\n")
        for name, totals in sorted(usage.by_provider.items()):
            w(f"  {name:<16} {totals.input_tokens:>10,} in {totals.output_tokens:>10,} out\n")
        w(f"  Cost: ${usage.total_cost_usd:.4f}\n")
    if result.trace:
        w("\n─── Node Execution ───\n")
        for entry in result.trace:
            name = entry.node_id if len(entry.node_id) <= 22 else entry.node_id[:19] + "..."
            icon = STATUS_ICONS.get(entry.status, "•")
            w(f"  {name:<22} {icon} {entry.status:<8} {human_duration(entry.duration):>8}  {entry.handler}\n")
        w("\n─── Pipeline ───\n")
        parts = []
        for i, entry in enumerate(result.trace):
            part = f"{STATUS_ICONS.get(entry.status, '•')} {entry.node_id} ({human_duration(entry.duration)})"
            following = result.trace[i + 1].node_id if i + 1 < len(result.trace) else ""
            if entry.edge_to and entry.edge_to != following:
                part += f" │ → {entry.edge_to}"
            parts.append(part)
        w("  " + " │ ".join(parts) + "\n")
    if status == "budget_exceeded":
        w("\n─── HALTED: budget exceeded ───\n")
        w(f"  reason: {result.error}\n")
    elif not result.success:
        w(f"\n{failure_title(result)}\n")
        if result.error:
            w(f"  {strip_error(result.error)}\n")
    if not result.success:
        w("\n─── Resume ───\n")
        w(f"  tracker -r {result.run_id} {workflow_arg}\n")
    w("═" * 20 + "\n")
    out.flush()
