"""Handlers: the protocol, what they receive, and the registry that finds them by name.

A handler is looked up by the node's handler name (``tool``, ``wait.human``,
``codergen``, ...; engine spec §1.3.3, §4). The built-in handlers come from
:mod:`tracker.handlers`; other packages add or replace handlers without touching this
code, either at run time with :func:`register_handler` or through the
``tracker.handlers`` entry-point group, whose entries name a factory::

    [project.entry-points."tracker.handlers"]
    codergen = "tracker.agent.handler:make_handler"

A factory takes the run's :class:`RunServices` and returns a :class:`Handler`. For
development and tests, ``TRACKER_PLUGINS=module.a,module.b`` imports those modules first
(they call :func:`register_handler`).
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from tracker.engine.budget import BudgetGuard, Usage
from tracker.engine.context import RunContext
from tracker.engine.events import Event
from tracker.engine.graph import RuntimeGraph, RuntimeNode
from tracker.engine.outcome import Outcome

if TYPE_CHECKING:
    from tracker.engine.load import SubgraphLibrary
    from tracker.gates import Interviewer

ENTRY_POINT_GROUP = "tracker.handlers"


@dataclass
class ToolSafety:
    """Tool-command safety settings (engine spec §4.2.2); CLI flags merge with the
    workflow's ``tool_commands_allow`` / ``tool_denylist_add``."""

    allowlist: list[str] = field(default_factory=list)
    denylist_add: list[str] = field(default_factory=list)
    bypass_denylist: bool = False
    max_output_limit: int = 10 * 1024 * 1024
    default_output_limit: int = 64 * 1024


@dataclass
class RunServices:
    """Everything shared by a run and its child engines."""

    workdir: Path
    usage: Usage = field(default_factory=Usage)
    interviewer: Interviewer | None = None
    tool_safety: ToolSafety = field(default_factory=ToolSafety)
    budget: BudgetGuard | None = None
    subgraphs: SubgraphLibrary | None = None
    backend: str = ""
    extras: dict[str, Any] = field(default_factory=dict)
    registry: HandlerRegistry | None = None
    emit: Callable[[Event], None] | None = None
    """The top-level run's event sink (it stamps the run id), set when the run starts: for
    events that belong to no node, such as LLM calls made outside agent sessions."""
    cleanups: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    """Awaited once when the run ends; handlers release run-wide resources here."""


class NodeEnv(Protocol):
    """What a handler can use while it runs one node."""

    run_id: str
    artifact_dir: Path | None
    graph: RuntimeGraph
    services: RunServices

    def emit(self, event: Event) -> None: ...

    def handler(self, name: str) -> Handler | None: ...

    def child_engine(
        self, graph: RuntimeGraph, node_id: str, initial: dict[str, str], steering: Any = None
    ) -> Any: ...


@runtime_checkable
class Handler(Protocol):
    async def execute(self, node: RuntimeNode, ctx: RunContext, env: NodeEnv) -> Outcome: ...


@runtime_checkable
class Preflight(Protocol):
    def preflight(self, node: RuntimeNode, graph: RuntimeGraph) -> str | None:
        """A message when the node cannot run in this setup (checked before the run)."""
        ...


HandlerFactory = Callable[[RunServices], Handler]

_REGISTERED: dict[str, HandlerFactory] = {}
_PLUGINS: dict[str, HandlerFactory] = {}
_entry_points_loaded = False


def register_handler(name: str, factory: HandlerFactory) -> None:
    """Add or replace the handler for ``name`` in every run started afterwards."""
    _REGISTERED[name] = factory


def unregister_handler(name: str) -> None:
    """Undo :func:`register_handler` (built-in and entry-point handlers come back)."""
    _REGISTERED.pop(name, None)


def _load_entry_points() -> None:
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    import os

    for module in filter(None, (m.strip() for m in os.environ.get("TRACKER_PLUGINS", "").split(","))):
        importlib.import_module(module)
    from importlib.metadata import entry_points

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name not in _PLUGINS:
            try:
                _PLUGINS[ep.name] = ep.load()
            except Exception as exc:  # a broken plugin must not break runs without it
                import sys

                sys.stderr.write(f"warning: handler plugin {ep.name!r} failed to load: {exc}\n")


def handler_factories() -> dict[str, HandlerFactory]:
    """Built-ins, overridden by entry points, overridden by :func:`register_handler`."""
    builtins: dict[str, HandlerFactory] = importlib.import_module("tracker.handlers").builtin_factories()
    _load_entry_points()
    merged = dict(builtins)
    merged.update(_PLUGINS)
    merged.update(_REGISTERED)
    return merged


class HandlerRegistry:
    """Handler instances of one run, created on first use."""

    def __init__(self, services: RunServices, factories: dict[str, HandlerFactory] | None = None) -> None:
        self.services = services
        self.factories = factories if factories is not None else handler_factories()
        self._instances: dict[str, Handler] = {}

    def get(self, name: str) -> Handler | None:
        handler = self._instances.get(name)
        if handler is None:
            factory = self.factories.get(name)
            if factory is None:
                return None
            handler = factory(self.services)
            self._instances[name] = handler
        return handler

    def preflight(self, graph: RuntimeGraph) -> list[str]:
        """Problems that would stop the run, found before anything runs."""
        problems: list[str] = []
        for node in graph.nodes.values():
            handler = self.get(node.handler)
            check = getattr(handler, "preflight", None)
            if check is not None:
                message = check(node, graph)
                if message:
                    problems.append(message)
        return problems
