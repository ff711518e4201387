"""Hover: what the thing under the cursor is.

* a context key (``${ctx.key}``, a condition variable, a ``writes:``/``reads:`` entry): its
  meaning, which nodes write it (with links), whether it is always or only sometimes set
  at this point, and who else reads it;
* a node ID anywhere: kind, label, effective model/provider, prompt preview, edges;
* a field key, node kind or section keyword: its documentation;
* a diagnostic under the cursor: the catalog explanation of its code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp

from tracker.dippin import fields as F
from tracker.dippin.ir import AgentNode, AnyNode, HumanNode, ToolNode
from tracker.dippin.positions import Position, Range
from tracker_lsp.documents import Snapshot
from tracker_lsp.effective import effective
from tracker_lsp.index import Occurrence

if TYPE_CHECKING:
    from tracker_lsp.server import TrackerServer


def _link(uri: str, rng: Range, text: str) -> str:
    return f"[{text}]({uri}#L{rng.start.line + 1})"


def node_markdown(snap: Snapshot, node: AnyNode, uri: str) -> str:
    wf = snap.workflow
    title = f"**`{node.id}`** — {node.kind} node"
    if node.label and node.label != node.id:
        title += f" · {node.label}"
    parts = [title, F.KIND_DOCS.get(node.kind, "")]
    if isinstance(node, AgentNode):
        eff = effective(wf, node)
        model = f"`{eff.model}`" + (f" *({eff.model_source})*" if eff.model_source not in ("node", "") else "") if eff.model else "*(none)*"
        provider = f"`{eff.provider}`" + (f" *({eff.provider_source})*" if eff.provider_source not in ("node", "") else "") if eff.provider else "*(default)*"
        parts.append(f"Model: {model} · Provider: {provider}")
    elif isinstance(node, HumanNode):
        parts.append(f"Mode: `{node.mode or 'choice'}`")
    if isinstance(node, ToolNode) and node.command:
        parts.append(_preview(node.command, "sh"))
    elif isinstance(node, (AgentNode, HumanNode)) and node.prompt:
        parts.append(_preview(node.prompt, "markdown"))
    graph = snap.graph
    incoming = [_edge_text(ge.source, ge) for ge in graph.into(node.id)]
    outgoing = [_edge_text(ge.target, ge) for ge in graph.out(node.id)]
    if incoming:
        parts.append("**In:** " + ", ".join(incoming))
    if outgoing:
        parts.append("**Out:** " + ", ".join(outgoing))
    if node.id == wf.start:
        parts.append("*Start node.*")
    if node.id == wf.exit:
        parts.append("*Exit node.*")
    parts.append(_link(uri, node.id_range, f"declared on line {node.id_range.start.line + 1}"))
    return "\n\n".join(p for p in parts if p)


def _edge_text(other: str, ge: Any) -> str:
    text = f"`{other}`"
    edge = ge.edge
    if edge is not None and edge.condition is not None:
        text += f" (when {edge.condition.raw})"
    elif edge is not None and edge.label:
        text += f" ({edge.label})"
    elif ge.kind != "explicit":
        text += f" ({ge.kind})"
    return text


def _preview(text: str, lang: str, lines: int = 6) -> str:
    body = text.strip("\n").split("\n")
    shown = "\n".join(body[:lines]) + ("\n…" if len(body) > lines else "")
    return f"```{lang}\n{shown}\n```"


def key_markdown(snap: Snapshot, occ: Occurrence, uri: str) -> str:
    analysis = snap.analysis()
    key = occ.name
    shown = key if occ.namespace in ("", "ctx") or key.startswith(occ.namespace + ".") else f"{occ.namespace}.{key}"
    if occ.namespace in ("", "ctx") and not key.startswith(("graph.", "inputs.", "params.")):
        shown = f"ctx.{key}"
    parts = [f"**`{shown}`**"]
    meaning = _meaning(key)
    if meaning:
        parts.append(meaning)
    if analysis is None:
        return "\n\n".join(parts)
    info = None
    where = ""
    if occ.role == "read" and occ.node is not None:
        info = analysis.key_info(occ.node, _lookup_key(key))
        where = f"when `{occ.node}` runs"
    elif occ.role == "read" and occ.edge is not None and occ.edge < len(snap.workflow.edges):
        source = snap.workflow.edges[occ.edge].source
        fn = getattr(analysis, "key_info_after", None)
        info = fn(source, _lookup_key(key)) if fn else analysis.key_info(source, _lookup_key(key))
        where = f"after `{source}` runs"
    if occ.role == "read":
        if info is None:
            parts.append(f"⚠ **Not set** {where}: no node before this point writes it." if where else "")
        else:
            parts.append(("**Always set** " if info.always else "**Only sometimes set** ") + where + ".")
    writers = info.writers if info is not None else analysis.writers_of(_lookup_key(key))
    if writers:
        lines = []
        for w in writers[:10]:
            who = f"`{w.node_id}`" if w.node_id else "the run"
            lines.append(f"- {who} — {w.description} ({_link(uri, w.range, f'line {w.range.start.line + 1}')})")
        parts.append("**Written by:**\n" + "\n".join(lines))
    readers = [r for r in analysis.readers_of(_lookup_key(key)) if r.range != occ.full]
    if readers:
        names = []
        for r in readers[:10]:
            who = r.node_id or (f"edge {snap.workflow.edges[r.edge_index].source} → {snap.workflow.edges[r.edge_index].target}" if r.edge_index is not None and r.edge_index < len(snap.workflow.edges) else "?")
            names.append(_link(uri, r.range, f"`{who}`"))
        parts.append("**Also read by:** " + ", ".join(names))
    return "\n\n".join(p for p in parts if p)


def _lookup_key(key: str) -> str:
    return f"graph.{key}" if key.startswith("params.") else key


def _meaning(key: str) -> str:
    try:
        from tracker.dippin.context_keys import meaning
    except ImportError:
        return ""
    return meaning(key)


def field_markdown(snap: Snapshot, pos: Position) -> str | None:
    wf = snap.workflow
    for node in wf.nodes:
        if node.range.start.line <= pos.line <= node.range.end.line:
            if node.header_range.contains(pos) and not node.id_range.contains(pos):
                return f"**{node.kind}** — {F.KIND_DOCS.get(node.kind, '')}"
            for name, src in node.fields.items():
                if src.key_range.contains(pos):
                    return _spec_markdown(F.table(node.kind).get(name), name)
    for name, src in wf.fields.items():
        if src.key_range.contains(pos):
            return _spec_markdown(F.table("header").get(name), name)
    for name, src in wf.defaults.fields.items():
        if src.key_range.contains(pos):
            return _spec_markdown(F.table("defaults").get(name), name)
    for word, rng in wf.sections.items():
        if rng.start.line == pos.line and rng.start.character <= pos.character <= rng.start.character + len(word):
            return f"**{word}** — {F.SECTION_DOCS.get(word, '')}"
    if wf.header_range.contains(pos) and not wf.name_range.contains(pos):
        return f"**workflow** — {F.SECTION_DOCS['workflow']}"
    return None


def _spec_markdown(spec: F.FieldSpec | None, name: str) -> str | None:
    if spec is None:
        return None
    text = f"**`{spec.name}`** ({spec.type}) — {spec.doc}"
    if spec.values:
        text += "\n\nValues: " + ", ".join(f"`{v}`" for v in spec.values)
    if spec.example:
        text += f"\n\nExample: `{spec.name}: {spec.example}`"
    if name != spec.name:
        text += f"\n\n`{name}` is an alias of `{spec.name}`."
    return text


def diagnostics_markdown(snap: Snapshot, pos: Position) -> str:
    from tracker.dippin.lint.catalog import explain

    out = []
    seen: set[str] = set()
    for d in snap.diagnostics or snap.result.diagnostics:
        if d.range.contains(pos) and d.code not in seen:
            seen.add(d.code)
            info = explain(d.code)
            if info is not None:
                text = f"**{info.code}** — {info.title}\n\n{info.explanation}"
                if info.fix:
                    text += f"\n\n*Fix:* {info.fix}"
                out.append(text)
    return "\n\n---\n\n".join(out)


def hover(server: TrackerServer, params: lsp.HoverParams) -> lsp.Hover | None:
    doc = server.document(params.text_document.uri)
    if doc is None:
        return None
    snap = doc.parsed(server.encoding)
    conv = snap.converter
    pos = conv.from_position(params.position)
    occ = snap.index().at(pos)
    parts: list[str] = []
    rng: Range | None = None
    if occ is not None and occ.what == "node":
        node = snap.workflow.node(occ.name)
        if node is not None:
            parts.append(node_markdown(snap, node, doc.uri))
        else:
            parts.append(f"**`{occ.name}`** — no node with this ID is declared.")
        rng = occ.range
    elif occ is not None:
        parts.append(key_markdown(snap, occ, doc.uri))
        rng = occ.full or occ.range
    else:
        text = field_markdown(snap, pos)
        if text:
            parts.append(text)
    diag = diagnostics_markdown(snap, pos)
    if diag:
        parts.append(diag)
    if not parts:
        return None
    return lsp.Hover(
        contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value="\n\n---\n\n".join(parts)),
        range=conv.range(rng) if rng is not None else None,
    )


def register(server: TrackerServer) -> None:
    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    def on_hover(params: lsp.HoverParams) -> lsp.Hover | None:
        return hover(server, params)
