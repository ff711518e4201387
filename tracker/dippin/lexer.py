"""The line layer and token layer of Dippin.

The language is line oriented: comments, indentation and multi-line values are decided
per line before any grammar applies. This module turns source lines into a tree of
:class:`Unit` objects (a line plus the more-indented lines under it). Each unit carries
the lark tokens of its own line; :func:`stream` flattens a unit tree into the token
stream the lark grammar (``grammar.lark``) parses, with ``_INDENT``/``_DEDENT`` around
nested blocks.

A *field line* (``key: value`` or ``key:`` followed by an indented block) becomes a
``KEY`` token plus one ``VALUE`` or ``BLOCK`` token holding the decoded value, so values
may contain any text. Every other line is split into small tokens (names, strings,
arrows, operators, punctuation); the first word of such a line becomes a keyword token
when it starts a declaration (``agent``, ``edges``, ``parallel``, ...).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import field

from lark import Token, Tree

from tracker.dippin.ir import Comment
from tracker.dippin.positions import Position, Range
from tracker.dippin.records import record
from tracker.dippin.values import unescape

MAX_DEPTH = 8

ParseTree = Tree[Token]

LINE_KEYWORDS = {
    "workflow": "WORKFLOW",
    "defaults": "DEFAULTS",
    "vars": "VARS",
    "inputs": "INPUTS",
    "edges": "EDGES",
    "agent": "KIND",
    "human": "KIND",
    "tool": "KIND",
    "subgraph": "KIND",
    "conditional": "KIND",
    "manager_loop": "KIND",
    "parallel": "PARALLEL",
    "fan_in": "FAN_IN",
    "dip": "DIP",
}

# ``key:`` alone on a line (optionally with a YAML-style ``|`` indicator) opens a block.
_FIELD_KEY = re.compile(r"([A-Za-z0-9_][A-Za-z0-9_\-./]*)[ \t]*:")
_BLOCK_INDICATOR = re.compile(r"\|[-+]?\Z")


class DipToken(Token):  # type: ignore[misc]
    """A lark token that also knows the unit it belongs to and its zero-based range."""

    # lark's Token defines __slots__; a subclass without them gets a __dict__ for extras.
    unit: Unit
    text_value: str
    field_source: FieldText | None

    @property
    def rng(self) -> Range:
        # _mk always sets every position attribute.
        line, column, end_line, end_column = self.line or 1, self.column or 1, self.end_line or 1, self.end_column or 1
        return Range(
            start=Position(line=line - 1, character=column - 1),
            end=Position(line=end_line - 1, character=end_column - 1),
        )


@record(kw_only=False, eq=True, slots=False)
class FieldText:
    """The decoded value of a field line and where its characters came from: value line
    ``k`` starts at document line ``first_line + k``, character ``columns[k]``."""

    value: str
    value_range: Range
    first_line: int
    columns: list[int]
    block: bool
    quoted: bool


@record(kw_only=False, eq=True, slots=False)
class RawBlock:
    text: str
    range: Range
    first_line: int
    columns: list[int]


@record(kw_only=False, eq=True, slots=False)
class Unit:
    """One logical line and the more-indented lines nested under it."""

    line: int
    indent: int
    text: str  # the line with its trailing comment removed
    tokens: list[DipToken] = field(default_factory=list)
    children: list[Unit] = field(default_factory=list)
    parent: Unit | None = None
    key: str | None = None  # set for field lines
    key_range: Range | None = None
    field_text: FieldText | None = None
    block: RawBlock | None = None
    end_line: int = -1  # last source line covered (block or children included)
    end_character: int = 0

    @property
    def range(self) -> Range:
        return Range(
            start=Position(line=self.line, character=self.indent),
            end=Position(line=self.end_line, character=self.end_character),
        )

    @property
    def line_range(self) -> Range:
        """The unit's own line (without nested lines or block)."""
        return Range(
            start=Position(line=self.line, character=self.indent),
            end=Position(line=self.line, character=len(self.text)),
        )

    @property
    def first_word(self) -> str:
        return self.tokens[0].text_value if self.tokens else ""


