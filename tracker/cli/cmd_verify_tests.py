"""``tracker verify-tests [DIR] [--race]``: the test-fidelity gate (engine spec §8.6.4).

Fails (exit 1) when two or more test functions — Go ``TestXxx`` in ``*_test.go`` or
pytest ``test*`` functions — have the same body of three or more statements, or the
same body apart from literal values. ``--race`` also runs ``go test -race ./...`` for a
Go module. Meant for a workflow's verification tool node.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

SUMMARY = "Check test files for duplicated test bodies (Go and pytest)"
EXAMPLES = """\
  tracker verify-tests                 # every test file under the current directory
  tracker verify-tests ./pkg --race    # also run `go test -race ./...` (Go modules)
  tracker verify-tests tests --json    # machine-readable report
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", nargs="?", default=".", metavar="DIR", help="folder (or test file) to check (default: .)")
    parser.add_argument("--race", action="store_true", help="also run `go test -race ./...` when DIR is a Go module")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


def run(args: argparse.Namespace) -> int:
    from tracker.library.test_fidelity import analyze, detect_races

    root = Path(args.dir)
    if not root.exists():
        sys.stderr.write(f"error: {args.dir}: no such file or directory\n")
        return 1
    report = analyze(root)
    race = detect_races(root) if args.race else None
    failed = not report.ok or (race is not None and not race.ok)
    if args.json:
        data = report.to_dict()
        if race is not None:
            data["race"] = race.to_dict()
        data["ok"] = not failed
        json.dump(data, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 1 if failed else 0
    for problem in report.problems:
        sys.stderr.write(f"warning: cannot read {problem}\n")
    if report.ok:
        print(f"✓ no duplicate test bodies found under {args.dir} ({report.tests} tests in {report.files} files)")
    else:
        for group in report.groups:
            what = "identical bodies" if group.kind == "identical" else "bodies identical apart from literal values"
            sys.stderr.write(f"duplicate tests ({what}):\n")
            width = max(len(t.name) for t in group.tests)
            for t in group.tests:
                sys.stderr.write(f"  {t.name.ljust(width)}  ({t.file}:{t.line})\n")
        sys.stderr.write(f"error: {len(report.groups)} group(s) of duplicated test bodies under {args.dir}\n")
    if race is not None:
        if not race.ran:
            print(f"• race check skipped: {race.reason}")
        elif race.ok:
            print("✓ go test -race passed")
        else:
            sys.stderr.write(race.output[-4000:] + "\n" if race.output else "")
            sys.stderr.write(f"error: {race.reason}\n")
    return 1 if failed else 0
