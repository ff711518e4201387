"""Structural validation, DIP001–DIP009: the errors that make a workflow unrunnable.

Missing or unknown start/exit, edges to undeclared nodes, unreachable nodes, loops
without a ``restart`` edge, an exit with outgoing edges, unpaired parallel/fan-in,
duplicate nodes and duplicate edges. Checks run in the reference's order (DIP008,
DIP001, DIP002, DIP003, DIP006, DIP009, DIP004, DIP005, DIP007) and never stop early.
"""

from __future__ import annotations

from tracker.dippin.conditions import to_text
from tracker.dippin.diagnostics import Fix, Related, Severity, TextEdit
from tracker.dippin.ir import Edge, FanInNode, ParallelNode
from tracker.dippin.lint import LintContext, rule
from tracker.dippin.lint.catalog import CodeInfo, register
from tracker.dippin.lint.semantic_support import (
    add_header_field,
    example,
    explicit_out,
    go_list,
    location,
    node_ids,
    parsed,
    replace,
    suggest,
    whole_lines,
)
from tracker.dippin.positions import Range


@rule(10, "DIP008", structural=True)
def duplicate_nodes(ctx: LintContext) -> None:
    first: dict[str, Range] = {}
    for node in ctx.workflow.nodes:
        if node.id not in first:
            first[node.id] = node.id_range
            continue
        ctx.report(
            "DIP008",
            f'duplicate node ID "{node.id}"',
            node.id_range,
            help=f"first declaration at {location(ctx.path, first[node.id])}",
            related=[Related(message="first declared here", range=first[node.id], file=ctx.path)],
        )


def _endpoint(ctx: LintContext, code: str, key: str, value: str, candidates: list[str]) -> None:
    """DIP001/DIP002: the workflow's ``start``/``exit`` is missing or names no node."""
    wf = ctx.workflow
    src = wf.fields.get(key)
    if not value:
        fix: Fix | None = None
        if len(candidates) == 1:
            fix = add_header_field(f"Add `{key}: {candidates[0]}`", wf, key, candidates[0])
        ctx.report(
            code,
            f"workflow has no {key} node declared",
            src.key_range if src is not None else wf.name_range if wf.name else wf.header_range,
            help=f"add a{'n' if key == 'exit' else ''} {key}: field to the workflow",
            fix=fix,
        )
        return
    if wf.node(value) is not None:
        return
    guess = suggest(value, node_ids(ctx))
    rng = src.value_range if src is not None else wf.header_range
    ctx.report(
        code,
        f'{key} node "{value}" is declared but does not exist in the node list',
        rng,
        help=f'add a node with ID "{value}" to the workflow',
        fix=replace(f'Change to "{guess}"', rng, guess) if guess and src is not None else None,
    )


@rule(11, "DIP001", structural=True)
def start_node(ctx: LintContext) -> None:
    graph = ctx.graph
    sources = [n for n in node_ids(ctx) if not graph.into(n)]
    _endpoint(ctx, "DIP001", "start", ctx.workflow.start, sources)


@rule(12, "DIP002", structural=True)
def exit_node(ctx: LintContext) -> None:
    graph = ctx.graph
    sinks = [n for n in node_ids(ctx) if not graph.out(n)]
    _endpoint(ctx, "DIP002", "exit", ctx.workflow.exit, sinks)


def _unknown_reference(ctx: LintContext, role: str, name: str, rng: Range, message: str, default_help: str) -> None:
    guess = suggest(name, node_ids(ctx))
    ctx.report(
        "DIP003",
        message,
        rng,
        help=f'did you mean "{guess}"?' if guess else default_help,
        fix=replace(f'Change {role} to "{guess}"', rng, guess) if guess else None,
    )


