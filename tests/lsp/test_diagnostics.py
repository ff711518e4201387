"""Diagnostics over stdio: the same findings as the CLI, exact ranges, parse errors,
non-ASCII text, versions, and a document edited many times in quick succession."""

from __future__ import annotations

import asyncio
import json

import pytest
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

from tests.conftest import run_cli
from tests.lsp.conftest import change, diagnostics, open_doc

pytestmark = pytest.mark.asyncio(loop_scope="module")

BASIC = """workflow Demo
  goal: "Say hi"
  start: Begin
  exit: End

  agent Begin
    promt: hello

  agent End
    label: End

  edges
    Begin -> End
"""


async def test_unknown_field_is_reported_with_exact_range_and_help(client: LanguageClient) -> None:
    _, diags = await open_doc(client, BASIC)
    unknown = [d for d in diags if d.code == "DIP901"]
    assert len(unknown) == 1
    d = unknown[0]
    assert d.range == lsp.Range(start=lsp.Position(line=6, character=4), end=lsp.Position(line=6, character=9))
    assert d.severity == lsp.DiagnosticSeverity.Error
    assert d.source == "tracker"
    assert "did you mean `prompt`" in d.message


async def test_same_diagnostics_as_the_cli(client: LanguageClient, tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    path = folder / "same.dip"
    text = BASIC.replace("    Begin -> End", "    Begin -> End  when ctx.outcome = success && ctx.x = 1\n    Begin -> Nowhere")
    path.write_text(text)
    _, diags = await open_doc(client, text, uri=path.as_uri())
    proc = run_cli(["lint", "--format", "json", str(path)])
    assert proc.stdout, proc.stderr
    cli = json.loads(proc.stdout)[0]["diagnostics"]
    cli_set = {(d["code"], d["severity"], json.dumps(d["range"], sort_keys=True)) for d in cli}
    severities: dict[object, str] = {1: "error", 2: "warning", 3: "info", 4: "hint"}
    lsp_set = {
        (d.code, severities[d.severity], json.dumps({"start": {"line": d.range.start.line, "character": d.range.start.character}, "end": {"line": d.range.end.line, "character": d.range.end.character}}, sort_keys=True))
        for d in diags
    }
    assert cli_set == lsp_set
    assert any(code == "DIP010" for code, _, _ in lsp_set)
    assert all(d.code_description is not None and d.code_description.href.endswith(f"#{str(d.code).lower()}") for d in diags)


async def test_parse_error_in_half_written_document_keeps_other_findings(client: LanguageClient) -> None:
    text = "workflow W\n  start: A\n  exit: B\n  agent A\n    prompt: hi\n  agent\n  agent B\n  edges\n    A -> B\n"
    _, diags = await open_doc(client, text)
    syntax = [d for d in diags if d.code == "DIP000"]
    assert syntax and syntax[0].range.start.line == 5
    assert all(d.range.start.line < 9 for d in diags)


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


async def test_positions_are_utf16_for_non_ascii_text(client: LanguageClient) -> None:
    head = "    prompt: 😀 é read "
    text = f"workflow W\n  goal: test\n  start: A\n  exit: A\n  agent A\n{head}${{ctx.missing_key}}\n"
    uri, diags = await open_doc(client, text)
    missing = [d for d in diags if d.code == "DIP810"]
    assert missing, [(d.code, d.message) for d in diags]
    # The range is in UTF-16 code units: the emoji counts twice.
    assert missing[0].range.start == lsp.Position(line=5, character=utf16(head))
    assert missing[0].range.start.character == len(head) + 1
    # An edit addressed in UTF-16 units replaces exactly the key.
    key_start = utf16(head + "${ctx.")
    change(client, uri, 2, "graph.goal", (5, key_start), (5, key_start + len("missing_key")))
    after = await diagnostics(client, uri, 2)
    assert not [d for d in after if d.code == "DIP810"]
    hover = await client.text_document_hover_async(
        lsp.HoverParams(text_document=lsp.TextDocumentIdentifier(uri=uri), position=lsp.Position(line=5, character=key_start + 2))
    )
    assert hover is not None and isinstance(hover.contents, lsp.MarkupContent)
    assert "graph.goal" in hover.contents.value
    assert hover.range is not None and hover.range.start.character == utf16(head)


async def test_two_hundred_quick_edits_end_with_correct_diagnostics(client: LanguageClient) -> None:
    from tracker.dippin import load_text
    from tracker.dippin.lint import LintOptions, check

    uri, first = await open_doc(client, BASIC)
    assert any(d.code == "DIP901" for d in first)
    lines = BASIC.split("\n")

    def edit(version: int, text: str, line: int, col: int, end_col: int | None = None) -> None:
        change(client, uri, version, text, (line, col), (line, end_col if end_col is not None else col))
        current = lines[line]
        head, tail = current[:col], current[end_col if end_col is not None else col :]
        lines[line : line + 1] = (head + text + tail).split("\n")

    # Type two new agent nodes character by character, with a typo on the way, then fix
    # the misspelled field; no waiting between edits.
    version = 1
    typed = "\n  agent Extra\n    prompt: typed quickly ${ctx.last_response}\n  agent Extra2\n    modle: x\n"
    line, col = 10, 14
    for ch in typed:
        version += 1
        edit(version, ch, line, col)
        line, col = (line + 1, 0) if ch == "\n" else (line, col + 1)
    while version < 200:
        version += 1
        edit(version, " ", line, col)
        version += 1
        edit(version, "", line, col, col + 1)
    version += 1
    edit(version, "prompt", 6, 4, 9)
    final = await diagnostics(client, uri, version)
    assert version > 200
    expected = check(load_text("\n".join(lines), "/x.dip"), LintOptions(environment=False))
    assert sorted((d.code, d.range.start.line, d.range.start.character) for d in final) == sorted(
        (d.code, d.range.start.line, d.range.start.character) for d in expected
    )
    codes = {d.code for d in final}
    assert "DIP901" in codes  # the typo "modle" typed on the way
    assert not any(d.code == "DIP901" and d.range.start.line == 6 for d in final)


async def test_parent_is_checked_again_when_an_open_subgraph_changes(client: LanguageClient, tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    parent = "workflow Parent\n  start: S\n  exit: S\n  subgraph S\n    ref: child.dip\n"
    parent_uri, diags = await open_doc(client, parent, uri=(folder / "parent.dip").as_uri())
    missing = ("DIP126", "DIP143")
    assert any(d.code in missing for d in diags)  # child.dip exists nowhere yet
    before = len(client.published[parent_uri])  # type: ignore[attr-defined]
    # The child exists only as an unsaved editor buffer: the parent sees it.
    child_uri, _ = await open_doc(client, "workflow Child\n  start: A\n  exit: A\n  agent A\n    prompt: hi\n", uri=(folder / "child.dip").as_uri())
    for _ in range(1500):
        published = client.published[parent_uri]  # type: ignore[attr-defined]
        if len(published) > before and not any(d.code in missing for d in published[-1].diagnostics):
            break
        await asyncio.sleep(0.01)
    assert not any(d.code in missing for d in client.published[parent_uri][-1].diagnostics)  # type: ignore[attr-defined]
    # Breaking the child's syntax is reported in the parent again.
    change(client, child_uri, 2, "workflow", (0, 0), (0, 8))
    change(client, child_uri, 3, "", (0, 0), (4, 15))
    await diagnostics(client, child_uri, 3)
    for _ in range(1500):
        if any(d.code in ("DIP143", "DIP146") for d in client.published[parent_uri][-1].diagnostics):  # type: ignore[attr-defined]
            break
        await asyncio.sleep(0.01)
    assert any(d.code in ("DIP143", "DIP146") for d in client.published[parent_uri][-1].diagnostics)  # type: ignore[attr-defined]


async def test_documents_that_run_each_other_do_not_recheck_forever(client: LanguageClient, tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    a = "workflow A\n  start: S\n  exit: S\n  subgraph S\n    ref: b.dip\n"
    b = "workflow B\n  start: S\n  exit: S\n  subgraph S\n    ref: a.dip\n"
    a_uri, _ = await open_doc(client, a, uri=(folder / "a.dip").as_uri())
    b_uri, _ = await open_doc(client, b, uri=(folder / "b.dip").as_uri())
    change(client, a_uri, 2, "  ", (4, 0))
    await diagnostics(client, a_uri, 2)
    await asyncio.sleep(0.5)
    published: dict[str, list[object]] = client.published  # type: ignore[attr-defined]
    settled = len(published[a_uri]) + len(published[b_uri])
    await asyncio.sleep(0.5)
    assert len(published[a_uri]) + len(published[b_uri]) == settled
