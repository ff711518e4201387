"""``tracker estimate WORKFLOW``: a rough cost range before running (engine spec §8.7.4).

Static: the plan is computed without calling any model, and each agent node is priced
from the model catalogue. ``--json`` prints the estimate as an object.
"""

from __future__ import annotations

import argparse
import json
import sys

SUMMARY = "Estimate the cost range of a workflow"
EXAMPLES = """\
  tracker estimate flow.dip
  tracker estimate build_product          # a built-in workflow
  tracker estimate flow.dip --json
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("workflow", help="a .dip file, NAME (NAME.dip in the current directory) or a built-in workflow")
    parser.add_argument("--json", action="store_true", help="print the estimate as JSON")


def run(args: argparse.Namespace) -> int:
    from tracker.cli.cmd_simulate import load, parse_errors
    from tracker.library.estimate import CAVEAT, estimate

    loaded = load(args.workflow)
    if loaded is None:
        return 1
    result, display = loaded
    if parse_errors(result, display):
        return 1
    report = estimate(result.workflow)
    if args.json:
        json.dump(report.to_dict(), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    lines = [
        f"Estimate — {report.name or display}",
        f"  Steps:        {report.steps}",
        f"  Agent nodes:  {report.agent_nodes}",
    ]
    if report.models:
        lines.append(f"  Models:       {', '.join(report.models)}")
    lines.append(f"  Cost:         ${report.low_usd:.2f} – ${report.high_usd:.2f}   (expected ~${report.expected_usd:.2f})")
    if report.unpriced_models:
        lines.append(f"  Not priced:   {', '.join(report.unpriced_models)} (counted as $0)")
    lines.append(f"  {CAVEAT}")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0
