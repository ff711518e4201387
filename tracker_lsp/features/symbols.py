"""Document symbols (workflow → sections, nodes by kind, edges) and workspace symbols
(workflows and nodes of every ``.dip`` file in the workspace folders and open documents)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from tracker.dippin.positions import Range, union
from tracker_lsp.documents import Snapshot, path_key
from tracker_lsp.positions import Converter

if TYPE_CHECKING:
    from tracker_lsp.server import TrackerServer

S = lsp.SymbolKind
NODE_KINDS: dict[str, lsp.SymbolKind] = {
    "agent": S.Function,
    "human": S.Interface,
    "tool": S.Method,
    "subgraph": S.Module,
    "conditional": S.Enum,
    "manager_loop": S.Class,
    "parallel": S.Struct,
    "fan_in": S.Struct,
}
MAX_WORKSPACE_FILES = 2000


def document_symbols(snap: Snapshot) -> list[lsp.DocumentSymbol]:
    wf = snap.workflow
    conv = snap.converter
    children: list[lsp.DocumentSymbol] = []
    for word, rng in wf.sections.items():
        if word == "edges":
            continue
        children.append(lsp.DocumentSymbol(name=word, kind=S.Namespace, range=conv.range(rng), selection_range=conv.range(_first_line(rng, word))))
    for node in wf.nodes:
        detail = node.kind + (f" · {node.label}" if node.label and node.label != node.id else "")
        children.append(
            lsp.DocumentSymbol(
                name=node.id,
                detail=detail,
                kind=NODE_KINDS.get(node.kind, S.Object),
                range=conv.range(union(node.range, node.id_range)),
                selection_range=conv.range(node.id_range),
            )
        )
    if wf.edges:
        edge_symbols = []
        for edge in wf.edges:
            name = f"{edge.source} -> {edge.target}"
            detail = edge.condition.raw if edge.condition is not None else edge.label
            edge_symbols.append(
                lsp.DocumentSymbol(name=name, detail=detail or None, kind=S.Event, range=conv.range(edge.range), selection_range=conv.range(edge.range))
            )
        rng = wf.sections.get("edges") or union(wf.edges[0].range, wf.edges[-1].range)
        children.append(
            lsp.DocumentSymbol(name="edges", kind=S.Namespace, range=conv.range(rng), selection_range=conv.range(_first_line(rng, "edges")), children=edge_symbols)
        )
    children.sort(key=lambda s: (s.range.start.line, s.range.start.character))
    if not wf.name:
        return children
    whole = wf.range if wf.range.end.line >= wf.name_range.end.line else wf.name_range
    return [
        lsp.DocumentSymbol(
            name=wf.name,
            detail=wf.goal[:80] if wf.goal else "workflow",
            kind=S.Module,
            range=conv.range(union(whole, wf.name_range)),
            selection_range=conv.range(wf.name_range),
            children=children,
        )
    ]


def _first_line(rng: Range, word: str) -> Range:
    start = rng.start
    return Range(start, type(start)(start.line, start.character + len(word)))


def workspace_symbols(server: TrackerServer, query: str) -> list[lsp.WorkspaceSymbol]:
    from tracker.dippin import load_file

    query = query.lower()
    out: list[lsp.WorkspaceSymbol] = []
    seen: set[str] = set()
    for doc in server.documents:
        if doc.path is None:
            continue
        seen.add(path_key(doc.path))
        out += _file_symbols(doc.uri, doc.parsed(server.encoding), query)
    for path in _workspace_files(server):
        key = path_key(path)
        if key in seen:
            continue
        seen.add(key)
        cached = server.symbol_cache.get(key)
        try:
            stat = path.stat()
        except OSError:
            continue
        stamp = (stat.st_mtime_ns, stat.st_size)
        if cached is None or cached[0] != stamp:
            try:
                result = load_file(path)
            except OSError:
                continue
            lines = result.source.lines
            from tracker_lsp.documents import Snapshot as Snap

            snap = Snap(0, lines, result, server.encoding)
            cached = (stamp, _file_symbols(path.resolve().as_uri(), snap, ""))
            server.symbol_cache[key] = cached
        out += [s for s in cached[1] if _matches(s.name, query)]
    return out


def _matches(name: str, query: str) -> bool:
    if not query:
        return True
    name = name.lower()
    i = 0
    for ch in name:
        if i < len(query) and ch == query[i]:
            i += 1
    return i == len(query)


def _file_symbols(uri: str, snap: Snapshot, query: str) -> list[lsp.WorkspaceSymbol]:
    wf = snap.workflow
    conv = Converter(snap.lines, snap.encoding)
    out = []
    if wf.name and _matches(wf.name, query):
        out.append(lsp.WorkspaceSymbol(name=wf.name, kind=S.Module, location=lsp.Location(uri=uri, range=conv.range(wf.name_range))))
    for node in wf.nodes:
        if _matches(node.id, query):
            out.append(
                lsp.WorkspaceSymbol(
                    name=node.id,
                    kind=NODE_KINDS.get(node.kind, S.Object),
                    container_name=wf.name or None,
                    location=lsp.Location(uri=uri, range=conv.range(node.id_range)),
                )
            )
    return out


def _workspace_files(server: TrackerServer) -> list[Path]:
    from tracker_lsp.files import workspace_roots

    files: list[Path] = []
    seen: set[str] = set()
    for root in workspace_roots(server):
        for path in root.rglob("*.dip"):
            key = path_key(path)
            if key not in seen and not any(part.startswith(".") for part in path.relative_to(root).parts):
                seen.add(key)
                files.append(path)
            if len(files) >= MAX_WORKSPACE_FILES:
                return files
    return files


def register(server: TrackerServer) -> None:
    @server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def document_symbol(params: lsp.DocumentSymbolParams) -> list[lsp.DocumentSymbol] | None:
        snap = server.snapshot(params.text_document.uri)
        return document_symbols(snap) if snap is not None else None

    @server.feature(lsp.WORKSPACE_SYMBOL)
    def workspace_symbol(params: lsp.WorkspaceSymbolParams) -> list[lsp.WorkspaceSymbol]:
        return workspace_symbols(server, params.query)
