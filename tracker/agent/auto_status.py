"""``auto_status``: read a ``STATUS: success|fail|retry`` line from an agent's reply
(engine spec §4.1.9).

Lines inside fenced code blocks are ignored; Markdown heading marks and emphasis around
the line are tolerated; the last recognised line wins. As in the reference,
``**STATUS:** success`` is not recognised (the value keeps a space inside the bold
markers) and neither is a value followed by more words.
"""

from __future__ import annotations

STATUS_VALUES = ("success", "fail", "retry")
TAIL_BYTES = 256


def parse_status(text: str) -> str | None:
    """The status named by the last recognised ``STATUS:`` line, lower-cased, or ``None``."""
    found: str | None = None
    fenced = False
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            continue
        line = line.lstrip("#").strip().strip("*_")
        if line[:7].upper() != "STATUS:":
            continue
        value = line[7:].strip().strip("*_").lower()
        if value in STATUS_VALUES:
            found = value
    return found


def response_tail(text: str, limit: int = TAIL_BYTES) -> str:
    """The last ``limit`` bytes of ``text`` (for the ``auto_status_missing`` event)."""
    data = text.encode("utf-8")
    return data[-limit:].decode("utf-8", errors="ignore") if len(data) > limit else text
