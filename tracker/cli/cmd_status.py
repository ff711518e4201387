"""``tracker status [RUN]``: the agents' own narration of a run (engine spec §8.7.5).

Lists the ``report_status`` notes the agents made, in order, with time and node.
Without a run ID the most recent run is shown; ``--json`` prints the list as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

SUMMARY = "Show a run's status timeline (the agents' report_status notes)"
EXAMPLES = """\
  tracker status                   # the most recent run
  tracker status 3f2a              # one run (ID or unique prefix)
  tracker status -w ~/proj --json  # as JSON
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("run", nargs="?", help="run ID or unique prefix (default: the most recent run)")
    p.add_argument("-w", "--workdir", metavar="DIR", help="project directory holding .tracker/runs (default: cwd)")
    p.add_argument("--json", action="store_true", help="print the timeline as JSON")


def run(args: argparse.Namespace) -> int:
    from tracker.library.status import status_timeline
    from tracker.runs.audit import most_recent_run
    from tracker.runs.layout import RunLookupError, resolve_run

    workdir = Path(args.workdir).resolve() if args.workdir else Path.cwd()
    try:
        run_dir = resolve_run(workdir, args.run) if args.run else most_recent_run(workdir)
        updates = status_timeline(run_dir)
    except (RunLookupError, OSError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    if args.json:
        json.dump({"run_id": run_dir.name, "updates": [u.to_dict() for u in updates]}, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    noun = "update" if len(updates) == 1 else "updates"
    out = [f"Status timeline — run {run_dir.name} ({len(updates)} {noun})"]
    if not updates:
        out.append("  No status updates recorded — the agent didn't call report_status on this run.")
    else:
        out.append("")
        for u in updates:
            out.append(f"  {u.clock}  [{u.node_id or 'pipeline'}]")
            out += [f"      {line}" for line in u.text.splitlines()]
    sys.stdout.write("\n".join(out) + "\n")
    return 0
