"""Reading and writing ``.env`` files."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tracker.config.dotenv import DotenvError, parse_dotenv, read_dotenv, update_dotenv


def test_parse_forms() -> None:
    text = "\n".join(
        [
            "# comment",
            "",
            "PLAIN=value",
            "export EXPORTED = spaced value   # trailing comment",
            "SINGLE='lit $HOME \\n'",
            'DOUBLE="a\\nb \\"q\\""',
            "EMPTY=",
            "HASH=abc#def",
        ]
    )
    assert parse_dotenv(text) == {
        "PLAIN": "value",
        "EXPORTED": "spaced value",
        "SINGLE": "lit $HOME \\n",
        "DOUBLE": 'a\nb "q"',
        "EMPTY": "",
        "HASH": "abc#def",
    }


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("GOOD=1\nnot a line", 2, 5, "expected '=' after not"),
        ("1BAD=x", 1, 1, "expected a variable name (letters, digits, _)"),
        ("A='open", 1, 3, "unterminated single-quoted value"),
        ('A="x" y', 1, 7, "unexpected text after the closing quote"),
        ("   =x", 1, 4, "expected a variable name (letters, digits, _)"),
    ],
)
def test_malformed_lines_report_file_line_and_column(text: str, line: int, column: int, message: str) -> None:
    with pytest.raises(DotenvError) as caught:
        parse_dotenv(text, "conf/.env")
    err = caught.value
    assert (err.line, err.column) == (line, column)
    assert str(err) == f"conf/.env:{line}:{column}: {message}"


def test_errors_never_contain_values() -> None:
    with pytest.raises(DotenvError) as caught:
        parse_dotenv('KEY="sk-secret-value')
    assert "sk-secret" not in str(caught.value)


def test_update_creates_private_files_and_keeps_other_lines(tmp_path: Path) -> None:
    target = tmp_path / "cfg" / "tracker" / ".env"
    assert update_dotenv(target, {"A_KEY": "one", "URL": "https://x.example/v1"}) == ["A_KEY", "URL"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700
    target.write_text("# keep me\nA_KEY=one\nOTHER='x y'\n")
    target.chmod(0o644)
    assert update_dotenv(target, {"A_KEY": "two words", "NEW": "n"}) == ["A_KEY", "NEW"]
    assert target.read_text() == '# keep me\nA_KEY="two words"\nOTHER=\'x y\'\nNEW=n\n'
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert read_dotenv(target) == {"A_KEY": "two words", "OTHER": "x y", "NEW": "n"}
    assert update_dotenv(target, {"NEW": "n"}) == []
    assert list(target.parent.glob(".env.*.tmp")) == []


def test_round_trip_of_awkward_values(tmp_path: Path) -> None:
    target = tmp_path / ".env"
    value = 'quote " back \\ dollar $X newline\nend'
    update_dotenv(target, {"K": value})
    assert read_dotenv(target) == {"K": value}
