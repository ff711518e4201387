"""Semantic tokens: node kinds and section keywords, node IDs (declarations and uses),
field keys, ``${ns.key}`` interpolations (namespace and key), condition variables,
operators and connectives, edge attributes and comments — all from IR ranges."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from tracker.dippin.conditions import And, Not, Or, comparisons, connectives
from tracker.dippin.ir import FieldSource
from tracker.dippin.positions import Position, Range
from tracker_lsp.documents import Snapshot

if TYPE_CHECKING:
    from tracker_lsp.server import TrackerServer

TOKEN_TYPES = ["keyword", "class", "property", "namespace", "variable", "operator", "enumMember", "comment", "type", "parameter"]
TOKEN_MODIFIERS = ["declaration", "readonly", "defaultLibrary"]
LEGEND = lsp.SemanticTokensLegend(token_types=TOKEN_TYPES, token_modifiers=TOKEN_MODIFIERS)
_T = {name: i for i, name in enumerate(TOKEN_TYPES)}
_DECLARATION = 1


class _Tokens:
    def __init__(self) -> None:
        self.items: list[tuple[int, int, int, int, int]] = []  # line, start, end, type, modifiers

    def add(self, rng: Range, kind: str, modifiers: int = 0) -> None:
        if rng.start.line != rng.end.line or rng.end.character <= rng.start.character:
            return
        self.items.append((rng.start.line, rng.start.character, rng.end.character, _T[kind], modifiers))

    def word(self, at: Position, word: str, kind: str) -> None:
        self.add(Range(at, Position(at.line, at.character + len(word))), kind)


def _fields(tokens: _Tokens, fields: dict[str, FieldSource]) -> None:
    for src in fields.values():
        tokens.add(src.key_range, "property")


def collect(snap: Snapshot) -> list[tuple[int, int, int, int, int]]:
    wf = snap.workflow
    t = _Tokens()
    if wf.name:
        t.word(wf.header_range.start, "workflow", "keyword")
        t.add(wf.name_range, "type", 1)
    for word, rng in wf.sections.items():
        t.word(rng.start, word, "keyword")
    _fields(t, wf.fields)
    _fields(t, wf.defaults.fields)
    for var in wf.vars.values():
        t.add(var.source.key_range, "parameter", _DECLARATION)
    for decl in wf.inputs:
        t.add(decl.name_range, "parameter", _DECLARATION)
        _fields(t, decl.fields)
    for node in wf.nodes:
        t.word(node.header_range.start, node.kind, "keyword")
        _fields(t, node.fields)
        for branch in getattr(node, "branches", ()):
            _fields(t, branch.fields)
        for name in ("stop_condition", "steer_condition"):
            cond = getattr(node, name, None)
            if cond is not None and cond.expr is not None:
                _condition(t, cond.expr)
    for edge in wf.edges:
        for attr, rng in edge.attr_ranges.items():
            t.word(rng.start, attr, "keyword" if attr in ("when", "on", "loop") else "property")
        if edge.condition is not None and edge.condition.expr is not None and not edge.outcome_shorthand:
            _condition(t, edge.condition.expr)
    for occ in snap.index().occurrences:
        if occ.what == "node":
            t.add(occ.range, "class", _DECLARATION if occ.role == "decl" else 0)
        elif occ.origin == "interpolation" and occ.full is not None:
            ns_start = Position(occ.full.start.line, occ.full.start.character + 2)
            t.word(ns_start, occ.namespace, "namespace")
            t.add(occ.range, "variable")
        elif occ.origin == "condition" and occ.full is not None:
            if occ.namespace:
                t.word(occ.full.start, occ.namespace, "namespace")
            t.add(occ.range, "variable")
        else:
            t.add(occ.range, "variable", _DECLARATION if occ.role == "write" else 0)
    for comment in wf.comments:
        t.add(comment.range, "comment")
    items = sorted(t.items)
    out: list[tuple[int, int, int, int, int]] = []
    for item in items:
        if out and item[0] == out[-1][0] and item[1] < out[-1][2]:
            continue  # overlaps the previous token
        out.append(item)
    return out


def _condition(t: _Tokens, expr: object) -> None:
    for cmp in comparisons(expr):  # type: ignore[arg-type]
        t.add(cmp.op_range, "operator")
        t.add(cmp.value_range, "enumMember")
    for conn in connectives(expr):  # type: ignore[arg-type]
        if isinstance(conn, (And, Or, Not)):
            t.add(conn.op_range, "keyword" if conn.spelling.isalpha() else "operator")


def encode(snap: Snapshot, items: list[tuple[int, int, int, int, int]]) -> list[int]:
    conv = snap.converter
    data: list[int] = []
    prev_line = prev_start = 0
    for line, start, end, kind, mods in items:
        text = snap.lines[line] if line < len(snap.lines) else ""
        if text.isascii():
            s, e = start, end
        else:
            s = conv.position(Position(line, start)).character
            e = conv.position(Position(line, end)).character
        delta_line = line - prev_line
        delta_start = s - prev_start if delta_line == 0 else s
        data += [delta_line, delta_start, e - s, kind, mods]
        prev_line, prev_start = line, s
    return data


def register(server: TrackerServer) -> None:
    @server.feature(lsp.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL, LEGEND)
    def full(params: lsp.SemanticTokensParams) -> lsp.SemanticTokens | None:
        snap = server.snapshot(params.text_document.uri)
        if snap is None or not server.settings.semantic_tokens:
            return None
        return lsp.SemanticTokens(data=encode(snap, collect(snap)))
