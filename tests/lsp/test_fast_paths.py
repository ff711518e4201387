"""The shortcuts that keep the server fast on large files give the same answers.

* completion requested right after a keystroke, while the re-analysis is pending, offers
  the keys of the dataflow analysis; completion lists reused between versions (and sent
  from their cached encoding) follow edits that change which keys are set, and are not
  extended in place by the items that follow them;
* edits of single edge lines (re-parsed on their own) give what a full parse gives;
* the bounded edit distance behind "did you mean" suggestions picks what the plain
  Levenshtein distance picks.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from tests.conftest import corpus_files
from tests.lsp.conftest import (
    SERVER,
    _record_diagnostics,
    change,
    diagnostics,
    doc_id,
    labels,
    open_doc,
    pos,
)
from tracker.dippin import load_text
from tracker.dippin.analysis import analyze
from tracker.dippin.ir_data import to_data
from tracker.dippin.suggest import closest, levenshtein
from tracker_lsp.documents import split_lines
from tracker_lsp.incremental import IncrementalParser

KEYS = ", ".join(f"key{i:02}" for i in range(60))
MANY = f"""workflow Many
  goal: "Many keys"
  start: First
  exit: Second

  agent First
    prompt: Write them all.
    writes: {KEYS}

  agent Second
    prompt: Use them.

  edges
    First -> Second
