"""The ``[RUN] [-w DIR] [--json]`` arguments shared by the commands that inspect a run
(``status``, ``diagnose``, ``run-json``, ``audit``/``list``), and the run they select."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

RUN_HELP = "run ID or unique prefix (default: the most recent run)"


def add_run_arguments(p: argparse.ArgumentParser, *, json_help: str, run_help: str | None = RUN_HELP) -> None:
    """``RUN`` (omitted when ``run_help`` is None), ``-w/--workdir`` and ``--json``."""
    if run_help is not None:
        p.add_argument("run", nargs="?", help=run_help)
    p.add_argument("-w", "--workdir", metavar="DIR", help="project directory holding .tracker/runs (default: cwd)")
    p.add_argument("--json", action="store_true", help=json_help)


def workdir_of(args: argparse.Namespace) -> Path:
    return Path(args.workdir).resolve() if args.workdir else Path.cwd()


def selected_run(args: argparse.Namespace) -> Path:
    """The run directory ``args.run`` names, else the most recent run
    (raises :class:`~tracker.runs.layout.RunLookupError`)."""
    from tracker.runs.audit import most_recent_run
    from tracker.runs.layout import resolve_run

    workdir = workdir_of(args)
    return resolve_run(workdir, args.run) if args.run else most_recent_run(workdir)


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
