"""``codergen``: agent nodes run a native coding-agent session (engine spec §4.1).

A thin adapter between the engine and :func:`tracker.agent.codergen.run_agent_node`:

* **Spec.** The engine's prepared node (stylesheet, ``$name`` variables and ``$goal``
  applied) plus the workflow ``defaults`` prompt cascade; parallel branches, which run
  the raw node, get the stylesheet here (it never overwrites what the node sets).
* **One LLM client per run** (:class:`LLMSetup`): the front end's (``extras["llm"]``; the
  CLI builds it so that the autopilot judge shares it), else one built on first use from
  ``extras["environ"]`` (default ``os.environ``), ``extras["gateway_url"]`` and
  ``extras["gateway_kind"]``, or around ``extras["llm_client"]``. It carries a
  :class:`~tracker.llm.TokenTracker` and is closed when the run ends.
* **Events.** Agent events become ``source: "agent"`` events of the node; LLM calls made
  outside sessions (the autopilot judge) become ``source: "llm"`` events; the client-level
  copies of a session's own calls are dropped, so assistant text appears once (D.7). Raw
  provider frames are forwarded only with ``extras["verbose"]``.
* **Outcome.** ``AgentNodeError`` → :class:`HandlerError`, ``BillingPauseError`` →
  :class:`BillingPause`; the agent's notices are emitted, ``auto_status_missing`` and the
  session stats go on the :class:`Outcome`. ``prompt.md``/``response.md``/``status.json``
  are written by the agent into ``<run dir>/<node>/``.

Before the run, :meth:`CodergenHandler.preflight` refuses an agent node only when the
provider it resolves to (Appendix D.13) has no key, naming the variable to set.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from tracker.engine.context import RunContext
from tracker.engine.events import Event
from tracker.engine.graph import RuntimeGraph, RuntimeNode
from tracker.engine.outcome import AutoStatusMissing, BillingPause, HandlerError, NodeStats, Outcome
from tracker.engine.registry import NodeEnv, RunServices

# Runs load every ``tracker.handlers`` entry point, this module included, so the agent
# and LLM packages are imported only when an agent node or the autopilot needs them.
if TYPE_CHECKING:
    from tracker.agent.codergen import AgentNodeSpec, AgentOutcome
    from tracker.agent.events import AgentEventSink
    from tracker.llm.client import Client
    from tracker.llm.trace import TraceEvent
    from tracker.llm.usage_tracker import TokenTracker

LLM_KEY = "llm"
NEEDS_PROVIDER = "agent nodes need an LLM provider; see `tracker doctor`"


def key_variables(provider: str) -> str:
    """``ANTHROPIC_API_KEY``, ``GEMINI_API_KEY (or GOOGLE_API_KEY)``, …"""
    from tracker.llm.config import PROVIDER_ENV

    names = PROVIDER_ENV[provider].key_vars
    return names[0] + "".join(f" (or {n})" for n in names[1:])


def any_key_set(environ: Mapping[str, str]) -> bool:
    from tracker.llm.config import PROVIDER_ENV

    return any(environ.get(var, "").strip() for spec in PROVIDER_ENV.values() for var in spec.key_vars)


class LLMSetup:
    """The run-wide LLM client (built on first use), its token tracker, the providers that
    have a key, and the forwarding of client-level trace events into the run's stream."""

    def __init__(
        self,
        environ: Mapping[str, str] | None = None,
        *,
        gateway_url: str | None = None,
        gateway_kind: str | None = None,
        client: Client | None = None,
        token_tracker: TokenTracker | None = None,
    ) -> None:
        from tracker.llm.config import load_provider_settings
        from tracker.llm.errors import ConfigurationError
        from tracker.llm.usage_tracker import TokenTracker

        self.environ: Mapping[str, str] = os.environ if environ is None else environ
        self.gateway_url = gateway_url or None
        self.gateway_kind = gateway_kind or None
        self.token_tracker = token_tracker or TokenTracker()
        self.problem = ""
        """A configuration error other than "no key at all" (e.g. a refused gateway route)."""
        self._client = client
        self._owns_client = client is None
        self._services: RunServices | None = None
        self.verbose = False
        self.providers: list[str] = []
        if client is not None:
            self.providers = client.providers
            client.add_observer(self._forward)
            return
        try:
            settings = load_provider_settings(
                self.environ, gateway_url=self.gateway_url, gateway_kind=self.gateway_kind
            )
        except ConfigurationError as exc:
            if any_key_set(self.environ):
                self.problem = str(exc)
            return
        self.providers = [s.name for s in settings]

    @property
    def default_provider(self) -> str | None:
        return self.providers[0] if self.providers else None

    @property
    def client(self) -> Client | None:
        """The client, built on first use; ``None`` when no provider has a key."""
        if self._client is None and self.providers and not self.problem:
            from tracker.llm.client import Client

            self._client = Client.from_env(
                self.environ,
                gateway_url=self.gateway_url,
                gateway_kind=self.gateway_kind,
                token_tracker=self.token_tracker,
                observers=[self._forward],
            )
        return self._client

    def attach(self, services: RunServices) -> None:
        """Send client-level trace events of this client into ``services``' run."""
        self._services = services
        self.verbose = bool(services.extras.get("verbose"))

    def _forward(self, event: TraceEvent) -> None:
        from tracker.llm.trace import TraceKind

        if event.session_owned or self._services is None or self._services.emit is None:
            return
        if event.kind is TraceKind.PROVIDER_RAW and not self.verbose:
            return
        fields = event.to_activity_fields()
        self._services.emit(Event(fields.pop("type"), **fields))

    async def aclose(self) -> None:
        client = self._client
        if client is None:
            return
        client.remove_observer(self._forward)
        if self._owns_client:
            self._client = None
            await client.aclose()