"""
PROMPT = "    prompt: Use them."
WRITES = f"    writes: {KEYS}"


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER), scope="module")  # type: ignore[untyped-decorator]
async def editor(lsp_client: LanguageClient) -> AsyncIterator[None]:
    """A client that accepts shared completion defaults (``itemDefaults.editRange``), as
    VS Code does: the server then reuses long completion lists."""
    _record_diagnostics(lsp_client)
    caps = client_capabilities("visual-studio-code")
    assert caps.text_document is not None and caps.text_document.completion is not None
    caps.text_document.completion.completion_list = lsp.CompletionListCapabilities(item_defaults=["editRange", "data"])
    await lsp_client.initialize_session(
        lsp.InitializeParams(
            capabilities=caps, initialization_options={"tracker": {"environmentChecks": False, "watchFiles": False}}
        )
    )
    yield
    await lsp_client.shutdown_session()


async def _complete(client: LanguageClient, uri: str, line: int, character: int) -> lsp.CompletionList:
    result = await client.text_document_completion_async(lsp.CompletionParams(text_document=doc_id(uri), position=pos(line, character)))
    assert isinstance(result, lsp.CompletionList)
    return result


def _keys_at(text: str, node: str) -> set[str]:
    return set(analyze(load_text(text).workflow).keys_at(node))


@pytest.mark.asyncio(loop_scope="module")
async def test_completion_right_after_a_keystroke_offers_the_analysis_keys(editor: LanguageClient) -> None:
    client = editor
    uri, _ = await open_doc(client, MANY)
    lines = MANY.split("\n")
    line = lines.index(PROMPT)
    # Typed and asked for at once: the re-analysis of version 2 has not run yet.
    change(client, uri, 2, " ${ctx.", (line, len(PROMPT)))
    text = MANY.replace(PROMPT, PROMPT + " ${ctx.")
    first = await _complete(client, uri, line, len(PROMPT) + 7)
    assert set(labels(first)) == _keys_at(text, "Second")
    assert {f"key{i:02}" for i in range(60)} <= set(labels(first))
    await diagnostics(client, uri, 2)

    # Prompt text edited upstream: the same keys (the list may be reused).
    change(client, uri, 3, "Now write", (lines.index("    prompt: Write them all."), 12), (lines.index("    prompt: Write them all."), 17))
    text = text.replace("Write them all.", "Now write all.")
    await diagnostics(client, uri, 3)
    again = await _complete(client, uri, line, len(PROMPT) + 7)
    assert set(labels(again)) == _keys_at(text, "Second")
    resolved = await client.completion_item_resolve_async(next(i for i in again.items if i.label == "key07"))
    assert "First" in str(resolved.documentation)

    # A new key written upstream: offered once that version is analysed.
    writes = lines.index(WRITES)
    change(client, uri, 4, ", fresh_key", (writes, len(WRITES)))
    text = text.replace(WRITES, WRITES + ", fresh_key")
    await diagnostics(client, uri, 4)
    after = await _complete(client, uri, line, len(PROMPT) + 7)
    assert "fresh_key" in labels(after)
    assert set(labels(after)) == _keys_at(text, "Second")

    # ... and no longer offered when removed again.
    change(client, uri, 5, "", (writes, len(WRITES)), (writes, len(WRITES) + len(", fresh_key")))
    await diagnostics(client, uri, 5)
    removed = await _complete(client, uri, line, len(PROMPT) + 7)
    assert "fresh_key" not in labels(removed) and "key59" in labels(removed)


@pytest.mark.asyncio(loop_scope="module")
async def test_a_reused_key_list_is_not_changed_by_what_follows_it(editor: LanguageClient) -> None:
    """In a condition the keys are followed by graph attributes and operators: asking
    again must give the same list (the reused keys are not extended in place)."""
    client = editor
    text = MANY.replace("    First -> Second\n", "    First -> Second  when \n")
    uri, _ = await open_doc(client, text)
    line = text.split("\n").index("    First -> Second  when ")
    answers = [labels(await _complete(client, uri, line, len("    First -> Second  when "))) for _ in range(3)]
    assert answers[0] == answers[1] == answers[2]
    assert len(answers[0]) == len(set(answers[0]))
    assert {"ctx.key00", "ctx.key59", "graph.goal", "not"} <= set(answers[0])


def test_edge_line_edits_parse_as_a_full_parse_does(corpus: object) -> None:
    rng = random.Random(11)
    reused = 0
    for path in corpus_files("**/*.dip")[::3]:
        lines, _ = split_lines(path.read_text(encoding="utf-8"))
        edge_lines = [i for i, line in enumerate(lines) if " -> " in line and not line.lstrip().startswith(("#", "parallel", "fan_in"))]
        if not edge_lines:
            continue
        parser = IncrementalParser(str(path))
        parser.parse(list(lines))
        for _ in range(8):
            i = rng.choice(edge_lines)
            c = rng.randint(0, len(lines[i]))
            typed = rng.choice(["x", " ", "#", '"', " when ctx.a = b", " label: z", " loop", "&&", " -> ", ""])
            lines[i] = lines[i][:c] + typed + lines[i][c + (0 if typed else 1) :]
            got = parser.parse(list(lines))
            reused += parser.stats.last_reparsed_lines == 1
            want = load_text("\n".join(lines), str(path))
            assert to_data(got.workflow) == to_data(want.workflow), (path.name, i)
            assert [d.to_dict() for d in got.diagnostics] == [d.to_dict() for d in want.diagnostics], (path.name, i)
            assert to_data(got.workflow.comments) == to_data(want.workflow.comments)
    assert reused > 0  # the edge-line path was taken


def test_a_plain_edge_edit_reparses_one_line(corpus: object) -> None:
    path = Path(str(corpus)) / "tracker" / "examples" / "build_product.dip"
    lines, _ = split_lines(path.read_text(encoding="utf-8"))
    parser = IncrementalParser(str(path))
    parser.parse(list(lines))
    edges_at = lines.index("  edges")
    target = next(i for i in range(edges_at, len(lines)) if " -> " in lines[i] and "#" not in lines[i])
    lines[target] += "x"  # an unknown target: a lint finding, not a parse problem
    got = parser.parse(list(lines))
    assert parser.stats.last_reparsed_lines == 1
    assert to_data(got.workflow) == to_data(load_text("\n".join(lines), str(path)).workflow)


def _closest_by_definition(name: str, candidates: list[str], max_distance: int) -> str | None:
    best, best_score = None, max_distance + 0.01
    for cand in candidates:
        if cand == name:
            continue
        score = 0.5 if cand.lower() == name.lower() else float(levenshtein(name, cand))
        if score < best_score:
            best, best_score = cand, score
    return best


def test_bounded_suggestions_pick_what_plain_levenshtein_picks() -> None:
    rng = random.Random(3)
    for _ in range(5000):
        words = ["".join(rng.choice("abAB_c") for _ in range(rng.randint(0, 7))) for _ in range(rng.randint(0, 8))]
        name = "".join(rng.choice("abAB_c") for _ in range(rng.randint(0, 7)))
        limit = rng.randint(0, 4)
        assert closest(name, words, limit) == _closest_by_definition(name, words, limit), (name, words, limit)
