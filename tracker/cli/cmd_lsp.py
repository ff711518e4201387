"""``tracker lsp``: start the Dippin language server (the same server as ``tracker-lsp``)."""

from __future__ import annotations

import argparse

SUMMARY = "Start the Dippin language server (LSP over stdio; --tcp for a socket)"
EXAMPLES = """\
  tracker lsp                       # stdio, for an editor's LSP client
  tracker lsp --tcp --port 2087     # listen on 127.0.0.1:2087
  tracker lsp --log-file lsp.log -v # with a debug log
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from tracker_lsp.__main__ import add_arguments as server_arguments

    server_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from tracker_lsp.__main__ import serve

    return serve(args)
