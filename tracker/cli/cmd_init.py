"""``tracker init NAME``: copy a built-in workflow into the current directory to edit it.

Writes ``NAME.dip`` (mode 0644) and, for the two ``build_product`` workflows, a starter
``SPEC.md`` unless one exists. An existing ``NAME.dip`` is never overwritten unless
``--force`` is given.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

SUMMARY = "Copy a built-in workflow into the current directory"
EXAMPLES = """\
  tracker init deep_review             # writes deep_review.dip here
  tracker init build_product           # also writes a starter SPEC.md
  tracker init ask_and_execute --force # overwrite an existing ask_and_execute.dip
  tracker init deep_review -w ~/proj   # write into another directory
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", nargs="?", metavar="WORKFLOW", help="a built-in workflow name (see `tracker workflows`)")
    parser.add_argument("-w", "--workdir", metavar="DIR", help="directory to write into (default: cwd)")
    parser.add_argument("--force", action="store_true", help="overwrite an existing WORKFLOW.dip")


def _write(path: Path, data: bytes, *, replace: bool) -> None:
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if replace else os.O_EXCL)
    fd = os.open(path, flags, 0o644)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def run(args: argparse.Namespace) -> int:
    from tracker.library.catalog import STARTER_SPEC, STARTER_SPEC_WORKFLOWS, names, source

    available = ", ".join(names())
    if not args.name:
        sys.stderr.write(f"Usage: tracker init <workflow_name>\n\nAvailable workflows: {available}\n")
        sys.stderr.write("error: workflow name required\n")
        return 1
    data = source(args.name)
    if data is None:
        sys.stderr.write(f'error: unknown workflow "{args.name}" (available: {available})\n')
        return 1
    folder = Path(args.workdir).expanduser() if args.workdir else Path.cwd()
    if not folder.is_dir():
        sys.stderr.write(f"error: {folder} is not a directory\n")
        return 1
    target = folder / f"{args.name}.dip"
    shown = target.name if args.workdir is None else str(target)
    try:
        _write(target, data, replace=args.force)
    except FileExistsError:
        sys.stderr.write(f"error: {shown} already exists — remove it first, edit it directly, or use --force\n")
        return 1
    except OSError as exc:
        sys.stderr.write(f"error: cannot write {shown}: {exc.strerror or exc}\n")
        return 1
    print(f"Created {shown}")
    files = [shown]
    if args.name in STARTER_SPEC_WORKFLOWS:
        spec = folder / "SPEC.md"
        spec_shown = spec.name if args.workdir is None else str(spec)
        try:
            _write(spec, STARTER_SPEC.encode("utf-8"), replace=False)
        except FileExistsError:
            print(f"Kept the existing {spec_shown}")
        except OSError as exc:
            sys.stderr.write(f"error: cannot write {spec_shown}: {exc.strerror or exc}\n")
            return 1
        else:
            print(f"Created {spec_shown} — a starter spec; replace it with what you want built")
            files.append(spec_shown)
    command = args.name if args.workdir is None else f"-w {folder} {target}"
    print(f"Next: edit {' and '.join(files)}, then run: tracker {command}")
    return 0
