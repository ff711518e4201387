"""Checks the tracker runtime adds when it loads a workflow (TRK101–TRK107).

TRK101 and TRK102 are tracker's coded checks (dippin-language.md §6.5); TRK103–TRK105 and
TRK107 give codes to tracker's uncoded load-time validations and to runtime behaviour a
workflow can be checked against (engine.md §1.3.5, §3.8). The codes in between are not
used: tracker's dialect handling has no constraint on ``choice:``, ``override:``, ``on``
or ``loop`` to check, so there is no TRK106.
"""

from __future__ import annotations

from collections import deque

from tracker.dippin.diagnostics import Fix, Related, Severity, TextEdit
from tracker.dippin.ir import ConditionalNode, Edge, HumanNode, ToolNode
from tracker.dippin.lint import LintContext, rule
from tracker.dippin.lint.catalog import CodeInfo, register
from tracker.dippin.lint.ext_text import with_leading_space
from tracker.dippin.positions import Range

SAFE_COMMAND_KEYS = ("outcome", "preferred_label", "human_response", "interview_answers")
OVERRIDE_LABELS = ("accept", "mark done", "approve")

register(
    CodeInfo(
        "TRK101",
        Severity.WARNING,
        "Tool routes on truncated output",
        "A tool node routes on `ctx.tool_stdout` with exactly one conditional edge plus an "
        "unconditional fallback, sets neither `marker_grep` nor `output_limit`, no edge tests "
        "`ctx.outcome`, and its command produces unbounded output (`2>&1` or `tee`). The runtime "
        "keeps only the last `output_limit` bytes (64 KiB by default) of stdout, so when the "
        "output is long the marker the condition looks for can be cut off and the run silently "
        "takes the fallback edge.",
        "  tool Test\n    command: make test 2>&1 | tee log; echo tests-pass\n  edges\n"
        "    Test -> Ship  when ctx.tool_stdout contains tests-pass\n    Test -> Fix",
        '  tool Test\n    command: make test 2>&1 | tee log; echo tests-pass\n    marker_grep: "^(tests-pass)$"\n'
        "  edges\n    Test -> Ship  when ctx.tool_marker = tests-pass\n    Test -> Fix",
        "Declare marker_grep and route on ctx.tool_marker; or raise output_limit; or split the noisy "
        "work and the final printf into two tool nodes; or give every expected marker its own edge.",
        origin="tracker",
    ),
    CodeInfo(
        "TRK102",
        Severity.WARNING,
        "Accepting edge without override",
        "A human gate that is reached after a failure (an incoming edge tests `outcome = fail`, "
        "or the gate is a `fallback_target` or `defaults on_failure`) has an edge labelled "
        "`accept`, `approve` or `mark done` that leads to the exit without another human gate, "
        "but the edge is not marked `override: true`. Taking it finishes the run as a plain "
        "success, hiding that a person accepted a failed result; with `override: true` the run "
        "ends `validation_overridden` and the acceptance is audited.",
        '    Escalate -> Cleanup  label: "accept"',
        '    Escalate -> Cleanup  label: "accept"  override: true',
        "Add `override: true` to the edge.",
        origin="tracker",
    ),
    CodeInfo(
        "TRK103",
        Severity.WARNING,
        "Conditional node has no fail edge",
        "A `conditional` node has no outgoing condition mentioning `fail` (or `!= success`). "
        "Tracker warns about this when it loads the workflow: a routing node is expected to "
        "send failures somewhere explicit.",
        "    Route -> Ship  when ctx.verdict = ok\n    Route -> Done",
        "    Route -> Ship  when ctx.verdict = ok\n    Route -> Fix   when ctx.verdict = fail\n    Route -> Done",
        "Add an edge whose condition handles the failing case.",
        origin="tracker",
    ),
    CodeInfo(
        "TRK104",
        Severity.WARNING,
        "Conditional node labels only some edges",
        "Some but not all outgoing edges of a `conditional` node have a `label:`. Tracker warns "
        "about the inconsistency when it loads the workflow: labels show up in run views and "
        "graphs, and a missing one usually means a forgotten or copied edge.",
        '    Route -> A  when ctx.x = 1  label: "one"\n    Route -> B',
        '    Route -> A  when ctx.x = 1  label: "one"\n    Route -> B  label: "other"',
        "Label every outgoing edge of the node, or none.",
        origin="tracker",
    ),
    CodeInfo(
        "TRK105",
        Severity.WARNING,
        "override on an edge that does not leave a human gate",
        "`override: true` records a person accepting a failed result, so the runtime only "
        "honours it on edges leaving a `human` node. On any other edge it is ignored.",
        "    Check -> Done  override: true",
        "    Check -> Done",
        "Remove `override: true`, or move it to the edge leaving the human gate.",
        origin="tracker",
    ),
    CodeInfo(
        "TRK107",
        Severity.WARNING,
        "Unsafe context key in a tool command",
        "A tool command interpolates `${ctx.<key>}` for a key other than `outcome`, "
        "`preferred_label`, `human_response` or `interview_answers`. To keep model output out of "
        "the shell, the runtime refuses to expand any other context key in a command: when the "
        "key is set, the tool node fails with an unsafe-variable error (when it is not set it "
        "expands to nothing). `${params.*}` and `${graph.*}` are allowed.",
        "  tool Deploy\n    command: deploy --version ${ctx.version}",
        "  tool Deploy\n    command: deploy --version \"$(cat version.txt)\"   # written by the previous step",
        "Have the producing step write the value to a file the command reads, or use a params variable.",
        origin="tracker",
    ),
)


