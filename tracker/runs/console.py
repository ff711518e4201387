"""What a run prints without the live view: one line per event (engine spec §7.3.5).

* Pipeline events: ``[HH:MM:SS] <type left-justified to 22> node=<id left-justified to 20>
  <message>`` (no ``node=`` part without a node), `` (err: <first error line>)`` appended;
  consecutive resumed completions fold into one ``  ✓ resumed N completed nodes: …`` line.
* Agent events: ``[HH:MM:SS] [<node>] <line>`` with the lines of
  :mod:`tracker.runs.agent_lines` (tool calls and results, errors, verification, status
  notes, compactions, failovers, steering) and the agent's text of each turn
  (``text_delta``, at most :data:`~tracker.runs.agent_lines.TEXT_LINE_LIMIT` lines).
  Streamed deltas, request bodies and turn bookkeeping are not printed.
* ``--verbose`` adds per-turn token lines, LLM request/finish lines (also for calls made
  outside agent sessions, such as the autopilot judge) and raw provider frames.

The end-of-run summary is :mod:`tracker.runs.summary`.
"""

from __future__ import annotations

import sys
from typing import TextIO

from tracker.engine import events as ev
from tracker.runs.agent_lines import agent_line, llm_line, text_lines, turn_line
from tracker.runs.timefmt import clock


class PlainPrinter:
    """An event sink printing the console lines of a run."""

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
            self.out.write(pipeline_line(event) + "\n")
        else:
            lines = self._lines(event)
            if not lines:
                return
            self._flush_resumed()
            head = f"[{clock(event.ts)}] " + (f"[{event.node_id}] " if event.node_id else "")
            self.out.write("".join(f"{head}{line}\n" for line in lines))
        self.out.flush()

    def _lines(self, event: ev.Event) -> list[str]:
        if event.source == ev.SOURCE_AGENT:
            if event.type == "text_delta":
                return text_lines(event.content)
            line = agent_line(event)
            if not line and self.verbose:
                line = turn_line(event) if event.type == "turn_metrics" else llm_line(event)
            return [line] if line else []
        if event.source == ev.SOURCE_LLM and self.verbose:
            line = llm_line(event)
            return [f"llm {line}"] if line else []
        return []


def pipeline_line(event: ev.Event) -> str:
    head = f"[{clock(event.ts)}] {event.type:<22} "
    if event.node_id:
        head += f"node={event.node_id:<20} "
    line = head + (event.message or _gate_text(event))
    if event.error and event.error not in event.message:
        first = event.error.strip().splitlines()[0] if event.error.strip() else event.error
        line += f" (err: {first})"
    return line.rstrip()


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
