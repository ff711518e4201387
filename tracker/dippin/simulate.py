"""Simulate a workflow without side effects: the plan report, single runs and path
enumeration (dippin-language spec §8.1–§8.5, engine spec §8.6.4).

* :func:`plan_report` — the static execution plan (the ``tracker simulate`` report).
* :func:`simulate` — the reference walker: one run driven by a scenario (mocked context
  values), emitting the JSONL event protocol of §8.2.
* :func:`enumerate_paths` — depth-first enumeration of routes, bounded.
* :func:`to_mermaid` — the graph as a Mermaid flowchart.

Conditions are evaluated with :func:`tracker.dippin.conditions.evaluate`, the one
condition dialect used everywhere.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tracker.dippin.conditions import And, Compare, Expr, Not, Or, evaluate, in_values
from tracker.dippin.graph import Graph, GraphEdge
from tracker.dippin.interpolation import expand
from tracker.dippin.ir import (
    AgentNode,
    AnyNode,
    FanInNode,
    HumanNode,
    InputDecl,
    ManagerLoopNode,
    ParallelNode,
    SubgraphNode,
    ToolNode,
    Workflow,
)
from tracker.dippin.values import format_duration, format_float

MAX_STEPS = 500
TEST_VISIT_LIMIT = 3
MAX_PATHS = 100
MAX_DEPTH = 200
MAX_VISITS_PER_PATH = 2
MAX_PATH_WORK = 200_000

Event = dict[str, Any]
Ask = Callable[[HumanNode], "str | None"]


class SimulationError(Exception):
    """The workflow cannot be simulated (missing start/exit, a bad condition, a loop)."""


_run_counter = itertools.count(1)


def timestamp() -> str:
    """RFC 3339 UTC with nanoseconds, trailing zeros of the fraction removed."""
    ns = time.time_ns()
    secs, frac = divmod(ns, 1_000_000_000)
    base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs))
    fraction = f"{frac:09d}".rstrip("0")
    return f"{base}.{fraction}Z" if fraction else f"{base}Z"


# ---------------------------------------------------------------------------- preconditions


def check_runnable(workflow: Workflow) -> None:
    """Raise :class:`SimulationError` unless start and exit exist and every condition parses."""
    if not workflow.start:
        raise SimulationError("workflow has no start node")
    if not workflow.exit:
        raise SimulationError("workflow has no exit node")
    if workflow.node(workflow.start) is None:
        raise SimulationError(f'start node "{workflow.start}" not found')
    if workflow.node(workflow.exit) is None:
        raise SimulationError(f'exit node "{workflow.exit}" not found')
    for edge in workflow.edges:
        cond = edge.condition
        if cond is not None and cond.expr is None:
            line = cond.range.start.line + 1
            col = cond.range.start.character + 1
            raise SimulationError(
                f'{line}:{col}: edge {edge.source} -> {edge.target}: invalid condition "{cond.raw}": {cond.error}'
            )


def _branch_targets(node: ParallelNode) -> list[str]:
    return list(node.targets) or [b.target for b in node.branches]


def find_join(workflow: Workflow, node: ParallelNode) -> str | None:
    """The simulator's join: the first fan-in whose sources are all among the targets."""
    targets = set(_branch_targets(node))
    for other in workflow.nodes:
        if isinstance(other, FanInNode) and other.sources and all(s in targets for s in other.sources):
            return other.id
    return None


# ---------------------------------------------------------------------------- runs


@dataclass
class RunResult:
    """One simulated run: its status (``success`` or ``dead_end``), path and events."""

    run_id: str
    status: str
    path: list[str]
    events: list[Event] = field(default_factory=list)
    traversed: list[tuple[str, str]] = field(default_factory=list)
    context: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "status": self.status, "path": list(self.path), "nodes_visited": len(set(self.path))}


class _Events:
    def __init__(self) -> None:
        self.items: list[Event] = []

    def add(self, event: str, fields: list[tuple[str, Any]]) -> None:
        record: Event = {"event": event}
        for key, value in fields:
            record[key] = value
        record["timestamp"] = timestamp()
        self.items.append(record)


def _opt(key: str, value: Any) -> list[tuple[str, Any]]:
    return [(key, value)] if value not in (None, "", [], False) else []


