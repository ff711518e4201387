"""``bash -n`` over many tool commands: batched where safe, exact where not."""

from __future__ import annotations

import itertools
import shutil

import pytest

from tracker.dippin.lint.bash_syntax import bash_syntax_error, bash_syntax_errors

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")

_fresh = itertools.count()


def unique(command: str) -> str:
    """The command with a trailing comment no other test uses (results are cached by text)."""
    return f"{command}\n# test {next(_fresh)}"


def test_one_broken_command_among_many_valid_ones_is_found_with_its_own_line() -> None:
    valid = [unique(f"echo step {i}\nif true; then echo ok; fi") for i in range(40)]
    broken = unique("echo before\nif true; then\n  echo never closed")
    results = bash_syntax_errors([*valid[:20], broken, *valid[20:]])
    assert all(results[c] is None for c in valid)
    problem = results[broken]
    assert problem is not None
    assert "syntax error" in problem.message
    assert problem.line == 5  # the line bash names when the command is checked alone


def test_commands_that_would_close_each_other_are_not_hidden_by_batching() -> None:
    opens = unique('echo "unterminated')
    closes = unique('echo done"')
    results = bash_syntax_errors([opens, closes, unique("true")])
    assert results[opens] is not None
    assert results[closes] is not None


def test_a_brace_that_would_end_the_wrapper_is_an_error_of_its_own() -> None:
    sneaky = unique("}\nx() {")
    results = bash_syntax_errors([sneaky, unique("echo a"), unique("echo b")])
    assert results[sneaky] is not None


def test_comment_only_and_case_heavy_commands_are_valid() -> None:
    comment = unique("# nothing to do")
    case = unique('case "$1" in\n  a|b) echo ab ;;\n  *) echo other ;;\nesac')
    heredoc = unique("cat <<'EOF'\n}\nfn() {\nEOF")
    results = bash_syntax_errors([comment, case, heredoc])
    assert results == {comment: None, case: None, heredoc: None}


def test_batched_results_equal_one_by_one_results() -> None:
    samples = [
        "echo ok",
        "for f in *; do echo $f; done",
        "if [ -f x ]; then echo y",
        "x=$(( 1 + ))",
        "echo $((10#$n + 1))",
        "while read -r l; do :; done < file",
        "f() { echo hi; }; f",
        "echo 'quote",
    ]
    batched = bash_syntax_errors([unique(s) + "\n# batch" for s in samples])
    alone = {s: bash_syntax_error(unique(s) + "\n# alone") for s in samples}
    assert [batched[unique_key] is None for unique_key in batched] == [alone[s] is None for s in samples]
