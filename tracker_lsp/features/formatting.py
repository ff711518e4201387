"""Whole-document formatting through :func:`tracker.dippin.format.format_text` (the
formatter of ``tracker fmt``). A document with syntax errors is left untouched and the
client is told why."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types as lsp

if TYPE_CHECKING:
    from tracker_lsp.server import TrackerServer


def register(server: TrackerServer) -> None:
    @server.feature(lsp.TEXT_DOCUMENT_FORMATTING)
    def formatting(params: lsp.DocumentFormattingParams) -> list[lsp.TextEdit] | None:
        from tracker.dippin.format import format_text

        doc = server.document(params.text_document.uri)
        if doc is None:
            return None
        text = doc.text
        outcome = format_text(text, str(doc.path) if doc.path else None)
        if outcome.text is None:
            first = next((d for d in outcome.diagnostics if d.severity.value == "error"), None)
            where = f" (line {first.range.start.line + 1}: {first.message})" if first else ""
            server.window_show_message(
                lsp.ShowMessageParams(type=lsp.MessageType.Warning, message=f"Not formatted: the document has syntax errors{where}")
            )
            return None
        if outcome.text == text:
            return []
        conv = doc.parsed(server.encoding).converter
        last = len(doc.lines) - 1
        from tracker.dippin.positions import Position, Range

        whole = conv.range(Range(Position(0, 0), Position(last, len(doc.lines[last]))))
        return [lsp.TextEdit(range=whole, new_text=outcome.text)]