def node_enter_fields(node: AnyNode | None, node_id: str, workflow: Workflow) -> list[tuple[str, Any]]:
    if node is None:
        return [("node", node_id), ("kind", "unknown")]
    out: list[tuple[str, Any]] = [("node", node.id), ("kind", node.kind)]
    label = node.label
    if isinstance(node, AgentNode):
        d = workflow.defaults
        out += _opt("model", node.model or d.model) + _opt("provider", node.provider or d.provider)
        out += _opt("prompt", node.prompt)
        out += _opt("fidelity", node.fidelity or d.fidelity)
    elif isinstance(node, ToolNode):
        out += _opt("command", node.command)
    elif isinstance(node, HumanNode):
        out += _opt("mode", node.mode) + _opt("prompt", node.prompt)
    elif isinstance(node, SubgraphNode):
        label = f"subgraph:{node.ref}"
    out += _opt("label", label)
    return out


def _traverse_fields(ge: GraphEdge) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = [("from", ge.source), ("to", ge.target)]
    if ge.edge is not None:
        out += _opt("condition", ge.edge.condition.raw if ge.edge.condition else "")
        out += _opt("label", ge.edge.label)
        if ge.edge.restart:
            out.append(("restart", True))
    return out


class Resolver:
    """Variable lookup of the simulator (spec §4.3): the bare key in the context, then the
    variable as written, then ``graph.goal``; unknown is the empty string."""

    def __init__(self, workflow: Workflow, ctx: dict[str, str]) -> None:
        self.workflow = workflow
        self.ctx = ctx

    def __call__(self, variable: str) -> str:
        bare = variable
        for prefix in ("ctx.", "context."):
            if bare.startswith(prefix):
                bare = bare[len(prefix):]
                break
        if bare in self.ctx:
            return self.ctx[bare]
        if variable in self.ctx:
            return self.ctx[variable]
        if variable == "graph.goal":
            return self.workflow.goal
        return ""

    def lookup(self, namespace: str, key: str) -> str | None:
        if namespace == "ctx":
            return self.ctx.get(key)
        if namespace == "graph":
            if key == "goal":
                return self.workflow.goal
            if key.startswith("params."):
                var = self.workflow.vars.get(key[len("params."):])
                return var.value if var else None
            return self.ctx.get(f"graph.{key}")
        if namespace == "params":
            var = self.workflow.vars.get(key)
            return var.value if var else self.ctx.get(f"params.{key}")
        if namespace == "inputs":
            return self.ctx.get(f"inputs.{key}")
        return None

    def holds(self, ge: GraphEdge) -> bool:
        cond = ge.edge.condition if ge.edge is not None else None
        if cond is None or cond.expr is None:
            return False
        return evaluate(cond.expr, self, lambda text: expand(text, self.lookup) if "${" in text else text)


