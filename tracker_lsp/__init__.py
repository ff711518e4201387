"""``tracker-lsp``: the Dippin language server.

Built on pygls and lsprotocol; every answer comes from :mod:`tracker.dippin` (parser,
linter, analysis, formatter, simulator), so the editor and ``tracker validate`` agree.
Start it with ``tracker-lsp`` (stdio) or ``tracker lsp``.
"""

from __future__ import annotations

from tracker import __version__

__all__ = ["__version__"]
