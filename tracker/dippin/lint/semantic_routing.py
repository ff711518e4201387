"""Routing lint: edges and conditions (DIP101–DIP103, DIP105, DIP120–DIP122).

Conditions that failed to parse were already reported by the parser (DIP914); the
value checks here skip them, while "has a condition" checks (DIP101/DIP102) still
count them as conditional, like the reference.
"""

from __future__ import annotations

from tracker.dippin.conditions import comparisons, format_value
from tracker.dippin.diagnostics import Related, Severity
from tracker.dippin.ir import Edge, ToolNode
from tracker.dippin.lint import LintContext, rule
from tracker.dippin.lint.catalog import CodeInfo, register
from tracker.dippin.lint.semantic_support import (
    example,
    exhaustive_sources,
    explicit_in,
    explicit_out,
    is_marker_router,
    parsed,
    replace,
    signed_comparisons,
    suggest,
)
from tracker.dippin.positions import Range

NAMESPACES = ("ctx", "graph", "params", "stack", "inputs")
RESERVED_PREFIXES = (
    "ctx.outcome",
    "ctx.status",
    "ctx.tool_stdout",
    "ctx.tool_stderr",
    "ctx.tool_marker",
    "ctx.tool_route",
    "ctx.internal.",
    "graph.",
    "params.",
    "inputs.",
)


def _safe_source(ctx: LintContext, source: str) -> bool:
    edges = explicit_out(ctx).get(source, [])
    return (
        source in exhaustive_sources(ctx)
        or any(e.condition is None for e in edges)
        or is_marker_router(ctx.workflow.node(source))
    )


@rule(101, "DIP101")
def only_conditional_incoming(ctx: LintContext) -> None:
    incoming = explicit_in(ctx)
    for node in ctx.workflow.nodes:
        edges = incoming.get(node.id, [])
        if node.id == ctx.workflow.start or not edges:
            continue
        if any(e.condition is None for e in edges):
            continue
        if all(_safe_source(ctx, e.source) for e in edges):
            continue
        ctx.report(
            "DIP101",
            f'node "{node.id}" is only reachable through conditional edges and may be skipped at runtime',
            node.id_range,
            help="add an unconditional edge to this node, or verify all conditions are exhaustive",
            related=[Related(message=f"conditional edge from {e.source}", range=e.range, file=ctx.path) for e in edges],
        )


@rule(102, "DIP102")
def missing_default_edge(ctx: LintContext) -> None:
    graph = ctx.graph
    exhaustive = exhaustive_sources(ctx)
    for node in ctx.workflow.nodes:
        out = graph.out(node.id)
        if not any(ge.conditional for ge in out) or any(not ge.conditional for ge in out):
            continue
        if node.id in exhaustive or is_marker_router(node):
            continue
        ctx.report(
            "DIP102",
            f'node "{node.id}" has conditional outgoing edges but no unconditional default edge',
            node.id_range,
            help="add an unconditional edge as a fallback, or ensure conditions are exhaustive",
        )


@rule(103, "DIP103")
def overlapping_conditions(ctx: LintContext) -> None:
    for source, edges in explicit_out(ctx).items():
        seen: dict[tuple[str, str, str, bool], tuple[Edge, Range]] = {}
        for e in edges:
            expr = parsed(e)
            if expr is None:
                continue
            for cmp, negated in signed_comparisons(expr):
                key = (cmp.variable, cmp.op, cmp.value, negated)
                if key not in seen:
                    seen[key] = (e, cmp.range)
                    continue
                first, first_range = seen[key]
                ctx.report(
                    "DIP103",
                    f'node "{source}" has overlapping conditions: edges to "{first.target}" and "{e.target}" '
                    f"both check {cmp.variable} {cmp.op} {cmp.value}",
                    cmp.range,
                    help="review the conditions to ensure they route to different targets for different states",
                    related=[Related(message=f"also checked on the edge to {first.target}", range=first_range, file=ctx.path)],
                )


