"""Coverage analysis (spec §6.6): which tool outputs have edges, which nodes are
reachable, and whether every reachable node can still get to the exit.

Used by the doctor grade (:mod:`.grade`). A tool's possible outputs are its declared
``outputs:``, or else the literal values its command prints (:func:`shell.printed_values`);
an output is covered when some outgoing condition compares with it or the tool has an
unconditional fallback edge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from tracker.dippin.conditions import comparisons
from tracker.dippin.graph import Graph
from tracker.dippin.ir import ToolNode, Workflow
from tracker.dippin.lint.shell import printed_values

Status = Literal["covered", "partial", "unknown", "no_conditions"]


@dataclass
class ToolCoverage:
    node_id: str
    status: Status
    edge_conditions: list[str]
    has_fallback: bool
    declared_outputs: list[str] = field(default_factory=list)
    extracted_outputs: list[str] = field(default_factory=list)
    missing_edges: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"node_id": self.node_id, "status": self.status}
        if self.declared_outputs:
            out["declared_outputs"] = self.declared_outputs
        if self.extracted_outputs:
            out["extracted_outputs"] = self.extracted_outputs
        out["edge_conditions"] = self.edge_conditions
        if self.missing_edges:
            out["missing_edges"] = self.missing_edges
        out["has_fallback"] = self.has_fallback
        return out


@dataclass
class Coverage:
    tools: dict[str, ToolCoverage]
    total_nodes: int
    reachable_nodes: int
    unreachable_nodes: list[str]
    sink_nodes: list[str]

    @property
    def all_paths_terminate(self) -> bool:
        return not self.sink_nodes

    @property
    def partial_tools(self) -> list[str]:
        return [t.node_id for t in self.tools.values() if t.status == "partial"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "nodes": {k: v.to_dict() for k, v in self.tools.items()},
            "reachability": {
                "total_nodes": self.total_nodes,
                "reachable_nodes": self.reachable_nodes,
                "unreachable_nodes": self.unreachable_nodes,
            },
            "termination": {"all_paths_terminate": self.all_paths_terminate, "sink_nodes": self.sink_nodes},
        }


def tool_coverage(node: ToolNode, graph: Graph) -> ToolCoverage:
    conditions: list[str] = []
    has_fallback = False
    for ge in graph.out(node.id):
        cond = ge.edge.condition if ge.edge is not None else None
        if cond is None:
            has_fallback = True
        elif cond.expr is not None and cond.error is None:
            conditions.extend(c.value for c in comparisons(cond.expr))
    extracted = [] if node.outputs else printed_values(node.command)
    outputs = node.outputs or extracted
    missing = [o for o in outputs if o not in conditions]
    status: Status
    if not conditions:
        status = "no_conditions"
    elif not extracted:
        status = "unknown"  # also when outputs are declared, like the reference
    elif not missing or has_fallback:
        status = "covered"
    else:
        status = "partial"
    return ToolCoverage(
        node_id=node.id,
        status=status,
        edge_conditions=conditions,
        has_fallback=has_fallback,
        declared_outputs=list(node.outputs),
        extracted_outputs=extracted,
        missing_edges=missing,
    )


def analyze(workflow: Workflow, graph: Graph | None = None) -> Coverage:
    """Tool coverage, reachability from start and termination at exit."""
    graph = graph or Graph.build(workflow)
    tools = {
        n.id: tool_coverage(n, graph) for n in workflow.nodes if isinstance(n, ToolNode)
    }
    reached = graph.reachable(workflow.start, restart=True)
    declared = list(dict.fromkeys(n.id for n in workflow.nodes))
    unreachable = sorted(n for n in declared if n not in reached)
    reaches_exit = graph.reaching(workflow.exit, restart=True)
    sinks = sorted(n for n in reached if n not in reaches_exit)
    return Coverage(
        tools=tools,
        total_nodes=len(workflow.nodes),
        reachable_nodes=len(reached),
        unreachable_nodes=unreachable,
        sink_nodes=sinks,
    )
