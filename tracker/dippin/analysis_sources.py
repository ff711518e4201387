"""Where context keys come from and where they are read, node by node.

Writers: the keys each node kind's handler writes (engine spec §3–§4), ``writes:``
declarations, interview ``answers_key``, the engine's routing keys and the per-node
``node.<id>.<key>`` copies; plus the values seeded at start (graph attributes, workflow
variables, declared inputs). Reads: every ``${...}`` reference, every condition variable
and every ``reads:`` entry, each with its range. The dataflow in
:mod:`tracker.dippin.analysis` combines the two.
"""

from __future__ import annotations

from tracker.dippin import context_keys as K
from tracker.dippin.conditions import Expr, comparisons
from tracker.dippin.ir import (
    AgentNode,
    AnyNode,
    FanInNode,
    FieldSource,
    HumanNode,
    ManagerLoopNode,
    ParallelNode,
    ToolNode,
    Workflow,
)
from tracker.dippin.positions import Position, Range
from tracker.dippin.records import record
from tracker.dippin.values import format_duration


@record(kw_only=False, eq=True)
class Writer:
    """One place that writes a context key.

    ``kind`` is ``builtin`` (the handler writes it), ``writes`` (a ``writes:`` entry),
    ``answers_key`` (an interview gate's answers), ``scoped`` (the ``node.<id>.<key>``
    copy), ``params``/``graph``/``inputs`` (seeded at start; ``node_id`` is ``""``) or
    ``engine`` (the run loop's routing keys). ``definite`` is False when the node writes
    the key only in some runs (a timeout, a guard, an optional input).
    """

    node_id: str
    kind: str
    range: Range
    description: str
    key: str = ""
    definite: bool = True


@record(kw_only=False, eq=True)
class Read:
    """One read of a value: a ``${ns.key}`` reference, a condition variable or a ``reads:``
    entry. Edge reads have ``node_id`` None and ``edge_index`` set (into
    ``workflow.edges``); ``namespace`` is ``""`` for a bare condition variable."""

    node_id: str | None
    edge_index: int | None
    namespace: str
    key: str
    range: Range
    origin: str  # interpolation | condition | reads
    field: str = ""

    @property
    def context_key(self) -> str:
        """The key as looked up at run time: ``last_response``, ``node.A.outcome``,
        ``graph.goal``, ``inputs.spec``, ``params.x`` (a graph attribute)."""
        if self.namespace in ("ctx", ""):
            return self.key
        return f"{self.namespace}.{self.key}"


# ---------------------------------------------------------------------------- graph attributes

# defaults field → graph attribute (engine spec §1.3.4)
DEFAULTS_TO_ATTR: dict[str, str] = {
    "model": "llm_model",
    "provider": "llm_provider",
    "retry_policy": "default_retry_policy",
    "max_retries": "default_max_retry",
    "fidelity": "default_fidelity",
    "max_restarts": "max_restarts",
    "restart_target": "restart_target",
    "on_failure": "fallback_target",
    "cache_tools": "cache_tool_results",
    "compaction": "context_compaction",
    "on_resume": "on_resume",
    "max_total_tokens": "max_total_tokens",
    "max_cost_cents": "max_cost_cents",
    "max_wall_time": "max_wall_time",
    "stall_timeout": "stall_timeout",
    "tool_commands_allow": "tool_commands_allow",
    "tool_denylist_add": "tool_denylist_add",
}
# Attribute names the engine knows but a workflow may leave unset.
KNOWN_GRAPH_ATTRS = frozenset({*DEFAULTS_TO_ATTR.values(), "goal", "workflow_dir", "requires", "model_stylesheet", "version"})


@record(kw_only=False, eq=True)
class GraphAttr:
    name: str
    value: str
    description: str
    range: Range


def _value_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def graph_attributes(workflow: Workflow) -> list[GraphAttr]:
    """The graph attributes a run of ``workflow`` starts with (``${graph.<name>}``)."""
    anchor = workflow.name_range
    attrs: list[GraphAttr] = []
    goal_src = workflow.fields.get("goal")
    attrs.append(GraphAttr("goal", workflow.goal, "the workflow goal", goal_src.value_range if goal_src else anchor))
    attrs.append(GraphAttr("workflow_dir", "", "directory of the workflow file (set by the CLI at start)", anchor))
    if workflow.requires:
        src = workflow.fields.get("requires")
        attrs.append(GraphAttr("requires", ", ".join(dict.fromkeys(workflow.requires)), "environment prerequisites", src.value_range if src else anchor))
    if workflow.stylesheet:
        src = workflow.fields.get("stylesheet")
        attrs.append(GraphAttr("model_stylesheet", "", "the model stylesheet", src.value_range if src else anchor))
    defaults = workflow.defaults
    for name, src in defaults.fields.items():
        attr = DEFAULTS_TO_ATTR.get(name)
        if attr is None:
            continue
        raw = getattr(defaults, name, "")
        if name in ("max_wall_time", "stall_timeout") and isinstance(raw, int):
            text = format_duration(raw)
        else:
            text = _value_text(raw)
        attrs.append(GraphAttr(attr, text, f"from defaults `{name}`", src.value_range))
    for name, var in workflow.vars.items():
        attrs.append(GraphAttr(f"params.{name}", var.value, f"workflow variable `{name}`", var.source.key_range))
    return attrs


