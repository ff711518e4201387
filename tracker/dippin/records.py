"""The record decorator shared by IR and diagnostic classes.

Slotted, keyword-only dataclasses without generated ``__eq__``/``__repr__``: generating
those methods for every class is a measurable part of CLI start-up. Records compare by
identity; :func:`tracker.dippin.ir_data.to_data` gives value comparisons, and
:func:`record_repr` gives a readable representation on demand.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass
from typing import Any, TypeVar, dataclass_transform

T = TypeVar("T")


def record_repr(self: Any) -> str:
    """Show the fields that differ from their defaults (enough to debug with)."""
    parts = []
    for f in fields(self):
        if f.name.startswith("_"):
            continue
        value = getattr(self, f.name)
        if value in ("", 0, None, False, [], {}) and value is not True:
            continue
        parts.append(f"{f.name}={value!r}")
    return f"{type(self).__name__}({', '.join(parts)})"


@dataclass_transform(kw_only_default=True)
def record(cls: type[T]) -> type[T]:
    if "__repr__" not in cls.__dict__:
        cls.__repr__ = record_repr  # type: ignore[assignment]
    made = dataclass(slots=True, kw_only=True, eq=False, repr=False)(cls)
    assert is_dataclass(made)
    return made