@rule(13, "DIP003", structural=True)
def unknown_edge_endpoints(ctx: LintContext) -> None:
    wf = ctx.workflow
    for e in wf.edges:
        for role, name, rng in (("source", e.source, e.source_range), ("target", e.target, e.target_range)):
            if name and wf.node(name) is None:
                _unknown_reference(
                    ctx,
                    role,
                    name,
                    rng,
                    f'edge references unknown {role} node "{name}"',
                    f'declare a node with ID "{name}" or fix the edge {role}',
                )
    # Implicit edges too: a parallel target or fan-in source that names no node.
    for node in wf.nodes:
        if isinstance(node, ParallelNode):
            names, ranges, what = node.targets, node.target_ranges, "target"
        elif isinstance(node, FanInNode):
            names, ranges, what = node.sources, node.source_ranges, "source"
        else:
            continue
        for name, rng in zip(names, ranges, strict=False):
            if name and wf.node(name) is None:
                _unknown_reference(
                    ctx,
                    what,
                    name,
                    rng,
                    f'{node.kind} node "{node.id}" references unknown {what} node "{name}"',
                    f'declare a node with ID "{name}" or fix the {what} list',
                )


@rule(14, "DIP006", structural=True)
def exit_has_outgoing_edges(ctx: LintContext) -> None:
    wf = ctx.workflow
    exit_id = wf.exit
    if not exit_id or wf.node(exit_id) is None:
        return
    for ge in ctx.graph.out(exit_id):
        if ge.edge is not None:
            rng = ge.edge.range
        else:
            rng = _implicit_edge_range(ctx, ge.kind, ge.source, ge.target)
        ctx.report(
            "DIP006",
            f'exit node "{exit_id}" has outgoing edge to "{ge.target}"',
            rng,
            help="remove the outgoing edge or change the exit node",
        )


def _implicit_edge_range(ctx: LintContext, kind: str, source: str, target: str) -> Range:
    """Where an implicit edge is written: the target in a parallel's list, or the source
    in a fan-in's list."""
    owner = ctx.workflow.node(source if kind == "parallel" else target)
    if isinstance(owner, ParallelNode):
        for name, rng in zip(owner.targets, owner.target_ranges, strict=False):
            if name == target:
                return rng
    if isinstance(owner, FanInNode):
        for name, rng in zip(owner.sources, owner.source_ranges, strict=False):
            if name == source:
                return rng
    return owner.id_range if owner is not None else ctx.workflow.name_range


def _condition_key(e: Edge) -> str:
    if e.condition is None:
        return ""
    expr = parsed(e)
    return to_text(expr) if expr is not None else " ".join(e.condition.raw.split())


def _same_attributes(a: Edge, b: Edge) -> bool:
    return (a.label, a.weight, a.restart, a.choice, a.override) == (b.label, b.weight, b.restart, b.choice, b.override)


@rule(15, "DIP009", structural=True)
def duplicate_edges(ctx: LintContext) -> None:
    first: dict[tuple[str, str, str], Edge] = {}
    for e in ctx.workflow.edges:
        key = (e.source, e.target, _condition_key(e))
        original = first.setdefault(key, e)
        if original is e:
            continue
        ctx.report(
            "DIP009",
            f'duplicate edge from "{e.source}" to "{e.target}"',
            e.range,
            help=f"first declaration at {location(ctx.path, original.range)}",
            related=[Related(message="first declared here", range=original.range, file=ctx.path)],
            fix=Fix(title="Remove the duplicate edge", edits=[TextEdit(range=whole_lines(e.range), new_text="")])
            if _same_attributes(original, e)
            else None,
        )


@rule(16, "DIP004", structural=True)
def unreachable_nodes(ctx: LintContext) -> None:
    wf = ctx.workflow
    start = wf.start
    if not start or wf.node(start) is None:
        return
    reached = ctx.graph.reachable(start, restart=True)
    for node in wf.nodes:
        if node.id not in reached:
            ctx.report(
                "DIP004",
                f'node "{node.id}" is unreachable from start node "{start}"',
                node.id_range,
                help=f'add an edge leading to "{node.id}" or remove it',
                unnecessary=True,
            )


