"""``tracker verify-tests``: duplicated Go and pytest test bodies fail the gate."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import run_cli

GO_TESTS = """\
package calc

import "testing"

// TestAdd and TestAddTwo differ only in literal values.
func TestAdd(t *testing.T) {
	got := Add(1, 2)
	if got != 3 {
		t.Fatalf("got %d, want %d", got, 3)
	}
	t.Log("ok")
}

func TestAddTwo(t *testing.T) {
	got := Add(2, 2) /* a comment does not matter */
	if got != 4 {
		t.Fatalf("got %d, want %d", got, 4)
	}
	t.Log("fine")
}

func TestSub(t *testing.T) {
	got := Sub(3, 1)
	want := 2
	if got != want {
		t.Fatalf("got %d", got)
	}
}

func TestTiny(t *testing.T) { if Add(0, 0) != 0 { t.Fatal("zero") } }

func TestTinyCopy(t *testing.T) { if Add(0, 0) != 0 { t.Fatal("zero") } }
"""
PY_TESTS = '''\
import pytest


def test_parse():
    value = parse("1")
    doubled = value * 2
    assert doubled == 2


def test_parse_again():
    """Same body as test_parse, exactly."""
    value = parse("1")
    doubled = value * 2
    assert doubled == 2


def test_parse_with_fixture(tmp_path):
    value = parse("1")
    doubled = value * 2
    assert doubled == 2


class TestParser:
    def test_other(self):
        value = parse("7")
        doubled = value * 3
        assert doubled == 21
'''


def write(tmp_path: Path) -> Path:
    (tmp_path / "calc").mkdir()
    (tmp_path / "calc" / "calc_test.go").write_text(GO_TESTS)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_parse.py").write_text(PY_TESTS)
    hidden = tmp_path / ".ai" / "worktrees" / "copy"
    hidden.mkdir(parents=True)
    (hidden / "test_parse.py").write_text(PY_TESTS)  # hidden folders are not scanned
    return tmp_path


def test_duplicates_are_listed_on_stderr_with_locations(tmp_path: Path) -> None:
    write(tmp_path)
    proc = run_cli(["verify-tests"], cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        "duplicate tests (bodies identical apart from literal values):",
        "  TestAdd     (calc/calc_test.go:6)",
        "  TestAddTwo  (calc/calc_test.go:14)",
        "duplicate tests (identical bodies):",
        "  test_parse        (tests/test_parse.py:4)",
        "  test_parse_again  (tests/test_parse.py:10)",
        "error: 2 group(s) of duplicated test bodies under .",
    ]


def test_json_report(tmp_path: Path) -> None:
    write(tmp_path)
    proc = run_cli(["verify-tests", ".", "--json"], cwd=tmp_path)
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert data["ok"] is False
    assert data["files"] == 2 and data["tests"] == 9
    assert [g["kind"] for g in data["groups"]] == ["literals", "identical"]
    assert {t["language"] for t in data["groups"][0]["tests"]} == {"go"}


def test_clean_tree_passes_and_race_is_skipped_without_a_go_module(tmp_path: Path) -> None:
    (tmp_path / "test_ok.py").write_text(PY_TESTS.replace("def test_parse_again():", "def test_parse_again():\n    extra = 1"))
    proc = run_cli(["verify-tests", str(tmp_path), "--race"])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        f"✓ no duplicate test bodies found under {tmp_path} (4 tests in 1 files)",
        f"• race check skipped: no go.mod in {tmp_path} (the race check is for Go modules)",
    ]


@pytest.mark.skipif(shutil.which("go") is not None, reason="checks the message when Go is missing")
def test_race_needs_the_go_toolchain(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text("module example.com/calc\n\ngo 1.22\n")
    proc = run_cli(["verify-tests", str(tmp_path), "--race"], env={"PATH": "/nonexistent"})
    assert proc.returncode == 0, proc.stderr
    assert "• race check skipped: the go toolchain is not on PATH" in proc.stdout


def test_bad_input(tmp_path: Path) -> None:
    missing = run_cli(["verify-tests", "nowhere"], cwd=tmp_path)
    assert missing.returncode == 1
    assert missing.stderr.strip() == "error: nowhere: no such file or directory"
    extra = run_cli(["verify-tests", "a", "b"], cwd=tmp_path)
    assert extra.returncode == 1
    assert extra.stderr.startswith("Error: unrecognized arguments: b")
    (tmp_path / "test_broken.py").write_text("def test_x(:\n")
    broken = run_cli(["verify-tests"], cwd=tmp_path)
    assert broken.returncode == 0
    assert broken.stderr.startswith("warning: cannot read test_broken.py:")
