"""Provider key variables and format checks."""

from __future__ import annotations

import pytest

from tracker.config import PROVIDER_VARIABLES, find_key, key_problem, mask, provider


def test_the_nine_provider_variables() -> None:
    assert PROVIDER_VARIABLES == (
        "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL",
        "GEMINI_API_KEY", "GOOGLE_API_KEY", "GEMINI_BASE_URL", "OPENAI_COMPAT_API_KEY", "OPENAI_COMPAT_BASE_URL",
    )  # fmt: skip


def test_gemini_falls_back_to_google_key_and_quotes_are_stripped() -> None:
    assert find_key(provider("gemini"), {"GOOGLE_API_KEY": "'AIzaSyExample123'"}) == ("GOOGLE_API_KEY", "AIzaSyExample123")
    assert find_key(provider("anthropic"), {"ANTHROPIC_API_KEY": "  "}) is None


@pytest.mark.parametrize(
    ("name", "key", "problem"),
    [
        ("anthropic", "sk-ant-api03-abcdefgh", None),
        ("anthropic", "sk-proj-abcdefghijk", "does not start with 'sk-ant-'"),
        ("openai", "sk-proj-abcdefghijk", None),
        ("openai", "sk-short", "is too short (8 characters)"),
        ("gemini", "AIzaSyExample123", None),
        ("openai-compat", "sk-or-v1-abcdefghij", None),
        ("openai", "sk-proj abcdefghijk", "contains whitespace"),
    ],
)
def test_key_format(name: str, key: str, problem: str | None) -> None:
    assert key_problem(provider(name), key) == problem


def test_mask_never_reveals_the_middle() -> None:
    assert mask("sk-ant-api03-secretsecret-wxyz") == "sk-a...wxyz"
    assert mask("short") == "****"
