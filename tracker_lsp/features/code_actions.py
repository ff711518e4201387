"""Code actions: the linter's quick fixes, "did you mean" for unknown node IDs, and edges
the catalog asks for (an edge to the exit for DIP105, a fan-in for DIP007)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from tracker.dippin.diagnostics import Diagnostic
from tracker.dippin.ir import ParallelNode
from tracker.dippin.positions import Position, Range
from tracker.dippin.suggest import closest
from tracker_lsp.documents import Snapshot

if TYPE_CHECKING:
    from tracker_lsp.server import TrackerServer


def _overlaps(a: Range, b: Range) -> bool:
    return not (a.end < b.start or b.end < a.start)


def _matching(d: Diagnostic, conv_range: lsp.Range, context: list[lsp.Diagnostic]) -> list[lsp.Diagnostic]:
    return [c for c in context if c.code == d.code and c.range == conv_range] or []


def _insert_edge(snap: Snapshot, line_text: str) -> lsp.TextEdit:
    """Append an edge line at the end of the ``edges`` section (creating it if needed)."""
    wf = snap.workflow
    conv = snap.converter
    if wf.edges:
        last = max(wf.edges, key=lambda e: e.range.end.line)
        indent = last.range.start.character
        at = Position(last.range.end.line, len(snap.lines[last.range.end.line]))
        return lsp.TextEdit(range=conv.range(Range(at, at)), new_text="\n" + " " * indent + line_text)
    end_line = len(snap.lines) - 1
    while end_line > 0 and not snap.lines[end_line].strip():
        end_line -= 1
    at = Position(end_line, len(snap.lines[end_line]))
    return lsp.TextEdit(range=conv.range(Range(at, at)), new_text=f"\n\n  edges\n    {line_text}")


def actions(snap: Snapshot, uri: str, rng: Range, context: list[lsp.Diagnostic]) -> list[lsp.CodeAction]:
    conv = snap.converter
    out: list[lsp.CodeAction] = []
    diags = snap.diagnostics or snap.result.diagnostics
    for d in diags:
        if not _overlaps(d.range, rng):
            continue
        lsp_range = conv.range(d.range)
        related = _matching(d, lsp_range, context)
        if d.fix is not None and d.fix.edits:
            edits = [lsp.TextEdit(range=conv.range(e.range), new_text=e.new_text) for e in d.fix.edits]
            out.append(
                lsp.CodeAction(
                    title=d.fix.title,
                    kind=lsp.CodeActionKind.QuickFix,
                    diagnostics=related or None,
                    is_preferred=True,
                    edit=lsp.WorkspaceEdit(changes={uri: edits}),
                )
            )
        if d.code == "DIP105":
            out += _exit_edge_actions(snap, uri, related)
        if d.code == "DIP007":
            out += _fan_in_action(snap, uri, d, related)
    out += [a for a in _did_you_mean(snap, uri, rng, context) if _edit_key(a) not in {_edit_key(b) for b in out}]
    return out


def _edit_key(action: lsp.CodeAction) -> tuple[tuple[int, int, int, int, str], ...]:
    """What an action changes, to drop a "did you mean" that repeats a lint fix."""
    changes = action.edit.changes if action.edit is not None and action.edit.changes else {}
    return tuple(
        (e.range.start.line, e.range.start.character, e.range.end.line, e.range.end.character, e.new_text)
        for edits in changes.values()
        for e in edits
    )


def _exit_edge_actions(snap: Snapshot, uri: str, related: list[lsp.Diagnostic]) -> list[lsp.CodeAction]:
    """Edges from the reachable nodes that lead nowhere to the exit node."""
    exit_id = snap.workflow.exit
    analysis = snap.analysis()
    if not exit_id or snap.workflow.node(exit_id) is None or analysis is None:
        return []
    dead = list(getattr(analysis, "dead_ends", []))
    sinks = [n for n in dead if not snap.graph.out(n)] or dead[-1:]
    out = []
    for node_id in sinks[:5]:
        line = f"{node_id} -> {exit_id}"
        out.append(
            lsp.CodeAction(
                title=f"Add edge `{line}`",
                kind=lsp.CodeActionKind.QuickFix,
                diagnostics=related or None,
                edit=lsp.WorkspaceEdit(changes={uri: [_insert_edge(snap, line)]}),
            )
        )
    return out


def _fan_in_action(snap: Snapshot, uri: str, d: Diagnostic, related: list[lsp.Diagnostic]) -> list[lsp.CodeAction]:
    node = next((n for n in snap.workflow.nodes if isinstance(n, ParallelNode) and n.range.contains(d.range.start)), None)
    if not isinstance(node, ParallelNode) or not node.targets:
        return []
    name = f"{node.id}Join"
    while snap.workflow.node(name) is not None:
        name += "_"
    end = Position(node.range.end.line, len(snap.lines[node.range.end.line]))
    indent = node.header_range.start.character
    text = f"\n\n{' ' * indent}fan_in {name} <- {', '.join(node.targets)}"
    edit = lsp.TextEdit(range=snap.converter.range(Range(end, end)), new_text=text)
    return [
        lsp.CodeAction(
            title=f"Add `fan_in {name} <- {', '.join(node.targets)}`",
            kind=lsp.CodeActionKind.QuickFix,
            diagnostics=related or None,
            edit=lsp.WorkspaceEdit(changes={uri: [edit]}),
        )
    ]


def _did_you_mean(snap: Snapshot, uri: str, rng: Range, context: list[lsp.Diagnostic]) -> list[lsp.CodeAction]:
    """Unknown node IDs under the cursor: rename to the closest declared ID."""
    out = []
    ids = [n.id for n in snap.workflow.nodes]
    for occ in snap.index().occurrences:
        if occ.what != "node" or occ.role != "ref" or not _overlaps(occ.range, rng):
            continue
        if snap.workflow.node(occ.name) is not None:
            continue
        guess = closest(occ.name, ids)
        if guess is None:
            continue
        lsp_range = snap.converter.range(occ.range)
        related = [c for c in context if c.range.start.line == lsp_range.start.line]
        out.append(
            lsp.CodeAction(
                title=f"Did you mean `{guess}`? Change `{occ.name}` to `{guess}`",
                kind=lsp.CodeActionKind.QuickFix,
                diagnostics=related or None,
                edit=lsp.WorkspaceEdit(changes={uri: [lsp.TextEdit(range=lsp_range, new_text=guess)]}),
            )
        )
    return out


def register(server: TrackerServer) -> None:
    options = lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix])

    @server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION, options)
    def code_action(params: lsp.CodeActionParams) -> list[lsp.CodeAction] | None:
        snap = server.snapshot(params.text_document.uri)
        if snap is None:
            return None
        if snap.diagnostics is None:
            doc = server.document(params.text_document.uri)
            if doc is not None:
                from tracker_lsp.features.diagnostics import lint_snapshot

                snap.diagnostics = lint_snapshot(server, doc, snap, environment=False)
        rng = snap.converter.from_range(params.range)
        found = actions(snap, params.text_document.uri, rng, list(params.context.diagnostics))
        seen: set[str] = set()
        unique = []
        for action in found:
            if action.title not in seen:
                seen.add(action.title)
                unique.append(action)
        return unique
