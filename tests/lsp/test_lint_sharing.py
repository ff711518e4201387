"""The server's lint (sharing the snapshot's graph and analysis, yielding between rules)
reports exactly what ``tracker.dippin.lint.check`` reports, for every corpus file."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.conftest import corpus_files
from tracker.dippin import load_text
from tracker.dippin.lint import LintOptions, check
from tracker_lsp.features.diagnostics import check_sharing, lint_snapshot_async
from tracker_lsp.server import create_server


@pytest.mark.parametrize("path", corpus_files("**/*.dip")[::2] or [None], ids=lambda p: p.name if p else "no-corpus")
def test_server_lint_equals_check(path: Path | None, corpus: Path) -> None:
    assert path is not None
    server = create_server()
    text = path.read_text(encoding="utf-8")
    doc = server.documents.open(path.resolve().as_uri(), text, 1)
    snap = doc.parsed("utf-16")
    want = [d.to_dict() for d in check(load_text("\n".join(doc.lines), str(doc.path)), LintOptions(environment=False))]
    shared = [d.to_dict() for d in check_sharing(snap, LintOptions(environment=False))]
    sliced = [d.to_dict() for d in asyncio.run(lint_snapshot_async(server, doc, snap))]
    assert shared == want
    assert sliced == want
