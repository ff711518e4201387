"""Graph analysis and context-key dataflow of a workflow.

:func:`analyze` answers, for every node: which context keys may be set when it runs,
which are set on every path there, and which nodes wrote them (and where). It also
collects every read (``${...}`` references, condition variables, ``reads:`` entries),
reachability, paths to the exit, loops and parallel/fan-in pairs. The linter, the
simulator and the language server (completion, hover) all use it.

Semantics. A key is *may* at N when some path from the start to N writes it (restart
edges included: a loop body's writes reach the loop head on re-entry) and *always*
("must") when every path does. Parallel branches run in isolated copies of the context;
after the fan-in, the successful branches' writes are merged, so they are "may" there,
and branches' ``node.<id>.*`` copies never reach the parent. Per-node scoped keys
``node.<id>.<key>`` exist downstream of ``<id>`` for every key ``<id>`` writes.

Everything is computed once, with int bitsets and a worklist solver; the per-node
queries only decode bits.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import field

from tracker.dippin import analysis_sources as S
from tracker.dippin.analysis_flow import (
    BRANCH_JOIN,
    PARALLEL_BRANCH,
    FlowEdge,
    FlowGraph,
    build_flow,
    solve,
)
from tracker.dippin.analysis_sources import Read, Writer
from tracker.dippin.graph import Graph
from tracker.dippin.ir import AgentNode, AnyNode, FanInNode, ParallelNode, Workflow
from tracker.dippin.records import record

__all__ = ["Analysis", "KeyInfo", "Read", "Writer", "analyze"]

HUMAN_RESPONSE = "human_response"


@record(kw_only=False, eq=True)
class KeyInfo:
    """A context key as seen by one node.

    ``always``: set on every path to the node. ``writers``: the writes that may have
    produced the current value (a later definite write of the same key hides earlier
    ones). ``loop_only``: set only when the node is re-entered through a loop.
    """

    key: str
    always: bool
    writers: list[Writer] = field(default_factory=list)
    loop_only: bool = False


@record(kw_only=False, eq=True)
class _NodeFacts:
    """One node's contribution to the dataflow (see :meth:`Analysis._node_facts`)."""

    node: AnyNode
    surroundings: tuple[object, ...] | None  # the workflow facts the values depend on
    writers: list[Writer]  # its writes, then their node.<id>.* copies
    opaque: bool
    consumes: bool
    reads: list[Read]


def _surroundings(node: AnyNode, workflow: Workflow) -> tuple[object, ...] | None:
    """The facts outside ``node`` that its writes and reads depend on, or None when they
    also depend on the source text (list items without recorded ranges)."""
    for name, items in (("writes", node.writes), ("reads", node.reads)):
        src = node.fields.get(name)
        if items and src is not None and len(src.item_ranges) != len(items):
            return None
    targets: tuple[bool, ...] = ()
    if isinstance(node, ParallelNode):
        targets = tuple(isinstance(workflow.node(t), AgentNode) for t in node.targets)
    return (node.id in (workflow.start, workflow.exit), targets)


def _def_names(defs: list[Writer]) -> list[tuple[str, str]]:
    return [(w.key, w.node_id) for w in defs]


def _bits(x: int) -> Iterator[int]:
    """Indices of the set bits of ``x``, lowest first (cost grows with the number of set
    bits, not with the width of ``x``)."""
    while x > 0:
        low = x & -x
        yield low.bit_length() - 1
        x ^= low


