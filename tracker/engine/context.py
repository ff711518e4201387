"""The run context: a flat string map with last-writer-wins keys and per-node copies.

Writes made while a node runs are "dirty"; when the node finishes the engine copies
each dirty key ``k`` to ``node.<id>.<k>`` (engine spec §3.1, §3.3), so later nodes can
read what a specific node wrote even after the bare key was overwritten.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from tracker.engine.jsonfrag import FragmentDict

NEVER_SCOPED = frozenset({"episode_summary", "episode_summaries"})
ROUTING_SNAPSHOT_KEYS = ("outcome", "preferred_label", "tool_stdout", "human_response", "suggested_next_nodes")


class RunContext:
    """Values, the dirty set, and the internal map (``_run_id``, ``_artifact_dir``)."""

    __slots__ = ("dirty", "internal", "values")

    def __init__(self, values: Mapping[str, str] | None = None, internal: Mapping[str, str] | None = None) -> None:
        self.values: FragmentDict[str] = FragmentDict(dict(values or {}))
        self.dirty: set[str] = set()
        self.internal: dict[str, str] = dict(internal or {})

    def get(self, key: str, default: str = "") -> str:
        value = self.values.get(key)
        return default if value is None else value

    def __contains__(self, key: str) -> bool:
        return key in self.values

    def set(self, key: str, value: str) -> None:
        """A dirty write (scoped to the running node later)."""
        self.values[key] = value
        self.dirty.add(key)

    def update(self, updates: Mapping[str, str]) -> None:
        for key, value in updates.items():
            self.values[key] = value
            self.dirty.add(key)

    def update_quiet(self, updates: Mapping[str, str]) -> None:
        """Write without dirty-marking (steering, one-shot consumption, bookkeeping)."""
        for key, value in updates.items():
            self.values[key] = value

    def scope_to(self, node_id: str) -> None:
        """Copy dirty keys to ``node.<id>.<key>`` and clear the dirty set."""
        prefix = f"node.{node_id}."
        values = self.values
        for key in sorted(self.dirty):
            if key.startswith("node.") or key in NEVER_SCOPED:
                continue
            values[prefix + key] = values.get(key, "")
        self.dirty.clear()

    def snapshot(self) -> dict[str, str]:
        return self.values.plain()

    def routing_snapshot(self) -> dict[str, str]:
        values = self.values
        return {k: v for k in ROUTING_SNAPSHOT_KEYS if (v := values.get(k))}

    def clear_dirty(self) -> None:
        self.dirty.clear()

    def keys_with_prefix(self, prefix: str) -> Iterable[str]:
        return (k for k in self.values if k.startswith(prefix))
