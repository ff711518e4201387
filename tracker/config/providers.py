"""The provider credentials tracker knows: variable names and key-format checks
(engine spec §8.5, §8.7.3)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tracker.llm.config import PROVIDER_ENV


@dataclass(frozen=True, slots=True)
class ProviderKeys:
    name: str
    display: str
    key_vars: tuple[str, ...]
    base_url_var: str
    key_prefix: str
    probe_model: str

    @property
    def primary_key_var(self) -> str:
        return self.key_vars[0]


def _spec(name: str, display: str, prefix: str, probe_model: str) -> ProviderKeys:
    env = PROVIDER_ENV[name]
    return ProviderKeys(name, display, env.key_vars, env.base_url_var, prefix, probe_model)


PROVIDERS: tuple[ProviderKeys, ...] = (
    _spec("anthropic", "Anthropic", "sk-ant-", "claude-haiku-4-5"),
    _spec("openai", "OpenAI", "sk-", "gpt-4o-mini"),
    _spec("gemini", "Gemini", "", "gemini-3-flash-preview"),
    _spec("openai-compat", "OpenAI-compatible", "sk-", "gpt-4o-mini"),
)
PROVIDER_NAMES = tuple(p.name for p in PROVIDERS)
PROVIDER_VARIABLES: tuple[str, ...] = tuple(
    var for p in PROVIDERS for var in (*p.key_vars, p.base_url_var)
)
"""The nine variables ``tracker setup`` manages."""
MIN_KEY_LENGTH = 11


def provider(name: str) -> ProviderKeys:
    for spec in PROVIDERS:
        if spec.name == name:
            return spec
    raise KeyError(name)


def strip_quotes(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1].strip()
    return value


def find_key(spec: ProviderKeys, environ: Mapping[str, str]) -> tuple[str, str] | None:
    """(variable, key) of the first non-empty key variable, or ``None``."""
    for var in spec.key_vars:
        key = strip_quotes(environ.get(var, ""))
        if key:
            return var, key
    return None


def key_problem(spec: ProviderKeys, key: str) -> str | None:
    """Why ``key`` does not look like a key of this provider, or ``None`` when it does."""
    if any(ch.isspace() for ch in key):
        return "contains whitespace"
    if len(key) < MIN_KEY_LENGTH:
        return f"is too short ({len(key)} characters)"
    if spec.key_prefix and not key.startswith(spec.key_prefix):
        return f"does not start with {spec.key_prefix!r}"
    return None


def mask(key: str) -> str:
    """``abcd...wxyz``; short keys are fully hidden."""
    if len(key) <= 8:
        return "****"
    return f"{key[:4]}...{key[-4:]}"
