"""Runtime expansion of ``${namespace.key}`` references and ``$name`` graph variables.

``${...}`` follows the single-pass rule of :mod:`tracker.dippin.interpolation`; this
module supplies the runtime namespaces (engine spec §3.8): ``ctx`` (context keys),
``inputs`` (``inputs.<key>``), ``params`` (``graph.params.<key>``) and ``graph``
(``graph.<key>``). Tool commands use a restricted mode that refuses to inline context
values other than a few safe keys, so a tool's output can never become shell code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from tracker.dippin.interpolation import expand as _expand
from tracker.engine.context import RunContext
from tracker.engine.outcome import HandlerError

SAFE_TOOL_CTX_KEYS = frozenset({"outcome", "preferred_label", "human_response", "interview_answers"})
FENCE = "```"


class UnsafeReference(HandlerError):
    """A tool command referenced a context value it may not inline."""


def fence(title: str, value: str) -> str:
    return f"\n\n## {title}\n\n{FENCE}text\n{value}\n{FENCE}\n"


def _ctx_value(ctx: RunContext, key: str, fenced: bool) -> str | None:
    value = ctx.values.get(key)
    if value is None:
        return None
    if fenced and value:
        if key == "tool_stdout" or key.endswith(".tool_stdout"):
            return fence("Tool Stdout", value)
        if key == "tool_stderr" or key.endswith(".tool_stderr"):
            return fence("Tool Stderr", value)
    return value


def expand(text: str, ctx: RunContext) -> str:
    """Lenient expansion (prompts, gate prompts, conditions): unknown references are ""."""
    if "${" not in text:
        return text

    def lookup(namespace: str, key: str) -> str | None:
        if namespace == "ctx":
            return _ctx_value(ctx, key, fenced=True)
        if namespace == "inputs":
            return ctx.values.get("inputs." + key)
        if namespace == "params":
            return ctx.values.get("graph.params." + key)
        if namespace == "graph":
            return ctx.values.get("graph." + key)
        return None

    return _expand(text, lookup)


def expand_tool_command(text: str, ctx: RunContext) -> str:
    """Tool-command mode: ``graph``/``params`` always; ``ctx`` only for the safe keys;
    a *resolved* unsafe ``ctx`` or any resolved ``inputs`` reference is an error."""
    if "${" not in text:
        return text

    def lookup(namespace: str, key: str) -> str | None:
        if namespace == "ctx":
            value = ctx.values.get(key)
            if value is not None and key not in SAFE_TOOL_CTX_KEYS:
                raise UnsafeReference(
                    f"tool_command references unsafe variable ${{ctx.{key}}} — only "
                    f"{', '.join(sorted(SAFE_TOOL_CTX_KEYS))} may be interpolated into a command; "
                    "pass other values through a file or an environment variable"
                )
            return value
        if namespace == "inputs":
            value = ctx.values.get("inputs." + key)
            if value is not None:
                raise UnsafeReference(
                    f"tool_command references unsafe variable ${{inputs.{key}}} — declared inputs "
                    "may not be interpolated into a command"
                )
            return None
        if namespace == "params":
            return ctx.values.get("graph.params." + key)
        if namespace == "graph":
            return ctx.values.get("graph." + key)
        return None

    return _expand(text, lookup)


class GraphVariables:
    """``$name`` expansion: every ``graph.<attr>`` context key is a variable ``$<attr>``.

    At each ``$`` the longest matching name wins (ties alphabetical), with no
    word-boundary check; substituted values are not re-scanned (engine spec §2.3.2).
    """

    def __init__(self, names: Iterable[str]) -> None:
        ordered = sorted(set(names), key=lambda n: (-len(n), n))
        self.names = ordered
        self.pattern = re.compile(r"\$(" + "|".join(re.escape(n) for n in ordered) + ")") if ordered else None

    @classmethod
    def from_context(cls, ctx: RunContext) -> GraphVariables:
        return cls(k[len("graph.") :] for k in ctx.keys_with_prefix("graph.") if len(k) > len("graph."))

    def expand(self, text: str, ctx: RunContext) -> str:
        if self.pattern is None or "$" not in text:
            return text
        values = ctx.values
        return self.pattern.sub(lambda m: values.get("graph." + m.group(1), ""), text)
