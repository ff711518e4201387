"""``tracker update``: say how to update this install, and with ``--yes`` do it.

The command depends on how tracker was installed: ``pipx upgrade tracker`` for pipx
(``pipx reinstall tracker`` when pipx installed it from a checkout or a repository),
``pip install --upgrade …`` for a pip install (from an index, a directory or a VCS URL),
``pip install --editable CHECKOUT`` after updating the checkout for an editable install.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

SUMMARY = "Show or run the command that updates tracker"
EXAMPLES = """\
  tracker update                   # print the command for this install
  tracker update --yes             # run it
  tracker update --json            # the plan as JSON
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-y", "--yes", action="store_true", help="run the update command instead of only printing it")
    parser.add_argument("--json", action="store_true", help="print the install method and the command as JSON")


def run(args: argparse.Namespace) -> int:
    from tracker.library.install import install_info, update_plan

    info = install_info()
    plan = update_plan(info)
    if args.json:
        json.dump({"version": info.version, "method": info.method, **plan.to_dict()}, sys.stdout, indent=2)
        sys.stdout.write("\n")
        if not args.yes:
            return 0
    else:
        print(f"tracker {info.version}: {plan.note}.")
        for step in plan.before:
            print(f"  first:  {step}")
        if plan.argv:
            print(f"  then:   {plan.command}" if plan.before else f"  run:    {plan.command}")
    if not args.yes:
        if plan.argv:
            print("Run `tracker update --yes` to run it now.")
        return 0
    if not plan.argv:
        sys.stderr.write("error: this install cannot be updated automatically\n")
        return 1
    print(f"$ {plan.command}", flush=True)
    try:
        code = subprocess.call(plan.argv)
    except OSError as exc:
        sys.stderr.write(f"error: cannot run {plan.argv[0]}: {exc.strerror or exc}\n")
        return 1
    if code != 0:
        sys.stderr.write(f"error: the update command failed (exit {code})\n")
        return 1
    return 0
