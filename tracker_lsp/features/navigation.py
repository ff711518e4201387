"""Go to definition, find references and document highlights.

Node IDs lead to their declaration; context keys to the nodes that write them (the
``writes:`` entry, or the node for keys a handler writes); ``ref:``/``subgraph_ref:`` and
file directives open the file. References list every occurrence (see
:mod:`tracker_lsp.index`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from tracker.dippin.positions import Position, Range
from tracker_lsp.documents import Snapshot
from tracker_lsp.index import Occurrence

if TYPE_CHECKING:
    from tracker_lsp.server import TrackerServer

FILE_FIELDS = ("ref", "subgraph_ref", "prompt_file", "system_prompt_file", "command_file", "prompt_prefix_file", "prompt_suffix_file")


def file_target(snap: Snapshot, pos: Position) -> tuple[Path, Range] | None:
    """The file named by a ``ref:``-like field whose value holds ``pos``."""
    if not snap.result.path:
        return None
    base = Path(snap.result.path).parent
    sources = [n.fields for n in snap.workflow.nodes] + [snap.workflow.defaults.fields]
    for fields in sources:
        for name in FILE_FIELDS:
            src = fields.get(name)
            if src is not None and src.value_range.contains(pos):
                value = snap.lines[src.value_range.start.line][src.value_range.start.character : src.value_range.end.character]
                value = value.strip().strip('"')
                if value:
                    return (base / value), src.value_range
    return None


def definitions(snap: Snapshot, occ: Occurrence) -> list[Range]:
    if occ.what == "node":
        node = snap.workflow.node(occ.name)
        return [node.id_range] if node is not None else []
    analysis = snap.analysis()
    if analysis is None:
        return []
    key = f"graph.{occ.name}" if occ.name.startswith("params.") else occ.name
    out: list[Range] = []
    for w in analysis.writers_of(key):
        if w.range not in out:
            out.append(w.range)
    return out


def _location(uri: str, snap: Snapshot, rng: Range) -> lsp.Location:
    return lsp.Location(uri=uri, range=snap.converter.range(rng))


def register(server: TrackerServer) -> None:
    @server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
    def definition(params: lsp.DefinitionParams) -> list[lsp.Location] | None:
        uri = params.text_document.uri
        snap = server.snapshot(uri)
        if snap is None:
            return None
        pos = snap.converter.from_position(params.position)
        target = file_target(snap, pos)
        if target is not None:
            zero = lsp.Range(start=lsp.Position(line=0, character=0), end=lsp.Position(line=0, character=0))
            return [lsp.Location(uri=target[0].resolve().as_uri(), range=zero)]
        occ = snap.index().at(pos)
        if occ is None:
            return None
        return [_location(uri, snap, r) for r in definitions(snap, occ)] or None

    @server.feature(lsp.TEXT_DOCUMENT_REFERENCES)
    def references(params: lsp.ReferenceParams) -> list[lsp.Location] | None:
        uri = params.text_document.uri
        snap = server.snapshot(uri)
        if snap is None:
            return None
        pos = snap.converter.from_position(params.position)
        index = snap.index()
        occ = index.at(pos)
        if occ is None:
            return None
        include = params.context.include_declaration
        out = []
        for o in index.of(occ.what, occ.name):
            if not include and o.role in ("decl", "write"):
                continue
            out.append(_location(uri, snap, o.range))
        return out

    @server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_HIGHLIGHT)
    def highlight(params: lsp.DocumentHighlightParams) -> list[lsp.DocumentHighlight] | None:
        snap = server.snapshot(params.text_document.uri)
        if snap is None:
            return None
        index = snap.index()
        occ = index.at(snap.converter.from_position(params.position))
        if occ is None:
            return None
        kinds = {"decl": lsp.DocumentHighlightKind.Write, "write": lsp.DocumentHighlightKind.Write}
        return [
            lsp.DocumentHighlight(range=snap.converter.range(o.range), kind=kinds.get(o.role, lsp.DocumentHighlightKind.Read))
            for o in index.of(occ.what, occ.name)
        ]
