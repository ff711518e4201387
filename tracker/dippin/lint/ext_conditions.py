"""DIP010: conditions written with the C-style connectives ``&&``, ``||`` and ``!``.

Both spellings mean the same everywhere in this implementation (parser, simulator,
engine), but the reference toolchain rejects the C-style ones in ``.dip`` source and its
runtime does not understand the words, so a file is only portable in one spelling: the
words. The quick fix replaces each C-style token in place, leaving the rest of the
condition as written.
"""

from __future__ import annotations

from collections.abc import Iterator

from tracker.dippin.conditions import And, Expr, Not, Or, connectives
from tracker.dippin.diagnostics import Fix, Severity, TextEdit
from tracker.dippin.ir import Condition, ManagerLoopNode
from tracker.dippin.lint import LintContext, rule
from tracker.dippin.lint.catalog import CodeInfo, register

WORDS = {"&&": "and", "||": "or", "!": "not"}

register(
    CodeInfo(
        "DIP010",
        Severity.WARNING,
        "C-style connective in a condition",
        "A condition joins or negates comparisons with `&&`, `||` or `!`. This implementation "
        "reads them exactly like `and`, `or` and `not`, but the reference dippin toolchain rejects "
        "them in `.dip` files, so the file would not load there. Write the words; the meaning "
        "(including `and` binding tighter than `or`) is unchanged. Edge conditions and "
        "`manager_loop` `stop_condition`/`steer_condition` are checked.",
        "    Check -> Ship  when ctx.tests = pass && !ctx.lint = fail",
        "    Check -> Ship  when ctx.tests = pass and not ctx.lint = fail",
        "Replace `&&` with `and`, `||` with `or` and `!` with `not`.",
        origin="ext",
    ),
)


def _c_style(expr: Expr) -> list[And | Or | Not]:
    return [c for c in connectives(expr) if c.spelling in WORDS]


def _edit(node: And | Or | Not) -> TextEdit:
    word = WORDS[node.spelling]
    if isinstance(node, Not):
        # `!ctx.x = 1` needs a space after the word; `! ctx.x = 1` already has one.
        touching = node.inner.range.start == node.op_range.end
        return TextEdit(range=node.op_range, new_text=word + (" " if touching else ""))
    before = " " if node.left.range.end == node.op_range.start else ""
    after = " " if node.right.range.start == node.op_range.end else ""
    return TextEdit(range=node.op_range, new_text=before + word + after)


def _conditions(ctx: LintContext) -> Iterator[tuple[str, Condition]]:
    for edge in ctx.workflow.edges:
        if edge.condition is not None and not edge.outcome_shorthand:
            yield f"edge {edge.source} -> {edge.target}", edge.condition
    for node in ctx.workflow.nodes:
        if isinstance(node, ManagerLoopNode):
            for name in ("stop_condition", "steer_condition"):
                cond = getattr(node, name)
                if cond is not None:
                    yield f'{name} of manager_loop "{node.id}"', cond


@rule(610, "DIP010")
def c_style_connectives(ctx: LintContext) -> None:
    for where, cond in _conditions(ctx):
        if cond.expr is None:
            continue
        found = sorted(_c_style(cond.expr), key=lambda c: (c.op_range.start.line, c.op_range.start.character))
        if not found:
            continue
        spellings = sorted({c.spelling for c in found}, key=list(WORDS).index)
        plural = "s" if len(spellings) > 1 else ""
        ctx.report(
            "DIP010",
            f"{where}: C-style connective{plural} {', '.join(f'`{s}`' for s in spellings)} in condition; "
            f"write {', '.join(f'`{WORDS[s]}`' for s in spellings)}",
            found[0].op_range if len(found) == 1 else cond.range,
            help="the reference dippin toolchain rejects C-style connectives in .dip files; the word forms mean the same",
            fix=Fix(title="Use and/or/not", edits=[_edit(c) for c in found]),
        )
