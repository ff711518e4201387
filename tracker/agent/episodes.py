"""Episode summaries: a compact memory of the tool calls of earlier attempts (§5.11).

Each executed call becomes one :class:`EpisodeEntry`; a session's digest lists its last
24 entries. Codergen carries the digests of earlier agent sessions in the run-wide
``episode_summaries`` context key (a JSON array).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

MAX_ENTRIES = 24
MAX_SUMMARY_BYTES = 2000
ARGS_RUNES = 200
OUTPUT_RUNES = 160
ITEM_RUNES = 4000
KEEP_SUMMARIES = 8
TOTAL_RUNES = 4000
_WHITESPACE = re.compile(r"\s+")


def cut(text: str, limit: int) -> str:
    """Keep ``limit - 1`` characters plus ``…`` when ``text`` is longer than ``limit``."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def compact_json(raw: str) -> str:
    try:
        return json.dumps(json.loads(raw), separators=(",", ":"), ensure_ascii=False)
    except ValueError:
        return raw


@dataclass(frozen=True, slots=True)
class EpisodeEntry:
    tool: str
    arguments: str
    success: bool
    summary: str

    @classmethod
    def record(cls, tool: str, raw_arguments: str, success: bool, output: str) -> EpisodeEntry:
        flat = _WHITESPACE.sub(" ", output.strip())
        if not flat:
            summary = (
                "tool completed with empty output" if success else "tool returned an error with empty output"
            )
        elif len(flat) > OUTPUT_RUNES:
            summary = flat[:OUTPUT_RUNES] + "…"
        else:
            summary = flat
        return cls(tool, cut(compact_json(raw_arguments), ARGS_RUNES), success, summary)

    def line(self, number: int) -> str:
        outcome = "success" if self.success else "fail"
        return f"{number}. {self.tool} args={self.arguments} outcome={outcome} summary={self.summary}"


def episode_summary(entries: Sequence[EpisodeEntry]) -> str:
    recent = list(entries)[-MAX_ENTRIES:]
    text = "\n".join(entry.line(i + 1) for i, entry in enumerate(recent))
    if len(text.encode("utf-8")) > MAX_SUMMARY_BYTES:
        text = text[: MAX_SUMMARY_BYTES - 1] + "…"
    return text


def normalise_summaries(summaries: Sequence[str]) -> list[str]:
    items = [cut(s.strip(), ITEM_RUNES) for s in summaries if s.strip()]
    items = items[-KEEP_SUMMARIES:]
    while len(items) > 1 and sum(len(s) for s in items) > TOTAL_RUNES:
        items.pop(0)
    return items


def parse_summaries(value: str) -> list[str]:
    """Read the context value: a JSON array of strings, else one summary when non-blank."""
    if not value.strip():
        return []
    try:
        data = json.loads(value)
    except ValueError:
        return [value]
    if isinstance(data, list) and all(isinstance(item, str) for item in data):
        return list(data)
    return [value]


def dump_summaries(summaries: Sequence[str]) -> str:
    return json.dumps(normalise_summaries(summaries), ensure_ascii=False)
