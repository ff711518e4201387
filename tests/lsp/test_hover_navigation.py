"""Hover, go to definition, references and highlights over stdio."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

from tests.lsp.conftest import doc_id, open_doc, pos
from tests.lsp.test_completion import BRANCHING

pytestmark = pytest.mark.asyncio(loop_scope="module")

LINES = BRANCHING.split("\n")


def at(line_text: str, word: str, nth: int = 0) -> tuple[int, int]:
    """(line, column) of ``word`` on the ``nth`` line equal to ``line_text``."""
    matches = [i for i, text in enumerate(LINES) if text == line_text]
    line = matches[nth]
    return line, LINES[line].index(word)


async def hover_text(client: LanguageClient, uri: str, line: int, character: int) -> str:
    result = await client.text_document_hover_async(lsp.HoverParams(text_document=doc_id(uri), position=pos(line, character)))
    assert result is not None
    assert isinstance(result.contents, lsp.MarkupContent)
    return result.contents.value


async def test_hover_on_context_key_shows_writers_and_certainty(client: LanguageClient) -> None:
    uri, _ = await open_doc(client, BRANCHING)
    line, col = at("    prompt: Fix it using ${ctx.plan}", "plan}")
    text = await hover_text(client, uri, line, col + 1)
    assert "ctx.plan" in text
    assert "Always set" in text
    assert "`Plan`" in text and "Written by" in text
    line, col = at("    Check -> Fix  when ctx.outcome = fail", "outcome")
    text = await hover_text(client, uri, line, col)
    assert "outcome" in text.lower() and "after `Check` runs" in text


async def test_hover_on_node_id_shows_kind_model_and_edges(client: LanguageClient) -> None:
    text = BRANCHING.replace('  goal: "Review or fix"', '  goal: "Review or fix"\n  defaults\n    model: claude-sonnet-4-6')
    uri, _ = await open_doc(client, text)
    lines = text.split("\n")
    line = lines.index("    Plan -> Check")
    hover = await hover_text(client, uri, line, 5)
    assert "`Plan`" in hover and "agent node" in hover
    assert "claude-sonnet-4-6" in hover and "defaults" in hover
    assert "**Out:** `Check`" in hover
    assert "Plan the work." in hover


async def test_hover_on_field_key_and_on_a_diagnostic(client: LanguageClient) -> None:
    text = "workflow W\n  start: A\n  exit: A\n  agent A\n    reasoning_effort: high\n    promt: x\n"
    uri, _ = await open_doc(client, text)
    hover = await hover_text(client, uri, 4, 6)
    assert "reasoning_effort" in hover and "xhigh" in hover
    hover = await hover_text(client, uri, 5, 5)
    assert "DIP901" in hover and "Unknown field" in hover


async def test_definition_references_and_highlights_of_a_node(client: LanguageClient) -> None:
    uri, _ = await open_doc(client, BRANCHING)
    decl_line, decl_col = at("  tool Check", "Check")
    line, col = at("    Check -> Fix  when ctx.outcome = fail", "Check")
    result = await client.text_document_definition_async(lsp.DefinitionParams(text_document=doc_id(uri), position=pos(line, col + 2)))
    assert isinstance(result, list) and len(result) == 1
    assert result[0].range.start == pos(decl_line, decl_col)
    refs = await client.text_document_references_async(
        lsp.ReferenceParams(text_document=doc_id(uri), position=pos(line, col), context=lsp.ReferenceContext(include_declaration=True))
    )
    assert refs is not None
    assert len(refs) == 4  # declaration + three edges
    marks = await client.text_document_document_highlight_async(lsp.DocumentHighlightParams(text_document=doc_id(uri), position=pos(decl_line, decl_col)))
    assert marks is not None and len(marks) == 4


async def test_definition_of_a_key_goes_to_its_writes_entry(client: LanguageClient) -> None:
    uri, _ = await open_doc(client, BRANCHING)
    line, col = at("    prompt: Fix it using ${ctx.plan}", "plan}")
    result = await client.text_document_definition_async(lsp.DefinitionParams(text_document=doc_id(uri), position=pos(line, col)))
    assert isinstance(result, list) and result
    writes_line = LINES.index("    writes: plan")
    assert any(loc.range.start.line == writes_line for loc in result)


async def test_subgraph_ref_opens_the_file_and_is_a_link(client: LanguageClient, tmp_path: Path) -> None:
    child = tmp_path / "child.dip"
    child.write_text("workflow Child\n  start: A\n  exit: A\n  agent A\n    prompt: ${params.topic}\n")
    parent_text = "workflow Parent\n  start: S\n  exit: S\n  subgraph S\n    ref: child.dip\n"
    uri, _ = await open_doc(client, parent_text, uri=(tmp_path / "parent.dip").as_uri())
    result = await client.text_document_definition_async(lsp.DefinitionParams(text_document=doc_id(uri), position=pos(4, 11)))
    assert isinstance(result, list) and result[0].uri == child.resolve().as_uri()
    links = await client.text_document_document_link_async(lsp.DocumentLinkParams(text_document=doc_id(uri)))
    assert links and links[0].target == child.resolve().as_uri()
    assert links[0].range == lsp.Range(start=pos(4, 9), end=pos(4, 18))