@rule(105, "DIP105")
def forward_path_to_exit(ctx: LintContext) -> None:
    wf = ctx.workflow
    if not wf.start or not wf.exit or wf.node(wf.start) is None or wf.node(wf.exit) is None:
        return
    if wf.exit in ctx.graph.reachable(wf.start, restart=False):
        return
    src = wf.fields.get("exit")
    ctx.report(
        "DIP105",
        f'no forward path from start node "{wf.start}" to exit node "{wf.exit}" (excluding restart edges)',
        src.value_range if src is not None else wf.header_range,
        help="ensure there is at least one non-restart path from start to exit",
    )


@rule(116.3, "DIP120")
def condition_namespaces(ctx: LintContext) -> None:
    for e in ctx.workflow.edges:
        expr = parsed(e)
        if expr is None:
            continue
        for cmp in comparisons(expr):
            variable = cmp.variable
            head, dot, _ = variable.partition(".")
            if (dot and head in NAMESPACES) or variable.startswith("${"):
                continue
            start = cmp.variable_range.start
            ctx.report(
                "DIP120",
                f'edge {e.source} → {e.target}: condition variable "{variable}" has no namespace prefix',
                cmp.variable_range,
                help=f"use ctx.{variable} instead of {variable} for consistency",
                fix=replace(f"Write ctx.{variable}", Range(start, start), "ctx."),
            )


def _reserved(variable: str) -> bool:
    return variable.startswith(RESERVED_PREFIXES)


@rule(121, "DIP121")
def condition_keys_written(ctx: LintContext) -> None:
    wf = ctx.workflow
    for e in wf.edges:
        expr = parsed(e)
        source = wf.node(e.source)
        if expr is None or source is None or not source.writes:
            continue
        writes = set(source.writes)
        for cmp in comparisons(expr):
            variable = cmp.variable
            if _reserved(variable):
                continue
            key = variable.partition(".")[2] if "." in variable else variable
            if key in writes:
                continue
            ctx.report(
                "DIP121",
                f'edge {e.source} → {e.target}: condition references "{variable}" but node "{e.source}" '
                "does not declare it in writes",
                cmp.variable_range,
                help=f'add writes: {key} to node "{e.source}", or use a reserved variable',
            )


@rule(122, "DIP122")
def condition_values_declared(ctx: LintContext) -> None:
    wf = ctx.workflow
    for e in wf.edges:
        expr = parsed(e)
        source = wf.node(e.source)
        if expr is None or not isinstance(source, ToolNode) or not source.outputs:
            continue
        outputs = source.outputs
        for cmp in comparisons(expr):
            if cmp.value in outputs:
                continue
            guess = suggest(cmp.value, outputs)
            ctx.report(
                "DIP122",
                f'edge {e.source} → {e.target}: condition tests value "{cmp.value}" but tool "{e.source}" '
                "does not declare it in outputs",
                cmp.value_range,
                help=f'add "{cmp.value}" to tool "{e.source}" outputs, or check for typos',
                fix=replace(f'Change to "{guess}"', cmp.value_range, format_value(guess)) if guess else None,
            )


_W = Severity.WARNING
_AMB = "agent A\n  prompt: Plan.\nagent M\n  prompt: Work.\nagent B\n  prompt: Ship.\n"

