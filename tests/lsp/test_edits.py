"""Formatting and code actions (lint quick fixes, did-you-mean, missing edges)."""

from __future__ import annotations

import pytest
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

from tests.lsp.conftest import doc_id, open_doc, pos

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def actions(client: LanguageClient, uri: str, line: int, diags: list[lsp.Diagnostic]) -> list[lsp.CodeAction]:
    result = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=doc_id(uri),
            range=lsp.Range(start=pos(line, 0), end=pos(line, 200)),
            context=lsp.CodeActionContext(diagnostics=[d for d in diags if d.range.start.line == line]),
        )
    )
    return [a for a in result or [] if isinstance(a, lsp.CodeAction)]


async def test_formatting_returns_the_formatter_output(client: LanguageClient) -> None:
    from tracker.dippin.format import format_text

    text = "workflow   F\n  start: A\n  exit: A\n  agent   A\n    prompt:   hi   \n"
    uri, _ = await open_doc(client, text)
    edits = await client.text_document_formatting_async(
        lsp.DocumentFormattingParams(text_document=doc_id(uri), options=lsp.FormattingOptions(tab_size=2, insert_spaces=True))
    )
    assert edits and len(edits) == 1
    assert edits[0].new_text == format_text(text).text
    assert edits[0].range.start == pos(0, 0)


async def test_formatting_a_broken_document_changes_nothing(client: LanguageClient) -> None:
    uri, _ = await open_doc(client, "workflow F\n  agent\n")
    edits = await client.text_document_formatting_async(
        lsp.DocumentFormattingParams(text_document=doc_id(uri), options=lsp.FormattingOptions(tab_size=2, insert_spaces=True))
    )
    assert not edits


async def test_quick_fix_from_the_linter_c_style_condition(client: LanguageClient) -> None:
    text = "workflow F\n  start: A\n  exit: B\n  agent A\n    prompt: a\n  agent B\n    prompt: b\n  edges\n    A -> B  when ctx.outcome = success && ctx.x = 1\n    A -> B\n"
    uri, diags = await open_doc(client, text)
    assert any(d.code == "DIP010" for d in diags)
    found = await actions(client, uri, 8, diags)
    fix = next(a for a in found if a.diagnostics and a.diagnostics[0].code == "DIP010")
    assert fix.edit is not None and fix.edit.changes is not None
    assert any("and" in e.new_text for e in fix.edit.changes[uri])


async def test_did_you_mean_for_an_unknown_node(client: LanguageClient) -> None:
    text = "workflow F\n  start: Alpha\n  exit: Beta\n  agent Alpha\n    prompt: a\n  agent Beta\n    prompt: b\n  edges\n    Alpha -> Betta\n"
    uri, diags = await open_doc(client, text)
    found = await actions(client, uri, 8, diags)
    titles = [a.title for a in found]
    assert any("Beta" in t for t in titles), titles
    fix = next(a for a in found if "Beta" in a.title)
    assert fix.edit is not None and fix.edit.changes is not None
    assert fix.edit.changes[uri][0].new_text == "Beta"
    renames = [a for a in found if a.edit and a.edit.changes and any(e.new_text == "Beta" for e in a.edit.changes[uri])]
    assert len(renames) == 1, [a.title for a in renames]  # the lint fix and "did you mean" are one action


async def test_add_missing_exit_edge_and_fan_in(client: LanguageClient) -> None:
    text = (
        "workflow F\n  start: A\n  exit: Done\n"
        "  agent A\n    prompt: a\n"
        "  parallel Split -> X, Y\n"
        "  agent X\n    prompt: x\n  agent Y\n    prompt: y\n"
        "  agent Done\n    prompt: d\n"
        "  edges\n    A -> Split\n"
    )
    uri, diags = await open_doc(client, text)
    codes = {d.code for d in diags}
    assert "DIP007" in codes and "DIP105" in codes
    fan = await actions(client, uri, 5, diags)
    assert any(a.title.startswith("Add `fan_in SplitJoin <- X, Y`") for a in fan)
    dead = [d for d in diags if d.code == "DIP105"]
    exit_actions = await actions(client, uri, dead[0].range.start.line, diags)
    assert any(a.title.startswith("Add edge `") and "-> Done" in a.title for a in exit_actions)
