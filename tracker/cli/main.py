"""Entry point of the ``tracker`` command.

Only the module of the chosen subcommand is imported, so ``tracker validate`` does not pay
for the engine or the provider SDKs. Each subcommand module defines ``SUMMARY`` (one
line), ``EXAMPLES`` (epilog text), ``add_arguments(parser)`` and ``run(args) -> int``.

A first argument that is not a subcommand runs a workflow: ``tracker [flags] WORKFLOW``
is the same as ``tracker run [flags] WORKFLOW``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NoReturn

from tracker import __version__

# name -> (module, one-line summary shown by `tracker --help`)
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("tracker.cli.cmd_run", "Run a workflow (also: tracker [flags] WORKFLOW)"),
    "validate": ("tracker.cli.cmd_validate", "Check .dip files for errors; exit 1 when any has errors"),
    "lint": ("tracker.cli.cmd_lint", "Check .dip files and grade them (errors, warnings, hints)"),
    "fmt": ("tracker.cli.cmd_fmt", "Format .dip files canonically"),
    "simulate": ("tracker.cli.cmd_simulate", "Show the execution plan and paths of a workflow (no LLM calls)"),
    "test": ("tracker.cli.cmd_test", "Run the .test.json scenarios beside a workflow"),
    "explain": ("tracker.cli.cmd_explain", "Explain a diagnostic code (e.g. DIP110)"),
    "list": ("tracker.cli.cmd_audit", "List past runs"),
    "audit": ("tracker.cli.cmd_audit", "Audit one run (or list runs)"),
    "diagnose": ("tracker.cli.cmd_diagnose", "Explain why a run failed"),
    "status": ("tracker.cli.cmd_status", "Show a run's status timeline"),
    "run-json": ("tracker.cli.cmd_run_json", "Rebuild run.json for a run"),
    "estimate": ("tracker.cli.cmd_estimate", "Estimate the cost range of a workflow"),
    "workflows": ("tracker.cli.cmd_workflows", "List the built-in workflows"),
    "init": ("tracker.cli.cmd_init", "Copy a built-in workflow into the current directory"),
    "doctor": ("tracker.cli.cmd_doctor", "Check the environment and provider configuration"),
    "setup": ("tracker.cli.cmd_setup", "Configure provider API keys"),
    "version": ("tracker.cli.cmd_version", "Show the version and configured providers"),
    "update": ("tracker.cli.cmd_update", "Show or run the command that updates tracker"),
    "verify-tests": ("tracker.cli.cmd_verify_tests", "Check test files for duplicated test bodies"),
    "completion": ("tracker.cli.cmd_completion", "Print a shell completion script (bash, zsh, fish)"),
    "lsp": ("tracker.cli.cmd_lsp", "Start the Dippin language server on stdio"),
}


class CliParser(argparse.ArgumentParser):
    """argparse with the reference's error convention: one clear line, exit 1."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        sys.stderr.write(f"Error: {message}\n")
        raise SystemExit(1)


def make_parser(name: str, summary: str, examples: str = "") -> CliParser:
    return CliParser(
        prog=f"tracker {name}",
        description=summary,
        epilog=("examples:\n" + examples) if examples else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def usage() -> str:
    width = max(len(n) for n in COMMANDS)
    lines = [
        f"tracker {__version__} — author, check and run Dippin (.dip) pipelines",
        "",
        "usage: tracker [flags] WORKFLOW        run a workflow",
        "       tracker COMMAND [args]",
        "",
        "commands:",
    ]
    lines += [f"  {n.ljust(width)}  {summary}" for n, (_, summary) in COMMANDS.items()]
    lines += ["", "Run `tracker COMMAND --help` for the flags and examples of a command."]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        sys.stderr.write("Error: usage\n\n" + usage())
        return 1
    first = args[0]
    if first in ("-h", "--help", "help"):
        sys.stdout.write(usage())
        return 0
    if first == "--version":
        first, args = "version", ["version", *args[1:]]
    if first in COMMANDS:
        name, rest = first, args[1:]
    else:
        name, rest = "run", args
    module_name, summary = COMMANDS[name]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        sys.stderr.write(f"error: `tracker {name}` is not available in this build\n")
        return 1
    parser = make_parser(name, getattr(module, "SUMMARY", summary), getattr(module, "EXAMPLES", ""))
    module.add_arguments(parser)
    try:
        ns = parser.parse_args(rest)
        code: int = module.run(ns)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    except BrokenPipeError:
        return 0
    return code


def entry() -> None:
    raise SystemExit(main())


if __name__ == "__main__":
    entry()
