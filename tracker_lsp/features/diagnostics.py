"""Diagnostics: the same findings as ``tracker validate``/``tracker lint``, published on
open and on every change.

Findings come from :func:`tracker.dippin.lint.check` with file callbacks that see open
buffers. While typing, checks that start processes are left out; they run after a pause
(see :mod:`tracker_lsp.server`) and their findings are kept on lines that have not
changed since.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types as lsp
from pygls.uris import from_fs_path

from tracker.dippin.diagnostics import Diagnostic, Severity
from tracker.dippin.positions import Range
from tracker_lsp.documents import Document, Snapshot
from tracker_lsp.positions import Converter

if TYPE_CHECKING:
    from tracker.dippin.lint import LintOptions
    from tracker_lsp.server import TrackerServer

SOURCE = "tracker"

SEVERITIES = {
    Severity.ERROR: lsp.DiagnosticSeverity.Error,
    Severity.WARNING: lsp.DiagnosticSeverity.Warning,
    Severity.INFO: lsp.DiagnosticSeverity.Information,
    Severity.HINT: lsp.DiagnosticSeverity.Hint,
}


def lint_snapshot(server: TrackerServer, doc: Document, snap: Snapshot, *, environment: bool) -> list[Diagnostic]:
    from tracker.dippin.lint import LintOptions

    read, exists = server.files.recording(snap.dependencies)
    options = LintOptions(environment=environment, read_file=read, file_exists=exists)
    try:
        return check_sharing(snap, options)
    except Exception as exc:  # a rule crashing must not take the server down
        server.window_log_message(
            lsp.LogMessageParams(type=lsp.MessageType.Error, message=f"lint failed for {doc.uri}: {exc!r}")
        )
        return list(snap.result.diagnostics)


async def lint_snapshot_async(
    server: TrackerServer, doc: Document, snap: Snapshot, *, slice_ms: float = 4.0, cpu_spent: list[float] | None = None
) -> list[Diagnostic]:
    """:func:`lint_snapshot` without process-spawning checks, yielding to the event loop
    between rules every ``slice_ms`` so requests (completion, hover) are served while a
    large document is being checked. The CPU seconds it spent are appended to
    ``cpu_spent``."""
    import asyncio
    import time

    from tracker.dippin import lint as L

    read, exists = server.files.recording(snap.dependencies)
    options = L.LintOptions(environment=False, read_file=read, file_exists=exists)
    cpu = 0.0
    started = time.thread_time()
    try:
        analysis = snap.analysis()
        cpu += time.thread_time() - started
        await asyncio.sleep(0)
        started = time.thread_time()
        run = L.CheckRun(snap.result, options, graph=snap.graph, analysis=analysis)
        deadline = time.perf_counter() + slice_ms / 1000
        for _ in run.steps():
            if time.perf_counter() > deadline:
                cpu += time.thread_time() - started
                await asyncio.sleep(0)
                started = time.thread_time()
                deadline = time.perf_counter() + slice_ms / 1000
        diagnostics = run.diagnostics
    except Exception as exc:  # a rule crashing must not take the server down
        server.window_log_message(
            lsp.LogMessageParams(type=lsp.MessageType.Error, message=f"lint failed for {doc.uri}: {exc!r}")
        )
        diagnostics = list(snap.result.diagnostics)
    if cpu_spent is not None:
        cpu_spent.append(cpu + time.thread_time() - started)
    return diagnostics


def check_sharing(snap: Snapshot, options: LintOptions) -> list[Diagnostic]:
    """``tracker.dippin.lint.check`` of the snapshot, reusing the graph and the dataflow
    analysis the snapshot already has."""
    from tracker.dippin import lint as L

    return L.check(snap.result, options, graph=snap.graph, analysis=snap.analysis())


def current_diagnostics(doc: Document, snap: Snapshot) -> list[Diagnostic]:
    """Fast diagnostics of ``snap`` plus the environment findings that still apply."""
    found = list(snap.diagnostics or ())
    if snap.slow_diagnostics is not None:
        return found + snap.slow_diagnostics
    slow = doc.slow_snapshot
    if slow is None or not slow.slow_diagnostics or len(slow.lines) != len(snap.lines):
        return found
    for diag in slow.slow_diagnostics:
        r = diag.range
        if all(slow.lines[i] == snap.lines[i] for i in range(r.start.line, min(r.end.line, len(snap.lines) - 1) + 1)):
            found.append(diag)
    return found


def publish(server: TrackerServer, doc: Document, snap: Snapshot) -> None:
    conv = snap.converter
    items = [to_lsp(server, d, conv, doc.uri) for d in current_diagnostics(doc, snap)]
    server.text_document_publish_diagnostics(
        lsp.PublishDiagnosticsParams(uri=doc.uri, diagnostics=items, version=snap.version)
    )


def to_lsp(server: TrackerServer, d: Diagnostic, conv: Converter, uri: str) -> lsp.Diagnostic:
    message = d.message
    if d.help:
        message += f"\nhelp: {d.help}"
    url = server.settings.docs_url(d.code)
    tags = []
    if d.unnecessary:
        tags.append(lsp.DiagnosticTag.Unnecessary)
    if d.deprecated:
        tags.append(lsp.DiagnosticTag.Deprecated)
    related = []
    for r in d.related:
        target = uri
        rng = conv.range(r.range)
        if r.file and d.file and Path(r.file) != Path(d.file):
            target = from_fs_path(r.file) or uri
            other = server.documents.by_path(Path(r.file))
            rng = Converter(other.lines, conv.encoding).range(r.range) if other else _plain_range(r.range)
        related.append(lsp.DiagnosticRelatedInformation(location=lsp.Location(uri=target, range=rng), message=r.message))
    return lsp.Diagnostic(
        range=conv.range(d.range),
        message=message,
        severity=SEVERITIES.get(d.severity, lsp.DiagnosticSeverity.Warning),
        code=d.code,
        code_description=lsp.CodeDescription(href=url) if url else None,
        source=SOURCE,
        related_information=related or None,
        tags=tags or None,
    )


def _plain_range(rng: Range) -> lsp.Range:
    """A range in a closed file: its code-point columns are sent as they are."""
    return lsp.Range(
        start=lsp.Position(line=rng.start.line, character=rng.start.character),
        end=lsp.Position(line=rng.end.line, character=rng.end.character),
    )


def register(server: TrackerServer) -> None:
    """Diagnostics are pushed by the analysis pipeline; nothing to register."""