@rule(17, "DIP005", structural=True)
def loops_without_restart(ctx: LintContext) -> None:
    wf = ctx.workflow
    if not wf.start or wf.node(wf.start) is None:
        return
    forward: dict[str, list[Edge]] = {
        src: [e for e in edges if not e.restart] for src, edges in explicit_out(ctx).items()
    }
    white, grey, black = 0, 1, 2
    color: dict[str, int] = {}
    parent_edge: dict[str, Edge] = {}
    reported: set[str] = set()
    for root in [n.id for n in wf.nodes]:
        if color.get(root, white) != white:
            continue
        color[root] = grey
        stack: list[tuple[str, int]] = [(root, 0)]
        while stack:
            node, index = stack[-1]
            edges = forward.get(node, [])
            if index >= len(edges):
                color[node] = black
                stack.pop()
                continue
            stack[-1] = (node, index + 1)
            e = edges[index]
            state = color.get(e.target, white)
            if state == white:
                color[e.target] = grey
                parent_edge[e.target] = e
                stack.append((e.target, 0))
            elif state == grey and e.target not in reported:
                reported.add(e.target)
                _report_cycle(ctx, e, parent_edge)


def _report_cycle(ctx: LintContext, closing: Edge, parent_edge: dict[str, Edge]) -> None:
    head = closing.target
    path = [closing.source]
    cycle_edges = [closing]
    node = closing.source
    while node != head and node in parent_edge:
        e = parent_edge[node]
        cycle_edges.append(e)
        node = e.source
        path.append(node)
    path.reverse()
    text = " → ".join([*path, head])
    restart_range = closing.attr_ranges.get("restart")
    if restart_range is not None:
        fix = replace("Mark this edge `restart: true`", restart_range, "restart: true")
    else:
        end = closing.range.end
        fix = replace("Mark this edge `restart: true`", Range(end, end), "  restart: true")
    ctx.report(
        "DIP005",
        f"unconditional cycle detected: {text}",
        closing.range,
        help="break the cycle by removing an edge or marking it restart: true",
        fix=fix,
        related=[
            Related(message=f"{e.source} → {e.target} is part of the cycle", range=e.range, file=ctx.path)
            for e in reversed(cycle_edges[1:])
        ],
    )


@rule(18, "DIP007", structural=True)
def unpaired_parallel(ctx: LintContext) -> None:
    nodes = ctx.workflow.nodes
    parallels = [n for n in nodes if isinstance(n, ParallelNode)]
    fan_ins = [n for n in nodes if isinstance(n, FanInNode)]
    fan_in_sets = {tuple(sorted(j.sources)) for j in fan_ins}
    parallel_sets = {tuple(sorted(p.targets)) for p in parallels}
    for p in parallels:
        targets = sorted(p.targets)
        if tuple(targets) not in fan_in_sets:
            ctx.report(
                "DIP007",
                f'parallel node "{p.id}" has targets {go_list(targets)} but no matching fan_in node',
                p.id_range,
                help=f"add a fan_in node with sources: {go_list(targets)}",
            )
    for j in fan_ins:
        sources = sorted(j.sources)
        if tuple(sources) not in parallel_sets:
            ctx.report(
                "DIP007",
                f'fan_in node "{j.id}" has sources {go_list(sources)} but no matching parallel node',
                j.id_range,
                help=f"add a parallel node with targets: {go_list(sources)}",
            )


_E = Severity.ERROR
_AB = "agent A\n  prompt: Plan.\nagent B\n  prompt: Ship.\n"
_AMB = "agent A\n  prompt: Write.\nagent M\n  prompt: Review.\nagent B\n  prompt: Ship.\n"
_FORK = (
    "agent A\n  prompt: Plan.\nparallel P -> X, Y\nagent X\n  prompt: Do X.\nagent Y\n  prompt: Do Y.\n"
    "fan_in J <- {sources}\nagent B\n  prompt: Ship.\n"
)