class _Walker:
    def __init__(
        self,
        workflow: Workflow,
        graph: Graph,
        scenario: Mapping[str, str],
        visit_limit: int | None,
        branches: Sequence[str] | None,
        ask: Ask | None,
    ) -> None:
        self.wf = workflow
        self.graph = graph
        self.scenario = dict(scenario)
        self.ctx: dict[str, str] = dict(scenario)
        self.resolver = Resolver(workflow, self.ctx)
        self.visit_limit = visit_limit
        self.branches = list(branches) if branches else []
        self.ask = ask
        self.visits: Counter[str] = Counter()
        self.path: list[str] = []
        self.events = _Events()
        self.traversed: list[tuple[str, str]] = []
        self.steps = 0
        self._node_keys: dict[str, list[tuple[str, str]]] = {}
        for key in sorted(self.scenario):
            node_id, dot, rest = key.partition(".")
            if dot and rest and workflow.node(node_id) is not None:
                self._node_keys.setdefault(node_id, []).append((rest, self.scenario[key]))

    def set(self, key: str, value: str) -> None:
        self.ctx[key] = value
        self.events.add("context_update", [("key", key), ("value", value)])

    def visit(self, node_id: str) -> AnyNode | None:
        node = self.wf.node(node_id)
        self.visits[node_id] += 1
        self.path.append(node_id)
        self.events.add("node_enter", node_enter_fields(node, node_id, self.wf))
        if isinstance(node, ParallelNode):
            self.events.add("parallel_start", [("node", node_id), ("targets", _branch_targets(node))])
        elif isinstance(node, FanInNode):
            self.events.add("parallel_end", [("node", node_id), *_opt("sources", list(node.sources))])
        elif node is not None:
            self.apply_defaults(node)
            if self.ask is not None and isinstance(node, HumanNode):
                self.ask_human(node)
        self.events.add("node_exit", [("node", node_id), ("status", "success"), ("duration_ms", 0)])
        return node

    def apply_defaults(self, node: AnyNode) -> None:
        for key, value in self._node_keys.get(node.id, ()):
            if value == "":
                self.ctx.pop(key, None)
            else:
                self.set(key, value)

        def provided(key: str) -> bool:
            return key in self.scenario or f"{node.id}.{key}" in self.scenario

        if isinstance(node, AgentNode) and node.auto_status and not provided("outcome"):
            self.set("outcome", "success")
        if isinstance(node, ToolNode):
            if not provided("tool_stdout"):
                self.set("tool_stdout", "success")
            if not provided("outcome"):
                self.set("outcome", "success")

    def ask_human(self, node: HumanNode) -> None:
        assert self.ask is not None
        answer = self.ask(node)
        if answer is None:
            answer = node.default
        if node.mode == "interview":
            self.set(node.answers_key or "interview_answers", answer)
        self.set("human_response", answer)

    def next_edge(self, node_id: str) -> GraphEdge | None:
        edges = self.graph.out(node_id)
        if not edges:
            return None
        if len(edges) == 1 and not edges[0].conditional:
            return edges[0]
        node = self.wf.node(node_id)
        preferred = self.ctx.get("preferred_label", "")
        if isinstance(node, HumanNode) and preferred:
            del self.ctx["preferred_label"]
            wanted = preferred.lower()
            for ge in edges:
                if ge.edge is not None and ge.edge.label and wanted in ge.edge.label.lower():
                    return ge
            for ge in edges:
                if ge.edge is not None and ge.edge.choice and ge.edge.choice.lower() == wanted:
                    return ge
        if self.visit_limit is not None and self.visits[node_id] > self.visit_limit:
            self.events.add("context_update", [("key", "_loop_break"), ("value", node_id)])
            for ge in edges:
                if ge.conditional and not self.resolver.holds(ge):
                    return ge
            for ge in edges:
                if not ge.conditional:
                    return ge
            return edges[0]
        for ge in edges:
            if ge.conditional and self.resolver.holds(ge):
                return ge
        for ge in edges:
            if not ge.conditional:
                return ge
        return edges[0]

    def traverse(self, ge: GraphEdge) -> None:
        self.events.add("edge_traverse", _traverse_fields(ge))
        self.traversed.append((ge.source, ge.target))

    def step(self, what: str) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise SimulationError(f"{what} exceeded {MAX_STEPS} steps (possible infinite loop)")

    def run(self, run_id: str) -> RunResult:
        self.events.add("pipeline_start", [("run_id", run_id), ("workflow", self.wf.name)])
        current = self.wf.start
        status = "dead_end"
        while True:
            self.step("simulation")
            node = self.visit(current)
            if current == self.wf.exit:
                status = "success"
                break
            if isinstance(node, ParallelNode):
                join = self.walk_branches(node)
                if join is None:
                    break
                current = join
                continue
            ge = self.next_edge(current)
            if ge is None:
                break
            self.traverse(ge)
            current = ge.target
        self.events.add(
            "pipeline_end", [("status", status), ("nodes_visited", len(set(self.path)))]
        )
        return RunResult(run_id, status, self.path, self.events.items, self.traversed, dict(self.ctx))

    def walk_branches(self, node: ParallelNode) -> str | None:
        join = find_join(self.wf, node)
        if join is None:
            return None
        targets = _branch_targets(node)
        selected = [t for t in targets if t in self.branches] or targets
        for target in selected:
            self.traverse(GraphEdge(node.id, target, None, "parallel"))
            current: str | None = target
            while current is not None and current != join:
                self.step("branch")
                self.visit(current)
                ge = self.next_edge(current)
                if ge is None:
                    current = None
                    break
                self.traverse(ge)
                current = ge.target
        return join


