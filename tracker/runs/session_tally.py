"""Agent figures the run trace does not carry yet: files written and context compactions.

The summary's turns, tool calls, tokens and cost come from the engine (trace entries'
``NodeStats`` and the run's usage). Files and compactions are counted here, as an event
sink, from the agent events that report them:

* ``context_compaction``: one event per compaction the session made;
* file edits: a successful ``write``, ``edit`` or ``apply_patch`` call. ``edit`` says
  ``created <path>`` or ``edited <path>``; ``apply_patch`` names its files (``Add File`` =
  created, ``Update File`` = modified, with ``Move to`` the new path is created);
  for ``write`` the sink looks, when the call starts, whether the file already exists in
  the node's working directory. Each distinct path counts once, as created when the run
  created it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from tracker.engine import events as ev
from tracker.runs.agent_lines import tool_arguments, tool_failed

_ADD, _UPDATE, _MOVE = "*** Add File: ", "*** Update File: ", "*** Move to: "


class SessionTally:
    """An event sink counting files created/modified and compactions over a run."""

    def __init__(self, workdir: Path, node_dirs: Mapping[str, str] | None = None) -> None:
        self.workdir = workdir
        self.node_dirs = dict(node_dirs or {})
        """Per-node ``working_dir`` attribute (relative to ``workdir`` or absolute)."""
        self.created: list[str] = []
        self.modified: list[str] = []
        self.compactions = 0
        self._seen: set[str] = set()
        self._existed: dict[tuple[str, str], bool] = {}

    def __call__(self, event: ev.Event) -> None:
        if event.source != ev.SOURCE_AGENT:
            return
        if event.type == "context_compaction":
            self.compactions += 1
        elif event.type == "tool_call_start" and event.tool_name == "write":
            path = tool_arguments(event.tool_input).get("path", "")
            if path:
                self._existed[(event.node_id, event.tool_input)] = self._resolve(event.node_id, path).exists()
        elif event.type == "tool_call_end" and not tool_failed(event):
            self._tool_done(event)

    def _resolve(self, node_id: str, path: str) -> Path:
        base = self.workdir
        sub = self.node_dirs.get(node_id, "")
        if sub:
            base = base / sub
        return base / path

    def _tool_done(self, event: ev.Event) -> None:
        name, args = event.tool_name, tool_arguments(event.tool_input)
        if name == "write" and args.get("path"):
            existed = self._existed.pop((event.node_id, event.tool_input), True)
            self._touch(event.node_id, args["path"], created=not existed)
        elif name == "edit" and args.get("path"):
            self._touch(event.node_id, args["path"], created=event.content.startswith("created "))
        elif name == "apply_patch":
            for line in args.get("patch", "").splitlines():
                if line.startswith(_ADD) or line.startswith(_MOVE):
                    self._touch(event.node_id, line.split(": ", 1)[1].strip(), created=True)
                elif line.startswith(_UPDATE):
                    self._touch(event.node_id, line[len(_UPDATE) :].strip(), created=False)

    def _touch(self, node_id: str, path: str, *, created: bool) -> None:
        if not path:
            return
        key = str(self._resolve(node_id, path).resolve())
        if key in self._seen:
            return
        self._seen.add(key)
        (self.created if created else self.modified).append(key)
