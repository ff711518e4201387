"""Provider configuration from the environment (spec §6.2, §8.5): keys, base URLs, gateway.

Base URL per provider: its ``*_BASE_URL`` variable; else the gateway root
(``--gateway-url`` > ``TRACKER_GATEWAY_URL``) plus the gateway kind's suffix; else the
public default. A gateway with an unknown kind or a refused provider fails closed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from tracker.llm.catalog import ADAPTER_NAMES
from tracker.llm.errors import ConfigurationError

GATEWAY_URL_VAR = "TRACKER_GATEWAY_URL"
GATEWAY_KIND_VAR = "TRACKER_GATEWAY_KIND"
DEFAULT_GATEWAY_KIND = "cf-aig"


@dataclass(frozen=True, slots=True)
class ProviderEnv:
    key_vars: tuple[str, ...]
    base_url_var: str
    default_base_url: str


PROVIDER_ENV: dict[str, ProviderEnv] = {
    "anthropic": ProviderEnv(("ANTHROPIC_API_KEY",), "ANTHROPIC_BASE_URL", "https://api.anthropic.com"),
    "openai": ProviderEnv(("OPENAI_API_KEY",), "OPENAI_BASE_URL", "https://api.openai.com"),
    "gemini": ProviderEnv(
        ("GEMINI_API_KEY", "GOOGLE_API_KEY"),
        "GEMINI_BASE_URL",
        "https://generativelanguage.googleapis.com",
    ),
    "openai-compat": ProviderEnv(
        ("OPENAI_COMPAT_API_KEY",), "OPENAI_COMPAT_BASE_URL", "https://openrouter.ai/api"
    ),
}

GATEWAY_KINDS: tuple[str, ...] = ("cf-aig", "bedrock")
"""Values the CLI accepts for ``--gateway-kind`` (besides empty = ``cf-aig``)."""

GATEWAY_SUFFIXES: dict[str, dict[str, str | None]] = {
    "cf-aig": {
        "anthropic": "/anthropic",
        "openai": "/openai",
        "gemini": "/google-ai-studio",
        "openai-compat": "/compat",
    },
    "bedrock": {"anthropic": "", "openai": "/v1", "gemini": "/v1", "openai-compat": None},
}

BILLING_URLS: dict[str, str] = {
    "anthropic": "https://console.anthropic.com/settings/billing",
    "openai": "https://platform.openai.com/account/billing/overview",
    "gemini": "https://aistudio.google.com/app/apikey",
}


@dataclass(frozen=True, slots=True)
class ProviderSettings:
    """Everything needed to construct one adapter."""

    name: str
    api_key: str
    api_key_var: str
    base_url: str
    via_gateway: bool = False


@dataclass(frozen=True, slots=True)
class GatewayConfig:
    url: str = ""
    kind: str = ""

    @property
    def enabled(self) -> bool:
        return bool(self.url)


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1].strip()
    return value


def _strip_v1(provider: str, url: str) -> str:
    url = url.rstrip("/")
    if provider in ("openai", "openai-compat") and url.endswith("/v1"):
        url = url[: -len("/v1")]
    return url


def resolve_gateway(
    env: Mapping[str, str], gateway_url: str | None = None, gateway_kind: str | None = None
) -> GatewayConfig:
    """Flag/library value first, then ``TRACKER_GATEWAY_URL``/``TRACKER_GATEWAY_KIND``."""
    url = _unquote(gateway_url or env.get(GATEWAY_URL_VAR, "")).rstrip("/")
    kind = _unquote(gateway_kind or env.get(GATEWAY_KIND_VAR, "")).lower()
    return GatewayConfig(url=url, kind=kind or DEFAULT_GATEWAY_KIND)


def gateway_base_url(gateway: GatewayConfig, provider: str) -> str:
    """The gateway route for ``provider``; refused pairs and unknown kinds fail closed."""
    suffix = GATEWAY_SUFFIXES.get(gateway.kind, {}).get(provider)
    if suffix is None:
        raise ConfigurationError(
            "gateway route refused: kind/provider combination unsupported or unknown: "
            f"kind={gateway.kind} provider={provider}"
        )
    return gateway.url + suffix


def _api_key(env: Mapping[str, str], provider: str) -> tuple[str, str]:
    spec = PROVIDER_ENV[provider]
    for var in spec.key_vars:
        key = _unquote(env.get(var, ""))
        if key:
            return key, var
    return "", spec.key_vars[0]


def base_url_for(env: Mapping[str, str], provider: str, gateway: GatewayConfig) -> tuple[str, bool]:
    """(base URL, routed through the gateway?) for ``provider``."""
    spec = PROVIDER_ENV[provider]
    explicit = _unquote(env.get(spec.base_url_var, ""))
    if explicit:
        return _strip_v1(provider, explicit), False
    if gateway.enabled:
        return _strip_v1(provider, gateway_base_url(gateway, provider)), True
    return spec.default_base_url, False


def check_provider_name(name: str) -> str:
    if name not in ADAPTER_NAMES:
        raise ConfigurationError(
            f'unknown provider "{name}" (valid: {", ".join(ADAPTER_NAMES)})'
        )
    return name


def load_provider_settings(
    env: Mapping[str, str] | None = None,
    *,
    gateway_url: str | None = None,
    gateway_kind: str | None = None,
    only: str | None = None,
) -> list[ProviderSettings]:
    """Settings of every provider that has a key, in default-provider order.

    ``only`` restricts construction to one named provider (library ``Provider`` setting).
    Raises :class:`ConfigurationError` when no provider has a key, on an unknown ``only``
    name, or when a configured gateway refuses a provider that has a key.
    """
    env = os.environ if env is None else env
    names = [check_provider_name(only)] if only else list(ADAPTER_NAMES)
    gateway = resolve_gateway(env, gateway_url, gateway_kind)
    settings: list[ProviderSettings] = []
    for name in names:
        key, key_var = _api_key(env, name)
        if not key:
            continue
        base_url, via_gateway = base_url_for(env, name, gateway)
        settings.append(ProviderSettings(name, key, key_var, base_url, via_gateway))
    if not settings:
        raise ConfigurationError("no providers configured")
    return settings


def mask_key(key: str) -> str:
    """First 4 + ``…`` + last 4 characters; ``****`` for keys of 8 or fewer; ``not set``."""
    if not key:
        return "not set"
    if len(key) <= 8:
        return "****"
    return f"{key[:4]}…{key[-4:]}"


def billing_help(provider: str, key_var: str, key: str) -> str:
    """The help block appended to a billing pause message (§6.5.3). Never prints the key."""
    lines = [
        "provider billing/quota exhausted — a provider reported insufficient credit, "
        "so the run stopped.",
        f"  provider : {provider}",
        f"  key from : ${key_var}  ({mask_key(key)})",
    ]
    url = BILLING_URLS.get(provider)
    if url:
        lines.append(f"  add credit: {url}")
    return "\n".join(lines)
