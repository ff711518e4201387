"""Completion over stdio: keywords, fields per node kind, values, node IDs, conditions and
``${ctx.`` keys from the dataflow analysis — including in half-written documents."""

from __future__ import annotations

import pytest
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

from tests.lsp.conftest import change, diagnostics, doc_id, labels, open_doc, pos

pytestmark = pytest.mark.asyncio(loop_scope="module")

BRANCHING = """workflow Branching
  goal: "Review or fix"
  start: Plan
  exit: Report

  agent Plan
    prompt: Plan the work.
    writes: plan

  tool Check
    command: make test

  agent Fix
    prompt: Fix it using ${ctx.plan}
    writes: fix_notes

  human Approve
    mode: freeform
    prompt: Approve?

  agent Report
    prompt: Report.

  edges
    Plan -> Check
    Check -> Fix  when ctx.outcome = fail
    Check -> Approve  when ctx.outcome = success
    Fix -> Report
    Approve -> Report
"""


async def complete(client: LanguageClient, uri: str, line: int, character: int) -> list[str]:
    result = await client.text_document_completion_async(lsp.CompletionParams(text_document=doc_id(uri), position=pos(line, character)))
    return labels(result)


async def test_body_offers_node_kinds_sections_and_header_fields(client: LanguageClient) -> None:
    uri, _ = await open_doc(client, "workflow W\n  start: A\n  exit: A\n  agent A\n    prompt: hi\n\n  \n")
    got = await complete(client, uri, 6, 2)
    for word in ("agent", "human", "tool", "parallel", "fan_in", "edges", "defaults", "goal", "stylesheet"):
        assert word in got
    assert "prompt" not in got


async def test_fields_of_a_half_written_node(client: LanguageClient) -> None:
    text = "workflow W\n  start: A\n  exit: A\n  agent A\n    prompt: hi\n  human Gate\n    mo"
    uri, diags = await open_doc(client, text)
    assert any(d.severity == lsp.DiagnosticSeverity.Error for d in diags)  # the document is broken
    got = await complete(client, uri, 6, 6)
    assert "mode" in got and "timeout_action" in got
    assert "command" not in got and "model" not in got
    result = await client.text_document_completion_async(lsp.CompletionParams(text_document=doc_id(uri), position=pos(6, 6)))
    assert isinstance(result, lsp.CompletionList)
    mode = next(i for i in result.items if i.label == "mode")
    assert mode.documentation is not None and "gate" in str(mode.documentation).lower()
    prompt = next(i for i in result.items if i.label == "prompt")
    assert isinstance(prompt.text_edit, lsp.TextEdit) and "\n" in prompt.text_edit.new_text  # block snippet


async def test_enum_values_and_models_filtered_by_provider(client: LanguageClient) -> None:
    text = "workflow W\n  start: A\n  exit: H\n  agent A\n    provider: openai\n    model: \n  human H\n    mode: \n"
    uri, _ = await open_doc(client, text)
    models = await complete(client, uri, 5, 11)
    assert models and any(m.startswith("gpt") for m in models)
    assert not any(m.startswith("claude") for m in models)
    modes = await complete(client, uri, 7, 10)
    assert set(modes) >= {"choice", "freeform", "interview", "yes_no", "hybrid"}


async def test_node_ids_in_edges_start_and_targets(client: LanguageClient) -> None:
    uri, _ = await open_doc(client, BRANCHING + "    Report -> \n")
    last = BRANCHING.count("\n")
    got = await complete(client, uri, last, 14)
    assert {"Plan", "Check", "Fix", "Approve", "Report"} <= set(got)
    got = await complete(client, uri, 2, 9)
    assert "Plan" in got


async def test_condition_keys_operators_and_values(client: LanguageClient) -> None:
    uri, _ = await open_doc(client, BRANCHING + "    Check -> Fix  when \n")
    last = BRANCHING.count("\n")
    line = "    Check -> Fix  when "
    keys = await complete(client, uri, last, len(line))
    assert "ctx.outcome" in keys and "ctx.tool_stdout" in keys and "ctx.plan" in keys
    assert "ctx.fix_notes" not in keys
    change(client, uri, 2, "ctx.outcome ", (last, len(line)))
    await diagnostics(client, uri, 2)
    ops = await complete(client, uri, last, len(line) + 12)
    assert {"=", "!=", "contains", "in", "matches"} <= set(ops)
    change(client, uri, 3, "= ", (last, len(line) + 12))
    await diagnostics(client, uri, 3)
    values = await complete(client, uri, last, len(line) + 14)
    assert {"success", "fail", "retry"} <= set(values)


