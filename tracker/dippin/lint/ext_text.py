"""Exact positions inside field values, for rules that point at one list element or map key.

The IR keeps where a field's value sits (``FieldSource``) and its decoded value, but not
the text as written; list element ranges are used from ``FieldSource.item_ranges`` when
the parser recorded them, and map keys are never recorded. Otherwise these helpers recover the document's lines (the language server's open document via
``LintOptions.read_file``, else the file on disk), re-split the value region exactly like
:func:`tracker.dippin.values.split_list`, and use the result only when it reproduces the
decoded value. When the text cannot be recovered, or differs from what was parsed, they
fall back to the whole value's range, so a diagnostic is never misplaced.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from tracker.dippin.positions import Position, Range

if TYPE_CHECKING:
    from tracker.dippin.ir import FieldSource
    from tracker.dippin.lint import LintContext

SOURCE_LINES_KEY = "source_lines"
"""``LintContext`` cache key holding the document's lines; a caller that has them (e.g.
``check()`` with ``result.source.lines``) can put them there to skip the re-read."""


def source_lines(ctx: LintContext) -> list[str] | None:
    """The linted document's lines, or ``None`` when they cannot be recovered."""
    return ctx.source_lines


class _Region(NamedTuple):
    """Text of a document range, with the document position of every offset."""

    text: str
    line_starts: tuple[tuple[int, int, int], ...]  # (offset in text, document line, character)

    def position(self, offset: int) -> Position:
        best = self.line_starts[0]
        for start in self.line_starts:
            if start[0] > offset:
                break
            best = start
        return Position(line=best[1], character=best[2] + offset - best[0])

    def range(self, start: int, end: int) -> Range:
        return Range(start=self.position(start), end=self.position(end))


def _region(lines: list[str], rng: Range) -> _Region | None:
    first, last = rng.start.line, rng.end.line
    if first < 0 or last >= len(lines) or last < first:
        return None
    parts: list[str] = []
    starts: list[tuple[int, int, int]] = []
    offset = 0
    for line_no in range(first, last + 1):
        text = lines[line_no]
        begin = rng.start.character if line_no == first else 0
        end = rng.end.character if line_no == last else len(text)
        if begin > len(text) or end > len(text) or end < begin:
            return None
        starts.append((offset, line_no, begin))
        parts.append(text[begin:end])
        offset += end - begin + 1
    return _Region("\n".join(parts), tuple(starts))


def _split_with_offsets(text: str) -> list[tuple[str, int, int]]:
    """``split_list`` that also returns each element's offsets in ``text``."""
    items: list[tuple[str, int, int]] = []
    offset = 0
    for line in text.split("\n"):
        body_start = offset + len(line) - len(line.lstrip())
        stripped = line.strip()
        if stripped.startswith("- "):
            skipped = 2 + len(stripped[2:]) - len(stripped[2:].lstrip())
            body_start += skipped
            stripped = stripped[2:].strip()
        elif stripped == "-":
            offset += len(line) + 1
            continue
        cursor = body_start
        for part in stripped.split(","):
            lead = len(part) - len(part.lstrip())
            item = part.strip()
            if item:
                items.append((item, cursor + lead, cursor + lead + len(item)))
            cursor += len(part) + 1
        offset += len(line) + 1
    return items


def list_item_ranges(ctx: LintContext, src: FieldSource, items: Sequence[str]) -> list[Range]:
    """The range of each element of a list field's value (``items`` as decoded)."""
    if src.item_ranges and len(src.item_ranges) == len(items):
        return list(src.item_ranges)  # recorded by the parser
    fallback = [src.value_range] * len(items)
    lines = source_lines(ctx)
    if lines is None:
        return fallback
    region = _region(lines, src.value_range)
    if region is None:
        return fallback
    text = region.text
    shift = 0
    if src.quoted and not src.block and len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        text = text[1:-1]
        shift = 1
    pieces = _split_with_offsets(text)
    if [p[0] for p in pieces] != list(items):
        return fallback
    return [region.range(start + shift, end + shift) for _, start, end in pieces]


class MapEntry(NamedTuple):
    """One ``key: value`` line of a map block (``params:``), as written."""

    key: str
    value: str
    key_range: Range
    line_range: Range  # the entry's text on its line, without indentation
    indent: int

    @property
    def whole_lines(self) -> Range:
        """The entry's line including its line break, for deleting it."""
        return whole_lines(self.line_range)


def map_entries(ctx: LintContext, src: FieldSource) -> list[MapEntry] | None:
    """Top-level entries of a map block field, or ``None`` when the text is unavailable."""
    lines = source_lines(ctx)
    if lines is None or not src.block:
        return None
    rng = src.value_range
    if rng.end.line >= len(lines):
        return None
    found: list[MapEntry] = []
    base_indent: int | None = None
    for line_no in range(rng.start.line, rng.end.line + 1):
        text = lines[line_no]
        stripped = text.strip()
        if not stripped or stripped.startswith("#") or ":" not in stripped:
            continue
        indent = len(text) - len(text.lstrip())
        if base_indent is None:
            base_indent = indent
        if indent != base_indent:
            continue
        key, _, value = stripped.partition(":")
        key = key.strip()
        if not key:
            continue
        end = len(text.rstrip())
        found.append(
            MapEntry(
                key=key,
                value=value.strip(),
                key_range=Range(Position(line_no, indent), Position(line_no, indent + len(key))),
                line_range=Range(Position(line_no, indent), Position(line_no, end)),
                indent=indent,
            )
        )
    return found


def whole_lines(rng: Range) -> Range:
    """From the start of ``rng``'s first line to the start of the line after its last."""
    return Range(Position(rng.start.line, 0), Position(rng.end.line + 1, 0))


def with_leading_space(ctx: LintContext, rng: Range) -> Range:
    """``rng`` widened to the blanks before it on its line (to delete an edge attribute
    without leaving a double space); unchanged when the text is unavailable."""
    lines = source_lines(ctx)
    if lines is None or rng.start.line >= len(lines):
        return rng
    text = lines[rng.start.line]
    start = min(rng.start.character, len(text))
    while start > 0 and text[start - 1] in " \t":
        start -= 1
    return Range(Position(rng.start.line, start), rng.end)
