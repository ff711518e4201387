"""Routing rules: failure routes of agents (DIP144), human-gate routing keys (DIP150),
weights routing never reads (DIP151) and edges that repeat an implicit fork/join (DIP153).

The runtime's routing (engine.md §2.4, §2.8.4) decides what these rules call a route:
after a node fails, a node with *no* conditional outgoing edge takes its one-shot
fallback (node ``fallback_target``, else ``defaults on_failure``) or stops the run; a node
with at least one conditional edge goes through ordinary edge selection, where a
condition that holds for the failure, or any unconditional edge, carries the run on and
nothing else does (the fallback is not consulted). ``weight`` only orders unconditional
edges.
"""

from __future__ import annotations

from tracker.dippin.conditions import And, Compare, Expr, Not, Or, compare
from tracker.dippin.diagnostics import Fix, Related, Severity, TextEdit
from tracker.dippin.ir import AgentNode, Edge, FanInNode, HumanNode, ParallelNode
from tracker.dippin.lint import LintContext, rule
from tracker.dippin.lint.catalog import CodeInfo, register
from tracker.dippin.lint.ext_text import whole_lines, with_leading_space
from tracker.dippin.positions import Range
from tracker.dippin.values import quote

OUTCOME_VARIABLES = frozenset({"outcome", "ctx.outcome", "context.outcome"})
LABEL_ROUTED_MODES = ("", "choice", "yes_no")

register(
    CodeInfo(
        "DIP144",
        Severity.WARNING,
        "Agent has no failure route",
        "When this agent fails (a `STATUS: fail`, an exhausted `max_turns`, a missing declared "
        "write, ...), the run stops. Precisely: the agent has outgoing edges and either none of "
        "them is conditional and neither the node's `fallback_target` nor `defaults on_failure` "
        "is set (the runtime's strict failure rule halts the run), or it has conditional edges "
        "but none of them can hold when `ctx.outcome` is `fail` and it has no unconditional "
        "edge (edge selection ends with \"no matching edges\"; fallbacks are not consulted for "
        "nodes with conditional edges). Conditions on other variables are assumed able to hold. "
        "Agents that run as parallel branches (their failure is handled by the fan-in), the exit "
        "node and prompt-less start nodes are not checked.",
        "  edges\n    Build -> Test",
        "  edges\n    Build -> Test  on success\n    Build -> Escalate  on fail",
        "Add an edge `when ctx.outcome = fail` (or `on fail`), set `fallback_target:`, or set `on_failure:` in defaults.",
        origin="ext",
    ),
    CodeInfo(
        "DIP150",
        Severity.HINT,
        "Human gate routes by label",
        "An edge leaving a human gate that routes by choosing an edge (mode `choice`, `yes_no` or "
        "no mode) has a `label:` but no `choice:`. The label then doubles as the routing key, so "
        "rewording what the person sees silently changes routing (and breaks scenario tests and "
        "`default:` values that name it). `choice:` gives the edge a stable key and leaves the "
        "label free for display. A hint: such gates route correctly today.",
        '    Review -> Ship  label: "Looks good"',
        '    Review -> Ship  label: "Looks good"  choice: "Looks good"',
        "Add `choice:` with the current label text (routing stays exactly the same).",
        origin="ext",
    ),
    CodeInfo(
        "DIP151",
        Severity.WARNING,
        "Edge weight that routing never reads",
        "Routing takes the first conditional edge whose condition holds, then a label or "
        "suggested match, and only then uses `weight:` to order the *unconditional* edges "
        "(highest first, ties by target ID). A weight on a conditional edge, or on the only "
        "unconditional edge of its source, therefore never changes which edge is taken.",
        "    Check -> Ship  when ctx.outcome = success  weight: 2",
        "    Check -> Ship  when ctx.outcome = success",
        "Remove `weight:`; order conditional edges by declaration instead.",
        origin="ext",
    ),
    CodeInfo(
        "DIP153",
        Severity.WARNING,
        "Edge repeats a parallel/fan_in edge",
        "The `edges` block declares a plain edge (no condition or attributes) that a `parallel` "
        "or `fan_in` declaration already implies: `parallel P -> A, B` means `P -> A` and "
        "`P -> B`, and `fan_in J <- A, B` means `A -> J` and `B -> J`. The declaration's list is "
        "the one that counts; the copy adds nothing and must be kept in sync by hand.",
        "  parallel Fan -> A, B\n  fan_in Join <- A, B\n  edges\n    Fan -> A\n    Join -> Done",
        "  parallel Fan -> A, B\n  fan_in Join <- A, B\n  edges\n    Join -> Done",
        "Delete the edge line.",
        origin="ext",
    ),
)


