"""Semantic tokens, inlay hints, code lenses and the simulate command."""

from __future__ import annotations

import pytest
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

from tests.lsp.conftest import doc_id, open_doc
from tests.lsp.test_completion import BRANCHING

pytestmark = pytest.mark.asyncio(loop_scope="module")


def decode(data: list[int], legend: list[str]) -> list[tuple[int, int, int, str, int]]:
    out = []
    line = col = 0
    for i in range(0, len(data), 5):
        dl, dc, length, kind, mods = data[i : i + 5]
        line += dl
        col = col + dc if dl == 0 else dc
        out.append((line, col, length, legend[kind], mods))
    return out


async def test_semantic_tokens_mark_kinds_ids_fields_and_interpolations(client: LanguageClient) -> None:
    from tracker_lsp.features.semantic_tokens import TOKEN_TYPES

    text = 'workflow T\n  start: A\n  exit: A\n  agent A\n    label: "é😀"\n    prompt: Use ${ctx.last_response}\n  edges\n    A -> A  when ctx.outcome = fail\n  agent B\n    prompt: 😀 ${ctx.outcome}\n'
    uri, _ = await open_doc(client, text)
    result = await client.text_document_semantic_tokens_full_async(lsp.SemanticTokensParams(text_document=doc_id(uri)))
    assert result is not None
    tokens = decode(list(result.data), TOKEN_TYPES)
    got = {(line, col, length, kind) for line, col, length, kind, _ in tokens}
    assert (3, 2, 5, "keyword") in got  # agent
    assert (3, 8, 1, "class") in got  # A (declaration)
    assert (4, 4, 5, "property") in got  # label
    assert (5, 18, 3, "namespace") in got  # ctx
    assert (5, 22, 13, "variable") in got  # last_response
    assert (7, 12, 4, "keyword") in got  # when
    assert (7, 29, 1, "operator") in got  # =
    assert (9, 17, 3, "namespace") in got  # ctx after an emoji: UTF-16 column 14 + 2 + 1
    decl = [t for t in tokens if t[0] == 3 and t[3] == "class"]
    assert decl and decl[0][4] & 1  # declaration modifier


async def test_inlay_hint_shows_inherited_model(client: LanguageClient) -> None:
    text = BRANCHING.replace('  goal: "Review or fix"', '  goal: "Review or fix"\n  defaults\n    model: claude-sonnet-4-6')
    uri, _ = await open_doc(client, text)
    lines = text.split("\n")
    hints = await client.text_document_inlay_hint_async(
        lsp.InlayHintParams(text_document=doc_id(uri), range=lsp.Range(start=lsp.Position(line=0, character=0), end=lsp.Position(line=len(lines), character=0)))
    )
    assert hints
    by_line = {h.position.line: h.label for h in hints}
    plan_line = lines.index("  agent Plan")
    assert "claude-sonnet-4-6" in str(by_line[plan_line])
    assert lines.index("  tool Check") not in by_line


async def test_code_lens_and_simulate_command(client: LanguageClient) -> None:
    uri, _ = await open_doc(client, BRANCHING)
    lenses = await client.text_document_code_lens_async(lsp.CodeLensParams(text_document=doc_id(uri)))
    assert lenses is not None
    titles = [lens.command.title for lens in lenses if lens.command]
    assert any("Run" in t for t in titles) and "Simulate" in titles
    assert all(lens.range.start.line == 0 for lens in lenses)
    simulate = next(lens.command for lens in lenses if lens.command and lens.command.title == "Simulate")
    assert simulate is not None
    report = await client.workspace_execute_command_async(lsp.ExecuteCommandParams(command=simulate.command, arguments=simulate.arguments))
    assert report is not None
    assert report["name"] == "Branching"
    assert report["start_node"] == "Plan"
    assert [step["node_id"] for step in report["execution_plan"]][:2] == ["Plan", "Check"]
    assert report["paths"]
