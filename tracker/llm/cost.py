"""Pricing one usage record on a model (spec §6.6.2).

Unknown models cost $0 and are reported once per model name (D.13).
"""

from __future__ import annotations

import logging
import threading

from tracker.llm.catalog import price_entry
from tracker.llm.catalog_data import PriceEntry
from tracker.llm.types import Usage

logger = logging.getLogger("tracker.llm.cost")

_DEFAULT_READ_MULT = 0.1
_DEFAULT_WRITE_MULT = 0.0

_warned_models: set[str] = set()
_warned_lock = threading.Lock()


def _unknown_model_warning(model: str) -> str:
    return (
        f'[llm] EstimateCost: unknown model "{model}" (no pricing entry); returning $0 — '
        "budget --max-cost ceiling will not apply to usage priced under this model"
    )


def _warn_unknown_once(model: str) -> None:
    with _warned_lock:
        if model in _warned_models:
            return
        _warned_models.add(model)
    logger.warning(_unknown_model_warning(model))


def reset_unknown_model_warnings() -> None:
    """Forget which unknown models were already reported (tests, long-lived hosts)."""
    with _warned_lock:
        _warned_models.clear()


def _rates(entry: PriceEntry) -> tuple[float, float]:
    """(cache-read rate per 1 M, cache-write multiplier) with tracker's defaults applied."""
    read_mult = entry.cache_read_mult
    write_mult = entry.cache_write_mult
    if entry.cached_input_per_m is None and not read_mult:
        read_mult, write_mult = _DEFAULT_READ_MULT, _DEFAULT_WRITE_MULT
    if entry.cached_input_per_m is not None:
        read_rate = entry.cached_input_per_m
    elif read_mult:
        read_rate = entry.input_per_m * read_mult
    else:
        read_rate = 0.0
    return read_rate, write_mult or 0.0


def cost_for_entry(entry: PriceEntry, usage: Usage) -> float:
    if not entry.priced:
        return 0.0
    read_rate, write_mult = _rates(entry)
    total = usage.input_tokens * entry.input_per_m + usage.output_tokens * entry.output_per_m
    total += (usage.cache_read_tokens or 0) * read_rate
    if write_mult > 0:
        total += (usage.cache_write_tokens or 0) * entry.input_per_m * write_mult
    # Reasoning tokens are part of output_tokens already: never priced twice.
    return total / 1_000_000


def estimate_cost(model: str, usage: Usage) -> float:
    """USD cost of ``usage`` priced on ``model``; unknown models cost 0 (warned once)."""
    entry = price_entry(model)
    if entry is None:
        if usage.has_tokens:
            _warn_unknown_once(model)
        return 0.0
    return cost_for_entry(entry, usage)


def is_priced(model: str) -> bool:
    entry = price_entry(model)
    return entry is not None and entry.priced
