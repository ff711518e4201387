"""Agent output lint: response format and schema, and params that shadow typed fields
(DIP130–DIP133)."""

from __future__ import annotations

import re
from typing import Any

from tracker.dippin import fields as F
from tracker.dippin.diagnostics import Fix, Severity, TextEdit
from tracker.dippin.ir import AgentNode, AnyNode, FieldSource
from tracker.dippin.lint import LintContext, rule
from tracker.dippin.lint.catalog import CodeInfo, register
from tracker.dippin.lint.semantic_support import (
    add_node_field,
    example,
    locate,
    replace,
    value_fix,
    value_range_of,
    whole_lines,
)
from tracker.dippin.positions import Position, Range
from tracker.dippin.values import quote

_FORMATS = ", ".join(F.RESPONSE_FORMATS)


@rule(130, "DIP130")
def response_formats(ctx: LintContext) -> None:
    for node in ctx.workflow.nodes:
        if isinstance(node, AgentNode) and node.response_format and node.response_format not in F.RESPONSE_FORMATS:
            ctx.report(
                "DIP130",
                f'node "{node.id}" has response_format "{node.response_format}" which is not recognized',
                value_range_of(node, "response_format", node.id_range),
                help=f"valid values: {_FORMATS}",
                fix=value_fix(node.fields.get("response_format"), node.response_format, F.RESPONSE_FORMATS),
            )


@rule(131, "DIP131")
def response_schema_pairing(ctx: LintContext) -> None:
    for node in ctx.workflow.nodes:
        if not isinstance(node, AgentNode):
            continue
        fmt = node.response_format
        if node.response_schema and fmt != "json_schema":
            shown = f'is "{fmt}"' if fmt else "is not set"
            fmt_src = node.fields.get("response_format")
            fix = (
                replace("Set `response_format: json_schema`", fmt_src.value_range, "json_schema")
                if fmt_src is not None
                else add_node_field("Add `response_format: json_schema`", node, "response_format", "json_schema")
            )
            ctx.report(
                "DIP131",
                f'node "{node.id}" has response_schema but response_format {shown} (schema will be ignored)',
                node.field_range("response_schema"),
                help="set response_format: json_schema to use the schema, or remove response_schema",
                fix=fix,
            )
        elif fmt == "json_schema" and not node.response_schema:
            ctx.report(
                "DIP131",
                f'node "{node.id}" has response_format json_schema but no response_schema provided',
                value_range_of(node, "response_format", node.id_range),
                help="add a response_schema block with a JSON schema, or use json_object if no schema is needed",
                severity=Severity.HINT,
            )


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


@rule(132, "DIP132")
def response_schema_json(ctx: LintContext) -> None:
    for node in ctx.workflow.nodes:
        if not isinstance(node, AgentNode) or not node.response_schema.strip():
            continue
        import json  # only when a schema is written (cold start)

        text = node.response_schema
        try:
            json.loads(text, parse_constant=_reject_constant)
            continue
        except json.JSONDecodeError as exc:
            offset = exc.pos
        except ValueError:
            offset = 0
        src = node.fields.get("response_schema")
        if src is not None:
            end = min(offset + 1, len(text))
            rng = src.range_at(text, offset, end) if text else src.value_range
        else:
            rng = node.id_range
        ctx.report(
            "DIP132",
            f'node "{node.id}" has response_schema that is not valid JSON',
            rng,
            help="fix the JSON syntax in the response_schema block",
        )


SHADOWED_PARAMS = frozenset(
    {
        "model", "provider", "prompt", "system_prompt", "max_turns", "response_format", "response_schema",
        "reasoning_effort", "fidelity", "auto_status", "goal_gate", "cache_tools", "compaction",
        "compaction_threshold",
    }
)  # fmt: skip


@rule(133, "DIP133")
def params_shadowing_fields(ctx: LintContext) -> None:
    for node in ctx.workflow.nodes:
        if not isinstance(node, AgentNode) or not node.params:
            continue
        src = node.fields.get("params")
        for key in sorted(node.params):
            if key not in SHADOWED_PARAMS:
                continue
            rng = locate(ctx, src, re.compile(r"^\s*(" + re.escape(key) + r")\s*:"), 1, whole_lines=True) if src else node.id_range
            ctx.report(
                "DIP133",
                f'node "{node.id}" params key "{key}" shadows a first-class field — use the typed field instead',
                rng,
                help=f'move "{key}" from params to the dedicated field for validation and tooling support',
                fix=_move_param_fix(node, src, key, rng),
                severity=Severity.HINT,
            )


def _move_param_fix(node: AnyNode, src: FieldSource | None, key: str, key_range: Range) -> Fix | None:
    """Move ``key: value`` out of a params block into a field of its own, when the key
    was located, its value is one line, and the typed field is not set already."""
    if not isinstance(node, AgentNode) or src is None:
        return None
    value = node.params.get(key, "")
    if key in node.fields or "\n" in value or key_range == src.value_range:
        return None
    indent = " " * src.key_range.start.character
    line = f"{indent}{key}: {quote(value)}\n"
    if len(node.params) == 1:
        return Fix(title=f"Move `{key}` out of params", edits=[TextEdit(range=whole_lines(src.range), new_text=line)])
    at = Position(src.key_range.start.line, 0)
    return Fix(
        title=f"Move `{key}` out of params",
        edits=[
            TextEdit(range=Range(at, at), new_text=line),
            TextEdit(range=whole_lines(key_range), new_text=""),
        ],
    )


_W = Severity.WARNING
_H = Severity.HINT
_SCHEMA = '  response_schema:\n    {"type": "object"}\n'


def _agent(fields: str) -> str:
    return "agent A\n" + fields + "  prompt: Reply in JSON.\nagent B\n  prompt: Ship.\n"


register(
    CodeInfo(
        "DIP130", _W, "Unknown response format",
        "`response_format` must be `json_object` or `json_schema`.",
        example(_agent("  response_format: json\n")),
        example(_agent("  response_format: json_object\n")),
        "Use one of the two values.",
        "core",
    ),
    CodeInfo(
        "DIP131", _W, "Response schema and format do not match",
        "A `response_schema` is only used with `response_format: json_schema`; otherwise it is ignored. "
        "As a hint, `json_schema` without a schema gives the model nothing to follow.",
        example(_agent(_SCHEMA)),
        example(_agent("  response_format: json_schema\n" + _SCHEMA)),
        "Set `response_format: json_schema`, or remove the schema.",
        "core",
    ),
    CodeInfo(
        "DIP132", _W, "Response schema is not JSON",
        "`response_schema` must be valid JSON (strict: no comments, trailing commas, NaN or Infinity).",
        example(_agent('  response_format: json_schema\n  response_schema:\n    {"type": "object",}\n')),
        example(_agent("  response_format: json_schema\n" + _SCHEMA)),
        "Fix the JSON at the position shown.",
        "core",
    ),
    CodeInfo(
        "DIP133", _H, "Params key shadows a field",
        "An agent's `params:` block sets a key that has its own typed field (model, provider, prompt, "
        "goal_gate, ...). The typed field is validated and understood by tools; the params entry is not.",
        example(_agent("  params:\n    model: gpt-5.4\n")),
        example(_agent("  model: gpt-5.4\n")),
        "Move the key out of `params:` into its field.",
        "core",
    ),
)
