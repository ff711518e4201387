"""The end-of-run summary (engine spec §8.7.4).

Printed after every CLI run (stdout; stderr with ``--json``)::

    ═══ Run Complete ═══
    Run ID / Status / Params / Duration / Run dir
    ─── Totals ───               agent turns, tool calls by name, files, compactions, tokens
    ─── Node Execution ───       one row per trace entry: status, time, turns, tools, cost
    ─── Tokens by Provider ───   input/output per provider, TOTAL, the cost line
    ─── Pipeline ───             the path taken
    ─── HALTED: budget exceeded ─── or the classified failure cause
    ─── Resume ───               ``tracker -r <run id> <workflow>`` unless the run succeeded

Turns, tool calls, per-node cost and the token totals come from the engine (trace
entries' ``NodeStats`` and the run-wide ``Usage`` that also feeds ``cost_updated`` and
``run.json``); files and compactions from a :class:`~tracker.runs.session_tally.SessionTally`.
Sections without content are left out.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from typing import TextIO

from tracker.engine.api import RunResult
from tracker.engine.budget import Usage
from tracker.engine.run import TraceEntry
from tracker.runs.failures import classify
from tracker.runs.session_tally import SessionTally
from tracker.runs.timefmt import human_duration

STATUS_ICONS = {"success": "✓", "fail": "✗", "retry": "↻", "error": "✗"}
NODE_WIDTH = 22
SUBSCRIPTION_PROVIDERS = frozenset({"claude-code"})
"""Providers billed by subscription: their spend is a usage estimate, not a charge."""


def number(n: int) -> str:
    """Comma grouping from 1 000 on (``12,345``)."""
    return f"{n:,}"


def rule(title: str) -> str:
    return f"\n─── {title} ───\n"


def tool_breakdown(calls: dict[str, int]) -> str:
    """``(bash: 5, write: 2)`` sorted by count, most first, then by name."""
    ordered = sorted(calls.items(), key=lambda item: (-item[1], item[0]))
    return "(" + ", ".join(f"{name}: {count}" for name, count in ordered) + ")"


def subscription_only(usage: Usage) -> bool:
    return bool(usage.by_provider) and set(usage.by_provider) <= SUBSCRIPTION_PROVIDERS


def status_line(result: RunResult) -> str:
    status = result.status
    if status == "validation_overridden" and result.overrides:
        last = result.overrides[-1]
        gate = "/".join([*last.subgraph_path, last.gate_node_id])
        return f'● validation_overridden — at {gate} (label "{last.label}")'
    if status == "paused_billing":
        return "⏸ paused — billing/quota (add credit, then resume)"
    return f"● {status}"


def _header(result: RunResult, w: Writer) -> None:
    w("\n═══ Run Complete ═══\n")
    w(f"Run ID:    {result.run_id}\n")
    w(f"Status:    {status_line(result)}\n")
    if result.params:
        w("Params:    " + ", ".join(f"{k}={v}" for k, v in sorted(result.params.items())) + "\n")
    if result.finished and result.started:
        w(f"Duration:  {human_duration(result.finished - result.started)}\n")
    if result.run_dir is not None:
        w(f"Run dir:   {result.run_dir}\n")


def _totals(result: RunResult, tally: SessionTally | None, w: Writer) -> None:
    turns = 0
    calls: dict[str, int] = {}
    for entry in result.trace:
        if entry.stats is None:
            continue
        turns += entry.stats.turns
        for name, count in entry.stats.tool_calls.items():
            calls[name] = calls.get(name, 0) + count
    total_calls = sum(calls.values())
    if not turns and not total_calls:
        return
    w(rule("Totals"))
    w(f"  LLM Turns:    {number(turns)}\n")
    w(f"  Tool Calls:   {number(total_calls)}" + (f"  {tool_breakdown(calls)}" if calls else "") + "\n")
    if tally is not None and (tally.created or tally.modified):
        w(f"  Files:        {number(len(tally.created))} created, {number(len(tally.modified))} modified\n")
    if tally is not None and tally.compactions:
        w(f"  Compactions:  {number(tally.compactions)}\n")
    usage = result.usage
    if usage is None or not usage.any:
        return
    tokens_in = sum(p.input_tokens for p in usage.by_provider.values())
    tokens_out = sum(p.output_tokens for p in usage.by_provider.values())
    if not tokens_in and not tokens_out:
        return
    line = f"  Tokens:       {number(tokens_in)} in / {number(tokens_out)} out"
    cost = usage.total_cost_usd
    if cost > 0:
        estimate = usage.estimated or subscription_only(usage)
        line += f"  (~${cost:.2f} usage)" if estimate else f"  (${cost:.2f})"
    w(line + "\n")


def _short_id(node_id: str) -> str:
    return node_id if len(node_id) <= NODE_WIDTH else node_id[: NODE_WIDTH - 3] + "..."


def _node_row(entry: TraceEntry) -> str:
    icon = STATUS_ICONS.get(entry.status, "•")
    stats = entry.stats
    turns = str(stats.turns) if stats is not None else "-"
    tools = str(sum(stats.tool_calls.values())) if stats is not None else "-"
    cost = f"${stats.cost_usd:.2f}" if stats is not None and stats.cost_usd > 0 else "-"
    status = f"{icon} {entry.status}"
    return (
        f"  {_short_id(entry.node_id):<{NODE_WIDTH}}  {status:<10}  {human_duration(entry.duration):>8}"
        f"  {turns:>5}  {tools:>5}  {cost:>7}  {entry.handler}\n"
    )


def _node_table(result: RunResult, w: Writer) -> None:
    if not result.trace:
        return
    w(rule("Node Execution"))
    w(f"  {'Node':<{NODE_WIDTH}}  {'Status':<10}  {'Time':>8}  {'Turns':>5}  {'Tools':>5}  {'Cost':>7}  Handler\n")
    for entry in result.trace:
        w(_node_row(entry))


def _providers(usage: Usage | None, w: Writer) -> None:
    if usage is None or not usage.any:
        return
    w(rule("Tokens by Provider"))
    w(f"  {'Provider':<24}  {'Input':>12}  {'Output':>12}\n")
    for name, totals in sorted(usage.by_provider.items()):
        label = f"{name} (estimated)" if totals.estimated else name
        w(f"  {label:<24}  {number(totals.input_tokens):>12}  {number(totals.output_tokens):>12}\n")
    tokens_in = sum(p.input_tokens for p in usage.by_provider.values())
    tokens_out = sum(p.output_tokens for p in usage.by_provider.values())
    w(f"  {'TOTAL':<24}  {number(tokens_in):>12}  {number(tokens_out):>12}\n")
    cost = usage.total_cost_usd
    if subscription_only(usage):
        w(f"  Est. usage: ~${cost:.4f} (Max subscription — no actual charge)\n")
    elif usage.estimated:
        w(f"  Cost: ~${cost:.4f}  (estimated — a provider did not report all usage, so part of it is a heuristic)\n")
    else:
        w(f"  Cost: ${cost:.4f}\n")


def _pipeline(trace: Sequence[TraceEntry], w: Writer) -> None:
    if not trace:
        return
    w(rule("Pipeline"))
    for i, entry in enumerate(trace):
        w(f"  {STATUS_ICONS.get(entry.status, '•')} {entry.node_id} ({human_duration(entry.duration)})\n")
        if i + 1 < len(trace):
            if entry.edge_to and entry.edge_to != trace[i + 1].node_id:
                w(f"  │ → {entry.edge_to}\n")
            w("  │\n")


def _outcome(result: RunResult, w: Writer) -> None:
    if result.success:
        return
    if result.status == "budget_exceeded":
        w(rule("HALTED: budget exceeded"))
        w(f"  reason: {result.error}\n")
        usage = result.usage
        if usage is not None and usage.any:
            w(f"  spent: {number(usage.total_tokens)} tokens, ${usage.total_cost_usd:.4f}\n")
        return
    cause = classify(result)
    w(f"\n{cause.heading}\n")
    for line in cause.detail:
        w(f"  {line}\n")
    for step in cause.next_steps:
        w(f"  → {step}\n")


def _resume(result: RunResult, workflow_arg: str, resume_flags: Sequence[str], w: Writer) -> None:
    if result.success or not result.run_id:
        return
    w(rule("Resume"))
    words = ["tracker", "-r", result.run_id, *resume_flags, workflow_arg or "<workflow.dip>"]
    w("  " + " ".join(shlex.quote(word) for word in words) + "\n")


class Writer:
    """Collects the summary text (one write to the stream at the end)."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def __call__(self, text: str) -> None:
        self.parts.append(text)

    def text(self) -> str:
        return "".join(self.parts)


def summary_text(
    result: RunResult,
    workflow_arg: str,
    *,
    tally: SessionTally | None = None,
    resume_flags: Sequence[str] = (),
) -> str:
    """The whole summary as text; ``resume_flags`` go into the resume command (``-w DIR``)."""
    w = Writer()
    _header(result, w)
    _totals(result, tally, w)
    _node_table(result, w)
    _providers(result.usage, w)
    _pipeline(result.trace, w)
    _outcome(result, w)
    _resume(result, workflow_arg, resume_flags, w)
    w("═" * 20 + "\n")
    return w.text()


def render_summary(
    result: RunResult,
    workflow_arg: str,
    out: TextIO,
    *,
    tally: SessionTally | None = None,
    resume_flags: Sequence[str] = (),
) -> None:
    """Write the summary to ``out``."""
    out.write(summary_text(result, workflow_arg, tally=tally, resume_flags=resume_flags))
    out.flush()