async def test_interpolation_namespaces_inside_unclosed_brace(client: LanguageClient) -> None:
    text = "workflow W\n  start: A\n  exit: A\n  vars\n    target: main\n  agent A\n    prompt: Deploy ${\n"
    uri, _ = await open_doc(client, text)
    line = "    prompt: Deploy ${"
    got = await complete(client, uri, 6, len(line))
    assert {"ctx", "graph", "params", "inputs"} <= set(got)
    change(client, uri, 2, "params.", (6, len(line)))
    await diagnostics(client, uri, 2)
    got = await complete(client, uri, 6, len(line) + 7)
    assert got == ["target"]


async def test_ctx_keys_are_exactly_those_the_analysis_may_set(client: LanguageClient, tmp_path: object) -> None:
    from pathlib import Path

    from tracker.dippin import load_text
    from tracker.dippin.analysis import analyze

    text = BRANCHING.replace("  agent Report\n    prompt: Report.", "  agent Report\n    prompt: Report ${ctx.}")
    uri, _ = await open_doc(client, text, uri=(Path(str(tmp_path)) / "branching.dip").as_uri())
    line_no = text.split("\n").index("    prompt: Report ${ctx.}")
    got = await complete(client, uri, line_no, len("    prompt: Report ${ctx."))
    expected = set(analyze(load_text(text).workflow).keys_at("Report"))
    assert set(got) == expected
    # Written on one branch each: offered, but only "sometimes".
    assert {"fix_notes", "human_response", "plan", "tool_stdout", "node.Fix.fix_notes"} <= set(got)
    # Never written before Report: not offered.
    assert "interview_answers" not in got and "tool_marker" not in got
    result = await client.text_document_completion_async(
        lsp.CompletionParams(text_document=doc_id(uri), position=pos(line_no, len("    prompt: Report ${ctx.")))
    )
    assert isinstance(result, lsp.CompletionList)
    by_label = {i.label: i for i in result.items}
    assert "some paths" in (by_label["fix_notes"].detail or "") and "Fix" in (by_label["fix_notes"].detail or "")
    assert "always" in (by_label["plan"].detail or "")
    edit = by_label["plan"].text_edit
    assert isinstance(edit, lsp.TextEdit) and edit.new_text == "plan"  # the brace is already there


async def test_ctx_completion_while_typing_an_unclosed_interpolation(client: LanguageClient) -> None:
    uri, _ = await open_doc(client, BRANCHING)
    line_no = BRANCHING.split("\n").index("    prompt: Report.")
    change(client, uri, 2, " ${ctx.pl", (line_no, len("    prompt: Report.")))
    got = await complete(client, uri, line_no, len("    prompt: Report. ${ctx.pl"))
    assert "plan" in got
    result = await client.text_document_completion_async(
        lsp.CompletionParams(text_document=doc_id(uri), position=pos(line_no, len("    prompt: Report. ${ctx.pl")))
    )
    assert isinstance(result, lsp.CompletionList)
    plan = next(i for i in result.items if i.label == "plan")
    assert isinstance(plan.text_edit, lsp.TextEdit) and plan.text_edit.new_text == "plan}"
    assert plan.text_edit.range.start.character == len("    prompt: Report. ${ctx.")


async def test_nothing_is_offered_inside_a_comment(client: LanguageClient) -> None:
    uri, _ = await open_doc(client, "workflow W\n  start: A\n  exit: A\n  agent A\n    label: x  # see ${ctx.\n  # agent\n")
    assert await complete(client, uri, 4, len("    label: x  # see ${ctx.")) == []
    assert await complete(client, uri, 5, len("  # agent")) == []


async def test_fan_in_policy_values_in_a_parallel_params_block(client: LanguageClient) -> None:
    text = "workflow W\n  start: P\n  exit: J\n  parallel P -> A, B\n    params:\n      fan_in_policy: \n  agent A\n  agent B\n  fan_in J <- A, B\n"
    uri, _ = await open_doc(client, text)
    assert set(await complete(client, uri, 5, len("      fan_in_policy: "))) == {"any", "all", "quorum"}
