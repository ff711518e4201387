"""Open documents and their per-version cache of parse, diagnostics and analysis.

A :class:`Document` keeps its text as a list of lines (LSP line breaks: ``\\n``,
``\\r\\n``, ``\\r``) so an incremental change touches only the lines it edits. Each text
version gets at most one :class:`Snapshot`: the parse (re-parsed incrementally, see
:mod:`tracker_lsp.incremental`), then lazily the lint diagnostics, the graph and the
context-key analysis. Features read the newest snapshot; completion may use the
analysis of an older one while a newer one is being computed.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp
from pygls.uris import to_fs_path

from tracker_lsp.incremental import IncrementalParser, Reader, Signature
from tracker_lsp.positions import Converter, Encoding, from_client_character

if TYPE_CHECKING:
    from tracker.dippin.diagnostics import Diagnostic
    from tracker.dippin.graph import Graph
    from tracker.dippin.parser import ParseResult
    from tracker_lsp.index import SymbolIndex

_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> tuple[list[str], list[str]]:
    """Lines without their terminators, and the terminators ('' after the last line)."""
    lines: list[str] = []
    eols: list[str] = []
    pos = 0
    for match in _BREAK.finditer(text):
        lines.append(text[pos : match.start()])
        eols.append(match.group())
        pos = match.end()
    lines.append(text[pos:])
    eols.append("")
    return lines, eols


def uri_to_path(uri: str) -> Path | None:
    fs = to_fs_path(uri) if uri.startswith("file:") else None
    return Path(fs) if fs else None


@dataclass
class Snapshot:
    """One analysed text version of a document."""

    version: int
    lines: list[str]
    result: ParseResult
    encoding: Encoding
    diagnostics: list[Diagnostic] | None = None
    slow_diagnostics: list[Diagnostic] | None = None
    dependencies: set[str] = field(default_factory=set)
    parse_ms: float = 0.0
    _graph: Graph | None = None
    _analysis: Any = None
    _analysis_done: bool = False
    _index: SymbolIndex | None = None
    previous_analysis: Any = None  # an earlier version's analysis, reused where it still applies

    @property
    def workflow(self) -> Any:
        return self.result.workflow

    @property
    def converter(self) -> Converter:
        return Converter(self.lines, self.encoding)

    @property
    def graph(self) -> Graph:
        if self._graph is None:
            from tracker.dippin.graph import Graph

            self._graph = Graph.build(self.result.workflow)
        return self._graph

    @property
    def has_analysis(self) -> bool:
        return self._analysis_done

    def analysis(self) -> Any:
        """The context-key dataflow analysis (computed as the linter computes it, so the
        two can share it), or None when the module is not available."""
        if not self._analysis_done:
            self._analysis = run_analysis(self.result.workflow, None, self.graph, self.previous_analysis)
            self._analysis_done = True
            self.previous_analysis = None
        return self._analysis

    def index(self) -> SymbolIndex:
        """Where node IDs and context keys occur (built on first use)."""
        if self._index is None:
            from tracker_lsp.index import SymbolIndex

            self._index = SymbolIndex(self.result.workflow, self.lines, self.analysis())
        return self._index


def run_analysis(workflow: Any, lines: list[str] | None = None, graph: Any = None, previous: Any = None) -> Any:
    try:
        from tracker.dippin import analysis
    except ImportError:
        return None
    try:
        return analysis.analyze(workflow, source_lines=lines, graph=graph, previous=previous)
    except TypeError:
        return analysis.analyze(workflow)
    except Exception:  # the contract says it never raises; stay up if it does
        return None


class Document:
    """The text of one open document and its cached analyses."""

    def __init__(
        self,
        uri: str,
        text: str,
        version: int,
        language_id: str = "dippin",
        reader: Reader | None = None,
        signature: Signature | None = None,
    ) -> None:
        self.uri = uri
        self.path = uri_to_path(uri)
        self.version = version
        self.language_id = language_id
        self.lines, self.eols = split_lines(text)
        self._text: str | None = text
        self.parser = IncrementalParser(str(self.path) if self.path else None, reader, signature)
        self.snapshot: Snapshot | None = None
        self.last_good: Snapshot | None = None  # newest snapshot whose analysis is computed
        self.slow_snapshot: Snapshot | None = None  # newest snapshot with environment checks
        self.propagated_version: int | None = None  # last version other documents were told about
        self.changed_at = time.monotonic()
        self.previous_change_at = 0.0

    @property
    def text(self) -> str:
        text = self._text
        if text is None:
            lines, eols = self.lines, self.eols
            text = self._text = "".join(line + eol for line, eol in zip(lines, eols, strict=False))
        return text

    def replace_text(self, text: str, version: int) -> None:
        self.lines, self.eols = split_lines(text)
        self._text = text
        self._touch(version)

    def _touch(self, version: int) -> None:
        self.version = version
        self.previous_change_at = self.changed_at
        self.changed_at = time.monotonic()

    def apply_changes(self, changes: list[lsp.TextDocumentContentChangeEvent], version: int, encoding: Encoding) -> None:
        for change in changes:
            if isinstance(change, lsp.TextDocumentContentChangePartial):
                self._apply_partial(change.range, change.text, encoding)
            else:
                self.lines, self.eols = split_lines(change.text)
                self._text = change.text
        self._touch(version)

    def _apply_partial(self, rng: lsp.Range, new_text: str, encoding: Encoding) -> None:
        # New lists rather than in-place edits: a worker thread (the slow checks) may be
        # reading the previous text.
        lines, eols = list(self.lines), list(self.eols)
        last = len(lines) - 1
        sl = min(rng.start.line, last)
        el = min(rng.end.line, last)
        sc = from_client_character(lines[sl], rng.start.character, encoding) if rng.start.line <= last else len(lines[sl])
        ec = from_client_character(lines[el], rng.end.character, encoding) if rng.end.line <= last else len(lines[el])
        if rng.start.line > last:
            sc = len(lines[sl])
        if (el, ec) < (sl, sc):
            el, ec = sl, sc
        # A "\r" ending the previous line followed by an inserted "\n" is one line break.
        if sl > 0 and sc == 0 and eols[sl - 1] == "\r" and new_text.startswith("\n"):
            sl -= 1
            sc = len(lines[sl])
            new_text = "\r" + new_text
        segment = lines[sl][:sc] + new_text + lines[el][ec:] + eols[el]
        seg_lines, seg_eols = split_lines(segment)
        if eols[el]:
            # The segment ended with the old terminator: drop the empty piece after it.
            seg_lines.pop()
            seg_eols.pop()
        lines[sl : el + 1] = seg_lines
        eols[sl : el + 1] = seg_eols
        if not lines:
            lines.append("")
            eols.append("")
        self.lines, self.eols = lines, eols
        self._text = None

    # ------------------------------------------------------------------ analysis cache
    def parsed(self, encoding: Encoding) -> Snapshot:
        """The snapshot of the current version (parsed now if needed, incrementally)."""
        snap = self.snapshot
        if snap is not None and snap.version == self.version:
            return snap
        started = time.perf_counter()
        result = self.parser.parse(list(self.lines))
        snap = Snapshot(self.version, list(self.lines), result, encoding)
        snap.parse_ms = (time.perf_counter() - started) * 1000
        for earlier in (self.snapshot, self.last_good):
            if earlier is not None and earlier.has_analysis:
                snap.previous_analysis = earlier.analysis()
                break
        self.snapshot = snap
        return snap

    def analysed(self, encoding: Encoding) -> Snapshot:
        """A snapshot with its analysis computed: the current one when it already has it,
        else the last one that does (if any), else the current one (computed now)."""
        snap = self.parsed(encoding)
        if snap.has_analysis:
            return snap
        if self.last_good is not None:
            return self.last_good
        snap.analysis()
        self.last_good = snap
        return snap

    def mark_analysed(self, snap: Snapshot) -> None:
        if self.last_good is None or snap.version >= self.last_good.version:
            self.last_good = snap


class DocumentStore:
    """The open documents, by URI and by file path."""

    def __init__(self) -> None:
        self._docs: dict[str, Document] = {}
        self._by_path: dict[str, Document] = {}
        self.reader: Reader | None = None
        self.signature: Signature | None = None

    def open(self, uri: str, text: str, version: int, language_id: str = "dippin") -> Document:
        doc = Document(uri, text, version, language_id, self.reader, self.signature)
        self._docs[uri] = doc
        if doc.path is not None:
            self._by_path[path_key(doc.path)] = doc
        return doc

    def get(self, uri: str) -> Document | None:
        return self._docs.get(uri)

    def close(self, uri: str) -> Document | None:
        doc = self._docs.pop(uri, None)
        if doc is not None and doc.path is not None:
            self._by_path.pop(path_key(doc.path), None)
        return doc

    def __iter__(self) -> Iterator[Document]:
        return iter(list(self._docs.values()))

    def __len__(self) -> int:
        return len(self._docs)

    def by_path(self, path: Path) -> Document | None:
        return self._by_path.get(path_key(path))


def path_key(path: Path) -> str:
    """A normalised spelling of ``path`` for comparisons (no file-system access)."""
    return os.path.normcase(os.path.abspath(path))
