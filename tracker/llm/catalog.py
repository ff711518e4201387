"""Model catalog look-ups (spec §6.6.1/§6.6.2, D.13): identity, provider, context window, price.

Cheap to import: pure data, no provider SDK. The language server uses
:func:`known_providers` and :func:`known_models` for completion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from tracker.llm.catalog_data import MODELS, PRICES, PROVIDER_ALIASES, ModelEntry, PriceEntry

ADAPTER_NAMES: tuple[str, ...] = ("anthropic", "openai", "gemini", "openai-compat")
"""The four adapters, in default-provider order (§6.2)."""

DEFAULT_CONTEXT_WINDOW = 200_000

_DATE_SUFFIX = re.compile(r"-(\d{8}|\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True, slots=True)
class ModelInfo:
    id: str
    provider: str
    display_name: str
    aliases: tuple[str, ...]
    context_window: int | None
    max_output: int | None
    price: PriceEntry | None
    deprecated: bool


@cache
def _identity_index() -> dict[str, ModelEntry]:
    index: dict[str, ModelEntry] = {}
    for entry in MODELS:
        index[entry.id] = entry
        for alias in entry.aliases:
            index.setdefault(alias, entry)
    return index


def _fold(model_id: str) -> str:
    return model_id.strip().lower().replace(".", "-")


@cache
def _price_index() -> tuple[dict[str, PriceEntry], dict[str, PriceEntry]]:
    exact: dict[str, PriceEntry] = {}
    folded: dict[str, PriceEntry] = {}
    for entry in PRICES:
        for name in (entry.model, *entry.aliases):
            exact.setdefault(name, entry)
            folded.setdefault(_fold(name), entry)
    return exact, folded


def canonical_provider(provider: str) -> str:
    """Provider name with catalog aliases applied (``google`` → ``gemini``, ``xai`` → ``grok``)."""
    name = provider.strip().lower()
    return PROVIDER_ALIASES.get(name, name)


def resolve_model_id(model: str) -> str | None:
    """The catalog ID for an exact ID or alias (identity catalog only), else ``None``."""
    entry = _identity_index().get(model.strip())
    return entry.id if entry else None


def price_entry(model: str) -> PriceEntry | None:
    """Pricing look-up (§6.6.2): exact ID or alias, then ``.`` folded to ``-``, then the
    same after stripping a ``-YYYYMMDD`` / ``-YYYY-MM-DD`` suffix. The provider is ignored."""
    exact, folded = _price_index()
    name = model.strip()
    if name in exact:
        return exact[name]
    key = _fold(name)
    if key in folded:
        return folded[key]
    stripped = _DATE_SUFFIX.sub("", name)
    if stripped != name:
        return folded.get(_fold(stripped))
    return None


def provider_for_model(model: str) -> str | None:
    """The adapter the catalog names for ``model`` (D.13), or ``None`` when it does not know.

    The identity catalog decides first; the pricing catalog is consulted for models of the
    ``anthropic``/``openai``/``gemini`` families it lists. Models of other vendors (DeepSeek,
    Mistral, …) have no first-party adapter and give ``None``.
    """
    entry = _identity_index().get(model.strip())
    if entry is not None:
        return entry.provider
    price = price_entry(model)
    if price is not None and price.provider in ADAPTER_NAMES:
        return price.provider
    return None


def model_info(model: str) -> ModelInfo | None:
    """Everything the catalog knows about ``model`` (by ID or alias)."""
    entry = _identity_index().get(model.strip())
    price = price_entry(entry.id if entry else model)
    if entry is None and price is None:
        return None
    if entry is not None:
        return ModelInfo(
            id=entry.id,
            provider=entry.provider,
            display_name=entry.display_name,
            aliases=entry.aliases,
            context_window=entry.context_window,
            max_output=entry.max_output,
            price=price,
            deprecated=bool(price and price.deprecated),
        )
    assert price is not None
    return ModelInfo(
        id=price.model,
        provider=price.provider,
        display_name=price.model,
        aliases=price.aliases,
        context_window=None,
        max_output=None,
        price=price,
        deprecated=price.deprecated,
    )


def context_window(model: str, default: int = DEFAULT_CONTEXT_WINDOW) -> int:
    """The model's context window, or ``default`` when unknown or 0 (§5.1)."""
    info = model_info(model)
    if info is None or not info.context_window:
        return default
    return info.context_window


@cache
def _models_by_provider() -> dict[str, tuple[str, ...]]:
    grouped: dict[str, set[str]] = {}
    for price in PRICES:
        grouped.setdefault(price.provider, set()).add(price.model)
    for entry in MODELS:
        grouped.setdefault(entry.provider, set()).add(entry.id)
    return {provider: tuple(sorted(models)) for provider, models in grouped.items()}


def known_providers() -> list[str]:
    """Every provider the catalog lists (adapters first, then other vendors, sorted)."""
    others = sorted(p for p in _models_by_provider() if p not in ADAPTER_NAMES)
    return [p for p in ADAPTER_NAMES if p != "openai-compat"] + others


def known_models(provider: str | None = None, *, include_aliases: bool = False) -> list[str]:
    """Sorted model IDs for ``provider`` (aliases such as ``google`` accepted), or for all
    providers when ``None``. ``include_aliases`` adds the identity catalog's aliases."""
    grouped = _models_by_provider()
    if provider is None:
        names = {m for models in grouped.values() for m in models}
        entries = list(MODELS)
    else:
        key = canonical_provider(provider)
        names = set(grouped.get(key, ()))
        entries = [e for e in MODELS if e.provider == key]
    if include_aliases:
        for entry in entries:
            names.update(entry.aliases)
    return sorted(names)
