"""Timestamps and durations as run files and reports write them."""

from __future__ import annotations

import re
from datetime import datetime

_FRACTION = re.compile(r"(\.\d+)")


def parse_ts(text: str) -> float | None:
    """Parse an RFC 3339 timestamp with any number of fractional digits (``Z`` or offset)."""
    if not text:
        return None
    s = text.strip()
    if s.endswith(("Z", "z")):
        s = s[:-1] + "+00:00"
    m = _FRACTION.search(s)
    if m:
        frac = m.group(1)
        s = s[: m.start()] + frac[:7].ljust(7, "0") + s[m.end() :]
    try:
        return datetime.fromisoformat(s).timestamp()
    except ValueError:
        return None


def rfc3339(ts: float) -> str:
    """RFC 3339 with microseconds in local time (checkpoint timestamps)."""
    return datetime.fromtimestamp(ts).astimezone().isoformat(timespec="microseconds")


def human_duration(seconds: float) -> str:
    """The summary format: ``<n>ms`` under a second, ``<x.y>s`` under a minute, else ``<m>m<ss>s``."""
    if seconds < 1:
        return f"{round(seconds * 1000)}ms"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}m{secs:02d}s"


def clock(ts: float) -> str:
    """``HH:MM:SS`` in local time."""
    return datetime.fromtimestamp(ts).strftime("%H:%M:%S")
