"""Declared ``writes:`` extraction (engine spec §3.7)."""

from __future__ import annotations

from tracker.agent.writes import declared_keys, extract_writes, find_object


def test_whole_text_fenced_block_and_balanced_scan() -> None:
    assert find_object('  {"a": 1}  ') == {"a": 1}
    fenced = 'Here:\n```json\n{"a": 2}\n```\nand {"a": 3}'
    assert find_object(fenced) == {"a": 2}
    assert find_object('prefix [{"skip": true}] then {"a": "x}y", "b": {"c": 1}} tail') == {"a": "x}y", "b": {"c": 1}}
    assert find_object("no braces") is None
    assert find_object("{not json} {\"a\": 5}") == {"a": 5}


def test_values_are_strings_verbatim_or_compact_json() -> None:
    result = extract_writes(["summary", "count", "items"], '{"summary": "ok", "count": 3, "items": [1, 2], "extra": 1}')
    assert result.ok
    assert result.values == {"summary": "ok", "count": "3", "items": "[1,2]"}
    assert result.warning == "writes: ignored undeclared key(s): extra"


def test_missing_keys_fail() -> None:
    result = extract_writes(["a", "b"], '{"a": 1}')
    assert not result.ok and "missing declared key(s): b" in result.error


def test_single_key_falls_back_to_the_raw_text() -> None:
    result = extract_writes(["notes"], "just prose")
    assert result.ok and result.values == {"notes": "just prose"}
    assert "no JSON object" in result.warning
    capped = extract_writes(["notes"], "x" * 9000)
    assert capped.values["notes"].startswith("x" * 8192)
    assert capped.values["notes"].endswith("[... output truncated to 8192 bytes ...]")


def test_no_object_with_several_keys_fails_with_a_preview() -> None:
    result = extract_writes(["a", "b"], "I could not do it " + "z" * 1000)
    assert not result.ok
    assert "no JSON object found" in result.error and "I could not do it" in result.error
    assert len(result.error) < 700


def test_reserved_keys_are_refused() -> None:
    result = extract_writes(["outcome", "inputs.x", "ok"], '{"outcome": "success"}')
    assert result.error == "writes declares reserved context key(s): outcome, inputs.x"


def test_declared_keys_are_trimmed_and_deduplicated() -> None:
    assert declared_keys(["a, b", " a ", "", "c"]) == ["a", "b", "c"]
