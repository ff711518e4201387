"""The agent-authored status timeline of a run (engine spec §8.7.5, §7.9.5).

Every ``status_update`` line of the activity log (the agents' ``report_status`` calls)
with non-blank content, in log order.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class StatusUpdate:
    ts: str
    node_id: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        data = {"ts": self.ts, "text": self.text}
        if self.node_id:
            data["node_id"] = self.node_id
        return data

    @property
    def clock(self) -> str:
        """``HH:MM:SS`` cut from the RFC 3339 timestamp."""
        _, sep, rest = self.ts.partition("T")
        return rest[:8] if sep and len(rest) >= 8 else self.ts


def status_timeline(run_dir: Path) -> list[StatusUpdate]:
    from tracker.runs.activity import load_activity

    out: list[StatusUpdate] = []
    for line in load_activity(run_dir, sort=False).entries:
        if line.get("type") != "status_update":
            continue
        text = str(line.get("content") or line.get("message") or "").strip()
        if text:
            out.append(StatusUpdate(str(line.get("ts", "")), str(line.get("node_id") or ""), text))
    return out
