"""Run-level token and cost roll-up (spec §6.6.3): the token-tracker middleware.

Usage is bucketed by (provider, model); the model is normalised to its catalog ID when it is a
known ID or alias. Cost prices each bucket on its own model.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from tracker.llm.catalog import resolve_model_id
from tracker.llm.cost import estimate_cost
from tracker.llm.middleware import CompleteFn
from tracker.llm.types import Request, Response, Usage

UNKNOWN_PROVIDER = "unknown"


@dataclass(slots=True)
class ProviderTotals:
    """One provider's run totals; ``to_dict`` gives the ``provider_totals`` member shape (§7.3.2)."""

    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    cost_usd: float = 0.0
    reasoning_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    call_count: int = 0
    estimated: bool = False

    def to_dict(self, session_count: int = 0) -> dict[str, object]:
        data: dict[str, object] = {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "total_tokens": self.total_tokens,
            "cost_usd": self.cost_usd,
            "reasoning_tokens": self.reasoning_tokens,
            "cache_read_tokens": self.cache_read_tokens,
            "cache_write_tokens": self.cache_write_tokens,
            "session_count": session_count,
        }
        if self.estimated:
            data["estimated"] = True
        return data


@dataclass(slots=True)
class _Bucket:
    usage: Usage = field(default_factory=Usage)
    calls: int = 0
    estimated: bool = False


ModelResolver = Callable[[str], str]
"""Given a provider, the model to price its model-less buckets on (e.g. the graph ``llm_model``)."""


class TokenTracker:
    """Middleware adding every successful completion's usage to a (provider, model) bucket."""

    def __init__(self) -> None:
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._last_model: dict[str, str] = {}
        self._lock = threading.Lock()

    async def __call__(self, request: Request, call_next: CompleteFn) -> Response:
        response = await call_next(request)
        provider = response.provider or request.provider
        model = response.model or request.model
        self.add(provider, model, response.usage)
        return response

    def add(self, provider: str, model: str, usage: Usage, *, estimated: bool = False) -> None:
        """Record usage; backends that bypass the client (claude-code, acp) call this directly."""
        provider = provider or UNKNOWN_PROVIDER
        model = (resolve_model_id(model) or model) if model else ""
        with self._lock:
            bucket = self._buckets.setdefault((provider, model), _Bucket())
            bucket.usage = bucket.usage + usage
            bucket.calls += 1
            bucket.estimated = bucket.estimated or estimated
            if model:
                self._last_model[provider] = model

    def buckets(self) -> dict[tuple[str, str], Usage]:
        with self._lock:
            return {key: bucket.usage for key, bucket in self._buckets.items()}

    def provider_totals(self, resolver: ModelResolver | None = None) -> dict[str, ProviderTotals]:
        """Per-provider sums; cost prices each bucket on its own model (§6.6.3)."""
        totals: dict[str, ProviderTotals] = {}
        with self._lock:
            items = list(self._buckets.items())
            last_model = dict(self._last_model)
        for (provider, model), bucket in items:
            pricing_model = model or last_model.get(provider) or (
                resolver(provider) if resolver else ""
            )
            usage = bucket.usage
            entry = totals.setdefault(provider, ProviderTotals())
            entry.input_tokens += usage.input_tokens
            entry.output_tokens += usage.output_tokens
            entry.total_tokens += usage.total_tokens
            entry.reasoning_tokens += usage.reasoning_tokens or 0
            entry.cache_read_tokens += usage.cache_read_tokens or 0
            entry.cache_write_tokens += usage.cache_write_tokens or 0
            entry.call_count += bucket.calls
            entry.estimated = entry.estimated or bucket.estimated
            if usage.estimated_cost is not None:
                entry.cost_usd += usage.estimated_cost
            elif pricing_model:
                entry.cost_usd += estimate_cost(pricing_model, usage)
        return totals

    def total_usage(self) -> Usage:
        total = Usage()
        for usage in self.buckets().values():
            total = total + usage
        return total

    def total_cost(self, resolver: ModelResolver | None = None) -> float:
        return sum(t.cost_usd for t in self.provider_totals(resolver).values())
