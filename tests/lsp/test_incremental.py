"""The incremental re-parse gives exactly what a full parse gives, after any edit.

Random edits (characters, line breaks, deleted/duplicated/indented lines, new nodes) are
applied to every corpus file; after each one the incremental result must equal
``tracker.dippin.load_text`` of the same text: the IR with all ranges, the diagnostics
in order, and the comments. Also checks the document model's incremental text sync.
"""

from __future__ import annotations

import random

import pytest
from lsprotocol import types as lsp

from tests.conftest import corpus_files
from tracker.dippin import load_text
from tracker.dippin.ir_data import to_data
from tracker_lsp.documents import Document, split_lines
from tracker_lsp.incremental import IncrementalParser

SNIPPETS = ["  agent Zed", "    prompt: hi ${ctx.x}", "  # comment", "", "    A -> B", "  edges", "      x", "  tool T", "    command:", "\tx"]


def _mutate(lines: list[str], rng: random.Random) -> list[str]:
    lines = list(lines)
    i = rng.randrange(len(lines))
    line = lines[i]
    c = rng.randint(0, len(line))
    op = rng.choice(["ins", "del", "nl", "delline", "dup", "indent", "dedent", "join", "insline"])
    ch = rng.choice([*'abc :$.{}>-#"é😀', "  "])
    if op == "ins":
        lines[i] = line[:c] + ch + line[c:]
    elif op == "del":
        lines[i] = line[:c] + line[c + 1 :]
    elif op == "nl":
        lines[i : i + 1] = [line[:c], line[c:]]
    elif op == "delline" and len(lines) > 1:
        del lines[i]
    elif op == "dup":
        lines.insert(i, line)
    elif op == "indent":
        lines[i] = "  " + line
    elif op == "dedent":
        lines[i] = line[2:] if line.startswith("  ") else line
    elif op == "join" and i + 1 < len(lines):
        lines[i : i + 2] = [line + lines[i + 1]]
    elif op == "insline":
        lines.insert(i, rng.choice(SNIPPETS))
    return lines


@pytest.mark.parametrize("path", corpus_files("**/*.dip")[::4] or [None], ids=lambda p: p.name if p else "no-corpus")
def test_incremental_parse_equals_full_parse(path: object, corpus: object) -> None:
    from pathlib import Path

    assert isinstance(path, Path)
    lines, _ = split_lines(path.read_text(encoding="utf-8"))
    parser = IncrementalParser(str(path))
    rng = random.Random(path.name)
    for step in range(12):
        if step:
            lines = _mutate(lines, rng)
        got = parser.parse(list(lines))
        want = load_text("\n".join(lines), str(path))
        assert to_data(got.workflow) == to_data(want.workflow), f"step {step}"
        assert [d.to_dict() for d in got.diagnostics] == [d.to_dict() for d in want.diagnostics], f"step {step}"
        assert to_data(got.workflow.comments) == to_data(want.workflow.comments)


def test_one_character_edit_reparses_only_its_item(corpus: object) -> None:
    from pathlib import Path

    path = Path(str(corpus)) / "tracker" / "examples" / "build_product.dip"
    lines, _ = split_lines(path.read_text(encoding="utf-8"))
    parser = IncrementalParser(str(path))
    parser.parse(list(lines))
    target = next(i for i, line in enumerate(lines) if line.strip().startswith("label:") and i > 1000)
    lines[target] += "x"
    got = parser.parse(list(lines))
    assert parser.stats.last_mode == "incremental"
    assert parser.stats.last_reparsed_lines < 400
    lines.insert(target, "")  # a line break shifts everything below
    got = parser.parse(list(lines))
    assert parser.stats.last_mode == "incremental"
    want = load_text("\n".join(lines), str(path))
    assert to_data(got.workflow) == to_data(want.workflow)


def _change(start: tuple[int, int], end: tuple[int, int], text: str) -> lsp.TextDocumentContentChangePartial:
    return lsp.TextDocumentContentChangePartial(
        range=lsp.Range(start=lsp.Position(line=start[0], character=start[1]), end=lsp.Position(line=end[0], character=end[1])),
        text=text,
    )


def test_document_applies_utf16_changes_and_keeps_line_endings() -> None:
    doc = Document("file:///x.dip", "a😀b\r\nsecond\rthird\n", 1)
    doc.apply_changes([_change((0, 3), (0, 4), "B")], 2, "utf-16")  # after the emoji (2 units)
    assert doc.text == "a😀B\r\nsecond\rthird\n"
    doc.apply_changes([_change((0, 4), (1, 3), "\n")], 3, "utf-16")
    assert doc.text == "a😀B\nond\rthird\n"
    doc.apply_changes([_change((1, 3), (1, 3), "\n")], 4, "utf-8")
    assert doc.lines == ["a😀B", "ond", "", "third", ""]
    assert doc.text == "a😀B\nond\n\rthird\n"
    doc.apply_changes([lsp.TextDocumentContentChangeWholeDocument(text="new\n")], 5, "utf-16")
    assert doc.lines == ["new", ""] and doc.version == 5


def test_split_lines_matches_the_parser() -> None:
    from tracker.dippin.source import SourceText

    text = "a\r\nb\rc\n\nd"
    assert split_lines(text)[0] == SourceText.from_text(text).lines


def _offset(text: str, line: int, units: int) -> int:
    """Reference conversion: UTF-16 (line, column) → index into ``text``."""
    starts = [0]
    i = 0
    while i < len(text):
        if text.startswith("\r\n", i):
            starts.append(i + 2)
            i += 2
            continue
        if text[i] in "\r\n":
            starts.append(i + 1)
        i += 1
    line = min(line, len(starts) - 1)
    pos = starts[line]
    end = starts[line + 1] if line + 1 < len(starts) else len(text)
    while end > pos and text[end - 1] in "\r\n":
        end -= 1
    count = 0
    while pos < end and count + len(text[pos].encode("utf-16-le")) // 2 <= units:
        count += len(text[pos].encode("utf-16-le")) // 2
        pos += 1
    return pos


def _utf16_width(line: str) -> int:
    return len(line.encode("utf-16-le")) // 2


def test_random_utf16_edits_match_a_reference_implementation() -> None:
    rng = random.Random(7)
    alphabet = ["a", "b", " ", "\n", "\r\n", "é", "😀", "\t", "${", "}"]
    text = "".join(rng.choice(alphabet) for _ in range(300))
    doc = Document("file:///r.dip", text, 1)
    for version in range(2, 400):
        lines = doc.lines
        sl = rng.randrange(len(lines))
        el = min(len(lines) - 1, sl + rng.choice([0, 0, 1, 2]))
        sc = rng.randint(0, _utf16_width(lines[sl]))
        ec = rng.randint(0, _utf16_width(lines[el])) if el > sl else rng.randint(sc, _utf16_width(lines[el]))
        new = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 4)))
        start, end = _offset(text, sl, sc), _offset(text, el, ec)
        text = text[:start] + new + text[end:]
        doc.apply_changes([_change((sl, sc), (el, ec), new)], version, "utf-16")
        assert doc.text == text, version
        assert doc.lines == split_lines(text)[0]
