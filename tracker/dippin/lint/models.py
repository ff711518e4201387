"""The model catalogue DIP108 checks agents against, and ``--extra-models`` parsing.

The catalogue is data, not language: :data:`CATALOG` is a plain table (provider →
model IDs) that can be replaced wholesale, and :func:`merged` adds the entries a user
passes with ``--extra-models "prov:m1,m2;prov2:m3"``. It is a snapshot of the models
the language's reference linter knew, so new models need an ``--extra-models`` entry
until the table is updated.
"""

from __future__ import annotations

from collections.abc import Mapping

_GEMINI = (
    "gemini-3.1-pro-preview",
    "gemini-3.1-pro-preview-customtools",
    "gemini-3-flash-preview",
    "gemini-3.1-flash-lite-preview",
    "gemini-3.1-flash-lite",
    "gemini-2.5-pro",
    "gemini-2.5-flash",
    "gemini-2.5-flash-lite",
    "gemini-2.0-flash",
)
_GROK = (
    "grok-4.3",
    "grok-4.20-0309-reasoning",
    "grok-4.20-0309-non-reasoning",
    "grok-4.20-multi-agent-0309",
    "grok-4-1-fast-reasoning",
    "grok-4-1-fast-non-reasoning",
)

CATALOG_VERIFIED = "2026-05-18"
"""When the snapshot below was last checked against the providers' model lists."""

CATALOG: dict[str, tuple[str, ...]] = {
    "anthropic": (
        "claude-opus-4-7",
        "claude-opus-4-6",
        "claude-sonnet-4-6",
        "claude-haiku-4-5",
        "claude-sonnet-4-5",
        "claude-opus-4-5",
        "claude-opus-4-1",
        "claude-sonnet-4-0",
        "claude-opus-4-0",
        "claude-haiku-3-5",
    ),
    "google": _GEMINI,
    "gemini": _GEMINI,
    "openai": (
        "gpt-5.5",
        "gpt-5.5-pro",
        "gpt-5.4",
        "gpt-5.4-pro",
        "gpt-5.4-mini",
        "gpt-5.4-nano",
        "gpt-5",
        "gpt-5-pro",
        "gpt-5-mini",
        "gpt-5-nano",
        "gpt-5.3-codex",
        "gpt-5.2",
        "gpt-5.2-pro",
        "gpt-5.1",
        "gpt-4.1",
        "gpt-4.1-mini",
        "gpt-4o-mini",
        "o3",
        "o3-pro",
        "gpt-4o",
        "gpt-4.1-nano",
        "o3-mini",
        "o4-mini",
    ),
    "deepseek": ("deepseek-v4-flash", "deepseek-v4-pro", "deepseek-chat", "deepseek-reasoner"),
    "xai": _GROK,
    "grok": _GROK,
    "mistral": (
        "mistral-large-3",
        "mistral-medium-3",
        "mistral-medium-3-1-2508",
        "mistral-medium-3-5-2604",
        "mistral-small-2603",
        "mistral-small",
        "ministral-8b",
        "ministral-3-3b-2512",
        "ministral-3-8b-2512",
        "ministral-3-14b-2512",
        "codestral",
        "magistral-medium",
        "mistral-nemo",
    ),
    "cohere": (
        "command-a-03-2025",
        "command-r-plus-08-2024",
        "command-r-08-2024",
        "command-r7b-12-2024",
        "command-r-plus",
        "command-r",
        "command-r7b",
    ),
}


class ExtraModelsError(ValueError):
    """An ``--extra-models`` value that cannot be read."""


def parse_extra_models(spec: str) -> dict[str, list[str]]:
    """Read ``"prov:m1,m2;prov2:m3"`` into ``{"prov": ["m1", "m2"], "prov2": ["m3"]}``.

    Entries are separated by ``;``, the provider from its models by the first ``:``,
    models by ``,``. Blank entries and blank model names are ignored; an entry without
    a ``:`` or with an empty provider is an error (it is almost certainly a typo).
    """
    out: dict[str, list[str]] = {}
    for entry in spec.split(";"):
        entry = entry.strip()
        if not entry:
            continue
        provider, sep, models = entry.partition(":")
        provider = provider.strip()
        if not sep or not provider:
            raise ExtraModelsError(
                f'invalid --extra-models entry "{entry}": expected "provider:model1,model2"'
            )
        names = out.setdefault(provider, [])
        for model in models.split(","):
            model = model.strip()
            if model and model not in names:
                names.append(model)
    return out


def merged(extra: Mapping[str, list[str]] | None = None) -> dict[str, frozenset[str]]:
    """The catalogue plus ``extra`` entries, as sets for membership tests."""
    table = {provider: frozenset(models) for provider, models in CATALOG.items()}
    for provider, models in (extra or {}).items():
        table[provider] = table.get(provider, frozenset()) | frozenset(models)
    return table


def providers_of(model: str, table: Mapping[str, frozenset[str]]) -> list[str]:
    """Providers whose list contains ``model`` (sorted)."""
    return sorted(p for p, models in table.items() if model in models)