@record(kw_only=False, eq=True, slots=False)
class LexProblem:
    code: str
    message: str
    range: Range
    severity: str = "error"


@record(kw_only=False, eq=True, slots=False)
class Lexed:
    root: Unit
    comments: list[Comment]
    problems: list[LexProblem]
    lines: list[str]


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def strip_comment(line: str) -> tuple[str, int]:
    """Remove a trailing ``#`` comment: a ``#`` outside double quotes at the start of the
    content or after a space/tab. Returns the code part (right-trimmed) and the comment's
    start column (-1 when there is none)."""
    if "#" not in line:
        return line, -1
    in_quotes = False
    i = 0
    n = len(line)
    while i < n:
        ch = line[i]
        if ch == '"':
            in_quotes = not in_quotes
        elif ch == "\\" and in_quotes:
            i += 2
            continue
        elif ch == "#" and not in_quotes and (i == 0 or line[i - 1] in " \t"):
            return line[:i].rstrip(" \t"), i
        i += 1
    return line, -1


def _mk(
    type_: str,
    text: str,
    line: int,
    start: int,
    end: int,
    unit: Unit,
    end_line: int | None = None,
) -> DipToken:
    el = line if end_line is None else end_line
    tok = DipToken(type_, text, start, line + 1, start + 1, el + 1, end + 1, end)
    tok.unit = unit
    tok.text_value = text
    tok.field_source = None
    return tok


_TWO = {"->": "ARROW", "<-": "BACKARROW", "==": "OP", "!=": "OP", "<=": "OP", ">=": "OP", "&&": "OP", "||": "OP"}
_ONE = {
    ":": "COLON",
    ",": "COMMA",
    "(": "LPAREN",
    ")": "RPAREN",
    "[": "LBRACKET",
    "]": "RBRACKET",
    "=": "OP",
    "!": "OP",
    "<": "OP",
    ">": "OP",
}


_TOKEN_RE = re.compile(
    r"""
    (?P<two>->|<-|==|!=|<=|>=|&&|\|\|)
    |(?P<one>[:,()\[\]=!<>])
    |(?P<string>"(?:[^"\\]|\\.)*"?)
    |(?P<name>\w[\w./]*(?:-(?!>)[\w./]*)*)
    |(?P<other>\S)
    """,
    re.VERBOSE,
)


def tokenize_line(text: str, line: int, start: int, unit: Unit, problems: list[LexProblem]) -> list[DipToken]:
    """Split the code part of a non-field line into tokens."""
    toks: list[DipToken] = []
    for m in _TOKEN_RE.finditer(text, start):
        kind = m.lastgroup
        s, e = m.span()
        raw = m.group()
        if kind == "name":
            toks.append(_mk("NAME", raw, line, s, e, unit))
        elif kind == "two":
            toks.append(_mk(_TWO[raw], raw, line, s, e, unit))
        elif kind == "one":
            toks.append(_mk(_ONE[raw], raw, line, s, e, unit))
        elif kind == "string":
            if len(raw) < 2 or not raw.endswith('"') or (raw.endswith('\\"') and _unterminated(raw)):
                problems.append(LexProblem("DIP913", "unterminated string: missing closing '\"'", _r(line, s, e)))
                toks.append(_mk("STRING", unescape(raw[1:]), line, s, e, unit))
            else:
                toks.append(_mk("STRING", unescape(raw[1:-1]), line, s, e, unit))
        else:
            toks.append(_mk("OTHER", raw, line, s, e, unit))
    if toks and toks[0].type == "NAME":
        kw = LINE_KEYWORDS.get(toks[0].text_value)
        if kw and not (len(toks) > 1 and toks[1].type in ("ARROW", "BACKARROW")):
            toks[0].type = kw
    return toks


