"""Declared structured output (``writes:``, engine spec §3.7): pull a JSON object out of a
node's output and turn its members into context values. Used by agent nodes (the final
response), tool nodes (stdout) and interview gates (the answers object).

The object is found by a cascade: the whole text, else the first fenced code block that
holds an object, else the first balanced ``{…}`` span that parses (braces inside arrays
are skipped). With exactly one declared key and no JSON object anywhere, the raw text
(capped at 8 KiB) becomes that key's value. Strings are stored verbatim, other JSON
values as compact JSON.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

RESERVED_KEYS = frozenset({
    "outcome", "preferred_label", "human_response", "interview_answers", "writes_error",
    "writes_warning", "tool_marker", "tool_marker_error", "tool_route",
})  # fmt: skip
RAW_FALLBACK_BYTES = 8192
PREVIEW_BYTES = 512
_FENCE = re.compile(r"```[^\n]*\n(.*?)```", re.DOTALL)


@dataclass(slots=True)
class WritesResult:
    """Context values to store, plus the ``writes_error``/``writes_warning`` texts
    (``error`` non-empty means the node fails)."""

    values: dict[str, str] = field(default_factory=dict)
    error: str = ""
    warning: str = ""

    @property
    def ok(self) -> bool:
        return not self.error

    def context_updates(self) -> dict[str, str]:
        """The values plus ``writes_error`` and ``writes_warning``, both always present so
        that a node's empty texts replace an earlier node's."""
        return {**self.values, "writes_error": self.error, "writes_warning": self.warning}


def declared_keys(items: Iterable[str]) -> list[str]:
    """Trimmed, non-empty, de-duplicated keys (accepts a list or comma-joined strings)."""
    keys: list[str] = []
    for item in items:
        for key in item.split(","):
            key = key.strip()
            if key and key not in keys:
                keys.append(key)
    return keys


def _clip(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    return text if len(data) <= limit else data[:limit].decode("utf-8", errors="ignore")


def _as_object(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _matching_brace(text: str, start: int) -> int:
    """Index of the ``}`` closing the ``{`` at ``start`` (string-aware), or -1."""
    depth = 0
    in_string = False
    escaped = False
    for i in range(start, len(text)):
        ch = text[i]
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
    return -1


def _balanced_object(text: str) -> dict[str, Any] | None:
    array_depth = 0
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "[":
            array_depth += 1
        elif ch == "]" and array_depth:
            array_depth -= 1
        elif ch == "{" and array_depth == 0:
            end = _matching_brace(text, i)
            if end != -1:
                found = _as_object(text[i : end + 1])
                if found is not None:
                    return found
        i += 1
    return None


def find_object(text: str) -> dict[str, Any] | None:
    """The first JSON object of the cascade, or ``None``."""
    whole = _as_object(text.strip())
    if whole is not None:
        return whole
    for match in _FENCE.finditer(text):
        fenced = _as_object(match.group(1).strip())
        if fenced is not None:
            return fenced
    return _balanced_object(text)


def _stored(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def extract_writes(declared: Iterable[str], text: str = "", *, obj: dict[str, Any] | None = None) -> WritesResult:
    """The declared keys' values from ``text`` (by the cascade), or from ``obj`` when the
    caller already has the object (interview answers)."""
    keys = declared_keys(declared)
    result = WritesResult()
    if not keys:
        return result
    reserved = [k for k in keys if k in RESERVED_KEYS or k.startswith("inputs.")]
    if reserved:
        result.error = f"writes declares reserved context key(s): {', '.join(reserved)}"
        return result
    found = obj if obj is not None else find_object(text)
    if found is None:
        if len(keys) == 1:
            raw = text
            if len(raw.encode("utf-8")) > RAW_FALLBACK_BYTES:
                raw = _clip(raw, RAW_FALLBACK_BYTES) + f"\n[... output truncated to {RAW_FALLBACK_BYTES} bytes ...]"
            result.values[keys[0]] = raw
            result.warning = (
                f"writes: no JSON object found in the output; stored the raw text as {keys[0]!r}"
            )
            return result
        preview = _clip(text.strip(), PREVIEW_BYTES)
        result.error = (
            f"writes: no JSON object found in the output (declared keys: {', '.join(keys)}); "
            f"output begins: {preview!r}"
        )
        return result
    missing = [k for k in keys if k not in found]
    if missing:
        result.error = (
            f"writes: the JSON object in the output is missing declared key(s): {', '.join(missing)}"
        )
        return result
    result.values = {k: _stored(found[k]) for k in keys}
    extras = [k for k in found if k not in keys]
    if extras:
        result.warning = f"writes: ignored undeclared key(s): {', '.join(extras)}"
    return result