def _condition_text(edge: Edge) -> str:
    return edge.condition.raw if edge.condition is not None else ""


# ---------------------------------------------------------------------------- TRK101


@rule(901, "TRK101")
def stdout_routing_truncation(ctx: LintContext) -> None:
    for node in ctx.workflow.nodes:
        if not isinstance(node, ToolNode) or node.marker_grep.strip() or node.output_limit:
            continue
        edges = [e for e in ctx.workflow.edges if e.source == node.id]
        stdout_edges = [e for e in edges if "ctx.tool_stdout" in _condition_text(e) or "context.tool_stdout" in _condition_text(e)]
        if len(stdout_edges) != 1:
            continue
        if any("ctx.outcome" in _condition_text(e) or "context.outcome" in _condition_text(e) for e in edges):
            continue
        if not any(e.condition is None for e in edges):
            continue
        if "2>&1" not in node.command and "tee" not in node.command.split():
            continue
        ctx.report(
            "TRK101",
            f'tool "{node.id}" routes on ctx.tool_stdout with one conditional edge and an unconditional fallback, '
            "and its command emits unbounded output; if the output is truncated the marker is lost and the run "
            "silently takes the fallback",
            node.id_range,
            help="declare marker_grep and route on ctx.tool_marker, raise output_limit, split the noisy work from "
            "the routing printf into two tool nodes, or give every expected marker its own edge",
            related=[Related(message="the routing edge", range=stdout_edges[0].range, file=ctx.path)],
        )


# ---------------------------------------------------------------------------- TRK102


def _exit_reachable_without_gates(ctx: LintContext, start: str) -> bool:
    wf = ctx.workflow
    if start == wf.exit:
        return True
    seen = {start}
    queue = deque([start])
    while queue:
        current = queue.popleft()
        for target in ctx.graph.successors(current):
            if target in seen:
                continue
            if target == wf.exit:
                return True
            seen.add(target)
            if not isinstance(wf.node(target), HumanNode):
                queue.append(target)
    return False


def _reached_after_failure(ctx: LintContext, gate: str) -> bool:
    wf = ctx.workflow
    if wf.defaults.on_failure.strip() == gate:
        return True
    if any(node.fallback_target.strip() == gate for node in wf.nodes):
        return True
    for edge in wf.edges:
        if edge.target == gate and "outcome=fail" in "".join(_condition_text(edge).split()).lower():
            return True
    return False


