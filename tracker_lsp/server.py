"""The pygls language server: document lifecycle, the analysis pipeline, feature wiring.

Text synchronisation is incremental and handled here (not by pygls' workspace, which
re-joins the whole text on every keystroke). After a change the document is re-parsed
incrementally, linted and its diagnostics published; edits arriving closer together than
``debounceMs`` are coalesced, and work for a version is abandoned as soon as a newer
version arrives. Checks that start processes (``bash -n``, ``PATH``) run in a worker
thread after a pause in typing. Each feature lives in its own module under
:mod:`tracker_lsp.features` and registers its handlers on :class:`TrackerServer`.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import time
from collections.abc import Generator
from typing import Any

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

from tracker import __version__
from tracker.dippin.diagnostics import Diagnostic
from tracker_lsp.documents import Document, DocumentStore, Snapshot, path_key
from tracker_lsp.encoded import EncodedList, encode_result
from tracker_lsp.files import FileAccess
from tracker_lsp.positions import Encoding, encoding_of
from tracker_lsp.settings import Settings

log = logging.getLogger("tracker_lsp")

FEATURE_MODULES = (
    "tracker_lsp.features.diagnostics",
    "tracker_lsp.features.completion",
    "tracker_lsp.features.hover",
    "tracker_lsp.features.navigation",
    "tracker_lsp.features.rename",
    "tracker_lsp.features.symbols",
    "tracker_lsp.features.structure",
    "tracker_lsp.features.formatting",
    "tracker_lsp.features.code_actions",
    "tracker_lsp.features.semantic_tokens",
    "tracker_lsp.features.links",
    "tracker_lsp.features.inlay_hints",
    "tracker_lsp.features.code_lens",
    "tracker_lsp.runs",
)

READ_AHEAD_SECONDS = 0.002
IDLE_GC_SECONDS = 0.8  # a pause in typing after which new garbage is collected
FULL_GC_IDLE_SECONDS = 8.0  # a pause after which all garbage is collected
GC_EVERY_REFRESHES = 300  # ... or after this many analyses without such a pause


_PENDING_WRITES: set[asyncio.Future[Any]] = set()


class TrackerProtocol(LanguageServerProtocol):
    """Leaves document text to :class:`TrackerServer` (one copy, line-based edits)."""

    @lsp_method(lsp.INITIALIZE)
    def lsp_initialize(self, params: lsp.InitializeParams) -> Generator[Any, Any, lsp.InitializeResult]:
        from tracker_lsp.runs.protocol import PROTOCOL_VERSION

        result: lsp.InitializeResult = yield from super().lsp_initialize(params)
        # The editor run protocol (docs/editor-protocol.md).
        result.capabilities.experimental = {"tracker": {"protocolVersion": PROTOCOL_VERSION}}
        return result

    @lsp_method(lsp.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: lsp.DidOpenTextDocumentParams) -> Generator[Any, Any, None]:
        if (handler := self.fm.features.get(lsp.TEXT_DOCUMENT_DID_OPEN)) is not None:
            yield handler, (params,), None

    @lsp_method(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: lsp.DidChangeTextDocumentParams) -> Generator[Any, Any, None]:
        if (handler := self.fm.features.get(lsp.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    def _send_data(self, data: Any) -> None:
        result = getattr(data, "result", None)  # only responses have one
        reuses = isinstance(result, RawJSON) and any(isinstance(v, EncodedList) for v in result.values())
        if not (reuses and self._include_headers):
            super()._send_data(data)  # type: ignore[no-untyped-call]
            return
        # A response with a long list already encoded (completion): splice in its text.
        assert isinstance(result, RawJSON)
        body = f'{{"jsonrpc": "2.0", "id": {json.dumps(data.id)}, "result": {encode_result(result)}}}'.encode(self.CHARSET)
        header = f"Content-Length: {len(body)}\r\nContent-Type: {self.CONTENT_TYPE}; charset={self.CHARSET}\r\n\r\n"
        if self.writer is None:
            return
        written = self.writer.write(header.encode(self.CHARSET) + body)
        if inspect.isawaitable(written):  # an asynchronous transport
            task = asyncio.ensure_future(written)
            _PENDING_WRITES.add(task)
            task.add_done_callback(_PENDING_WRITES.discard)

    @lsp_method(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: lsp.DidCloseTextDocumentParams) -> Generator[Any, Any, None]:
        if (handler := self.fm.features.get(lsp.TEXT_DOCUMENT_DID_CLOSE)) is not None:
            yield handler, (params,), None


class RawJSON(dict[str, Any]):
    """A result already in JSON form: sent as is, without a walk through cattrs."""


def make_converter() -> Any:
    from pygls.protocol import default_converter

    converter = default_converter()  # type: ignore[no-untyped-call]
    converter.register_unstructure_hook(RawJSON, lambda data: data)
    return converter


class TrackerServer(LanguageServer):
    """The Dippin language server."""

    def __init__(self) -> None:
        super().__init__(
            "tracker-lsp",
            __version__,
            text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental,
            protocol_cls=TrackerProtocol,
            converter_factory=make_converter,
        )
        self.documents = DocumentStore()
        self.files = FileAccess(self.documents)
        self.documents.reader = self.files.read
        self.documents.signature = self.files.signature
        self.settings = Settings()
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._slow_tasks: dict[str, asyncio.Task[None]] = {}
        self.symbol_cache: dict[str, tuple[object, list[lsp.WorkspaceSymbol]]] = {}
        # version, parse, lint, publish (wall ms), then the CPU ms of this thread for all three
        self.timings: list[tuple[int, float, float, float, float]] = []
        self.completion_memo: dict[int, tuple[str, str, bool]] = {}
        self.completion_cache: dict[tuple[object, ...], list[Any]] = {}
        self._gc_timers: list[asyncio.TimerHandle] = []
        self._refreshes_since_gc = 0

    # ------------------------------------------------------------------ transport
    def start_io(self, stdin: Any = None, stdout: Any = None) -> None:
        """Serve over stdio, reading stdin on the event loop itself (pygls reads each
        header line through a thread, which delays requests while a large document is
        being analysed). Falls back to pygls' reader where pipes cannot be watched."""
        import sys
        import threading

        from pygls.io_ import StdoutWriter, run_async

        source = stdin or sys.stdin.buffer
        self._stop_event = stop_event = threading.Event()
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))

        watchable = True

        async def serve() -> None:
            nonlocal watchable
            loop = asyncio.get_running_loop()
            reader = asyncio.StreamReader(limit=1 << 26)
            try:
                await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), source)
            except (ValueError, OSError, NotImplementedError):
                watchable = False  # e.g. stdin is a regular file
                return
            await run_async(stop_event=stop_event, reader=reader, protocol=self.protocol, logger=log, error_handler=self.report_server_error)

        try:
            asyncio.run(serve())
        except (BrokenPipeError, KeyboardInterrupt, SystemExit):
            pass
        finally:
            if watchable:
                self.shutdown()  # type: ignore[no-untyped-call]
        if not watchable:
            super().start_io(stdin, stdout)

    # ------------------------------------------------------------------ helpers for features
    @property
    def encoding(self) -> Encoding:
        try:
            return encoding_of(self.workspace.position_encoding)
        except RuntimeError:
            return "utf-16"

    def document(self, uri: str) -> Document | None:
        return self.documents.get(uri)

    def snapshot(self, uri: str) -> Snapshot | None:
        """The parse of the document's current text (parsed now when needed)."""
        doc = self.documents.get(uri)
        return doc.parsed(self.encoding) if doc is not None else None

    def analysed(self, uri: str) -> Snapshot | None:
        """A snapshot whose analysis is ready: the current one, or the last one while the
        current one is being analysed."""
        doc = self.documents.get(uri)
        return doc.analysed(self.encoding) if doc is not None else None

    # ------------------------------------------------------------------ analysis pipeline
    def schedule(self, doc: Document, *, environment: bool = False) -> None:
        """(Re-)analyse ``doc`` and publish its diagnostics, superseding pending work."""
        task = self._tasks.pop(doc.uri, None)
        if task is not None and not task.done():
            task.cancel()
        quick = doc.changed_at - doc.previous_change_at < self.settings.debounce_ms / 1000
        delay = self.settings.debounce_ms / 1000 if quick else 0.0
        task = asyncio.ensure_future(self._refresh(doc, doc.version, delay, environment))
        task.add_done_callback(self._report_failure)
        self._tasks[doc.uri] = task

    async def _refresh(self, doc: Document, version: int, delay: float, environment: bool) -> None:
        from tracker_lsp.features.diagnostics import lint_snapshot_async, publish

        # A request sent together with the edit (completion after a trigger character) is
        # answered before the re-analysis starts.
        await asyncio.sleep(max(delay, READ_AHEAD_SECONDS))
        if doc.version != version or self.documents.get(doc.uri) is not doc:
            return
        started = time.perf_counter()
        cpu_parse = time.thread_time()
        snap = doc.parsed(self.encoding)
        cpu = time.thread_time() - cpu_parse
        parsed = time.perf_counter()
        await asyncio.sleep(0)
        if doc.version != version:
            return
        if snap.diagnostics is None:
            lint_cpu: list[float] = []
            diags = await lint_snapshot_async(self, doc, snap, cpu_spent=lint_cpu)
            if doc.version != version:
                return  # superseded while checking: the next version publishes
            snap.diagnostics = diags
            cpu += sum(lint_cpu)
        linted = time.perf_counter()
        cpu_publish = time.thread_time()
        publish(self, doc, snap)
        cpu += time.thread_time() - cpu_publish
        now = time.perf_counter()
        self.timings.append((version, (parsed - started) * 1000, (linted - parsed) * 1000, (now - linted) * 1000, cpu * 1000))
        del self.timings[:-200]
        doc.mark_analysed(snap)
        self._collect_when_idle()
        if doc.propagated_version != version:
            # Only a new text is news for the documents that read this one (re-checking
            # them must not bounce back here when two documents read each other).
            doc.propagated_version = version
            self._dependents_changed(doc)
        if self.settings.environment_checks:
            self._schedule_slow(doc, version, 0.0 if environment else self.settings.slow_checks_delay_ms / 1000)

    def _collect_when_idle(self) -> None:
        """Keep the garbage collector out of the way of typing.

        A full collection walks every object (the IR of every open document: tens of
        milliseconds, ~90 ms with the whole corpus open) and, left to itself, happens in
        the middle of some analysis. After each analysis everything alive is frozen
        (cheap), so automatic collections only look at what the next edits allocate.
        A short pause in typing collects that young garbage; a long pause (or
        ``GC_EVERY_REFRESHES`` analyses) unfreezes everything, collects it all and
        freezes the survivors again, so memory held by old snapshots is reclaimed."""
        import gc

        self._refreshes_since_gc += 1
        for timer in self._gc_timers:
            timer.cancel()
        self._gc_timers = []
        if self._refreshes_since_gc >= GC_EVERY_REFRESHES:
            self._collect(full=True)
            return
        gc.freeze()
        loop = asyncio.get_running_loop()
        self._gc_timers = [
            loop.call_later(IDLE_GC_SECONDS, self._collect, False),
            loop.call_later(FULL_GC_IDLE_SECONDS, self._collect, True),
        ]

    def _collect(self, full: bool) -> None:
        import gc

        if full:
            self._refreshes_since_gc = 0
            gc.unfreeze()
        gc.collect()
        gc.freeze()

    def _schedule_slow(self, doc: Document, version: int, delay: float) -> None:
        task = self._slow_tasks.pop(doc.uri, None)
        if task is not None and not task.done():
            task.cancel()
        task = asyncio.ensure_future(self._slow(doc, version, delay))
        task.add_done_callback(self._report_failure)
        self._slow_tasks[doc.uri] = task

    def _report_failure(self, task: asyncio.Task[None]) -> None:
        if task.cancelled() or task.exception() is None:
            return
        exc = task.exception()
        log.error("analysis failed", exc_info=exc)
        self.window_log_message(lsp.LogMessageParams(type=lsp.MessageType.Error, message=f"tracker-lsp: analysis failed: {exc!r}"))

    async def _slow(self, doc: Document, version: int, delay: float) -> None:
        from tracker_lsp.features.diagnostics import lint_snapshot, publish

        await asyncio.sleep(delay)
        snap = doc.snapshot
        if doc.version != version or snap is None or snap.version != version:
            return
        loop = asyncio.get_running_loop()
        full: list[Diagnostic] = await loop.run_in_executor(
            None, lambda: lint_snapshot(self, doc, snap, environment=True)
        )
        if doc.version != version or self.documents.get(doc.uri) is not doc:
            return
        fast = {_key(d) for d in snap.diagnostics or ()}
        snap.slow_diagnostics = [d for d in full if _key(d) not in fast]
        doc.slow_snapshot = snap
        publish(self, doc, snap)

    def _dependents_changed(self, changed: Document) -> None:
        """Lint again the open documents that read ``changed`` (e.g. a subgraph)."""
        if changed.path is None:
            return
        key = path_key(changed.path)
        for doc in self.documents:
            if doc is changed or doc.snapshot is None:
                continue
            if key in doc.snapshot.dependencies:
                doc.snapshot.diagnostics = None
                if _reads_directive(doc, key):
                    doc.parser.invalidate()
                    doc.snapshot = None
                self.schedule(doc)

    def file_changed(self, path_keys: set[str]) -> None:
        """Files on disk changed: check again every open document that reads one of them."""
        for doc in self.documents:
            snap = doc.snapshot
            if snap is None:
                continue
            if snap.dependencies & path_keys or any(_reads_directive(doc, k) for k in path_keys):
                snap.diagnostics = None
                doc.parser.invalidate()
                doc.snapshot = None
                self.schedule(doc)


