"""Inlay hints: the model (and provider) an agent node inherits, shown after its ID when
the node does not set ``model:`` itself."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from tracker.dippin.ir import AgentNode
from tracker_lsp.documents import Snapshot
from tracker_lsp.effective import effective

if TYPE_CHECKING:
    from tracker_lsp.server import TrackerServer


def hints(snap: Snapshot, first_line: int, last_line: int) -> list[lsp.InlayHint]:
    wf = snap.workflow
    conv = snap.converter
    out = []
    for node in wf.nodes:
        if not isinstance(node, AgentNode) or node.model or not first_line <= node.id_range.start.line <= last_line:
            continue
        if node.id in (wf.start, wf.exit) and not node.prompt.strip():
            continue  # a bare start/exit node runs no model
        eff = effective(wf, node)
        if not eff.model:
            continue
        label = f" {eff.model}" + (f" ({eff.provider})" if eff.provider else "")
        out.append(
            lsp.InlayHint(
                position=conv.position(node.id_range.end),
                label=label,
                kind=lsp.InlayHintKind.Type,
                padding_left=True,
                tooltip=f"model from {eff.model_source}" + (f", provider from {eff.provider_source}" if eff.provider else ""),
            )
        )
    return out


def register(server: TrackerServer) -> None:
    @server.feature(lsp.TEXT_DOCUMENT_INLAY_HINT, lsp.InlayHintOptions(resolve_provider=False))
    def inlay_hint(params: lsp.InlayHintParams) -> list[lsp.InlayHint] | None:
        snap = server.snapshot(params.text_document.uri)
        if snap is None or not server.settings.inlay_hints:
            return None
        return hints(snap, params.range.start.line, params.range.end.line)
