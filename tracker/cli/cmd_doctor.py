"""``tracker doctor``: check the environment before running pipelines (engine spec §8.7.3).

Exit codes: 0 every check passed, 1 at least one failure (``error: health check
failed`` on stderr), 2 warnings only. ``--json`` prints the report as one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

SUMMARY = "Check the environment and provider configuration"
EXAMPLES = """\
  tracker doctor                         # keys, tools, working directory
  tracker doctor --probe                 # also make one tiny live call per provider
  tracker doctor -w ~/project flow.dip   # also validate a pipeline and its git needs
  tracker doctor --json                  # machine-readable report
"""

_GLYPHS = {"ok": "✓", "warn": "⚠", "error": "✗", "skip": "-", "hint": "→"}
_STYLES = {"ok": "green", "warn": "yellow", "error": "red", "skip": "dim", "hint": "cyan"}
_TRUE = {"1", "true", "yes", "on", "t"}
_FALSE = {"0", "false", "no", "off", "f"}


def _probe_setting(args: argparse.Namespace) -> bool:
    """``--probe`` takes an optional value (``--probe=false``); a bare ``--probe`` followed
    by the pipeline path must not swallow the path."""
    value = args.probe
    if isinstance(value, bool):
        return value
    word = value.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    if args.pipeline is None and not value.startswith("-"):
        args.pipeline = value
        return True
    raise ValueError(f"--probe expects true or false, got {value!r}")


# The same values as tracker.config.doctor.BACKENDS / GIT_POLICIES, spelled out here so
# that building the parser (for --help and completion) does not import the checks.
BACKENDS = ("native", "claude-code", "acp")
GIT_POLICIES = ("auto", "off", "warn", "require", "init")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("pipeline", nargs="?", metavar="FILE", help="a .dip file to validate as well")
    parser.add_argument("-w", "--workdir", metavar="DIR", default=".", help="working directory to check (default: cwd)")
    parser.add_argument(
        "--probe",
        nargs="?",
        const=True,
        default=False,
        metavar="BOOL",
        help="make one tiny live call per configured provider (--probe or --probe=true)",
    )
    parser.add_argument("--backend", choices=BACKENDS, default="native", help="agent backend to check for")
    parser.add_argument("--git", choices=GIT_POLICIES, default="auto", help="git policy to preview (default auto)")
    parser.add_argument("--allow-init", action="store_true", help="accepted for compatibility; doctor changes nothing")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


def _render(report: object) -> None:
    from rich.console import Console
    from rich.markup import escape

    from tracker.config.doctor import DoctorReport

    assert isinstance(report, DoctorReport)
    console = Console(highlight=False, soft_wrap=True)
    console.print("[bold]tracker doctor[/bold]")
    for check in report.checks:
        style = _STYLES.get(check.status, "")
        console.print(f"\n[bold]{escape(check.name)}[/bold]  [{style}]{check.status}[/{style}]")
        if check.message:
            glyph = _GLYPHS.get(check.status, " ")
            console.print(f"  [{style}]{glyph}[/{style}] {escape(check.message)}")
        if check.hint:
            console.print(f"    [cyan]→[/cyan] {escape(check.hint)}")
        for detail in check.details:
            dstyle = _STYLES.get(detail.status, "")
            glyph = _GLYPHS.get(detail.status, " ")
            console.print(f"  [{dstyle}]{glyph}[/{dstyle}] {escape(detail.message)}")
            if detail.hint:
                console.print(f"    [cyan]→[/cyan] {escape(detail.hint)}")
    console.print(
        f"\n{report.passed} passed, {report.warnings} warning(s), {report.failures} failure(s)"
    )
    console.print("exit codes: 0=all pass  1=failures  2=warnings only", style="dim")


def _gitignore_lines(workdir: Path) -> list[str]:
    try:
        return (workdir / ".gitignore").read_text(encoding="utf-8").splitlines()
    except OSError:
        return []


def _fix_gitignore(report: object, workdir: Path) -> Path | None:
    """When the working-directory check found a ``.gitignore`` missing ``.tracker/``,
    ``runs/`` or ``.ai/``, append them (the reference doctor's side effect); the file that
    changed."""
    from tracker.config.doctor import DoctorReport, missing_gitignore_entries

    assert isinstance(report, DoctorReport)
    gitignore = workdir / ".gitignore"
    flagged = any(
        check.name == "Working Directory" and any(".gitignore" in d.message and d.status == "warn" for d in check.details)
        for check in report.checks
    )
    if not flagged or not gitignore.is_file():
        return None
    try:
        text = gitignore.read_text(encoding="utf-8")
        missing = missing_gitignore_entries(gitignore)
        with gitignore.open("a", encoding="utf-8") as fh:
            fh.write(("" if text.endswith("\n") or not text else "\n") + "".join(f"{e}\n" for e in missing))
    except OSError:
        return None
    return gitignore


def run(args: argparse.Namespace) -> int:
    import os

    from tracker.config.doctor import DoctorOptions, run_checks

    try:
        probe = _probe_setting(args)
    except ValueError as exc:
        sys.stderr.write(f"Error: {exc}\n")
        return 1
    workdir = Path(args.workdir).expanduser()
    pipeline = Path(args.pipeline).expanduser() if args.pipeline else None
    options = DoctorOptions(
        workdir=workdir.absolute(),
        pipeline=pipeline,
        probe=probe,
        backend=args.backend,
        git_policy=args.git,
        environ=dict(os.environ),
    )
    report = run_checks(options)
    before = _gitignore_lines(options.workdir)
    added = _fix_gitignore(report, options.workdir)
    if args.json:
        data = report.to_dict()
        if added:
            data["gitignore_updated"] = str(added)
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    else:
        _render(report)
    if added and not args.json:
        new = [line for line in _gitignore_lines(options.workdir) if line not in before]
        print(f"→ added {' '.join(new)} to {added}")
    if report.exit_code == 1:
        sys.stderr.write("error: health check failed\n")
    return report.exit_code
