"""Facts and helpers shared by the structural and semantic rules.

Routing facts (explicit edge maps, exhaustive sources, marker routers), condition
flattening, and the small builders for ranges and quick fixes, so every rule points at
the same places and edits the document the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from tracker.dippin.conditions import EQUALITY, And, Compare, Expr, Not, Or
from tracker.dippin.diagnostics import Fix, TextEdit
from tracker.dippin.ir import AnyNode, Edge, FieldSource, ToolNode, Workflow
from tracker.dippin.lint import LintContext
from tracker.dippin.positions import Position, Range
from tracker.dippin.suggest import closest

# --------------------------------------------------------------------------- edges


def explicit_out(ctx: LintContext) -> dict[str, list[Edge]]:
    """Written edges by source node, in declaration order."""

    def build() -> dict[str, list[Edge]]:
        out: dict[str, list[Edge]] = {}
        for e in ctx.workflow.edges:
            out.setdefault(e.source, []).append(e)
        return out

    result: dict[str, list[Edge]] = ctx.cached("support.explicit_out", build)
    return result


def explicit_in(ctx: LintContext) -> dict[str, list[Edge]]:
    """Written edges by target node, in declaration order."""

    def build() -> dict[str, list[Edge]]:
        out: dict[str, list[Edge]] = {}
        for e in ctx.workflow.edges:
            out.setdefault(e.target, []).append(e)
        return out

    result: dict[str, list[Edge]] = ctx.cached("support.explicit_in", build)
    return result


def node_ids(ctx: LintContext) -> list[str]:
    """Declared node IDs, first declarations only, in declaration order."""

    def build() -> list[str]:
        return list(dict.fromkeys(n.id for n in ctx.workflow.nodes))

    result: list[str] = ctx.cached("support.node_ids", build)
    return result


def parsed(edge: Edge) -> Expr | None:
    """The edge's condition tree, or None when it has none or it did not parse."""
    cond = edge.condition
    if cond is None or cond.error is not None:
        return None
    return cond.expr


# --------------------------------------------------------------------------- conditions


def signed_comparisons(expr: Expr) -> list[tuple[Compare, bool]]:
    """Every comparison with whether an odd number of negations applies to it
    (enclosing ``not`` plus an infix ``not``), left to right."""
    out: list[tuple[Compare, bool]] = []
    stack: list[tuple[Expr, bool]] = [(expr, False)]
    while stack:
        node, negated = stack.pop()
        if isinstance(node, Compare):
            out.append((node, negated != node.negated))
        elif isinstance(node, (And, Or)):
            stack.append((node.right, negated))
            stack.append((node.left, negated))
        else:
            stack.append((node.inner, not negated))
    return out


def whole_comparison(expr: Expr) -> tuple[Compare, bool] | None:
    """When the whole condition is one comparison (possibly negated): it and its sign."""
    negated = False
    while isinstance(expr, Not):
        negated = not negated
        expr = expr.inner
    if isinstance(expr, Compare):
        return expr, negated != expr.negated
    return None


_KNOWN_VALUE_SETS: dict[str, tuple[frozenset[str], ...]] = {
    "ctx.outcome": (frozenset({"success", "fail"}), frozenset({"success", "failure"})),
    "outcome": (frozenset({"success", "fail"}), frozenset({"success", "failure"})),
}


def _equality(edge: Edge) -> Compare | None:
    expr = parsed(edge)
    if isinstance(expr, Compare) and not expr.negated and expr.op in EQUALITY:
        return expr
    return None


def is_exhaustive(edges: list[Edge]) -> bool:
    """Whether a node's written outgoing edges cover every case (spec §6.1): a known
    value set (``outcome`` success + fail), a complete partition of one variable by
    equality edges, or a complementary pair ``c`` / ``not c``."""
    by_variable: dict[str, set[str]] = {}
    equality_edges = 0
    for e in edges:
        cmp = _equality(e)
        if cmp is not None:
            equality_edges += 1
            by_variable.setdefault(cmp.variable, set()).add(cmp.value)
    for variable, values in by_variable.items():
        if any(required <= values for required in _KNOWN_VALUE_SETS.get(variable, ())):
            return True
    conditional = sum(1 for e in edges if e.condition is not None)
    if len(by_variable) == 1 and conditional >= 2 and equality_edges == conditional:
        return True
    positive: set[tuple[str, str, str]] = set()
    negative: set[tuple[str, str, str]] = set()
    for e in edges:
        expr = parsed(e)
        whole = whole_comparison(expr) if expr is not None else None
        if whole is not None:
            cmp, negated = whole
            (negative if negated else positive).add((cmp.variable, cmp.op, cmp.value))
    return bool(positive & negative)


def exhaustive_sources(ctx: LintContext) -> set[str]:
    def build() -> set[str]:
        return {src for src, edges in explicit_out(ctx).items() if is_exhaustive(edges)}

    result: set[str] = ctx.cached("support.exhaustive", build)
    return result


def is_marker_router(node: AnyNode | None) -> bool:
    """A tool whose routing reads ``ctx.tool_marker`` (it declares ``marker_grep``)."""
    return isinstance(node, ToolNode) and bool(node.marker_grep)


# --------------------------------------------------------------------------- text


