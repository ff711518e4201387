"""The typed intermediate representation of a Dippin workflow.

Every node, field, edge, condition and ``${...}`` reference carries its source range so
diagnostics, hover, rename and go-to-definition can point at the exact text. Durations
are integer nanoseconds. Field names follow the Dippin source spelling.

The IR is made of slotted dataclasses: it is rebuilt on every keystroke in the language
server and on every CLI start, where pydantic model construction and import cost more
than the whole parse. :mod:`tracker.dippin.ir_data` converts it to plain JSON data, and
pydantic validates it at the boundaries that need validation (``TypeAdapter`` works on
these dataclasses directly).
"""

from __future__ import annotations

from dataclasses import field
from typing import Literal

from tracker.dippin.conditions import Expr
from tracker.dippin.positions import ZERO_RANGE, Position, Range
from tracker.dippin.records import record

NodeKind = Literal[
    "agent", "human", "tool", "subgraph", "conditional", "manager_loop", "parallel", "fan_in"
]
BLOCK_KINDS: tuple[str, ...] = ("agent", "human", "tool", "subgraph", "conditional", "manager_loop")
NODE_KINDS: tuple[str, ...] = (*BLOCK_KINDS, "parallel", "fan_in")


@record
class FieldSource:
    """Where a field was written: its key, its value, and how the value maps to the text.

    Value line ``k`` starts at document line ``first_line + k``, character ``columns[k]``
    (one entry for a same-line value), so an offset in the value can be mapped back.
    """

    key: str
    key_range: Range
    value_range: Range
    range: Range
    block: bool = False
    quoted: bool = False
    first_line: int = 0
    columns: list[int] = field(default_factory=list)
    item_ranges: list[Range] = field(default_factory=list)  # list fields: one range per element

    def position_at(self, value: str, offset: int) -> Position:
        """Document position of character ``offset`` of the field's (decoded) value."""
        if not self.columns:
            return self.value_range.start
        line_index = min(value.count("\n", 0, offset), len(self.columns) - 1)
        line_start_offset = value.rfind("\n", 0, offset) + 1
        extra = 1 if self.quoted and not self.block else 0
        return Position(
            line=self.first_line + line_index,
            character=self.columns[line_index] + extra + offset - line_start_offset,
        )

    def range_at(self, value: str, start: int, end: int) -> Range:
        return Range(start=self.position_at(value, start), end=self.position_at(value, end))


@record
class Reference:
    """A ``${namespace.key}`` reference in a field value."""

    namespace: str
    key: str
    expression: str
    range: Range
    field: str


@record
class Condition:
    """An edge or manager-loop condition: the text as written plus its parse tree."""

    raw: str
    range: Range
    expr: Expr | None = None
    error: str | None = None
    error_range: Range | None = None


@record
class Comment:
    """A ``#`` comment: whole-line (``own_line``) or trailing after code on a line."""

    text: str
    range: Range
    own_line: bool = True


@record
class NodeBase:
    id: str
    kind: NodeKind
    id_range: Range = ZERO_RANGE
    header_range: Range = ZERO_RANGE
    range: Range = ZERO_RANGE
    label: str = ""
    classes: list[str] = field(default_factory=list)
    reads: list[str] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)
    satisfies: list[str] = field(default_factory=list)
    retry_policy: str = ""
    max_retries: int = 0
    base_delay: int = 0
    retry_target: str = ""
    fallback_target: str = ""
    fields: dict[str, FieldSource] = field(default_factory=dict)
    references: list[Reference] = field(default_factory=list)

    def field_range(self, name: str) -> Range:
        """Range of the field's key when written, else the node's ID."""
        src = self.fields.get(name)
        return src.key_range if src else self.id_range

    def value_range(self, name: str) -> Range:
        src = self.fields.get(name)
        return src.value_range if src else self.id_range


