"""Declared workflow inputs (the ``inputs`` block): unknown types (DIP155), references to
undeclared inputs (DIP156), inputs in tool commands (DIP157), invalid declarations
(DIP158) and inputs nothing reads (DIP159).

Runtime facts (engine.md §3.8, §3.9, §4.2.1): values are validated against their
declaration at run start and seeded as the context keys ``inputs.<name>``; prompts read
them as ``${inputs.<name>}`` and conditions as ``inputs.<name>``; ``file`` and ``secret``
inputs are staged to ``.tracker/inputs/<name>`` and hold that path; a tool command that
interpolates an ``inputs`` value is refused (shell-injection guard).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from tracker.dippin.conditions import Expr, comparisons
from tracker.dippin.diagnostics import Related, Severity
from tracker.dippin.interpolation import scan
from tracker.dippin.ir import InputDecl, ManagerLoopNode, ToolNode
from tracker.dippin.lint import LintContext, rule
from tracker.dippin.lint.catalog import CodeInfo, register
from tracker.dippin.positions import Range
from tracker.dippin.suggest import closest
from tracker.dippin.values import parse_float

INPUT_TYPES = ("text", "number", "bool", "enum", "file", "secret")
VALUE_TYPES = ("text", "number", "bool", "enum")
ATTRIBUTE_TYPES: dict[str, tuple[str, ...]] = {
    "options": ("enum",),
    "pattern": ("text", "secret"),
    "max_length": ("text", "secret"),
    "multiline": ("text", "secret"),
    "min": ("number",),
    "max": ("number",),
}
_CONDITION_PREFIXES = ("inputs.", "ctx.inputs.", "context.inputs.")

register(
    CodeInfo(
        "DIP155",
        Severity.ERROR,
        "Unknown input type",
        "An entry of the `inputs` block declares a type the runtime does not know. The types are "
        "`text`, `number`, `bool`, `enum`, `file` and `secret`; a value for any other type cannot "
        "be validated, so the run is refused.",
        "  inputs\n    deadline: date",
        "  inputs\n    deadline: text",
        "Use one of text, number, bool, enum, file, secret.",
        origin="ext",
    ),
    CodeInfo(
        "DIP156",
        Severity.ERROR,
        "Reference to an undeclared input",
        "A prompt, command, label, condition or parameter reads `${inputs.<name>}` (or the "
        "condition variable `inputs.<name>`) but the `inputs` block declares no such input. "
        "Only declared inputs are seeded, so the reference is always empty, usually a typo.",
        "  inputs\n    idea: text\n  agent Plan\n    prompt: Plan ${inputs.idae}",
        "  inputs\n    idea: text\n  agent Plan\n    prompt: Plan ${inputs.idea}",
        "Declare the input, or correct the name.",
        origin="ext",
    ),
    CodeInfo(
        "DIP157",
        Severity.ERROR,
        "Input interpolated into a tool command",
        "A tool `command` (or `command_file`) contains `${inputs.<name>}`. Inputs come from "
        "outside the pipeline, so the runtime never splices them into a shell command: the "
        "tool node fails with an unsafe-variable error. `file` and `secret` inputs are staged "
        "at `.tracker/inputs/<name>`, which a command can read directly.",
        "  inputs\n    token: secret\n  tool Deploy\n    command: deploy --token ${inputs.token}",
        "  inputs\n    token: secret\n  tool Deploy\n    command: deploy --token-file .tracker/inputs/token",
        "Read staged file/secret inputs from `.tracker/inputs/<name>`, or pass the value through an agent or a params variable.",
        origin="ext",
    ),
    CodeInfo(
        "DIP158",
        Severity.ERROR,
        "Invalid input declaration",
        "An input's attributes contradict each other or its type, so no value (or not the "
        "default) can pass validation: an `enum` without `options`, or whose `default` is not one "
        "of them; `min` greater than `max`, or a `number` default that is not a number or lies "
        "outside them; a `bool` default other than true/false; a `pattern` that is not a valid "
        "regular expression, or a text default that does not match it or exceeds `max_length`; "
        "a negative `max_length`; an attribute on a type that has no such constraint (`options` "
        "only on enum; `pattern`, `max_length`, `multiline` on text and secret; `min`/`max` on "
        "number); or the same input declared twice.",
        "  inputs\n    risk: enum\n      options: low, high\n      default: medium",
        "  inputs\n    risk: enum\n      options: low, medium, high\n      default: medium",
        "Fix the attribute, or move it to an input whose type supports it.",
        origin="ext",
    ),
    CodeInfo(
        "DIP159",
        Severity.WARNING,
        "Input is never used",
        "A `text`, `number`, `bool` or `enum` input is declared but nothing reads it: no "
        "`${inputs.<name>}` in a prompt, label, command or parameter, and no `inputs.<name>` in a "
        "condition. Callers must still supply it if it is required. `file` and `secret` inputs "
        "are exempt: commands read them from their staged path instead.",
        "  inputs\n    target_branch: text\n  agent Plan\n    prompt: Plan the work",
        "  inputs\n    target_branch: text\n  agent Plan\n    prompt: Plan the work on ${inputs.target_branch}",
        "Reference the input where it is meant to be used, or remove the declaration.",
        origin="ext",
    ),
)


class InputUse(NamedTuple):
    """One place that reads an input."""

    name: str
    range: Range | None
    where: str  # e.g. 'node "Plan"'
    in_command: bool = False


def _condition_uses(expr: Expr, where: str) -> Iterator[InputUse]:
    for cmp in comparisons(expr):
        for prefix in _CONDITION_PREFIXES:
            if cmp.variable.startswith(prefix):
                yield InputUse(cmp.variable[len(prefix) :], cmp.variable_range, where)
                break


def input_uses(ctx: LintContext) -> list[InputUse]:
    """Every ``${inputs.x}`` reference and ``inputs.x`` condition variable in the workflow;
    text without recorded ranges (defaults, goal, vars) gives uses with ``range=None``."""
    wf = ctx.workflow
    uses: list[InputUse] = []
    for node in wf.nodes:
        where = f'node "{node.id}"'
        for ref in node.references:
            if ref.namespace == "inputs":
                command = isinstance(node, ToolNode) and ref.field == "command"
                uses.append(InputUse(ref.key, ref.range, where, command))
        if isinstance(node, ManagerLoopNode):
            for cond in (node.stop_condition, node.steer_condition):
                if cond is not None and cond.expr is not None:
                    uses.extend(_condition_uses(cond.expr, where))
    for edge in wf.edges:
        where = f"edge {edge.source} -> {edge.target}"
        for ref in edge.references:
            if ref.namespace == "inputs":
                uses.append(InputUse(ref.key, ref.range, where))
        if edge.condition is not None and edge.condition.expr is not None:
            uses.extend(_condition_uses(edge.condition.expr, where))
    texts = [wf.goal, wf.defaults.system_prompt, wf.defaults.prompt_prefix, wf.defaults.prompt_suffix]
    texts += [v.value for v in wf.vars.values()]
    for text in texts:
        for raw in scan(text):
            if raw.namespace == "inputs":
                uses.append(InputUse(raw.key, None, "workflow"))
    return uses


def _uses(ctx: LintContext) -> list[InputUse]:
    found: list[InputUse] = ctx.cached("ext.input_uses", lambda: input_uses(ctx))
    return found


# ---------------------------------------------------------------------------- DIP155


@rule(655, "DIP155")
def unknown_input_types(ctx: LintContext) -> None:
    for decl in ctx.workflow.inputs:
        kind = decl.type.strip()
        if kind not in INPUT_TYPES:
            guess = closest(kind, INPUT_TYPES)
            ctx.report(
                "DIP155",
                f'input "{decl.name}" has unknown type "{kind}"' if kind else f'input "{decl.name}" has no type',
                decl.type_range if kind else decl.name_range,
                help=(f"did you mean `{guess}`? " if guess else "") + "types: " + ", ".join(INPUT_TYPES),
            )


# ---------------------------------------------------------------------------- DIP156 / DIP157


@rule(656, "DIP156")
def undeclared_inputs(ctx: LintContext) -> None:
    declared = [d.name for d in ctx.workflow.inputs]
    for use in _uses(ctx):
        if use.range is None or use.in_command or use.name in declared:
            continue
        guess = closest(use.name, declared)
        ctx.report(
            "DIP156",
            f'{use.where} reads input "{use.name}", which the workflow does not declare',
            use.range,
            help=f"did you mean `{guess}`?" if guess else f"declare it in the inputs block: `{use.name}: text`",
        )


@rule(657, "DIP157")
def inputs_in_commands(ctx: LintContext) -> None:
    kinds = {d.name: d.type.strip() for d in ctx.workflow.inputs}
    for use in _uses(ctx):
        if not use.in_command or use.range is None:
            continue
        kind = kinds.get(use.name, "")
        if kind in ("file", "secret"):
            hint = f'read the staged file instead: "$(cat .tracker/inputs/{use.name})"'
        else:
            hint = "pass the value through an agent, or a params variable, instead of the shell"
        ctx.report(
            "DIP157",
            f'tool {use.where.removeprefix("node ")} interpolates ${{inputs.{use.name}}} into its command; '
            "the runtime refuses to expand inputs in a shell command and fails the node",
            use.range,
            help=hint,
        )


# ---------------------------------------------------------------------------- DIP158


def _attr_range(decl: InputDecl, name: str, value: bool = True) -> Range:
    src = decl.fields.get(name)
    if src is None:
        return decl.name_range
    return src.value_range if value else src.key_range


def declaration_problems(decl: InputDecl) -> Iterator[tuple[str, Range]]:
    """What is wrong with one input declaration (messages without the input's name)."""
    kind = decl.type.strip()
    if kind not in INPUT_TYPES:
        return
    for attr, types in ATTRIBUTE_TYPES.items():
        if attr in decl.fields and kind not in types:
            yield f"`{attr}` does not apply to a {kind} input (only to {', '.join(types)})", _attr_range(decl, attr, False)
    default = decl.default.strip() if decl.default is not None else None
    if kind == "enum":
        if not decl.options:
            yield "an enum input needs `options`", decl.type_range
        elif default is not None and default not in decl.options:
            yield f'default "{default}" is not one of the options ({", ".join(decl.options)})', _attr_range(decl, "default")
    elif kind == "number":
        yield from _number_problems(decl, default)
    elif kind == "bool":
        if default is not None and default.lower() not in ("true", "false"):
            yield f'default "{default}" is not a boolean (true or false)', _attr_range(decl, "default")
    elif kind in ("text", "secret"):
        yield from _text_problems(decl, default)


def _number_problems(decl: InputDecl, default: str | None) -> Iterator[tuple[str, Range]]:
    if decl.min is not None and decl.max is not None and decl.min > decl.max:
        yield f"min {decl.min:g} is greater than max {decl.max:g}", _attr_range(decl, "min")
        return
    if default is None:
        return
    try:
        number = parse_float(default)
    except ValueError:
        yield f'default "{default}" is not a number', _attr_range(decl, "default")
        return
    if decl.min is not None and number < decl.min:
        yield f"default {default} is below min {decl.min:g}", _attr_range(decl, "default")
    elif decl.max is not None and number > decl.max:
        yield f"default {default} is above max {decl.max:g}", _attr_range(decl, "default")


def _text_problems(decl: InputDecl, default: str | None) -> Iterator[tuple[str, Range]]:
    if "max_length" in decl.fields and decl.max_length < 0:
        yield f"max_length {decl.max_length} is negative", _attr_range(decl, "max_length")
    pattern: re.Pattern[str] | None = None
    if "pattern" in decl.fields:
        try:
            pattern = re.compile(decl.pattern)
        except re.error as exc:
            yield f"pattern is not a valid regular expression: {exc}", _attr_range(decl, "pattern")
    if default is None:
        return
    if pattern is not None and pattern.search(default) is None:
        yield f'default "{default}" does not match pattern {decl.pattern}', _attr_range(decl, "default")
    if decl.max_length > 0 and len(default) > decl.max_length:
        yield f"default is {len(default)} characters long, more than max_length {decl.max_length}", _attr_range(decl, "default")


@rule(658, "DIP158")
def invalid_input_declarations(ctx: LintContext) -> None:
    first: dict[str, InputDecl] = {}
    for decl in ctx.workflow.inputs:
        if decl.name in first:
            ctx.report(
                "DIP158",
                f'input "{decl.name}" is declared twice',
                decl.name_range,
                help="remove one of the declarations",
                related=[Related(message="first declared here", range=first[decl.name].name_range, file=ctx.path)],
            )
        else:
            first[decl.name] = decl
        for message, rng in declaration_problems(decl):
            ctx.report("DIP158", f'input "{decl.name}": {message}', rng)


# ---------------------------------------------------------------------------- DIP159


@rule(659, "DIP159")
def unused_inputs(ctx: LintContext) -> None:
    used = {use.name for use in _uses(ctx)}
    for decl in ctx.workflow.inputs:
        if decl.type.strip() in VALUE_TYPES and decl.name not in used:
            ctx.report(
                "DIP159",
                f'input "{decl.name}" is declared but never read',
                decl.name_range,
                help=f"reference it as ${{inputs.{decl.name}}} where it is meant to be used, or remove the declaration",
                unnecessary=True,
            )
