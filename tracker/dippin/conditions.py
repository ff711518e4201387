"""The condition language of edges and manager loops: tokenizer, parser, printer, evaluator.

One dialect everywhere (linter, simulator, engine): connectives ``and``/``or``/``not`` and
their C-style spellings ``&&``/``||``/``!``, parentheses for grouping, and the operators
``= == != contains startswith endswith in matches < > <= >=`` with an optional infix
``not`` before a word operator (``ctx.x not contains y``). Comparisons are string
comparisons except ``< > <= >=``, which compare numbers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Literal

from tracker.dippin.positions import Position, Range
from tracker.dippin.records import record

WORD_OPERATORS = ("contains", "startswith", "endswith", "in", "matches")
SYMBOL_OPERATORS = ("=", "==", "!=", "<", ">", "<=", ">=")
OPERATORS = SYMBOL_OPERATORS + WORD_OPERATORS
EQUALITY = ("=", "==")
NUMERIC_OPERATORS = ("<", ">", "<=", ">=")


@record
class Compare:
    """``variable [not] op value``."""

    type: Literal["compare"] = "compare"
    variable: str
    op: str
    value: str
    negated: bool = False
    value_quoted: bool = False
    variable_range: Range
    op_range: Range
    value_range: Range
    range: Range


@record
class And:
    type: Literal["and"] = "and"
    left: Expr
    right: Expr
    spelling: str = "and"
    op_range: Range
    range: Range


@record
class Or:
    type: Literal["or"] = "or"
    left: Expr
    right: Expr
    spelling: str = "or"
    op_range: Range
    range: Range


@record
class Not:
    type: Literal["not"] = "not"
    inner: Expr
    spelling: str = "not"
    op_range: Range
    range: Range


Expr = Compare | And | Or | Not


class ConditionError(Exception):
    """A condition that does not parse; ``start``/``end`` are offsets in the text."""

    def __init__(self, message: str, start: int, end: int) -> None:
        super().__init__(message)
        self.message = message
        self.start = start
        self.end = end


@record(kw_only=False, eq=True, frozen=True)
class _Tok:
    kind: Literal["word", "quoted", "op", "lparen", "rparen"]
    text: str
    start: int
    end: int


_TWO_CHAR = ("==", "!=", "<=", ">=", "&&", "||")
_ONE_CHAR = "=<>!()"
_WORD_STOP = set(" \t=<>!()&|\"'")


def tokenize(text: str) -> list[_Tok]:
    """Split condition text into words, quoted strings, operators and parentheses."""
    toks: list[_Tok] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch in " \t\r\n":
            i += 1
            continue
        two = text[i : i + 2]
        if two in _TWO_CHAR:
            toks.append(_Tok("op", two, i, i + 2))
            i += 2
            continue
        if ch == "(":
            toks.append(_Tok("lparen", ch, i, i + 1))
            i += 1
            continue
        if ch == ")":
            toks.append(_Tok("rparen", ch, i, i + 1))
            i += 1
            continue
        if ch in _ONE_CHAR:
            toks.append(_Tok("op", ch, i, i + 1))
            i += 1
            continue
        if ch in "\"'":
            j = i + 1
            buf: list[str] = []
            while j < n and text[j] != ch:
                if ch == '"' and text[j] == "\\" and j + 1 < n and text[j + 1] in '"\\':
                    buf.append(text[j + 1])
                    j += 2
                    continue
                buf.append(text[j])
                j += 1
            if j >= n:
                raise ConditionError(f"unterminated {ch} quote", i, n)
            toks.append(_Tok("quoted", "".join(buf), i, j + 1))
            i = j + 1
            continue
        j = i
        while j < n and text[j] not in _WORD_STOP:
            if text[j] == "$" and j + 1 < n and text[j + 1] == "{":
                close = text.find("}", j)
                if close != -1:
                    j = close + 1
                    continue
            j += 1
        if j == i:  # a lone '&' or '|'
            raise ConditionError(f"unexpected character {text[i]!r}", i, i + 1)
        toks.append(_Tok("word", text[i:j], i, j))
        i = j
    return toks


RangeFn = Callable[[int, int], Range]


class _Parser:
    def __init__(self, text: str, toks: list[_Tok], to_range: RangeFn) -> None:
        self.text = text
        self.toks = toks
        self.i = 0
        self.to_range = to_range

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def end_offset(self) -> int:
        return len(self.text.rstrip())

    def parse(self) -> Expr:
        if not self.toks:
            raise ConditionError("empty condition", 0, len(self.text))
        expr = self.parse_or()
        tok = self.peek()
        if tok is not None:
            if tok.kind == "rparen":
                raise ConditionError("unbalanced ')'", tok.start, tok.end)
            raise ConditionError(f"unexpected {tok.text!r} after a complete condition", tok.start, tok.end)
        return expr

    def _is(self, tok: _Tok | None, *words: str) -> bool:
        return tok is not None and tok.kind in ("word", "op") and tok.text in words

    def parse_or(self) -> Expr:
        left = self.parse_and()
        while self._is(self.peek(), "or", "||"):
            op = self.take()
            right = self.parse_and()
            left = Or(
                left=left,
                right=right,
                spelling=op.text,
                op_range=self.to_range(op.start, op.end),
                range=self._cover(left, right),
            )
        return left

    def parse_and(self) -> Expr:
        left = self.parse_unary()
        while self._is(self.peek(), "and", "&&"):
            op = self.take()
            right = self.parse_unary()
            left = And(
                left=left,
                right=right,
                spelling=op.text,
                op_range=self.to_range(op.start, op.end),
                range=self._cover(left, right),
            )
        return left

    def _cover(self, a: Expr, b: Expr) -> Range:
        return Range(start=a.range.start, end=b.range.end)

    def parse_unary(self) -> Expr:
        tok = self.peek()
        if tok is None:
            raise ConditionError("expected a comparison, got end of condition", self.end_offset(), self.end_offset())
        if self._is(tok, "not", "!"):
            self.take()
            inner = self.parse_unary()
            return Not(
                inner=inner,
                spelling=tok.text,
                op_range=self.to_range(tok.start, tok.end),
                range=Range(start=self.to_range(tok.start, tok.end).start, end=inner.range.end),
            )
        if tok.kind == "lparen":
            self.take()
            inner = self.parse_or()
            close = self.peek()
            if close is None or close.kind != "rparen":
                raise ConditionError("missing ')'", tok.start, tok.end)
            self.take()
            return inner
        return self.parse_compare()

    def parse_compare(self) -> Expr:
        var = self.take()
        if var.kind not in ("word", "quoted"):
            raise ConditionError(f"expected a variable, got {var.text!r}", var.start, var.end)
        negated = False
        op_tok = self.peek()
        if self._is(op_tok, "not"):
            self.take()
            negated = True
            op_tok = self.peek()
        if op_tok is None:
            raise ConditionError(
                f"expected an operator after {var.text!r}", var.start, var.end
            )
        if op_tok.text not in OPERATORS or op_tok.kind not in ("word", "op"):
            raise ConditionError(
                f"unknown operator {op_tok.text!r} (use one of: {', '.join(OPERATORS)})",
                op_tok.start,
                op_tok.end,
            )
        if negated and op_tok.text not in WORD_OPERATORS:
            raise ConditionError(
                f"'not' can only precede a word operator, not {op_tok.text!r}", op_tok.start, op_tok.end
            )
        self.take()
        value_tok = self.peek()
        if value_tok is None or value_tok.kind in ("lparen", "rparen", "op"):
            where = op_tok if value_tok is None else value_tok
            raise ConditionError(
                f"expected a value after {var.text!r} {op_tok.text}", where.start, where.end
            )
        self.take()
        value = value_tok.text
        end_tok = value_tok
        if op_tok.text == "in" and value_tok.kind == "word":
            # ``in a, b, c`` – keep consuming list elements separated by commas.
            while end_tok.text.endswith(",") and self.peek() is not None and self.peek().kind == "word":  # type: ignore[union-attr]
                end_tok = self.take()
                value += " " + end_tok.text
        return Compare(
            variable=var.text,
            op=op_tok.text,
            value=value,
            negated=negated,
            value_quoted=value_tok.kind == "quoted",
            variable_range=self.to_range(var.start, var.end),
            op_range=self.to_range(op_tok.start, op_tok.end),
            value_range=self.to_range(value_tok.start, end_tok.end),
            range=self.to_range(var.start, end_tok.end),
        )


def single_line_ranges(base: Position) -> RangeFn:
    """Offsets in a condition written on one line starting at ``base``."""

    def to_range(start: int, end: int) -> Range:
        return Range(
            start=Position(line=base.line, character=base.character + start),
            end=Position(line=base.line, character=base.character + end),
        )

    return to_range


def parse_condition(text: str, to_range: RangeFn | None = None) -> Expr:
    """Parse condition text into an expression tree; raises :class:`ConditionError`."""
    fn = to_range or single_line_ranges(Position(line=0, character=0))
    return _Parser(text, tokenize(text), fn).parse()


# ---------------------------------------------------------------------------- walking


def comparisons(expr: Expr) -> Iterator[Compare]:
    """Every comparison in the tree, left to right."""
    stack: list[Expr] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, Compare):
            yield node
        elif isinstance(node, (And, Or)):
            stack.append(node.right)
            stack.append(node.left)
        else:
            stack.append(node.inner)


def connectives(expr: Expr) -> Iterator[And | Or | Not]:
    stack: list[Expr] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, (And, Or)):
            yield node
            stack.append(node.right)
            stack.append(node.left)
        elif isinstance(node, Not):
            yield node
            stack.append(node.inner)


def in_values(value: str) -> list[str]:
    """Elements of an ``in`` list value (comma separated, trimmed)."""
    return [part.strip() for part in value.split(",") if part.strip()]


# ---------------------------------------------------------------------------- printing

_BARE_VALUE = re.compile(r"[^\s\"'()=<>!&|]+\Z")
# Words that would end or change an edge's condition if written bare after it.
_RESERVED_WORDS = frozenset({"and", "or", "not", "loop", "on", "when", *WORD_OPERATORS})


def format_value(value: str) -> str:
    """A value as condition text: bare when it cannot be misread, else quoted."""
    if _BARE_VALUE.match(value) and value not in _RESERVED_WORDS and not value.startswith("#") and not value.endswith(":"):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_text(expr: Expr) -> str:
    """Canonical text: word connectives, single spaces, parentheses only where they group."""
    if isinstance(expr, Compare):
        op = f"not {expr.op}" if expr.negated else expr.op
        value = expr.value
        if expr.op == "in" and not expr.value_quoted:
            value = ",".join(in_values(value))
        return f"{expr.variable} {op} {format_value(value)}"
    if isinstance(expr, Not):
        inner = to_text(expr.inner)
        if isinstance(expr.inner, (And, Or)):
            inner = f"({inner})"
        return f"not {inner}"
    word = "and" if isinstance(expr, And) else "or"
    parts = []
    for child in (expr.left, expr.right):
        text = to_text(child)
        if isinstance(child, (And, Or)) and type(child) is not type(expr):
            text = f"({text})"
        parts.append(text)
    return f"{parts[0]} {word} {parts[1]}"


# ---------------------------------------------------------------------------- evaluation

Resolver = Callable[[str], str]


def _number(text: str) -> float | None:
    try:
        return float(text.strip())
    except ValueError:
        return None


def evaluate(expr: Expr, resolve: Resolver, expand: Callable[[str], str] | None = None) -> bool:
    """Evaluate a condition tree. ``resolve`` maps a variable name to its value ("" when
    unknown); ``expand`` (optional) performs ``${...}`` interpolation on operands."""
    if isinstance(expr, And):
        return evaluate(expr.left, resolve, expand) and evaluate(expr.right, resolve, expand)
    if isinstance(expr, Or):
        return evaluate(expr.left, resolve, expand) or evaluate(expr.right, resolve, expand)
    if isinstance(expr, Not):
        return not evaluate(expr.inner, resolve, expand)
    variable = expand(expr.variable) if expand else expr.variable
    expected = expand(expr.value) if expand else expr.value
    actual = variable if "${" in expr.variable and expand else resolve(variable)
    result = compare(actual, expr.op, expected)
    return not result if expr.negated else result


def compare(actual: str, op: str, expected: str) -> bool:
    """Apply one operator to a resolved value and a literal."""
    if op in EQUALITY:
        return actual == expected
    if op == "!=":
        return actual != expected
    if op == "contains":
        return expected in actual
    if op == "startswith":
        return actual.startswith(expected)
    if op == "endswith":
        return actual.endswith(expected)
    if op == "in":
        return actual in in_values(expected)
    if op == "matches":
        try:
            return re.search(expected, actual) is not None
        except re.error:
            return False
    left = _number(actual)
    right = _number(expected)
    if left is None or right is None:
        return False
    if op == "<":
        return left < right
    if op == ">":
        return left > right
    if op == "<=":
        return left <= right
    return left >= right
