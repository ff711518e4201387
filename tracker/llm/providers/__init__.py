"""Provider adapters; each SDK is imported only when its adapter is constructed."""

from __future__ import annotations

from tracker.llm.config import ProviderSettings, check_provider_name
from tracker.llm.idle import DEFAULT_STREAM_IDLE_TIMEOUT
from tracker.llm.providers.base import ProviderAdapter


def create_adapter(
    settings: ProviderSettings,
    *,
    stream_idle_timeout: float | None = DEFAULT_STREAM_IDLE_TIMEOUT,
) -> ProviderAdapter:
    """Construct the adapter named by ``settings.name`` (imports its SDK now)."""
    name = check_provider_name(settings.name)
    if name == "anthropic":
        from tracker.llm.providers.anthropic import AnthropicAdapter

        return AnthropicAdapter(
            api_key=settings.api_key,
            base_url=settings.base_url,
            stream_idle_timeout=stream_idle_timeout,
        )
    if name == "openai":
        from tracker.llm.providers.openai import OpenAIAdapter

        return OpenAIAdapter(
            api_key=settings.api_key,
            base_url=settings.base_url,
            stream_idle_timeout=stream_idle_timeout,
        )
    if name == "gemini":
        from tracker.llm.providers.gemini import GeminiAdapter

        return GeminiAdapter(
            api_key=settings.api_key,
            base_url=settings.base_url,
            stream_idle_timeout=stream_idle_timeout,
        )
    from tracker.llm.providers.openai_compat import OpenAICompatAdapter

    return OpenAICompatAdapter(api_key=settings.api_key, base_url=settings.base_url)


__all__ = ["ProviderAdapter", "create_adapter"]
