"""Provider selection from the environment, base URLs and gateway routing (§6.2, §8.5)."""

from __future__ import annotations

import pytest

from tracker.llm import Client, ConfigurationError, load_provider_settings, mask_key
from tracker.llm.config import billing_help


def by_name(env: dict[str, str], **kwargs: str) -> dict[str, object]:
    return {s.name: s for s in load_provider_settings(env, **kwargs)}


def test_only_providers_with_keys_are_registered_in_default_order() -> None:
    settings = load_provider_settings({"OPENAI_COMPAT_API_KEY": "c", "GOOGLE_API_KEY": "'g-key'", "OPENAI_API_KEY": "o"})
    assert [s.name for s in settings] == ["openai", "gemini", "openai-compat"]
    gemini = settings[1]
    assert gemini.api_key == "g-key" and gemini.api_key_var == "GOOGLE_API_KEY"
    assert gemini.base_url == "https://generativelanguage.googleapis.com"
    assert settings[2].base_url == "https://openrouter.ai/api"


def test_gemini_key_prefers_gemini_variable() -> None:
    (gemini,) = load_provider_settings({"GEMINI_API_KEY": "a", "GOOGLE_API_KEY": "b"})
    assert (gemini.api_key, gemini.api_key_var) == ("a", "GEMINI_API_KEY")


def test_no_keys_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="no providers configured"):
        load_provider_settings({})


def test_unknown_only_provider_lists_valid_names() -> None:
    with pytest.raises(ConfigurationError, match=r"valid: anthropic, openai, gemini, openai-compat"):
        load_provider_settings({"OPENAI_API_KEY": "k"}, only="mistral")


def test_base_urls_are_unquoted_and_openai_v1_is_stripped() -> None:
    env = {
        "OPENAI_API_KEY": "k",
        "OPENAI_BASE_URL": '"http://proxy.local/v1/"',
        "ANTHROPIC_API_KEY": "k",
        "ANTHROPIC_BASE_URL": "http://proxy.local/anthropic/v1",
    }
    settings = by_name(env)
    assert settings["openai"].base_url == "http://proxy.local"  # type: ignore[attr-defined]
    assert settings["anthropic"].base_url == "http://proxy.local/anthropic/v1"  # type: ignore[attr-defined]


def test_cf_aig_gateway_suffixes_apply_without_explicit_base_urls() -> None:
    env = {
        "ANTHROPIC_API_KEY": "a",
        "OPENAI_API_KEY": "o",
        "GEMINI_API_KEY": "g",
        "OPENAI_COMPAT_API_KEY": "c",
        "TRACKER_GATEWAY_URL": "https://gw.example/acct/gw/",
        "OPENAI_BASE_URL": "https://direct.example",
    }
    settings = by_name(env)
    assert settings["anthropic"].base_url == "https://gw.example/acct/gw/anthropic"  # type: ignore[attr-defined]
    assert settings["openai"].base_url == "https://direct.example"  # type: ignore[attr-defined]
    assert settings["gemini"].base_url == "https://gw.example/acct/gw/google-ai-studio"  # type: ignore[attr-defined]
    assert settings["openai-compat"].base_url == "https://gw.example/acct/gw/compat"  # type: ignore[attr-defined]


def test_gateway_flag_wins_over_environment() -> None:
    env = {"ANTHROPIC_API_KEY": "a", "TRACKER_GATEWAY_URL": "https://env.example"}
    (anthropic,) = load_provider_settings(env, gateway_url="https://flag.example", gateway_kind="bedrock")
    assert anthropic.base_url == "https://flag.example"
    assert anthropic.via_gateway


def test_bedrock_refuses_openai_compat_fail_closed() -> None:
    env = {"OPENAI_COMPAT_API_KEY": "c", "TRACKER_GATEWAY_URL": "https://gw", "TRACKER_GATEWAY_KIND": "bedrock"}
    with pytest.raises(ConfigurationError, match="kind=bedrock provider=openai-compat"):
        load_provider_settings(env)


def test_unknown_gateway_kind_fails_closed() -> None:
    env = {"OPENAI_API_KEY": "o", "TRACKER_GATEWAY_URL": "https://gw", "TRACKER_GATEWAY_KIND": "azure"}
    with pytest.raises(ConfigurationError, match="gateway route refused"):
        load_provider_settings(env)


def test_client_from_env_builds_adapters_lazily_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "o")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "a")
    client = Client.from_env()
    assert client.providers == ["anthropic", "openai"]
    assert client.default_provider == "anthropic"


def test_masked_keys_and_help_block() -> None:
    assert mask_key("") == "not set"
    assert mask_key("12345678") == "****"
    assert mask_key("sk-abcdefghij") == "sk-a…ghij"
    text = billing_help("openai-compat", "OPENAI_COMPAT_API_KEY", "")
    assert "key from : $OPENAI_COMPAT_API_KEY  (not set)" in text
    assert "add credit" not in text
