"""The LLM client (spec §6.2/§6.3.1): routes requests to adapters, runs middleware, traces.

``complete`` goes through the middleware (retry outermost, then the token tracker); a call
with any trace observer (per request or client-level) streams and is accumulated, otherwise
the adapter's non-streaming endpoint is used. ``stream`` bypasses middleware.
"""

from __future__ import annotations

import os
from collections.abc import AsyncGenerator, Mapping, Sequence

from tracker.llm.accumulate import accumulate_stream
from tracker.llm.catalog import provider_for_model
from tracker.llm.config import ProviderSettings, billing_help, load_provider_settings
from tracker.llm.errors import ConfigurationError, find_provider_error, is_billing_error
from tracker.llm.idle import DEFAULT_STREAM_IDLE_TIMEOUT
from tracker.llm.middleware import Middleware, chain
from tracker.llm.providers import ProviderAdapter, create_adapter
from tracker.llm.retry import RetryMiddleware, RetryPolicy
from tracker.llm.stream import StreamEvent
from tracker.llm.types import Request, Response, TraceObserver
from tracker.llm.usage_tracker import TokenTracker

DEFAULT_RETRY_POLICY = RetryPolicy()
"""CLI/library defaults: 3 retries, 2 s base (§6.4)."""


class BillingPauseError(Exception):
    """A billing/quota exhaustion, ready for the run's resumable pause (§4.1.5, §6.5.3).

    ``str(err)`` is the provider error text followed by the help block.
    """

    def __init__(self, cause: BaseException, provider: str, help_text: str) -> None:
        super().__init__(f"{cause}\n{help_text}")
        self.cause = cause
        self.provider = provider
        self.help_text = help_text


class Client:
    """Provider-neutral entry point used by agent sessions, the autopilot and the CLI."""

    def __init__(
        self,
        adapters: Sequence[ProviderAdapter],
        *,
        default_provider: str | None = None,
        middlewares: Sequence[Middleware] = (),
        observers: Sequence[TraceObserver] = (),
        settings: Sequence[ProviderSettings] = (),
    ) -> None:
        self._adapters: dict[str, ProviderAdapter] = {a.name: a for a in adapters}
        if default_provider is not None and default_provider not in self._adapters:
            raise ConfigurationError(f'unknown provider: "{default_provider}"')
        self._default = default_provider or (adapters[0].name if adapters else None)
        self._middlewares = list(middlewares)
        self._observers: list[TraceObserver] = list(observers)
        self._settings = {s.name: s for s in settings}
        self._complete = chain(self._middlewares, self._complete_once)

    @classmethod
    def from_env(
        cls,
        env: Mapping[str, str] | None = None,
        *,
        gateway_url: str | None = None,
        gateway_kind: str | None = None,
        only: str | None = None,
        retry_policy: RetryPolicy | None = DEFAULT_RETRY_POLICY,
        token_tracker: TokenTracker | None = None,
        observers: Sequence[TraceObserver] = (),
        stream_idle_timeout: float | None = DEFAULT_STREAM_IDLE_TIMEOUT,
    ) -> Client:
        """Build the client the CLI/library uses: every provider with a key (or ``only``),
        gateway routing, retry middleware (``None`` disables it) and the token tracker."""
        settings = load_provider_settings(
            os.environ if env is None else env,
            gateway_url=gateway_url,
            gateway_kind=gateway_kind,
            only=only,
        )
        adapters = [create_adapter(s, stream_idle_timeout=stream_idle_timeout) for s in settings]
        middlewares: list[Middleware] = []
        if retry_policy is not None:
            middlewares.append(RetryMiddleware(retry_policy))
        if token_tracker is not None:
            middlewares.append(token_tracker)
        return cls(adapters, middlewares=middlewares, observers=observers, settings=settings)

    # ------------------------------------------------------------------ introspection

    @property
    def providers(self) -> list[str]:
        """Registered adapter names, in registration order."""
        return list(self._adapters)

    @property
    def default_provider(self) -> str | None:
        return self._default

    def settings_for(self, provider: str) -> ProviderSettings | None:
        return self._settings.get(provider)

    def add_observer(self, observer: TraceObserver) -> None:
        """Attach a client-level trace observer (e.g. the run's activity-log/NDJSON one)."""
        self._observers.append(observer)

    def remove_observer(self, observer: TraceObserver) -> None:
        if observer in self._observers:
            self._observers.remove(observer)

    # ------------------------------------------------------------------ routing

    def resolve_provider(self, request: Request) -> str:
        """The request's provider; else the provider the catalog names for its model (D.13);
        else the default provider."""
        name = request.provider or provider_for_model(request.model) or self._default
        if not name:
            raise ConfigurationError("no provider specified and no default provider configured")
        if name not in self._adapters:
            raise ConfigurationError(f'unknown provider: "{name}"')
        return name

    def adapter(self, provider: str) -> ProviderAdapter:
        if provider not in self._adapters:
            raise ConfigurationError(f'unknown provider: "{provider}"')
        return self._adapters[provider]

    # ------------------------------------------------------------------ calls

    async def complete(self, request: Request) -> Response:
        """One completion through the middleware chain (retries, token tracking)."""
        return await self._complete(request)

    async def _complete_once(self, request: Request) -> Response:
        adapter = self.adapter(self.resolve_provider(request))
        observers = [*request.observers, *self._observers]
        if observers:
            return await accumulate_stream(
                adapter.stream(request),
                provider=adapter.name,
                model=request.model,
                observers=observers,
                session_owned=bool(request.observers),
            )
        response = await adapter.complete(request)
        response.provider = adapter.name
        return response

    def stream(self, request: Request) -> AsyncGenerator[StreamEvent, None]:
        """The adapter's raw stream; no middleware, no tracing."""
        return self.adapter(self.resolve_provider(request)).stream(request)

    # ------------------------------------------------------------------ billing

    def billing_pause(self, error: BaseException, provider: str = "") -> BillingPauseError | None:
        """A :class:`BillingPauseError` when ``error`` is a billing/quota exhaustion, else
        ``None``. The help block names the provider, the key's variable and a masked key."""
        if not is_billing_error(error):
            return None
        provider_error = find_provider_error(error)
        name = provider or (provider_error.provider if provider_error else "") or (self._default or "")
        settings = self._settings.get(name)
        key_var = settings.api_key_var if settings else ""
        key = settings.api_key if settings else ""
        return BillingPauseError(error, name, billing_help(name, key_var, key))

    async def aclose(self) -> None:
        for adapter in self._adapters.values():
            await adapter.aclose()

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()
