"""Negative limits: run budgets in ``defaults`` (DIP145) and ``last_response_truncate``
(DIP148). Both are caps where ``0`` means "no limit"; a negative value has no meaning."""

from __future__ import annotations

from tracker.dippin.diagnostics import Severity
from tracker.dippin.ir import AgentNode, ParallelNode
from tracker.dippin.lint import LintContext, rule
from tracker.dippin.lint.catalog import CodeInfo, register
from tracker.dippin.values import format_duration

BUDGET_FIELDS = ("max_total_tokens", "max_cost_cents", "max_wall_time", "stall_timeout")
DURATION_FIELDS = ("max_wall_time", "stall_timeout")

register(
    CodeInfo(
        "DIP145",
        Severity.WARNING,
        "Negative run budget",
        "A run budget in `defaults` (`max_total_tokens`, `max_cost_cents`, `max_wall_time`, "
        "`stall_timeout`) is negative. Budgets are ceilings; `0` or leaving the field out means "
        "no limit, and a negative ceiling has no meaning.",
        "  defaults\n    max_cost_cents: -500",
        "  defaults\n    max_cost_cents: 500",
        "Use a positive ceiling, or remove the field for no limit.",
        origin="ext",
    ),
    CodeInfo(
        "DIP148",
        Severity.WARNING,
        "Negative last_response_truncate",
        "`last_response_truncate` caps, in characters, the previous response injected into an "
        "agent's prompt. On an agent `0` (or leaving it out) means no truncation; on a parallel "
        "branch override `0` inherits the agent's cap. A negative cap has no meaning.",
        "  agent Review\n    last_response_truncate: -1",
        "  agent Review\n    last_response_truncate: 4000",
        "Use a positive character count, or remove the field.",
        origin="ext",
    ),
)


@rule(645, "DIP145")
def negative_budgets(ctx: LintContext) -> None:
    defaults = ctx.workflow.defaults
    for name in BUDGET_FIELDS:
        value = getattr(defaults, name)
        src = defaults.fields.get(name)
        if value >= 0 or src is None:
            continue
        shown = format_duration(value) if name in DURATION_FIELDS else str(value)
        ctx.report(
            "DIP145",
            f"defaults {name} is {shown}; budgets cannot be negative (0 means no limit)",
            src.value_range,
            help="use a positive ceiling, or remove the field for no limit",
        )


@rule(648, "DIP148")
def negative_truncation(ctx: LintContext) -> None:
    for node in ctx.workflow.nodes:
        if isinstance(node, AgentNode):
            targets = [(f'agent "{node.id}"', node.last_response_truncate, node.fields)]
        elif isinstance(node, ParallelNode):
            targets = [
                (f'branch "{b.target}" of parallel "{node.id}"', b.last_response_truncate, b.fields) for b in node.branches
            ]
        else:
            continue
        for label, value, fields in targets:
            src = fields.get("last_response_truncate")
            if value < 0 and src is not None:
                ctx.report(
                    "DIP148",
                    f"{label} has last_response_truncate {value}; the cap cannot be negative",
                    src.value_range,
                    help="use a positive character count, or remove the field",
                )
