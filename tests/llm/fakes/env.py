"""Test environment for provider tests: fake API keys, base-URL variables, and scrubbing
whatever provider, proxy or tracker settings the developer's shell has."""

from __future__ import annotations

import os

import pytest

from tracker.llm.cost import reset_unknown_model_warnings

API_KEYS = {
    "anthropic": ("ANTHROPIC_API_KEY", "sk-ant-test-0123456789"),
    "openai": ("OPENAI_API_KEY", "sk-openai-test-0123456789"),
    "gemini": ("GEMINI_API_KEY", "gemini-test-key-0123456789"),
    "openai-compat": ("OPENAI_COMPAT_API_KEY", "sk-compat-test-0123456789"),
}
BASE_URL_VARS = {
    "anthropic": "ANTHROPIC_BASE_URL",
    "openai": "OPENAI_BASE_URL",
    "gemini": "GEMINI_BASE_URL",
    "openai-compat": "OPENAI_COMPAT_BASE_URL",
}
PROVIDER_PREFIXES = ("ANTHROPIC_", "OPENAI_", "GEMINI_", "GOOGLE_")
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


def scrub_env(monkeypatch: pytest.MonkeyPatch, *extra_prefixes: str) -> None:
    """Remove provider keys and URLs, proxies and variables with ``extra_prefixes``; let
    127.0.0.1 bypass any proxy; forget earlier unknown-model warnings."""
    prefixes = PROVIDER_PREFIXES + extra_prefixes
    for name in list(os.environ):
        if name.startswith(prefixes) or name in PROXY_VARS:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    reset_unknown_model_warnings()
