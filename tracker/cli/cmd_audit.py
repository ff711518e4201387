"""``tracker list`` and ``tracker audit [RUN]``: past runs and one run's audit report.

``list`` (or ``audit`` without a run) shows every run under ``WORKDIR/.tracker/runs``,
newest first; ``audit RUN`` shows one run's timeline, retries, errors and
recommendations. ``--json`` prints the same data as JSON (engine spec §7.9.2).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

SUMMARY = "List past runs, or audit one run"
EXAMPLES = """\
  tracker list                     # every run, newest first
  tracker audit 3f2a               # one run (ID or unique prefix)
  tracker audit 3f2a --json        # the audit report as JSON
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    command = p.prog.split()[-1]
    p.set_defaults(command=command)
    if command == "audit":
        p.add_argument("run", nargs="?", help="run ID or unique prefix (default: list all runs)")
    p.add_argument("-w", "--workdir", metavar="DIR", help="project directory holding .tracker/runs (default: cwd)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")


def run(args: argparse.Namespace) -> int:
    from tracker.runs.audit import audit, list_runs, render_audit, render_list
    from tracker.runs.layout import RunLookupError, resolve_run

    workdir = Path(args.workdir).resolve() if args.workdir else Path.cwd()
    run_arg = getattr(args, "run", None)
    if not run_arg:
        runs = list_runs(workdir)
        if args.json:
            json.dump([r.to_dict() for r in runs], sys.stdout, indent=2)
            sys.stdout.write("\n")
        else:
            render_list(runs, sys.stdout)
        return 0
    try:
        run_dir = resolve_run(workdir, run_arg)
        report = audit(run_dir)
    except (RunLookupError, FileNotFoundError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    if args.json:
        json.dump(report.to_dict(), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        render_audit(report, sys.stdout)
    return 0
