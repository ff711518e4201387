"""Edge selection: which outgoing edge a finished node takes (engine spec §2.4).

Priority: the first edge whose condition holds (declaration order) → the edge whose
routing key equals ``preferred_label`` → the first edge whose target is in
``suggested_next_nodes`` → the heaviest unconditional edge (ties: smallest target ID).
Conditions use the one Dippin condition dialect (``and``/``or``/``not`` and
``&&``/``||``/``!``, parentheses) with ``${...}`` expanded in the operands.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from tracker.dippin.conditions import ConditionError, Expr, comparisons, evaluate, parse_condition
from tracker.engine import events as ev
from tracker.engine.context import RunContext
from tracker.engine.graph import RuntimeEdge
from tracker.engine.interpolate import expand

NUMERIC_OPS = ("<", ">", "<=", ">=")


class RoutingError(Exception):
    """A condition that cannot be evaluated, or no edge that can be taken."""


def resolve_variable(name: str, ctx: RunContext) -> str:
    """The runtime's variable lookup (dippin-language §4.3): the key as written, then
    without a ``ctx.``/``context.`` prefix; ``internal.*`` reads the internal map."""
    values = ctx.values
    value = values.get(name)
    if value is not None:
        return value
    rest = name
    for prefix in ("ctx.", "context."):
        if name.startswith(prefix):
            rest = name[len(prefix) :]
            break
    if rest.startswith("internal."):
        key = rest[len("internal.") :]
        return ctx.internal.get(key, ctx.internal.get("_" + key, ""))
    if rest != name:
        return values.get(rest) or ""
    if name.startswith("params."):
        return values.get("graph." + name) or ""
    return ""


def _check_operands(expr: Expr, expander: Callable[[str], str]) -> None:
    for cmp in comparisons(expr):
        if cmp.op == "matches":
            pattern = expander(cmp.value)
            try:
                re.compile(pattern)
            except re.error as exc:
                raise RoutingError(f"invalid regular expression {pattern!r} in condition: {exc}") from exc
        elif cmp.op in NUMERIC_OPS:
            literal = expander(cmp.value).strip()
            try:
                float(literal)
            except ValueError as exc:
                raise RoutingError(f"operator {cmp.op} needs a number, got {literal!r}") from exc


def evaluate_condition(condition: str, expr: Expr | None, ctx: RunContext, parse_error: str = "") -> bool:
    """Evaluate a condition against the context; raise :class:`RoutingError` when it
    cannot be evaluated (parse error, bad regex, non-numeric literal)."""
    if not condition.strip():
        return True
    if expr is None:
        if parse_error:
            raise RoutingError(f'invalid condition "{condition}": {parse_error}')
        try:
            expr = parse_condition(condition)
        except ConditionError as exc:
            raise RoutingError(f'invalid condition "{condition}": {exc.message}') from exc

    def expander(text: str) -> str:
        return expand(text, ctx) if "${" in text else text

    _check_operands(expr, expander)
    return evaluate(expr, lambda name: resolve_variable(name, ctx), expander)


@dataclass(slots=True)
class Selection:
    edge: RuntimeEdge
    priority: str
    condition_matched: bool


Emit = Callable[[ev.Event], None]


def select_edge(node_id: str, edges: list[RuntimeEdge], ctx: RunContext, emit: Emit, run_id: str) -> Selection:
    """Pick the edge to follow and emit the decision events."""
    tried: list[RuntimeEdge] = []
    chosen: Selection | None = None
    for edge in edges:
        if not edge.condition:
            continue
        matched = evaluate_condition(edge.condition, edge.expr, ctx, edge.condition_error)
        emit(
            ev.Event(
                ev.DECISION_CONDITION,
                run_id=run_id,
                node_id=node_id,
                message=f'condition "{edge.condition}" on edge {edge.source}->{edge.target} evaluated to {"true" if matched else "false"}',
                edge_from=edge.source,
                edge_to=edge.target,
                edge_condition=edge.condition,
                condition_match=matched,
                context_snapshot=ctx.routing_snapshot(),
            )
        )
        if matched:
            chosen = Selection(edge, "condition", True)
            break
        tried.append(edge)

    if chosen is None:
        label = ctx.get("preferred_label")
        if label:
            for edge in edges:
                if edge.routing_key == label:
                    chosen = Selection(edge, "label", False)
                    break
    if chosen is None:
        suggested = [s.strip() for s in ctx.get("suggested_next_nodes").split(",") if s.strip()]
        if suggested:
            for edge in edges:
                if edge.target in suggested:
                    chosen = Selection(edge, "suggested", False)
                    break
    if chosen is None:
        plain = sorted((e for e in edges if not e.condition), key=lambda e: (-e.weight, e.target))
        if not plain:
            listing = "; ".join(f"{e.source}->{e.target} when {e.condition}" for e in edges if e.condition)
            raise RoutingError(
                f'no matching edges from node "{node_id}" (outcome={ctx.get("outcome")!r}): {listing}'
            )
        edge = plain[0]
        priority = "weight"
        if len(plain) >= 2 and plain[0].weight == plain[1].weight:
            priority = "lexical"
            emit(
                ev.Event(
                    ev.EDGE_TIEBREAKER,
                    run_id=run_id,
                    node_id=node_id,
                    message=f'lexical tiebreaker used: {len(plain)} unconditional edges from "{node_id}" with equal weight; selected "{edge.target}"',
                    edge_from=node_id,
                    edge_to=edge.target,
                )
            )
        chosen = Selection(edge, priority, False)

    edge = chosen.edge
    priority = "override" if edge.override else chosen.priority
    emit(
        ev.Event(
            ev.DECISION_EDGE,
            run_id=run_id,
            node_id=node_id,
            message=f"edge selected {edge.source}->{edge.target} via {priority}",
            edge_from=edge.source,
            edge_to=edge.target,
            edge_condition=edge.condition,
            edge_priority=priority,
            condition_match=chosen.condition_matched,
            context_snapshot=ctx.routing_snapshot(),
        )
    )
    if tried and not edge.condition:
        emit(
            ev.Event(
                ev.CONDITIONAL_FALLTHROUGH,
                run_id=run_id,
                node_id=node_id,
                message=f'conditional fallthrough on node "{node_id}": {len(tried)} condition(s) evaluated false, fell back to {chosen.priority} edge -> "{edge.target}"',
                edge_from=edge.source,
                edge_to=edge.target,
                edge_priority=chosen.priority,
                context_snapshot=ctx.routing_snapshot(),
                conditions_tried=[{"edge_to": e.target, "condition": e.condition} for e in tried],
            )
        )
    return Selection(edge, priority, chosen.condition_matched)
