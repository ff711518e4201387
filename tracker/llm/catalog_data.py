"""The model catalog as data: identities, aliases, context windows and prices.

Replace this table (not the code in :mod:`tracker.llm.catalog`) when prices change.

* ``MODELS`` is tracker's identity catalog (spec §6.6.1): ID, adapter, display name, aliases,
  context window and output cap. Context windows the spec does not give are ``None``
  (unknown → the session keeps its 200 000-token default).
* ``PRICES`` is the pricing catalog (spec §6.6.2): USD per 1 M tokens, per provider, with
  cache multipliers, as verified on 2026-08-10 (the revision the spec's rate table was read
  from; ~110 models over 11 providers).
"""

from __future__ import annotations

from typing import NamedTuple


class ModelEntry(NamedTuple):
    id: str
    provider: str
    display_name: str
    aliases: tuple[str, ...] = ()
    context_window: int | None = None
    max_output: int | None = None


class PriceEntry(NamedTuple):
    provider: str
    model: str
    input_per_m: float = 0.0
    output_per_m: float = 0.0
    cache_read_mult: float | None = None
    cache_write_mult: float | None = None
    cached_input_per_m: float | None = None
    aliases: tuple[str, ...] = ()
    priced: bool = True
    deprecated: bool = False


PROVIDER_ALIASES: dict[str, str] = {"google": "gemini", "xai": "grok", "kimi": "moonshot"}

_K = 1000

MODELS: tuple[ModelEntry, ...] = (
    # anthropic
    ModelEntry("claude-opus-5", "anthropic", "Claude Opus 5", ("opus-5", "claude-opus")),
    ModelEntry("claude-sonnet-5", "anthropic", "Claude Sonnet 5", ("sonnet-5", "claude-sonnet")),
    ModelEntry("claude-fable-5", "anthropic", "Claude Fable 5", ("fable-5", "claude-fable")),
    ModelEntry("claude-opus-4-8", "anthropic", "Claude Opus 4.8", ("opus-4-8",)),
    ModelEntry("claude-opus-4-7", "anthropic", "Claude Opus 4.7", ("opus-4-7",)),
    ModelEntry("claude-sonnet-4-6", "anthropic", "Claude Sonnet 4.6", ("sonnet-4-6",), 200 * _K, 64 * _K),
    ModelEntry("claude-opus-4-6", "anthropic", "Claude Opus 4.6", ("opus-4-6",), 200 * _K, 128 * _K),
    ModelEntry("claude-sonnet-4-5", "anthropic", "Claude Sonnet 4.5", ("sonnet-4-5",), 200 * _K, 64 * _K),
    ModelEntry("claude-haiku-4-5", "anthropic", "Claude Haiku 4.5", ("haiku-4-5", "claude-haiku"), 200 * _K, 64 * _K),
    # openai
    ModelEntry("gpt-5.4", "openai", "GPT-5.4", ("gpt5.4",)),
    ModelEntry("gpt-5.4-mini", "openai", "GPT-5.4 mini", ("gpt5.4-mini",)),
    ModelEntry("gpt-5.4-nano", "openai", "GPT-5.4 nano", ("gpt5.4-nano",)),
    ModelEntry("gpt-5.2", "openai", "GPT-5.2", ("gpt5.2",), 400 * _K, 128 * _K),
    ModelEntry("gpt-5.2-codex", "openai", "GPT-5.2 Codex", ("codex", "gpt5.2-codex"), 400 * _K, 128 * _K),
    ModelEntry("gpt-4.1", "openai", "GPT-4.1", ("gpt4.1",), 1_047_576, 32_768),
    ModelEntry("gpt-4.1-mini", "openai", "GPT-4.1 mini", ("gpt4.1-mini",), 1_047_576, 32_768),
    ModelEntry("gpt-4.1-nano", "openai", "GPT-4.1 nano", ("gpt4.1-nano",), 1_047_576, 32_768),
    ModelEntry("o3", "openai", "o3", (), 200 * _K, 100 * _K),
    ModelEntry("o4-mini", "openai", "o4-mini", (), 200 * _K, 100 * _K),
    ModelEntry("gpt-4o", "openai", "GPT-4o", ("4o",), 128 * _K, 16_384),
    ModelEntry("gpt-4o-mini", "openai", "GPT-4o mini", ("4o-mini",), 128 * _K, 16_384),
    # gemini
    ModelEntry("gemini-2.5-pro", "gemini", "Gemini 2.5 Pro", ("gemini-pro",), 1_048_576, 65_536),
    ModelEntry("gemini-2.5-flash", "gemini", "Gemini 2.5 Flash", ("gemini-flash",), 1_048_576, 65_536),
    ModelEntry("gemini-2.5-flash-lite", "gemini", "Gemini 2.5 Flash-Lite", ("gemini-flash-lite",), 1_048_576, 65_536),
    ModelEntry(
        "gemini-3.1-pro-preview",
        "gemini",
        "Gemini 3.1 Pro (preview)",
        ("gemini-3.1-pro", "gemini-3-pro"),
        1_048_576,
        65_536,
    ),
    ModelEntry("gemini-3-flash-preview", "gemini", "Gemini 3 Flash (preview)", ("gemini-3-flash",), 1_048_576, 65_536),
)


