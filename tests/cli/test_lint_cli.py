"""``tracker lint`` (diagnostics plus the doctor grade) and ``tracker explain``."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli

CLEAN = (
    "workflow W\n  start: A\n  exit: B\n  defaults\n    on_failure: B\n\n"
    "  agent A\n    prompt: Plan.\n  agent B\n    prompt: Ship.\n\n  edges\n    A -> B\n"
)


def test_grades_of_the_doctor_corpus_in_json(corpus: Path) -> None:
    folder = corpus / "dippin" / "doctor" / "testdata"
    names = ["healthy", "with_tools", "unhealthy", "severe"]
    proc = run_cli(["lint", "--format", "json", "--no-env-checks", *(str(folder / f"{n}.dip") for n in names)])
    assert proc.returncode == 1  # unhealthy and severe contain unreachable nodes (errors)
    data = json.loads(proc.stdout)
    assert [sorted(item) for item in data] == [["diagnostics", "file", "grade", "score"]] * 4
    assert [item["file"] for item in data] == [str(folder / f"{n}.dip") for n in names]
    assert [item["grade"] for item in data] == ["A", "A", "D", "F"]
    assert data[0]["score"] == 100 and data[0]["diagnostics"] == []
    assert {d["code"] for d in data[3]["diagnostics"] if d["severity"] == "error"} == {"DIP004"}


def test_clean_file_gets_grade_a_and_exit_zero(tmp_path: Path) -> None:
    path = tmp_path / "flow.dip"
    path.write_text(CLEAN, encoding="utf-8")
    proc = run_cli(["lint", str(path), "--no-env-checks"])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"{path}: grade: A (score 100)\n"


def test_warnings_lower_the_grade_without_failing(tmp_path: Path) -> None:
    text = CLEAN.replace("  agent B\n", "  tool T\n    command: echo ok\n  agent B\n").replace("    A -> B\n", "    A -> T\n    T -> B\n")
    path = tmp_path / "flow.dip"
    path.write_text(text, encoding="utf-8")
    proc = run_cli(["lint", str(path), "--no-env-checks"])
    assert proc.returncode == 0
    assert "warning[DIP111]: tool node \"T\" has no timeout configured" in proc.stderr
    first, *rest = proc.stdout.splitlines()
    assert first.startswith(f"{path}: grade: ") and "(score " in first
    assert "  - review lint warnings — run `tracker lint` for details" in rest


def test_unknown_file_is_an_error_line(tmp_path: Path) -> None:
    proc = run_cli(["lint", "nope.dip"], cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: cannot read nope.dip")
    assert "Traceback" not in proc.stderr


def test_explain_prints_the_catalogue_entry() -> None:
    proc = run_cli(["explain", "dip111"])
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert lines[0] == "DIP111 (warning): Tool without timeout"
    assert "Example:" in lines and "Fixed:" in lines
    assert lines[-1].startswith("How to fix: ")


def test_explain_unknown_code_fails() -> None:
    proc = run_cli(["explain", "DIP138"])
    assert proc.returncode == 1
    assert proc.stderr == 'error: unknown diagnostic code "DIP138" (codes look like DIP003 or TRK101)\n'