def insertion_point(edge: Edge) -> Range:
    """An empty range after the last token of an edge line (before any trailing comment)."""
    return Range(edge.range.end, edge.range.end)


@rule(902, "TRK102")
def accept_without_override(ctx: LintContext) -> None:
    wf = ctx.workflow
    for edge in wf.edges:
        if edge.override or edge.label.strip().lower() not in OVERRIDE_LABELS:
            continue
        if not isinstance(wf.node(edge.source), HumanNode) or isinstance(wf.node(edge.target), HumanNode):
            continue
        if not _exit_reachable_without_gates(ctx, edge.target) or not _reached_after_failure(ctx, edge.source):
            continue
        ctx.report(
            "TRK102",
            f'edge {edge.source} -> {edge.target} ("{edge.label}") accepts a failed result but is not marked '
            "override: true; the run would end as a plain success",
            edge.attr_ranges.get("label", edge.range),
            help="add `override: true` so the run ends validation_overridden and the acceptance is recorded",
            fix=Fix(title="Add override: true", edits=[TextEdit(range=insertion_point(edge), new_text="  override: true")]),
        )


# ---------------------------------------------------------------------------- TRK103 / TRK104


@rule(903, "TRK103", "TRK104")
def conditional_nodes(ctx: LintContext) -> None:
    wf = ctx.workflow
    for node in wf.nodes:
        if not isinstance(node, ConditionalNode):
            continue
        edges = [e for e in wf.edges if e.source == node.id]
        if not edges:
            continue
        texts = [_condition_text(e) for e in edges]
        if not any("fail" in t or "!=success" in "".join(t.split()) for t in texts):
            ctx.report(
                "TRK103",
                f'conditional node "{node.id}" has no fail edge',
                node.id_range,
                help="add an edge whose condition handles the failing case (e.g. `when ctx.verdict = fail`)",
            )
        labeled = sum(1 for e in edges if e.label)
        if len(edges) >= 2 and 0 < labeled < len(edges):
            ctx.report(
                "TRK104",
                f'conditional node "{node.id}" has inconsistent edge label usage ({labeled}/{len(edges)} labeled)',
                node.id_range,
                help="label every outgoing edge of the node, or none",
                related=[Related(message="unlabeled edge", range=e.range, file=ctx.path) for e in edges if not e.label],
            )


# ---------------------------------------------------------------------------- TRK105


@rule(905, "TRK105")
def override_outside_gates(ctx: LintContext) -> None:
    wf = ctx.workflow
    for edge in wf.edges:
        rng = edge.attr_ranges.get("override")
        source = wf.node(edge.source)
        if not edge.override or rng is None or source is None or isinstance(source, HumanNode):
            continue
        ctx.report(
            "TRK105",
            f'edge {edge.source} -> {edge.target} sets override: true, but "{edge.source}" is a {source.kind} node; '
            "the runtime only honours override on edges leaving a human gate",
            rng,
            help="remove override: true, or put it on the edge leaving the human gate that accepts the result",
            fix=Fix(title="Remove override: true", edits=[TextEdit(range=with_leading_space(ctx, rng), new_text="")]),
            unnecessary=True,
        )


# ---------------------------------------------------------------------------- TRK107


@rule(907, "TRK107")
def unsafe_command_keys(ctx: LintContext) -> None:
    for node in ctx.workflow.nodes:
        if not isinstance(node, ToolNode):
            continue
        for ref in node.references:
            if ref.field != "command" or ref.namespace != "ctx" or ref.key in SAFE_COMMAND_KEYS:
                continue
            ctx.report(
                "TRK107",
                f'tool "{node.id}" interpolates ${{ctx.{ref.key}}} into its command; the runtime refuses to run the '
                f'command when "{ref.key}" is set',
                ref.range,
                help="only ctx.outcome, ctx.preferred_label, ctx.human_response and ctx.interview_answers may be "
                "expanded in commands; have the producing step write the value to a file the command reads",
            )