class Analysis:
    """The result of :func:`analyze`. See the module docstring for the semantics."""

    def __init__(self, workflow: Workflow, graph: Graph | None = None, source_lines: Sequence[str] | None = None) -> None:
        self.workflow = workflow
        self.graph = graph or Graph.build(workflow)
        self.error: str | None = None
        # Shared by analyses whose per-node answers name the same keys, certainties and
        # writing nodes (e.g. versions of a document that differ only in prompt text):
        # lets a caller keep what it derived from one for the other.
        self.generation: object = object()
        self.reachable: set[str] = set()
        self.unreachable: list[str] = []
        self.paths_to_exit: set[str] = set()
        self.dead_ends: list[str] = []
        self.reads: list[Read] = []
        self.params: dict[str, Writer] = {}
        self.graph_attrs: dict[str, str] = {}
        self.graph_attr_values: dict[str, str] = {}
        self.inputs: dict[str, Writer] = {}
        self.flow: FlowGraph = FlowGraph([], {})
        self._lines = list(source_lines) if source_lines is not None else None
        self._defs: list[Writer] = []
        self._key_bit: dict[str, int] = {}
        self._key_defs: dict[str, int] = {}
        self._node_writers: dict[str, list[Writer]] = {}
        self._rd: tuple[list[int], list[int]] = ([], [])
        self._must: tuple[list[int], list[int]] = ([], [])
        self._fwd: tuple[list[int], list[int]] = ([], [])
        self._live: tuple[list[int], list[int]] = ([], [])
        self._up: tuple[list[int], list[int]] = ([], [])
        self._opaque_mask = 0
        self._consumers_mask = 0
        self._cache_in: dict[str, dict[str, KeyInfo]] = {}
        self._cache_out: dict[str, dict[str, KeyInfo]] = {}
        self._loops: list[list[str]] | None = None
        self._pairs: dict[str, str] | None = None
        self._facts: dict[int, _NodeFacts] = {}
        self._solver_inputs: tuple[object, ...] | None = None
        self._previous: Analysis | None = None

    # ------------------------------------------------------------------ building

    def _build(self) -> None:
        wf = self.workflow
        self._reachability()
        attrs = S.graph_attributes(wf)
        for attr in attrs:
            self.graph_attrs[attr.name] = attr.description + (f": {attr.value}" if attr.value else "")
            self.graph_attr_values[attr.name] = attr.value
        seeds = S.seed_writers(wf, attrs)
        for w in seeds:
            if w.kind == "params":
                self.params[w.key[len("graph.params."):]] = w
            elif w.kind == "inputs":
                self.inputs[w.key[len("inputs."):]] = w

        flow = self.flow = build_flow(wf, self.graph)
        n = len(flow.ids)
        gen_defs = [0] * n
        scoped_defs = [0] * n
        gen_keys = [0] * n
        gen_definite_keys = [0] * n
        scoped_keys = [0] * n
        kill_defs = [0] * n

        seed_defs = 0
        seed_keys = 0
        seed_definite = 0
        for w in seeds:
            bit, kbit = self._add_def(w)
            seed_defs |= 1 << bit
            seed_keys |= 1 << kbit
            if w.definite:
                seed_definite |= 1 << kbit

        for i, node_id in enumerate(flow.ids):
            node = wf.node(node_id)
            if node is None:
                continue
            facts = self._node_facts(node)
            self._node_writers[node_id] = facts.writers
            for w in facts.writers:
                bit, kbit = self._add_def(w)
                gen_defs[i] |= 1 << bit
                gen_keys[i] |= 1 << kbit
                if w.definite:
                    gen_definite_keys[i] |= 1 << kbit
                if w.kind == "scoped":
                    scoped_defs[i] |= 1 << bit
                    scoped_keys[i] |= 1 << kbit
            if facts.opaque:
                self._opaque_mask |= 1 << i
            if facts.consumes:
                self._consumers_mask |= 1 << i

        key_names = [""] * len(self._key_bit)
        for key, kbit in self._key_bit.items():
            key_names[kbit] = key
        for i in range(n):
            for kbit in _bits(gen_definite_keys[i]):
                kill_defs[i] |= self._key_defs[key_names[kbit]]
            kill_defs[i] &= ~gen_defs[i]

        hr = self._key_bit.get(HUMAN_RESPONSE)
        hr_mask = (1 << hr) if hr is not None else 0
        consumes = [bool(self._consumers_mask >> i & 1) for i in range(n)]
        join_consumes = [False] * n
        for i, node_id in enumerate(flow.ids):
            node = wf.node(node_id)
            if isinstance(node, FanInNode):
                join_consumes[i] = any(consumes[flow.index[s]] for s in node.sources if s in flow.index)

        def rd_transfer(i: int, x: int) -> int:
            return (x & ~kill_defs[i]) | gen_defs[i]

        def rd_along(e: FlowEdge, x_in: int, x_out: int) -> int:
            if e.kind == BRANCH_JOIN:
                return x_in | (gen_defs[e.source] & ~scoped_defs[e.source])
            return x_out

        def must_transfer(i: int, x: int) -> int:
            return x | gen_definite_keys[i]

        def must_along(e: FlowEdge, x_in: int, x_out: int) -> int:
            return x_in if e.kind == BRANCH_JOIN else x_out

        def may_transfer(i: int, x: int) -> int:
            return x | gen_keys[i]

        def may_along(e: FlowEdge, x_in: int, x_out: int) -> int:
            if e.kind == BRANCH_JOIN:
                return x_in | (gen_keys[e.source] & ~scoped_keys[e.source])
            return x_out

        def live_transfer(i: int, x: int) -> int:
            if consumes[i]:
                x &= ~hr_mask
            return x | gen_keys[i]

        def live_along(e: FlowEdge, x_in: int, x_out: int) -> int:
            if e.kind == PARALLEL_BRANCH:
                return x_in | gen_keys[e.source]
            if e.kind == BRANCH_JOIN:
                value = x_in | (gen_keys[e.source] & ~scoped_keys[e.source])
                return value & ~hr_mask if join_consumes[e.target] else value
            return x_out

        def up_transfer(i: int, x: int) -> int:
            return x | (1 << i)

        def up_along(e: FlowEdge, x_in: int, x_out: int) -> int:
            return x_out

        # Everything the solvers below read; equal inputs give equal solutions, so the
        # previous analysis's solutions are reused when an edit changed none of them.
        self._solver_inputs = (
            flow.ids, [(e.source, e.target, e.kind, e.loop) for e in flow.edges], flow.roots,
            seed_defs, seed_keys, seed_definite, hr_mask, gen_defs, scoped_defs, gen_keys,
            gen_definite_keys, scoped_keys, kill_defs, consumes, join_consumes,
        )
        previous = self._previous
        if previous is not None and previous._solver_inputs == self._solver_inputs:
            self._rd, self._must, self._fwd = previous._rd, previous._must, previous._fwd
            self._live, self._up = previous._live, previous._up
            if _def_names(previous._defs) == _def_names(self._defs):
                self.generation = previous.generation
        else:
            self._rd = solve(flow, seed=seed_defs, transfer=rd_transfer, along=rd_along, must=False)
            self._must = solve(flow, seed=seed_definite, transfer=must_transfer, along=must_along, must=True)
            self._fwd = solve(flow, seed=seed_keys, transfer=may_transfer, along=may_along, must=False, skip_loops=True)
            self._live = solve(flow, seed=seed_keys, transfer=live_transfer, along=live_along, must=False, skip_loops=True)
            self._up = solve(flow, seed=0, transfer=up_transfer, along=up_along, must=False)

        self.reads = [r for node in wf.nodes for r in self._node_facts(node).reads]
        self._previous = None  # keep no chain of old versions alive
        self.reads += S.edge_reads(wf)
        if "vars" not in wf.sections and not wf.vars:
            for read in self.reads:
                if read.namespace == "params" and read.key and read.key not in self.params:
                    self.params[read.key] = Writer(
                        "", "params", read.range, "parameter expected from the subgraph call site (first used here)",
                        f"graph.params.{read.key}", False,
                    )

    def _node_facts(self, node: AnyNode) -> _NodeFacts:
        """What ``node`` writes and reads, taken from the previous analysis when it saw
        the very same node record (the language server reuses the records of the items
        an edit did not touch) in the same surroundings."""
        key = id(node)
        facts = self._facts.get(key)
        if facts is not None and facts.node is node:
            return facts
        wf = self.workflow
        surroundings = _surroundings(node, wf)
        old = self._previous._facts.get(key) if self._previous is not None else None
        if old is not None and old.node is node and old.surroundings == surroundings and surroundings is not None:
            facts = old
        else:
            ranges = S.list_item_ranges(node.fields.get("writes"), node.writes, self._lines)
            writers = S.node_writers(node, wf, ranges)
            facts = _NodeFacts(
                node,
                surroundings,
                writers + S.scoped_writers(node.id, writers),
                S.is_opaque(node),
                S.consumes_human_response(node, wf),
                S.node_reads(node, self._lines),
            )
        self._facts[key] = facts
        return facts

    def _add_def(self, w: Writer) -> tuple[int, int]:
        bit = len(self._defs)
        self._defs.append(w)
        kbit = self._key_bit.get(w.key)
        if kbit is None:
            kbit = self._key_bit[w.key] = len(self._key_bit)
            self._key_defs[w.key] = 0
        self._key_defs[w.key] |= 1 << bit
        return bit, kbit

    def _reachability(self) -> None:
        wf = self.workflow
        ids = [n.id for n in wf.nodes]
        if wf.start and wf.node(wf.start) is not None:
            self.reachable = self.graph.reachable(wf.start) & set(ids)
            self.unreachable = [i for i in dict.fromkeys(ids) if i not in self.reachable]
        if wf.exit and wf.node(wf.exit) is not None:
            self.paths_to_exit = self.graph.reaching(wf.exit) & set(ids)
            self.dead_ends = [i for i in dict.fromkeys(ids) if i in self.reachable and i not in self.paths_to_exit]

    # ------------------------------------------------------------------ queries

    def _infos(self, node_id: str, after: bool) -> dict[str, KeyInfo]:
        cache = self._cache_out if after else self._cache_in
        found = cache.get(node_id)
        if found is not None:
            return found
        i = self.flow.index.get(node_id)
        result: dict[str, KeyInfo] = {}
        if i is not None:
            side = 1 if after else 0
            defs = self._rd[side][i]
            must = self._must[side][i]
            fwd = self._fwd[side][i]
            for bit in _bits(defs):
                w = self._defs[bit]
                info = result.get(w.key)
                if info is None:
                    kbit = self._key_bit[w.key]
                    info = result[w.key] = KeyInfo(w.key, bool(must >> kbit & 1), [], not (fwd >> kbit & 1))
                info.writers.append(w)
        cache[node_id] = result
        return result

    def keys_at(self, node_id: str) -> dict[str, KeyInfo]:
        """Context keys that may be set when ``node_id`` starts (including the
        ``node.<id>.<key>`` copies of upstream nodes and the ``graph.*``/``inputs.*``
        seeds)."""
        return self._infos(node_id, False)

    def keys_after(self, node_id: str) -> dict[str, KeyInfo]:
        """Context keys that may be set when ``node_id`` has finished: what its outgoing
        edge conditions see."""
        return self._infos(node_id, True)

    def key_info(self, node_id: str, key: str) -> KeyInfo | None:
        """One key as seen when ``node_id`` starts (None when no path sets it)."""
        return self._one(node_id, key, False)

    def key_info_after(self, node_id: str, key: str) -> KeyInfo | None:
        """One key as seen when ``node_id`` has finished."""
        return self._one(node_id, key, True)

    def _one(self, node_id: str, key: str, after: bool) -> KeyInfo | None:
        cached = (self._cache_out if after else self._cache_in).get(node_id)
        if cached is not None:
            return cached.get(key)
        i = self.flow.index.get(node_id)
        mask = self._key_defs.get(key, 0)
        if i is None or not mask or not self._rd[0]:
            return None
        side = 1 if after else 0
        defs = self._rd[side][i] & mask
        if not defs:
            return None
        kbit = self._key_bit[key]
        always = bool(self._must[side][i] >> kbit & 1)
        loop_only = not (self._fwd[side][i] >> kbit & 1)
        return KeyInfo(key, always, [self._defs[b] for b in _bits(defs)], loop_only)

    def writers_of(self, key: str) -> list[Writer]:
        """Every writer of ``key`` anywhere (``params.x`` finds the variable ``x``)."""
        if key.startswith("params."):
            key = "graph." + key
        mask = self._key_defs.get(key, 0)
        return [self._defs[b] for b in _bits(mask)]

    def readers_of(self, key: str) -> list[Read]:
        """Every read whose run-time key is ``key`` (see :attr:`Read.context_key`)."""
        if key.startswith("graph.params."):
            key = key[len("graph."):]
        return [r for r in self.reads if r.context_key == key]

    def node_writers(self, node_id: str) -> list[Writer]:
        """What ``node_id`` itself writes (its scoped copies included)."""
        return list(self._node_writers.get(node_id, ()))

    def written_keys(self) -> set[str]:
        """Every key some writer anywhere writes."""
        return set(self._key_defs)

    def upstream(self, node_id: str, *, after: bool = False) -> set[str]:
        """Nodes that may have run before ``node_id`` starts (loops included; with
        ``after``, ``node_id`` itself too)."""
        i = self.flow.index.get(node_id)
        if i is None or not self._up[0]:
            return set()
        bits = self._up[1 if after else 0][i]
        return {self.flow.ids[b] for b in _bits(bits)}

    def opaque_upstream(self, node_id: str, *, after: bool = False) -> list[str]:
        """Subgraph and manager-loop nodes that may run before ``node_id``: the child
        workflow's keys are merged back, so any key may be set after them."""
        i = self.flow.index.get(node_id)
        if i is None or not self._up[0]:
            return []
        bits = self._up[1 if after else 0][i] & self._opaque_mask
        return [self.flow.ids[b] for b in _bits(bits)]

    def live_on_first_pass(self, node_id: str, key: str = HUMAN_RESPONSE, *, after: bool = False) -> bool:
        """Whether ``key`` may hold a non-empty, unconsumed value when ``node_id`` first
        runs (forward paths only; ``human_response`` is blanked by the first agent after
        the gate that wrote it)."""
        i = self.flow.index.get(node_id)
        kbit = self._key_bit.get(key)
        if i is None or kbit is None or not self._live[0]:
            return False
        return bool(self._live[1 if after else 0][i] >> kbit & 1)

    def consumers_before(self, node_id: str, key: str = HUMAN_RESPONSE, *, after: bool = False) -> list[str]:
        """Agents upstream of ``node_id`` that run after ``key`` was written and blank it."""
        i = self.flow.index.get(node_id)
        kbit = self._key_bit.get(key)
        if i is None or kbit is None or not self._up[0]:
            return []
        ups = self._up[1 if after else 0][i] & self._consumers_mask
        if not after:
            ups &= ~(1 << i)
        fwd_in = self._fwd[0]
        return [self.flow.ids[b] for b in _bits(ups) if fwd_in[b] >> kbit & 1]

    def loops(self) -> list[list[str]]:
        """Every loop, one per loop-closing edge (restart, retry, back edge): the nodes
        from the loop head to the edge's source, in flow order."""
        if self._loops is None:
            self._loops = self._find_loops()
        return self._loops

    def parallel_pairs(self) -> dict[str, str]:
        """Parallel node ID → the fan-in node that joins its branches."""
        if self._pairs is None:
            self._pairs = pair_parallels(self.workflow)
        return self._pairs

    def _find_loops(self) -> list[list[str]]:
        flow = self.flow
        n = len(flow.ids)
        rank = {node: r for r, node in enumerate(flow.order)}
        forward: list[list[int]] = [[] for _ in range(n)]
        backward: list[list[int]] = [[] for _ in range(n)]
        for e in flow.edges:
            if not e.loop:
                forward[e.source].append(e.target)
                backward[e.target].append(e.source)
        out: list[list[str]] = []
        seen: set[tuple[int, ...]] = set()
        for e in flow.edges:
            if not e.loop:
                continue
            down = _walk(e.target, forward)
            up = _walk(e.source, backward)
            body = sorted((down & up) | {e.source, e.target}, key=lambda x: rank.get(x, x))
            if e.target in body:
                body.remove(e.target)
                body.insert(0, e.target)
            sig = tuple(body)
            if sig not in seen:
                seen.add(sig)
                out.append([flow.ids[b] for b in body])
        return out


