"""Temporary speed fix for ``tracker.dippin.suggest.closest``, applied by the server only.

``closest`` computes a full Levenshtein distance to every candidate. A half-typed
``${ctx.`` makes the "key" everything up to the next ``}`` in the file (hundreds of
characters), and the dataflow rules then spend tens of seconds suggesting a spelling for
it — the server would freeze while the user types. The wrapper drops candidates whose
length alone puts them out of reach (the edit distance is at least the difference in
length), which cannot change the answer. Remove this module once ``closest`` itself skips
those candidates (reported on the issue).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable

_USERS = (
    "tracker.dippin.suggest",
    "tracker.dippin.messages",
    "tracker.dippin.builder",
    "tracker.dippin.lint.semantic_support",
    "tracker.dippin.lint.dataflow",
    "tracker.dippin.lint.ext_inputs",
)


def _bounded(original: Callable[..., str | None]) -> Callable[..., str | None]:
    def closest(name: str, candidates: Iterable[str], max_distance: int = 2) -> str | None:
        lowered = name.lower()
        size = len(name)
        reachable = [c for c in candidates if abs(len(c) - size) <= max_distance or c.lower() == lowered]
        return original(name, reachable, max_distance)

    closest.__wrapped__ = original  # type: ignore[attr-defined]
    return closest


def install() -> None:
    """Wrap ``closest`` wherever it was imported (idempotent)."""
    suggest = importlib.import_module("tracker.dippin.suggest")
    original = getattr(suggest.closest, "__wrapped__", suggest.closest)
    fast = _bounded(original)
    for name in _USERS:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        current = getattr(module, "closest", None)
        if current is not None and getattr(current, "__wrapped__", current) is original:
            module.closest = fast  # type: ignore[attr-defined]
