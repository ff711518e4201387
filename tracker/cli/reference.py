"""Generate ``docs/cli.md``, the CLI reference, from the command parsers.

``python -m tracker.cli.reference`` prints the Markdown; ``--write`` updates
``docs/cli.md``; ``--check`` exits 1 when the file is out of date. Help text is rendered
at a fixed width so the output does not depend on the terminal.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

WIDTH = 100
DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"

INTRO = """\
# CLI reference

Every `tracker` command with its flags and examples. This file is generated from the
command parsers by `python -m tracker.cli.reference --write`; do not edit it by hand
(a test fails when it is out of date).

Flags may come before or after positional arguments. The Go tool's spellings are accepted
too: `-json` means `--json`, and an on/off flag takes `--flag=false` or `--flag=true`.
"""

EXIT_CODES = """\
## Exit codes

| Code | Meaning |
|---|---|
| 0 | Success: the run succeeded (or ended `validation_overridden` without `--fail-on-override`), the check found no errors, the report was printed. |
| 1 | Errors: a bad flag or value (`Error: …` on stderr, then the usage), a file or run that cannot be found (`error: …`), validation errors, a failed, halted or paused run, failed doctor checks, duplicated tests. |
| 2 | `tracker doctor` found warnings but no failures; a run ended `validation_overridden` with `--fail-on-override` (or `TRACKER_FAIL_ON_OVERRIDE=1`). |
| 130 | Interrupted with Ctrl-C outside a run (a run cancelled with Ctrl-C ends `fail`, exit 1). |

Commands with a structured report take `--json` (validate and lint use `--format json`):
`run` (NDJSON events), `validate`, `lint`, `simulate`, `test`, `estimate`, `workflows`,
`list`, `audit`, `diagnose`, `status`, `run-json`, `doctor`, `version`, `update`,
`verify-tests`.
"""


def render() -> str:
    from tracker.cli.main import COMMANDS, command_parser, usage

    parts = [INTRO, "## Overview\n", "```text\n" + usage() + "```\n", EXIT_CODES]
    seen: set[str] = set()
    for name, (module_name, _) in COMMANDS.items():
        parser, module = command_parser(name)
        parser.formatter_class = lambda prog: argparse.RawDescriptionHelpFormatter(prog, width=WIDTH)
        heading = f"## tracker {name}\n"
        if module_name in seen and name == "audit":
            heading += "\n`tracker list` is `tracker audit` without a run ID.\n"
        seen.add(module_name)
        doc = (module.__doc__ or "").strip()
        body = doc.split("\n\n", 1)[1].strip() if "\n\n" in doc else ""
        parts.append(heading + ("\n" + body + "\n" if body else ""))
        parts.append("```text\n" + parser.format_help().rstrip() + "\n```\n")
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tracker.cli.reference", description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--write", action="store_true", help=f"write {DOC}")
    group.add_argument("--check", action="store_true", help=f"exit 1 when {DOC} is out of date")
    args = parser.parse_args(argv)
    text = render()
    if args.write:
        DOC.write_text(text, encoding="utf-8")
        return 0
    if args.check:
        current = DOC.read_text(encoding="utf-8") if DOC.is_file() else ""
        if current != text:
            sys.stderr.write(f"{DOC} is out of date; run `python -m tracker.cli.reference --write`\n")
            return 1
        return 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
