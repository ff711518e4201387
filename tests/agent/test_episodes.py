"""Episode entries, digests and the carried ``episode_summaries`` list (§5.11)."""

from __future__ import annotations

import json

from tracker.agent.episodes import (
    EpisodeEntry,
    dump_summaries,
    episode_summary,
    normalise_summaries,
    parse_summaries,
)


def test_entries_compact_arguments_and_summarise_output() -> None:
    entry = EpisodeEntry.record("bash", '{ "command" :  "ls" }', True, "a\n\n  b   c\n")
    assert entry.line(1) == '1. bash args={"command":"ls"} outcome=success summary=a b c'
    assert EpisodeEntry.record("read", "{}", False, "").summary == "tool returned an error with empty output"
    long = EpisodeEntry.record("read", json.dumps({"path": "x" * 500}), True, "y" * 500)
    assert len(long.arguments) == 200 and long.arguments.endswith("…")
    assert long.summary == "y" * 160 + "…"


def test_digest_keeps_the_last_24_entries_and_caps_its_size() -> None:
    entries = [EpisodeEntry.record("bash", "{}", True, f"out {i}") for i in range(30)]
    digest = episode_summary(entries)
    lines = digest.split("\n")
    assert len(lines) == 24 and lines[0].startswith("1. bash") and lines[0].endswith("out 6")
    big = [EpisodeEntry.record("bash", "{}", True, "z" * 160) for _ in range(24)]
    capped = episode_summary(big)
    assert len(capped) == 2000 and capped.endswith("…")


def test_summary_list_normalisation_and_parsing() -> None:
    items = [f"s{i}" for i in range(10)] + ["  ", "x" * 3990]
    kept = normalise_summaries(items)
    assert kept == ["s5", "s6", "s7", "s8", "s9", "x" * 3990]
    assert normalise_summaries(["y" * 5000]) == ["y" * 3999 + "…"]
    assert parse_summaries('["a", "b"]') == ["a", "b"]
    assert parse_summaries("plain text") == ["plain text"]
    assert parse_summaries("  ") == []
    assert dump_summaries([]) == "[]"
