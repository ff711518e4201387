"""Run-wide usage totals and the budget guard (engine spec §2.12).

Handlers that call models report usage through :meth:`Usage.add`; the engine checks the
limits between nodes, in the order tokens → cost → wall time → stall. Child engines
(subgraphs, manager loops) share their parent's :class:`Usage` and guard, so limits are
run-wide.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from tracker.engine.outcome import NodeStats


@dataclass
class ProviderTotals:
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    reasoning_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    session_count: int = 0
    estimated: bool = False

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens + self.cache_read_tokens + self.cache_write_tokens

    def to_wire(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "total_tokens": self.total_tokens,
            "cost_usd": self.cost_usd,
            "reasoning_tokens": self.reasoning_tokens,
            "cache_read_tokens": self.cache_read_tokens,
            "cache_write_tokens": self.cache_write_tokens,
            "session_count": self.session_count,
        }
        if self.estimated:
            data["estimated"] = True
        return data


@dataclass
class Usage:
    """Cumulative usage of a run (all nodes, all child engines)."""

    by_provider: dict[str, ProviderTotals] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)

    def add(self, stats: NodeStats) -> None:
        for part in stats.breakdown():
            self._add_one(part)

    def _add_one(self, stats: NodeStats) -> None:
        if not (stats.total_tokens or stats.cost_usd or stats.sessions):
            return
        bucket = self.by_provider.setdefault(stats.provider or "unknown", ProviderTotals())
        bucket.input_tokens += stats.input_tokens
        bucket.output_tokens += stats.output_tokens
        bucket.cost_usd += stats.cost_usd
        bucket.reasoning_tokens += stats.reasoning_tokens
        bucket.cache_read_tokens += stats.cache_read_tokens
        bucket.cache_write_tokens += stats.cache_write_tokens
        bucket.session_count += stats.sessions
        bucket.estimated = bucket.estimated or stats.estimated

    @property
    def any(self) -> bool:
        return bool(self.by_provider)

    @property
    def total_tokens(self) -> int:
        return sum(p.total_tokens for p in self.by_provider.values())

    @property
    def total_cost_usd(self) -> float:
        return sum(p.cost_usd for p in self.by_provider.values())

    @property
    def estimated(self) -> bool:
        return any(p.estimated for p in self.by_provider.values())

    def elapsed_ms(self) -> int:
        return int((time.monotonic() - self.started) * 1000)

    def provider_wire(self) -> dict[str, dict[str, Any]]:
        return {name: totals.to_wire() for name, totals in sorted(self.by_provider.items())}


@dataclass
class BudgetLimits:
    max_tokens: int = 0
    max_cost_cents: int = 0
    max_wall_time_s: float = 0.0
    stall_timeout_s: float = 0.0

    def active(self) -> bool:
        return bool(self.max_tokens or self.max_cost_cents or self.max_wall_time_s or self.stall_timeout_s)


class BudgetGuard:
    """Checks the limits between nodes; ``progress()`` feeds the stall watchdog."""

    def __init__(self, limits: BudgetLimits, usage: Usage) -> None:
        self.limits = limits
        self.usage = usage
        self.started = time.monotonic()
        self.last_progress = self.started

    def progress(self) -> None:
        self.last_progress = time.monotonic()

    def breach(self) -> str | None:
        """The breach message, or ``None`` while every limit holds (equal is allowed)."""
        lim = self.limits
        if lim.max_tokens and self.usage.total_tokens > lim.max_tokens:
            return "max_total_tokens exceeded"
        if lim.max_cost_cents and round(self.usage.total_cost_usd * 100) > lim.max_cost_cents:
            return "max_cost_cents exceeded"
        now = time.monotonic()
        if lim.max_wall_time_s and now - self.started > lim.max_wall_time_s:
            return "max_wall_time exceeded"
        if lim.stall_timeout_s and now - self.last_progress > lim.stall_timeout_s:
            return f"stall_timeout exceeded: no progress for {lim.stall_timeout_s:g}s"
        return None
