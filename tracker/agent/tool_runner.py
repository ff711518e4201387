"""Executing the tool calls of one model response (engine spec §5.2.4, §5.3.1 step 8.3).

Calls run one at a time, in response order. Each call emits ``tool_call_start`` and
``tool_call_end``; the command policy is consulted before ``bash`` runs; cacheable calls
(``read``, ``glob``, ``grep_search``) may be answered from the tool-result cache, which
any other call clears. The runner keeps the session's per-tool counters and the episode
entries of prior-attempt memory.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from tracker.agent.episodes import EpisodeEntry, compact_json
from tracker.agent.events import AgentEventType
from tracker.agent.tools import BashTool, Tool, ToolContext, ToolOutcome, execute_tool
from tracker.agent.tools.base import error_text
from tracker.agent.tools.policy import CommandPolicy
from tracker.llm.types import ToolCallPart, ToolResultPart

Emit = Callable[..., None]
"""``emit(event_type, **fields)`` of the owning session."""


@dataclass(slots=True)
class BatchResult:
    """What executing one response's calls did."""

    results: list[ToolResultPart] = field(default_factory=list)
    any_error: bool = False
    edits: int = 0
    terminal: bool = False
    cache_hits: int = 0
    cache_misses: int = 0


@dataclass(slots=True)
class ToolCounters:
    calls: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    total: int = 0
    cache_hits: int = 0
    cache_misses: int = 0
    episodes: list[EpisodeEntry] = field(default_factory=list)


class ToolRunner:
    def __init__(
        self,
        tools: Mapping[str, Tool],
        ctx: ToolContext,
        emit: Emit,
        *,
        policy: CommandPolicy | None,
        cache_results: bool,
        output_limits: Mapping[str, int],
    ) -> None:
        self.tools = tools
        self.ctx = ctx
        self.emit = emit
        self.policy = policy
        self.cache_results = cache_results
        self.output_limits = dict(output_limits)
        self.cache: dict[tuple[str, str], str] = {}
        self.counters = ToolCounters()

    async def run_batch(self, calls: Sequence[ToolCallPart], turn: int) -> BatchResult:
        batch = BatchResult()
        for call in calls:
            tool = self.tools.get(call.name)
            outcome = await self._run_one(call, tool, turn, batch)
            batch.results.append(ToolResultPart(call.id, outcome.output, call.name, is_error=outcome.is_error))
            batch.any_error = batch.any_error or outcome.is_error
            if tool is not None and not outcome.is_error:
                if tool.edits_files:
                    batch.edits += 1
                if tool.terminal:
                    batch.terminal = True
                    break
        return batch

    async def _run_one(self, call: ToolCallPart, tool: Tool | None, turn: int, batch: BatchResult) -> ToolOutcome:
        self.emit(AgentEventType.TOOL_CALL_START, turn=turn, tool_name=call.name, tool_input=call.arguments)
        started = time.monotonic()
        cached = False
        if tool is None:
            outcome = ToolOutcome(f'error: unknown tool "{call.name}"', True)
            self.cache.clear()
        else:
            denied = self._guard(tool, call, turn)
            if denied is not None:
                outcome = denied
            else:
                key = (call.name, compact_json(call.arguments))
                use_cache = self.cache_results and tool.cache_policy == "cacheable"
                if use_cache and key in self.cache:
                    cached = True
                    batch.cache_hits += 1
                    self.counters.cache_hits += 1
                    outcome = ToolOutcome(self.cache[key], False)
                    self.emit(AgentEventType.TOOL_CACHE_HIT, turn=turn, tool_name=call.name, tool_input=call.arguments)
                else:
                    if use_cache:
                        batch.cache_misses += 1
                        self.counters.cache_misses += 1
                    outcome = await execute_tool(tool, call.arguments, self.ctx, self.output_limits.get(tool.name))
                    if tool.cache_policy != "cacheable":
                        self.cache.clear()
                    elif use_cache and not outcome.is_error:
                        self.cache[key] = outcome.output
        duration = 0.0 if cached else time.monotonic() - started
        counters = self.counters
        counters.calls[call.name] = counters.calls.get(call.name, 0) + 1
        counters.seconds[call.name] = counters.seconds.get(call.name, 0.0) + duration
        counters.total += 1
        counters.episodes.append(EpisodeEntry.record(call.name, call.arguments, not outcome.is_error, outcome.output))
        self.emit(
            AgentEventType.TOOL_CALL_END,
            turn=turn,
            tool_name=call.name,
            tool_input=call.arguments,
            tool_output=outcome.output,
            tool_error=outcome.is_error,
            tool_duration_ms=int(duration * 1000),
        )
        return outcome

    def _guard(self, tool: Tool, call: ToolCallPart, turn: int) -> ToolOutcome | None:
        """The command policy for ``bash``; a denial is an error result (never executed)."""
        if self.policy is None or not isinstance(tool, BashTool):
            return None
        command = BashTool.command_of(call.arguments)
        denial = self.policy.check(command) if command else None
        if denial is None:
            return None
        message = denial.message()
        self.emit(AgentEventType.ERROR, turn=turn, tool_name=call.name, error=message)
        self.cache.clear()
        return ToolOutcome(error_text(tool.name, message), True)
