"""Agent-session events as short console lines (engine spec §5.12, §7.3.5, §9.4).

Both front ends use these: plain mode prints each line as ``[HH:MM:SS] [<node>] <line>``,
the live view adds them to its activity log. A tool call becomes ``▸ <summary>`` when it
starts (``▸ $ make test``, ``▸ write notes.md``) and ``  ✓ <tool>: <first output line>``
or ``  ✗ <tool>: <error>`` when it ends; errors, verification, status notes, compactions,
failovers and steering each get one line. Events that are bookkeeping for machines
(request bodies, turn boundaries, streamed deltas) format to nothing here.
"""

from __future__ import annotations

import json

from tracker.engine import events as ev

PREVIEW_LIMIT = 120
COMMAND_LIMIT = 80
TEXT_LINE_LIMIT = 12
"""Lines of an agent's turn text printed in plain mode before ``… (N more lines)``."""

_SUMMARY_KEYS = ("path", "command", "pattern", "task", "query", "name", "url")
_PATCH_MARKERS = ("*** Add File: ", "*** Update File: ", "*** Delete File: ")


def preview(text: str, limit: int = PREVIEW_LIMIT) -> str:
    """One line: newlines become spaces, clipped to ``limit`` characters with ``…``."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def tool_arguments(raw: str) -> dict[str, str]:
    """The string-valued arguments of a tool call (empty when the input is not a JSON object)."""
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): v for k, v in data.items() if isinstance(v, str)}


def patch_paths(patch: str) -> list[str]:
    """The files an ``apply_patch`` text names, in order."""
    paths: list[str] = []
    for line in patch.splitlines():
        for marker in _PATCH_MARKERS:
            if line.startswith(marker) and line[len(marker) :].strip():
                paths.append(line[len(marker) :].strip())
    return paths


def tool_summary(name: str, raw_input: str) -> str:
    """What a tool call does, in a few words: ``$ <command>``, ``read <path>``, …"""
    args = tool_arguments(raw_input)
    if name == "bash" and args.get("command"):
        return "$ " + preview(args["command"], COMMAND_LIMIT)
    if name in ("read", "write", "edit") and args.get("path"):
        return f"{name} {args['path']}"
    if name == "apply_patch":
        paths = patch_paths(args.get("patch", ""))
        return "patch " + ", ".join(paths) if paths else "patch"
    if name == "grep_search" and args.get("pattern"):
        return preview(f"grep {args['pattern']} {args.get('path', '')}".rstrip())
    if name == "glob" and args.get("pattern"):
        return f"glob {args['pattern']}"
    if name == "spawn_agent" and args.get("task"):
        return "spawn: " + preview(args["task"])
    if name == "report_status" and args.get("status"):
        return "report_status: " + preview(args["status"])
    value = next((args[k] for k in _SUMMARY_KEYS if args.get(k)), "")
    return f"{name} {preview(value)}" if value else name


def tool_failed(event: ev.Event) -> bool:
    """A failed tool call: the wire's error flag is the literal ``"true"`` (§5.12 Quirk)."""
    return event.error == "true" or event.error.startswith("true: ")


def output_lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.strip("\n").splitlines() if line.strip()]


def tool_result(event: ev.Event) -> str:
    """The end of a tool call: ``  ✓ tool``, ``  ✓ tool: <first line> (N lines)`` or ``  ✗ tool: <error>``."""
    name = event.tool_name or "tool"
    if tool_failed(event):
        return f"  ✗ {name}: {preview(event.content or event.error)}"
    lines = output_lines(event.content)
    if not lines:
        return f"  ✓ {name}"
    more = f" ({len(lines)} lines)" if len(lines) > 1 else ""
    return f"  ✓ {name}: {preview(lines[0])}{more}"


def percent(utilization: float) -> str:
    return f"{round(utilization * 100)}%"


def check_line(text: str) -> str:
    """Verification and checkpoint messages: ``✔`` when they report a pass, else ``⚠``."""
    return ("✔ " if "passed" in text.lower() else "⚠ ") + preview(text)


def text_lines(text: str, limit: int = TEXT_LINE_LIMIT) -> list[str]:
    """An agent's turn text, non-empty lines, at most ``limit`` of them."""
    lines = output_lines(text)
    if len(lines) > limit:
        return [*lines[:limit], f"… ({len(lines) - limit} more lines)"]
    return lines


def agent_line(event: ev.Event) -> str:
    """The one-line form of an agent event that people read, or ``""``.

    The turn text (``text_delta``) is not handled here: plain mode prints it with
    :func:`text_lines`, the live view streams it from the ``llm_text`` deltas.
    """
    t = event.type
    if t == "tool_call_start":
        return "▸ " + tool_summary(event.tool_name, event.tool_input)
    if t == "tool_call_end":
        return tool_result(event)
    if t == "tool_cache_hit":
        return f"  ↺ {event.tool_name}: cached result reused"
    if t == "error":
        text = event.error or event.content
        return "✗ " + preview(text) if text else ""
    if t in ("verify", "checkpoint"):
        return check_line(event.content) if event.content else ""
    if t == "status_update":
        return "● " + preview(event.content) if event.content.strip() else ""
    if t == "context_window_warning":
        return f"⚠ context window {percent(event.context_utilization)} full"
    if t == "context_compaction":
        return f"⇣ context compacted at {percent(event.context_utilization)} of the window"
    if t == "provider_failover":
        target = "/".join(p for p in (event.provider, event.model) if p)
        detail = f": {preview(event.content)}" if event.content else ""
        return f"⇄ failover to {target}{detail}"
    if t == "steering_injected":
        return "↪ steering: " + preview(event.content) if event.content else ""
    return ""


def turn_line(event: ev.Event) -> str:
    """``turn_metrics`` as ``turn N: I in / O out, $x.xxxx`` (shown with ``--verbose``)."""
    cost = f", ${event.estimated_cost:.4f}" if event.estimated_cost else ""
    model = f" ({event.model})" if event.model else ""
    return f"turn {event.turn_no}{model}: {event.token_input:,} in / {event.token_output:,} out{cost}"


def llm_line(event: ev.Event) -> str:
    """Trace events worth a line with ``--verbose``: finishes and raw provider frames."""
    t = event.type.removeprefix("llm_")
    if t == "finish":
        usage = f", {event.token_input:,} in / {event.token_output:,} out" if event.token_input or event.token_output else ""
        return f"llm finish: {event.finish_reason or 'done'}{usage}"
    if t == "provider_raw" and event.content:
        return "raw: " + preview(event.content)
    if t == "request_preparing":
        target = "/".join(p for p in (event.provider, event.model) if p)
        return f"llm request (turn {event.turn_no}) → {target}" if target else ""
    return ""