def _anthropic(model: str, inp: float, out: float, *, deprecated: bool = False) -> PriceEntry:
    return PriceEntry("anthropic", model, inp, out, 0.1, 1.25, deprecated=deprecated)


def _openai(model: str, inp: float, out: float, read: float = 0.1, *aliases: str) -> PriceEntry:
    return PriceEntry("openai", model, inp, out, read, aliases=aliases)


def _gemini(model: str, inp: float, out: float) -> PriceEntry:
    return PriceEntry("gemini", model, inp, out, 0.1)


def _plain(provider: str, model: str, inp: float, out: float) -> PriceEntry:
    return PriceEntry(provider, model, inp, out)


def _unpriced(provider: str, model: str) -> PriceEntry:
    return PriceEntry(provider, model, priced=False)


PRICES: tuple[PriceEntry, ...] = (
    # anthropic
    _anthropic("claude-fable-5", 10, 50),
    _anthropic("claude-haiku-3-5", 0.8, 4, deprecated=True),
    _anthropic("claude-haiku-4-5", 1, 5),
    _anthropic("claude-mythos-5", 10, 50),
    _unpriced("anthropic", "claude-mythos-preview"),
    _anthropic("claude-opus-4-0", 15, 75, deprecated=True),
    _anthropic("claude-opus-4-1", 15, 75, deprecated=True),
    _anthropic("claude-opus-4-5", 5, 25),
    _anthropic("claude-opus-4-6", 5, 25),
    _anthropic("claude-opus-4-7", 5, 25),
    _anthropic("claude-opus-4-8", 5, 25),
    _anthropic("claude-opus-5", 5, 25),
    _anthropic("claude-sonnet-4-0", 3, 15, deprecated=True),
    _anthropic("claude-sonnet-4-5", 3, 15),
    _anthropic("claude-sonnet-4-6", 3, 15),
    _anthropic("claude-sonnet-5", 3, 15),
    # cohere
    _plain("cohere", "command-a-03-2025", 2.5, 10),
    _plain("cohere", "command-r", 0.5, 1.5),
    _plain("cohere", "command-r-08-2024", 0.5, 1.5),
    _plain("cohere", "command-r-plus", 2.5, 10),
    _plain("cohere", "command-r-plus-08-2024", 2.5, 10),
    _plain("cohere", "command-r7b", 0.0375, 0.15),
    _plain("cohere", "command-r7b-12-2024", 0.0375, 0.15),
    # deepseek
    _plain("deepseek", "deepseek-chat", 0.14, 0.28),
    _plain("deepseek", "deepseek-reasoner", 0.14, 0.28),
    _plain("deepseek", "deepseek-v4-flash", 0.14, 0.28),
    _plain("deepseek", "deepseek-v4-pro", 0.435, 0.87),
    # gemini
    _gemini("gemini-2.0-flash", 0.1, 0.4),
    _gemini("gemini-2.5-flash", 0.3, 2.5),
    _gemini("gemini-2.5-flash-lite", 0.1, 0.4),
    _gemini("gemini-2.5-pro", 1.25, 10),
    _gemini("gemini-3-flash-preview", 0.5, 3),
    _gemini("gemini-3.1-flash-lite", 0.25, 1.5),
    _gemini("gemini-3.1-flash-lite-preview", 0.25, 1.5),
    _gemini("gemini-3.1-pro-preview", 2, 12),
    _gemini("gemini-3.1-pro-preview-customtools", 2, 12),
    _gemini("gemini-3.5-flash", 1.5, 9),
    _gemini("gemini-3.5-flash-lite", 0.3, 2.5),
    _gemini("gemini-3.6-flash", 1.5, 7.5),
    # grok
    _plain("grok", "grok-4-1-fast-non-reasoning", 1.25, 2.5),
    _plain("grok", "grok-4-1-fast-reasoning", 1.25, 2.5),
    _plain("grok", "grok-4.20-0309-non-reasoning", 1.25, 2.5),
    _plain("grok", "grok-4.20-0309-reasoning", 1.25, 2.5),
    _plain("grok", "grok-4.20-multi-agent-0309", 1.25, 2.5),
    _plain("grok", "grok-4.3", 1.25, 2.5),
    _plain("grok", "grok-4.5", 2, 6),
    _plain("grok", "grok-build-0.1", 1, 2),
    # minimax
    _plain("minimax", "MiniMax-M2", 0.3, 1.2),
    _plain("minimax", "MiniMax-M2.1", 0.3, 1.2),
    _plain("minimax", "MiniMax-M2.5", 0.3, 1.2),
    _plain("minimax", "MiniMax-M2.7", 0.3, 1.2),
    _plain("minimax", "MiniMax-M2.7-highspeed", 0.6, 2.4),
    _plain("minimax", "MiniMax-M3", 0.3, 1.2),
    # mistral
    _plain("mistral", "codestral", 0.3, 0.9),
    _plain("mistral", "magistral-medium", 2, 5),
    _plain("mistral", "ministral-3-14b-2512", 0.2, 0.2),
    _plain("mistral", "ministral-3-3b-2512", 0.1, 0.1),
    _plain("mistral", "ministral-3-8b-2512", 0.15, 0.15),
    _plain("mistral", "ministral-8b", 0.1, 0.1),
    _plain("mistral", "mistral-large-3", 0.5, 1.5),
    _plain("mistral", "mistral-medium-3", 0.4, 2),
    _plain("mistral", "mistral-medium-3-1-2508", 0.4, 2),
    _plain("mistral", "mistral-medium-3-5-2604", 1.5, 7.5),
    _plain("mistral", "mistral-nemo", 0.02, 0.04),
    _plain("mistral", "mistral-small", 0.1, 0.3),
    _plain("mistral", "mistral-small-2603", 0.1, 0.3),
    # moonshot
    _plain("moonshot", "kimi-k3", 3, 15),
    # openai
    _openai("gpt-4.1", 2, 8, 0.25),
    _openai("gpt-4.1-mini", 0.4, 1.6, 0.25),
    _openai("gpt-4.1-nano", 0.1, 0.4, 0.25),
    _openai("gpt-4o", 2.5, 10, 0.5),
    _openai("gpt-4o-mini", 0.15, 0.6, 0.5),
    _openai("gpt-5", 1.25, 10),
    _openai("gpt-5-mini", 0.25, 2),
    _openai("gpt-5-nano", 0.05, 0.4),
    _openai("gpt-5-pro", 15, 120),
    _openai("gpt-5.1", 1.25, 10),
    _openai("gpt-5.2", 1.75, 14, 0.1, "gpt-5.2-codex"),
    _openai("gpt-5.2-pro", 21, 168),
    _openai("gpt-5.3-codex", 1.75, 14),
    _openai("gpt-5.4", 2.5, 15),
    _openai("gpt-5.4-mini", 0.75, 4.5),
    _openai("gpt-5.4-nano", 0.2, 1.25),
    _openai("gpt-5.4-pro", 30, 180),
    _openai("gpt-5.5", 5, 30),
    _openai("gpt-5.5-pro", 30, 180),
    _openai("gpt-5.6-luna", 0.2, 1.2),
    _openai("gpt-5.6-sol", 5, 30),
    _openai("gpt-5.6-terra", 2, 12),
    _openai("o3", 2, 8),
    _openai("o3-mini", 1.1, 4.4),
    _openai("o3-pro", 20, 80),
    _openai("o4-mini", 1.1, 4.4),
    # qwen
    _unpriced("qwen", "qwen3.6-flash"),
    _unpriced("qwen", "qwen3.7-max"),
    _unpriced("qwen", "qwen3.7-plus"),
    # zai
    _plain("zai", "glm-4.5", 0.6, 2.2),
    _plain("zai", "glm-4.5-air", 0.2, 1.1),
    _plain("zai", "glm-4.5-airx", 1.1, 4.5),
    _unpriced("zai", "glm-4.5-flash"),
    _plain("zai", "glm-4.5-x", 2.2, 8.9),
    _plain("zai", "glm-4.6", 0.6, 2.2),
    _plain("zai", "glm-4.7", 0.6, 2.2),
    _unpriced("zai", "glm-4.7-flash"),
    _plain("zai", "glm-4.7-flashx", 0.07, 0.4),
    _plain("zai", "glm-5", 1, 3.2),
    _plain("zai", "glm-5-turbo", 1.2, 4),
    _plain("zai", "glm-5.1", 1.4, 4.4),
    _plain("zai", "glm-5.2", 1.4, 4.4),
)
