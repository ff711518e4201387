"""The live terminal view of a run (rich): node list with states, streaming activity, cost.

Shown when stdout is a terminal (engine spec §9, Appendix D.14: the information of the
reference's dashboard, not its key bindings).

* **Node list.** ○ pending, ◉ running, ● done, ✖ failed, ↻ retrying, ⊘ skipped (never
  reached). A running agent node shows its turn, tool-call count, cost so far and what it
  is doing (``▸ bash 2.1s``, ``thinking 3s``, ``waiting for provider``); a finished one
  its cost badge; a failed one the error.
* **Activity log.** Pipeline events, and per agent node: the assistant's text streamed
  line by line, reasoning (dim), tool calls ``▸ <summary>`` with short results
  (``  ✓ tool``, up to four dimmed output lines, ``  ✓ tool (N lines)``, ``  ✗ tool:
  <error>``), errors, verification, status notes, compactions. A ``─── <node>`` separator
  marks where the log switches to another node's agent. Partial lines and one activity
  row per busy node sit under the log.
* **Header.** Run ID, tokens and cost so far (the last ``cost_updated`` totals plus the
  running nodes' per-turn usage), elapsed time.

Gates pause the view while the person answers.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from tracker.engine import events as ev
from tracker.engine.graph import RuntimeGraph
from tracker.runs.agent_lines import (
    agent_line,
    llm_line,
    output_lines,
    text_lines,
    tool_failed,
    tool_summary,
)
from tracker.runs.timefmt import clock

LAMPS = {
    "pending": ("○", "dim"),
    "running": ("◉", "yellow"),
    "done": ("●", "green"),
    "failed": ("✖", "red"),
    "retrying": ("↻", "yellow"),
    "skipped": ("⊘", "dim"),
}
LOG_LIMIT = 2_000
INLINE_OUTPUT_LINES = 4
COST_BADGE_MIN = 0.001


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


@dataclass
class AgentActivity:
    """What one node's agent session has done in its current execution."""

    turns: int = 0
    tools: int = 0
    cost: float = 0.0
    tokens: int = 0
    doing: str = ""  # "", "waiting", "thinking", "tool"
    tool: str = ""
    since: float = 0.0
    text: str = ""  # streamed text not yet committed (no newline yet)
    reasoning: str = ""
    streamed: bool = False  # llm_text deltas arrived since the last text_delta

    def set(self, doing: str, tool: str = "") -> None:
        if doing != self.doing or tool != self.tool:
            self.doing, self.tool, self.since = doing, tool, time.monotonic()

    def status(self) -> str:
        elapsed = time.monotonic() - self.since
        if self.doing == "tool":
            return f"▸ {self.tool} {elapsed:.1f}s"
        if self.doing == "thinking":
            return f"thinking {int(elapsed)}s"
        if self.doing == "waiting":
            return "waiting for provider…"
        return ""


