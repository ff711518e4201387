"""Document links for ``prompt_file``, ``system_prompt_file``, ``command_file``, the
defaults ``*_file`` keys, subgraph ``ref`` and manager-loop ``subgraph_ref``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from tracker.dippin.positions import Position, Range
from tracker_lsp.documents import Snapshot
from tracker_lsp.features.navigation import FILE_FIELDS

if TYPE_CHECKING:
    from tracker_lsp.server import TrackerServer


def links(snap: Snapshot) -> list[lsp.DocumentLink]:
    if not snap.result.path:
        return []
    base = Path(snap.result.path).parent
    conv = snap.converter
    out = []
    for fields in [n.fields for n in snap.workflow.nodes] + [snap.workflow.defaults.fields]:
        for name in FILE_FIELDS:
            src = fields.get(name)
            if src is None or src.value_range.start.line != src.value_range.end.line:
                continue
            r = src.value_range
            raw = snap.lines[r.start.line][r.start.character : r.end.character]
            value = raw.strip().strip('"')
            if not value:
                continue
            start = r.start.character + raw.index(value)
            rng = Range(Position(r.start.line, start), Position(r.start.line, start + len(value)))
            target = (base / value).resolve()
            out.append(lsp.DocumentLink(range=conv.range(rng), target=target.as_uri(), tooltip=f"Open {value}"))
    return out


def register(server: TrackerServer) -> None:
    @server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_LINK, lsp.DocumentLinkOptions(resolve_provider=False))
    def document_link(params: lsp.DocumentLinkParams) -> list[lsp.DocumentLink] | None:
        snap = server.snapshot(params.text_document.uri)
        return links(snap) if snap is not None else None
