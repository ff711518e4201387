"""Agent tool restrictions: ``tool_access`` (DIP139, DIP140) and ``writable_paths`` (DIP141,
DIP142), on agents and on per-branch overrides of a block-form ``parallel``.

Runtime facts these rules rest on (engine.md §4.1.7, §5.1, §5.7): any non-empty
``tool_access`` removes every tool from the session (``none`` is merely the documented
spelling); ``params:`` keys are promoted to node attributes unless a typed field of the
same name exists; ``writable_paths`` is validated fail-closed when the session starts (a
bad entry is a handler error that stops the run) and only the native backend can jail.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from tracker.dippin.diagnostics import Fix, Related, Severity, TextEdit
from tracker.dippin.ir import AgentNode, Branch, FieldSource, ParallelNode
from tracker.dippin.lint import LintContext, rule
from tracker.dippin.lint.catalog import CodeInfo, register
from tracker.dippin.lint.ext_text import MapEntry, list_item_ranges, map_entries, whole_lines
from tracker.dippin.positions import Position, Range

TOOL_GRANTING_PARAMS = ("allowed_tools", "disallowed_tools", "tool_choice", "permission_mode")
NON_JAILING_BACKENDS = ("claude-code", "acp")

register(
    CodeInfo(
        "DIP139",
        Severity.WARNING,
        "tool_access written in params, or with an unrecognised value",
        "Two ways `tool_access` says something other than what the author meant. (1) It is set "
        "inside `params:`: the runtime still honours it there, but the typed field is what the "
        "linter, the formatter and editors understand, and when both are set the typed field "
        "silently wins. (2) Its value is not `none`: the runtime treats every non-empty value "
        "as \"no tools at all\" (fail-closed), so `tool_access: read-only` removes every tool, "
        "including reading. Checked on agents and on parallel branch overrides.",
        "  agent Summarize\n    params:\n      tool_access: none",
        "  agent Summarize\n    tool_access: none",
        "Move the key out of `params:` to the typed field; write `none`, or remove the field to keep every tool.",
        origin="ext",
    ),
    CodeInfo(
        "DIP140",
        Severity.WARNING,
        "params try to grant tools that tool_access removes",
        "The agent restricts its tools with `tool_access` and also sets a `params:` key that "
        "configures tools (`allowed_tools`, `disallowed_tools`, `tool_choice`, `permission_mode`). "
        "`tool_access` wins at run time, so the key has no effect; either it is leftover "
        "configuration or the restriction is not what was intended.",
        "  agent Summarize\n    tool_access: none\n    params:\n      allowed_tools: Bash",
        "  agent Summarize\n    tool_access: none",
        "Remove the params key, or remove `tool_access` to grant the tools.",
        origin="ext",
    ),
    CodeInfo(
        "DIP141",
        Severity.WARNING,
        "writable_paths cannot take effect",
        "`writable_paths` bounds where an agent's tools may write. It is dead configuration when "
        "the same agent (or branch override) also sets `tool_access`, which removes every tool "
        "(warning). On an agent whose backend is `claude-code` or `acp` the runtime cannot jail "
        "the session and refuses to start the node (error).",
        "  agent Summarize\n    tool_access: none\n    writable_paths: out/**",
        "  agent Summarize\n    tool_access: none",
        "Remove `writable_paths`, or drop `tool_access`/use the native backend so the jail applies.",
        origin="ext",
    ),
    CodeInfo(
        "DIP142",
        Severity.ERROR,
        "writable_paths entry the jail refuses",
        "The runtime validates `writable_paths` before the agent starts and stops the run when "
        "an entry is not a workspace-relative glob it can enforce. Refused: an empty list; "
        "absolute paths (`/x`, `\\x`, `C:\\x`); paths starting with `~`; any `..` segment; brace "
        "expansion `{a,b}` (the comma also splits the list, so `*.{md,txt}` becomes two broken "
        "entries); `**` inside a segment (`a**`, `**.md`) instead of a whole segment; and "
        "malformed character classes (`[` without `]`, `[]`). Reported as an error because the "
        "node can never run.",
        "    writable_paths: /tmp/out/**, docs/*.{md,txt}",
        "    writable_paths: out/**, docs/*.md, docs/*.txt",
        "Use globs relative to the working directory, one per alternative.",
        origin="ext",
    ),
)


class _Holder(NamedTuple):
    """An agent or a parallel branch override: the objects that carry these fields."""

    label: str
    tool_access: str
    writable_paths: list[str]
    fields: dict[str, FieldSource]
    id_range: Range


def _holders(ctx: LintContext) -> Iterator[tuple[_Holder, AgentNode | None]]:
    for node in ctx.workflow.nodes:
        if isinstance(node, AgentNode):
            yield _Holder(f'agent "{node.id}"', node.tool_access, node.writable_paths, node.fields, node.id_range), node
        elif isinstance(node, ParallelNode):
            for branch in node.branches:
                yield _branch_holder(node, branch), None


def _branch_holder(node: ParallelNode, branch: Branch) -> _Holder:
    return _Holder(
        f'branch "{branch.target}" of parallel "{node.id}"',
        branch.tool_access,
        branch.writable_paths,
        branch.fields,
        branch.target_range,
    )


def _entry(ctx: LintContext, node: AgentNode, key: str) -> tuple[FieldSource, list[MapEntry] | None, MapEntry | None]:
    src = node.fields["params"]
    entries = map_entries(ctx, src)
    match = next((e for e in entries or () if e.key == key), None)
    return src, entries, match


def _delete_entry(src: FieldSource, entries: list[MapEntry], entry: MapEntry) -> TextEdit:
    """Delete one params entry, or the whole ``params:`` block when it is the only one."""
    if len(entries) == 1:
        return TextEdit(range=whole_lines(src.range), new_text="")
    return TextEdit(range=entry.whole_lines, new_text="")


# ---------------------------------------------------------------------------- DIP139


@rule(639, "DIP139")
def tool_access_spelling(ctx: LintContext) -> None:
    for node in ctx.workflow.nodes:
        if isinstance(node, AgentNode) and "tool_access" in node.params and "params" in node.fields:
            _params_tool_access(ctx, node)
    for holder, _ in _holders(ctx):
        value = holder.tool_access.strip()
        if value and value.lower() != "none" and "tool_access" in holder.fields:
            src = holder.fields["tool_access"]
            ctx.report(
                "DIP139",
                f'{holder.label} has tool_access "{value}", which is not a recognised value; '
                "any non-empty value removes every tool",
                src.value_range,
                help="write `tool_access: none` to run without tools, or remove the field to keep them",
                fix=Fix(title="Write `none`", edits=[TextEdit(range=src.value_range, new_text="none")]),
            )


def _params_tool_access(ctx: LintContext, node: AgentNode) -> None:
    src, entries, entry = _entry(ctx, node, "tool_access")
    rng = entry.key_range if entry is not None else src.key_range
    value = node.params["tool_access"].strip()
    if "tool_access" in node.fields:
        fix = None
        if entries is not None and entry is not None:
            fix = Fix(title="Remove the ignored params key", edits=[_delete_entry(src, entries, entry)])
        ctx.report(
            "DIP139",
            f'agent "{node.id}" sets tool_access both as a field and in params; the params value "{value}" is ignored',
            rng,
            help="the typed field wins; remove the params key",
            fix=fix,
            related=[Related(message="typed field set here", range=node.fields["tool_access"].key_range, file=ctx.path)],
        )
        return
    fix = None
    if entries is not None and entry is not None:
        indent = " " * src.key_range.start.character
        line = f"{indent}tool_access: {entry.value}\n"
        at = Position(src.key_range.start.line, 0)
        if len(entries) == 1:
            edits = [TextEdit(range=whole_lines(src.range), new_text=line)]
        else:
            edits = [TextEdit(range=Range(at, at), new_text=line), TextEdit(range=entry.whole_lines, new_text="")]
        fix = Fix(title="Move tool_access to the typed field", edits=edits)
    ctx.report(
        "DIP139",
        f'agent "{node.id}" sets tool_access in params; use the typed `tool_access:` field',
        rng,
        help="the runtime promotes it either way, but only the typed field is checked and understood by tools",
        fix=fix,
    )


# ---------------------------------------------------------------------------- DIP140


@rule(640, "DIP140")
def params_regrant_tools(ctx: LintContext) -> None:
    for node in ctx.workflow.nodes:
        if not isinstance(node, AgentNode) or "params" not in node.fields:
            continue
        restriction = node.tool_access.strip() or node.params.get("tool_access", "").strip()
        if not restriction:
            continue
        for key in TOOL_GRANTING_PARAMS:
            if key not in node.params:
                continue
            src, entries, entry = _entry(ctx, node, key)
            fix = None
            if entries is not None and entry is not None:
                fix = Fix(title=f"Remove `{key}`", edits=[_delete_entry(src, entries, entry)])
            ctx.report(
                "DIP140",
                f'agent "{node.id}" restricts tools (tool_access: {restriction}) but params key "{key}" configures tools; '
                "tool_access wins and the key has no effect",
                entry.key_range if entry is not None else src.key_range,
                help="remove the params key, or remove tool_access to grant tools",
                fix=fix,
            )


# ---------------------------------------------------------------------------- DIP141


@rule(641, "DIP141")
def writable_paths_without_effect(ctx: LintContext) -> None:
    for holder, agent in _holders(ctx):
        src = holder.fields.get("writable_paths")
        if src is None or not holder.writable_paths:
            continue
        if holder.tool_access.strip():
            ctx.report(
                "DIP141",
                f'{holder.label} sets writable_paths but also tool_access "{holder.tool_access.strip()}", '
                "which removes every tool; there is nothing to bound",
                src.key_range,
                help="remove writable_paths, or remove tool_access to grant tools bounded by writable_paths",
                related=[Related(message="tool_access set here", range=holder.fields["tool_access"].key_range, file=ctx.path)]
                if "tool_access" in holder.fields
                else [],
            )
            continue
        if agent is None:
            continue
        backend = (agent.backend or agent.params.get("backend", "")).strip()
        if backend in NON_JAILING_BACKENDS:
            ctx.report(
                "DIP141",
                f'agent "{agent.id}" sets writable_paths but runs on the {backend} backend, which cannot be jailed; '
                "the runtime refuses to start the node",
                src.key_range,
                help="use the native backend (the default) or remove writable_paths",
                severity=Severity.ERROR,
            )


# ---------------------------------------------------------------------------- DIP142

_DRIVE = re.compile(r"[A-Za-z]:([\\/]|\Z)")


def jail_problem(entry: str) -> str:
    """Why the runtime's write jail refuses one ``writable_paths`` entry ("" if it is fine)."""
    if entry.startswith(("/", "\\")) or _DRIVE.match(entry):
        return "is an absolute path; entries are relative to the working directory"
    if entry.startswith("~"):
        return "starts with `~`; home-relative paths are not expanded"
    segments = re.split(r"[\\/]", entry)
    if ".." in segments:
        return "contains a `..` segment, which would escape the working directory"
    if "{" in entry or "}" in entry:
        return "uses brace expansion, which is not supported (list each alternative as its own entry)"
    if any("**" in s and s != "**" for s in segments):
        return "uses `**` inside a path segment; `**` must be a whole segment (`a/**/b`)"
    return _class_problem(entry)