# ---------------------------------------------------------------------------- DIP144


def holds_for_outcome(expr: Expr, outcome: str) -> bool | None:
    """Whether ``expr`` holds when ``ctx.outcome`` is ``outcome``: True, False, or None when
    it depends on other variables."""
    if isinstance(expr, Compare):
        if expr.variable not in OUTCOME_VARIABLES or "${" in expr.value:
            return None
        result = compare(outcome, expr.op, expr.value)
        return not result if expr.negated else result
    if isinstance(expr, Not):
        inner = holds_for_outcome(expr.inner, outcome)
        return None if inner is None else not inner
    left = holds_for_outcome(expr.left, outcome)
    right = holds_for_outcome(expr.right, outcome)
    if isinstance(expr, And):
        if left is False or right is False:
            return False
        return True if left and right else None
    assert isinstance(expr, Or)
    if left is True or right is True:
        return True
    return False if left is False and right is False else None


def _tests_failure_word(edges: list[Edge]) -> bool:
    for edge in edges:
        expr = edge.condition.expr if edge.condition is not None else None
        stack: list[Expr] = [expr] if expr is not None else []
        while stack:
            node = stack.pop()
            if isinstance(node, Compare):
                if node.variable in OUTCOME_VARIABLES and node.value == "failure":
                    return True
            elif isinstance(node, Not):
                stack.append(node.inner)
            elif isinstance(node, (And, Or)):
                stack.extend((node.left, node.right))
    return False


def _branch_members(ctx: LintContext) -> set[str]:
    members: set[str] = set()
    for node in ctx.workflow.nodes:
        if isinstance(node, ParallelNode):
            members.update(node.targets)
        elif isinstance(node, FanInNode):
            members.update(node.sources)
    return members


def _may_take_failure(edge: Edge) -> bool:
    """Whether the edge's condition can hold right after its source failed."""
    cond = edge.condition
    if cond is None or cond.expr is None:
        return True  # unconditional, or unparsable (reported elsewhere): assume it can
    return holds_for_outcome(cond.expr, "fail") is not False


@rule(644, "DIP144")
def agent_failure_route(ctx: LintContext) -> None:
    wf = ctx.workflow
    skipped = _branch_members(ctx) | {wf.exit}
    outgoing: dict[str, list[Edge]] = {}
    for edge in wf.edges:
        outgoing.setdefault(edge.source, []).append(edge)
    has_fallback_default = bool(wf.defaults.on_failure.strip())
    for node in wf.nodes:
        if not isinstance(node, AgentNode) or node.id in skipped:
            continue
        if node.id == wf.start and not node.prompt.strip():
            continue  # a prompt-less start agent is a pass-through that cannot fail
        edges = outgoing.get(node.id, [])
        conditional = [e for e in edges if e.condition is not None]
        has_fallback = has_fallback_default or bool(node.fallback_target.strip())
        if not edges or (not conditional and has_fallback):
            continue
        if not conditional:
            ctx.report(
                "DIP144",
                f'agent "{node.id}" has no failure route: if it fails the run stops '
                "(no conditional edge, no fallback_target, no defaults on_failure)",
                node.id_range,
                help=f"add `{node.id} -> <node>  on fail`, set fallback_target:, or set on_failure: in defaults",
            )
            continue
        if len(conditional) < len(edges) or any(_may_take_failure(e) for e in conditional):
            continue  # a failure is routed by a condition or falls through to an unconditional edge
        help_text = f"add `{node.id} -> <node>  on fail` or an unconditional edge"
        if _tests_failure_word(conditional):
            help_text += "; note the outcome of a failed node is `fail`, not `failure`"
        unused = " (fallback_target/on_failure are not used for nodes with conditional edges)" if has_fallback else ""
        ctx.report(
            "DIP144",
            f'agent "{node.id}" has no failure route: none of its conditions holds when it fails and it has no '
            f"unconditional edge, so a failure stops the run{unused}",
            node.id_range,
            help=help_text,
            related=[Related(message="conditional edge", range=e.range, file=ctx.path) for e in conditional],
        )


