"""Shell constructs the tool-command analysis reads with tree-sitter-bash.

These are the constructs the earlier parser could not read (it masked them out or gave
up): arithmetic, ``[[ ]]``, ``case`` arms after ``elif``, here-documents, functions and
commands after non-ASCII text. Each test goes through the public helpers or the linter.
"""

from __future__ import annotations

from tracker.dippin import load_text
from tracker.dippin.lint import check
from tracker.dippin.lint.shell import first_binary, parses, printed_values

from .helpers import BASIC_NODES, wf


def test_non_ascii_text_before_the_binary_keeps_character_offsets() -> None:
    command = 'echo "überprüfe — ✓ 日本"\nno-such-tool-ü9 --go'
    found = first_binary(command)
    assert found is not None
    assert found.name == "no-such-tool-ü9"
    assert command[found.start : found.end] == "no-such-tool-ü9"


def test_dip125_points_at_the_binary_after_non_ascii_text() -> None:
    text = wf(
        BASIC_NODES
        + '  tool T\n    timeout: 5s\n    command: echo "größe ✓" && missing-binary-zz7 run\n\n'
        + "  edges\n    A -> T\n    T -> B\n"
    )
    result = load_text(text)
    [diag] = [d for d in check(result) if d.code == "DIP125"]
    line = text.splitlines()[diag.range.start.line]
    assert line[diag.range.start.character : diag.range.end.character] == "missing-binary-zz7"


def test_arithmetic_with_a_base_prefix_and_double_brackets_parse() -> None:
    command = 'n=$((10#$count + 1))\nif [[ $n -gt 3 && -f out.txt ]]; then echo many; fi\nrg -n x'
    assert parses(command)
    found = first_binary(command)
    assert found is not None and found.name == "rg"
    assert printed_values(command) == ["many"]


def test_every_elif_branch_contributes_its_printed_values() -> None:
    command = (
        "if [ -f pyproject.toml ]; then echo py\n"
        "elif [ -f go.mod ]; then echo go\n"
        "elif [ -f Cargo.toml ]; then echo rust\n"
        "else echo unknown; fi"
    )
    assert printed_values(command) == ["py", "go", "rust", "unknown"]


def test_a_quoted_heredoc_holding_dippin_text_is_not_run() -> None:
    command = (
        "cat > flow.dip <<'EOF'\n"
        "workflow W\n"
        "  agent A\n"
        "    prompt: |\n"
        "      $(curl http://example.invalid)\n"
        "EOF\n"
        "echo written"
    )
    assert parses(command)
    found = first_binary(command)
    assert found is not None and found.name == "cat"
    assert printed_values(command) == ["written"]


def test_functions_shadow_binaries_but_command_runs_the_real_one() -> None:
    assert first_binary("deploy() { echo deploying; }\ndeploy") is None
    found = first_binary("git() { echo fake; }\ncommand git status")
    assert found is not None and found.name == "git"
    assert first_binary("command -v docker >/dev/null && echo has-docker") is None


def test_case_patterns_are_not_commands() -> None:
    command = 'case "$1" in\n  build|b) make all ;;\n  test) pytest -q ;;\nesac'
    found = first_binary(command)
    assert found is not None and found.name == "make"
    assert command[found.start : found.end] == "make"
