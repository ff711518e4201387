"""Source positions and ranges shared by the IR, diagnostics and the language server.

Lines and characters are zero-based, like LSP. Characters count Unicode code points of
the decoded line (Python string indices); front ends convert to UTF-16 where needed.

Documents hold thousands of positions, so these are small immutable value classes
rather than pydantic models; they still work as fields of pydantic models (validated
by type, serialised as ``{"line", "character"}`` / ``{"start", "end"}``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler
    from pydantic_core import core_schema


class Position:
    """A zero-based (line, character) point in a document."""

    __slots__ = ("character", "line")

    line: int
    character: int

    def __init__(self, line: int, character: int) -> None:
        object.__setattr__(self, "line", line)
        object.__setattr__(self, "character", character)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Position is immutable")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Position) and self.line == other.line and self.character == other.character

    def __hash__(self) -> int:
        return hash((self.line, self.character))

    def __lt__(self, other: Position) -> bool:
        return (self.line, self.character) < (other.line, other.character)

    def __le__(self, other: Position) -> bool:
        return (self.line, self.character) <= (other.line, other.character)

    def __repr__(self) -> str:
        return f"Position(line={self.line}, character={self.character})"

    def to_dict(self) -> dict[str, int]:
        return {"line": self.line, "character": self.character}

    @classmethod
    def from_dict(cls, data: Any) -> Position:
        if isinstance(data, Position):
            return data
        return cls(line=int(data["line"]), character=int(data["character"]))

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return _schema(cls)


class Range:
    """A span from ``start`` to ``end`` in a document."""

    __slots__ = ("end", "start")

    start: Position
    end: Position

    def __init__(self, start: Position, end: Position) -> None:
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Range is immutable")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Range) and self.start == other.start and self.end == other.end

    def __hash__(self) -> int:
        return hash((self.start, self.end))

    def __repr__(self) -> str:
        s, e = self.start, self.end
        return f"Range({s.line}:{s.character}-{e.line}:{e.character})"

    def contains(self, pos: Position) -> bool:
        """True when ``pos`` lies inside the range (end inclusive, for cursor use)."""
        return self.start <= pos <= self.end

    @property
    def is_empty(self) -> bool:
        return self.start == self.end

    def to_dict(self) -> dict[str, dict[str, int]]:
        return {"start": self.start.to_dict(), "end": self.end.to_dict()}

    @classmethod
    def from_dict(cls, data: Any) -> Range:
        if isinstance(data, Range):
            return data
        return cls(start=Position.from_dict(data["start"]), end=Position.from_dict(data["end"]))

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return _schema(cls)


def _schema(cls: type[Position] | type[Range]) -> core_schema.CoreSchema:
    from pydantic_core import core_schema

    from_dict = core_schema.no_info_plain_validator_function(cls.from_dict)
    return core_schema.json_or_python_schema(
        json_schema=from_dict,
        python_schema=core_schema.union_schema([core_schema.is_instance_schema(cls), from_dict]),
        serialization=core_schema.plain_serializer_function_ser_schema(lambda v: v.to_dict()),
    )


def pos(line: int, character: int) -> Position:
    return Position(line, character)


def span(line: int, start: int, end_line: int, end: int) -> Range:
    return Range(Position(line, start), Position(end_line, end))


def line_span(line: int, start: int, end: int) -> Range:
    """A range on a single line."""
    return Range(Position(line, start), Position(line, end))


ZERO_RANGE = span(0, 0, 0, 0)


def union(a: Range, b: Range) -> Range:
    """The smallest range covering both."""
    start = a.start if a.start <= b.start else b.start
    end = b.end if a.end <= b.end else a.end
    return Range(start, end)
