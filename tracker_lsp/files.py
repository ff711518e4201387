"""File access for the linter and the parser that sees unsaved editor buffers.

Cross-file checks (subgraph references, prompt files) read other files through these
callbacks: an open document answers from its buffer, anything else from disk. Every
path a lint run touches is recorded, so the server knows which open documents to check
again when another file changes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tracker_lsp.documents import DocumentStore, path_key


class FileAccess:
    def __init__(self, documents: DocumentStore) -> None:
        self.documents = documents

    def read(self, path: Path) -> str:
        doc = self.documents.by_path(path)
        if doc is not None:
            return doc.text
        return path.read_text(encoding="utf-8", errors="replace")

    def exists(self, path: Path) -> bool:
        if self.documents.by_path(path) is not None:
            return True
        return path.exists()

    def signature(self, path: Path) -> object:
        """Changes whenever the content seen through :meth:`read` may have changed."""
        doc = self.documents.by_path(path)
        if doc is not None:
            return ("open", doc.version)
        try:
            st = path.stat()
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def recording(self, into: set[str]) -> tuple[Callable[[Path], str], Callable[[Path], bool]]:
        """``read`` and ``exists`` callbacks that add each path they see to ``into``."""

        def read(path: Path) -> str:
            into.add(path_key(path))
            return self.read(path)

        def exists(path: Path) -> bool:
            into.add(path_key(path))
            return self.exists(path)

        return read, exists


def workspace_roots(server: object) -> list[Path]:
    """The workspace folders (and root) of a language server, as directories."""
    from pygls.uris import to_fs_path

    roots: list[Path] = []
    try:
        workspace = server.workspace  # type: ignore[attr-defined]
        for folder in workspace.folders.values():
            fs = to_fs_path(folder.uri)
            if fs:
                roots.append(Path(fs))
        if workspace.root_path:
            roots.append(Path(workspace.root_path))
    except RuntimeError:
        return []
    out: list[Path] = []
    for root in roots:
        if root.is_dir() and all(root != o for o in out):
            out.append(root)
    return out