def _unterminated(raw: str) -> bool:
    """True when a string token ends with an escaped quote rather than a closing one."""
    backslashes = len(raw) - 1 - len(raw[:-1].rstrip("\\"))
    return backslashes % 2 == 1


def _r(line: int, start: int, end: int) -> Range:
    return Range(start=Position(line=line, character=start), end=Position(line=line, character=end))


def _same_line_value(raw_line: str, colon: int, line: int) -> tuple[str, int, int, bool]:
    """Read the value after ``key:`` on the original line: trimmed, comment removed,
    surrounding quotes decoded. Returns (value, start column, end column, quoted)."""
    rest_start = colon + 1
    rest = raw_line[rest_start:]
    lead = len(rest) - len(rest.lstrip())
    start = rest_start + lead
    body = rest.strip()
    if body.startswith('"'):
        # A quoted value ends at its closing quote; anything after it may only be a comment.
        j = 1
        while j < len(body) and body[j] != '"':
            j += 2 if body[j] == "\\" else 1
        if j < len(body):
            tail = body[j + 1 :].strip()
            if not tail or tail.startswith("#"):
                return unescape(body[1:j]), start, start + j + 1, True
        code, _ = strip_comment(body)
        return code, start, start + len(code), False
    code, _ = strip_comment(body)
    return code, start, start + len(code), False


def lex(lines: list[str]) -> Lexed:
    """Build the unit tree for a whole document."""
    root = Unit(line=-1, indent=-1, text="")
    comments: list[Comment] = []
    problems: list[LexProblem] = []
    stack: list[tuple[int, Unit]] = [(0, root)]
    last: Unit | None = None
    tab_reported = False
    n = len(lines)
    i = 0
    while i < n:
        raw = lines[i].rstrip(" \t")
        content = raw.lstrip(" \t")
        if not content:
            i += 1
            continue
        indent = len(raw) - len(content)
        if content.startswith("#"):
            comments.append(Comment(text=content, range=_r(i, indent, len(raw)), own_line=True))
            i += 1
            continue
        code, comment_at = strip_comment(raw)
        if comment_at >= 0:
            comments.append(Comment(text=raw[comment_at:], range=_r(i, comment_at, len(raw)), own_line=False))
        if not tab_reported and "\t" in raw[:indent]:
            tab_reported = True
            problems.append(
                LexProblem(
                    "DIP908",
                    "tab character in indentation: a tab counts as one column; indent with spaces",
                    _r(i, 0, indent),
                    "warning",
                )
            )

        # ---- attach to the tree by indentation
        top_width, container = stack[-1]
        if indent > top_width and last is not None:
            if len(stack) >= MAX_DEPTH:
                problems.append(LexProblem("DIP000", "indentation is nested too deeply", _r(i, 0, indent)))
            else:
                stack.append((indent, last))
                container = last
        elif indent < top_width:
            while len(stack) > 1 and indent < stack[-1][0]:
                stack.pop()
            top_width, container = stack[-1]
            if indent > top_width:
                problems.append(
                    LexProblem(
                        "DIP000",
                        "unindent does not match any outer indentation level",
                        _r(i, 0, indent),
                    )
                )
        elif last is None and indent > 0:
            stack[-1] = (indent, root)
        unit = Unit(line=i, indent=indent, text=code, parent=container, end_line=i, end_character=len(code))
        container.children.append(unit)
        last = unit

        # ---- field line or token line
        m = _FIELD_KEY.match(code, indent)
        if m:
            key = m.group(1)
            colon = m.end() - 1
            unit.key = key
            unit.key_range = _r(i, indent, indent + len(key))
            after = code[colon + 1 :].strip()
            key_tok = _mk("KEY", key, i, indent, indent + len(key), unit)
            unit.tokens.append(key_tok)
            if after == "" or _BLOCK_INDICATOR.match(after):
                block, next_i = _capture_block(lines, i, indent)
                if block is not None:
                    unit.block = block
                    ft = FieldText(block.text, block.range, block.first_line, block.columns, True, False)
                    unit.field_text = ft
                    tok = _mk(
                        "BLOCK",
                        block.text,
                        block.range.start.line,
                        block.range.start.character,
                        block.range.end.character,
                        unit,
                        end_line=block.range.end.line,
                    )
                    tok.field_source = ft
                    unit.tokens.append(tok)
                    unit.end_line = block.range.end.line
                    unit.end_character = block.range.end.character
                    unit.tokens.append(_mk("_NL", "", i, len(code), len(code), unit))
                    i = next_i
                    continue
                vpos = Position(line=i, character=len(code))
                unit.field_text = FieldText("", Range(start=vpos, end=vpos), i, [len(code)], False, False)
            else:
                value, vstart, vend, quoted = _same_line_value(raw, colon, i)
                vr = _r(i, vstart, vend)
                ft = FieldText(value, vr, i, [vstart], False, quoted)
                unit.field_text = ft
                tok = _mk("VALUE", value, i, vstart, vend, unit)
                tok.field_source = ft
                unit.tokens.append(tok)
        else:
            unit.tokens.extend(tokenize_line(code, i, indent, unit, problems))
        unit.tokens.append(_mk("_NL", "", i, len(code), len(code), unit))
        i += 1
    _close_ranges(root)
    return Lexed(root=root, comments=comments, problems=problems, lines=lines)