# ---------------------------------------------------------------------------- DIP150


@rule(650, "DIP150")
def human_choice_keys(ctx: LintContext) -> None:
    for edge in ctx.workflow.edges:
        node = ctx.workflow.node(edge.source)
        if not isinstance(node, HumanNode) or node.mode.strip() not in LABEL_ROUTED_MODES:
            continue
        if not edge.label or edge.choice or "label" not in edge.attr_ranges:
            continue
        label_range = edge.attr_ranges["label"]
        ctx.report(
            "DIP150",
            f'human gate "{node.id}" routes by the label "{edge.label}" of its edge to "{edge.target}"; '
            "add a choice: key so rewording the label cannot change routing",
            label_range,
            help="choice: is the routing key; label: stays what the person sees",
            fix=Fix(
                title="Add a choice key equal to the label",
                edits=[TextEdit(range=Range(label_range.end, label_range.end), new_text=f"  choice: {quote(edge.label)}")],
            ),
        )


# ---------------------------------------------------------------------------- DIP151


@rule(651, "DIP151")
def unused_weights(ctx: LintContext) -> None:
    unconditional: dict[str, int] = {}
    for edge in ctx.workflow.edges:
        if edge.condition is None:
            unconditional[edge.source] = unconditional.get(edge.source, 0) + 1
    for edge in ctx.workflow.edges:
        rng = edge.attr_ranges.get("weight")
        if rng is None or edge.weight == 0:
            continue
        if edge.condition is not None:
            why = "it is conditional; conditional edges are tried in declaration order"
        elif unconditional.get(edge.source, 0) == 1:
            why = f'it is the only unconditional edge of "{edge.source}"; weight only orders unconditional edges'
        else:
            continue
        ctx.report(
            "DIP151",
            f"edge {edge.source} -> {edge.target} sets weight: {edge.weight}, which routing never reads: {why}",
            rng,
            help="remove weight:",
            fix=Fix(title="Remove weight", edits=[TextEdit(range=with_leading_space(ctx, rng), new_text="")]),
            unnecessary=True,
        )


# ---------------------------------------------------------------------------- DIP153


def _plain(edge: Edge) -> bool:
    return edge.condition is None and not (edge.label or edge.choice or edge.weight or edge.override or edge.restart)


@rule(653, "DIP153")
def repeated_fork_edges(ctx: LintContext) -> None:
    wf = ctx.workflow
    for edge in wf.edges:
        if not _plain(edge):
            continue
        source = wf.node(edge.source)
        target = wf.node(edge.target)
        declared: ParallelNode | FanInNode | None = None
        if isinstance(source, ParallelNode) and edge.target in source.targets:
            declared = source
            what = f"parallel {source.id}"
        elif isinstance(target, FanInNode) and edge.source in target.sources:
            declared = target
            what = f"fan_in {target.id}"
        if declared is None:
            continue
        ctx.report(
            "DIP153",
            f"edge {edge.source} -> {edge.target} repeats the edge implied by `{what}`; the declaration's list is authoritative",
            edge.range,
            help="delete this line; the parallel/fan_in declaration already creates the edge",
            fix=Fix(title="Delete the redundant edge", edits=[TextEdit(range=whole_lines(edge.range), new_text="")]),
            related=[Related(message="declared here", range=declared.header_range, file=ctx.path)],
            unnecessary=True,
        )
