"""Model catalog look-ups and cost estimation (§6.6, D.13)."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from tracker.llm import (
    Usage,
    context_window,
    estimate_cost,
    known_models,
    known_providers,
    model_info,
    price_entry,
    provider_for_model,
    resolve_model_id,
)
from tracker.llm.catalog_data import PRICES


def test_catalog_is_the_full_embedded_table() -> None:
    providers = {p.provider for p in PRICES}
    assert len(PRICES) >= 105
    assert providers == {
        "anthropic", "cohere", "deepseek", "gemini", "grok", "minimax", "mistral", "moonshot", "openai", "qwen", "zai"
    }


def test_provider_for_model_uses_the_catalog() -> None:
    assert provider_for_model("gpt-5.4") == "openai"
    assert provider_for_model("opus-5") == "anthropic"
    assert provider_for_model("gemini-3-pro") == "gemini"
    assert provider_for_model("gpt-5.5") == "openai"  # pricing catalog only
    assert provider_for_model("deepseek-chat") is None
    assert provider_for_model("my-local-model") is None


def test_aliases_resolve_to_catalog_ids() -> None:
    assert resolve_model_id("codex") == "gpt-5.2-codex"
    assert resolve_model_id("claude-haiku") == "claude-haiku-4-5"
    assert resolve_model_id("nope") is None


def test_price_lookup_folds_dots_and_strips_dates() -> None:
    assert price_entry("claude-sonnet-4.5") is price_entry("claude-sonnet-4-5")
    assert price_entry("claude-sonnet-4-5-20250929") is price_entry("claude-sonnet-4-5")
    assert price_entry("gpt-4o-2024-08-06") is price_entry("gpt-4o")
    entry = price_entry("gpt-5.2-codex")
    assert entry is not None and entry.model == "gpt-5.2"
    assert price_entry("anthropic/claude-sonnet-4.5") is None


@pytest.mark.parametrize(
    ("model", "usage", "expected"),
    [
        # Anthropic: cache read 0.1×, write 1.25× of $3
        ("claude-sonnet-4-6", Usage(1_000_000, 0, 0, cache_read_tokens=1_000_000, cache_write_tokens=1_000_000), 3 + 0.3 + 3.75),
        # OpenAI gpt-4.1: read 0.25×, no write multiplier
        ("gpt-4.1", Usage(0, 1_000_000, 0, cache_read_tokens=1_000_000, cache_write_tokens=1_000_000), 8 + 0.5),
        # reasoning tokens are inside output tokens and never priced again
        ("o3", Usage(0, 1_000_000, 0, reasoning_tokens=900_000), 8.0),
        # entries without cache data get read 0.1× and no write
        ("deepseek-chat", Usage(1_000_000, 0, 0, cache_read_tokens=1_000_000, cache_write_tokens=5), 0.14 + 0.014),
        ("qwen3.7-max", Usage(1_000_000, 1_000_000, 0), 0.0),
    ],
)
def test_cost_formula(model: str, usage: Usage, expected: float) -> None:
    assert estimate_cost(model, usage) == pytest.approx(expected)


def test_unknown_model_costs_zero_and_warns_once(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="tracker.llm.cost"):
        assert estimate_cost("mystery-1", Usage(10, 10, 20)) == 0.0
        assert estimate_cost("mystery-1", Usage(10, 10, 20)) == 0.0
        assert estimate_cost("mystery-2", Usage()) == 0.0  # no tokens: no warning
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [
        '[llm] EstimateCost: unknown model "mystery-1" (no pricing entry); returning $0 — '
        "budget --max-cost ceiling will not apply to usage priced under this model"
    ]


def test_context_windows_and_model_info() -> None:
    assert context_window("gpt-4.1") == 1_047_576
    assert context_window("claude-opus-5") == 200_000  # unknown window keeps the default
    assert context_window("unknown-model", default=123) == 123
    info = model_info("sonnet-4-6")
    assert info is not None and info.id == "claude-sonnet-4-6" and info.price is not None
    deprecated = model_info("claude-opus-4-1")
    assert deprecated is not None and deprecated.deprecated


def test_known_models_for_completion() -> None:
    assert known_providers()[:3] == ["anthropic", "openai", "gemini"]
    assert "grok" in known_providers()
    assert known_models("google") == known_models("gemini")
    assert "gpt-5.4" in known_models("openai")
    assert "codex" in known_models("openai", include_aliases=True)
    assert "codex" not in known_models("openai")
    assert known_models("nobody") == []


def test_catalog_import_loads_no_provider_sdk() -> None:
    code = (
        "import sys, tracker.llm, tracker.llm.catalog;"
        "bad=[m for m in sys.modules if m.split('.')[0] in ('anthropic','openai','httpx2') or m.startswith('google.genai')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
