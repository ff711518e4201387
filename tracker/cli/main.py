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
import re
import sys
from collections.abc import Sequence
from types import ModuleType
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
    """argparse with the reference's error convention (engine spec §8.6.1): the error on
    one line (``Error: <message>``), a blank line, the usage, exit status 1."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"Error: {message}\n\n{self.format_usage()}")
        sys.stderr.write(f"Run `{self.prog} --help` for the flags and examples.\n")
        raise SystemExit(1)


def make_parser(name: str, summary: str, examples: str = "") -> CliParser:
    return CliParser(
        prog=f"tracker {name}",
        description=summary,
        epilog=("examples:\n" + examples) if examples else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def command_parser(name: str) -> tuple[CliParser, ModuleType]:
    """The parser of subcommand ``name`` (flags added) and its module."""
    module_name, summary = COMMANDS[name]
    module = importlib.import_module(module_name)
    parser = make_parser(name, getattr(module, "SUMMARY", summary), getattr(module, "EXAMPLES", ""))
    module.add_arguments(parser)
    return parser, module


_GO_STYLE = re.compile(r"^-[A-Za-z][A-Za-z0-9-]+(=.*)?$")
_BOOL_WORDS = {"true": True, "1": True, "t": True, "false": False, "0": False, "f": False}


def go_style_flags(parser: argparse.ArgumentParser, args: list[str]) -> list[str]:
    """Accept the Go tool's flag spellings: ``-json`` for ``--json`` and ``--flag=false``
    (or ``=true``) for an on/off flag. Values of options are left alone."""
    options = {o: a for a in parser._actions for o in a.option_strings}
    out: list[str] = []
    expects_value = False
    for index, arg in enumerate(args):
        if arg == "--":
            out += args[index:]
            break
        if expects_value:
            out.append(arg)
            expects_value = False
            continue
        name, eq, value = arg.partition("=")
        if _GO_STYLE.match(arg) and name not in options and "-" + name in options:
            arg, name = "-" + arg, "-" + name
        action = options.get(name)
        if isinstance(action, argparse._StoreTrueAction) and eq and value.lower() in _BOOL_WORDS:
            if _BOOL_WORDS[value.lower()]:
                out.append(name)
            continue
        out.append(arg)
        expects_value = action is not None and not eq and action.nargs is None and action.const is None and action.option_strings != []
        if isinstance(action, (argparse._StoreTrueAction, argparse._StoreFalseAction, argparse._HelpAction, argparse._CountAction)):
            expects_value = False
    return out


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
    lines += [
        "",
        "Run `tracker COMMAND --help` (or `tracker help COMMAND`) for the flags and examples of a command.",
        "Exit codes: 0 success, 1 errors (bad flags, failed run or check), 2 warnings only (doctor)",
        "or a run that ended validation_overridden with --fail-on-override.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        sys.stderr.write("Error: usage\n\n" + usage())
        return 1
    first = args[0]
    if first in ("-h", "--help") or (first == "help" and len(args) == 1):
        sys.stdout.write(usage())
        return 0
    if first == "help":
        if args[1] not in COMMANDS:
            sys.stderr.write(f'Error: unknown command "{args[1]}"\n\n' + usage())
            return 1
        args = [args[1], "--help"]
        first = args[0]
    if first == "--version":
        first, args = "version", ["version", *args[1:]]
    if first in COMMANDS:
        name, rest = first, args[1:]
    else:
        name, rest = "run", args
    module_name = COMMANDS[name][0]
    try:
        parser, module = command_parser(name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        sys.stderr.write(f"error: `tracker {name}` is not available in this build\n")
        return 1
    try:
        ns = parser.parse_args(go_style_flags(parser, rest))
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
