"""``tracker fmt``: format .dip files canonically (print, rewrite, check or diff).

One file prints its formatted text; several files print each one after a
``==> FILE <==`` header. ``--write`` rewrites files in place (atomically, keeping their
permissions), ``--check`` lists files that would change and exits 1, ``--diff`` prints
unified diffs. A file with parse errors is never formatted: its diagnostics are printed
(``file:line:col: error[CODE]: message``) and the exit code is 1.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from tracker.dippin.diagnostics import Diagnostic

SUMMARY = "Format .dip files canonically (print, --write, --check or --diff)"
EXAMPLES = """\
  tracker fmt pipeline.dip              print the formatted text
  tracker fmt --write *.dip             rewrite files in place
  tracker fmt --check *.dip             exit 1 if a file is not canonically formatted
  tracker fmt --diff pipeline.dip       show what would change
  tracker fmt --check --diff *.dip      both, for CI logs
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help=".dip file, or a workflow name")
    parser.add_argument("--write", "-w", action="store_true", help="rewrite the files in place")
    parser.add_argument(
        "--check",
        action="store_true",
        help="report files that are not canonically formatted; exit 1 if any",
    )
    parser.add_argument(
        "--diff", action="store_true", help="print a unified diff instead of the formatted text"
    )


def run(args: argparse.Namespace) -> int:
    from tracker.cli.resolve import UnknownWorkflow, resolve_workflow
    from tracker.dippin.format import format_bytes

    if args.write and (args.check or args.diff):
        sys.stderr.write("Error: --write cannot be combined with --check or --diff\n")
        return 1
    several = len(args.files) > 1
    status = 0
    for arg in args.files:
        try:
            source = resolve_workflow(arg)
        except UnknownWorkflow as exc:
            sys.stderr.write(f"error: {exc}\n")
            status = 1
            continue
        except OSError as exc:
            sys.stderr.write(f"error: cannot read {arg}: {exc.strerror or exc}\n")
            status = 1
            continue
        name = str(source.path) if source.path is not None else source.display
        shown = arg if source.path is not None else source.display
        outcome = format_bytes(source.text, name)
        if outcome.text is None:
            _print_errors(outcome.diagnostics, shown)
            status = 1
            continue
        if args.write:
            if source.path is None:
                sys.stderr.write(
                    f"error: {shown} is a built-in workflow; copy it with `tracker init {source.name}` to edit it\n"
                )
                status = 1
            elif outcome.changed:
                try:
                    _write_atomically(source.path, outcome.text)
                except OSError as exc:
                    sys.stderr.write(f"error: cannot write {shown}: {exc.strerror or exc}\n")
                    status = 1
                    continue
                sys.stdout.write(f"formatted {shown}\n")
            continue
        if args.check or args.diff:
            if outcome.changed:
                if args.diff:
                    sys.stdout.write(_diff(source.text, outcome.text, shown))
                if args.check:
                    sys.stdout.write(f"{shown}: not canonically formatted\n")
                    status = 1
            continue
        if several:
            sys.stdout.write(f"==> {shown} <==\n")
        sys.stdout.write(outcome.text)
    return status


def _print_errors(diagnostics: list[Diagnostic], shown: str) -> None:
    from tracker.dippin.diagnostics import Severity

    for d in diagnostics:
        if d.severity is not Severity.ERROR:
            continue
        start = d.range.start
        sys.stderr.write(
            f"{shown}:{start.line + 1}:{start.character + 1}: error[{d.code}]: {d.message}\n"
        )
    sys.stderr.write(f"{shown}: not formatted (fix the errors above first)\n")


def _diff(original: bytes, formatted: str, shown: str) -> str:
    import difflib

    before = _lines(original.decode("utf-8", errors="replace"))
    after = _lines(formatted)
    lines = list(difflib.unified_diff(before, after, fromfile=f"a/{shown}", tofile=f"b/{shown}"))
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )


def _lines(text: str) -> list[str]:
    """Lines ending in ``\\n`` (unlike ``splitlines``, form feeds and Unicode line
    separators inside a line do not split it)."""
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path`` and rename it over ``path``,
    keeping the original file's permission bits."""
    import os
    import stat
    import tempfile
    from pathlib import Path

    mode = stat.S_IMODE(path.stat().st_mode)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
