"""Context-key lint: prompt references and declared reads/writes (DIP106, DIP107, DIP112)."""

from __future__ import annotations

import re
from collections import deque

from tracker.dippin.diagnostics import Severity
from tracker.dippin.ir import AgentNode, FanInNode, ParallelNode
from tracker.dippin.lint import LintContext, rule
from tracker.dippin.lint.catalog import CodeInfo, register
from tracker.dippin.lint.semantic_support import (
    example,
    list_item_range,
    node_ids,
    replace,
    suggest,
    text_range,
)

_REFERENCE = re.compile(r"\$\{([^}]+)\}")
PROMPT_NAMESPACES = ("ctx", "graph", "params", "stack", "inputs")


def _reference_problem(ref: str, exists: set[str]) -> tuple[str, str] | None:
    """(help, node id named) for an invalid reference, None for a valid one."""
    bare = ref[4:] if ref.startswith("ctx.") else ref
    if bare.startswith("node."):
        parts = bare.split(".", 2)
        if len(parts) == 3 and parts[1] in exists:
            return None
        if len(parts) < 3 or not parts[1]:
            return "node-scoped refs must be in the form node.<id>.<key>", ""
        return f'node "{parts[1]}" does not exist in the workflow', parts[1]
    head, dot, _ = ref.partition(".")
    if dot and head in PROMPT_NAMESPACES:
        return None
    return f"use a namespaced variable like ${{ctx.{ref}}}, ${{graph.{ref}}}, or ${{params.{ref}}}", ""


@rule(106, "DIP106")
def prompt_references(ctx: LintContext) -> None:
    exists = set(node_ids(ctx))
    for node in ctx.workflow.nodes:
        if not isinstance(node, AgentNode) or "${" not in node.prompt:
            continue
        for m in _REFERENCE.finditer(node.prompt):
            ref = m.group(1)
            problem = _reference_problem(ref, exists)
            if problem is None:
                continue
            help_text, missing = problem
            rng = text_range(node, "prompt", "prompt_file", node.prompt, m.start(), m.end())
            fix = None
            guess = suggest(missing, node_ids(ctx)) if missing else None
            if guess and "prompt_file" not in node.fields:
                id_start = m.start(1) + ref.index("node.") + len("node.")
                id_range = text_range(node, "prompt", "", node.prompt, id_start, id_start + len(missing))
                fix = replace(f'Change to node "{guess}"', id_range, guess)
            ctx.report(
                "DIP106",
                f'node "{node.id}" references undefined variable ${{{ref}}}',
                rng,
                help=help_text,
                fix=fix,
            )


@rule(107, "DIP107")
def unread_writes(ctx: LintContext) -> None:
    read = {key for node in ctx.workflow.nodes for key in node.reads}
    for node in ctx.workflow.nodes:
        for key in node.writes:
            if key in read:
                continue
            ctx.report(
                "DIP107",
                f'node "{node.id}" writes context key "{key}" but no node declares it in reads',
                list_item_range(ctx, node.fields.get("writes"), key, node.field_range("writes")),
                help=f"add reads: {key} to a downstream node, or remove this write if unused",
            )


def _forward_adjacency(ctx: LintContext) -> dict[str, list[str]]:
    adj: dict[str, list[str]] = {}
    for e in ctx.workflow.edges:
        if not e.restart:
            adj.setdefault(e.source, []).append(e.target)
    for node in ctx.workflow.nodes:
        if isinstance(node, ParallelNode):
            adj.setdefault(node.id, []).extend(node.targets)
        elif isinstance(node, FanInNode):
            for s in node.sources:
                adj.setdefault(s, []).append(node.id)
    return adj