def simulate(
    workflow: Workflow,
    scenario: Mapping[str, str] | None = None,
    *,
    visit_limit: int | None = None,
    branches: Sequence[str] | None = None,
    ask: Ask | None = None,
    graph: Graph | None = None,
) -> RunResult:
    """One simulated run (spec §8.3). ``scenario`` seeds the context (``Node.key``
    entries apply each time that node runs); ``visit_limit`` breaks loops (tests use 3);
    ``branches`` limits which parallel branches run; ``ask`` answers human gates
    (interactive mode; ``None`` from it means end of input)."""
    check_runnable(workflow)
    walker = _Walker(workflow, graph or Graph.build(workflow), scenario or {}, visit_limit, branches, ask)
    return walker.run(f"sim-{next(_run_counter):04d}")


# ---------------------------------------------------------------------------- all paths


@dataclass
class PathsResult:
    paths: list[RunResult]
    truncated: bool = False
    note: str = ""


def seed_for(expr: Expr, ctx: dict[str, str]) -> None:
    """Context values that make ``expr`` hold (spec §8.5): ``=`` sets the variable, ``in``
    its first element, ``and`` both sides, ``or`` the left side, ``not`` nothing."""
    if isinstance(expr, Compare):
        if expr.negated:
            return
        key = expr.variable[4:] if expr.variable.startswith("ctx.") else expr.variable
        if expr.op in ("=", "=="):
            ctx[key] = expr.value
        elif expr.op == "in":
            values = in_values(expr.value)
            if values:
                ctx[key] = values[0]
    elif isinstance(expr, And):
        seed_for(expr.left, ctx)
        seed_for(expr.right, ctx)
    elif isinstance(expr, Or):
        seed_for(expr.left, ctx)
    elif isinstance(expr, Not):
        return


