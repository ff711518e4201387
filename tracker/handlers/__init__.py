"""The built-in node handlers, one module per kind.

:func:`builtin_factories` maps handler names to factories; the engine's registry
(:mod:`tracker.engine.registry`) merges them with handlers registered by other packages.
Modules are imported only when a run needs their handler.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

# handler name -> module providing ``make_handler(services)``
BUILTIN_MODULES: dict[str, str] = {
    "start": "tracker.handlers.basic",
    "exit": "tracker.handlers.basic",
    "conditional": "tracker.handlers.basic",
    "tool": "tracker.handlers.tool",
    "wait.human": "tracker.handlers.human",
    "parallel": "tracker.handlers.parallel",
    "parallel.fan_in": "tracker.handlers.fan_in",
    "subgraph": "tracker.handlers.subgraph",
    "stack.manager_loop": "tracker.handlers.manager_loop",
    "codergen": "tracker.handlers.codergen",
}


def _lazy(module: str) -> Callable[[Any], Any]:
    def factory(services: Any) -> Any:
        return importlib.import_module(module).make_handler(services)

    return factory


def builtin_factories() -> dict[str, Callable[[Any], Any]]:
    return {name: _lazy(module) for name, module in BUILTIN_MODULES.items()}
