"""The parser never raises: random, mutated, huge and malformed inputs all give diagnostics."""

from __future__ import annotations

import random
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import corpus_files
from tracker.dippin import load_bytes, parse_bytes, parse_text
from tracker.dippin.diagnostics import Severity

SAMPLE = (
    "workflow W\n  goal: demo\n  start: A\n  exit: C\n\n  defaults\n    model: gpt-5.4\n\n"
    "  agent A\n    prompt:\n      Plan ${ctx.x}\n    writes: plan\n\n"
    "  tool B\n    timeout: 5s\n    command: |\n      echo ok\n\n"
    "  parallel P -> A, B\n  fan_in J <- A, B\n\n"
    "  human C\n    mode: choice\n\n"
    "  edges\n    A -> B  when ctx.outcome = success and not ctx.x = y  label: ok\n    B -> C  on success  loop\n"
)
ALPHABET = st.sampled_from(
    [*"abcAB:->\"'#${}()[]|,=!<> \t\n", "agent ", "tool ", "edges\n", "workflow W\n", "  ", "    ", "when ", "label: "]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ALPHABET, max_size=120).map("".join))
def test_random_token_soup_never_raises(text: str) -> None:
    result = parse_text(text)
    assert result.workflow is not None
    for d in result.diagnostics:
        assert d.range.start.line >= 0 and d.range.start.character >= 0


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_mutated_documents_never_raise(data: st.DataObject) -> None:
    text = SAMPLE
    for _ in range(data.draw(st.integers(1, 6))):
        op = data.draw(st.sampled_from(["delete", "insert", "dup_line", "dedent", "swap"]))
        pos = data.draw(st.integers(0, max(len(text) - 1, 0)))
        if op == "delete":
            text = text[:pos] + text[pos + data.draw(st.integers(1, 8)) :]
        elif op == "insert":
            text = text[:pos] + data.draw(ALPHABET) + text[pos:]
        elif op == "dup_line":
            lines = text.split("\n")
            i = pos % len(lines)
            lines.insert(i, lines[i])
            text = "\n".join(lines)
        elif op == "dedent":
            lines = text.split("\n")
            i = pos % len(lines)
            lines[i] = lines[i][2:]
            text = "\n".join(lines)
        else:
            lines = text.split("\n")
            i = pos % len(lines)
            j = (pos * 7) % len(lines)
            lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
    result = parse_text(text)
    assert result.workflow is not None


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    result = parse_bytes(data)
    assert result.workflow is not None


def test_invalid_utf8_is_reported_with_a_position() -> None:
    data = b"workflow W\n  goal: caf\xe9 \xff\n  start: A\n  exit: A\n  agent A\n    label: a\n"
    r = parse_bytes(data, "bad.dip")
    bad = [d for d in r.diagnostics if d.code == "DIP909"]
    assert [(d.range.start.line, d.range.start.character) for d in bad] == [(1, 11), (1, 13)]
    assert "0xe9" in bad[0].message
    assert r.workflow.name == "W" and r.workflow.start == "A"


def test_tabs_in_indentation_warn_once_and_still_parse() -> None:
    text = "workflow W\n\tstart: A\n\texit: A\n\tagent A\n\t\tlabel: a\n"
    r = parse_text(text)
    assert [d.code for d in r.diagnostics] == ["DIP908"]
    assert r.workflow.node("A") is not None


def test_unbalanced_and_inconsistent_indentation() -> None:
    text = "workflow W\n  start: A\n  exit: A\n  agent A\n      label: a\n   model: x\n  agent B\n    label: b\n"
    r = parse_text(text)
    assert any("unindent does not match" in d.message for d in r.diagnostics)
    assert [n.id for n in r.workflow.nodes] == ["A", "B"]


def test_pathologically_deep_indentation() -> None:
    text = "workflow W\n" + "".join(" " * (i + 2) + f"k{i}: v\n" for i in range(3000))
    r = parse_text(text)
    assert any(d.severity is Severity.ERROR for d in r.diagnostics)


def test_five_megabyte_file_parses() -> None:
    block = "".join(
        f"  agent N{i}\n    label: node {i}\n    prompt:\n" + "      some prompt text line\n" * 28 for i in range(6000)
    )
    edges = "  edges\n" + "".join(f"    N{i} -> N{i + 1}\n" for i in range(5999))
    text = "workflow Big\n  start: N0\n  exit: N5999\n" + block + edges
    assert len(text.encode()) > 5_000_000
    r = parse_text(text)
    assert r.diagnostics == []
    assert len(r.workflow.nodes) == 6000 and len(r.workflow.edges) == 5999


def test_many_errors_stay_bounded_and_fast() -> None:
    lines = ["workflow W", "  start: A", "  exit: A"] + [f"  garbage line {i} !!" for i in range(3000)]
    r = parse_text("\n".join(lines))
    assert len(r.diagnostics) == 3000
    assert all(d.code == "DIP000" for d in r.diagnostics)


def test_random_line_shuffles_of_corpus_files_never_raise() -> None:
    files = corpus_files()[:25]
    rng = random.Random(7)
    for path in files:
        lines = path.read_text(encoding="utf-8").split("\n")
        for _ in range(4):
            copy = list(lines)
            for _ in range(6):
                i, j = rng.randrange(len(copy)), rng.randrange(len(copy))
                copy[i], copy[j] = copy[j], copy[i]
            assert parse_text("\n".join(copy)).workflow is not None


def test_every_corpus_file_parses_without_syntax_errors(corpus: Path) -> None:
    files = sorted(corpus.glob("**/*.dip"))
    assert len(files) > 50
    failures = {}
    for path in files:
        result = load_bytes(path.read_bytes(), path)
        errors = [f"{d.code} {d.range.start.line + 1}:{d.message}" for d in result.diagnostics if d.severity is Severity.ERROR]
        if errors:
            failures[str(path.relative_to(corpus))] = errors
        assert result.workflow.nodes, path
    assert failures == {}
