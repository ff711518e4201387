"""The live terminal view of a run (rich): node list with states, streaming activity, cost.

Shown when stdout is a terminal. Node states follow the reference dashboard (engine spec
§9.3): ○ pending, ◉ running, ● done, ✖ failed, ↻ retrying, ⊘ skipped (never reached).
Gates pause the view while the person answers.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

from tracker.engine import events as ev
from tracker.engine.graph import RuntimeGraph
from tracker.runs.timefmt import clock

LAMPS = {
    "pending": ("○", "dim"),
    "running": ("◉", "yellow"),
    "done": ("●", "green"),
    "failed": ("✖", "red"),
    "retrying": ("↻", "yellow"),
    "skipped": ("⊘", "dim"),
}


def node_order(graph: RuntimeGraph) -> list[str]:
    """Start first, then breadth-first over non-restart edges, leftovers, exit last."""
    seen: list[str] = []
    known: set[str] = set()
    queue = [graph.start] if graph.start in graph.nodes else []
    while queue:
        nid = queue.pop(0)
        if nid in known or nid not in graph.nodes:
            continue
        known.add(nid)
        seen.append(nid)
        queue += [e.target for e in graph.out(nid) if not e.restart]
    seen += [n for n in graph.nodes if n not in known]
    if graph.exit in seen:
        seen.remove(graph.exit)
        seen.append(graph.exit)
    return seen


class LiveView:
    """An event sink that redraws a rich Live display."""

    def __init__(self, graph: RuntimeGraph, console: Any = None, *, title: str = "") -> None:
        from rich.console import Console
        from rich.live import Live

        self.console = console or Console()
        self.graph = graph
        self.title = title or graph.name
        self.order = node_order(graph)
        self.state: dict[str, str] = dict.fromkeys(self.order, "pending")
        self.note: dict[str, str] = {}
        self.lines: deque[tuple[str, str]] = deque(maxlen=400)
        self.run_id = ""
        self.cost = 0.0
        self.tokens = 0
        self.started = time.monotonic()
        self.final = ""
        self.live = Live(self, console=self.console, refresh_per_second=8, transient=False, auto_refresh=True)

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        self.live.start()

    def stop(self) -> None:
        for nid, state in self.state.items():
            if state == "pending":
                self.state[nid] = "skipped"
        self.live.refresh()
        self.live.stop()

    def pause(self, paused: bool) -> None:
        if paused:
            self.live.stop()
        else:
            self.live.start()

    # ------------------------------------------------------------------ events

    def _add(self, text: str, style: str = "") -> None:
        self.lines.append((text, style))

    def __call__(self, event: ev.Event) -> None:
        t = event.type
        nid = event.node_id
        if event.source != ev.SOURCE_PIPELINE:
            text = event.content or event.message
            if text:
                self._add(f"[{nid}] {text.splitlines()[0]}", "dim")
            return
        if t == ev.PIPELINE_STARTED:
            self.run_id = event.run_id
            for done in event.snapshot_completed_nodes or []:
                self.state[done] = "done"
        if nid and nid not in self.state:
            parent = nid.rsplit("/", 1)[0]
            index = self.order.index(parent) + 1 if parent in self.order else len(self.order)
            while index < len(self.order) and self.order[index].startswith(parent + "/"):
                index += 1
            self.order.insert(index, nid)
            self.state[nid] = "pending"
        if t == ev.STAGE_STARTED:
            self.state[nid] = "running"
            self.note.pop(nid, None)
        elif t == ev.STAGE_COMPLETED:
            self.state[nid] = "done"
        elif t in (ev.STAGE_FAILED, ev.WORK_PRESERVE_FAILED):
            self.state[nid] = "failed"
            if event.error or event.message:
                self.note[nid] = (event.error or event.message).splitlines()[0][:60]
        elif t == ev.STAGE_RETRYING:
            self.state[nid] = "retrying"
        elif t == ev.COST_UPDATED:
            self.cost = event.total_cost_usd
            self.tokens = event.total_tokens
        elif t == ev.GATE_OPENED:
            self._add(f"⏸ gate {nid}: waiting for an answer", "yellow")
        elif t == ev.GATE_RESOLVED:
            self._add(f"▶ gate {nid}: {event.gate_response or event.gate_outcome} ({event.gate_actor})", "yellow")
        if event.terminal_status:
            self.final = event.terminal_status
        style = "red" if t in (ev.STAGE_FAILED, ev.PIPELINE_FAILED) or event.error else ""
        if t not in (ev.CHECKPOINT_SAVED, ev.DECISION_OUTCOME, ev.COST_UPDATED):
            where = f"{nid} " if nid else ""
            self._add(f"{clock(event.ts)} {t:<20} {where}{event.message}".rstrip(), style)

    # ------------------------------------------------------------------ rendering

    def __rich__(self) -> Any:
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        elapsed = int(time.monotonic() - self.started)
        header = Text.assemble(
            (f" {self.title} ", "bold reverse"),
            (f"  run {self.run_id}" if self.run_id else "", "dim"),
            (f"  ${self.cost:.2f} · {self.tokens:,} tokens" if self.tokens else "", "yellow"),
            (f"  {elapsed // 60}m{elapsed % 60:02d}s", "dim"),
        )
        nodes = Table.grid(padding=(0, 1))
        nodes.add_column(no_wrap=True)
        nodes.add_column(no_wrap=True)
        for nid in self.order:
            lamp, style = LAMPS[self.state.get(nid, "pending")]
            depth = nid.count("/")
            node = self.graph.nodes.get(nid)
            name = (node.label or nid) if node is not None else nid.rsplit("/", 1)[-1]
            label = Text("  " * depth + name, style=style if self.state.get(nid) != "done" else "")
            if nid in self.note:
                label.append(f"  {self.note[nid]}", style="red dim")
            nodes.add_row(Text(lamp, style=style), label)
        height = max(8, min(len(self.order), self.console.size.height - 6))
        activity = Text()
        for text, style in list(self.lines)[-height:]:
            activity.append(text[: max(20, self.console.size.width - 40)] + "\n", style=style)
        body = Table.grid(padding=(0, 2), expand=True)
        body.add_column(ratio=1, no_wrap=True)
        body.add_column(ratio=3)
        body.add_row(nodes, activity)
        parts: list[Any] = [header, body]
        if self.final:
            color = "green" if self.final in ("success", "validation_overridden") else "red"
            parts.append(Text(f"● {self.final}", style=f"bold {color}"))
        return Group(*parts)
