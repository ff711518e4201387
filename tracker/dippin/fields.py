"""The catalogue of Dippin fields: which keys each construct accepts, their value types,
allowed values and documentation.

The parser applies fields through this table, the formatter takes its canonical order
from it, and the language server builds completion and hover from it, so a field is
described exactly once.
"""

from __future__ import annotations

from dataclasses import field
from typing import Literal

from tracker.dippin.records import record

ValueType = Literal[
    "string",  # same-line or block text
    "text",  # usually multi-line text (prompt, command): always formatted as a block
    "int",
    "uint",  # non-negative integer
    "float",
    "duration",
    "bool",  # strict boolean: true/false, 1/0, yes/no, on/off
    "legacy_bool",  # only the word ``true`` is true
    "list",  # comma list, or one item per line in block form
    "map",  # block of ``key: value`` lines
    "steer_map",  # inline ``k=v, k=v`` or a block of ``key: value`` lines
    "node_ref",  # a node ID
    "condition",
    "path",  # a file path relative to the .dip file
]

RETRY_POLICIES = ("standard", "aggressive", "patient", "linear", "none")
FIDELITIES = ("full", "summary:high", "summary:medium", "summary:low", "compact", "truncate")
REASONING_EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh", "max")
HUMAN_MODES = ("choice", "freeform", "interview", "yes_no", "hybrid")
DIPPIN_HUMAN_MODES = ("choice", "freeform", "interview")
RESPONSE_FORMATS = ("json_object", "json_schema")
TIMEOUT_ACTIONS = ("fail", "default")
ON_RESUME = ("preserve", "degrade")
BACKENDS = ("native", "claude-code", "acp")
COMPACTION_MODES = ("auto", "none")
FAN_IN_POLICIES = ("any", "all", "quorum")
INPUT_TYPES = ("text", "number", "bool", "enum", "file", "secret")
PROVIDERS = ("anthropic", "openai", "gemini", "openai-compat")


@record(kw_only=False, eq=True, frozen=True, slots=False)
class FieldSpec:
    name: str
    type: ValueType
    doc: str
    values: tuple[str, ...] = ()
    attr: str = ""  # IR attribute name when it differs from ``name``
    aliases: tuple[str, ...] = ()
    ext: bool = False  # an extension beyond the core dialect
    example: str = ""

    @property
    def target(self) -> str:
        return self.attr or self.name

    @property
    def is_block(self) -> bool:
        return self.type in ("text", "map")


def _f(name: str, type_: ValueType, doc: str, **kw: object) -> FieldSpec:
    return FieldSpec(name, type_, doc, **kw)  # type: ignore[arg-type]


COMMON_FIELDS: tuple[FieldSpec, ...] = (
    _f("label", "string", "Display name shown in run views, graphs and gate prompts. Defaults to the node ID."),
    _f("class", "list", "Stylesheet classes of this node (matched by `.name` selectors).", attr="classes"),
    _f("satisfies", "list", "Spec requirement IDs (ACIDs such as `feat.AUTH.1`) this node satisfies."),
    _f("retry_policy", "string", "Named backoff policy used when the node asks to retry.", values=RETRY_POLICIES),
    _f("max_retries", "int", "How many times the node may be retried before its fallback route is taken."),
    _f("base_delay", "duration", "Base delay between retries; overrides the policy's value.", example="2s"),
    _f("retry_target", "node_ref", "Node to re-run when retrying (default: this node). Also the goal-gate re-entry point."),
    _f(
        "fallback_target",
        "node_ref",
        "Node to continue at when retries are exhausted or a goal gate cannot be satisfied.",
        aliases=("fallback_retry_target",),
    ),
    _f("reads", "list", "Context keys this node consumes (advisory; used by dataflow checks and `summary:medium`)."),
    _f(
        "writes",
        "list",
        "Context keys this node produces. On agent and tool nodes the engine extracts them from the node's JSON output and fails the node when one is missing.",
    ),
)