class _Enumerator:
    def __init__(
        self,
        workflow: Workflow,
        graph: Graph,
        scenario: Mapping[str, str],
        *,
        max_paths: int,
        max_depth: int,
        max_visits: int,
        restart_once: bool,
        parallel_as_unit: bool,
        distinct: bool = False,
    ) -> None:
        self.wf = workflow
        self.graph = graph
        self.scenario = dict(scenario)
        self.max_paths = max_paths
        self.max_depth = max_depth
        self.max_visits = max_visits
        self.restart_once = restart_once
        self.parallel_as_unit = parallel_as_unit
        self.distinct = distinct
        self.seen_paths: set[tuple[str, ...]] = set()
        self.results: list[RunResult] = []
        self.events = _Events()
        self.path: list[str] = []
        self.visits: Counter[str] = Counter()
        self.used_restarts: set[int] = set()
        self.work = 0
        self.cut = ""

    def visit(self, node_id: str) -> None:
        node = self.wf.node(node_id)
        self.visits[node_id] += 1
        self.path.append(node_id)
        self.events.add("node_enter", node_enter_fields(node, node_id, self.wf))
        if isinstance(node, ParallelNode):
            self.events.add("parallel_start", [("node", node_id), ("targets", _branch_targets(node))])
        elif isinstance(node, FanInNode):
            self.events.add("parallel_end", [("node", node_id), *_opt("sources", list(node.sources))])
        self.events.add("node_exit", [("node", node_id), ("status", "success"), ("duration_ms", 0)])

    def unvisit(self, node_id: str, mark: int) -> None:
        self.visits[node_id] -= 1
        self.path.pop()
        del self.events.items[mark:]

    def record(self, status: str, ctx: dict[str, str]) -> None:
        if self.distinct:
            signature = (status, *self.path)
            if signature in self.seen_paths:
                return
            self.seen_paths.add(signature)
        run_id = f"sim-path-{len(self.results) + 1:03d}"
        events: list[Event] = [{"event": "pipeline_start", "run_id": run_id, "workflow": self.wf.name, "timestamp": timestamp()}]
        events += [dict(e) for e in self.events.items]
        events.append({"event": "pipeline_end", "status": status, "nodes_visited": len(set(self.path)), "timestamp": timestamp()})
        self.results.append(RunResult(run_id, status, list(self.path), events, [], dict(ctx)))

    def stop(self) -> bool:
        if len(self.results) >= self.max_paths:
            self.cut = self.cut or f"stopped after {self.max_paths} paths"
            return True
        if self.work > MAX_PATH_WORK:
            self.cut = self.cut or f"stopped after exploring {MAX_PATH_WORK} steps"
            return True
        return False

    def explore(self, node_id: str, ctx: dict[str, str], depth: int) -> None:
        if self.stop():
            return
        if depth > self.max_depth:
            self.cut = self.cut or f"paths longer than {self.max_depth} steps were cut"
            return
        if self.visits[node_id] >= self.max_visits:
            return
        self.work += 1
        mark = len(self.events.items)
        self.visit(node_id)
        try:
            if node_id == self.wf.exit:
                self.record("success", ctx)
                return
            node = self.wf.node(node_id)
            if self.parallel_as_unit and isinstance(node, ParallelNode):
                join = find_join(self.wf, node)
                if join is not None:
                    self.through_parallel(node, join, ctx, depth)
                    return
            edges = self.graph.out(node_id)
            if not edges:
                self.record("dead_end", ctx)
                return
            for ge in edges:
                if self.stop():
                    return
                self.follow(ge, ctx, depth)
        finally:
            self.unvisit(node_id, mark)

    def follow(self, ge: GraphEdge, ctx: dict[str, str], depth: int) -> None:
        restart_id = id(ge.edge) if ge.restart else None
        if restart_id is not None and self.restart_once:
            if restart_id in self.used_restarts:
                return
            self.used_restarts.add(restart_id)
        branch_ctx = ctx
        cond = ge.edge.condition if ge.edge is not None else None
        if cond is not None and cond.expr is not None:
            branch_ctx = dict(ctx)
            seed_for(cond.expr, branch_ctx)
        mark = len(self.events.items)
        self.events.add("edge_traverse", _traverse_fields(ge))
        try:
            self.explore(ge.target, branch_ctx, depth + 1)
        finally:
            del self.events.items[mark:]
            if restart_id is not None and self.restart_once:
                self.used_restarts.discard(restart_id)

    def through_parallel(self, node: ParallelNode, join: str, ctx: dict[str, str], depth: int) -> None:
        mark = len(self.events.items)
        visited: list[str] = []
        for target in _branch_targets(node):
            if target == join:
                continue
            self.events.add("edge_traverse", [("from", node.id), ("to", target)])
            self.visit(target)
            visited.append(target)
        try:
            for target in visited:
                self.events.add("edge_traverse", [("from", target), ("to", join)])
            self.explore(join, ctx, depth + 1)
        finally:
            for target in reversed(visited):
                self.visits[target] -= 1
                self.path.pop()
            del self.events.items[mark:]

    def run(self) -> PathsResult:
        self.explore(self.wf.start, dict(self.scenario), 0)
        if not self.results:
            raise SimulationError("no execution paths found" + (f" ({self.cut})" if self.cut else ""))
        return PathsResult(self.results, bool(self.cut), self.cut)


def enumerate_paths(
    workflow: Workflow,
    scenario: Mapping[str, str] | None = None,
    *,
    max_paths: int = MAX_PATHS,
    max_depth: int = MAX_DEPTH,
    max_visits: int = MAX_VISITS_PER_PATH,
    restart_once: bool = False,
    parallel_as_unit: bool = False,
    distinct: bool = False,
    graph: Graph | None = None,
) -> PathsResult:
    """Depth-first enumeration of routes ignoring conditions (spec §8.5). With the
    defaults this is the reference's ``--all-paths``: every outgoing edge (each parallel
    target too) is an alternative, a node appears at most twice per path, at most 100
    results and 200 steps. ``restart_once`` lets each restart edge be taken at most once
    per path and ``parallel_as_unit`` walks all branches of a parallel together, which is
    what the plan report lists; ``distinct`` drops repeated node sequences (two edges
    between the same nodes). ``truncated``/``note`` say when a cap cut the search."""
    check_runnable(workflow)
    return _Enumerator(
        workflow,
        graph or Graph.build(workflow),
        scenario or {},
        max_paths=max_paths,
        max_depth=max_depth,
        max_visits=max_visits,
        restart_once=restart_once,
        parallel_as_unit=parallel_as_unit,
        distinct=distinct,
    ).run()


