"""Move IR records down or up by a number of lines, without re-parsing them.

When an edit inserts or deletes lines, everything below it keeps its content but not its
line numbers. :func:`shifted` returns a copy of a record tree (nodes, edges, diagnostics,
comments, ...) whose ranges, positions and ``FieldSource.first_line`` are moved by
``delta`` lines. The originals are never mutated, so older snapshots stay valid.

Each record class gets a plan once: the fields whose declared type can hold a position
(everything except plain strings, numbers, booleans and lists/dicts of them) are
visited; the others are copied by reference.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from enum import Enum
from typing import Any, TypeVar

from tracker.dippin.ir import FieldSource
from tracker.dippin.positions import Position, Range

T = TypeVar("T")

_ATOMS = (str, int, float, bool, type(None), Enum)
_PLAIN_WORDS = frozenset({"str", "int", "float", "bool", "None", "NodeKind", "Severity"})
_CONTAINERS = frozenset({"list", "dict", "tuple", "set", "frozenset"})
_PLANS: dict[type, tuple[tuple[str, ...], tuple[str, ...]]] = {}


def _plain(annotation: object) -> bool:
    """True when a field annotation (a string under postponed evaluation) holds no positions."""
    if not isinstance(annotation, str):
        return False
    if annotation.startswith("Literal["):
        return True
    text = annotation
    for ch in "[]|,":
        text = text.replace(ch, " ")
    return all(word in _PLAIN_WORDS or word in _CONTAINERS for word in text.split())


def _plan(cls: type) -> tuple[tuple[str, ...], tuple[str, ...]]:
    plan = _PLANS.get(cls)
    if plan is None:
        visit: list[str] = []
        copy_only: list[str] = []
        for f in fields(cls):
            (copy_only if _plain(f.type) else visit).append(f.name)
        plan = (tuple(visit), tuple(copy_only))
        _PLANS[cls] = plan
    return plan


def shifted(obj: T, delta: int) -> T:
    """A copy of ``obj`` with every line number moved by ``delta``."""
    if delta == 0:
        return obj
    return _shift(obj, delta)  # type: ignore[no-any-return]


def _range(r: Range, delta: int) -> Range:
    s, e = r.start, r.end
    return Range(Position(s.line + delta, s.character), Position(e.line + delta, e.character))


def _shift(obj: Any, delta: int) -> Any:
    cls = type(obj)
    if cls is Range:
        return _range(obj, delta)
    if cls is list:
        return [_shift(v, delta) for v in obj]
    if cls is dict:
        return {k: _shift(v, delta) for k, v in obj.items()}
    if isinstance(obj, _ATOMS):
        return obj
    if cls is Position:
        return Position(obj.line + delta, obj.character)
    if cls is tuple:
        return tuple(_shift(v, delta) for v in obj)
    if is_dataclass(obj) and not isinstance(obj, type):
        visit, copy_only = _plan(cls)
        new = object.__new__(cls)
        setter = object.__setattr__
        for name in copy_only:
            setter(new, name, getattr(obj, name))
        for name in visit:
            setter(new, name, _shift(getattr(obj, name), delta))
        if isinstance(obj, FieldSource):
            setter(new, "first_line", obj.first_line + delta)
        return new
    return obj