AGENT_FIELDS: tuple[FieldSpec, ...] = (
    _f("model", "string", "Model ID for this agent (default: `defaults.model`)."),
    _f("provider", "string", "LLM provider for this agent (default: `defaults.provider`, else the model's provider).", values=PROVIDERS),
    _f("reasoning_effort", "string", "Reasoning effort requested from the model.", values=REASONING_EFFORTS),
    _f("fidelity", "string", "How much pipeline context is injected into the prompt.", values=FIDELITIES),
    _f("backend", "string", "Execution backend for the agent session.", values=BACKENDS),
    _f("working_dir", "string", "Working directory of the agent session (default: the run's workdir)."),
    _f("response_format", "string", "Ask the model for JSON output.", values=RESPONSE_FORMATS),
    _f("response_schema", "text", "JSON Schema for `response_format: json_schema`."),
    _f("goal_gate", "bool", "The run fails at exit unless this node's last outcome was success."),
    _f("auto_status", "bool", "Take the outcome from a `STATUS: success|fail|retry` line in the response."),
    _f("max_turns", "int", "Maximum agentic turns; exhausting them fails the node."),
    _f("cmd_timeout", "duration", "Timeout for commands the agent runs.", example="60s"),
    _f("cache_tools", "bool", "Cache tool-call results within the agent session."),
    _f("compaction", "string", "Context compaction mode.", values=COMPACTION_MODES),
    _f("compaction_threshold", "float", "Fraction of the context window (0–1] that triggers compaction.", example="0.8"),
    _f("tool_access", "string", "Restrict the agent's tools; `none` disables tools entirely.", ext=True),
    _f("writable_paths", "list", "Globs the agent may write to (filesystem jail).", ext=True),
    _f("last_response_truncate", "int", "Cap, in characters, on the previous response injected into this prompt.", ext=True),
    _f("params", "map", "Pass-through `key: value` settings for the runtime (e.g. `max_cost_usd`, `permission_mode`)."),
    _f("system_prompt", "text", "System prompt of the agent session."),
    _f("system_prompt_file", "path", "Read the system prompt from this file (relative to the .dip file).", ext=True),
    _f("prompt", "text", "The instructions sent to the model. `${ctx.*}`, `${graph.*}`, `${params.*}` are expanded."),
    _f("prompt_file", "path", "Read the prompt from this file (relative to the .dip file).", ext=True),
)

HUMAN_FIELDS: tuple[FieldSpec, ...] = (
    _f("mode", "string", "How the gate is answered.", values=HUMAN_MODES),
    _f("default", "string", "Pre-selected answer; used on timeout with `timeout_action: default`."),
    _f("questions_key", "string", "Interview: context key holding the questions (default `interview_questions`)."),
    _f("answers_key", "string", "Interview: context key receiving the JSON answers (default `interview_answers`)."),
    _f("timeout", "duration", "How long to wait for an answer (default: forever).", example="30m"),
    _f("timeout_action", "string", "What a timeout does: `fail` the node or take the `default`.", values=TIMEOUT_ACTIONS),
    _f("prompt", "text", "Instructions shown to the person answering the gate."),
    _f("prompt_file", "path", "Read the prompt from this file (relative to the .dip file).", ext=True),
)

TOOL_FIELDS: tuple[FieldSpec, ...] = (
    _f("outputs", "list", "Values the command may print, for coverage and condition checks."),
    _f("marker_grep", "string", "Regex matched line by line against stdout; the last match becomes `ctx.tool_marker`."),
    _f("route_required", "bool", "Fail unless stdout contains a `_TRACKER_ROUTE=<value>` line."),
    _f("output_limit", "uint", "Per-stream capture cap in bytes (0 = engine default, 64 KiB)."),
    _f("verify_acid", "list", "Spec requirement IDs the runtime verifies after the command runs."),
    _f("timeout", "duration", "Wall-clock limit for the command.", example="60s"),
    _f("command", "text", "Shell script to run. Only safe `${...}` keys are expanded."),
    _f("command_file", "path", "Read the command from this file (relative to the .dip file).", ext=True),
)

SUBGRAPH_FIELDS: tuple[FieldSpec, ...] = (
    _f("ref", "path", "Path of the child workflow, relative to this file."),
    _f("params", "map", "Values passed to the child, read there as `${params.<key>}`.", aliases=("inputs",)),
)

