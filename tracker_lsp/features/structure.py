"""Folding ranges (nodes, sections, multi-line field values, comment runs) and selection
ranges (name → field → node → workflow), from the IR's ranges."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from tracker.dippin.positions import Position, Range
from tracker_lsp.documents import Snapshot

if TYPE_CHECKING:
    from tracker_lsp.server import TrackerServer


def folding_ranges(snap: Snapshot) -> list[lsp.FoldingRange]:
    wf = snap.workflow
    out: list[lsp.FoldingRange] = []
    seen: set[tuple[int, int]] = set()

    def add(start: int, end: int, kind: lsp.FoldingRangeKind | None = None) -> None:
        if end > start and (start, end) not in seen:
            seen.add((start, end))
            out.append(lsp.FoldingRange(start_line=start, end_line=end, kind=kind))

    for node in wf.nodes:
        add(node.range.start.line, node.range.end.line)
        for src in node.fields.values():
            if src.block:
                add(src.key_range.start.line, src.value_range.end.line)
    for rng in wf.sections.values():
        add(rng.start.line, rng.end.line)
    for src in wf.fields.values():
        if src.block:
            add(src.key_range.start.line, src.value_range.end.line)
    run_start = run_end = -2
    for comment in wf.comments:
        if not comment.own_line:
            continue
        line = comment.range.start.line
        if line == run_end + 1:
            run_end = line
            continue
        add(run_start, run_end, lsp.FoldingRangeKind.Comment)
        run_start = run_end = line
    add(run_start, run_end, lsp.FoldingRangeKind.Comment)
    return out


def selection_chain(snap: Snapshot, pos: Position) -> list[Range]:
    """Ranges around ``pos``, innermost first."""
    wf = snap.workflow
    chain: list[Range] = []
    occ = snap.index().at(pos)
    if occ is not None:
        chain.append(occ.range)
        if occ.full is not None and occ.full != occ.range:
            chain.append(occ.full)
    for edge in wf.edges:
        if edge.range.contains(pos):
            chain.append(edge.range)
            section = wf.sections.get("edges")
            if section is not None:
                chain.append(section)
    for node in wf.nodes:
        if node.range.contains(pos) or node.header_range.contains(pos):
            for src in node.fields.values():
                if src.value_range.contains(pos):
                    chain.append(src.value_range)
                whole = Range(src.key_range.start, src.value_range.end if src.value_range.end > src.key_range.end else src.key_range.end)
                if whole.contains(pos):
                    chain.append(whole)
            chain.append(node.range)
    if wf.range.contains(pos):
        chain.append(wf.range)
    chain = sorted(set(chain), key=lambda r: (r.end.line - r.start.line, r.end.character - r.start.character if r.start.line == r.end.line else 0))
    out: list[Range] = []
    for rng in chain:
        if not out or (rng.start <= out[-1].start and out[-1].end <= rng.end and rng != out[-1]):
            out.append(rng)
    return out or [Range(pos, pos)]


def register(server: TrackerServer) -> None:
    @server.feature(lsp.TEXT_DOCUMENT_FOLDING_RANGE)
    def folding(params: lsp.FoldingRangeParams) -> list[lsp.FoldingRange] | None:
        snap = server.snapshot(params.text_document.uri)
        return folding_ranges(snap) if snap is not None else None

    @server.feature(lsp.TEXT_DOCUMENT_SELECTION_RANGE)
    def selection(params: lsp.SelectionRangeParams) -> list[lsp.SelectionRange] | None:
        snap = server.snapshot(params.text_document.uri)
        if snap is None:
            return None
        conv = snap.converter
        result = []
        for position in params.positions:
            parent: lsp.SelectionRange | None = None
            for rng in reversed(selection_chain(snap, conv.from_position(position))):
                parent = lsp.SelectionRange(range=conv.range(rng), parent=parent)
            assert parent is not None
            result.append(parent)
        return result
