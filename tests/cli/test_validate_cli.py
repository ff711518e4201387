"""``tracker validate`` end to end: human and JSON output, exit codes, options, corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import corpus_files, run_cli

GOOD = (
    "workflow W\n  start: A\n  exit: B\n  defaults\n    on_failure: B\n\n"
    "  agent A\n    prompt: Plan.\n  agent B\n    prompt: Ship.\n\n  edges\n    A -> B\n"
)
BAD = GOOD.replace("    A -> B\n", "    A -> Bee\n    A -> B\n")
BEE_LINE = BAD.splitlines().index("    A -> Bee")  # zero-based

# Corpus files the structural rules reject, and why (see the report of issue 2):
# parser fixtures whose only node is both start and exit with a self-loop `A -> A`
# (DIP005 loop without restart, DIP006 exit with an outgoing edge), and the doctor
# fixtures that contain unreachable nodes on purpose (DIP004).
KNOWN_INVALID = {
    "dippin/doctor/testdata/severe.dip": {"DIP004"},
    "dippin/doctor/testdata/unhealthy.dip": {"DIP004"},
    "dippin/parser/testdata/all_comments.dip": {"DIP005", "DIP006"},
    "dippin/parser/testdata/defaults_budget.dip": {"DIP005", "DIP006"},
    "dippin/parser/testdata/defaults_complex.dip": {"DIP005", "DIP006"},
    "dippin/parser/testdata/defaults_tool_safety.dip": {"DIP005", "DIP006"},
    "dippin/parser/testdata/multiline_prompt.dip": {"DIP005", "DIP006"},
    "dippin/parser/testdata/retry_fields.dip": {"DIP005", "DIP006"},
    "dippin/parser/testdata/workflow_requires.dip": {"DIP005", "DIP006"},
}


def write(tmp_path: Path, text: str, name: str = "flow.dip") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_clean_file_is_reported_valid(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    proc = run_cli(["validate", str(path), "--no-env-checks"])
    assert proc.returncode == 0, proc.stderr
    assert f"✓ {path}: valid" in proc.stderr
    assert proc.stdout == ""


def test_errors_are_rendered_rustc_style_and_fail(tmp_path: Path) -> None:
    path = write(tmp_path, BAD)
    proc = run_cli(["validate", str(path), "--no-env-checks"])
    assert proc.returncode == 1
    lines = proc.stderr.splitlines()
    start = lines.index('error[DIP003]: edge references unknown target node "Bee"')
    number = str(BEE_LINE + 1)
    gutter = " " * len(number)
    assert lines[start + 1 : start + 7] == [
        f"  --> {path}:{number}:10",
        f"{gutter} |",
        f"{number} |     A -> Bee",
        f"{gutter} |          ^^^",
        '  = help: did you mean "B"?',
        '  = fix: Change target to "B"',
    ]
    assert lines[-1] == "1 error, 0 warnings in 1 file"
    assert "Traceback" not in proc.stderr


def test_json_output_is_one_array_with_lsp_ranges(tmp_path: Path) -> None:
    good = write(tmp_path, GOOD, "good.dip")
    bad = write(tmp_path, BAD, "bad.dip")
    proc = run_cli(["validate", str(good), str(bad), "--format", "json", "--no-env-checks"])
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert isinstance(data, list)
    bee = {"start": {"line": BEE_LINE, "character": 9}, "end": {"line": BEE_LINE, "character": 12}}
    [item] = [d for d in data if d["code"] == "DIP003"]
    assert item == {
        "code": "DIP003",
        "severity": "error",
        "message": 'edge references unknown target node "Bee"',
        "file": str(bad),
        "range": bee,
        "help": 'did you mean "B"?',
        "fix": {"title": 'Change target to "B"', "edits": [{"range": bee, "newText": "B"}]},
    }
    assert all(set(d) >= {"code", "severity", "message", "file", "range", "help", "fix"} for d in data)


def test_json_columns_count_utf16_code_units(tmp_path: Path) -> None:
    text = GOOD.replace("prompt: Plan.", "prompt: Plan «tout» 𝄞 ${foo}")
    path = write(tmp_path, text)
    proc = run_cli(["validate", str(path), "--format", "json", "--no-env-checks"])
    [item] = [d for d in json.loads(proc.stdout) if d["code"] == "DIP106"]
    number = next(i for i, line in enumerate(text.splitlines()) if "${foo}" in line)
    code_points = text.splitlines()[number].index("${foo}")
    assert item["range"]["start"] == {"line": number, "character": code_points + 1}  # 𝄞 is two UTF-16 units
    assert item["range"]["end"] == {"line": number, "character": code_points + 1 + len("${foo}")}


@pytest.mark.parametrize("arg", ["missing.dip", "no-such-workflow", "."])
def test_unreadable_or_unknown_argument_is_a_clear_error(arg: str, tmp_path: Path) -> None:
    proc = run_cli(["validate", arg], cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: ")
    assert "Traceback" not in proc.stderr


def test_bare_name_resolves_to_a_file_in_the_working_directory(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "pipeline.dip")
    proc = run_cli(["validate", "pipeline", "--no-env-checks"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "pipeline.dip: valid" in proc.stderr


def test_extra_models_are_accepted(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("prompt: Plan.", "provider: acme\n    model: rocket-1\n    prompt: Plan."))
    plain = json.loads(run_cli(["validate", str(path), "--format", "json", "--no-env-checks"]).stdout)
    assert [d["message"] for d in plain if d["code"] == "DIP108"] == ['node "A" uses unknown provider "acme"']
    proc = run_cli(["validate", str(path), "--format", "json", "--no-env-checks", "--extra-models", "acme:rocket-1,rocket-2"])
    assert [d for d in json.loads(proc.stdout) if d["code"] == "DIP108"] == []


def test_malformed_extra_models_is_a_usage_error(tmp_path: Path) -> None:
    proc = run_cli(["validate", str(write(tmp_path, GOOD)), "--extra-models", "acme"])
    assert proc.returncode == 1
    assert proc.stderr.startswith('error: invalid --extra-models entry "acme"')


def test_environment_checks_can_be_turned_off(tmp_path: Path) -> None:
    tool = "  tool T\n    timeout: 5s\n    command: no-such-binary-xyz --run\n"
    path = write(tmp_path, GOOD.replace("\n  edges\n    A -> B\n", "\n" + tool + "\n  edges\n    A -> T\n    T -> B\n"))
    with_env = json.loads(run_cli(["validate", str(path), "--format", "json"]).stdout)
    without = json.loads(run_cli(["validate", str(path), "--format", "json", "--no-env-checks"]).stdout)
    assert [d["severity"] for d in with_env if d["code"] == "DIP125"] == ["hint"]
    assert [d for d in without if d["code"] == "DIP125"] == []


def test_every_valid_corpus_file_passes(corpus: Path) -> None:
    files = [p for p in corpus_files() if p.relative_to(corpus).as_posix() not in KNOWN_INVALID]
    assert len(files) > 60
    proc = run_cli(["validate", "--no-env-checks", "--format", "json", *map(str, files)])
    errors = [d for d in json.loads(proc.stdout) if d["severity"] == "error"]
    assert errors == []
    assert proc.returncode == 0


def test_known_invalid_corpus_files_fail_for_the_documented_reasons(corpus: Path) -> None:
    for rel, codes in KNOWN_INVALID.items():
        proc = run_cli(["validate", "--no-env-checks", "--format", "json", str(corpus / rel)])
        assert proc.returncode == 1
        assert {d["code"] for d in json.loads(proc.stdout) if d["severity"] == "error"} == codes, rel