MANAGER_LOOP_FIELDS: tuple[FieldSpec, ...] = (
    _f("subgraph_ref", "path", "Child pipeline to supervise, relative to this file."),
    _f("poll_interval", "duration", "Polling cadence (runtime default 45s).", example="30s"),
    _f("max_cycles", "int", "Poll-cycle cap (runtime default 1000)."),
    _f("stop_condition", "condition", "Stop supervising with success when this holds (e.g. `stack.child.outcome = success`)."),
    _f("steer_condition", "condition", "When this holds, inject `steer_context` into the child."),
    _f("steer_context", "steer_map", "Values injected into the child as `steer.<key>`."),
)

PARALLEL_FIELDS: tuple[FieldSpec, ...] = (
    _f("params", "map", "Runtime settings: `fan_in_policy` (any|all|quorum), `quorum`, `max_concurrency`, `branch_timeout`.", ext=True),
)

FAN_IN_FIELDS: tuple[FieldSpec, ...] = (
    _f("params", "map", "Runtime settings such as `fan_in_policy` (any|all|quorum) and `quorum`.", ext=True),
)

BRANCH_FIELDS: tuple[FieldSpec, ...] = (
    _f("model", "string", "Model override for this branch."),
    _f("provider", "string", "Provider override for this branch.", values=PROVIDERS),
    _f("fidelity", "string", "Fidelity override for this branch.", values=FIDELITIES),
    _f("tool_access", "string", "Tool restriction override for this branch.", ext=True),
    _f("writable_paths", "list", "Writable-path override for this branch.", ext=True),
    _f("last_response_truncate", "int", "Injected-response cap override for this branch.", ext=True),
)

HEADER_FIELDS: tuple[FieldSpec, ...] = (
    _f("goal", "string", "What the workflow is for. Available as `${graph.goal}`."),
    _f("spec", "string", "External requirement spec: `<loader> <path>`."),
    _f("requires", "list", "Environment prerequisites checked before a run (e.g. `git`)."),
    _f("start", "node_ref", "The node execution starts at."),
    _f("exit", "node_ref", "The node that ends the run."),
    _f("stylesheet", "text", "CSS-like rules (`*`, `kind`, `.class`, `#id`) setting model options on nodes."),
)

DEFAULTS_FIELDS: tuple[FieldSpec, ...] = (
    _f("model", "string", "Default model for agents."),
    _f("provider", "string", "Default provider for agents.", values=PROVIDERS),
    _f("retry_policy", "string", "Default retry policy.", values=RETRY_POLICIES),
    _f("max_retries", "int", "Default per-node retry budget."),
    _f("fidelity", "string", "Default fidelity.", values=FIDELITIES),
    _f("max_restarts", "int", "Loop-restart budget for the whole run (runtime default 5)."),
    _f("restart_target", "node_ref", "Restart target hint."),
    _f("cache_tools", "legacy_bool", "Default tool-result caching."),
    _f("compaction", "string", "Default compaction mode.", values=COMPACTION_MODES),
    _f("on_resume", "string", "Fidelity behaviour on resume.", values=ON_RESUME),
    _f("max_total_tokens", "int", "Run-wide token ceiling (the run ends `budget_exceeded`)."),
    _f("max_cost_cents", "int", "Run-wide cost ceiling in US cents."),
    _f("max_wall_time", "duration", "Run-wide wall-clock ceiling.", example="2h"),
    _f("tool_commands_allow", "string", "Comma-separated globs: only matching tool commands may run."),
    _f("tool_denylist_add", "string", "Comma-separated globs added to the built-in command denylist."),
    _f("on_failure", "node_ref", "Graph-level failure route for nodes without their own.", ext=True),
    _f("stall_timeout", "duration", "Abort when no node completes within this window.", ext=True),
    _f("system_prompt", "text", "Shared system prompt for agents that set none.", ext=True),
    _f("system_prompt_file", "path", "Shared system prompt read from a file.", ext=True),
    _f("prompt_prefix", "text", "Text prepended (with a blank line) to every agent prompt.", ext=True),
    _f("prompt_prefix_file", "path", "Prompt prefix read from a file.", ext=True),
    _f("prompt_suffix", "text", "Text appended (with a blank line) to every agent prompt.", ext=True),
    _f("prompt_suffix_file", "path", "Prompt suffix read from a file.", ext=True),
)

