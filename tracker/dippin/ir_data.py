"""Convert IR records to plain JSON-compatible data (for ``--json`` output and comparisons).

``to_data(obj, positions=False)`` drops every range and field-source record, which is
how "the same workflow up to positions" is checked (e.g. ``parse(format(x))`` against
``parse(x)``).
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from enum import Enum
from typing import Any

from tracker.dippin.ir import FieldSource
from tracker.dippin.positions import Position, Range

_POSITIONAL_FIELDS = frozenset(
    {
        "fields",
        "columns",
        "first_line",
        "attr_ranges",
        "target_ranges",
        "source_ranges",
        "comments",
        "sections",
        "source_path",
        "references",
    }
)


def to_data(obj: Any, positions: bool = True) -> Any:
    """Recursively convert records, lists, dicts, enums and ranges to JSON data."""
    if isinstance(obj, (str, int, float, bool)) or obj is None:
        return obj
    if isinstance(obj, (Position, Range)):
        return obj.to_dict() if positions else None
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, dict):
        return {str(k): to_data(v, positions) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_data(v, positions) for v in obj]
    if is_dataclass(obj):
        out: dict[str, Any] = {}
        for f in fields(obj):
            if f.name.startswith("_"):
                continue
            value = getattr(obj, f.name)
            if not positions and (
                f.name in _POSITIONAL_FIELDS or isinstance(value, (Range, FieldSource)) or f.name.endswith("_range")
            ):
                continue
            out[f.name] = to_data(value, positions)
        return out
    return str(obj)
