"""How the canonical formatter writes values so that reading them back gives the same IR.

Each function answers one question: how does this value look in canonical source? Every
answer is checked against the way the lexer reads values (same-line values lose a
trailing ``#`` comment and their surrounding quotes, blocks lose their indentation, edge
lines are split into tokens), and falls back to a quoted or block spelling whenever the
plain spelling would read back differently.
"""

from __future__ import annotations

import re

from tracker.dippin import values as V
from tracker.dippin.conditions import (
    And,
    Compare,
    ConditionError,
    Expr,
    Not,
    Or,
    in_values,
    parse_condition,
    to_text,
)
from tracker.dippin.ir import Condition
from tracker.dippin.lexer import Unit, strip_comment, tokenize_line

# A word the edge-line tokenizer reads as one NAME token (same pattern as the lexer).
_NAME = re.compile(r"\w[\w./]*(?:-(?!>)[\w./]*)*\Z")
# ``key: |`` (and ``|-``/``|+``) opens a block, so such a same-line value must be quoted.
_BLOCK_INDICATOR = re.compile(r"\|[-+]?\Z")
# Words that end an edge condition or start an edge attribute when written bare.
EDGE_WORDS = frozenset({"when", "on", "loop", "label", "weight", "restart", "choice", "override"})
_SAFE_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*\Z")
_SAFE_VALUE = re.compile(r"[A-Za-z0-9_\-./@+]+\Z")
_CONDITION_WORDS = frozenset(
    {"and", "or", "not", "contains", "startswith", "endswith", "in", "matches", *EDGE_WORDS}
)


# ---------------------------------------------------------------------------- same-line values


def reads_back_bare(text: str) -> bool:
    """True when ``key: text`` reads back as exactly ``text`` (no quoting needed), also
    with a trailing comment after it (an unclosed ``"`` would hide the comment's ``#``)."""
    return (
        bool(text)
        and text == text.strip()
        and "\n" not in text
        and "\r" not in text
        and not text.startswith('"')
        and _quotes_closed(text)
        and not _BLOCK_INDICATOR.match(text)
        and strip_comment(text)[1] < 0
    )


def _quotes_closed(text: str) -> bool:
    """Every ``"`` opened in ``text`` is closed (as the comment scanner counts them), so a
    ``#`` written after the value still starts a comment."""
    inside = False
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == '"':
            inside = not inside
        elif ch == "\\" and inside:
            i += 1
        i += 1
    return not inside


def raw_value(text: str) -> str:
    """A free-text same-line value (lists, conditions, ``spec``): bare when that reads back
    unchanged, quoted and escaped otherwise."""
    return text if reads_back_bare(text) else V.quote(text)


def string_value(text: str) -> str:
    """A string field value: bare when it is a simple word, otherwise quoted (spec §7.3)."""
    return V.quote(text)


# ---------------------------------------------------------------------------- blocks


def fits_block(text: str) -> bool:
    """True when ``text`` written as an indented block reads back unchanged.

    A block loses leading blank lines, trailing blank lines, trailing whitespace on each
    line and the indentation of its first line, so text with any of those cannot be a
    block (it can only come from a quoted one-line value, which is written quoted).
    """
    if not text or "\r" in text:
        return False
    lines = text.split("\n")
    first = lines[0]
    if not first or first[0].isspace():
        return False
    return all(line == line.rstrip() for line in lines) and lines[-1] != ""


def block_lines(text: str) -> list[str]:
    """The content lines of a block value (empty lines stay empty)."""
    return text.split("\n")


# ---------------------------------------------------------------------------- lists


def list_fits_inline(items: list[str]) -> bool:
    return V.split_list(", ".join(items)) == items


def list_value(items: list[str]) -> str:
    """An inline comma list, quoted when the joined text would not read back bare."""
    return raw_value(", ".join(items))


# ---------------------------------------------------------------------------- edge tokens


def edge_token(value: str) -> str:
    """A node ID, label, choice or outcome on an edge line (quoted when it is not one
    plain word, or is a word with a meaning there such as `loop` or `label`)."""
    if _NAME.match(value) and value not in EDGE_WORDS:
        return value
    return '"' + V.escape(value) + '"'


def id_token(value: str) -> str:
    """A node ID after a declaration keyword or in an ID list."""
    if _NAME.match(value):
        return value
    return '"' + V.escape(value) + '"'


# ---------------------------------------------------------------------------- conditions


def expr_shape(expr: Expr) -> object:
    """The meaning of a condition tree, without spelling, quoting or grouping of
    same-operator chains (``a and (b and c)`` is ``a and b and c``)."""
    if isinstance(expr, Compare):
        value: object = tuple(in_values(expr.value)) if expr.op == "in" else expr.value
        return ("cmp", expr.variable, expr.op, value, expr.negated)
    if isinstance(expr, Not):
        return ("not", expr_shape(expr.inner))
    word = "and" if isinstance(expr, And) else "or"
    parts: list[object] = []
    stack: list[Expr] = [expr.right, expr.left]
    while stack:
        node = stack.pop()
        if isinstance(node, (And, Or)) and type(node) is type(expr):
            stack.append(node.right)
            stack.append(node.left)
        else:
            parts.append(expr_shape(node))
    return (word, tuple(parts))


def _quote_operand(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _operand(text: str, safe: re.Pattern[str]) -> str:
    if safe.match(text) and text not in _CONDITION_WORDS:
        return text
    return _quote_operand(text)


def quoted_condition(expr: Expr) -> str:
    """Like :func:`to_text`, but quoting every operand that could be misread on an edge
    line (a ``#``, an attribute word such as ``label`` or ``loop``, an unusual variable)."""
    if isinstance(expr, Compare):
        op = f"not {expr.op}" if expr.negated else expr.op
        return f"{_operand(expr.variable, _SAFE_VARIABLE)} {op} {_operand(expr.value, _SAFE_VALUE)}"
    if isinstance(expr, Not):
        inner = quoted_condition(expr.inner)
        if isinstance(expr.inner, (And, Or)):
            inner = f"({inner})"
        return f"not {inner}"
    word = "and" if isinstance(expr, And) else "or"
    parts = []
    for child in (expr.left, expr.right):
        text = quoted_condition(child)
        if isinstance(child, (And, Or)) and (type(child) is not type(expr) or child is expr.right):
            text = f"({text})"
        parts.append(text)
    return f"{parts[0]} {word} {parts[1]}"


_DUMMY_UNIT = Unit(line=0, indent=0, text="")


def _survives_edge_line(text: str) -> bool:
    """The condition text stays whole on an edge line: no comment, no attribute word."""
    if strip_comment(text)[1] >= 0:
        return False
    toks = tokenize_line(text, 0, 0, _DUMMY_UNIT, [])
    return not any(t.type == "NAME" and t.text_value in EDGE_WORDS for t in toks)


def _same_meaning(text: str, shape: object) -> bool:
    try:
        return expr_shape(parse_condition(text)) == shape
    except ConditionError:
        return False


def condition_text(cond: Condition, on_edge: bool) -> str:
    """Canonical condition text: word connectives via :func:`to_text`, falling back to a
    fully quoted spelling (and finally to the text as written) when the canonical text
    would read back differently on an edge line or in a field."""
    if cond.expr is None:
        return cond.raw
    text = to_text(cond.expr)
    if text == cond.raw:
        return text  # exactly what was read, so it reads back the same
    shape = expr_shape(cond.expr)
    for candidate in (text, quoted_condition(cond.expr)):
        if (not on_edge or _survives_edge_line(candidate)) and _same_meaning(candidate, shape):
            return candidate
    return cond.raw
