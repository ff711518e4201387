"""Diagnostic records produced by the parser, the validator and the linter.

One shape serves every front end: the CLI renders it as text or JSON, the language
server converts it to an LSP diagnostic, and quick fixes travel as text edits.
"""

from __future__ import annotations

from dataclasses import field
from enum import StrEnum
from typing import Any

from tracker.dippin.positions import ZERO_RANGE, Range
from tracker.dippin.records import record


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    HINT = "hint"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2, Severity.HINT: 3}


@record
class TextEdit:
    """Replace ``range`` with ``new_text``."""

    range: Range
    new_text: str


@record
class Fix:
    """A machine-applicable correction: a title and the edits that implement it."""

    title: str
    edits: list[TextEdit] = field(default_factory=list)


@record
class Related:
    """Another place in a document that explains a diagnostic (e.g. a first declaration)."""

    message: str
    range: Range
    file: str | None = None


@record
class Diagnostic:
    code: str
    severity: Severity
    message: str
    range: Range = ZERO_RANGE
    file: str | None = None
    help: str = ""
    fix: Fix | None = None
    related: list[Related] = field(default_factory=list)
    unnecessary: bool = False
    deprecated: bool = False

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def to_dict(self) -> dict[str, Any]:
        """JSON shape used by ``--format json`` and editors: zero-based LSP-like ranges."""
        out: dict[str, Any] = {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "file": self.file,
            "range": self.range.to_dict(),
            "help": self.help or None,
            "fix": None,
        }
        if self.fix is not None:
            out["fix"] = {
                "title": self.fix.title,
                "edits": [{"range": e.range.to_dict(), "newText": e.new_text} for e in self.fix.edits],
            }
        if self.related:
            out["related"] = [
                {"message": r.message, "file": r.file or self.file, "range": r.range.to_dict()} for r in self.related
            ]
        return out


def sort_key(d: Diagnostic) -> tuple[int, int, int, str]:
    """Document order, then severity: the order humans read diagnostics in."""
    return (d.range.start.line, d.range.start.character, d.severity.rank, d.code)


def has_errors(diagnostics: list[Diagnostic]) -> bool:
    return any(d.severity is Severity.ERROR for d in diagnostics)
