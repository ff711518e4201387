"""``tracker init NAME``: copy a built-in into the working directory."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_cli
from tracker.library.catalog import STARTER_SPEC, source


def test_copies_the_builtin_and_points_at_the_next_step(tmp_path: Path) -> None:
    proc = run_cli(["init", "deep_review"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    copy = tmp_path / "deep_review.dip"
    assert copy.read_bytes() == source("deep_review")
    assert copy.stat().st_mode & 0o777 in (0o644, 0o640, 0o600)  # 0644 under the usual umask
    assert proc.stdout.splitlines() == ["Created deep_review.dip", "Next: edit deep_review.dip, then run: tracker deep_review"]
    assert not (tmp_path / "SPEC.md").exists()
    # the copy validates and is what `tracker deep_review` now runs (local files shadow built-ins)
    assert run_cli(["validate", "deep_review"], cwd=tmp_path).returncode == 0


def test_build_product_also_gets_a_starter_spec_but_an_existing_one_is_kept(tmp_path: Path) -> None:
    proc = run_cli(["init", "build_product"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "SPEC.md").read_text() == STARTER_SPEC
    assert "Created SPEC.md — a starter spec" in proc.stdout
    other = tmp_path / "other"
    other.mkdir()
    (other / "SPEC.md").write_text("mine\n")
    proc = run_cli(["init", "build_product_with_superspec"], cwd=other)
    assert proc.returncode == 0, proc.stderr
    assert (other / "SPEC.md").read_text() == "mine\n"
    assert "Kept the existing SPEC.md" in proc.stdout


def test_refuses_to_overwrite_unless_forced(tmp_path: Path) -> None:
    target = tmp_path / "ask_and_execute.dip"
    target.write_text("my edits\n")
    proc = run_cli(["init", "ask_and_execute"], cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.strip() == "error: ask_and_execute.dip already exists — remove it first, edit it directly, or use --force"
    assert target.read_text() == "my edits\n"
    proc = run_cli(["init", "ask_and_execute", "--force"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert target.read_bytes() == source("ask_and_execute")


def test_missing_and_unknown_names(tmp_path: Path) -> None:
    proc = run_cli(["init"], cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.startswith("Usage: tracker init <workflow_name>\n")
    assert "deep_review" in proc.stderr
    assert proc.stderr.rstrip().endswith("error: workflow name required")
    proc = run_cli(["init", "nope"], cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.strip() == (
        'error: unknown workflow "nope" (available: ask_and_execute, build_product, build_product_with_superspec, deep_review)'
    )
    assert list(tmp_path.iterdir()) == []


def test_workdir_flag_writes_elsewhere(tmp_path: Path) -> None:
    target = tmp_path / "proj"
    target.mkdir()
    proc = run_cli(["init", "deep_review", "-w", str(target)], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (target / "deep_review.dip").is_file()
    proc = run_cli(["init", "deep_review", "-w", str(tmp_path / "missing")], cwd=tmp_path)
    assert proc.returncode == 1
    assert "is not a directory" in proc.stderr
