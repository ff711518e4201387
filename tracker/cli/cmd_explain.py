"""``tracker explain CODE``: what a diagnostic code means and how to fix it."""

from __future__ import annotations

import argparse
import sys

SUMMARY = "Explain a diagnostic code (e.g. DIP110)"
EXAMPLES = """\
  tracker explain DIP110
  tracker explain dip005
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("code", metavar="CODE", help="a diagnostic code such as DIP003 or TRK101")


def run(args: argparse.Namespace) -> int:
    from tracker.dippin.lint.docs import entry_text

    text = entry_text(args.code)
    if text is None:
        sys.stderr.write(f'error: unknown diagnostic code "{args.code}" (codes look like DIP003 or TRK101)\n')
        return 1
    sys.stdout.write(text)
    return 0