def _walk(start: int, adjacency: list[list[int]]) -> set[int]:
    seen = {start}
    todo = [start]
    while todo:
        node = todo.pop()
        for nxt in adjacency[node]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def pair_parallels(workflow: Workflow) -> dict[str, str]:
    """Parallel → fan-in pairing: the fan-in with the same source set, else the first
    whose sources are all among the targets (the simulator's join), else the first
    that lists the parallel's first target (the engine's join)."""
    fan_ins = [n for n in workflow.nodes if isinstance(n, FanInNode)]
    pairs: dict[str, str] = {}
    for node in workflow.nodes:
        if not isinstance(node, ParallelNode) or node.id in pairs:
            continue
        targets = set(node.targets)
        join = next((j for j in fan_ins if j.sources and set(j.sources) == targets), None)
        if join is None:
            join = next((j for j in fan_ins if j.sources and set(j.sources) <= targets), None)
        if join is None and node.targets:
            join = next((j for j in fan_ins if node.targets[0] in j.sources), None)
        if join is not None:
            pairs[node.id] = join.id
    return pairs


def analyze(
    workflow: Workflow,
    *,
    source_lines: Sequence[str] | None = None,
    graph: Graph | None = None,
    previous: Analysis | None = None,
) -> Analysis:
    """Analyse ``workflow`` (complete or partial). Never raises: on an internal failure
    the result is empty and :attr:`Analysis.error` says why. ``source_lines`` (the
    document's lines) lets the analysis point at single ``writes:``/``reads:`` items
    instead of the whole field value. ``previous`` (the analysis of an earlier version
    of the same document) only saves time: the work for node records it also saw, and
    its solutions when the dataflow inputs are unchanged, are reused; the result is
    the same as without it."""
    result = Analysis(workflow, graph, source_lines)
    if previous is not None and previous.error is None:
        result._previous = previous
    try:
        result._build()
    except Exception as exc:  # pragma: no cover - a safety net for half-typed documents
        fallback = Analysis(workflow, result.graph)
        fallback.error = f"{type(exc).__name__}: {exc}"
        return fallback
    return result
