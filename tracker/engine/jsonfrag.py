"""Incremental JSON for the checkpoint: maps that remember the encoding of each entry.

The checkpoint is rewritten after every node and its context grows with every node
(``node.<id>.*`` copies), so encoding it from scratch makes a long run quadratic. These
containers keep one encoded ``"key": value`` fragment per entry and re-encode only the
entries that changed; :func:`join_object` assembles the same text ``json.dumps(indent=2)``
would produce (keys in insertion order).
"""

from __future__ import annotations

import json
from collections.abc import ItemsView, Iterator, MutableMapping
from json.encoder import encode_basestring  # the C implementation when available
from typing import Any, Generic, TypeVar, overload

V = TypeVar("V")

encode_str = encode_basestring


def encode_value(value: Any) -> str:
    if isinstance(value, str):
        return encode_str(value)
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


class FragmentDict(MutableMapping[str, V], Generic[V]):
    """A dict that caches the JSON fragment of each entry.

    Fragments live in a list in insertion order; a changed entry re-encodes only its own
    slot, so assembling a large object costs one C-level ``join`` per save.
    """

    __slots__ = ("_data", "_holes", "_slot", "_slots", "_stale")

    def __init__(self, initial: dict[str, V] | None = None) -> None:
        self._data: dict[str, V] = {}
        self._slot: dict[str, int] = {}
        self._slots: list[str | None] = []
        self._stale: set[str] = set()
        self._holes = 0
        for key, value in (initial or {}).items():
            self[key] = value

    def __getitem__(self, key: str) -> V:
        return self._data[key]

    @overload  # type: ignore[override]
    def get(self, key: str) -> V | None: ...

    @overload
    def get(self, key: str, default: V) -> V: ...

    def get(self, key: str, default: V | None = None) -> V | None:
        return self._data.get(key, default)

    def __setitem__(self, key: str, value: V) -> None:
        if key not in self._slot:
            self._slot[key] = len(self._slots)
            self._slots.append(None)
        self._data[key] = value
        self._stale.add(key)

    def __delitem__(self, key: str) -> None:
        del self._data[key]
        self._slots[self._slot.pop(key)] = None
        self._stale.discard(key)
        self._holes += 1

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def items(self) -> ItemsView[str, V]:
        return self._data.items()

    def plain(self) -> dict[str, V]:
        return dict(self._data)

    def _compact(self) -> None:
        keys = list(self._data)
        old = self._slots
        self._slots = [old[self._slot[k]] for k in keys]
        self._slot = {k: i for i, k in enumerate(keys)}
        self._holes = 0

    def fragments(self) -> list[str]:
        if self._holes > 64 and self._holes * 2 > len(self._slots):
            self._compact()
        slots, data = self._slots, self._data
        for key in self._stale:
            slots[self._slot[key]] = encode_str(key) + ": " + encode_value(data[key])
        self._stale.clear()
        if self._holes:
            return [s for s in slots if s is not None]
        return slots  # type: ignore[return-value]


class FragmentSet:
    """An insertion-ordered set of strings that caches each element's JSON encoding."""

    __slots__ = ("_enc",)

    def __init__(self) -> None:
        self._enc: dict[str, str] = {}

    def add(self, item: str) -> None:
        if item not in self._enc:
            self._enc[item] = encode_str(item)

    def discard(self, item: str) -> None:
        self._enc.pop(item, None)

    def __contains__(self, item: object) -> bool:
        return item in self._enc

    def __iter__(self) -> Iterator[str]:
        return iter(self._enc)

    def __len__(self) -> int:
        return len(self._enc)

    def fragments(self) -> list[str]:
        return list(self._enc.values())


def join_object(fragments: list[str], level: int) -> str:
    """An indented JSON object from ``"key": value`` fragments at nesting ``level``."""
    if not fragments:
        return "{}"
    inner = "\n" + "  " * (level + 1)
    return "{" + inner + ("," + inner).join(fragments) + "\n" + "  " * level + "}"


def join_array(items: list[str], level: int) -> str:
    if not items:
        return "[]"
    inner = "\n" + "  " * (level + 1)
    return "[" + inner + ("," + inner).join(items) + "\n" + "  " * level + "]"
