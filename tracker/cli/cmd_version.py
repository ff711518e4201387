"""``tracker version`` (also ``tracker --version``): the version, where it came from, and
which providers have a key (never the keys themselves).

Like a run, it reads the user config ``.env`` and ``./.env`` first, so the provider list
is what a run started here would see.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

SUMMARY = "Show the version and configured providers"
EXAMPLES = """\
  tracker version
  tracker --version
  tracker version --json
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-w", "--workdir", metavar="DIR", help="read DIR/.env instead of ./.env")
    parser.add_argument("--json", action="store_true", help="print the information as JSON")


def configured_providers() -> list[str]:
    import os

    from tracker.config.providers import PROVIDERS, find_key

    return [spec.name for spec in PROVIDERS if find_key(spec, os.environ) is not None]


def run(args: argparse.Namespace) -> int:
    from tracker.config import DotenvError, load_env_files
    from tracker.library.install import install_info

    workdir = Path(args.workdir).expanduser() if args.workdir else Path.cwd()
    try:
        load_env_files(workdir)
    except DotenvError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    info = install_info()
    providers = configured_providers()
    if args.json:
        data = {**info.to_dict(), "providers": providers}
        json.dump(data, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    lines = [f"tracker {info.version}"]
    if info.commit:
        lines.append(f"  commit:    {info.commit}")
    if info.built:
        lines.append(f"  built:     {info.built}")
    where = f" ({info.location})" if info.location else ""
    lines.append(f"  installed: {info.method}{where}")
    lines.append(f"  python:    {info.python}")
    shown = ", ".join(providers) if providers else "none (run `tracker setup`)"
    lines.append(f"  providers: {shown}")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0