@record
class AgentNode(NodeBase):
    kind: Literal["agent"] = "agent"
    prompt: str = ""
    system_prompt: str = ""
    model: str = ""
    provider: str = ""
    backend: str = ""
    working_dir: str = ""
    max_turns: int = 0
    cmd_timeout: int = 0
    cache_tools: bool | None = None
    compaction: str = ""
    compaction_threshold: float = 0.0
    reasoning_effort: str = ""
    fidelity: str = ""
    auto_status: bool = False
    goal_gate: bool = False
    response_format: str = ""
    response_schema: str = ""
    params: dict[str, str] = field(default_factory=dict)
    tool_access: str = ""
    writable_paths: list[str] = field(default_factory=list)
    last_response_truncate: int = 0
    prompt_file: str = ""
    system_prompt_file: str = ""


@record
class HumanNode(NodeBase):
    kind: Literal["human"] = "human"
    mode: str = ""
    default: str = ""
    prompt: str = ""
    questions_key: str = ""
    answers_key: str = ""
    timeout: int = 0
    timeout_action: str = ""
    prompt_file: str = ""


@record
class ToolNode(NodeBase):
    kind: Literal["tool"] = "tool"
    command: str = ""
    timeout: int = 0
    outputs: list[str] = field(default_factory=list)
    marker_grep: str = ""
    route_required: bool = False
    output_limit: int = 0
    verify_acid: list[str] = field(default_factory=list)
    command_file: str = ""


@record
class SubgraphNode(NodeBase):
    kind: Literal["subgraph"] = "subgraph"
    ref: str = ""
    params: dict[str, str] = field(default_factory=dict)


@record
class ConditionalNode(NodeBase):
    kind: Literal["conditional"] = "conditional"


@record
class ManagerLoopNode(NodeBase):
    kind: Literal["manager_loop"] = "manager_loop"
    subgraph_ref: str = ""
    poll_interval: int = 0
    max_cycles: int = 0
    stop_condition: Condition | None = None
    steer_condition: Condition | None = None
    steer_context: dict[str, str] = field(default_factory=dict)


@record
class Branch:
    """One ``branch:`` entry of a block-form parallel."""

    target: str
    target_range: Range = ZERO_RANGE
    range: Range = ZERO_RANGE
    model: str = ""
    provider: str = ""
    fidelity: str = ""
    tool_access: str = ""
    writable_paths: list[str] = field(default_factory=list)
    last_response_truncate: int = 0
    fields: dict[str, FieldSource] = field(default_factory=dict)


@record
class ParallelNode(NodeBase):
    kind: Literal["parallel"] = "parallel"
    targets: list[str] = field(default_factory=list)
    target_ranges: list[Range] = field(default_factory=list)
    branches: list[Branch] = field(default_factory=list)
    block_form: bool = False
    params: dict[str, str] = field(default_factory=dict)


@record
class FanInNode(NodeBase):
    kind: Literal["fan_in"] = "fan_in"
    sources: list[str] = field(default_factory=list)
    source_ranges: list[Range] = field(default_factory=list)
    params: dict[str, str] = field(default_factory=dict)


AnyNode = AgentNode | HumanNode | ToolNode | SubgraphNode | ConditionalNode | ManagerLoopNode | ParallelNode | FanInNode
Node = AnyNode


@record
class Edge:
    source: str
    target: str
    source_range: Range = ZERO_RANGE
    target_range: Range = ZERO_RANGE
    range: Range = ZERO_RANGE
    condition: Condition | None = None
    outcome_shorthand: bool = False
    label: str = ""
    weight: int = 0
    restart: bool = False
    loop_shorthand: bool = False
    choice: str = ""
    override: bool = False
    attr_ranges: dict[str, Range] = field(default_factory=dict)
    references: list[Reference] = field(default_factory=list)

    @property
    def routing_key(self) -> str:
        """What a human choice or ``preferred_label`` matches: choice, else label, else target."""
        return self.choice or self.label or self.target


