"""Prompt assembly for agent nodes (engine spec §3.4, §3.5, §3.8, §4.1.1)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tracker.agent.node_prompt import (
    build_prompt,
    cap_head_tail,
    expand_references,
    fidelity_keys,
    injection_block,
    runtime_block,
)

GRAPH = {"goal": "ship it", "params.lang": "go", "workflow_dir": "/w"}


def graph(key: str) -> str | None:
    return GRAPH.get(key)


def test_references_use_the_runtime_namespaces() -> None:
    context = {"topic": "caching", "inputs.spec": ".tracker/inputs/spec", "node.Test.tool_stdout": "FAIL x"}
    text = "${ctx.topic} ${inputs.spec} ${params.lang} ${graph.goal} [${ctx.missing}] ${other.x} ${nodot}"
    assert expand_references(text, context, graph) == "caching .tracker/inputs/spec go ship it []  ${nodot}"
    fenced = expand_references("see ${ctx.node.Test.tool_stdout}", context, graph)
    assert fenced == "see \n\n## Tool Stdout\n\n```text\nFAIL x\n```\n"


def test_values_are_not_expanded_twice() -> None:
    assert expand_references("${ctx.a}", {"a": "${ctx.b}", "b": "no"}, graph) == "${ctx.b}"


def test_full_fidelity_appends_the_injection_block() -> None:
    context = {"human_response": "approve", "last_response": "previous output"}
    prompt = build_prompt("Do $goal.", context, graph, fidelity="full", injection_cap=4096, reads=[])
    assert prompt == (
        "Do ship it.\n\n---\n# Context from Prior Pipeline Stages\n\n"
        "## Human Response\napprove\n\n## Previous Node Output\nprevious output"
    )
    assert build_prompt("Plain.", {}, graph, fidelity="full", injection_cap=4096, reads=[]) == "Plain."


def test_previous_output_is_capped_head_and_tail() -> None:
    text = "H" * 3000 + "M" * 5000 + "T" * 3000
    capped = cap_head_tail(text, 4096)
    head, marker, tail = capped.split("\n")
    assert head == "H" * 2048 and tail == "T" * 2048
    assert marker == "[... 6904 of 11000 bytes elided ...]"
    assert cap_head_tail(text, -1) == text
    block = injection_block({"last_response": "x" * 10}, 4)
    assert block.endswith("## Previous Node Output\nxx\n[... 6 of 10 bytes elided ...]\nxx")


def test_summary_fidelity_levels() -> None:
    context = {
        "graph.goal": "g",
        "outcome": "success",
        "last_response": "word " * 200,
        "tool_stdout": "out",
        "custom": "c",
        "completed_summary": "",
    }
    medium = build_prompt("P", context, graph, fidelity="summary:medium", injection_cap=0, reads=["custom"])
    assert medium.startswith("# Context Summary (fidelity: summary:medium)\n\n## custom\nc\n\n## graph.goal\ng")
    assert medium.endswith("\n\n---\n\nP")
    assert "## human_response" not in medium
    truncated = fidelity_keys("truncate", context, [])
    assert len(truncated["last_response"].encode()) <= 503 and truncated["last_response"].endswith("...")
    assert fidelity_keys("summary:low", context, []) == {"graph.goal": "g", "completed_summary": ""}
    low = build_prompt("P", context, graph, fidelity="summary:low", injection_cap=0, reads=[])
    assert low == "# Context Summary (fidelity: summary:low)\n\n## graph.goal\ng\n\n---\n\nP"
    assert fidelity_keys("compact", context, []) == {"graph.goal": "g", "outcome": "success"}
    assert "custom" in fidelity_keys("summary:high", context, [])


def test_runtime_block() -> None:
    block = runtime_block(Path("/work/p"), "abc123", "Build", date(2026, 3, 4))
    assert block.startswith("# Runtime\n\n- Working directory: /work/p")
    assert "- Date: 2026-03-04\n- Run: abc123, node: Build\n\n" in block
    assert "- Node: Build\n" in runtime_block(Path("/w"), "", "Build", date(2026, 3, 4))
