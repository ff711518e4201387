"""Retry policies and backoff (engine spec §2.8.1).

A node's policy is its ``retry_policy``, else the workflow default, else ``standard``;
``max_retries`` and ``base_delay`` override the policy's numbers. The n-th retry waits
``base × 2ⁿ`` (exponential) or ``base × (n+1)`` (linear), times a jitter in [0.75, 1.25),
capped at 60 s.
"""

from __future__ import annotations

import contextlib
import random
from dataclasses import dataclass

from tracker.dippin.values import MILLISECOND, SECOND, ValueError_, parse_duration, parse_int


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    name: str
    max_retries: int
    base_delay_ns: int
    linear: bool = False

    def backoff_seconds(self, attempt: int, rng: random.Random | None = None) -> float:
        """Delay before retry number ``attempt`` (0 = the first retry)."""
        base = self.base_delay_ns / SECOND
        delay = base * (attempt + 1) if self.linear else base * (2**attempt)
        jitter = (rng or random).uniform(0.75, 1.25)
        return min(delay * jitter, 60.0)


POLICIES: dict[str, RetryPolicy] = {
    "none": RetryPolicy("none", 0, 0),
    "standard": RetryPolicy("standard", 2, 2 * SECOND),
    "aggressive": RetryPolicy("aggressive", 5, 500 * MILLISECOND),
    "patient": RetryPolicy("patient", 3, 10 * SECOND),
    "linear": RetryPolicy("linear", 3, 2 * SECOND, linear=True),
}


def _int(text: str | None) -> int | None:
    if not text:
        return None
    try:
        return parse_int(text.strip())
    except ValueError_:
        return None


def resolve_policy(node_attrs: dict[str, str], graph_attrs: dict[str, str]) -> RetryPolicy:
    name = node_attrs.get("retry_policy") or graph_attrs.get("default_retry_policy") or "standard"
    base = POLICIES.get(name, POLICIES["standard"])
    max_retries = _int(node_attrs.get("max_retries"))
    if max_retries is None:
        max_retries = _int(graph_attrs.get("default_max_retry"))
    if max_retries is None:
        max_retries = base.max_retries
    delay = base.base_delay_ns
    raw_delay = node_attrs.get("base_delay")
    if raw_delay:
        with contextlib.suppress(ValueError_):
            delay = parse_duration(raw_delay)
    return RetryPolicy(base.name if name in POLICIES else name, max(0, max_retries), delay, base.linear)


def goal_gate_max_retries(node_attrs: dict[str, str], graph_attrs: dict[str, str]) -> int:
    """Goal gates: node ``max_retries``, else the workflow default, else 3."""
    for value in (node_attrs.get("max_retries"), graph_attrs.get("default_max_retry")):
        n = _int(value)
        if n is not None:
            return n
    return 3
