"""``tracker diagnose [RUN]``: explain why a run failed and suggest fixes.

Without a run ID the most recent run is diagnosed. Shows each failed node with its
output, stderr and errors, detects identical repeated failures, and lists suggestions;
``--json`` prints the report as JSON (engine spec §8.7.2).
"""

from __future__ import annotations

import argparse
import sys

from tracker.cli.run_select import add_run_arguments, print_json, selected_run

SUMMARY = "Explain why a run failed"
EXAMPLES = """\
  tracker diagnose                 # the most recent run
  tracker diagnose 3f2a --json     # one run, as JSON
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_run_arguments(p, json_help="print the report as JSON")


def run(args: argparse.Namespace) -> int:
    from tracker.runs.diagnose import diagnose, render
    from tracker.runs.layout import RunLookupError

    try:
        report = diagnose(selected_run(args))
    except (RunLookupError, FileNotFoundError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    if args.json:
        print_json(report.to_dict())
    else:
        render(report, sys.stdout)
    return 0