def _capture_block(lines: list[str], key_line: int, key_indent: int) -> tuple[RawBlock | None, int]:
    """Capture the indented block after a ``key:`` line. Returns the block (or None)
    and the index of the first line after it."""
    n = len(lines)
    j = key_line + 1
    while j < n and (not lines[j] or lines[j].isspace()):
        j += 1
    if j >= n:
        return None, key_line + 1
    first = lines[j]
    base = _indent_of(first)
    if base <= key_indent:
        return None, key_line + 1
    # A line ends the block when something other than whitespace appears within its
    # first key_indent + 1 columns (i.e. it is not deeper than the key).
    width = key_indent + 1
    k = j + 1
    while k < n:
        head = lines[k][:width]
        if head and not head.isspace():
            break
        k += 1
    end = k - 1
    while end > j and (not lines[end] or lines[end].isspace()):
        end -= 1
    block_lines = [line.rstrip() for line in lines[j : end + 1]]
    columns = [min(base, len(line) - len(line.lstrip(" \t"))) for line in block_lines]
    texts = [line[c:] for line, c in zip(block_lines, columns, strict=True)]
    rng = Range(start=Position(line=j, character=columns[0]), end=Position(line=end, character=len(block_lines[-1])))
    return RawBlock("\n".join(texts), rng, j, columns), end + 1


def _close_ranges(unit: Unit) -> None:
    """Extend each unit's end to cover its nested lines (iteratively, no recursion)."""
    order: list[Unit] = []
    todo = [unit]
    while todo:
        u = todo.pop()
        order.append(u)
        todo.extend(u.children)
    for u in reversed(order):
        if u.children:
            last = u.children[-1]
            if (last.end_line, last.end_character) > (u.end_line, u.end_character):
                u.end_line = last.end_line
                u.end_character = last.end_character


def stream(unit: Unit, skip: set[int] | None = None) -> Iterator[DipToken]:
    """The lark token stream of ``unit`` and everything nested under it.

    ``skip`` holds ``id()`` of units to leave out (used for error recovery).
    """
    yield from unit.tokens
    kids = [c for c in unit.children if skip is None or id(c) not in skip]
    if not kids:
        return
    yield _mk("_INDENT", "", kids[0].line, 0, kids[0].indent, unit)
    for child in kids:
        yield from stream(child, skip)
    last = kids[-1]
    yield _mk("_DEDENT", "", last.end_line, last.end_character, last.end_character, unit)
