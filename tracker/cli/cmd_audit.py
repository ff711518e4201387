"""``tracker list`` and ``tracker audit [RUN]``: past runs and one run's audit report.

``list`` (or ``audit`` without a run) shows every run under ``WORKDIR/.tracker/runs``,
newest first; ``audit RUN`` shows one run's timeline, retries, errors and
recommendations. ``--json`` prints the same data as JSON (engine spec §7.9.2).
"""

from __future__ import annotations

import argparse
import json
import sys

from tracker.cli.run_select import add_run_arguments, print_json, workdir_of

SUMMARY = "List past runs, or audit one run"
EXAMPLES = """\
  tracker list                     # every run, newest first
  tracker audit 3f2a               # one run (ID or unique prefix)
  tracker audit 3f2a --json        # the audit report as JSON
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    command = p.prog.split()[-1]
    p.set_defaults(command=command)
    run_help = "run ID or unique prefix (default: list all runs)" if command == "audit" else None
    add_run_arguments(p, json_help="print JSON instead of text", run_help=run_help)


def run(args: argparse.Namespace) -> int:
    from tracker.runs.audit import audit, list_runs, render_audit, render_list
    from tracker.runs.layout import RunLookupError, resolve_run

    workdir = workdir_of(args)
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
        print_json(report.to_dict())
    else:
        render_audit(report, sys.stdout)
    return 0