INPUT_FIELDS: tuple[FieldSpec, ...] = (
    _f("required", "bool", "The caller must supply a value."),
    _f("default", "string", "Value used when the caller supplies none."),
    _f("prompt", "string", "Question shown when asking for the value."),
    _f("description", "string", "Longer description of the input."),
    _f("multiline", "bool", "Ask for multi-line text."),
    _f("options", "list", "Allowed values of an `enum` input."),
    _f("pattern", "string", "Regex the value must match."),
    _f("min", "float", "Smallest allowed `number`."),
    _f("max", "float", "Largest allowed `number`."),
    _f("max_length", "int", "Longest allowed text, in characters."),
)

KIND_FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    "agent": COMMON_FIELDS + AGENT_FIELDS,
    "human": COMMON_FIELDS + HUMAN_FIELDS,
    "tool": COMMON_FIELDS + TOOL_FIELDS,
    "subgraph": COMMON_FIELDS + SUBGRAPH_FIELDS,
    "conditional": COMMON_FIELDS,
    "manager_loop": COMMON_FIELDS + MANAGER_LOOP_FIELDS,
    "parallel": PARALLEL_FIELDS,
    "fan_in": FAN_IN_FIELDS,
}

KIND_DOCS: dict[str, str] = {
    "agent": "An LLM step: runs a coding-agent session with the prompt and records its response.",
    "human": "A human gate: waits for a person (or an automated interviewer) to choose, type or fill in answers.",
    "tool": "A shell command: its exit code sets the outcome and its output lands in `ctx.tool_stdout`.",
    "subgraph": "Runs another workflow file as one step, passing `params`.",
    "conditional": "A pure routing node: no work, the outgoing edge conditions decide.",
    "manager_loop": "Supervises a child pipeline, polling it and optionally steering it.",
    "parallel": "Fans out: runs its targets concurrently, each in an isolated copy of the context.",
    "fan_in": "Joins parallel branches and merges their context updates.",
}

SECTION_DOCS: dict[str, str] = {
    "workflow": "Declares the workflow: `workflow Name`, then its header, sections, nodes and edges indented below.",
    "defaults": "Workflow-wide defaults (model, provider, retries, budgets, ...), one `key: value` per line.",
    "vars": "Workflow variables, `name: value` per line, read as `${params.name}` and overridable with `--param`.",
    "inputs": "Caller-supplied inputs: `name: type` with optional indented attributes; read as `${inputs.name}`.",
    "edges": "The transitions: `A -> B` with optional `when <condition>`, `label:`, `weight:`, `restart: true`.",
}

EDGE_ATTRIBUTES: dict[str, str] = {
    "when": "Take this edge only when the condition holds, e.g. `when ctx.outcome = success`.",
    "on": "Shorthand for `when ctx.outcome = <value>`.",
    "label": "Display label; human choice gates offer edges by label.",
    "weight": "Priority among unconditional edges (highest wins).",
    "restart": "Marks a loop-back edge (`restart: true`).",
    "loop": "Shorthand for `restart: true`.",
    "choice": "Stable routing key for human gates, separate from the display label.",
    "override": "Taking this edge from a human gate accepts a failed goal gate (`validation_overridden`).",
}

STRICT_BOOL_FIELDS = frozenset({"goal_gate", "auto_status", "cache_tools", "route_required"})


@record(kw_only=False, eq=True, slots=False)
class FieldTable:
    """Lookup of a construct's fields by name or alias."""

    specs: tuple[FieldSpec, ...]
    by_name: dict[str, FieldSpec] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for spec in self.specs:
            self.by_name.setdefault(spec.name, spec)
            for alias in spec.aliases:
                self.by_name.setdefault(alias, spec)

    def get(self, name: str) -> FieldSpec | None:
        return self.by_name.get(name)

    def names(self) -> list[str]:
        return [s.name for s in self.specs]


_TABLES: dict[str, FieldTable] = {kind: FieldTable(specs) for kind, specs in KIND_FIELDS.items()}
_TABLES["defaults"] = FieldTable(DEFAULTS_FIELDS)
_TABLES["header"] = FieldTable(HEADER_FIELDS)
_TABLES["branch"] = FieldTable(BRANCH_FIELDS)
_TABLES["input"] = FieldTable(INPUT_FIELDS)


def table(construct: str) -> FieldTable:
    """Field table for a node kind, ``defaults``, ``header``, ``branch`` or ``input``."""
    return _TABLES[construct]
