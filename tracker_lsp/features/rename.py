"""Rename (with prepareRename) of node IDs, context keys and subgraph parameters.

* a node ID: its declaration and every reference (edges, ``start:``/``exit:``, targets,
  parallel/fan-in lists, ``node.<id>.`` in references and conditions);
* a context key declared by the workflow (``writes:``, ``answers_key``): every writer and
  reader, including the ``node.<id>.<key>`` forms; keys the runtime writes
  (``last_response``, ``outcome``, ...) cannot be renamed;
* a workflow variable / subgraph parameter: ``vars`` entry and ``${params.x}`` reads in the
  child, and the ``params:`` entries of every subgraph node (in open documents and
  workspace files) whose ``ref`` points at the child — and the other way round.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcInvalidParams

from tracker.dippin.ir import SubgraphNode
from tracker.dippin.positions import Position, Range
from tracker_lsp.documents import Snapshot, path_key, run_analysis, split_lines
from tracker_lsp.index import Occurrence, SymbolIndex
from tracker_lsp.positions import Converter

if TYPE_CHECKING:
    from tracker_lsp.server import TrackerServer

_NODE_ID = re.compile(r"\w[\w./]*(?:-(?!>)[\w./]*)*")
_KEY = re.compile(r"[A-Za-z_][\w\-]*(?:\.[\w\-]+)*")
_RENAMABLE_WRITERS = ("writes", "answers_key")


class RenameError(Exception):
    pass


def target(snap: Snapshot, pos: Position) -> Occurrence:
    occ = snap.index().at(pos)
    if occ is None:
        raise RenameError("nothing to rename here: place the cursor on a node ID, a context key or a parameter")
    if occ.what == "node":
        if snap.workflow.node(occ.name) is None:
            raise RenameError(f"`{occ.name}` is not a declared node")
        return occ
    if occ.name.startswith("params."):
        return occ
    if occ.name.startswith(("graph.", "inputs.", "stack.")):
        raise RenameError(f"`{occ.name}` is provided by the run and cannot be renamed here")
    key = _base_key(occ.name)
    analysis = snap.analysis()
    writers = analysis.writers_of(key) if analysis is not None else []
    if any(w.kind not in _RENAMABLE_WRITERS for w in writers):
        raise RenameError(f"`{key}` is written by the runtime (e.g. by a handler) and cannot be renamed")
    return occ


def _base_key(name: str) -> str:
    """``node.A.x`` → ``x``; other keys unchanged."""
    if name.startswith("node."):
        parts = name.split(".", 2)
        if len(parts) == 3:
            return parts[2]
    return name


def _key_edits(index: SymbolIndex, key: str, new: str) -> Iterator[tuple[Range, str]]:
    for o in index.occurrences:
        if o.what != "key":
            continue
        if o.name == key:
            yield o.range, new
        elif o.name.startswith("node.") and _base_key(o.name) == key and o.name.endswith("." + key):
            r = o.range
            start = Position(r.end.line, r.end.character - len(key))
            yield Range(start, r.end), new


def _node_edits(index: SymbolIndex, name: str, new: str) -> Iterator[tuple[Range, str]]:
    for o in index.of("node", name):
        yield o.range, new


class EditSet:
    """Text edits per document URI, converted with each document's own lines."""

    def __init__(self, server: TrackerServer) -> None:
        self.server = server
        self.changes: dict[str, list[lsp.TextEdit]] = {}

    def add(self, uri: str, lines: list[str], edits: Iterator[tuple[Range, str]]) -> None:
        conv = Converter(lines, self.server.encoding)
        bucket = self.changes.setdefault(uri, [])
        seen = {(e.range.start.line, e.range.start.character) for e in bucket}
        for rng, text in edits:
            edit = lsp.TextEdit(range=conv.range(rng), new_text=text)
            mark = (edit.range.start.line, edit.range.start.character)
            if mark not in seen:
                seen.add(mark)
                bucket.append(edit)

    def result(self) -> lsp.WorkspaceEdit:
        return lsp.WorkspaceEdit(changes={uri: edits for uri, edits in self.changes.items() if edits})


def _snapshot_of(server: TrackerServer, path: Path) -> tuple[str, Snapshot] | None:
    """An analysed snapshot of another file: from its open buffer, else from disk."""
    doc = server.documents.by_path(path)
    if doc is not None:
        return doc.uri, doc.parsed(server.encoding)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    from tracker.dippin import load_text

    lines, _ = split_lines(text)
    result = load_text("\n".join(lines), str(path))
    snap = Snapshot(0, lines, result, server.encoding)
    snap._analysis = run_analysis(result.workflow, lines)
    snap._analysis_done = True
    return path.resolve().as_uri(), snap