def _key(d: Diagnostic) -> tuple[str, str, int, int, int, int]:
    r = d.range
    return (d.code, d.message, r.start.line, r.start.character, r.end.line, r.end.character)


def _reads_directive(doc: Document, key: str) -> bool:
    return any(path_key(p) == key for frag in doc.parser.fragments for p in frag.directive_files)


def create_server() -> TrackerServer:
    """A server with every feature registered."""
    import importlib

    server = TrackerServer()
    _register_lifecycle(server)
    for name in FEATURE_MODULES:
        importlib.import_module(name).register(server)
    return server


def _register_lifecycle(server: TrackerServer) -> None:
    @server.feature(lsp.INITIALIZE)
    def initialize(params: lsp.InitializeParams) -> None:
        server.settings.update(params.initialization_options)

    @server.feature(lsp.INITIALIZED)
    def initialized(params: lsp.InitializedParams) -> None:
        _register_watchers(server)

    @server.feature(lsp.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def did_change_configuration(params: lsp.DidChangeConfigurationParams) -> None:
        server.settings.update(params.settings)
        for doc in server.documents:
            if doc.snapshot is not None:
                doc.snapshot.diagnostics = None
            server.schedule(doc)

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(params: lsp.DidOpenTextDocumentParams) -> None:
        item = params.text_document
        doc = server.documents.open(item.uri, item.text, item.version, item.language_id)
        doc.previous_change_at = 0.0
        server.schedule(doc, environment=True)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(params: lsp.DidChangeTextDocumentParams) -> None:
        doc = server.documents.get(params.text_document.uri)
        if doc is None:
            return
        doc.apply_changes(list(params.content_changes), params.text_document.version, server.encoding)
        server.schedule(doc)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    def did_save(params: lsp.DidSaveTextDocumentParams) -> None:
        doc = server.documents.get(params.text_document.uri)
        if doc is not None and server.settings.environment_checks:
            server._schedule_slow(doc, doc.version, 0.0)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(params: lsp.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        doc = server.documents.close(uri)
        for tasks in (server._tasks, server._slow_tasks):
            task = tasks.pop(uri, None)
            if task is not None:
                task.cancel()
        server.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
        if doc is not None:
            server._dependents_changed(doc)

    @server.command("tracker.stats")
    def stats(*args: Any) -> dict[str, Any]:
        """Recent analysis timings (version; parse, lint, publish wall ms; their CPU ms)
        and parse counts."""
        parses = {doc.uri: vars(doc.parser.stats) for doc in server.documents}
        return {"timings": [list(t) for t in server.timings], "parses": parses}

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(params: lsp.DidChangeWatchedFilesParams) -> None:
        from tracker_lsp.documents import uri_to_path

        keys = set()
        for change in params.changes:
            path = uri_to_path(change.uri)
            if path is not None:
                keys.add(path_key(path))
        if keys:
            server.file_changed(keys)


def _register_watchers(server: TrackerServer) -> None:
    """Ask the client to tell us about changes to .dip and prompt files on disk."""
    caps = server.client_capabilities.workspace
    watched = caps.did_change_watched_files if caps is not None else None
    if watched is None or not watched.dynamic_registration or not server.settings.watch_files:
        return
    options = lsp.DidChangeWatchedFilesRegistrationOptions(
        watchers=[lsp.FileSystemWatcher(glob_pattern="**/*")]
    )
    registration = lsp.Registration(
        id="tracker-watch-files", method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES, register_options=options
    )
    server.client_register_capability(lsp.RegistrationParams(registrations=[registration]))
