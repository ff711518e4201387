"""The canonical field order of every construct, in one table.

The order follows the reference formatter (dippin-language §7.4) and inserts the fields
it drops where a reader expects them: retry fields after ``compaction_threshold`` (or
before ``reads``/``writes`` on kinds without it), ``system_prompt`` just before
``prompt``, and each file directive right after the field it replaces. Which fields a
construct has comes from :mod:`tracker.dippin.fields`; this module only ranks them.
"""

from __future__ import annotations

import functools

from tracker.dippin import fields as F

# One rank for every node field name; a kind's order is its fields sorted by this rank.
NODE_FIELD_RANK: tuple[str, ...] = (
    "label",
    "class",
    "satisfies",
    # agent
    "model",
    "provider",
    "reasoning_effort",
    "fidelity",
    "backend",
    "working_dir",
    "tool_access",
    "writable_paths",
    "last_response_truncate",
    "response_format",
    "response_schema",
    "goal_gate",
    "auto_status",
    "max_turns",
    "cmd_timeout",
    "cache_tools",
    "compaction",
    "compaction_threshold",
    # human
    "mode",
    "default",
    "questions_key",
    "answers_key",
    # tool
    "outputs",
    "marker_grep",
    "route_required",
    "output_limit",
    "verify_acid",
    # human and tool
    "timeout",
    "timeout_action",
    # subgraph
    "ref",
    # every block kind
    "retry_policy",
    "max_retries",
    "base_delay",
    "retry_target",
    "fallback_target",
    "reads",
    "writes",
    # manager_loop
    "subgraph_ref",
    "poll_interval",
    "max_cycles",
    "stop_condition",
    "steer_condition",
    "steer_context",
    # maps and text blocks last: they are the long parts of a node
    "params",
    "system_prompt",
    "system_prompt_file",
    "prompt",
    "prompt_file",
    "command",
    "command_file",
)

# Text fields a file directive fills, by directive (node kinds and defaults alike).
DIRECTIVE_TEXT: dict[str, str] = {
    "prompt_file": "prompt",
    "system_prompt_file": "system_prompt",
    "command_file": "command",
    "prompt_prefix_file": "prompt_prefix",
    "prompt_suffix_file": "prompt_suffix",
}

# Dialect 2 (``dip 2``) spells two fields differently.
DIALECT_2_SPELLING: dict[tuple[str, str], str] = {
    ("subgraph", "params"): "inputs",
    ("*", "fallback_target"): "fallback_retry_target",
}


@functools.cache
def node_fields(kind: str) -> tuple[F.FieldSpec, ...]:
    """The fields of a node kind in canonical order."""
    rank = {name: i for i, name in enumerate(NODE_FIELD_RANK)}
    return tuple(sorted(F.KIND_FIELDS[kind], key=lambda spec: rank[spec.name]))


def construct_fields(construct: str) -> tuple[F.FieldSpec, ...]:
    """Fields of ``defaults``, ``header``, ``branch`` or ``input`` in catalogue order
    (which is the canonical order for these)."""
    return F.table(construct).specs


def spelled(kind: str, name: str, dialect: int | None) -> str:
    """The key to write for field ``name`` of ``kind`` in the file's dialect."""
    if dialect == 2:
        return DIALECT_2_SPELLING.get((kind, name)) or DIALECT_2_SPELLING.get(("*", name)) or name
    return name
