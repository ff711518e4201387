"""Convert between the IR's code-point positions and the client's position encoding.

The IR (and every ``tracker.dippin`` range) counts characters in Unicode code points.
LSP clients count UTF-16 code units unless they negotiated ``utf-8`` or ``utf-32``
(``positionEncoding``). Conversion happens only at the protocol boundary; an ASCII line
(the common case) converts for free.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from lsprotocol import types as lsp

from tracker.dippin.positions import Position, Range

Encoding = Literal["utf-16", "utf-8", "utf-32"]


def _units(text: str, encoding: Encoding) -> int:
    """Length of ``text`` in the code units of ``encoding``."""
    if encoding == "utf-32" or text.isascii():
        return len(text)
    if encoding == "utf-8":
        return len(text.encode("utf-8"))
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def to_client_character(line: str, character: int, encoding: Encoding) -> int:
    """Code-point column on ``line`` → client column."""
    if encoding == "utf-32" or line.isascii():
        return character
    return _units(line[:character], encoding)


def from_client_character(line: str, units: int, encoding: Encoding) -> int:
    """Client column on ``line`` → code-point column (clamped to the line, never inside a
    surrogate pair or a UTF-8 sequence)."""
    if encoding == "utf-32" or line.isascii():
        return min(units, len(line)) if units >= 0 else 0
    count = 0
    for index, ch in enumerate(line):
        width = _units(ch, encoding)
        if count + width > units:
            return index
        count += width
    return len(line)


class Converter:
    """Position conversion for one document's lines and the negotiated encoding."""

    __slots__ = ("encoding", "lines")

    def __init__(self, lines: Sequence[str], encoding: Encoding = "utf-16") -> None:
        self.lines = lines
        self.encoding: Encoding = encoding

    def _line(self, index: int) -> str:
        return self.lines[index] if 0 <= index < len(self.lines) else ""

    def position(self, pos: Position) -> lsp.Position:
        return lsp.Position(
            line=max(pos.line, 0),
            character=to_client_character(self._line(pos.line), max(pos.character, 0), self.encoding),
        )

    def range(self, rng: Range) -> lsp.Range:
        return lsp.Range(start=self.position(rng.start), end=self.position(rng.end))

    def from_position(self, pos: lsp.Position) -> Position:
        return Position(pos.line, from_client_character(self._line(pos.line), pos.character, self.encoding))

    def from_range(self, rng: lsp.Range) -> Range:
        return Range(self.from_position(rng.start), self.from_position(rng.end))


def encoding_of(kind: lsp.PositionEncodingKind | str | None) -> Encoding:
    value = str(kind.value if isinstance(kind, lsp.PositionEncodingKind) else kind or "utf-16").lower()
    if value in ("utf-8", "utf-32"):
        return value  # type: ignore[return-value]
    return "utf-16"
