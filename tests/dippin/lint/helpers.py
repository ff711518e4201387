"""Shared helpers for the lint tests: build documents with a marked range, lint them
from a real file (so ranges inside values can be located), apply quick fixes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tracker.dippin import load_file
from tracker.dippin.diagnostics import Diagnostic, Fix
from tracker.dippin.lint import LintOptions, check
from tracker.dippin.positions import Position, Range

OPEN, CLOSE = "⟦", "⟧"


def wf(body: str, *, start: str = "A", exit: str = "B", header: str = "") -> str:
    """A workflow ``W`` with the given header lines and body (already indented)."""
    lines = ["workflow W"]
    if start:
        lines.append(f"  start: {start}")
    if exit:
        lines.append(f"  exit: {exit}")
    if header:
        lines.append(header.rstrip("\n"))
    return "\n".join(lines) + "\n\n" + body.strip("\n") + "\n"


BASIC_NODES = "  agent A\n    prompt: Plan.\n  agent B\n    prompt: Ship.\n"


def marked(text: str) -> tuple[str, Range | None]:
    """Remove the ⟦…⟧ marker and return the text and the marked range."""
    if OPEN not in text:
        return text, None
    before, _, rest = text.partition(OPEN)
    inner, _, after = rest.partition(CLOSE)
    clean = before + inner + after
    start_line = before.count("\n")
    start_char = len(before) - (before.rfind("\n") + 1)
    end_text = before + inner
    end_line = end_text.count("\n")
    end_char = len(end_text) - (end_text.rfind("\n") + 1)
    return clean, Range(Position(start_line, start_char), Position(end_line, end_char))


@dataclass
class Linted:
    text: str
    path: Path
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def of(self, code: str) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.code == code]


def lint_text(tmp_path: Path, text: str, options: LintOptions | None = None, name: str = "flow.dip") -> Linted:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = load_file(path)
    return Linted(text, path, check(result, options))


def apply_fix(text: str, fix: Fix) -> str:
    """Apply a fix's edits (last first, so earlier offsets stay valid)."""
    lines = text.split("\n")

    def offset(pos: Position) -> int:
        if pos.line >= len(lines):
            return len(text)
        return sum(len(line) + 1 for line in lines[: pos.line]) + min(pos.character, len(lines[pos.line]))

    edits = sorted(fix.edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True)
    for edit in edits:
        a, b = offset(edit.range.start), offset(edit.range.end)
        text = text[:a] + edit.new_text + text[b:]
    return text