@record
class Defaults:
    model: str = ""
    provider: str = ""
    retry_policy: str = ""
    max_retries: int = 0
    fidelity: str = ""
    max_restarts: int = 0
    restart_target: str = ""
    cache_tools: bool = False
    compaction: str = ""
    on_resume: str = ""
    max_total_tokens: int = 0
    max_cost_cents: int = 0
    max_wall_time: int = 0
    tool_commands_allow: str = ""
    tool_denylist_add: str = ""
    on_failure: str = ""
    stall_timeout: int = 0
    system_prompt: str = ""
    system_prompt_file: str = ""
    prompt_prefix: str = ""
    prompt_prefix_file: str = ""
    prompt_suffix: str = ""
    prompt_suffix_file: str = ""
    fields: dict[str, FieldSource] = field(default_factory=dict)
    range: Range | None = None

    def is_empty(self) -> bool:
        return not self.fields


@record
class InputDecl:
    """An entry of the ``inputs`` block: ``name: type`` plus optional attributes."""

    name: str
    type: str
    name_range: Range = ZERO_RANGE
    type_range: Range = ZERO_RANGE
    range: Range = ZERO_RANGE
    required: bool = False
    default: str | None = None
    prompt: str = ""
    description: str = ""
    multiline: bool = False
    options: list[str] = field(default_factory=list)
    pattern: str = ""
    min: float | None = None
    max: float | None = None
    max_length: int = 0
    fields: dict[str, FieldSource] = field(default_factory=dict)


@record
class SpecRef:
    loader: str
    path: str


@record
class StyleSelector:
    kind: Literal["universal", "kind", "class", "id"]
    value: str

    @property
    def specificity(self) -> int:
        return {"universal": 0, "kind": 1, "class": 2, "id": 3}[self.kind]

    def text(self) -> str:
        prefix = {"universal": "", "kind": "", "class": ".", "id": "#"}[self.kind]
        return "*" if self.kind == "universal" else prefix + self.value


@record
class StyleRule:
    selector: StyleSelector
    properties: dict[str, str] = field(default_factory=dict)
    range: Range = ZERO_RANGE
    selector_range: Range = ZERO_RANGE


@record
class VarDecl:
    name: str
    value: str
    source: FieldSource


@record
class Workflow:
    """A parsed workflow. Produced for every input, complete or not."""

    name: str = ""
    name_range: Range = ZERO_RANGE
    header_range: Range = ZERO_RANGE
    range: Range = ZERO_RANGE
    dialect: int | None = None
    goal: str = ""
    start: str = ""
    exit: str = ""
    requires: list[str] | None = None
    spec: SpecRef | None = None
    defaults: Defaults = field(default_factory=Defaults)
    vars: dict[str, VarDecl] = field(default_factory=dict)
    inputs: list[InputDecl] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    stylesheet: list[StyleRule] = field(default_factory=list)
    fields: dict[str, FieldSource] = field(default_factory=dict)
    sections: dict[str, Range] = field(default_factory=dict)
    comments: list[Comment] = field(default_factory=list)
    source_path: str | None = None
    _index: dict[str, AnyNode] | None = field(default=None, init=False, repr=False, compare=False)
    _index_len: int = field(default=-1, init=False, repr=False, compare=False)

    def node(self, node_id: str) -> AnyNode | None:
        """The first node declared with ``node_id``."""
        if self._index is None or self._index_len != len(self.nodes):
            self.reindex()
        assert self._index is not None
        return self._index.get(node_id)

    def reindex(self) -> None:
        """Rebuild the ID index (call after replacing nodes in place)."""
        index: dict[str, AnyNode] = {}
        for n in self.nodes:
            index.setdefault(n.id, n)
        self._index = index
        self._index_len = len(self.nodes)

    @property
    def node_ids(self) -> list[str]:
        return [n.id for n in self.nodes]

    def var_values(self) -> dict[str, str]:
        return {k: v.value for k, v in self.vars.items()}
