"""Human-gate lint: modes, defaults and labels of interview gates (DIP127–DIP129)."""

from __future__ import annotations

from tracker.dippin import fields as F
from tracker.dippin.diagnostics import Related, Severity
from tracker.dippin.ir import HumanNode
from tracker.dippin.lint import LintContext, rule
from tracker.dippin.lint.catalog import CodeInfo, register
from tracker.dippin.lint.semantic_support import (
    delete_field,
    example,
    explicit_out,
    value_fix,
    value_range_of,
)

_MODES = ", ".join(F.HUMAN_MODES)


@rule(127, "DIP127")
def human_modes(ctx: LintContext) -> None:
    for node in ctx.workflow.nodes:
        if isinstance(node, HumanNode) and node.mode and node.mode not in F.HUMAN_MODES:
            ctx.report(
                "DIP127",
                f'node "{node.id}" has mode "{node.mode}" which is not a recognized human mode',
                value_range_of(node, "mode", node.id_range),
                help=f"valid modes: {_MODES}",
                fix=value_fix(node.fields.get("mode"), node.mode, F.HUMAN_MODES),
            )


@rule(128, "DIP128")
def interview_default(ctx: LintContext) -> None:
    for node in ctx.workflow.nodes:
        if not isinstance(node, HumanNode) or node.mode != "interview" or not node.default:
            continue
        src = node.fields.get("default")
        ctx.report(
            "DIP128",
            f'node "{node.id}" is mode interview but has default "{node.default}" which is ignored',
            src.range if src is not None else node.id_range,
            help="default is only meaningful for choice mode; remove it",
            fix=delete_field("Remove `default`", src) if src is not None else None,
            unnecessary=True,
        )


@rule(129, "DIP129")
def interview_labels(ctx: LintContext) -> None:
    out = explicit_out(ctx)
    for node in ctx.workflow.nodes:
        if not isinstance(node, HumanNode) or node.mode != "interview":
            continue
        labeled = [e for e in out.get(node.id, []) if e.label]
        if len(labeled) <= 1:
            continue
        ctx.report(
            "DIP129",
            f'node "{node.id}" is mode interview but has {len(labeled)} labeled edges (interview does not route by label)',
            value_range_of(node, "mode", node.id_range),
            help="interview mode collects answers, not choices; use mode choice for label-based routing",
            related=[
                Related(message=f'labeled edge "{e.label}"', range=e.attr_ranges.get("label", e.range), file=ctx.path)
                for e in labeled
            ],
        )


_W = Severity.WARNING
_GATE = "agent A\n  prompt: Plan.\nhuman G\n{fields}agent B\n  prompt: Ship.\nagent C\n  prompt: Rework.\n"


def _gate(fields: str) -> str:
    return _GATE.format(fields=fields)


register(
    CodeInfo(
        "DIP127", _W, "Unknown human mode",
        "A human gate's `mode` must be one the engine knows: choice, freeform, interview, yes_no or hybrid. "
        "Any other word silently behaves like `choice`.",
        example(_gate("  mode: free-form\n"), ["A -> G", "G -> C", "C -> B"]),
        example(_gate("  mode: freeform\n"), ["A -> G", "G -> C", "C -> B"]),
        "Use one of the modes.",
        "core",
    ),
    CodeInfo(
        "DIP128", _W, "Default on an interview gate",
        "Interview gates collect answers to questions and never pick an edge by choice, so `default` has no effect.",
        example(_gate("  mode: interview\n  default: approve\n"), ["A -> G", "G -> C", "C -> B"]),
        example(_gate("  mode: interview\n"), ["A -> G", "G -> C", "C -> B"]),
        "Remove `default`.",
        "core",
    ),
    CodeInfo(
        "DIP129", _W, "Labeled edges from an interview gate",
        "An interview gate does not route by edge label, so several labeled edges leaving it suggest a `choice` "
        "gate was meant.",
        example(_gate("  mode: interview\n"), ["A -> G", "G -> B  label: approve", "G -> C  label: rework", "C -> B"]),
        example(_gate("  mode: choice\n"), ["A -> G", "G -> B  label: approve", "G -> C  label: rework", "C -> B"]),
        "Use `mode: choice`, or route on the answers with conditions.",
        "core",
    ),
)