register(
    CodeInfo(
        "DIP001", _E, "Missing or unknown start node",
        "Every workflow names the node a run begins at with `start:`, and that node must be declared. "
        "Without it the engine has nowhere to begin, so the workflow cannot run.",
        example(_AB, start="Begin"),
        example(_AB),
        "Add `start: <node>` to the header, or correct the name so it matches a declared node.",
        "core",
    ),
    CodeInfo(
        "DIP002", _E, "Missing or unknown exit node",
        "Every workflow names the node that ends a run with `exit:`, and that node must be declared. "
        "Reaching the exit is how a run completes (and when goal gates are checked).",
        example(_AB, exit="Done"),
        example(_AB),
        "Add `exit: <node>` to the header, or correct the name so it matches a declared node.",
        "core",
    ),
    CodeInfo(
        "DIP003", _E, "Edge to an undeclared node",
        "An edge (or a parallel target / fan-in source) names a node that is not declared, usually a typo. "
        "The engine would fail when it tries to follow it.",
        example(_AB, ["A -> Bee"]),
        example(_AB, ["A -> B"]),
        "Use the suggested node ID, or declare the missing node.",
        "core",
    ),
    CodeInfo(
        "DIP004", _E, "Unreachable node",
        "No chain of edges (restart edges and the implicit parallel/fan-in edges included) leads from the "
        "start node to this node, so it can never run. Often an edge was forgotten or points elsewhere.",
        example(_AMB, ["A -> B"]),
        example(_AMB, ["A -> M", "M -> B"]),
        "Add an edge into the node, or delete it.",
        "core",
    ),
    CodeInfo(
        "DIP005", _E, "Loop without a restart edge",
        "Edges form a cycle and none of them is marked as a loop-back. Conditions do not count: every cycle "
        "must be closed by an edge with `restart: true` (or the `loop` shorthand) so tools know where the "
        "loop restarts and the engine can budget it with `max_restarts`.",
        example(_AMB, ["A -> M", "M -> A  when ctx.outcome = fail", "M -> B  when ctx.outcome = success"]),
        example(_AMB, ["A -> M", "M -> A  when ctx.outcome = fail  restart: true", "M -> B  when ctx.outcome = success"]),
        "Mark the edge that goes back with `restart: true`.",
        "core",
    ),
    CodeInfo(
        "DIP006", _E, "Exit node has outgoing edges",
        "Reaching the exit node ends the run, so edges leaving it can never be taken. Either the edge is "
        "wrong or a different node should be the exit.",
        example(_AB, ["A -> B", "B -> A  restart: true"]),
        example(_AB, ["A -> B"]),
        "Remove the edge, or make its target the exit.",
        "core",
    ),
    CodeInfo(
        "DIP007", _E, "Parallel without matching fan-in",
        "Each `parallel` must be joined by a `fan_in` listing exactly the same nodes (order does not matter), "
        "and each `fan_in` must join exactly the targets of some `parallel`. Otherwise branches are never "
        "joined, or a join waits for a branch that is never started.",
        example(_FORK.format(sources="X"), ["A -> P", "J -> B"]),
        example(_FORK.format(sources="X, Y"), ["A -> P", "J -> B"]),
        "Make the fan-in's sources equal the parallel's targets.",
        "core",
    ),
    CodeInfo(
        "DIP008", _E, "Duplicate node ID",
        "Two declarations use the same node ID. Edges cannot tell them apart; only the first is used.",
        example(_AB + "agent A\n  prompt: Plan again.\n"),
        example(_AB + "agent A2\n  prompt: Plan again.\n", ["A -> A2", "A2 -> B"]),
        "Rename one of the nodes.",
        "core",
    ),
    CodeInfo(
        "DIP009", _E, "Duplicate edge",
        "Two edges join the same nodes with the same condition, so the second can never be chosen. "
        "A common cause is an `on`/`when` attribute lost to a typo.",
        example(_AB, ["A -> B  when ctx.outcome = success", "A -> B  when ctx.outcome = success", "A -> B"]),
        example(_AB, ["A -> B  when ctx.outcome = success", "A -> B"]),
        "Delete the repeated edge, or give it a different condition.",
        "core",
    ),
)
