"""Run one command under the writable-paths jail (engine spec §5.7).

Usage: ``python -m tracker.agent.jail_exec -- ROOT GLOB... -- PROGRAM ARGS...``. Creates
each writable directory, applies the Landlock ruleset, then replaces itself with the
program. Exit codes: 2 bad arguments, 3 Landlock refused, 4 mkdir/lookup/exec failure.
Internal: the agent's ``bash`` tool starts it; users never call it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path


def main(argv: Sequence[str]) -> int:
    args = list(argv)
    if len(args) < 4 or args[0] != "--" or "--" not in args[1:]:
        sys.stderr.write("usage: python -m tracker.agent.jail_exec -- ROOT GLOB... -- PROGRAM ARGS...\n")
        return 2
    split = args.index("--", 1)
    root_and_globs, program = args[1:split], args[split + 1 :]
    if not root_and_globs or not program:
        sys.stderr.write("jail_exec: missing root or program\n")
        return 2
    from tracker.agent.jail import restrict_self, writable_dirs

    root = Path(root_and_globs[0])
    dirs = writable_dirs(root, root_and_globs[1:])
    try:
        for directory in dirs:
            directory.mkdir(parents=True, exist_ok=True, mode=0o755)
    except OSError as exc:
        sys.stderr.write(f"jail_exec: cannot create {exc.filename}: {exc.strerror}\n")
        return 4
    try:
        restrict_self(dirs)
    except OSError as exc:
        sys.stderr.write(f"jail_exec: landlock refused: {exc}\n")
        return 3
    try:
        os.chdir(root)
        os.execvp(program[0], program)
    except OSError as exc:
        sys.stderr.write(f"jail_exec: cannot run {program[0]}: {exc.strerror}\n")
        return 4
    return 4  # pragma: no cover - execvp does not return


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
