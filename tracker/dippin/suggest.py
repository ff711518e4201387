"""Edit-distance suggestions for misspelled names ("did you mean ...?")."""

from __future__ import annotations

import math
from collections.abc import Iterable


def levenshtein(a: str, b: str) -> int:
    """Classic edit distance (insert, delete, substitute all cost 1)."""
    if a == b:
        return 0
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _distance_within(a: str, b: str, limit: int) -> int:
    """The edit distance of ``a`` and ``b`` when it is at most ``limit``, else a number
    above ``limit`` (gives up as soon as a whole row of the table exceeds it)."""
    if a == b:
        return 0
    if len(a) < len(b):
        a, b = b, a
    if len(a) - len(b) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1  # row minima never decrease
        previous = current
    return previous[-1]


def closest(name: str, candidates: Iterable[str], max_distance: int = 2) -> str | None:
    """The first candidate with the smallest distance to ``name``, if within ``max_distance``.

    Case-only differences count as distance 0.5 so ``Start`` wins over ``Stat`` for ``start``.
    """
    best: str | None = None
    best_score = float(max_distance) + 0.01
    lowered = name.lower()
    size = len(name)
    for cand in candidates:
        if cand == name:
            continue
        if abs(len(cand) - size) > max_distance and cand.lower() != lowered:
            continue  # the distance is at least the length difference
        if cand.lower() == lowered:
            score: float = 0.5
        else:
            # Only a distance below the best so far matters (an integer below best_score).
            limit = math.ceil(best_score) - 1
            if limit < 1:
                continue
            score = float(_distance_within(name, cand, limit))
        if score < best_score:
            best, best_score = cand, score
    return best
