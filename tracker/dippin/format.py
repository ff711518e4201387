"""The canonical formatter: one spelling for every construct, and nothing lost.

``format_text`` parses and formats a document (a document with parse errors is not
formatted; its diagnostics are returned instead). ``format_result`` formats an already
parsed document. The output keeps every comment, every field the author wrote and the
meaning of every value: parsing the output gives the same IR as parsing the input (up to
positions and spelling), and formatting the output again changes nothing.

The style itself is described in ``docs/formatting.md``; the pieces live in
:mod:`format_emit` (layout), :mod:`format_values` (value spelling), :mod:`format_order`
(field order) and :mod:`format_comments` (comments and blank lines).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tracker.dippin.diagnostics import Diagnostic, has_errors
from tracker.dippin.format_comments import plan_comments, weave
from tracker.dippin.format_emit import Emitter
from tracker.dippin.parser import ParseResult, parse_bytes, parse_text

__all__ = ["FormatOutcome", "format_bytes", "format_result", "format_text"]


@dataclass
class FormatOutcome:
    """The formatted text (``None`` when the document has parse errors), the parse
    diagnostics, and whether formatting changed anything."""

    text: str | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    changed: bool = False

    @property
    def ok(self) -> bool:
        return self.text is not None


def format_result(result: ParseResult) -> str:
    """Canonical text of a parsed document. The caller checks for parse errors first:
    a document with errors is only partly in the IR, and formatting it would drop text."""
    plan = plan_comments(result.lexed)
    records = Emitter(result).emit()
    return weave(records, plan)


def format_text(text: str, path: str | None = None) -> FormatOutcome:
    """Parse and format ``text``. File directives are not read: the formatter writes the
    directive back, so the files they name need not exist."""
    result = parse_text(text, path)
    return _outcome(result, text)


def format_bytes(data: bytes, path: str | None = None) -> FormatOutcome:
    """Like :func:`format_text` for raw file contents (invalid UTF-8 is a parse error)."""
    result = parse_bytes(data, path)
    outcome = _outcome(result, None)
    if outcome.text is not None:
        outcome.changed = outcome.text.encode("utf-8") != data
    return outcome


def _outcome(result: ParseResult, original: str | None) -> FormatOutcome:
    if has_errors(result.diagnostics):
        return FormatOutcome(text=None, diagnostics=result.diagnostics, changed=False)
    formatted = format_result(result)
    return FormatOutcome(
        text=formatted, diagnostics=result.diagnostics, changed=formatted != original
    )