register(
    CodeInfo(
        "DIP101", _W, "Node reached only through conditions",
        "Every edge into this node has a condition, and at least one of the nodes it comes from could route "
        "elsewhere (its conditions are not known to cover every case, it has no unconditional edge, and it is "
        "not a `marker_grep` tool). If no condition holds at run time the node is silently skipped.",
        example(_AMB, ["A -> M  when ctx.outcome = success", "A -> B  when ctx.review = fail", "M -> B"]),
        example(_AMB, ["A -> M  when ctx.outcome = success", "A -> B  when ctx.outcome = fail", "M -> B"]),
        "Add an unconditional edge into the node, or make the source's conditions exhaustive "
        "(e.g. both `success` and `fail`).",
        "core",
    ),
    CodeInfo(
        "DIP102", _W, "No default edge",
        "All outgoing edges of the node are conditional. When none of the conditions holds the run stops "
        "with \"no matching edges\". Exhaustive conditions (`success`/`fail`, a complete partition of one "
        "variable, `c` and `not c`) and `marker_grep` tools are accepted without a default.",
        example(_AMB, ["A -> M  when ctx.outcome = success", "A -> B  when ctx.tool_stdout = retry", "M -> B"]),
        example(_AMB, ["A -> M  when ctx.outcome = success", "A -> B", "M -> B"]),
        "Add an unconditional fallback edge, or make the conditions exhaustive.",
        "core",
    ),
    CodeInfo(
        "DIP103", _W, "Overlapping conditions",
        "Two edges from the same node test the same comparison. Routing takes the first edge whose condition "
        "holds, so the later edge is shadowed whenever that comparison decides.",
        example(_AMB, ["A -> M  when ctx.outcome = success", "A -> B  when ctx.outcome = success", "A -> B", "M -> B"]),
        example(_AMB, ["A -> M  when ctx.outcome = success", "A -> B", "M -> B"]),
        "Make each edge test a different state.",
        "core",
    ),
    CodeInfo(
        "DIP105", _W, "No forward path to the exit",
        "Every path from the start node to the exit uses a restart (loop-back) edge, so a run can only end "
        "by looping. Usually a forward edge is missing or marked `restart: true` by mistake.",
        example(_AMB, ["A -> M", "M -> B  restart: true"]),
        example(_AMB, ["A -> M", "M -> B"]),
        "Add a forward (non-restart) path from start to exit.",
        "core",
    ),
    CodeInfo(
        "DIP120", _W, "Condition variable without namespace",
        "Condition variables are written with a namespace: `ctx.` (the run context), `graph.`, `params.`, "
        "`stack.` or `inputs.`. A bare name such as `outcome` works but hides where the value comes from.",
        example(_AMB, ["A -> M  when outcome = success", "A -> B", "M -> B"]),
        example(_AMB, ["A -> M  when ctx.outcome = success", "A -> B", "M -> B"]),
        "Prefix the variable with `ctx.`.",
        "core",
    ),
    CodeInfo(
        "DIP121", _W, "Condition key not written by its source",
        "The edge's source node declares `writes:`, but the condition reads a context key that is not among "
        "them (engine-provided keys such as `ctx.outcome` and `ctx.tool_stdout` are exempt). Either the key "
        "is misspelled or the `writes:` list is incomplete.",
        example(_AMB.replace("agent A\n", "agent A\n  writes: verdict\n"), ["A -> M  when ctx.verdit = ok", "A -> B", "M -> B"]),
        example(_AMB.replace("agent A\n", "agent A\n  writes: verdict\n"), ["A -> M  when ctx.verdict = ok", "A -> B", "M -> B"]),
        "Add the key to the source's `writes:`, or fix its spelling.",
        "core",
    ),
    CodeInfo(
        "DIP122", _W, "Condition value not among the tool's outputs",
        "The source is a tool that declares its possible `outputs:`, and the condition compares with a value "
        "that is not one of them, so it can never match (often a typo).",
        example(
            "tool A\n  timeout: 60s\n  outputs: pass, fail\n  command: ./check.sh\nagent B\n  prompt: Ship.\n",
            ["A -> B  when ctx.tool_stdout = passed", "A -> B"],
        ),
        example(
            "tool A\n  timeout: 60s\n  outputs: pass, fail\n  command: ./check.sh\nagent B\n  prompt: Ship.\n",
            ["A -> B  when ctx.tool_stdout = pass", "A -> B"],
        ),
        "Use one of the declared outputs, or add the value to `outputs:`.",
        "core",
    ),
)