# ---------------------------------------------------------------------------- plan report

HANDLERS: dict[str, tuple[str, str]] = {
    "agent": ("codergen", "box"),
    "human": ("wait.human", "hexagon"),
    "tool": ("tool", "parallelogram"),
    "parallel": ("parallel", "component"),
    "fan_in": ("parallel.fan_in", "tripleoctagon"),
    "subgraph": ("subgraph", "tab"),
    "conditional": ("conditional", "diamond"),
    "manager_loop": ("stack.manager_loop", "house"),
}


def handler_and_shape(node: AnyNode, workflow: Workflow) -> tuple[str, str]:
    """Engine handler and shape (engine spec §1.3.3, start/exit designation included)."""
    handler, shape = HANDLERS.get(node.kind, ("", ""))
    bare = isinstance(node, AgentNode) and not node.prompt.strip()
    if node.id == workflow.start and bare:
        return "start", "Mdiamond"
    if node.id == workflow.exit and bare:
        return "exit", "Msquare"
    return handler, shape


def _kv(params: Mapping[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(params.items()))


def engine_attrs(node: AnyNode) -> dict[str, str]:
    """The node's configuration as the engine's flat string attributes (§1.3.4); unset
    values are left out."""
    raw: list[tuple[str, Any]] = []
    if isinstance(node, AgentNode):
        raw += [
            ("prompt", node.prompt), ("system_prompt", node.system_prompt), ("llm_model", node.model),
            ("llm_provider", node.provider), ("max_turns", node.max_turns),
            ("command_timeout", format_duration(node.cmd_timeout) if node.cmd_timeout else ""),
            ("cache_tool_results", node.cache_tools), ("context_compaction", node.compaction),
            ("context_compaction_threshold", f"{node.compaction_threshold:.2f}" if node.compaction_threshold else ""),
            ("last_response_truncate", node.last_response_truncate), ("reasoning_effort", node.reasoning_effort),
            ("fidelity", node.fidelity), ("auto_status", node.auto_status), ("goal_gate", node.goal_gate),
            ("response_format", node.response_format), ("response_schema", node.response_schema),
            ("backend", node.backend), ("working_dir", node.working_dir),
            ("writable_paths", ",".join(node.writable_paths)), ("tool_access", node.tool_access),
        ]
    elif isinstance(node, HumanNode):
        raw += [
            ("mode", node.mode), ("default_choice", node.default), ("default", node.default),
            ("questions_key", node.questions_key), ("answers_key", node.answers_key), ("prompt", node.prompt),
            ("timeout", format_duration(node.timeout) if node.timeout else ""), ("timeout_action", node.timeout_action),
        ]
    elif isinstance(node, ToolNode):
        raw += [
            ("tool_command", node.command), ("timeout", format_duration(node.timeout) if node.timeout else ""),
            ("marker_grep", node.marker_grep), ("route_required", node.route_required),
            ("output_limit", node.output_limit), ("outputs", ",".join(node.outputs)),
        ]
    elif isinstance(node, ParallelNode):
        raw.append(("parallel_targets", ",".join(_branch_targets(node))))
    elif isinstance(node, FanInNode):
        raw.append(("fan_in_sources", ",".join(node.sources)))
    elif isinstance(node, SubgraphNode):
        raw += [("subgraph_ref", node.ref), ("subgraph_params", _kv(node.params))]
    elif isinstance(node, ManagerLoopNode):
        raw += [
            ("subgraph_ref", node.subgraph_ref),
            ("poll_interval", format_duration(node.poll_interval) if node.poll_interval else ""),
            ("max_cycles", node.max_cycles),
            ("stop_condition", node.stop_condition.raw if node.stop_condition else ""),
            ("steer_condition", node.steer_condition.raw if node.steer_condition else ""),
            ("steer_context", _kv(node.steer_context)),
        ]
    raw += [
        ("retry_policy", node.retry_policy), ("max_retries", node.max_retries),
        ("base_delay", format_duration(node.base_delay) if node.base_delay else ""),
        ("retry_target", node.retry_target), ("fallback_retry_target", node.fallback_target),
        ("reads", ",".join(node.reads)), ("writes", ",".join(node.writes)),
    ]
    attrs: dict[str, str] = {}
    for key, value in raw:
        if value in ("", 0, False, None):
            continue
        if isinstance(value, bool):
            attrs[key] = "true"
        elif isinstance(value, float):
            attrs[key] = format_float(value)
        else:
            attrs[key] = str(value)
    for key, value in getattr(node, "params", {}).items():
        if not isinstance(node, SubgraphNode):
            attrs.setdefault(key, value)
    return attrs


def report_edges(workflow: Workflow) -> list[dict[str, str]]:
    """Every edge the engine's graph has: the written ones, then the implicit
    ``parallel → target``, ``parallel → join`` and ``source → fan_in`` edges."""
    out = [
        {"from": e.source, "to": e.target, "label": e.label, "condition": e.condition.raw if e.condition else ""}
        for e in workflow.edges
    ]
    written = {(e.source, e.target) for e in workflow.edges}
    fan_ins = [n for n in workflow.nodes if isinstance(n, FanInNode)]
    for node in workflow.nodes:
        if isinstance(node, ParallelNode):
            targets = _branch_targets(node)
            for t in targets:
                if (node.id, t) not in written:
                    out.append({"from": node.id, "to": t, "label": "", "condition": ""})
            join = next((j.id for j in fan_ins if targets and targets[0] in j.sources), None)
            if join is not None and (node.id, join) not in written:
                out.append({"from": node.id, "to": join, "label": "", "condition": ""})
    for node in fan_ins:
        for s in node.sources:
            if (s, node.id) not in written:
                out.append({"from": s, "to": node.id, "label": "", "condition": ""})
    return out


def plan_report(workflow: Workflow, *, graph_attrs: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The ``tracker simulate`` report (engine spec §8.6.4): ``format``, ``name``,
    ``start_node``, ``exit_node``, ``graph_attrs``, ``nodes``, ``edges``,
    ``execution_plan`` (BFS from the start following edges in declaration order) and
    ``unreachable`` (sorted)."""
    if graph_attrs is None:
        from tracker.dippin.analysis_sources import graph_attributes

        graph_attrs = {a.name: a.value for a in graph_attributes(workflow)}
    edges = report_edges(workflow)
    by_source: dict[str, list[dict[str, str]]] = {}
    for e in edges:
        by_source.setdefault(e["from"], []).append(e)
    order: list[str] = []
    seen: set[str] = set()
    if workflow.node(workflow.start) is not None:
        queue = deque([workflow.start])
        seen.add(workflow.start)
        while queue:
            node_id = queue.popleft()
            order.append(node_id)
            for e in by_source.get(node_id, ()):
                if e["to"] not in seen and workflow.node(e["to"]) is not None:
                    seen.add(e["to"])
                    queue.append(e["to"])
    declared = list(dict.fromkeys(n.id for n in workflow.nodes))
    unreachable = sorted(i for i in declared if i not in seen)
    nodes = []
    for node_id in order + unreachable:
        node = workflow.node(node_id)
        assert node is not None
        handler, shape = handler_and_shape(node, workflow)
        nodes.append(
            {"id": node_id, "handler": handler, "shape": shape, "label": "" if node.label in ("", node_id) else node.label, "attrs": engine_attrs(node)}
        )
    plan = []
    for step, node_id in enumerate(order, 1):
        plan.append(
            {
                "step": step,
                "node_id": node_id,
                "edges": [{"to": e["to"], "label": e["label"], "condition": e["condition"]} for e in by_source.get(node_id, ())],
            }
        )
    return {
        "format": "dip",
        "name": workflow.name,
        "start_node": workflow.start,
        "exit_node": workflow.exit,
        "graph_attrs": dict(sorted(graph_attrs.items())),
        "nodes": nodes,
        "edges": edges,
        "execution_plan": plan,
        "unreachable": unreachable,
        "vars": {name: decl.value for name, decl in sorted(workflow.vars.items())},
        "inputs": [_input_report(decl) for decl in workflow.inputs],
    }


def _input_report(decl: InputDecl) -> dict[str, Any]:
    """A declared input as front ends need it to ask for a value."""
    out: dict[str, Any] = {"name": decl.name, "type": decl.type, "required": decl.required}
    if decl.default is not None:
        out["default"] = decl.default
    for key in ("prompt", "description", "pattern"):
        if getattr(decl, key):
            out[key] = getattr(decl, key)
    if decl.options:
        out["options"] = list(decl.options)
    if decl.multiline:
        out["multiline"] = True
    for key in ("min", "max"):
        if getattr(decl, key) is not None:
            out[key] = getattr(decl, key)
    if decl.max_length:
        out["max_length"] = decl.max_length
    return out


def paths_report(result: PathsResult) -> dict[str, Any]:
    """The ``paths`` part of the report."""
    return {
        "paths": [{"id": i, "status": r.status, "nodes": r.path} for i, r in enumerate(result.paths, 1)],
        "truncated": result.truncated,
        "note": result.note,
    }


def full_report(
    workflow: Workflow, *, all_paths: bool = False, max_paths: int = MAX_PATHS, workflow_dir: str | None = None
) -> dict[str, Any]:
    """The plan report plus, with ``all_paths``, ``paths``/``truncated``/``note``: what
    ``tracker simulate --json`` prints and the editor's ``tracker.simulate`` returns.
    ``workflow_dir`` fills the ``graph.workflow_dir`` attribute (left out when None)."""
    from tracker.dippin.analysis_sources import graph_attributes

    attrs = {a.name: a.value for a in graph_attributes(workflow)}
    if workflow_dir is None:
        attrs.pop("workflow_dir", None)
    else:
        attrs["workflow_dir"] = workflow_dir
    report = plan_report(workflow, graph_attrs=attrs)
    if all_paths:
        try:
            found = enumerate_paths(
                workflow, max_paths=max(1, max_paths), restart_once=True, parallel_as_unit=True, distinct=True
            )
        except SimulationError as exc:
            report.update({"paths": [], "truncated": False, "note": str(exc)})
        else:
            report.update(paths_report(found))
    return report


# ---------------------------------------------------------------------------- mermaid

_MERMAID_SHAPES: dict[str, tuple[str, str]] = {
    "agent": ("[", "]"),
    "human": ("{{", "}}"),
    "tool": ("[/", "/]"),
    "parallel": ("[[", "]]"),
    "fan_in": ("[[", "]]"),
    "subgraph": ("[[", "]]"),
    "conditional": ("{", "}"),
    "manager_loop": ("[(", ")]"),
}


def _mermaid_text(text: str) -> str:
    return '"' + text.replace('"', "#quot;").replace("\n", " ") + '"'


def to_mermaid(workflow: Workflow) -> str:
    """The workflow as a Mermaid ``flowchart``: shapes by node kind, conditions and labels
    on the edges, restart edges dotted, start and exit rounded."""
    ids = list(dict.fromkeys(n.id for n in workflow.nodes))
    alias = {node_id: f"n{i}" for i, node_id in enumerate(ids)}
    lines = ["flowchart TD"]
    for node_id in ids:
        node = workflow.node(node_id)
        assert node is not None
        text = node.label if node.label and node.label != node_id else node_id
        if node_id in (workflow.start, workflow.exit):
            left, right = "([", "])"
        else:
            left, right = _MERMAID_SHAPES.get(node.kind, ("[", "]"))
        lines.append(f"  {alias[node_id]}{left}{_mermaid_text(text)}{right}")

    def ref(node_id: str) -> str:
        if node_id not in alias:
            alias[node_id] = f"n{len(alias)}"
            lines.append(f"  {alias[node_id]}[{_mermaid_text(node_id + ' (missing)')}]")
        return alias[node_id]

    for e in report_edges(workflow):
        text = " / ".join(x for x in (e["label"], f"when {e['condition']}" if e["condition"] else "") if x)
        restart = any(w.restart for w in workflow.edges if w.source == e["from"] and w.target == e["to"])
        arrow = "-.->" if restart else "-->"
        middle = f"|{_mermaid_text(text)}|" if text else ""
        lines.append(f"  {ref(e['from'])} {arrow}{middle} {ref(e['to'])}")
    return "\n".join(lines) + "\n"
