"""Document and workspace symbols, folding ranges and selection ranges."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.lsp.conftest import SERVER, doc_id, open_doc, pos, start
from tests.lsp.test_completion import BRANCHING

pytestmark = pytest.mark.asyncio(loop_scope="module")

WORKSPACE = Path("/tmp/tracker-lsp-tests/workspace")


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER), scope="module")  # type: ignore[untyped-decorator]
async def ws_client(lsp_client: LanguageClient) -> AsyncIterator[None]:
    WORKSPACE.mkdir(parents=True, exist_ok=True)
    (WORKSPACE / "one.dip").write_text(BRANCHING)
    (WORKSPACE / "sub").mkdir(exist_ok=True)
    (WORKSPACE / "sub" / "two.dip").write_text("workflow Second\n  start: Intake\n  exit: Intake\n  agent Intake\n    prompt: hi\n")
    await start(lsp_client, options={"environmentChecks": False, "watchFiles": False}, root=WORKSPACE)
    yield
    await lsp_client.shutdown_session()


async def test_document_symbols_are_a_tree_of_workflow_nodes_and_edges(client: LanguageClient) -> None:
    uri, _ = await open_doc(client, BRANCHING)
    symbols = await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(text_document=doc_id(uri)))
    assert symbols and isinstance(symbols[0], lsp.DocumentSymbol)
    root = symbols[0]
    assert root.name == "Branching" and root.kind == lsp.SymbolKind.Module
    names = [c.name for c in root.children or []]
    assert names[:5] == ["Plan", "Check", "Fix", "Approve", "Report"]
    kinds = {c.name: c.kind for c in root.children or []}
    assert kinds["Check"] == lsp.SymbolKind.Method and kinds["Approve"] == lsp.SymbolKind.Interface
    edges = next(c for c in root.children or [] if c.name == "edges")
    assert [e.name for e in edges.children or []][:2] == ["Plan -> Check", "Check -> Fix"]
    assert (edges.children or [])[1].detail == "ctx.outcome = fail"


async def test_folding_and_selection_ranges(client: LanguageClient) -> None:
    text = "workflow F\n  start: A\n  exit: A\n  # one\n  # two\n  agent A\n    prompt:\n      line one\n      line two\n    label: x\n"
    uri, _ = await open_doc(client, text)
    folds = await client.text_document_folding_range_async(lsp.FoldingRangeParams(text_document=doc_id(uri)))
    spans = {(f.start_line, f.end_line, f.kind) for f in folds or []}
    assert (5, 9, None) in spans  # the node
    assert (6, 8, None) in spans  # the prompt block
    assert (3, 4, lsp.FoldingRangeKind.Comment) in spans
    sel = await client.text_document_selection_range_async(lsp.SelectionRangeParams(text_document=doc_id(uri), positions=[pos(5, 9)]))
    assert sel
    chain = []
    current: lsp.SelectionRange | None = sel[0]
    while current is not None:
        chain.append(current.range)
        current = current.parent
    assert chain[0] == lsp.Range(start=pos(5, 8), end=pos(5, 9))
    assert chain[-1].start == pos(0, 0)
    assert len(chain) >= 3


async def test_workspace_symbols_search_every_dip_file(ws_client: LanguageClient) -> None:
    found = await ws_client.workspace_symbol_async(lsp.WorkspaceSymbolParams(query="intk"))
    assert found is not None
    names = {(s.name, s.location.uri) for s in found if isinstance(s.location, lsp.Location)}
    assert ("Intake", (WORKSPACE / "sub" / "two.dip").resolve().as_uri()) in names
    everything = await ws_client.workspace_symbol_async(lsp.WorkspaceSymbolParams(query=""))
    assert everything is not None
    assert {"Branching", "Second", "Plan", "Report"} <= {s.name for s in everything}