class LiveView:
    """An event sink that redraws a rich Live display."""

    def __init__(self, graph: RuntimeGraph, console: Any = None, *, title: str = "", verbose: bool = False) -> None:
        from rich.console import Console
        from rich.live import Live

        self.console = console or Console()
        self.graph = graph
        self.title = title or graph.name
        self.verbose = verbose
        self.order = node_order(graph)
        self.state: dict[str, str] = dict.fromkeys(self.order, "pending")
        self.note: dict[str, str] = {}
        self.lines: deque[tuple[str, str, str]] = deque(maxlen=LOG_LIMIT)  # text, style, node
        self.agents: dict[str, AgentActivity] = {}
        self.unsettled: dict[str, AgentActivity] = {}  # finished, not yet in a cost_updated
        self.run_id = ""
        self.cost = 0.0
        self.tokens = 0
        self.started = time.monotonic()
        self.final = ""
        self._last_node = ""
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

    # ------------------------------------------------------------------ the log

    def _add(self, text: str, style: str = "", node: str = "") -> None:
        self.lines.append((text, style, node))
        self._last_node = node

    def _add_agent(self, node: str, text: str, style: str = "") -> None:
        if node and node != self._last_node:
            self.lines.append((f"─── {node} ", "bold blue", node))
        self._add(text, style, node)

    def _commit_text(self, node: str, act: AgentActivity, *, partial: bool = False) -> None:
        """Move complete lines of the streamed text (and reasoning) into the log."""
        for attr, style in (("reasoning", "dim italic"), ("text", "")):
            buffered: str = getattr(act, attr)
            if "\n" not in buffered and not (partial and buffered.strip()):
                continue
            complete, _, rest = buffered.rpartition("\n")
            if partial:
                complete, rest = buffered, ""
            for line in complete.split("\n"):
                if line.strip():
                    self._add_agent(node, line.rstrip(), style)
            setattr(act, attr, rest)

    # ------------------------------------------------------------------ events

    def __call__(self, event: ev.Event) -> None:
        if event.source == ev.SOURCE_AGENT:
            self._agent_event(event)
        elif event.source == ev.SOURCE_LLM:
            if self.verbose:
                line = llm_line(event)
                if line:
                    self._add(f"llm {line}", "dim")
        else:
            self._pipeline_event(event)

    def _activity(self, nid: str) -> AgentActivity:
        act = self.agents.get(nid)
        if act is None:
            act = self.agents[nid] = AgentActivity()
        return act

    def _agent_event(self, event: ev.Event) -> None:
        t, nid = event.type, event.node_id
        act = self._activity(nid)
        if t == "llm_request_preparing":
            act.set("waiting")
        elif t in ("llm_text", "llm_reasoning", "llm_tool_prepare"):
            act.set("thinking")
            if t == "llm_text":
                act.text += event.content
                act.streamed = True
            elif t == "llm_reasoning":
                act.reasoning += event.content
            self._commit_text(nid, act)
        elif t == "llm_finish":
            act.set("")
            act.reasoning += "\n"
            self._commit_text(nid, act)
        elif t == "text_delta":
            self._commit_text(nid, act, partial=True)
            if not act.streamed:
                for line in text_lines(event.content):
                    self._add_agent(nid, line)
            act.streamed = False
        elif t == "turn_start" and event.turn_no > 0:
            act.turns += 1
        elif t == "turn_metrics":
            act.cost += event.estimated_cost
            act.tokens += event.token_input + event.token_output + event.cache_read_tokens + event.cache_write_tokens
        elif t == "tool_call_start":
            self._commit_text(nid, act, partial=True)
            act.tools += 1
            act.set("tool", event.tool_name)
            self._add_agent(nid, "▸ " + tool_summary(event.tool_name, event.tool_input), "cyan")
        elif t == "tool_call_end":
            act.set("")
            self._tool_end(nid, event)
        elif t == "llm_provider_raw":
            if self.verbose and event.content:
                self._add_agent(nid, event.content[:200], "dim")
        else:
            line = agent_line(event)
            if line:
                self._commit_text(nid, act, partial=True)
                style = "red" if t == "error" else ("magenta" if t == "status_update" else "yellow")
                self._add_agent(nid, f"ERROR: {line[2:]}" if t == "error" else line, style)

    def _tool_end(self, nid: str, event: ev.Event) -> None:
        name = event.tool_name or "tool"
        if tool_failed(event):
            first = (event.content or event.error).strip().splitlines()
            self._add_agent(nid, f"  ✗ {name}: {first[0] if first else 'failed'}", "red")
            return
        lines = output_lines(event.content)
        if not lines:
            self._add_agent(nid, f"  ✓ {name}", "green")
        elif len(lines) > INLINE_OUTPUT_LINES:
            self._add_agent(nid, f"  ✓ {name} ({len(lines)} lines)", "green")
        else:
            for line in lines:
                self._add_agent(nid, "    " + line, "dim")

    def _settle(self, nid: str) -> None:
        act = self.agents.pop(nid, None)
        if act is None:
            return
        self._commit_text(nid, act, partial=True)
        act.set("")
        if act.cost or act.tokens:
            self.unsettled[nid] = act
        if act.cost > COST_BADGE_MIN:
            self.note.setdefault(nid, f"${act.cost:.2f}")

    def _pipeline_event(self, event: ev.Event) -> None:
        t, nid = event.type, event.node_id
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
            self.agents.pop(nid, None)
        elif t == ev.STAGE_COMPLETED:
            self.state[nid] = "done"
            self._settle(nid)
        elif t in (ev.STAGE_FAILED, ev.WORK_PRESERVE_FAILED):
            self.state[nid] = "failed"
            self._settle(nid)
            if event.error or event.message:
                self.note[nid] = (event.error or event.message).splitlines()[0][:60]
        elif t == ev.STAGE_RETRYING:
            self.state[nid] = "retrying"
            self._settle(nid)
        elif t == ev.COST_UPDATED:
            self.cost = event.total_cost_usd
            self.tokens = event.total_tokens
            self.unsettled.clear()
        elif t == ev.GATE_OPENED:
            self._add(f"⏸ gate {nid}: waiting for an answer", "yellow", nid)
        elif t == ev.GATE_RESOLVED:
            self._add(f"▶ gate {nid}: {event.gate_response or event.gate_outcome} ({event.gate_actor})", "yellow", nid)
        if event.terminal_status:
            self.final = event.terminal_status
        style = "red" if t in (ev.STAGE_FAILED, ev.PIPELINE_FAILED) or event.error else ""
        if t not in (ev.CHECKPOINT_SAVED, ev.DECISION_OUTCOME, ev.COST_UPDATED):
            where = f"{nid} " if nid else ""
            self._add(f"{clock(event.ts)} {t:<20} {where}{event.message}".rstrip(), style, nid)

    # ------------------------------------------------------------------ rendering

    def spent(self) -> tuple[float, int]:
        """Cost and tokens so far: the last ``cost_updated`` plus the usage of running agents."""
        pending = [*self.agents.values(), *self.unsettled.values()]
        return self.cost + sum(a.cost for a in pending), self.tokens + sum(a.tokens for a in pending)

    def _suffix(self, nid: str, state: str, act: AgentActivity | None) -> str:
        if state == "running" and act is not None and (act.turns or act.doing):
            parts = [f"turn {act.turns}"] if act.turns else []
            if act.tools:
                parts.append(f"{act.tools} tool{'s' if act.tools != 1 else ''}")
            if act.cost > COST_BADGE_MIN:
                parts.append(f"${act.cost:.2f}")
            doing = act.status()
            if doing:
                parts.append(doing)
            return " · ".join(parts)
        return self.note.get(nid, "")

    def __rich__(self) -> Any:
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        agents = dict(self.agents)
        lines = list(self.lines)
        cost, tokens = self.spent()
        elapsed = int(time.monotonic() - self.started)
        header = Text.assemble(
            (f" {self.title} ", "bold reverse"),
            (f"  run {self.run_id}" if self.run_id else "", "dim"),
            (f"  ${cost:.2f} · {tokens:,} tokens" if tokens else "", "yellow"),
            (f"  {elapsed // 60}m{elapsed % 60:02d}s", "dim"),
        )
        nodes = Table.grid(padding=(0, 1))
        nodes.add_column(no_wrap=True)
        nodes.add_column(no_wrap=True)
        for nid in list(self.order):
            state = self.state.get(nid, "pending")
            lamp, style = LAMPS[state]
            node = self.graph.nodes.get(nid)
            name = (node.label or nid) if node is not None else nid.rsplit("/", 1)[-1]
            label = Text("  " * nid.count("/") + name, style=style if state != "done" else "")
            suffix = self._suffix(nid, state, agents.get(nid))
            if suffix:
                label.append(f"  {suffix}", style="red dim" if state == "failed" else "dim")
            nodes.add_row(Text(lamp, style=style), label)
        width = max(20, self.console.size.width - 40)
        busy: list[tuple[str, str]] = []
        for nid, act in agents.items():
            prefix = f"{nid}: " if len(agents) > 1 else ""
            partial = (act.text or act.reasoning).rsplit("\n", 1)[-1].strip()
            if partial:
                busy.append((prefix + partial, "dim" if act.reasoning and not act.text else ""))
            doing = act.status()
            if doing:
                busy.append((f"» {nid}: {doing}", "yellow"))
        height = max(8, min(max(len(self.order), 12), self.console.size.height - 6)) - len(busy)
        activity = Text()
        for text, style, _node in lines[-max(1, height) :]:
            activity.append(text[:width] + "\n", style=style)
        for text, style in busy:
            activity.append(text[:width] + "\n", style=style)
        body = Table.grid(padding=(0, 2), expand=True)
        body.add_column(ratio=1, no_wrap=True)
        body.add_column(ratio=3)
        body.add_row(nodes, activity)
        parts: list[Any] = [header, body]
        if self.final:
            color = "green" if self.final in ("success", "validation_overridden") else "red"
            parts.append(Text(f"● {self.final}", style=f"bold {color}"))
        return Group(*parts)