def seed_writers(workflow: Workflow, attrs: list[GraphAttr]) -> list[Writer]:
    """Keys in the context before the first node runs: ``graph.*`` and ``inputs.*``."""
    out: list[Writer] = []
    for attr in attrs:
        kind = "params" if attr.name.startswith("params.") else "graph"
        shown = f": {_clip(attr.value)}" if attr.value else ""
        out.append(Writer("", kind, attr.range, f"{attr.description}{shown}", f"graph.{attr.name}", True))
    for decl in workflow.inputs:
        definite = decl.required or decl.default is not None
        out.append(Writer("", "inputs", decl.name_range, f"declared input ({decl.type or 'text'})", f"inputs.{decl.name}", definite))
    return out


def _clip(text: str, limit: int = 60) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"


# ---------------------------------------------------------------------------- node writes


def is_passthrough(node: AnyNode, workflow: Workflow) -> bool:
    """A bare start/exit agent (no prompt) runs the start/exit handler: no writes."""
    return (
        isinstance(node, AgentNode)
        and node.id in (workflow.start, workflow.exit)
        and not node.prompt.strip()
    )


def human_mode(node: HumanNode) -> str:
    mode = node.mode.strip()
    return mode if mode in ("freeform", "hybrid", "interview", "yes_no") else "choice"


def answers_key(node: HumanNode) -> str:
    return node.answers_key.strip() or K.DEFAULT_ANSWERS_KEY


class _Collector:
    def __init__(self, node: AnyNode) -> None:
        self.node = node
        self.items: list[Writer] = []

    def add(self, key: str, kind: str, rng: Range | None = None, definite: bool = True, description: str = "") -> None:
        text = description or K.meaning(key) or f"written by {self.node.id}"
        self.items.append(Writer(self.node.id, kind, rng or self.node.id_range, text, key, definite))

    def builtin(self, key: str, definite: bool = True) -> None:
        self.add(key, "builtin", definite=definite)


def _declared_writes(c: _Collector, node: AnyNode, applied: bool, item_ranges: list[Range] | None) -> None:
    if not node.writes:
        return
    src = node.fields.get("writes")
    fallback = src.value_range if src else node.id_range
    for i, key in enumerate(node.writes):
        rng = item_ranges[i] if item_ranges and i < len(item_ranges) else fallback
        how = "extracted from its JSON output" if applied else "declared, but this gate's mode does not apply `writes:`"
        c.add(key, "writes", rng, applied, f"declared in `writes:` of {node.id} ({how})")
    if applied:
        c.builtin("writes_error", False)
        c.builtin("writes_warning", False)


def node_writers(node: AnyNode, workflow: Workflow, item_ranges: list[Range] | None = None) -> list[Writer]:
    """Every key ``node`` writes when it runs (without the scoped copies)."""
    c = _Collector(node)
    for key in ("outcome", "preferred_label", "suggested_next_nodes"):
        c.add(key, "engine", description=f"{K.meaning(key)} Set by the engine after {node.id} runs.")
    if is_passthrough(node, workflow):
        return c.items
    if isinstance(node, AgentNode):
        c.builtin("last_response")
        c.builtin(f"response.{node.id}")
        for key in ("last_cost", "last_turns", "episode_summary", "episode_summaries", "turn_limit_msg",
                    "turn_breach_class", "node_cost_exceeded", "node_no_progress"):
            c.builtin(key, False)
        _declared_writes(c, node, True, item_ranges)
    elif isinstance(node, HumanNode):
        mode = human_mode(node)
        if mode in ("freeform", "hybrid"):
            c.builtin("human_response")
            c.builtin(f"response.{node.id}")
        elif mode == "interview":
            src = node.fields.get("answers_key")
            key = answers_key(node)
            c.add(key, "answers_key", src.value_range if src else node.id_range, True,
                  f"interview answers (JSON) of {node.id}")
            c.builtin("human_response")
            c.builtin(f"response.{node.id}")
        elif node.timeout > 0:
            c.builtin("human_response", False)
            c.builtin(f"response.{node.id}", False)
        _declared_writes(c, node, mode == "interview", item_ranges)
    elif isinstance(node, ToolNode):
        c.builtin("tool_stdout")
        c.builtin("tool_stderr")
        c.builtin("tool_route")
        if node.marker_grep:
            src = node.fields.get("marker_grep")
            rng = src.value_range if src else node.id_range
            c.add("tool_marker", "builtin", rng, True)
            c.add("tool_marker_error", "builtin", rng, True)
        _declared_writes(c, node, True, item_ranges)
    elif isinstance(node, ParallelNode):
        c.builtin("parallel.results")
        if _policy(node.params) != "any":
            c.builtin("fan_in.policy_detail")
    elif isinstance(node, FanInNode):
        if _policy(node.params) != "any":
            c.builtin("fan_in.policy_detail")
    elif isinstance(node, ManagerLoopNode):
        c.builtin("stack.child.status")
        c.builtin("stack.child.cycles", False)
        c.builtin("stack.child.exit_status", False)
    return c.items


