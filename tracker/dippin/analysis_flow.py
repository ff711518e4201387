"""The control-flow graph the dataflow runs on, and a bitset worklist solver.

Flow edges are the graph's edges (explicit and implicit, §4.1) plus the routes the engine
takes without an edge: ``fallback_target``, the ``defaults on_failure`` route of agents,
and ``retry_target``. Edges closing a loop (``restart: true``, retries, and any other
back edge found by a depth-first search) are marked so analyses can leave them out.
Edges into a ``fan_in`` from its sources and from a ``parallel`` to its targets are
tagged: parallel branches run in isolated copies of the context.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import field

from tracker.dippin.graph import Graph
from tracker.dippin.ir import AgentNode, FanInNode, ParallelNode, Workflow
from tracker.dippin.records import record

NORMAL = 0
BRANCH_JOIN = 1  # a parallel branch into its fan_in
PARALLEL_BRANCH = 2  # a parallel node into one of its targets


@record(kw_only=False, eq=True)
class FlowEdge:
    source: int
    target: int
    kind: int
    loop: bool  # closes a loop (restart / retry / back edge)


@record(kw_only=False, eq=True, slots=False)
class FlowGraph:
    ids: list[str]
    index: dict[str, int]
    edges: list[FlowEdge] = field(default_factory=list)
    preds: list[list[FlowEdge]] = field(default_factory=list)
    succs: list[list[FlowEdge]] = field(default_factory=list)
    roots: list[int] = field(default_factory=list)
    order: list[int] = field(default_factory=list)  # reverse postorder, unreached nodes last
    reached: list[bool] = field(default_factory=list)


def build_flow(workflow: Workflow, graph: Graph) -> FlowGraph:
    ids: list[str] = []
    index: dict[str, int] = {}
    for declared in workflow.nodes:
        if declared.id and declared.id not in index:
            index[declared.id] = len(ids)
            ids.append(declared.id)
    flow = FlowGraph(ids, index)
    n = len(ids)
    flow.preds = [[] for _ in range(n)]
    flow.succs = [[] for _ in range(n)]
    seen: set[tuple[int, int, int, bool]] = set()

    def add(src: str, dst: str, kind: int, loop: bool) -> None:
        s = index.get(src)
        t = index.get(dst)
        if s is None or t is None:
            return
        key = (s, t, kind, loop)
        if key in seen:
            return
        seen.add(key)
        edge = FlowEdge(s, t, kind, loop)
        flow.edges.append(edge)

    branch_targets = {t for p in workflow.nodes if isinstance(p, ParallelNode) for t in p.targets}
    for node_id in ids:
        node = workflow.node(node_id)
        for ge in graph.out(node_id):
            target = workflow.node(ge.target)
            kind = NORMAL
            if isinstance(target, FanInNode) and node_id in target.sources:
                kind = BRANCH_JOIN
            elif isinstance(node, ParallelNode) and ge.target in node.targets:
                kind = PARALLEL_BRANCH
            add(node_id, ge.target, kind, ge.restart)
        if node is None or node_id in branch_targets:
            continue  # parallel branches run inside the parallel handler: no engine routes
        if node.fallback_target:
            add(node_id, node.fallback_target, NORMAL, False)
        elif isinstance(node, AgentNode) and workflow.defaults.on_failure and node_id != workflow.exit:
            add(node_id, workflow.defaults.on_failure, NORMAL, False)
        if node.retry_target and node.retry_target != node_id:
            add(node_id, node.retry_target, NORMAL, True)

    has_pred = [False] * n
    for e in flow.edges:
        has_pred[e.target] = True
    start = index.get(workflow.start)
    roots: list[int] = [start] if start is not None else []
    roots += [i for i in range(n) if not has_pred[i] and i != start]
    if not roots and n:
        roots = [0]
    flow.roots = roots
    _mark_back_edges(flow)
    for e in flow.edges:
        flow.succs[e.source].append(e)
        flow.preds[e.target].append(e)
    return flow


def _mark_back_edges(flow: FlowGraph) -> None:
    """Depth-first search from the roots over non-loop edges; an edge to a node on the
    stack closes a loop. Also fixes the reverse postorder used by the solver."""
    n = len(flow.ids)
    out: list[list[FlowEdge]] = [[] for _ in range(n)]
    for e in flow.edges:
        out[e.source].append(e)
    state = [0] * n  # 0 new, 1 on stack, 2 done
    post: list[int] = []
    for root in flow.roots + list(range(n)):
        if state[root]:
            continue
        state[root] = 1
        stack: list[tuple[int, int]] = [(root, 0)]
        while stack:
            node, i = stack[-1]
            edges = out[node]
            if i < len(edges):
                stack[-1] = (node, i + 1)
                e = edges[i]
                if e.loop:
                    continue
                if state[e.target] == 1:
                    e.loop = True
                elif state[e.target] == 0:
                    state[e.target] = 1
                    stack.append((e.target, 0))
            else:
                state[node] = 2
                post.append(node)
                stack.pop()
    flow.order = post[::-1]
    reached = [False] * n
    todo = list(flow.roots)
    for r in todo:
        reached[r] = True
    while todo:
        node = todo.pop()
        for e in out[node]:
            if not reached[e.target]:
                reached[e.target] = True
                todo.append(e.target)
    flow.reached = reached


NodeFn = Callable[[int, int], int]
EdgeFn = Callable[[FlowEdge, int, int], int]


def solve(
    flow: FlowGraph,
    *,
    seed: int,
    transfer: NodeFn,
    along: EdgeFn,
    must: bool,
    skip_loops: bool = False,
) -> tuple[list[int], list[int]]:
    """Forward dataflow to a fixpoint. Values are int bitsets. May-analyses join with
    union from ``seed``; must-analyses meet with intersection, starting from "all bits"
    (``-1``) so that only what holds on every path survives. ``transfer(node, in)``
    gives a node's out value; ``along(edge, in_of_source, out_of_source)`` what an edge
    carries. Roots receive ``seed``; ``skip_loops`` leaves loop edges out."""
    n = len(flow.ids)
    top = -1 if must else 0
    ins = [top] * n
    outs = [top] * n
    is_root = [False] * n
    for r in flow.roots:
        is_root[r] = True
    pending = set(flow.order)
    queue = deque(flow.order)
    while queue:
        node = queue.popleft()
        pending.discard(node)
        if must:
            acc = seed if is_root[node] else top
            for e in flow.preds[node]:
                if skip_loops and e.loop:
                    continue
                acc &= along(e, ins[e.source], outs[e.source])
            value = acc | seed
        else:
            acc = seed
            for e in flow.preds[node]:
                if skip_loops and e.loop:
                    continue
                acc |= along(e, ins[e.source], outs[e.source])
            value = acc
        new_out = transfer(node, value)
        ins[node] = value
        if new_out != outs[node]:
            outs[node] = new_out
            for e in flow.succs[node]:
                if skip_loops and e.loop:
                    continue
                if e.target not in pending:
                    pending.add(e.target)
                    queue.append(e.target)
    if must:
        for node in range(n):
            if ins[node] == -1 or not flow.reached[node]:
                ins[node] = seed
                outs[node] = transfer(node, seed)
    return ins, outs
