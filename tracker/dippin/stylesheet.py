"""The ``stylesheet:`` block: CSS-like rules that set model options on nodes.

Selector lines (``*``, ``agent``, ``.class``, ``#NodeId``) start at the block's left
edge; the ``key: value`` property lines of a rule are indented below it.
"""

from __future__ import annotations

from tracker.dippin.ir import FieldSource, StyleRule, StyleSelector
from tracker.dippin.positions import Range


def selector_of(text: str) -> StyleSelector:
    if text == "*":
        return StyleSelector(kind="universal", value="*")
    if text.startswith("."):
        return StyleSelector(kind="class", value=text[1:])
    if text.startswith("#"):
        return StyleSelector(kind="id", value=text[1:])
    return StyleSelector(kind="kind", value=text)


def parse_stylesheet(text: str, source: FieldSource) -> tuple[list[StyleRule], list[tuple[Range, str]]]:
    """Parse the block text; returns the rules and (range, message) problems."""
    rules: list[StyleRule] = []
    problems: list[tuple[Range, str]] = []
    current: StyleRule | None = None
    offset = 0
    for raw in text.split("\n"):
        stripped = raw.strip()
        lead = len(raw) - len(raw.lstrip())
        if stripped:
            rng = source.range_at(text, offset + lead, offset + len(raw.rstrip()))
            if lead == 0:
                current = StyleRule(selector=selector_of(stripped), range=rng, selector_range=rng)
                rules.append(current)
            elif current is None:
                problems.append((rng, "stylesheet property before any selector is ignored"))
            elif ":" not in stripped:
                problems.append((rng, f"stylesheet property `{stripped}` needs the form `key: value`"))
            else:
                key, _, value = stripped.partition(":")
                current.properties[key.strip()] = value.strip()
                current.range = Range(start=current.range.start, end=rng.end)
        offset += len(raw) + 1
    return rules, problems
