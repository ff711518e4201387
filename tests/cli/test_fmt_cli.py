"""``tracker fmt``: stdout, --write, --check, --diff and files with parse errors."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from tests.conftest import run_cli

MESSY = "workflow W\n  exit: A\n  start: A\n  agent A\n    prompt: Say hi   # greet\n    label: Hello\n  edges\n    A -> A  when ctx.x = 1 && ctx.y = 2  restart: true\n"
CANONICAL = (
    "workflow W\n  start: A\n  exit: A\n\n  agent A\n    label: Hello\n    prompt: # greet\n      Say hi\n\n"
    "  edges\n    A -> A  when ctx.x = 1 and ctx.y = 2  restart: true\n"
)
BROKEN = "workflow W\n  start: A\n  exit: A\n  agent A\n    bogus: 1\n"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_prints_the_formatted_text(tmp_path: Path) -> None:
    write(tmp_path / "w.dip", MESSY)
    result = run_cli(["fmt", "w.dip"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == CANONICAL
    assert (tmp_path / "w.dip").read_text(encoding="utf-8") == MESSY


def test_several_files_are_printed_under_headers(tmp_path: Path) -> None:
    write(tmp_path / "a.dip", MESSY)
    write(tmp_path / "b.dip", CANONICAL)
    result = run_cli(["fmt", "a.dip", "b.dip"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"==> a.dip <==\n{CANONICAL}==> b.dip <==\n{CANONICAL}"


def test_bare_name_resolves_to_the_file_in_the_working_directory(tmp_path: Path) -> None:
    write(tmp_path / "pipeline.dip", MESSY)
    result = run_cli(["fmt", "pipeline"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == CANONICAL


def test_write_rewrites_in_place_and_keeps_permissions(tmp_path: Path) -> None:
    path = write(tmp_path / "w.dip", MESSY)
    os.chmod(path, 0o640)
    result = run_cli(["fmt", "--write", "w.dip"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "formatted w.dip\n"
    assert path.read_text(encoding="utf-8") == CANONICAL
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.dip"]  # no temporary file left
    again = run_cli(["fmt", "--write", "w.dip"], cwd=tmp_path)
    assert again.returncode == 0 and again.stdout == ""


def test_check_reports_files_that_would_change(tmp_path: Path) -> None:
    write(tmp_path / "messy.dip", MESSY)
    write(tmp_path / "clean.dip", CANONICAL)
    result = run_cli(["fmt", "--check", "messy.dip", "clean.dip"], cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == "messy.dip: not canonically formatted\n"
    clean = run_cli(["fmt", "--check", "clean.dip"], cwd=tmp_path)
    assert clean.returncode == 0 and clean.stdout == ""
    assert (tmp_path / "messy.dip").read_text(encoding="utf-8") == MESSY


def test_diff_prints_a_unified_diff(tmp_path: Path) -> None:
    write(tmp_path / "w.dip", MESSY)
    result = run_cli(["fmt", "--diff", "w.dip"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:2] == ["--- a/w.dip", "+++ b/w.dip"]
    assert "+  start: A" in lines and "-  start: A" in lines
    assert "+    A -> A  when ctx.x = 1 and ctx.y = 2  restart: true" in lines
    with_check = run_cli(["fmt", "--check", "--diff", "w.dip"], cwd=tmp_path)
    assert with_check.returncode == 1
    assert with_check.stdout.endswith("w.dip: not canonically formatted\n")
    write(tmp_path / "clean.dip", CANONICAL)
    assert run_cli(["fmt", "--diff", "clean.dip"], cwd=tmp_path).stdout == ""


def test_parse_errors_are_reported_and_the_file_is_left_alone(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.dip", BROKEN)
    for flags in ([], ["--write"], ["--check"]):
        result = run_cli(["fmt", *flags, "bad.dip"], cwd=tmp_path)
        assert result.returncode == 1
        assert result.stdout == ""
        assert 'bad.dip:5:5: error[DIP901]: unknown agent field "bogus"' in result.stderr
        assert "Traceback" not in result.stderr
    assert path.read_text(encoding="utf-8") == BROKEN


def test_other_files_are_still_formatted_when_one_is_broken(tmp_path: Path) -> None:
    write(tmp_path / "bad.dip", BROKEN)
    good = write(tmp_path / "good.dip", MESSY)
    result = run_cli(["fmt", "--write", "bad.dip", "good.dip"], cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == "formatted good.dip\n"
    assert good.read_text(encoding="utf-8") == CANONICAL


def test_missing_file_and_conflicting_flags_are_errors(tmp_path: Path) -> None:
    missing = run_cli(["fmt", "nope.dip"], cwd=tmp_path)
    assert missing.returncode == 1
    assert "cannot read nope.dip" in missing.stderr
    write(tmp_path / "w.dip", MESSY)
    both = run_cli(["fmt", "--write", "--check", "w.dip"], cwd=tmp_path)
    assert both.returncode == 1
    assert "--write cannot be combined" in both.stderr
