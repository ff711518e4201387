"""The catalogue entries of the Core codes, and the generated docs/diagnostics.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.dippin import load_file
from tracker.dippin.diagnostics import Severity
from tracker.dippin.ir import ManagerLoopNode, SubgraphNode
from tracker.dippin.lint import check, rules
from tracker.dippin.lint.catalog import CATALOG, explain
from tracker.dippin.lint.docs import DOC_PATH, render

CORE = [f"DIP00{i}" for i in range(1, 10)] + [f"DIP{n}" for n in range(101, 138)]


@pytest.fixture(scope="module", autouse=True)
def _load_rules() -> None:
    rules()


@pytest.mark.parametrize("code", CORE)
def test_core_code_is_fully_documented(code: str) -> None:
    info = explain(code)
    assert info is not None
    assert info.origin == "core"
    assert info.title and info.explanation and info.example and info.fixed and info.fix


def test_default_severities_follow_the_spec() -> None:
    errors = {c for c in CORE if CATALOG[c].severity is Severity.ERROR}
    hints = {c for c in CORE if CATALOG[c].severity is Severity.HINT}
    assert errors == {f"DIP00{i}" for i in range(1, 10)}
    assert hints == {"DIP125", "DIP133"}


def test_reserved_code_is_never_registered() -> None:
    assert explain("DIP138") is None


def test_every_rule_code_has_a_catalogue_entry() -> None:
    emitted = {code for r in rules() for code in r.codes}
    assert emitted - set(CATALOG) == set()


def test_committed_diagnostics_page_is_up_to_date() -> None:
    assert DOC_PATH.read_text(encoding="utf-8") == render(), (
        "docs/diagnostics.md is stale: run `python -m tracker.dippin.lint.docs --write`"
    )


def test_single_entries_render_for_hover_and_terminal() -> None:
    from tracker.dippin.lint.docs import entry_markdown, entry_text

    markdown = entry_markdown("dip111")
    text = entry_text("DIP111")
    assert markdown is not None and markdown.startswith("### DIP111 — Tool without timeout\n")
    assert "```dip\nworkflow W\n" in markdown and "    timeout: 60s\n" in markdown
    assert text is not None and text.startswith("DIP111 (warning): Tool without timeout\n")
    assert entry_markdown("DIP999") is None and entry_text("nope") is None


@pytest.mark.parametrize("code", CORE)
def test_examples_trigger_their_code_and_fixed_versions_do_not(code: str, tmp_path: Path) -> None:
    info = explain(code)
    assert info is not None
    bad = tmp_path / "example.dip"
    bad.write_text(info.example, encoding="utf-8")
    assert code in {d.code for d in check(load_file(bad))}
    fixed = tmp_path / "fixed.dip"
    fixed.write_text(info.fixed, encoding="utf-8")
    result = load_file(fixed)
    for node in result.workflow.nodes:  # the files a fixed example refers to exist
        ref = node.ref if isinstance(node, SubgraphNode) else node.subgraph_ref if isinstance(node, ManagerLoopNode) else ""
        if ref:
            (tmp_path / ref).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / ref).write_text("workflow C\n  start: X\n  exit: X\n\n  agent X\n    prompt: x\n", encoding="utf-8")
    assert code not in {d.code for d in check(result)}
