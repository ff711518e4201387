"""``auto_status`` parsing (engine spec §4.1.9)."""

from __future__ import annotations

import pytest

from tracker.agent.auto_status import parse_status, response_tail


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("All good.\nSTATUS: success", "success"),
        ("status: FAIL", "fail"),
        ("## Status: Success", "success"),
        ("**STATUS: retry**", "retry"),
        ("__STATUS: fail__", "fail"),
        ("STATUS: fail\nthen fixed it\nSTATUS: success", "success"),
        ("STATUS: success\n```\nSTATUS: fail\n```", "success"),
        ("```text\nSTATUS: success\n```", None),
        ("**STATUS:** success", None),
        ("STATUS: success — all tests pass", None),
        ("STATUS: maybe", None),
        ("no status here", None),
        ("STATUS: fail\nSTATUS: unknown", "fail"),
    ],
)
def test_status_lines(text: str, status: str | None) -> None:
    assert parse_status(text) == status


def test_tail_is_the_last_256_bytes() -> None:
    assert response_tail("short") == "short"
    assert response_tail("a" * 300 + "END") == "a" * 253 + "END"
