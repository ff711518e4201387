"""pytest-lsp fixtures: the real server (``python -m tracker_lsp``) over stdio.

One server per test module (starting one costs about a second); each test uses its own
document URIs. Test modules run on the module's event loop, where the server's client
lives: ``pytestmark = pytest.mark.asyncio(loop_scope="module")``. :func:`open_doc` opens a document and waits for its diagnostics;
:func:`diagnostics` waits for those of a given version.
"""

from __future__ import annotations

import asyncio
import itertools
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

SERVER = [sys.executable, "-m", "tracker_lsp"]

_counter = itertools.count(1)


def _record_diagnostics(client: LanguageClient) -> None:
    """Keep every publishDiagnostics (with its version), not only the last one."""
    proto: Any = client.protocol
    original = proto._handle_notification
    published: dict[str, list[lsp.PublishDiagnosticsParams]] = {}
    client.published = published  # type: ignore[attr-defined]

    def handle(method: str, params: Any) -> Any:
        if method == lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS:
            published.setdefault(params.uri, []).append(params)
        return original(method, params)

    proto._handle_notification = handle


async def start(client: LanguageClient, capabilities: str = "visual-studio-code", options: Any = None, root: Path | None = None) -> None:
    _record_diagnostics(client)
    params = lsp.InitializeParams(
        capabilities=client_capabilities(capabilities),
        initialization_options=options,
        root_uri=root.as_uri() if root else None,
        workspace_folders=[lsp.WorkspaceFolder(uri=root.as_uri(), name="ws")] if root else None,
    )
    await client.initialize_session(params)


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER), scope="module")  # type: ignore[untyped-decorator]
async def client(lsp_client: LanguageClient) -> AsyncIterator[None]:
    await start(lsp_client, options={"tracker": {"environmentChecks": False, "watchFiles": False}})
    yield
    await lsp_client.shutdown_session()


def new_uri(name: str = "doc.dip", folder: Path | None = None) -> str:
    base = folder or Path("/tmp/tracker-lsp-tests")
    return (base / f"{next(_counter)}-{name}").as_uri()


async def diagnostics(client: LanguageClient, uri: str, version: int, timeout: float = 15.0) -> list[lsp.Diagnostic]:
    """Wait for the diagnostics published for ``version`` of ``uri``."""
    published: dict[str, list[lsp.PublishDiagnosticsParams]] = client.published  # type: ignore[attr-defined]
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        for params in reversed(published.get(uri, [])):
            if params.version == version:
                return list(params.diagnostics)
        if asyncio.get_running_loop().time() > deadline:
            seen = [p.version for p in published.get(uri, [])]
            raise AssertionError(f"no diagnostics for {uri} version {version} (got versions {seen})")
        await asyncio.sleep(0.005)


async def open_doc(client: LanguageClient, text: str, uri: str | None = None, version: int = 1) -> tuple[str, list[lsp.Diagnostic]]:
    uri = uri or new_uri()
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(text_document=lsp.TextDocumentItem(uri=uri, language_id="dippin", version=version, text=text))
    )
    return uri, await diagnostics(client, uri, version)


def change(client: LanguageClient, uri: str, version: int, text: str, start: tuple[int, int], end: tuple[int, int] | None = None) -> None:
    """Send an incremental change replacing ``start``–``end`` (UTF-16 positions) with ``text``."""
    end = end or start
    client.text_document_did_change(
        lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[
                lsp.TextDocumentContentChangePartial(
                    range=lsp.Range(start=lsp.Position(line=start[0], character=start[1]), end=lsp.Position(line=end[0], character=end[1])),
                    text=text,
                )
            ],
        )
    )


def pos(line: int, character: int) -> lsp.Position:
    return lsp.Position(line=line, character=character)


def doc_id(uri: str) -> lsp.TextDocumentIdentifier:
    return lsp.TextDocumentIdentifier(uri=uri)


def labels(result: lsp.CompletionList | Sequence[lsp.CompletionItem] | None) -> list[str]:
    if result is None:
        return []
    items = result.items if isinstance(result, lsp.CompletionList) else result
    return [item.label for item in items]
