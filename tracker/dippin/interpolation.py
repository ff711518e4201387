"""``${namespace.key}`` references in prompts, commands, labels and conditions.

Scanning follows the runtime's single-pass rule: the text between ``${`` and the next
``}`` is the expression; one without a ``.`` is literal text, not a reference.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from tracker.dippin.records import record

KNOWN_NAMESPACES = ("ctx", "graph", "params", "inputs", "stack")


@record(kw_only=False, eq=True, frozen=True)
class RawReference:
    """A ``${...}`` occurrence: offsets of the whole ``${...}`` within the scanned text."""

    expression: str
    namespace: str
    key: str
    start: int
    end: int


def scan(text: str) -> Iterator[RawReference]:
    """Yield every ``${ns.key}`` reference in ``text`` in order."""
    i = text.find("${")
    while i != -1:
        close = text.find("}", i + 2)
        if close == -1:
            return
        expression = text[i + 2 : close]
        if expression and "." in expression:
            namespace, _, key = expression.partition(".")
            yield RawReference(expression, namespace.strip(), key.strip(), i, close + 1)
        i = text.find("${", close + 1)


def unterminated(text: str) -> Iterator[int]:
    """Offsets of ``${`` openings that have no closing brace."""
    i = text.find("${")
    while i != -1:
        close = text.find("}", i + 2)
        if close == -1:
            yield i
            return
        i = text.find("${", close + 1)


def expand(text: str, lookup: Callable[[str, str], str | None], *, keep_unknown: bool = False) -> str:
    """Single-pass expansion. ``lookup(namespace, key)`` returns the value or ``None``.

    Unknown references become the empty string (or stay verbatim with ``keep_unknown``).
    Substituted values are never re-scanned.
    """
    out: list[str] = []
    pos = 0
    i = text.find("${")
    while i != -1:
        close = text.find("}", i + 2)
        if close == -1:
            break
        out.append(text[pos:i])
        expression = text[i + 2 : close]
        if not expression or "." not in expression:
            out.append(text[i : close + 1])
        else:
            namespace, _, key = expression.partition(".")
            value = lookup(namespace, key)
            if value is None:
                out.append(text[i : close + 1] if keep_unknown else "")
            else:
                out.append(value)
        pos = close + 1
        i = text.find("${", pos)
    out.append(text[pos:])
    return "".join(out)
