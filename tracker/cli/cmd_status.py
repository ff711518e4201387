"""``tracker status [RUN]``: the agents' own narration of a run (engine spec §8.7.5).

Lists the ``report_status`` notes the agents made, in order, with time and node.
Without a run ID the most recent run is shown; ``--json`` prints the list as JSON.
"""

from __future__ import annotations

import argparse
import sys

from tracker.cli.run_select import add_run_arguments, print_json, selected_run

SUMMARY = "Show a run's status timeline (the agents' report_status notes)"
EXAMPLES = """\
  tracker status                   # the most recent run
  tracker status 3f2a              # one run (ID or unique prefix)
  tracker status -w ~/proj --json  # as JSON
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_run_arguments(p, json_help="print the timeline as JSON")


def run(args: argparse.Namespace) -> int:
    from tracker.library.status import status_timeline
    from tracker.runs.layout import RunLookupError

    try:
        run_dir = selected_run(args)
        updates = status_timeline(run_dir)
    except (RunLookupError, OSError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    if args.json:
        print_json({"run_id": run_dir.name, "updates": [u.to_dict() for u in updates]})
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
