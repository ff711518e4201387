"""Usage, help and flag errors of the ``tracker`` command itself."""

from __future__ import annotations

import pytest

from tests.conftest import run_cli
from tracker.cli.main import COMMANDS


def test_help_prints_every_command_to_stdout() -> None:
    for args in (["--help"], ["-h"], ["help"]):
        proc = run_cli(args)
        assert proc.returncode == 0 and proc.stderr == ""
        assert proc.stdout.startswith("tracker ")
        for name in COMMANDS:
            assert f"\n  {name} " in proc.stdout


def test_bare_tracker_is_a_usage_error_on_stderr() -> None:
    proc = run_cli([])
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.startswith("Error: usage\n\ntracker ")


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help_with_examples(name: str) -> None:
    proc = run_cli([name, "--help"])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"usage: tracker {name}")
    examples = proc.stdout.split("\nexamples:\n", 1)[1]
    assert f"tracker {name}" in examples or (name == "list" and "tracker list" in examples)
    same = run_cli(["help", name])
    assert same.stdout == proc.stdout


def test_unknown_flags_and_bad_values_get_one_error_line_then_the_usage() -> None:
    cases = {
        ("validate", "x.dip", "--bogus"): "Error: unrecognized arguments: --bogus",
        ("simulate", "x.dip", "--max-paths", "many"): "Error: argument --max-paths: invalid int value: 'many'",
        ("x.dip", "--backend", "cloud"): "Error: argument --backend: invalid choice: 'cloud' (choose from 'native', 'claude-code', 'acp')",
        ("doctor", "--git", "sometimes"): "Error: argument --git: invalid choice: 'sometimes' (choose from 'auto', 'off', 'warn', 'require', 'init')",
        ("status", "--json=maybe"): "Error: argument --json: ignored explicit argument 'maybe'",
    }
    for args, first_line in cases.items():
        proc = run_cli(list(args))
        assert proc.returncode == 1, args
        lines = proc.stderr.splitlines()
        assert lines[0] == first_line, args
        assert lines[1] == "" and lines[2].startswith("usage: tracker ")
        assert proc.stdout == ""


def test_unknown_help_topic() -> None:
    proc = run_cli(["help", "nope"])
    assert proc.returncode == 1
    assert proc.stderr.startswith('Error: unknown command "nope"')


def test_go_style_flags_are_accepted(tmp_path) -> None:  # type: ignore[no-untyped-def]
    single_dash = run_cli(["workflows", "-json"])
    assert single_dash.returncode == 0 and single_dash.stdout.startswith("[")
    off = run_cli(["workflows", "--json=false"])
    assert off.returncode == 0 and off.stdout.startswith("\nBuilt-in workflows:")
    on = run_cli(["estimate", "deep_review", "--json=true"])
    assert on.returncode == 0 and on.stdout.startswith("{")
    # an option's value is never rewritten
    value = run_cli(["init", "deep_review", "-w", str(tmp_path)])
    assert value.returncode == 0


def test_help_and_light_commands_import_nothing_heavy() -> None:
    """Cold start: `tracker --help`, `workflows`, `init` and `completion` load neither the
    language core nor rich, the engine or a provider SDK."""
    import subprocess
    import sys

    from tests.conftest import REPO

    heavy = ("lark", "rich", "tracker.dippin", "tracker.engine", "tracker.api", "anthropic", "openai", "asyncio")
    for args in (["--help"], ["workflows"], ["workflows", "--json"], ["completion", "bash"]):
        program = (
            "import sys, io, contextlib\n"
            "from tracker.cli.main import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    main({args!r})\n"
            f"print(sorted(m for m in {heavy!r} if m in sys.modules))"
        )
        done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, cwd=REPO, check=True)
        assert done.stdout.strip() == "[]", (args, done.stdout)
