"""Building an agent node's prompt (engine spec §4.1.1, §3.4, §3.5, §3.8).

The node's prompt is expanded (``${ctx.…}``, ``${inputs.…}``, ``${params.…}``,
``${graph.…}``; missing keys are empty), ``$goal`` is replaced, the pipeline context is
shown according to the fidelity level, and a ``# Runtime`` block is put in front.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path

from tracker.dippin.interpolation import expand

FIDELITY_LEVELS = ("full", "summary:high", "summary:medium", "summary:low", "compact", "truncate")
DEFAULT_INJECTION_CAP = 4096
TRUNCATE_FIDELITY_BYTES = 500
FENCE = "```"
MEDIUM_KEYS = (
    "outcome", "last_response", "human_response", "preferred_label", "tool_stdout", "tool_stderr", "graph.goal",
)  # fmt: skip

GraphLookup = Callable[[str], str | None]
"""Returns a graph attribute (``goal``, ``params.x``, …) or ``None`` when absent."""


def _fenced(key: str, value: str) -> str:
    if value and (key == "tool_stdout" or key.endswith(".tool_stdout")):
        return f"\n\n## Tool Stdout\n\n{FENCE}text\n{value}\n{FENCE}\n"
    if value and (key == "tool_stderr" or key.endswith(".tool_stderr")):
        return f"\n\n## Tool Stderr\n\n{FENCE}text\n{value}\n{FENCE}\n"
    return value


def expand_references(text: str, context: Mapping[str, str], graph: GraphLookup) -> str:
    """Lenient single-pass ``${…}`` expansion with the runtime namespaces."""
    if "${" not in text:
        return text

    def lookup(namespace: str, key: str) -> str | None:
        if namespace == "ctx":
            value = context.get(key)
            return None if value is None else _fenced(key, value)
        if namespace == "inputs":
            return context.get("inputs." + key)
        if namespace == "params":
            return graph("params." + key)
        if namespace == "graph":
            return graph(key)
        return None

    return expand(text, lookup)


def truncate_runes(text: str, limit: int) -> str:
    return text[:limit] if limit > 0 and len(text) > limit else text


def cap_head_tail(text: str, cap: int) -> str:
    """At most ``cap`` bytes of ``text``: its first half and its end, with a one-line
    marker in between saying how much was left out. ``cap < 0`` means unlimited."""
    data = text.encode("utf-8")
    if cap < 0 or len(data) <= cap:
        return text
    head_len = cap // 2
    tail_len = cap - head_len
    head = data[:head_len].decode("utf-8", errors="ignore")
    tail = data[len(data) - tail_len :].decode("utf-8", errors="ignore")
    elided = len(data) - head_len - tail_len
    return f"{head}\n[... {elided} of {len(data)} bytes elided ...]\n{tail}"


def injection_block(context: Mapping[str, str], cap: int) -> str:
    """The "Context from Prior Pipeline Stages" block of fidelity ``full`` (or ``""``)."""
    sections: list[str] = []
    human = context.get("human_response", "")
    if human:
        sections.append(f"## Human Response\n{human}")
    previous = context.get("last_response", "")
    if previous:
        sections.append(f"## Previous Node Output\n{cap_head_tail(previous, cap)}")
    if not sections:
        return ""
    return "\n\n---\n# Context from Prior Pipeline Stages\n\n" + "\n\n".join(sections)


def _cut_at_whitespace(value: str, limit: int) -> str:
    data = value.encode("utf-8")
    if len(data) <= limit:
        return value
    head = data[:limit].decode("utf-8", errors="ignore")
    cut = max(head.rfind(" "), head.rfind("\n"), head.rfind("\t"))
    return (head[:cut] if cut > 0 else head) + "..."


def fidelity_keys(level: str, context: Mapping[str, str], reads: list[str]) -> dict[str, str]:
    """The context entries a non-``full`` fidelity level shows (§3.5)."""
    if level == "summary:high":
        return dict(context)
    if level in ("summary:medium", "truncate"):
        keys = [*MEDIUM_KEYS, *reads]
        picked = {k: context.get(k, "") for k in keys}
        if level == "truncate":
            picked = {k: _cut_at_whitespace(v, TRUNCATE_FIDELITY_BYTES) for k, v in picked.items()}
        return picked
    if level == "summary:low":
        return {"graph.goal": context.get("graph.goal", ""), "completed_summary": context.get("completed_summary", "")}
    if level == "compact":
        return {"graph.goal": context.get("graph.goal", ""), "outcome": context.get("outcome", "")}
    return {}


def fidelity_summary(level: str, entries: Mapping[str, str]) -> str:
    """The "Context Summary" put before the prompt; sections sorted by key."""
    sections = [f"## {key}\n{value}" for key, value in sorted(entries.items()) if value]
    body = "\n\n".join([f"# Context Summary (fidelity: {level})", *sections])
    return body + "\n\n---\n\n"


def runtime_block(working_dir: Path, run_id: str, node_id: str, today: date) -> str:
    where = f"Run: {run_id}, node: {node_id}" if run_id else f"Node: {node_id}"
    return (
        "# Runtime\n\n"
        f"- Working directory: {working_dir} (commands already run here; do not change "
        "to another directory)\n"
        f"- Date: {today.isoformat()}\n"
        f"- {where}\n\n"
    )


def build_prompt(
    prompt: str,
    context: Mapping[str, str],
    graph: GraphLookup,
    *,
    fidelity: str,
    injection_cap: int,
    reads: list[str],
) -> str:
    """The node's prompt with references expanded and the pipeline context attached."""
    text = expand_references(prompt, context, graph).replace("$goal", graph("goal") or "")
    if fidelity == "full":
        return text + injection_block(context, injection_cap)
    return fidelity_summary(fidelity, fidelity_keys(fidelity, context, reads)) + text
