"""Where the cursor is, read from the current text (which may be half-typed and not parse).

Completion must work inside a node that is still being written, so the context comes from
the lines themselves: the line under the cursor and its enclosing lines by indentation
(the same line/indentation structure the lexer uses). The IR of the last parse supplies
everything else (node kinds, IDs, fields already set).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from tracker.dippin.lexer import LINE_KEYWORDS, strip_comment

_HEADER = re.compile(r"\s*([A-Za-z_]+)\b\s*(.*)")
_FIELD = re.compile(r"\s*([A-Za-z0-9_][A-Za-z0-9_\-./]*)\s*:(.*)")
_WORD_TAIL = re.compile(r"[\w.\-/]*$")


@dataclass
class Enclosing:
    """An enclosing line: its number, indentation and what it declares."""

    line: int
    indent: int
    text: str
    word: str  # first word (workflow, agent, edges, a field key, ...)
    name: str = ""  # node ID / workflow name for declarations
    is_field: bool = False
    field_value: str = ""


@dataclass
class Cursor:
    line_no: int
    character: int
    line: str
    prefix: str
    indent: int
    chain: list[Enclosing] = field(default_factory=list)

    @property
    def word(self) -> str:
        """The partial word before the cursor (names may contain ``. - /``)."""
        match = _WORD_TAIL.search(self.prefix)
        return match.group() if match else ""

    @property
    def word_start(self) -> int:
        return self.character - len(self.word)

    @property
    def parent(self) -> Enclosing | None:
        return self.chain[0] if self.chain else None

    @property
    def in_block_of(self) -> Enclosing | None:
        """The ``key:`` line whose indented block value holds the cursor, if any."""
        for enc in self.chain:
            if enc.is_field and enc.field_value.strip() in ("", "|", "|-", "|+"):
                return enc
            if not enc.is_field:
                return None
        return None

    @property
    def node(self) -> Enclosing | None:
        """The enclosing node declaration."""
        for enc in self.chain:
            if LINE_KEYWORDS.get(enc.word) in ("KIND", "PARALLEL", "FAN_IN"):
                return enc
        return None

    @property
    def section(self) -> Enclosing | None:
        for enc in self.chain:
            if enc.word in ("defaults", "vars", "inputs", "edges") and not enc.is_field:
                return enc
        return None

    @property
    def container(self) -> Enclosing | None:
        """The nearest enclosing line that is not a block-valued field."""
        block = self.in_block_of
        for enc in self.chain:
            if block is not None and enc.line >= block.line:
                continue
            return enc
        return None


def _describe(line_no: int, raw: str) -> Enclosing:
    code, _ = strip_comment(raw)
    indent = len(code) - len(code.lstrip(" \t"))
    fm = _FIELD.match(code)
    hm = _HEADER.match(code)
    word = hm.group(1) if hm else ""
    if word in LINE_KEYWORDS and fm is None:
        rest = hm.group(2).strip() if hm else ""
        name = re.split(r"[\s,]|->|<-", rest, maxsplit=1)[0] if rest else ""
        return Enclosing(line_no, indent, code, word, name.strip('"'))
    if fm:
        return Enclosing(line_no, indent, code, fm.group(1), is_field=True, field_value=fm.group(2))
    return Enclosing(line_no, indent, code, word)


def locate(lines: Sequence[str], line_no: int, character: int) -> Cursor:
    line = lines[line_no] if 0 <= line_no < len(lines) else ""
    prefix = line[:character]
    stripped = line.strip()
    indent = len(line) - len(line.lstrip(" \t")) if stripped else len(prefix)
    cur = Cursor(line_no, character, line, prefix, indent)
    need = indent
    for i in range(line_no - 1, -1, -1):
        raw = lines[i]
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        ind = len(raw) - len(raw.lstrip(" \t"))
        if ind < need:
            enc = _describe(i, raw)
            cur.chain.append(enc)
            need = ind
            if need == 0:
                break
            if LINE_KEYWORDS.get(enc.word) not in (None, "WORKFLOW", "DIP") and not enc.is_field:
                # A top-level declaration: what encloses it is the workflow line; find it
                # without walking every line above (an indentation-0 line).
                for j in range(i - 1, -1, -1):
                    text = lines[j]
                    if text[:1] not in ("", " ", "\t", "#"):
                        cur.chain.append(_describe(j, text))
                        break
                break
    return cur


def field_at(cur: Cursor) -> tuple[str, int] | None:
    """``(key, value start column)`` when the cursor is after ``key:`` on its line."""
    m = _FIELD.match(cur.line)
    if m is None:
        return None
    colon = cur.line.index(":", m.start(1) + len(m.group(1)))
    if cur.character <= colon:
        return None
    return m.group(1), colon + 1


def open_interpolation(prefix: str) -> int | None:
    """Offset of an unclosed ``${`` before the cursor."""
    at = prefix.rfind("${")
    if at < 0 or "}" in prefix[at:]:
        return None
    return at
