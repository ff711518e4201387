"""Requirement-spec rules: a workflow ``spec:`` and the ``satisfies`` / ``verify_acid`` lists
of acceptance-criterion IDs (ACIDs) that point into it (DIP801–DIP806).

These are the reference snapshot's DIP139–DIP144, renumbered because upstream later used
those numbers for other rules. An ACID is ``<feature>.<SECTION>[.<SECTION>...].<item>``
where the item is a number, a range ``1-3``, ``*`` or ``[1-3]``: ``feat.AUTH.1``,
``feat.AUTH.1-2``, ``feat.AUTH.*``, ``feat.AUTH.[1-3]``.
"""

from __future__ import annotations

import re

from tracker.dippin.diagnostics import Related, Severity
from tracker.dippin.ir import NodeBase, ToolNode
from tracker.dippin.lint import LintContext, rule
from tracker.dippin.lint.catalog import CodeInfo, register
from tracker.dippin.lint.ext_text import list_item_ranges
from tracker.dippin.positions import Range

ACID = re.compile(r"[a-z][a-z0-9_-]*(\.[A-Z][A-Z0-9_]*)+\.([0-9]+(-[0-9]+)?|\*|\[[0-9]+-[0-9]+\])\Z")

_ACID_HELP = "an ACID looks like feat.AUTH.1, feat.AUTH.1-2, feat.AUTH.* or feat.AUTH.[1-3]"

register(
    CodeInfo(
        "DIP801",
        Severity.ERROR,
        "Malformed ACID in satisfies",
        "An entry of a node's `satisfies` list is not an acceptance-criterion ID. An ACID is a "
        "lower-case feature name, one or more upper-case section names and an item, separated "
        "by dots; the item is a number, a range `1-3`, `*`, or `[1-3]`. Malformed IDs cannot be "
        "matched against the spec. (Reference snapshot code DIP139.)",
        "    satisfies: auth.1",
        "    satisfies: feat.AUTH.1",
        "Write the ID in the form feat.SECTION.1.",
        origin="tracker-py",
    ),
    CodeInfo(
        "DIP802",
        Severity.WARNING,
        "satisfies without a spec",
        "A node declares `satisfies` but the workflow has no `spec:` header, so there is nothing "
        "the IDs can refer to. (Reference snapshot code DIP140.)",
        "workflow W\n  start: A\n  exit: A\n  agent A\n    satisfies: feat.AUTH.1",
        "workflow W\n  spec: superspec SPEC.md\n  start: A\n  exit: A\n  agent A\n    satisfies: feat.AUTH.1",
        "Add `spec: <loader> <path>` to the header, or remove satisfies.",
        origin="tracker-py",
    ),
    CodeInfo(
        "DIP803",
        Severity.WARNING,
        "spec without satisfies",
        "The workflow attaches a requirement spec with `spec:` but no node says which "
        "requirements it satisfies, so coverage of the spec cannot be traced. (Reference "
        "snapshot code DIP141.)",
        "workflow W\n  spec: superspec SPEC.md\n  start: Build\n  exit: Build\n  agent Build\n    label: Build",
        "workflow W\n  spec: superspec SPEC.md\n  start: Build\n  exit: Build\n  agent Build\n    satisfies: feat.AUTH.*",
        "Add satisfies to the nodes that implement the spec, or remove spec.",
        origin="tracker-py",
    ),
    CodeInfo(
        "DIP804",
        Severity.WARNING,
        "Duplicate ACID",
        "The same ACID appears twice in `satisfies` lists (on one node or on two). Each "
        "requirement should be claimed once; split it into sub-requirements if two nodes share "
        "it. (Reference snapshot code DIP142.)",
        "  agent A\n    satisfies: feat.AUTH.1\n  agent B\n    satisfies: feat.AUTH.1",
        "  agent A\n    satisfies: feat.AUTH.1\n  agent B\n    satisfies: feat.AUTH.2",
        "Remove the duplicate, or split the requirement.",
        origin="tracker-py",
    ),
    CodeInfo(
        "DIP805",
        Severity.ERROR,
        "Malformed ACID in verify_acid",
        "An entry of a tool's `verify_acid` list is not an acceptance-criterion ID (same form as "
        "in `satisfies`), so the runtime cannot verify it. (Reference snapshot code DIP143.)",
        "    verify_acid: AUTH-1",
        "    verify_acid: feat.AUTH.1",
        "Write the ID in the form feat.SECTION.1.",
        origin="tracker-py",
    ),
    CodeInfo(
        "DIP806",
        Severity.WARNING,
        "verify_acid without a spec",
        "A tool declares `verify_acid` but the workflow has no `spec:` header to verify against. "
        "(Reference snapshot code DIP144.)",
        "workflow W\n  start: Verify\n  exit: Verify\n  tool Verify\n    command: make verify\n    verify_acid: feat.AUTH.1",
        "workflow W\n  spec: superspec SPEC.md\n  start: Verify\n  exit: Verify\n  tool Verify\n    command: make verify\n"
        "    satisfies: feat.AUTH.1\n    verify_acid: feat.AUTH.1",
        "Add `spec: <loader> <path>` to the header, or remove verify_acid.",
        origin="tracker-py",
    ),
)