def _policy(params: dict[str, str]) -> str:
    return (params.get("fan_in_policy") or "any").strip() or "any"


def scoped_writers(node_id: str, writers: list[Writer]) -> list[Writer]:
    """The ``node.<id>.<key>`` copies the engine makes of a node's writes."""
    out: list[Writer] = []
    for w in writers:
        if w.key.startswith("node.") or w.key in K.UNSCOPED_KEYS:
            continue
        out.append(
            Writer(node_id, "scoped", w.range, f"copy of `{w.key}` as {node_id} left it", K.scoped_key(node_id, w.key), w.definite)
        )
    return out


def is_opaque(node: AnyNode) -> bool:
    """Subgraph and manager-loop nodes merge a child's whole context back: their
    writes cannot be known from this file."""
    return node.kind in ("subgraph", "manager_loop")


def consumes_human_response(node: AnyNode, workflow: Workflow) -> bool:
    """An agent (or a parallel with an agent branch) blanks ``human_response`` after it
    runs unless it changed it (engine spec §3.6)."""
    if isinstance(node, AgentNode):
        return not is_passthrough(node, workflow)
    if isinstance(node, ParallelNode):
        return any(isinstance(workflow.node(t), AgentNode) for t in node.targets)
    return False


# ---------------------------------------------------------------------------- reads

CONDITION_NAMESPACES = ("ctx", "graph", "params", "inputs", "stack")


def split_variable(variable: str) -> tuple[str, str]:
    """A condition variable as (namespace, key): ``ctx.x`` → (ctx, x); ``context.x`` →
    (ctx, x); ``graph.goal`` → (graph, goal); a bare ``outcome`` → ("", outcome)."""
    head, dot, rest = variable.partition(".")
    if dot and rest:
        if head == "context":
            return "ctx", rest
        if head in CONDITION_NAMESPACES:
            return head, rest
    return "", variable


def condition_reads(expr: Expr | None, node_id: str | None, edge_index: int | None, field_name: str) -> list[Read]:
    if expr is None:
        return []
    out: list[Read] = []
    for cmp in comparisons(expr):
        if "${" in cmp.variable:
            continue  # interpolated: the references are recorded separately
        ns, key = split_variable(cmp.variable)
        out.append(Read(node_id, edge_index, ns, key, cmp.variable_range, "condition", field_name))
    return out


def list_item_ranges(src: FieldSource | None, items: list[str], lines: list[str] | None) -> list[Range] | None:
    """Ranges of the elements of a list field (recorded by the parser; found in the
    source text for IR built without them)."""
    if src is not None and len(src.item_ranges) == len(items) and items:
        return list(src.item_ranges)
    if src is None or not lines or not items:
        return None
    out: list[Range] = []
    line_no = src.value_range.start.line
    col = src.value_range.start.character
    end = src.value_range.end
    for item in items:
        found = None
        while line_no <= end.line and line_no < len(lines):
            text = lines[line_no]
            limit = end.character if line_no == end.line else len(text)
            at = text.find(item, col, limit)
            if at != -1:
                found = Range(Position(line_no, at), Position(line_no, at + len(item)))
                col = at + len(item)
                break
            line_no += 1
            col = 0
        if found is None:
            return None
        out.append(found)
    return out


def node_reads(node: AnyNode, lines: list[str] | None) -> list[Read]:
    out: list[Read] = []
    for ref in node.references:
        out.append(Read(node.id, None, ref.namespace, ref.key, ref.range, "interpolation", ref.field))
    if node.reads:
        src = node.fields.get("reads")
        ranges = list_item_ranges(src, node.reads, lines)
        fallback = src.value_range if src else node.id_range
        for i, entry in enumerate(node.reads):
            key = entry[4:] if entry.startswith("ctx.") else entry
            rng = ranges[i] if ranges else fallback
            out.append(Read(node.id, None, "ctx", key, rng, "reads", "reads"))
    if isinstance(node, ManagerLoopNode):
        for name in ("stop_condition", "steer_condition"):
            cond = getattr(node, name)
            if cond is not None:
                out.extend(condition_reads(cond.expr, node.id, None, name))
    return out


def edge_reads(workflow: Workflow) -> list[Read]:
    out: list[Read] = []
    for i, edge in enumerate(workflow.edges):
        if edge.condition is not None:
            out.extend(condition_reads(edge.condition.expr, None, i, "condition"))
        for ref in edge.references:
            out.append(Read(None, i, ref.namespace, ref.key, ref.range, "interpolation", ref.field))
    return out
