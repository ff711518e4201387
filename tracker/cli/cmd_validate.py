"""``tracker validate FILE...``: parse, validate and lint workflows; exit 1 on errors.

Also home of the pieces ``tracker lint`` shares: the common flags, reading each file
argument (a path, ``NAME.dip`` in the current directory, or a built-in workflow) and
checking it.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tracker.dippin.diagnostics import Diagnostic
    from tracker.dippin.lint import LintOptions
    from tracker.dippin.parser import ParseResult

SUMMARY = "Check .dip files for errors; exit 1 when any has errors"
EXAMPLES = """\
  tracker validate pipeline.dip
  tracker validate *.dip --format json
  tracker validate build_product                 # a built-in workflow
  tracker validate flow.dip --extra-models "openai:gpt-6;acme:m1,m2"
  tracker validate flow.dip --no-env-checks      # skip bash -n and PATH look-ups
"""


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help=".dip file, or the name of a workflow")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    parser.add_argument(
        "--extra-models",
        default="",
        metavar="SPEC",
        help='models to accept besides the built-in catalogue, e.g. "openai:gpt-6,gpt-6-mini;acme:m1"',
    )
    parser.add_argument(
        "--no-env-checks",
        action="store_true",
        help="skip checks that look at this machine (bash -n syntax check, binaries on PATH)",
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser)


class UsageError(Exception):
    pass


def options_from(args: argparse.Namespace) -> LintOptions:
    from tracker.dippin.lint import LintOptions
    from tracker.dippin.lint.models import ExtraModelsError, parse_extra_models

    try:
        extra = parse_extra_models(args.extra_models)
    except ExtraModelsError as exc:
        raise UsageError(str(exc)) from exc
    return LintOptions(extra_models=extra, environment=not args.no_env_checks)


@dataclass
class Checked:
    """One file argument after parsing and checking."""

    display: str
    result: ParseResult
    diagnostics: list[Diagnostic]


def check_argument(arg: str, options: LintOptions) -> Checked:
    """Resolve, read, parse and check one argument; raises ``UsageError`` when it
    cannot be read (the message is ready to print)."""
    from tracker.cli.resolve import UnknownWorkflow, resolve_workflow
    from tracker.dippin import load_bytes
    from tracker.dippin.lint import check

    try:
        source = resolve_workflow(arg)
    except UnknownWorkflow as exc:
        raise UsageError(str(exc)) from exc
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise UsageError(f"cannot read {arg}: {reason}") from exc
    path = _shown(source.path) if source.path is not None else None
    result = load_bytes(source.text, path)
    return Checked(str(path) if path is not None else source.display, result, check(result, options))


def _shown(path: Path) -> Path:
    """The path relative to the working directory when it lies below it."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def run(args: argparse.Namespace) -> int:
    return check_files(args, grade=False)


def check_files(args: argparse.Namespace, grade: bool) -> int:
    """The body of ``validate`` (``grade=False``) and ``lint`` (``grade=True``)."""
    from tracker.cli.render import Printer, diagnostic_json, dump_json, render_diagnostic, summary
    from tracker.dippin.diagnostics import Severity

    err = Printer(sys.stderr)
    try:
        options = options_from(args)
    except UsageError as exc:
        err.line(f"error: {exc}", "bold red")
        return 1
    failed = False
    counts = {Severity.ERROR: 0, Severity.WARNING: 0}
    hints = 0
    json_out: list[object] = []
    out = Printer(sys.stdout)
    for arg in args.files:
        try:
            checked = check_argument(arg, options)
        except UsageError as exc:
            err.line(f"error: {exc}", "bold red")
            failed = True
            continue
        diags = checked.diagnostics
        lines = checked.result.source.lines
        report = None
        if grade:
            from tracker.dippin.lint.grade import grade as grade_of

            report = grade_of(checked.result, diags)
        for d in diags:
            if d.severity in counts:
                counts[d.severity] += 1
            else:
                hints += 1
        failed = failed or any(d.severity is Severity.ERROR for d in diags)
        if args.format == "json":
            items = [diagnostic_json(d, lines, checked.display) for d in diags]
            if report is None:
                json_out.extend(items)
            else:
                json_out.append({"file": checked.display, "grade": report.grade, "score": report.score, "diagnostics": items})
            continue
        for d in diags:
            render_diagnostic(d, lines, checked.display, err)
        if not any(d.severity in (Severity.ERROR, Severity.WARNING) for d in diags):
            err.line(f"✓ {checked.display}: valid", "bold green")
        if report is not None:
            out.line(f"{checked.display}: grade: {report.grade} (score {report.score})", "bold")
            for s in report.suggestions:
                out.line(f"  - {s.message}")
    if args.format == "json":
        dump_json(json_out, sys.stdout)
    elif counts[Severity.ERROR] or counts[Severity.WARNING]:
        err.line(summary(counts[Severity.ERROR], counts[Severity.WARNING], hints, len(args.files)), "bold")
    return 1 if failed else 0
