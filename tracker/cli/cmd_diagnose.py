"""``tracker diagnose [RUN]``: explain why a run failed and suggest fixes.

Without a run ID the most recent run is diagnosed. Shows each failed node with its
output, stderr and errors, detects identical repeated failures, and lists suggestions;
``--json`` prints the report as JSON (engine spec §8.7.2).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

SUMMARY = "Explain why a run failed"
EXAMPLES = """\
  tracker diagnose                 # the most recent run
  tracker diagnose 3f2a --json     # one run, as JSON
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("run", nargs="?", help="run ID or unique prefix (default: the most recent run)")
    p.add_argument("-w", "--workdir", metavar="DIR", help="project directory holding .tracker/runs (default: cwd)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")


def run(args: argparse.Namespace) -> int:
    from tracker.runs.audit import most_recent_run
    from tracker.runs.diagnose import diagnose, render
    from tracker.runs.layout import RunLookupError, resolve_run

    workdir = Path(args.workdir).resolve() if args.workdir else Path.cwd()
    try:
        run_dir = resolve_run(workdir, args.run) if args.run else most_recent_run(workdir)
        report = diagnose(run_dir)
    except (RunLookupError, FileNotFoundError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    if args.json:
        json.dump(report.to_dict(), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        render(report, sys.stdout)
    return 0