def _available_and_upstream(ctx: LintContext) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Keys written before each node runs, and the nodes strictly upstream of it
    (topological order over forward edges; nodes on a loop without a restart edge are
    never visited, like the reference)."""
    wf = ctx.workflow
    adj = _forward_adjacency(ctx)
    indegree: dict[str, int] = {n.id: 0 for n in wf.nodes}
    for targets in adj.values():
        for t in targets:
            indegree[t] = indegree.get(t, 0) + 1
    available: dict[str, set[str]] = {n.id: set() for n in wf.nodes}
    upstream: dict[str, set[str]] = {n.id: set() for n in wf.nodes}
    queue = deque(n.id for n in wf.nodes if indegree[n.id] == 0)
    while queue:
        current = queue.popleft()
        node = wf.node(current)
        mine = available.setdefault(current, set())
        if node is not None:
            mine.update(node.writes)
        above = upstream.setdefault(current, set())
        for succ in adj.get(current, ()):
            available.setdefault(succ, set()).update(mine)
            succ_up = upstream.setdefault(succ, set())
            succ_up.update(above)
            succ_up.add(current)
            indegree[succ] = indegree.get(succ, 0) - 1
            if indegree[succ] == 0:
                queue.append(succ)
    return available, upstream


@rule(112, "DIP112")
def reads_without_writes(ctx: LintContext) -> None:
    wf = ctx.workflow
    if not wf.start or wf.node(wf.start) is None:
        return
    if not any(node.reads for node in wf.nodes):
        return
    available, upstream = ctx.cached("dip112.flow", lambda: _available_and_upstream(ctx))
    for node in wf.nodes:
        for key in node.reads:
            if key in available.get(node.id, ()):
                continue
            parts = (key[4:] if key.startswith("ctx.") else key).split(".", 2)
            if len(parts) == 3 and parts[0] == "node":
                other = parts[1]
                if wf.node(other) is None:
                    message = f'node "{node.id}" reads "{key}" but node "{other}" does not exist in the workflow'
                elif other not in upstream.get(node.id, ()):
                    message = f'node "{node.id}" reads "{key}" but node "{other}" is not upstream'
                else:
                    continue
            else:
                message = f'node "{node.id}" reads context key "{key}" but no upstream node declares it in writes'
            ctx.report(
                "DIP112",
                message,
                list_item_range(ctx, node.fields.get("reads"), key, node.field_range("reads")),
                help=f"add writes: {key} to an upstream node, or the key may be auto-injected at runtime",
            )


_W = Severity.WARNING

register(
    CodeInfo(
        "DIP106", _W, "Undefined variable in a prompt",
        "An agent prompt contains `${...}` that the engine cannot resolve: interpolation needs a namespace "
        "(`ctx.`, `graph.`, `params.`, `stack.`, `inputs.`), and node-scoped keys need the form "
        "`node.<id>.<key>` with an existing node. Unresolved references expand to nothing at run time.",
        example("agent A\n  prompt: Plan.\nagent B\n  prompt: Summarise ${last_response}\n"),
        example("agent A\n  prompt: Plan.\nagent B\n  prompt: Summarise ${ctx.last_response}\n"),
        "Add the namespace (usually `ctx.`), or fix the node ID.",
        "core",
    ),
    CodeInfo(
        "DIP107", _W, "Written key never read",
        "A node declares a key in `writes:` that no node lists in `reads:`. On agents and tools the engine "
        "enforces `writes:` (the node fails when the key is missing from its output), so an unused key costs "
        "a failure mode for nothing.",
        example("agent A\n  writes: plan\n  prompt: Plan.\nagent B\n  prompt: Build.\n"),
        example("agent A\n  writes: plan\n  prompt: Plan.\nagent B\n  reads: plan\n  prompt: Build.\n"),
        "Declare the key in a consumer's `reads:`, or drop it from `writes:`.",
        "core",
    ),
    CodeInfo(
        "DIP112", _W, "Read key never written upstream",
        "A node reads a context key that no node before it (following forward edges) declares in `writes:`. "
        "For `node.<id>.<key>` reads, the named node must exist and run before the reader. Keys the engine "
        "provides itself (such as `last_response`) still need a `writes:` on their producer to satisfy this check.",
        example("agent A\n  prompt: Plan.\nagent B\n  reads: plan\n  prompt: Build.\n"),
        example("agent A\n  writes: plan\n  prompt: Plan.\nagent B\n  reads: plan\n  prompt: Build.\n"),
        "Declare the key in an upstream node's `writes:`.",
        "core",
    ),
)
