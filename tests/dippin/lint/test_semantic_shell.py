"""The shell helpers behind DIP123, DIP125 and tool coverage."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import corpus_files
from tracker.dippin.ir import ToolNode
from tracker.dippin.lint.bash_syntax import bash_syntax_error
from tracker.dippin.lint.shell import first_binary, parses, printed_values


@pytest.mark.parametrize(
    ("command", "binary"),
    [
        ("set -eu\nmkdir -p out\ngo test ./...", "go"),
        ("x=$(git rev-parse HEAD) && make", "git"),  # inside a substitution, in source order
        ("command -v jq >/dev/null || exit 1\ncommand npm ci", "npm"),  # -v is a lookup only
        ("case $x in\n  a) echo a;;\n  *) cargo build;;\nesac", "cargo"),
        ("echo $((1 + 2)); [[ -f x ]] && python3 -V", "python3"),
        ("cat <<'EOF' > notes\n$(rm -rf /)\nEOF\n", "cat"),  # here-document bodies are text
        ("f() { echo hi; }\nf", None),  # a function defined in the command body
        ("f() { helper; }\nf", "helper"),
        ("${params.tool} --version", None),  # unknown until the engine expands it
        (". ./env.sh\nrun-thing", None),  # sourced files make names unknowable
        ("echo hi; printf 'x'; true", None),
        ("FOO=1 BAR=2 ./scripts/build.sh --fast", "./scripts/build.sh"),
    ],
)
def test_first_binary(command: str, binary: str | None) -> None:
    found = first_binary(command)
    assert (found.name if found else None) == binary
    if found is not None:
        assert command[found.start : found.end] == found.name


@pytest.mark.parametrize(
    ("command", "values"),
    [
        ("echo 'pass'\necho \"fail\"\necho -n done", ["pass", "fail", "done"]),
        ("echo skipped > out.txt\necho kept 2>&1\necho piped | cat", ["kept"]),
        ("{ echo grouped; } >&2\nprintf '%s\\n' chosen", ["chosen"]),
        ("printf 'raw-format'\nprintf '%s' a b", ["raw-format"]),  # short formats are ignored
        ("printf '%s\\n' a b", ["%s\\n"]),  # a longer format is taken as printed (reference quirk)
        ("x=$(echo inner)\necho \"$x\" ${ctx.outcome} plain", ["plain"]),
        ("case $1 in\n  a) echo alpha ;;\n  b) echo beta ;;\nesac", ["alpha", "beta"]),
        ("if [ -f x ]; then echo yes; else echo no; fi", ["yes", "no"]),
        ("echo %s %d ok", ["ok"]),
        ("echo (", []),  # does not parse: nothing is known
    ],
)
def test_printed_values(command: str, values: list[str]) -> None:
    assert printed_values(command) == values


def test_bash_syntax_error_reports_the_last_line_and_its_number() -> None:
    problem = bash_syntax_error("if true; then\n  echo hi")
    assert problem is not None
    assert "syntax error" in problem.message
    assert problem.line == 3
    assert bash_syntax_error("if true; then\n  echo hi\nfi") is None


def test_every_corpus_tool_command_parses(corpus: Path) -> None:
    from tracker.dippin import load_file

    failures = []
    checked = 0
    for path in corpus_files():
        for node in load_file(path).workflow.nodes:
            if isinstance(node, ToolNode) and node.command:
                checked += 1
                if not parses(node.command):
                    failures.append(f"{path.name}:{node.id}")
    assert checked > 100
    assert failures == []


def test_unparsable_command_is_reported_as_such() -> None:
    assert parses("echo ok; case $x in a) echo a;; esac")
    assert not parses("echo (")
