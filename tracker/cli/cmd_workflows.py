"""``tracker workflows``: the catalogue of built-in workflows (engine spec §8.6.4, §8.8)."""

from __future__ import annotations

import argparse
import json
import sys

SUMMARY = "List the built-in workflows"
EXAMPLES = """\
  tracker workflows                # name, requirements and goal of each built-in
  tracker workflows --json         # the same as a JSON array
  tracker init deep_review         # then copy one to edit it
"""
NAME_WIDTH = 35
REQUIRES_WIDTH = 12
GOAL_LIMIT = 70
GOAL_CUT = 67


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the catalogue as JSON")


def _goal(text: str) -> str:
    return text if len(text) <= GOAL_LIMIT else text[:GOAL_CUT] + "..."


def run(args: argparse.Namespace) -> int:
    from tracker.library.catalog import workflows

    entries = workflows()
    if args.json:
        json.dump([e.to_dict() for e in entries], sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    out = ["", "Built-in workflows:", ""]
    names = [f"{e.name} ({e.display_name})" for e in entries]
    width = max([NAME_WIDTH, *(len(n) + 2 for n in names)])
    out.append(f"{'NAME'.ljust(width)}{'REQUIRES'.ljust(REQUIRES_WIDTH)}DESCRIPTION")
    for name, e in zip(names, entries, strict=True):
        requires = ", ".join(e.requires) or "—"
        out.append(f"{name.ljust(width)}{requires.ljust(REQUIRES_WIDTH)}{_goal(e.goal)}")
    out += [
        "",
        "Run directly:  tracker <name>",
        "Copy to edit:  tracker init <name>",
        "Validate:      tracker validate <name>",
    ]
    sys.stdout.write("\n".join(out) + "\n")
    return 0
