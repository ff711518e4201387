"""``$/progress`` for a run: work-done progress created by the server.

Title: the workflow name; message: the node running now; end: the final status. Clients
that did not announce ``window.workDoneProgress`` get none. The progress is cancellable:
cancelling it in the client's UI cancels the run (with a checkpoint, like
``tracker.cancel``).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from typing import Any

from lsprotocol import types as lsp

log = logging.getLogger("tracker_lsp.runs")
_serial = itertools.count(1)


def client_supports_progress(server: Any) -> bool:
    try:
        window = server.client_capabilities.window
    except (AttributeError, RuntimeError):
        return False
    return bool(window is not None and window.work_done_progress)


class RunProgress:
    def __init__(self, server: Any, run_id: str, title: str, on_cancel: Callable[[], None]) -> None:
        self.server = server
        self.token = f"tracker-run-{run_id}-{next(_serial)}"  # a resumed run gets a new one
        self.title = title
        self.on_cancel = on_cancel
        self.begun = False
        self.ended: str | None = None
        self.last = ""

    async def start(self) -> None:
        if not client_supports_progress(self.server):
            return
        progress = self.server.work_done_progress
        try:
            await progress.create_async(self.token)
        except Exception as exc:  # the client refused or does not answer: no progress
            log.info("work done progress refused: %s", exc)
            return
        progress.begin(
            self.token,
            lsp.WorkDoneProgressBegin(
                title=self.title, message=self.last or "starting", cancellable=True
            ),
        )
        self.begun = True
        future = progress.tokens.get(self.token)
        if future is not None:
            future.add_done_callback(lambda f: self.on_cancel() if f.cancelled() else None)
        if self.ended is not None:
            self._end(self.ended)

    def report(self, message: str) -> None:
        if message == self.last:
            return
        self.last = message
        if self.begun and self.ended is None:
            self.server.work_done_progress.report(
                self.token, lsp.WorkDoneProgressReport(message=message)
            )

    def end(self, message: str) -> None:
        if self.ended is not None:
            return
        self.ended = message
        if self.begun:
            self._end(message)

    def _end(self, message: str) -> None:
        self.server.work_done_progress.end(self.token, lsp.WorkDoneProgressEnd(message=message))
        self.server.work_done_progress.tokens.pop(self.token, None)