def _candidate_parents(server: TrackerServer, child: Path) -> list[Path]:
    """Open documents and workspace ``.dip`` files that mention the child's file name."""
    found: dict[str, Path] = {}
    for doc in server.documents:
        if doc.path is not None and child.name in doc.text:
            found[path_key(doc.path)] = doc.path
    from tracker_lsp.files import workspace_roots

    roots = [*workspace_roots(server), child.parent]
    for root in roots:
        for path in list(root.rglob("*.dip"))[:2000]:
            key = path_key(path)
            if key in found:
                continue
            try:
                if child.name in path.read_text(encoding="utf-8", errors="replace"):
                    found[key] = path
            except OSError:
                continue
    return list(found.values())


def _param_edits(server: TrackerServer, edits: EditSet, uri: str, snap: Snapshot, occ: Occurrence, new_name: str) -> None:
    here = Path(snap.result.path) if snap.result.path else None
    if occ.role == "arg":
        # Cursor on a subgraph call's params entry: rename there and in the child.
        node = snap.workflow.node(occ.node or "")
        if not isinstance(node, SubgraphNode) or here is None:
            raise RenameError("cannot find the subgraph this parameter is passed to")
        child_path = (here.parent / node.ref).resolve()
        child = _snapshot_of(server, child_path)
        if child is not None:
            edits.add(child[0], child[1].lines, _key_edits(child[1].index(), occ.name, new_name))
        parents = [(uri, snap)]
        for path in _candidate_parents(server, child_path):
            other = _snapshot_of(server, path)
            if other is not None and other[0] != uri:
                parents.append(other)
        for puri, psnap in parents:
            edits.add(puri, psnap.lines, _arg_edits(psnap, child_path, occ.name, new_name))
        return
    edits.add(uri, snap.lines, _key_edits(snap.index(), occ.name, new_name))
    if here is None:
        return
    child_path = here.resolve()
    for path in _candidate_parents(server, child_path):
        other = _snapshot_of(server, path)
        if other is not None and other[0] != uri:
            edits.add(other[0], other[1].lines, _arg_edits(other[1], child_path, occ.name, new_name))


def _arg_edits(parent: Snapshot, child: Path, key: str, new: str) -> Iterator[tuple[Range, str]]:
    base = Path(parent.result.path).parent if parent.result.path else None
    if base is None:
        return
    wanted = {n.id for n in parent.workflow.nodes if isinstance(n, SubgraphNode) and n.ref and (base / n.ref).resolve() == child}
    for o in parent.index().occurrences:
        if o.role == "arg" and o.name == key and o.node in wanted:
            yield o.range, new


def rename(server: TrackerServer, uri: str, snap: Snapshot, pos: Position, new_name: str) -> lsp.WorkspaceEdit:
    occ = target(snap, pos)
    edits = EditSet(server)
    if occ.what == "node":
        if not _NODE_ID.fullmatch(new_name):
            raise RenameError(f"`{new_name}` is not a valid node ID")
        if new_name != occ.name and snap.workflow.node(new_name) is not None:
            raise RenameError(f"a node named `{new_name}` already exists")
        edits.add(uri, snap.lines, _node_edits(snap.index(), occ.name, new_name))
        return edits.result()
    if occ.name.startswith("params."):
        new_key = new_name[len("params.") :] if new_name.startswith("params.") else new_name
        if not _KEY.fullmatch(new_key):
            raise RenameError(f"`{new_name}` is not a valid parameter name")
        _param_edits(server, edits, uri, snap, occ, new_key)
        return edits.result()
    new_key = new_name[4:] if new_name.startswith("ctx.") else new_name
    if not _KEY.fullmatch(new_key):
        raise RenameError(f"`{new_name}` is not a valid context key")
    edits.add(uri, snap.lines, _key_edits(snap.index(), _base_key(occ.name), new_key))
    return edits.result()


def register(server: TrackerServer) -> None:
    @server.feature(lsp.TEXT_DOCUMENT_PREPARE_RENAME)
    def prepare_rename(params: lsp.PrepareRenameParams) -> lsp.PrepareRenamePlaceholder | None:
        snap = server.snapshot(params.text_document.uri)
        if snap is None:
            return None
        try:
            occ = target(snap, snap.converter.from_position(params.position))
        except RenameError as exc:
            raise JsonRpcInvalidParams(str(exc)) from None
        rng = occ.range
        placeholder = snap.lines[rng.start.line][rng.start.character : rng.end.character]
        if occ.what == "key" and occ.name.startswith("node.") and not occ.name.startswith("params."):
            key = _base_key(occ.name)
            rng = Range(Position(rng.end.line, rng.end.character - len(key)), rng.end)
            placeholder = key
        return lsp.PrepareRenamePlaceholder(range=snap.converter.range(rng), placeholder=placeholder)

    @server.feature(lsp.TEXT_DOCUMENT_RENAME, lsp.RenameOptions(prepare_provider=True))
    def on_rename(params: lsp.RenameParams) -> lsp.WorkspaceEdit | None:
        uri = params.text_document.uri
        snap = server.snapshot(uri)
        if snap is None:
            return None
        try:
            return rename(server, uri, snap, snap.converter.from_position(params.position), params.new_name.strip())
        except RenameError as exc:
            raise JsonRpcInvalidParams(str(exc)) from None
