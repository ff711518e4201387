"""``tracker lint FILE...``: the diagnostics of ``validate`` plus the doctor grade.

Each file gets a grade A–F with a score out of 100 (spec §6.8). The exit status is 1
only when some file has errors; warnings and a low grade do not fail the command.
"""

from __future__ import annotations

import argparse

SUMMARY = "Check .dip files and grade them (errors, warnings, hints)"
EXAMPLES = """\
  tracker lint pipeline.dip
  tracker lint examples/*.dip --format json
  tracker lint flow.dip --extra-models "anthropic:claude-next"
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from tracker.cli.cmd_validate import add_common_arguments

    add_common_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from tracker.cli.cmd_validate import check_files

    return check_files(args, grade=True)
