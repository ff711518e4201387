"""The Dippin language: parse ``.dip`` files into a typed IR, check, format and simulate them.

Entry points:

* :func:`load_file` / :func:`load_text` – parse, resolve file directives and return a
  :class:`~tracker.dippin.parser.ParseResult` (workflow + diagnostics, never raising).
* :mod:`tracker.dippin.lint` – structural validation and the lint catalogue.
* :mod:`tracker.dippin.format` – the canonical formatter.
* :mod:`tracker.dippin.analysis` – reachability and context-key dataflow.
"""

from __future__ import annotations

from pathlib import Path

from tracker.dippin.diagnostics import Diagnostic, Severity
from tracker.dippin.directives import resolve_directives
from tracker.dippin.parser import ParseResult, parse_bytes, parse_file, parse_text

__all__ = [
    "Diagnostic",
    "ParseResult",
    "Severity",
    "load_bytes",
    "load_file",
    "load_text",
    "parse_bytes",
    "parse_file",
    "parse_text",
]


def load_text(text: str, path: str | Path | None = None) -> ParseResult:
    """Parse source text; file directives resolve relative to ``path``'s directory."""
    result = parse_text(text, str(path) if path is not None else None)
    _resolve(result, path)
    return result


def load_bytes(data: bytes, path: str | Path | None = None) -> ParseResult:
    result = parse_bytes(data, str(path) if path is not None else None)
    _resolve(result, path)
    return result


def load_file(path: str | Path) -> ParseResult:
    """Read and parse a ``.dip`` file (I/O errors propagate as ``OSError``)."""
    p = Path(path)
    return load_bytes(p.read_bytes(), p)


def _resolve(result: ParseResult, path: str | Path | None) -> None:
    base = Path(path).parent if path is not None else None
    resolve_directives(result.workflow, base, result.diagnostics)
