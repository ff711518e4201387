"""Reading Dippin source text: decoding bytes and splitting lines the way editors do."""

from __future__ import annotations

import re
from dataclasses import field

from tracker.dippin.records import record

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@record(kw_only=False, eq=True, slots=False)
class DecodeProblem:
    line: int
    character: int
    byte: int


@record(kw_only=False, eq=True, slots=False)
class SourceText:
    """Decoded text split into lines (``\\n``, ``\\r\\n`` and ``\\r`` all end a line, as in LSP)."""

    text: str
    lines: list[str]
    problems: list[DecodeProblem] = field(default_factory=list)

    @classmethod
    def from_text(cls, text: str) -> SourceText:
        if text.startswith("\ufeff"):
            text = text[1:]
        return cls(text, _LINE_BREAK.split(text))

    @classmethod
    def from_bytes(cls, data: bytes) -> SourceText:
        text, bad = decode(data)
        src = cls.from_text(text)
        offset_shift = 1 if text.startswith("\ufeff") else 0
        for offset, byte in bad[:50]:
            offset -= offset_shift
            line = len(_LINE_BREAK.findall(text, 0, offset + offset_shift))
            line_start = max(text.rfind("\n", 0, offset + offset_shift), text.rfind("\r", 0, offset + offset_shift)) + 1
            src.problems.append(DecodeProblem(line, offset + offset_shift - line_start, byte))
        return src


def decode(data: bytes) -> tuple[str, list[tuple[int, int]]]:
    """Decode UTF-8, replacing invalid bytes with U+FFFD; return the text and, for each
    replacement, its character offset and the offending byte."""
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    out: list[str] = []
    bad: list[tuple[int, int]] = []
    pos = 0
    length = 0
    while pos < len(data):
        try:
            out.append(data[pos:].decode("utf-8"))
            break
        except UnicodeDecodeError as exc:
            good = data[pos : pos + exc.start].decode("utf-8")
            out.append(good)
            length += len(good)
            bad.append((length, data[pos + exc.start]))
            out.append("\ufffd")
            length += 1
            pos += exc.end
    return "".join(out), bad