def _class_problem(entry: str) -> str:
    i = 0
    while i < len(entry):
        ch = entry[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            j = i + 1
            if j < len(entry) and entry[j] in "!^":
                j += 1
            close = entry.find("]", j)
            if close == -1:
                return "has a `[` without a closing `]`"
            if close == j:
                return "has an empty character class `[]`"
            i = close + 1
            continue
        i += 1
    return ""


@rule(642, "DIP142")
def writable_paths_entries(ctx: LintContext) -> None:
    for holder, _ in _holders(ctx):
        src = holder.fields.get("writable_paths")
        if src is None:
            continue
        if not holder.writable_paths:
            ctx.report(
                "DIP142",
                f"{holder.label} has an empty writable_paths; the runtime refuses an empty list",
                src.key_range,
                help="list the globs the agent may write to, or remove the field",
            )
            continue
        problems = [(i, jail_problem(entry)) for i, entry in enumerate(holder.writable_paths)]
        problems = [(i, problem) for i, problem in problems if problem]
        if not problems:
            continue
        ranges = list_item_ranges(ctx, src, holder.writable_paths)
        for index, problem in problems:
            entry = holder.writable_paths[index]
            ctx.report(
                "DIP142",
                f'{holder.label}: writable_paths entry "{entry}" {problem}; the runtime refuses to start the node',
                ranges[index],
                help="use globs relative to the working directory, e.g. `out/**` or `docs/*.md`",
            )