def suggest(name: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate within edit distance 2 (first in order on ties)."""
    return closest(name, candidates) if name else None


def go_list(items: Iterable[str]) -> str:
    """A list the way the reference prints it: ``[A B C]``."""
    return "[" + " ".join(items) + "]"


def location(path: str | None, rng: Range) -> str:
    """``file:line:col`` (1-based) for messages that point elsewhere."""
    return f"{path or '<unknown>'}:{rng.start.line + 1}:{rng.start.character + 1}"


def source_lines(ctx: LintContext) -> list[str] | None:
    """The document's lines (see :attr:`LintContext.source_lines`). Callers must check
    that the text still matches the IR (see :func:`locate`)."""
    return ctx.source_lines


def locate(
    ctx: LintContext, src: FieldSource, pattern: re.Pattern[str], group: int = 0, whole_lines: bool = False
) -> Range:
    """Range of the first match of ``pattern`` inside the field's value (line by line,
    or over the value's whole lines with ``whole_lines``); the whole value range when
    the text is unavailable or nothing matches."""
    lines = source_lines(ctx)
    if lines is None or src.key_range.start.line >= len(lines):
        return src.value_range
    key_line = lines[src.key_range.start.line]
    if key_line[src.key_range.start.character : src.key_range.end.character] != src.key:
        return src.value_range  # the file changed since it was parsed
    start, end = src.value_range.start, src.value_range.end
    for line_no in range(start.line, min(end.line, len(lines) - 1) + 1):
        text = lines[line_no]
        lo = start.character if line_no == start.line and not whole_lines else 0
        hi = end.character if line_no == end.line and not whole_lines else len(text)
        m = pattern.search(text, lo, hi)
        if m is not None:
            return Range(Position(line_no, m.start(group)), Position(line_no, m.end(group)))
    return src.value_range


def list_item_range(ctx: LintContext, src: FieldSource | None, item: str, fallback: Range) -> Range:
    """Where a comma-list element is written in a field's value."""
    if src is None:
        return fallback
    return locate(ctx, src, re.compile(r"(?<![^\s,])" + re.escape(item) + r"(?![^\s,])"))


# --------------------------------------------------------------------------- fixes


def replace(title: str, rng: Range, new_text: str) -> Fix:
    return Fix(title=title, edits=[TextEdit(range=rng, new_text=new_text)])


def value_fix(src: FieldSource | None, value: str, allowed: Sequence[str]) -> Fix | None:
    """"Change to X" when ``value`` is a near miss of one allowed value."""
    guess = suggest(value, allowed)
    if src is None or guess is None:
        return None
    return replace(f'Change to "{guess}"', src.value_range, guess)


def value_range_of(owner: Any, name: str, fallback: Range) -> Range:
    """The value range of field ``name`` of a node, branch or defaults, else ``fallback``."""
    src = owner.fields.get(name)
    return src.value_range if isinstance(src, FieldSource) else fallback


def whole_lines(rng: Range) -> Range:
    return Range(Position(rng.start.line, 0), Position(rng.end.line + 1, 0))


def delete_field(title: str, src: FieldSource) -> Fix:
    """Remove a field's lines (its key line and any block under it)."""
    return replace(title, whole_lines(src.range), "")


def _field_indent(fields: Iterable[FieldSource], after_line: int, fallback: int) -> int:
    columns = [f.key_range.start.character for f in fields if f.key_range.start.line > after_line]
    return min(columns) if columns else fallback


def add_node_field(title: str, node: AnyNode, key: str, value: str) -> Fix:
    """Insert ``key: value`` as the first field line of a node."""
    header = node.header_range
    indent = _field_indent(node.fields.values(), header.start.line, header.start.character + 2)
    at = Position(header.start.line + 1, 0)
    return replace(title, Range(at, at), f"{' ' * indent}{key}: {value}\n")


def add_header_field(title: str, workflow: Workflow, key: str, value: str) -> Fix:
    """Insert a header field (``start:``/``exit:``) after the workflow's header fields."""
    header_fields = [f for name, f in workflow.fields.items() if name in ("goal", "spec", "requires", "start", "exit")]
    after = max((f.range.end.line for f in header_fields), default=workflow.header_range.start.line)
    node_columns = [n.header_range.start.character for n in workflow.nodes if n.header_range.start.line > 0]
    fallback = min(node_columns) if node_columns else workflow.header_range.start.character + 2
    indent = _field_indent(workflow.fields.values(), workflow.header_range.start.line, fallback)
    at = Position(after + 1, 0)
    return replace(title, Range(at, at), f"{' ' * indent}{key}: {value}\n")


def text_range(node: AnyNode, field: str, directive: str, text: str, start: int, end: int) -> Range:
    """Where characters ``start:end`` of a node's text field are written: inside the
    field's value, or the ``*_file`` directive's value when the text came from a file."""
    if directive and directive in node.fields:
        return node.fields[directive].value_range
    src = node.fields.get(field)
    if src is None:
        return node.id_range
    return src.range_at(text, start, end)


# --------------------------------------------------------------------------- catalogue examples


def example(nodes: str, edges: Sequence[str] = ("A -> B",), header: str = "", start: str = "A", exit: str = "B") -> str:
    """A complete workflow for a catalogue example. ``nodes`` and ``header`` are written
    flush left (fields indented by two) and are indented into the workflow body."""

    def indent(text: str) -> list[str]:
        return ["  " + line if line else "" for line in text.strip("\n").split("\n")]

    lines = ["workflow W", f"  start: {start}", f"  exit: {exit}"]
    if header:
        lines += indent(header)
    lines += ["", *indent(nodes)]
    if edges:
        lines += ["", "  edges", *("    " + e for e in edges)]
    return "\n".join(lines)
