"""The runtime graph: the IR flattened into string attributes, plus implicit edges.

Attribute names follow the reference adapter (engine spec §1.3.4) so prompts, conditions,
``$name`` variables and the agent handler see the names users know (``llm_model``,
``tool_command``, ``fallback_retry_target``, ...). Handlers read typed values on demand
from these strings; the typed IR node stays available as ``RuntimeNode.ir``.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from tracker.dippin import ir
from tracker.dippin.conditions import Expr
from tracker.dippin.values import format_duration

HANDLER_BY_KIND = {
    "agent": "codergen",
    "human": "wait.human",
    "tool": "tool",
    "parallel": "parallel",
    "fan_in": "parallel.fan_in",
    "subgraph": "subgraph",
    "conditional": "conditional",
    "manager_loop": "stack.manager_loop",
}
SHAPE_BY_KIND = {
    "agent": "box",
    "human": "hexagon",
    "tool": "parallelogram",
    "parallel": "component",
    "fan_in": "tripleoctagon",
    "subgraph": "tab",
    "conditional": "diamond",
    "manager_loop": "house",
}
AGENT_PARAM_PROMOTIONS = (
    "backend", "acp_agent", "mcp_servers", "allowed_tools", "disallowed_tools", "max_budget_usd",
    "permission_mode", "tool_access",
)  # fmt: skip


@dataclass(slots=True)
class RuntimeNode:
    id: str
    kind: str
    handler: str
    shape: str
    label: str
    attrs: dict[str, str]
    ir: ir.AnyNode | None = None

    @property
    def display(self) -> str:
        return self.label or self.id


@dataclass(slots=True)
class RuntimeEdge:
    source: str
    target: str
    label: str = ""
    condition: str = ""
    expr: Expr | None = None
    condition_error: str = ""
    weight: int = 0
    choice: str = ""
    override: bool = False
    restart: bool = False
    parallel_join: bool = False
    implicit: bool = False

    @property
    def routing_key(self) -> str:
        return self.choice or self.label or self.target


@dataclass
class RuntimeGraph:
    name: str
    nodes: dict[str, RuntimeNode]
    edges: list[RuntimeEdge]
    attrs: dict[str, str]
    start: str
    exit: str
    workflow: ir.Workflow
    path: Path | None = None
    outgoing: dict[str, list[RuntimeEdge]] = field(default_factory=dict)
    _reach_cache: dict[str, frozenset[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.reindex()

    def reindex(self) -> None:
        self.outgoing = {}
        for e in self.edges:
            self.outgoing.setdefault(e.source, []).append(e)
        self._reach_cache = {}

    def out(self, node_id: str) -> list[RuntimeEdge]:
        return self.outgoing.get(node_id, [])

    def reachable(self, start: str) -> frozenset[str]:
        """``start`` and every node reachable from it over outgoing edges (BFS)."""
        cached = self._reach_cache.get(start)
        if cached is not None:
            return cached
        seen = {start}
        order = deque([start])
        while order:
            n = order.popleft()
            for e in self.out(n):
                if e.target not in seen:
                    seen.add(e.target)
                    order.append(e.target)
        result = frozenset(seen)
        self._reach_cache[start] = result
        return result

    def reachable_ordered(self, start: str) -> list[str]:
        seen = [start]
        known = {start}
        i = 0
        while i < len(seen):
            for e in self.out(seen[i]):
                if e.target not in known:
                    known.add(e.target)
                    seen.append(e.target)
            i += 1
        return seen


# ----------------------------------------------------------------------------- adaptation


def _dur(ns: int) -> str:
    return format_duration(ns) if ns else ""


def _put(attrs: dict[str, str], key: str, value: object) -> None:
    """Set a non-empty attribute (ints > 0, ``true`` for set flags)."""
    if value is None or value == "" or value is False:
        return
    if isinstance(value, bool):
        attrs[key] = "true"
    elif isinstance(value, int):
        if value > 0:
            attrs[key] = str(value)
    elif isinstance(value, list):
        if value:
            attrs[key] = ",".join(value)
    else:
        attrs[key] = str(value)


def _common(node: ir.NodeBase, attrs: dict[str, str]) -> None:
    _put(attrs, "label", node.label)
    _put(attrs, "retry_policy", node.retry_policy)
    _put(attrs, "max_retries", node.max_retries)
    _put(attrs, "base_delay", _dur(node.base_delay))
    _put(attrs, "retry_target", node.retry_target)
    _put(attrs, "fallback_retry_target", node.fallback_target)
    _put(attrs, "reads", node.reads)
    _put(attrs, "writes", node.writes)


def _encode_steer(values: dict[str, str]) -> str:
    def esc(text: str) -> str:
        return text.replace("%", "%25").replace(",", "%2C").replace("=", "%3D")

    return ",".join(f"{esc(k)}={esc(v)}" for k, v in sorted(values.items()))


def node_attrs(node: ir.AnyNode) -> dict[str, str]:
    """The flat attribute map of one IR node (engine spec §1.3.4)."""
    attrs: dict[str, str] = {}
    _common(node, attrs)
    if isinstance(node, ir.AgentNode):
        _put(attrs, "prompt", node.prompt)
        _put(attrs, "system_prompt", node.system_prompt)
        _put(attrs, "llm_model", node.model)
        _put(attrs, "llm_provider", node.provider)
        _put(attrs, "max_turns", node.max_turns)
        _put(attrs, "command_timeout", _dur(node.cmd_timeout))
        if node.cache_tools is not None:
            attrs["cache_tool_results"] = "true" if node.cache_tools else "false"
        _put(attrs, "context_compaction", node.compaction)
        if node.compaction_threshold:
            attrs["context_compaction_threshold"] = f"{node.compaction_threshold:.2f}"
        _put(attrs, "last_response_truncate", node.last_response_truncate)
        _put(attrs, "reasoning_effort", node.reasoning_effort)
        _put(attrs, "fidelity", node.fidelity)
        _put(attrs, "auto_status", node.auto_status)
        _put(attrs, "goal_gate", node.goal_gate)
        _put(attrs, "response_format", node.response_format)
        _put(attrs, "response_schema", node.response_schema)
        _put(attrs, "backend", node.backend)
        _put(attrs, "working_dir", node.working_dir)
        if node.writable_paths or "writable_paths" in node.fields or "writable_paths" in node.params:
            attrs["writable_paths"] = ",".join(node.writable_paths)
        _put(attrs, "tool_access", node.tool_access)
        for key, value in node.params.items():
            attrs.setdefault(key, value)
    elif isinstance(node, ir.HumanNode):
        _put(attrs, "mode", node.mode)
        if node.default:
            attrs["default_choice"] = node.default
            attrs["default"] = node.default
        _put(attrs, "questions_key", node.questions_key)
        _put(attrs, "answers_key", node.answers_key)
        _put(attrs, "prompt", node.prompt)
        _put(attrs, "timeout", _dur(node.timeout))
        _put(attrs, "timeout_action", node.timeout_action)
    elif isinstance(node, ir.ToolNode):
        _put(attrs, "tool_command", node.command)
        _put(attrs, "timeout", _dur(node.timeout))
        _put(attrs, "marker_grep", node.marker_grep)
        _put(attrs, "route_required", node.route_required)
        _put(attrs, "output_limit", node.output_limit)
        _put(attrs, "outputs", node.outputs)
    elif isinstance(node, ir.ParallelNode):
        _put(attrs, "parallel_targets", node.targets)
        for i, br in enumerate(node.branches):
            overrides = {
                "llm_model": br.model,
                "llm_provider": br.provider,
                "fidelity": br.fidelity,
                "tool_access": br.tool_access,
                "writable_paths": ",".join(br.writable_paths),
                "last_response_truncate": str(br.last_response_truncate) if br.last_response_truncate else "",
            }
            if any(overrides.values()):
                attrs[f"branch.{i}.target"] = br.target
                for key, value in overrides.items():
                    if value:
                        attrs[f"branch.{i}.{key}"] = value
        for key, value in node.params.items():
            attrs.setdefault(key, value)
    elif isinstance(node, ir.FanInNode):
        _put(attrs, "fan_in_sources", node.sources)
        for key, value in node.params.items():
            attrs.setdefault(key, value)
    elif isinstance(node, ir.SubgraphNode):
        _put(attrs, "subgraph_ref", node.ref)
        if node.params:
            attrs["subgraph_params"] = ",".join(f"{k}={v}" for k, v in sorted(node.params.items()))
    elif isinstance(node, ir.ManagerLoopNode):
        _put(attrs, "subgraph_ref", node.subgraph_ref)
        _put(attrs, "poll_interval", _dur(node.poll_interval))
        _put(attrs, "max_cycles", node.max_cycles)
        if node.stop_condition is not None:
            _put(attrs, "stop_condition", node.stop_condition.raw)
        if node.steer_condition is not None:
            _put(attrs, "steer_condition", node.steer_condition.raw)
        if node.steer_context:
            attrs["steer_context"] = _encode_steer(node.steer_context)
    return attrs


def graph_attrs(wf: ir.Workflow, workflow_dir: Path | None) -> dict[str, str]:
    attrs: dict[str, str] = {}
    _put(attrs, "goal", wf.goal)
    if wf.requires:
        attrs["requires"] = ", ".join(dict.fromkeys(wf.requires))
    for name, var in wf.vars.items():
        attrs[f"params.{name}"] = var.value
    d = wf.defaults
    _put(attrs, "llm_model", d.model)
    _put(attrs, "llm_provider", d.provider)
    _put(attrs, "tool_commands_allow", d.tool_commands_allow)
    _put(attrs, "tool_denylist_add", d.tool_denylist_add)
    _put(attrs, "default_retry_policy", d.retry_policy)
    _put(attrs, "default_max_retry", d.max_retries)
    _put(attrs, "default_fidelity", d.fidelity)
    _put(attrs, "max_restarts", d.max_restarts)
    _put(attrs, "restart_target", d.restart_target)
    _put(attrs, "fallback_target", d.on_failure)
    if d.cache_tools:
        attrs["cache_tool_results"] = "true"
    _put(attrs, "context_compaction", d.compaction)
    _put(attrs, "on_resume", d.on_resume)
    _put(attrs, "max_total_tokens", d.max_total_tokens)
    _put(attrs, "max_cost_cents", d.max_cost_cents)
    _put(attrs, "max_wall_time", _dur(d.max_wall_time))
    _put(attrs, "stall_timeout", _dur(d.stall_timeout))
    if workflow_dir is not None:
        attrs["workflow_dir"] = str(workflow_dir)
    return attrs


def build_graph(wf: ir.Workflow, path: Path | None = None) -> RuntimeGraph:
    """Adapt a parsed workflow to the runtime graph (engine spec §1.3)."""
    nodes: dict[str, RuntimeNode] = {}
    for n in wf.nodes:
        if n.id in nodes:
            continue
        attrs = node_attrs(n)
        handler = attrs.get("type") or HANDLER_BY_KIND[n.kind]
        shape = SHAPE_BY_KIND[n.kind]
        nodes[n.id] = RuntimeNode(n.id, n.kind, handler, shape, n.label, attrs, n)
    for marker, handler, shape in ((wf.start, "start", "Mdiamond"), (wf.exit, "exit", "Msquare")):
        node = nodes.get(marker)
        if node is not None and (node.handler == "codergen" and not node.attrs.get("prompt")):
            node.handler = handler
            node.shape = shape

    edges: list[RuntimeEdge] = []
    for e in wf.edges:
        cond = e.condition
        edges.append(
            RuntimeEdge(
                source=e.source,
                target=e.target,
                label=e.label,
                condition=cond.raw.strip() if cond is not None else "",
                expr=cond.expr if cond is not None else None,
                condition_error=(cond.error or "") if cond is not None else "",
                weight=e.weight,
                choice=e.choice,
                override=e.override,
                restart=e.restart,
            )
        )
    unconditional = {(e.source, e.target) for e in edges if not e.condition}

    def implicit(source: str, target: str, join: bool = False) -> None:
        if (source, target) in unconditional:
            return
        unconditional.add((source, target))
        edges.append(RuntimeEdge(source=source, target=target, parallel_join=join, implicit=True))

    fan_ins = [n for n in wf.nodes if isinstance(n, ir.FanInNode)]
    for n in wf.nodes:
        if isinstance(n, ir.ParallelNode):
            for t in n.targets:
                implicit(n.id, t)
            if n.targets:
                join = next((f for f in fan_ins if n.targets[0] in f.sources), None)
                if join is not None:
                    implicit(n.id, join.id, join=True)
                    for runtime_edge in edges:
                        if runtime_edge.source == n.id and runtime_edge.target == join.id:
                            runtime_edge.parallel_join = True
    for f in fan_ins:
        for s in f.sources:
            implicit(s, f.id)
    workflow_dir = path.parent.resolve() if path is not None else None
    return RuntimeGraph(
        name=wf.name,
        nodes=nodes,
        edges=edges,
        attrs=graph_attrs(wf, workflow_dir),
        start=wf.start,
        exit=wf.exit,
        workflow=wf,
        path=path,
    )
