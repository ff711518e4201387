"""prepareRename and rename of node IDs, context keys and subgraph parameters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from tests.lsp.conftest import doc_id, open_doc, pos

pytestmark = pytest.mark.asyncio(loop_scope="module")

TEXT = """workflow R
  start: Plan
  exit: Done

  agent Plan
    prompt: Plan.
    writes: plan_doc
    fallback_target: Done

  agent Work
    prompt: Use ${ctx.plan_doc} and ${ctx.node.Plan.plan_doc}
    reads: plan_doc

  agent Done
    prompt: Done.

  edges
    Plan -> Work  when ctx.plan_doc != ""
    Work -> Done
"""


def apply(text: str, edits: Sequence[lsp.TextEdit]) -> str:
    lines = text.split("\n")
    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        assert e.range.start.line == e.range.end.line
        line = lines[e.range.start.line]
        lines[e.range.start.line] = line[: e.range.start.character] + e.new_text + line[e.range.end.character :]
    return "\n".join(lines)


async def rename(client: LanguageClient, uri: str, line: int, col: int, new: str) -> Mapping[str, Sequence[lsp.TextEdit]]:
    result = await client.text_document_rename_async(lsp.RenameParams(text_document=doc_id(uri), position=pos(line, col), new_name=new))
    assert result is not None and result.changes is not None
    return result.changes


async def test_prepare_rename_and_rename_a_node_everywhere(client: LanguageClient) -> None:
    uri, _ = await open_doc(client, TEXT)
    prep = await client.text_document_prepare_rename_async(lsp.PrepareRenameParams(text_document=doc_id(uri), position=pos(4, 9)))
    assert isinstance(prep, lsp.PrepareRenamePlaceholder) and prep.placeholder == "Plan"
    edit = await rename(client, uri, 4, 9, "Design")
    new = apply(TEXT, edit[uri])
    assert "start: Design" in new and "agent Design" in new and "Design -> Work" in new
    assert "${ctx.node.Design.plan_doc}" in new
    assert "Plan" not in new.replace("Plan.", "")


async def test_rename_a_context_key_renames_writers_and_readers(client: LanguageClient) -> None:
    uri, _ = await open_doc(client, TEXT)
    edit = await rename(client, uri, 10, 22, "design_doc")
    new = apply(TEXT, edit[uri])
    assert "writes: design_doc" in new and "reads: design_doc" in new
    assert "${ctx.design_doc}" in new and "${ctx.node.Plan.design_doc}" in new
    assert 'when ctx.design_doc != ""' in new
    assert "plan_doc" not in new


async def test_keys_written_by_the_runtime_cannot_be_renamed(client: LanguageClient) -> None:
    uri, _ = await open_doc(client, TEXT.replace("${ctx.plan_doc}", "${ctx.last_response}"))
    with pytest.raises(JsonRpcException):
        await client.text_document_prepare_rename_async(lsp.PrepareRenameParams(text_document=doc_id(uri), position=pos(10, 22)))


async def test_rename_a_parameter_across_a_subgraph_reference(client: LanguageClient, tmp_path: Path) -> None:
    child_text = "workflow Child\n  start: A\n  exit: A\n  vars\n    topic: default\n  agent A\n    prompt: Write about ${params.topic}\n"
    parent_text = "workflow Parent\n  start: S\n  exit: S\n  subgraph S\n    ref: child.dip\n    params:\n      topic: cats\n"
    (tmp_path / "child.dip").write_text(child_text)
    (tmp_path / "parent.dip").write_text(parent_text)
    child_uri, _ = await open_doc(client, child_text, uri=(tmp_path / "child.dip").as_uri())
    edit = await rename(client, child_uri, 6, 34, "subject")
    parent_uri = (tmp_path / "parent.dip").resolve().as_uri()
    assert set(edit) == {child_uri, parent_uri}
    assert apply(child_text, edit[child_uri]).count("subject") == 2
    assert "      subject: cats" in apply(parent_text, edit[parent_uri])
    # And from the caller's side.
    parent_uri2, _ = await open_doc(client, parent_text, uri=(tmp_path / "parent.dip").as_uri())
    edit = await rename(client, parent_uri2, 6, 7, "theme")
    assert "      theme: cats" in apply(parent_text, edit[parent_uri2])
    assert apply(child_text, edit[child_uri]).count("theme") == 2
