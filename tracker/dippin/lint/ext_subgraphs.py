"""Cross-file rules over the workflows ``subgraph`` and ``manager_loop`` nodes run: a child
that cannot be loaded (DIP143), a problem further down the reference tree (DIP146), the
same child run twice by one ``parallel`` (DIP149) and unbound required child inputs
(DIP160).

Children are resolved and read by :mod:`tracker.dippin.lint.crossfile`, the way the
runtime resolves them. A missing direct child is left to DIP126 (subgraph) and DIP135
(manager_loop), which report it in the file itself; these rules report what those cannot
see.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from tracker.dippin.diagnostics import Diagnostic, Related, Severity
from tracker.dippin.ir import ManagerLoopNode, ParallelNode, SubgraphNode
from tracker.dippin.lint import LintContext, rule
from tracker.dippin.lint.catalog import CodeInfo, register
from tracker.dippin.lint.crossfile import (
    ChildRef,
    LoadedChild,
    SubgraphLoader,
    WalkStep,
    child_refs,
    loader_for,
    normalize,
)
from tracker.dippin.lint.ext_inputs import VALUE_TYPES

MAX_RELATED_ERRORS = 3

register(
    CodeInfo(
        "DIP143",
        Severity.WARNING,
        "Referenced workflow does not load",
        "A `subgraph` (`ref`) or `manager_loop` (`subgraph_ref`) names a workflow file the "
        "runtime cannot load, so the run stops when the node starts (tracker loads every "
        "referenced file before the run and refuses a broken one). Reported when the file "
        "exists but has syntax errors or structural errors (DIP001–DIP009, e.g. no start node), "
        "when the node refers to its own file (a reference cycle), and when a `subgraph` has no "
        "`ref` at all. A file that does not exist is DIP126/DIP135. The related locations point "
        "into the child file.",
        "  subgraph Review\n    ref: review.dip      # review.dip has no `start:`",
        "  subgraph Review\n    ref: review.dip      # review.dip declares start and exit",
        "Open the referenced file and fix the errors listed with the diagnostic.",
        origin="ext",
    ),
    CodeInfo(
        "DIP146",
        Severity.WARNING,
        "Problem further down the subgraph tree",
        "A referenced workflow loads, but a file it runs, directly or through further "
        "subgraphs, does not: it is missing, has syntax or structural errors, has a `subgraph` "
        "without `ref`, or closes a reference cycle (A runs B, B runs A), which the runtime "
        "refuses. Reported at the reference in this file that leads there, with the chain of "
        "files; the related location is the reference in the file where the problem is.",
        "  subgraph Phase\n    ref: phase.dip       # phase.dip runs missing.dip",
        "  subgraph Phase\n    ref: phase.dip       # every file phase.dip runs loads",
        "Fix the reference or the file named in the message.",
        origin="ext",
    ),
    CodeInfo(
        "DIP149",
        Severity.WARNING,
        "Same workflow in two parallel branches",
        "A `parallel` runs two `subgraph` (or `manager_loop`) branches that execute the same "
        "workflow file. Each branch returns the child's whole context, and the fan-in merges "
        "successful branches in order with later values winning, so every key the two copies "
        "both write keeps only the last branch's value; per-branch `node.<id>.*` copies are not "
        "kept in the parent either. Make sure nothing after the join needs one branch's own "
        "results, or have each branch write them under its own keys.",
        "  parallel Streams -> A, B      # A and B both ref stream.dip",
        "  parallel Streams -> A, B      # A writes stream_a_*, B writes stream_b_*",
        "Give each branch its own output keys, or run the copies one after the other.",
        origin="ext",
    ),
    CodeInfo(
        "DIP160",
        Severity.ERROR,
        "Required child input not bound",
        "A `subgraph` node runs a workflow that declares a required `text`, `number`, `bool` or "
        "`enum` input without a default, and the node's `params:` (spelled `inputs:` in dialect "
        "2) does not bind it. The runtime validates the child's inputs against those bindings "
        "when the node starts and stops the run on a missing required input.",
        "  subgraph Interview\n    ref: interview.dip   # declares `topic: text, required: true`",
        "  subgraph Interview\n    ref: interview.dip\n    params:\n      topic: ${params.topic}",
        "Bind the input under `params:`, or give it a default in the child.",
        origin="ext",
    ),
)


def _what(ref: ChildRef) -> str:
    return f'{ref.kind} "{ref.node.id}"'


def _short(path: Path | None, base: Path | None) -> str:
    if path is None:
        return "?"
    if base is not None:
        try:
            return str(path.relative_to(base))
        except ValueError:
            pass
    return path.name


def _error_summary(errors: list[Diagnostic]) -> str:
    first = errors[0]
    where = f"line {first.range.start.line + 1}: {first.message}"
    return where if len(errors) == 1 else f"{len(errors)} errors, the first at {where}"


def _error_related(errors: list[Diagnostic], path: Path | None) -> list[Related]:
    return [Related(message=d.message, range=d.range, file=str(path) if path else None) for d in errors[:MAX_RELATED_ERRORS]]


def _root(ctx: LintContext) -> Path | None:
    return normalize(ctx.path) if ctx.path else None


def _entry_children(ctx: LintContext) -> Iterator[tuple[ChildRef, LoadedChild]]:
    """Direct references of the linted file that resolve to an existing file."""
    loader = loader_for(ctx)
    for ref in child_refs(ctx.workflow):
        if not ref.ref:
            continue
        child = loader.load(ref.ref, ctx.path)
        if child.path is not None:
            yield ref, child


# ---------------------------------------------------------------------------- DIP143


@rule(743, "DIP143")
def broken_children(ctx: LintContext) -> None:
    loader = loader_for(ctx)
    root = _root(ctx)
    for ref in child_refs(ctx.workflow):
        if not ref.ref and isinstance(ref.node, SubgraphNode):
            ctx.report(
                "DIP143",
                f"{_what(ref)} has no ref; the runtime cannot run it",
                ref.range,
                help="set ref: to the path of the workflow file to run, relative to this file",
            )
    for ref, child in _entry_children(ctx):
        if root is not None and child.path == root:
            ctx.report(
                "DIP143",
                f'{_what(ref)} runs "{ref.ref}", the file it is declared in; the runtime refuses reference cycles',
                ref.range,
                help="a workflow cannot run itself; loop with a restart edge instead",
            )
            continue
        errors = loader.errors(child)
        if errors:
            ctx.report(
                "DIP143",
                f'{_what(ref)} runs "{ref.ref}", which does not load: {_error_summary(errors)}',
                ref.range,
                help=f"resolved path: {child.path}",
                related=_error_related(errors, child.path),
            )


# ---------------------------------------------------------------------------- DIP146


def _step_problem(step: WalkStep, loader: SubgraphLoader, base: Path | None) -> tuple[str, list[Related]] | None:
    here = step.chain[-1] if step.chain else None
    at = [Related(message=f"referenced here ({_what(step.ref)})", range=step.ref.range, file=str(here) if here else None)]
    name = _short(here, base)
    if step.child is None:
        if isinstance(step.ref.node, SubgraphNode):
            return f'{name}: {_what(step.ref)} has no ref', at
        return f"{name}: {_what(step.ref)} has no subgraph_ref", at
    child = step.child
    if child.path is None:
        return f'{name}: {_what(step.ref)} runs "{step.ref.ref}", which does not exist', at
    if step.cycle:
        cycle = [*step.chain[step.chain.index(child.path) :], child.path]
        names = " → ".join(_short(p, base) for p in cycle)
        return f"{name}: {_what(step.ref)} closes the reference cycle {names}, which the runtime refuses to load", at
    errors = loader.errors(child)
    if errors:
        return (
            f'{name}: {_what(step.ref)} runs "{step.ref.ref}", which does not load: {_error_summary(errors)}',
            at + _error_related(errors, child.path),
        )
    return None


@rule(746, "DIP146")
def broken_descendants(ctx: LintContext) -> None:
    loader = loader_for(ctx)
    root = _root(ctx)
    ancestors = (root,) if root is not None else ()
    for ref, child in _entry_children(ctx):
        if child.workflow is None or child.path == root or loader.errors(child):
            continue  # DIP143 reports these
        base = child.path.parent if child.path is not None else None
        seen: set[str] = set()
        for step in loader.walk(child.workflow, child.path, ancestors=ancestors):
            found = _step_problem(step, loader, base)
            if found is None or found[0] in seen:
                continue
            seen.add(found[0])
            message, related = found
            ctx.report(
                "DIP146",
                f'{_what(ref)} runs "{ref.ref}", but {message}',
                ref.range,
                help="fix the reference or the file named in the message; the runtime loads the whole tree before running",
                related=related,
            )


# ---------------------------------------------------------------------------- DIP149


@rule(749, "DIP149")
def same_child_in_parallel(ctx: LintContext) -> None:
    loader = loader_for(ctx)
    wf = ctx.workflow
    for node in wf.nodes:
        if not isinstance(node, ParallelNode):
            continue
        first: dict[str, tuple[str, int]] = {}
        for index, target_id in enumerate(node.targets):
            target = wf.node(target_id)
            if isinstance(target, SubgraphNode):
                ref = target.ref.strip()
            elif isinstance(target, ManagerLoopNode):
                ref = target.subgraph_ref.strip()
            else:
                continue
            if not ref:
                continue
            child = loader.load(ref, ctx.path)
            key = str(child.path) if child.path is not None else ref
            if key not in first:
                first[key] = (target_id, index)
                continue
            other_id, other_index = first[key]
            if other_id == target_id:
                continue
            rng = node.target_ranges[index] if index < len(node.target_ranges) else node.id_range
            other_rng = node.target_ranges[other_index] if other_index < len(node.target_ranges) else node.id_range
            ctx.report(
                "DIP149",
                f'parallel "{node.id}" runs "{ref}" in two branches ("{other_id}" and "{target_id}"); '
                "the fan-in keeps only one branch's value for every context key both copies write",
                rng,
                help="make sure nothing after the join needs one branch's own results, or have each branch write its own keys",
                related=[Related(message=f'"{other_id}" runs the same file', range=other_rng, file=ctx.path)],
            )


# ---------------------------------------------------------------------------- DIP160


@rule(760, "DIP160")
def unbound_child_inputs(ctx: LintContext) -> None:
    loader = loader_for(ctx)
    for ref, child in _entry_children(ctx):
        node = ref.node
        if not isinstance(node, SubgraphNode) or child.workflow is None or loader.errors(child):
            continue
        params = node.fields.get("params")
        rng = params.key_range if params is not None else ref.range
        for decl in child.workflow.inputs:
            if decl.type.strip() not in VALUE_TYPES or not decl.required or decl.default is not None:
                continue
            if decl.name in node.params:
                continue
            ctx.report(
                "DIP160",
                f'subgraph "{node.id}" does not bind required input "{decl.name}" of "{ref.ref}"; '
                "the runtime refuses to start the child without it",
                rng,
                help=f"add `{decl.name}: <value>` under params:, or give the input a default in the child",
                related=[Related(message=f'input "{decl.name}" declared here', range=decl.name_range, file=str(child.path))],
            )