def llm_setup(services: RunServices) -> LLMSetup:
    """The run's :class:`LLMSetup`: the front end's, else one made from ``extras`` (closed
    when the run ends). Child engines share it through their services."""
    setup = services.extras.get(LLM_KEY)
    if not isinstance(setup, LLMSetup):
        extras = services.extras
        setup = LLMSetup(
            extras.get("environ"),
            gateway_url=extras.get("gateway_url"),
            gateway_kind=extras.get("gateway_kind"),
            client=extras.get("llm_client"),
        )
        extras[LLM_KEY] = setup
        services.cleanups.append(setup.aclose)
    setup.attach(services)
    return setup


def node_spec(node: RuntimeNode, graph: RuntimeGraph) -> AgentNodeSpec:
    """The agent's view of a node: prompt defaults and stylesheet applied."""
    from tracker.agent.codergen import AgentNodeSpec, apply_prompt_defaults
    from tracker.agent.node_settings import apply_stylesheet
    from tracker.dippin.ir import AgentNode

    attrs = apply_prompt_defaults(node.attrs, graph.workflow.defaults)
    if isinstance(node.ir, AgentNode) and graph.workflow.stylesheet:
        apply_stylesheet(attrs, node.ir, graph.workflow.stylesheet)
    return AgentNodeSpec(node.id, attrs, graph.attrs)


def node_stats(outcome: AgentOutcome) -> NodeStats | None:
    stats = outcome.stats
    if stats is None:
        return None
    return NodeStats(
        provider=stats.provider,
        model=stats.model,
        input_tokens=stats.input_tokens,
        output_tokens=stats.output_tokens,
        cache_read_tokens=stats.cache_read_tokens,
        cache_write_tokens=stats.cache_write_tokens,
        reasoning_tokens=stats.reasoning_tokens,
        cost_usd=stats.cost_usd,
        turns=stats.turns,
        tool_calls=dict(stats.tool_calls),
        estimated=stats.estimated,
        sessions=stats.sessions,
    )


class CodergenHandler:
    def __init__(self, services: RunServices) -> None:
        self.services = services
        self.llm = llm_setup(services)

    def preflight(self, node: RuntimeNode, graph: RuntimeGraph) -> str | None:
        from tracker.agent.codergen import NATIVE_BACKENDS, OTHER_BACKENDS
        from tracker.agent.node_settings import NodeSettings, model_and_provider
        from tracker.llm.config import PROVIDER_ENV

        where = f" ({graph.path.name})" if graph.path is not None else ""
        subject = f'agent node "{node.id}"{where}'
        backend = (node.attrs.get("backend") or self.services.backend or "native").strip().lower()
        if backend in OTHER_BACKENDS:
            return f'{subject}: backend "{backend}" is not available in this build; use the native backend'
        if backend not in NATIVE_BACKENDS:
            return f'{subject}: unknown backend "{backend}" (valid: native, claude-code, acp)'
        if self.llm.problem:
            return f"{subject}: cannot set up the LLM client: {self.llm.problem}"
        settings = NodeSettings(node_spec(node, graph), {})
        model, provider = model_and_provider(settings, self.llm.default_provider)
        if provider in self.llm.providers:
            return None
        if provider not in PROVIDER_ENV:
            valid = ", ".join(PROVIDER_ENV)
            return f'{subject}: unknown provider "{provider}" (valid: {valid})'
        return (
            f"{subject}: {NEEDS_PROVIDER} — it uses {provider} (model {model}), but "
            f"{key_variables(provider)} is not set; put the key in the environment or a .env "
            "file, or run `tracker setup`"
        )

    async def execute(self, node: RuntimeNode, ctx: RunContext, env: NodeEnv) -> Outcome:
        from tracker.agent.codergen import AgentNodeError, AgentRun, run_agent_node
        from tracker.llm.client import BillingPauseError
        from tracker.llm.errors import ConfigurationError

        services = self.services
        try:
            client = self.llm.client
        except ConfigurationError as exc:
            raise HandlerError(f'agent node "{node.id}": cannot set up the LLM client: {exc}') from exc
        safety = services.tool_safety
        run = AgentRun(
            spec=node_spec(node, env.graph),
            context=ctx.snapshot(),
            working_dir=services.workdir,
            client=client,
            artifact_dir=env.artifact_dir,
            run_id=env.run_id,
            on_event=self._agent_events(env),
            backend=services.backend or "native",
            bypass_command_policy=safety.bypass_denylist,
            extra_denylist=list(safety.denylist_add),
        )
        try:
            outcome = await run_agent_node(run)
        except AgentNodeError as exc:
            raise HandlerError(str(exc)) from exc
        except BillingPauseError as exc:
            raise BillingPause(str(exc)) from exc
        for notice in outcome.notices:
            env.emit(Event(notice.type, node_id=node.id, message=notice.message))
        missing = outcome.auto_status_missing
        return Outcome(
            outcome.status,
            dict(outcome.context_updates),
            preferred_label=outcome.preferred_label,
            suggested_next_nodes=list(outcome.suggested_next_nodes),
            stats=node_stats(outcome),
            auto_status_missing=AutoStatusMissing(missing.tail, missing.fail_closed) if missing else None,
        )

    def _agent_events(self, env: NodeEnv) -> AgentEventSink:
        from tracker.agent.events import AgentEvent, AgentEventType

        verbose = bool(self.services.extras.get("verbose"))

        def forward(event: AgentEvent) -> None:
            if event.type is AgentEventType.LLM_PROVIDER_RAW and not verbose:
                return
            fields = event.to_fields()
            env.emit(Event(fields.pop("type"), **fields))

        return forward


def make_handler(services: RunServices) -> CodergenHandler:
    return CodergenHandler(services)