def is_acid(text: str) -> bool:
    """True when ``text`` is a well-formed acceptance-criterion ID."""
    return ACID.match(text) is not None


class _Items:
    """The entries of one list field, with their ranges computed on first use."""

    def __init__(self, ctx: LintContext, node: NodeBase, name: str, values: list[str]) -> None:
        self.ctx = ctx
        self.src = node.fields.get(name)
        self.values = values if self.src is not None else []
        self._ranges: list[Range] | None = None

    def range(self, index: int) -> Range:
        assert self.src is not None
        if self._ranges is None:
            self._ranges = list_item_ranges(self.ctx, self.src, self.values)
        return self._ranges[index]


@rule(801, "DIP801", "DIP804")
def satisfies_ids(ctx: LintContext) -> None:
    first: dict[str, tuple[str, _Items, int]] = {}
    for node in ctx.workflow.nodes:
        items = _Items(ctx, node, "satisfies", node.satisfies)
        for index, acid in enumerate(items.values):
            if not is_acid(acid):
                ctx.report("DIP801", f'malformed ACID "{acid}" in satisfies of node "{node.id}"', items.range(index), help=_ACID_HELP)
                continue
            if acid not in first:
                first[acid] = (node.id, items, index)
                continue
            owner, first_items, first_index = first[acid]
            also = "earlier on this node" if owner == node.id else f'on node "{owner}"'
            ctx.report(
                "DIP804",
                f'duplicate ACID "{acid}" on node "{node.id}" (also {also})',
                items.range(index),
                help="claim each requirement once, or split it into sub-requirements",
                related=[Related(message="first claimed here", range=first_items.range(first_index), file=ctx.path)],
            )


@rule(802, "DIP802", "DIP806")
def ids_without_spec(ctx: LintContext) -> None:
    if ctx.workflow.spec is not None or "spec" in ctx.workflow.fields:
        return
    for node in ctx.workflow.nodes:
        if node.satisfies and "satisfies" in node.fields:
            ctx.report(
                "DIP802",
                f'node "{node.id}" declares satisfies but the workflow has no spec',
                node.fields["satisfies"].key_range,
                help="add `spec: <loader> <path>` to the workflow header, or remove satisfies",
            )
        if isinstance(node, ToolNode) and node.verify_acid and "verify_acid" in node.fields:
            ctx.report(
                "DIP806",
                f'tool "{node.id}" declares verify_acid but the workflow has no spec',
                node.fields["verify_acid"].key_range,
                help="add `spec: <loader> <path>` to the workflow header, or remove verify_acid",
            )


@rule(803, "DIP803")
def spec_without_satisfies(ctx: LintContext) -> None:
    wf = ctx.workflow
    src = wf.fields.get("spec")
    if wf.spec is None or src is None:
        return
    if any(node.satisfies for node in wf.nodes):
        return
    ctx.report(
        "DIP803",
        "the workflow declares a spec but no node has satisfies",
        src.range,
        help="add satisfies: <ACID> to the nodes that implement the spec, or remove spec",
    )


@rule(805, "DIP805")
def verify_acid_ids(ctx: LintContext) -> None:
    for node in ctx.workflow.nodes:
        if not isinstance(node, ToolNode):
            continue
        items = _Items(ctx, node, "verify_acid", node.verify_acid)
        for index, acid in enumerate(items.values):
            if not is_acid(acid):
                ctx.report(
                    "DIP805", f'malformed ACID "{acid}" in verify_acid of tool "{node.id}"', items.range(index), help=_ACID_HELP
                )
