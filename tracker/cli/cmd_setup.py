"""``tracker setup``: store provider API keys in the user config ``.env``.

Interactive on a terminal (pick providers, type each key hidden, optional base URL), or
scripted: ``--provider NAME`` with ``--key-env VAR`` (copy the key from an environment
variable) or ``--key-stdin`` (read it from standard input). The file is written
atomically with mode 0600 in a 0700 directory; keys are never printed, only masked.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

SUMMARY = "Configure provider API keys"
EXAMPLES = """\
  tracker setup                                          # interactive wizard
  tracker setup --provider anthropic --key-env ANTHROPIC_API_KEY
  printf %s "$KEY" | tracker setup --provider openai --key-stdin
  tracker setup --provider openai-compat --key-stdin --base-url https://gateway.example/v1
"""


class SetupError(Exception):
    pass


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from tracker.config.providers import PROVIDER_NAMES

    parser.add_argument("--provider", choices=PROVIDER_NAMES, help="the provider to configure (non-interactive)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--key-env", metavar="VAR", help="read the API key from this environment variable")
    source.add_argument("--key-stdin", action="store_true", help="read the API key from standard input")
    parser.add_argument("--base-url", metavar="URL", help="custom API base URL for the provider")
    parser.add_argument("--config-file", metavar="FILE", help="write to this .env instead of the user config file")


def _target(args: argparse.Namespace) -> Path:
    from tracker.config.paths import user_env_path

    return Path(args.config_file).expanduser() if args.config_file else user_env_path()


def _scripted(args: argparse.Namespace, target: Path) -> int:
    import os

    from tracker.config.dotenv import update_dotenv
    from tracker.config.providers import key_problem, mask, provider

    if not args.provider:
        raise SetupError("--key-env, --key-stdin and --base-url need --provider NAME")
    spec = provider(args.provider)
    updates: dict[str, str] = {}
    if args.key_env:
        key = os.environ.get(args.key_env, "").strip()
        if not key:
            raise SetupError(f"environment variable {args.key_env} is not set or empty")
        updates[spec.primary_key_var] = key
    elif args.key_stdin:
        key = sys.stdin.read().strip()
        if not key:
            raise SetupError("no key on standard input")
        if "\n" in key:
            raise SetupError("standard input holds more than one line; pass only the key")
        updates[spec.primary_key_var] = key
    if args.base_url:
        updates[spec.base_url_var] = args.base_url.strip()
    if not updates:
        raise SetupError("nothing to store: give --key-env VAR, --key-stdin or --base-url")
    key_value = updates.get(spec.primary_key_var)
    if key_value:
        problem = key_problem(spec, key_value)
        if problem:
            sys.stderr.write(f"warning: the {spec.display} key ({mask(key_value)}) {problem}\n")
    changed = update_dotenv(target, updates)
    _report(target, updates, changed, mask)
    return 0


def _report(target: Path, updates: dict[str, str], changed: list[str], mask: object) -> None:
    assert callable(mask)
    if not changed:
        print(f"{target}: already up to date")
        return
    for var in changed:
        shown = mask(updates[var]) if var.endswith("_API_KEY") else updates[var]
        print(f"saved {var} ({shown}) to {target}")


def _wizard(target: Path) -> int:
    from rich.console import Console
    from rich.prompt import Confirm, Prompt

    from tracker.config.dotenv import read_dotenv, update_dotenv
    from tracker.config.providers import PROVIDERS, find_key, key_problem, mask

    console = Console(highlight=False)
    existing = read_dotenv(target)
    console.print("[bold]tracker setup[/bold] — provider keys are stored in")
    console.print(f"  {target}  (mode 0600)\n")
    updates: dict[str, str] = {}
    for spec in PROVIDERS:
        current = find_key(spec, existing)
        state = f"configured, {mask(current[1])}" if current else "not configured"
        if not Confirm.ask(f"Configure {spec.display} ({state})?", default=current is not None, console=console):
            continue
        while True:
            key = Prompt.ask(
                f"  {spec.primary_key_var} (hidden; empty keeps the current value)",
                password=True,
                default="",
                show_default=False,
                console=console,
            ).strip()
            problem = key_problem(spec, key) if key else None
            if not problem:
                break
            console.print(f"  [yellow]⚠[/yellow] that key {problem}")
            if Confirm.ask("  Store it anyway?", default=False, console=console):
                break
        if key:
            updates[spec.primary_key_var] = key
        base = Prompt.ask(
            f"  {spec.base_url_var} (empty = default endpoint)",
            default=existing.get(spec.base_url_var, ""),
            console=console,
        ).strip()
        if base and base != existing.get(spec.base_url_var, ""):
            updates[spec.base_url_var] = base
    if not updates:
        console.print("\nNothing changed.")
        return 0
    changed = update_dotenv(target, updates)
    console.print()
    _report(target, updates, changed, mask)
    return 0


def run(args: argparse.Namespace) -> int:
    from tracker.config.dotenv import DotenvError

    target = _target(args)
    scripted = bool(args.provider or args.key_env or args.key_stdin or args.base_url)
    try:
        if scripted:
            return _scripted(args, target)
        if not sys.stdin.isatty():
            raise SetupError(
                "the setup wizard needs a terminal; for scripts use "
                "--provider NAME with --key-env VAR or --key-stdin"
            )
        return _wizard(target)
    except SetupError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    except DotenvError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    except OSError as exc:
        sys.stderr.write(f"error: cannot write {target}: {exc.strerror or exc}\n")
        return 1
    except (KeyboardInterrupt, EOFError):
        sys.stderr.write("\nsetup cancelled; nothing was written\n")
        return 1
