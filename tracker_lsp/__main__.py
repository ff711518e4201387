"""Start the language server: ``tracker-lsp`` (stdio), ``tracker-lsp --tcp --port 2087``."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stdio", action="store_true", help="talk LSP over stdin/stdout (the default)")
    parser.add_argument("--tcp", action="store_true", help="listen on a TCP port instead of stdio")
    parser.add_argument("--host", default="127.0.0.1", help="TCP host (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=2087, help="TCP port (default: 2087)")
    parser.add_argument("--log-file", help="write the server log to this file")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages (with --log-file)")


def serve(args: argparse.Namespace) -> int:
    if args.log_file:
        logging.basicConfig(
            filename=args.log_file,
            level=logging.DEBUG if args.verbose else logging.INFO,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
    else:
        logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    from tracker_lsp.server import create_server

    server = create_server()
    profile = os.environ.get("TRACKER_LSP_PROFILE")  # debugging aid: cProfile stats file
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    try:
        if args.tcp:
            server.start_tcp(args.host, args.port)
        else:
            server.start_io()
    finally:
        if profile:
            profiler.disable()
            profiler.dump_stats(profile)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tracker-lsp", description="The Dippin language server (LSP over stdio).")
    add_arguments(parser)
    args = parser.parse_args(argv)
    return serve(args)


if __name__ == "__main__":
    raise SystemExit(main())
