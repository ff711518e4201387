"""The editor run protocol (``docs/editor-protocol.md``): run pipelines, stream their
events and node states, answer their human gates — all over the language server.

Modules: :mod:`~tracker_lsp.runs.protocol` (names, version, errors),
:mod:`~tracker_lsp.runs.commands` (argument checking, command handlers),
:mod:`~tracker_lsp.runs.manager` (the runs of this server), :mod:`~tracker_lsp.runs.managed`
(one run: events, snapshots, gates), :mod:`~tracker_lsp.runs.interviewer`
and :mod:`~tracker_lsp.runs.answers` (gates), :mod:`~tracker_lsp.runs.state` (node
states), :mod:`~tracker_lsp.runs.outbox` (notification batching),
:mod:`~tracker_lsp.runs.progress` (``$/progress``), :mod:`~tracker_lsp.runs.history`
(runs on disk). The engine is imported when the first run starts, not at server start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types as lsp

if TYPE_CHECKING:
    from tracker_lsp.server import TrackerServer


def register(server: TrackerServer) -> None:
    from tracker_lsp.runs import commands
    from tracker_lsp.runs.manager import RunManager

    manager = RunManager(server)
    commands.register(server, manager)

    @server.feature(lsp.SHUTDOWN)
    async def shutdown(params: None) -> None:
        """Cancel active runs so each ends with a checkpoint it can be resumed from."""
        await manager.shutdown()
