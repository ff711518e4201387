"""The workflow as a graph: explicit and implicit edges, adjacency and reachability.

Implicit edges are the ones the author does not write: ``P -> t`` for every target of a
parallel ``P`` and ``s -> J`` for every source of a fan-in ``J``. Shared by validation,
lint, analysis and the simulator so they agree on what "outgoing" means.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import field

from tracker.dippin.ir import Edge, FanInNode, ParallelNode, Workflow
from tracker.dippin.positions import ZERO_RANGE
from tracker.dippin.records import record


@record(kw_only=False, eq=True)
class GraphEdge:
    """An edge of the graph; ``edge`` is the written edge, or None when implicit."""

    source: str
    target: str
    edge: Edge | None = None
    kind: str = "explicit"  # explicit | parallel | fan_in

    @property
    def conditional(self) -> bool:
        return self.edge is not None and self.edge.condition is not None

    @property
    def restart(self) -> bool:
        return self.edge is not None and self.edge.restart


@record(kw_only=False, eq=True, slots=False)
class Graph:
    workflow: Workflow
    outgoing: dict[str, list[GraphEdge]] = field(default_factory=dict)
    incoming: dict[str, list[GraphEdge]] = field(default_factory=dict)
    implicit: list[GraphEdge] = field(default_factory=list)

    @classmethod
    def build(cls, workflow: Workflow) -> Graph:
        g = cls(workflow)
        explicit: dict[str, list[GraphEdge]] = {}
        for e in workflow.edges:
            explicit.setdefault(e.source, []).append(GraphEdge(e.source, e.target, e, "explicit"))
        parallel_edges: dict[str, list[GraphEdge]] = {}
        fan_in_edges: dict[str, list[GraphEdge]] = {}
        for node in workflow.nodes:
            if isinstance(node, ParallelNode):
                for t in node.targets:
                    ge = GraphEdge(node.id, t, None, "parallel")
                    parallel_edges.setdefault(node.id, []).append(ge)
                    g.implicit.append(ge)
            elif isinstance(node, FanInNode):
                for s in node.sources:
                    ge = GraphEdge(s, node.id, None, "fan_in")
                    fan_in_edges.setdefault(s, []).append(ge)
                    g.implicit.append(ge)
        sources = set(explicit) | set(parallel_edges) | set(fan_in_edges)
        for src in sources:
            out = list(explicit.get(src, ()))
            covered = {ge.target for ge in out if not ge.conditional}
            for ge in [*parallel_edges.get(src, []), *fan_in_edges.get(src, [])]:
                if ge.target not in covered:
                    out.append(ge)
                    covered.add(ge.target)
            g.outgoing[src] = out
            for ge in out:
                g.incoming.setdefault(ge.target, []).append(ge)
        return g

    def out(self, node_id: str) -> list[GraphEdge]:
        """Outgoing edges: explicit in declaration order, then implicit ones not already
        covered by an unconditional explicit edge."""
        return self.outgoing.get(node_id, [])

    def into(self, node_id: str) -> list[GraphEdge]:
        return self.incoming.get(node_id, [])

    def explicit_out(self, node_id: str) -> list[Edge]:
        return [ge.edge for ge in self.out(node_id) if ge.edge is not None]

    def successors(self, node_id: str, *, restart: bool = True) -> Iterable[str]:
        """Targets of all edges (``restart=False`` leaves out restart edges)."""
        for ge in self.out(node_id):
            if restart or not ge.restart:
                yield ge.target

    def reachable(self, start: str, *, restart: bool = True) -> set[str]:
        """Node IDs reachable from ``start`` (start included)."""
        seen = {start}
        queue = deque([start])
        while queue:
            n = queue.popleft()
            for t in self.successors(n, restart=restart):
                if t not in seen:
                    seen.add(t)
                    queue.append(t)
        return seen

    def reaching(self, target: str, *, restart: bool = True) -> set[str]:
        """Node IDs from which ``target`` can be reached (target included)."""
        seen = {target}
        queue = deque([target])
        while queue:
            n = queue.popleft()
            for ge in self.into(n):
                if (restart or not ge.restart) and ge.source not in seen:
                    seen.add(ge.source)
                    queue.append(ge.source)
        return seen


def edge_range(ge: GraphEdge, workflow: Workflow) -> object:
    """Where to point at for a graph edge: the written edge, else the implicit list."""
    if ge.edge is not None:
        return ge.edge.range
    node = workflow.node(ge.source if ge.kind == "parallel" else ge.target)
    return node.id_range if node is not None else ZERO_RANGE
