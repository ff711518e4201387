"""The ``writes:`` contract: pull declared keys out of a node's JSON output (engine spec §3.7).

Shared by the tool handler (on stdout), interview gates (on the answers) and the agent
handler (on the final response). The JSON object is found by: the whole text → the
first fenced block that is an object → the first balanced ``{…}`` that parses; with one
declared key and no object at all, the raw text becomes the value (capped at 8 KiB).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

RESERVED = frozenset(
    {
        "outcome",
        "preferred_label",
        "human_response",
        "interview_answers",
        "writes_error",
        "writes_warning",
        "tool_marker",
        "tool_marker_error",
        "tool_route",
    }
)
PROSE_CAP = 8192
_FENCE = re.compile(r"```[^\n]*\n(.*?)```", re.DOTALL)


@dataclass
class WritesResult:
    ok: bool
    updates: dict[str, str] = field(default_factory=dict)


def declared_keys(raw: str) -> list[str]:
    return list(dict.fromkeys(k.strip() for k in raw.split(",") if k.strip()))


def _as_object(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _brace_spans(text: str) -> list[str]:
    """Top-level ``{…}`` spans outside strings, skipping braces nested in arrays."""
    spans: list[str] = []
    depth = 0
    bracket = 0
    start = -1
    in_string = False
    escape = False
    for i, ch in enumerate(text):
        if in_string:
            if escape:
                escape = False
            elif ch == "\\":
                escape = True
            elif ch == '"':
                in_string = False
            continue
        if ch == '"' and depth > 0:
            in_string = True
        elif ch == "[" and depth == 0:
            bracket += 1
        elif ch == "]" and depth == 0 and bracket:
            bracket -= 1
        elif ch == "{" and bracket == 0:
            if depth == 0:
                start = i
            depth += 1
        elif ch == "}" and depth > 0:
            depth -= 1
            if depth == 0 and start >= 0:
                spans.append(text[start : i + 1])
    return spans


def find_object(text: str) -> dict[str, Any] | None:
    whole = _as_object(text.strip())
    if whole is not None:
        return whole
    for m in _FENCE.finditer(text):
        obj = _as_object(m.group(1).strip())
        if obj is not None:
            return obj
    for span in _brace_spans(text):
        obj = _as_object(span)
        if obj is not None:
            return obj
    return None


def _stringify(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def apply_writes(keys: list[str], text: str = "", obj: dict[str, Any] | None = None) -> WritesResult:
    """Context updates for the declared ``keys`` (plus ``writes_error``/``writes_warning``)."""
    if not keys:
        return WritesResult(True)
    reserved = [k for k in keys if k in RESERVED or k.startswith("inputs.")]
    if reserved:
        return WritesResult(False, {"writes_error": f"writes declares reserved key(s): {', '.join(reserved)}"})
    source = obj if obj is not None else find_object(text)
    if source is None:
        if len(keys) == 1:
            data = text.encode("utf-8")
            value = text
            note = ""
            if len(data) > PROSE_CAP:
                value = data[:PROSE_CAP].decode("utf-8", errors="ignore") + "\n[truncated]"
                note = f" (truncated to {PROSE_CAP} bytes)"
            return WritesResult(
                True,
                {
                    keys[0]: value,
                    "writes_warning": f"no JSON object found; stored the raw output as {keys[0]}{note}",
                    "writes_error": "",
                },
            )
        preview = text.encode("utf-8")[:512].decode("utf-8", errors="ignore")
        return WritesResult(
            False,
            {"writes_error": f"expected a JSON object with keys {', '.join(keys)}; output was: {preview}"},
        )
    missing = [k for k in keys if k not in source]
    if missing:
        return WritesResult(
            False, {"writes_error": f"JSON output is missing declared key(s): {', '.join(missing)}"}
        )
    updates = {k: _stringify(source[k]) for k in keys}
    extra = [k for k in source if k not in keys]
    updates["writes_error"] = ""
    updates["writes_warning"] = f"undeclared keys ignored: {', '.join(extra)}" if extra else ""
    return WritesResult(True, updates)
