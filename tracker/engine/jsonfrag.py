"""Incremental JSON for the checkpoint: maps and sets that remember the encoding of each entry.

The checkpoint is rewritten after every node and its context grows with every node
(``node.<id>.*`` copies), so encoding it from scratch makes a long run quadratic. These
containers keep one encoded ``"key": value`` fragment per entry and re-encode only the
entries that changed. Fragments are grouped in blocks of :data:`BLOCK` whose joined text
is cached too (as UTF-8), so assembling a large object re-joins only the blocks that
changed and the checkpoint is built with a single ``bytes`` join;
:meth:`FragmentDict.joined` returns the same text ``json.dumps(indent=2)`` would produce
(keys in insertion order).
"""

from __future__ import annotations

import json
from collections.abc import ItemsView, Iterator, MutableMapping
from json.encoder import encode_basestring  # the C implementation when available
from typing import Any, Generic, TypeVar, overload

V = TypeVar("V")

encode_str = encode_basestring
BLOCK = 64  # fragments per cached block


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


class _Blocks:
    """Fragments in insertion order (``None`` for removed entries), with the UTF-8 text of
    each block of :data:`BLOCK` slots (joined, each followed by the separator) cached
    until one of its slots changes."""

    __slots__ = ("dirty", "holes", "sep", "slots", "texts")

    def __init__(self) -> None:
        self.slots: list[str | None] = []
        self.texts: list[bytes] = []
        self.dirty: set[int] = set()  # blocks whose text is out of date
        self.holes = 0
        self.sep = ""

    def append(self, fragment: str | None) -> int:
        index = len(self.slots)
        self.slots.append(fragment)
        block = index // BLOCK
        if block == len(self.texts):
            self.texts.append(b"")
        self.dirty.add(block)
        return index

    def put(self, index: int, fragment: str | None) -> None:
        self.slots[index] = fragment
        self.dirty.add(index // BLOCK)

    def remove(self, index: int) -> None:
        self.put(index, None)
        self.holes += 1

    def needs_compaction(self) -> bool:
        return self.holes > BLOCK and self.holes * 2 > len(self.slots)

    def reset(self, fragments: list[str | None]) -> None:
        self.slots = []
        self.texts = []
        self.dirty = set()
        self.holes = 0
        for fragment in fragments:
            self.append(fragment)

    def present(self) -> list[str]:
        if self.holes:
            return [s for s in self.slots if s is not None]
        return self.slots  # type: ignore[return-value]

    def extend(self, out: list[bytes], opening: bytes, sep: str, closing: bytes) -> None:
        """Append ``opening``, the present fragments separated by ``sep``, and ``closing``
        to ``out`` as UTF-8 pieces (re-joining only the blocks that changed)."""
        texts, slots = self.texts, self.slots
        if sep != self.sep:
            self.sep = sep
            self.dirty = set(range(len(texts)))
        for b in self.dirty:
            chunk = slots[b * BLOCK : (b + 1) * BLOCK]
            present: list[str] = [s for s in chunk if s is not None] if self.holes else chunk  # type: ignore[assignment]
            texts[b] = (sep.join(present) + sep).encode("utf-8") if present else b""
        self.dirty.clear()
        out.append(opening)
        start = len(out)
        out += [t for t in texts if t] if self.holes else texts
        if len(out) > start:
            out[-1] = out[-1][: -len(sep.encode("utf-8"))]
        out.append(closing)


def _brackets(level: int, pair: str) -> tuple[bytes, str, bytes]:
    inner = "\n" + "  " * (level + 1)
    return (pair[0] + inner).encode(), "," + inner, ("\n" + "  " * level + pair[1]).encode()


class FragmentDict(MutableMapping[str, V], Generic[V]):
    """A dict that caches the JSON fragment of each entry.

    A changed entry re-encodes only its own slot (lazily, when the object is next
    assembled), so assembling a large object costs a few C-level ``join`` calls per save.
    """

    __slots__ = ("_blocks", "_data", "_slot", "_stale")

    def __init__(self, initial: dict[str, V] | None = None) -> None:
        self._data: dict[str, V] = {}
        self._slot: dict[str, int] = {}
        self._blocks = _Blocks()
        self._stale: set[str] = set()
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
            self._slot[key] = self._blocks.append(None)
        self._data[key] = value
        self._stale.add(key)

    def __delitem__(self, key: str) -> None:
        del self._data[key]
        self._blocks.remove(self._slot.pop(key))
        self._stale.discard(key)

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

    def _refresh(self) -> _Blocks:
        blocks = self._blocks
        if blocks.needs_compaction():
            keys = list(self._data)
            old = blocks.slots
            blocks.reset([old[self._slot[k]] for k in keys])
            self._slot = {k: i for i, k in enumerate(keys)}
        if self._stale:
            data, slot = self._data, self._slot
            for key in self._stale:
                blocks.put(slot[key], encode_str(key) + ": " + encode_value(data[key]))
            self._stale.clear()
        return blocks

    def fragments(self) -> list[str]:
        return list(self._refresh().present())

    def extend_json(self, out: list[bytes], level: int) -> None:
        """Append the indented JSON object at nesting ``level`` to ``out`` (UTF-8 pieces)."""
        if not self._data:
            out.append(b"{}")
            return
        self._refresh().extend(out, *_brackets(level, "{}"))

    def joined(self, level: int) -> str:
        """The indented JSON object at nesting ``level`` (as :func:`join_object` of the fragments)."""
        out: list[bytes] = []
        self.extend_json(out, level)
        return b"".join(out).decode("utf-8")


class FragmentSet:
    """An insertion-ordered set of strings that caches each element's JSON encoding."""

    __slots__ = ("_blocks", "_slot")

    def __init__(self) -> None:
        self._slot: dict[str, int] = {}
        self._blocks = _Blocks()

    def add(self, item: str) -> None:
        if item not in self._slot:
            self._slot[item] = self._blocks.append(encode_str(item))

    def discard(self, item: str) -> None:
        index = self._slot.pop(item, None)
        if index is None:
            return
        blocks = self._blocks
        blocks.remove(index)
        if blocks.needs_compaction():
            old = blocks.slots
            items = list(self._slot)
            blocks.reset([old[self._slot[i]] for i in items])
            self._slot = {item: i for i, item in enumerate(items)}

    def __contains__(self, item: object) -> bool:
        return item in self._slot

    def __iter__(self) -> Iterator[str]:
        return iter(self._slot)

    def __len__(self) -> int:
        return len(self._slot)

    def fragments(self) -> list[str]:
        return list(self._blocks.present())

    def extend_json(self, out: list[bytes], level: int) -> None:
        """Append the indented JSON array at nesting ``level`` to ``out`` (UTF-8 pieces)."""
        if not self._slot:
            out.append(b"[]")
            return
        self._blocks.extend(out, *_brackets(level, "[]"))

    def joined(self, level: int) -> str:
        """The indented JSON array at nesting ``level`` (as :func:`join_array` of the fragments)."""
        out: list[bytes] = []
        self.extend_json(out, level)
        return b"".join(out).decode("utf-8")


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
