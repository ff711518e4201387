"""The requirement-spec rules DIP801–DIP806 (``spec:``, ``satisfies``, ``verify_acid``)."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from tests.conftest import corpus_files
from tracker.dippin import load_file, load_text
from tracker.dippin.diagnostics import Diagnostic, Severity
from tracker.dippin.lint import check, rules
from tracker.dippin.lint.catalog import explain
from tracker.dippin.lint.spec_rules import is_acid

SPEC_CODES = ("DIP801", "DIP802", "DIP803", "DIP804", "DIP805", "DIP806")


def doc(text: str) -> str:
    return dedent(text).lstrip("\n")


def write(tmp_path: Path, text: str, name: str = "main.dip") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def found(path: Path, code: str) -> list[Diagnostic]:
    return [d for d in check(load_file(path)) if d.code == code]


def span(d: Diagnostic) -> tuple[int, int, int, int]:
    r = d.range
    return (r.start.line, r.start.character, r.end.line, r.end.character)


def at(text: str, needle: str, within: str = "", nth: int = 0) -> tuple[int, int, int, int]:
    """Zero-based (line, start, line, end) of the ``nth`` ``needle`` after ``within``."""
    offset = text.index(within) - 1 if within else -1
    for _ in range(nth + 1):
        offset = text.index(needle, offset + 1)
    line = text.count("\n", 0, offset)
    column = offset - (text.rfind("\n", 0, offset) + 1)
    return (line, column, line, column + len(needle))


SPEC_DOC = doc(
    """
    workflow W
      spec: acai features.yaml
      start: Auth
      exit: Done
      agent Auth
        prompt: implement auth
        satisfies: feat.AUTH.1, feat.AUTH.[2-4]
      tool Verify
        command: make verify
        timeout: 30s
        verify_acid: feat.AUTH.*
      agent Done
        label: Done
      edges
        Auth -> Verify
        Verify -> Done
    """
)


def test_spec_codes_are_documented() -> None:
    rules()  # loads every rule module, which registers its codes
    for code in SPEC_CODES:
        info = explain(code)
        assert info is not None and info.example and info.fixed and "snapshot code DIP1" in info.explanation


@pytest.mark.parametrize("code", ["DIP802", "DIP803", "DIP806"])
def test_catalogue_examples_show_the_problem_and_the_fix(code: str) -> None:
    rules()
    info = explain(code)
    assert info is not None
    assert code in [d.code for d in check(load_text(info.example))]
    assert [d.code for d in check(load_text(info.fixed)) if d.code in SPEC_CODES] == []


def test_clean_spec_document(tmp_path: Path) -> None:
    path = write(tmp_path, SPEC_DOC)
    assert [d for d in check(load_file(path)) if d.code in SPEC_CODES] == []


@pytest.mark.parametrize(
    "acid",
    ["feat.AUTH.1", "feat.AUTH.1-2", "feat.AUTH.*", "feat.AUTH.[1-3]", "my-feat_2.AUTH.LOGIN_V2.10"],
)
def test_well_formed_acids(acid: str) -> None:
    assert is_acid(acid)


@pytest.mark.parametrize(
    "acid",
    ["auth.1", "Feat.AUTH.1", "feat.auth.1", "feat.AUTH", "feat.AUTH.x", "feat.AUTH.1-", "feat.AUTH.[1]", "feat.AUTH.١"],
)
def test_malformed_acids(acid: str) -> None:
    assert not is_acid(acid)


def test_dip801_malformed_satisfies_entry_at_its_exact_range(tmp_path: Path) -> None:
    path = write(tmp_path, SPEC_DOC.replace("feat.AUTH.[2-4]", "auth.2"))
    (diag,) = found(path, "DIP801")
    assert diag.severity is Severity.ERROR
    assert span(diag) == at(path.read_text(), "auth.2", within="feat.AUTH.1")
    assert '"auth.2"' in diag.message and '"Auth"' in diag.message


def test_dip801_in_a_block_list(tmp_path: Path) -> None:
    text = SPEC_DOC.replace("satisfies: feat.AUTH.1, feat.AUTH.[2-4]", "satisfies:\n      - feat.AUTH.1\n      - AUTH-2")
    path = write(tmp_path, text)
    (diag,) = found(path, "DIP801")
    assert span(diag) == at(path.read_text(), "AUTH-2")


def test_dip801_exact_range_without_a_file() -> None:
    text = SPEC_DOC.replace("feat.AUTH.[2-4]", "auth.2")
    (diag,) = [d for d in check(load_text(text)) if d.code == "DIP801"]
    assert span(diag) == at(text, "auth.2", within="feat.AUTH.1")


def test_dip802_satisfies_without_spec(tmp_path: Path) -> None:
    path = write(tmp_path, SPEC_DOC.replace("  spec: acai features.yaml\n", "").replace("    verify_acid: feat.AUTH.*\n", ""))
    (diag,) = found(path, "DIP802")
    assert diag.severity is Severity.WARNING
    assert span(diag) == at(path.read_text(), "satisfies")
    assert found(write(tmp_path, SPEC_DOC, "ok.dip"), "DIP802") == []


def test_dip803_spec_without_satisfies_points_at_the_spec_line(tmp_path: Path) -> None:
    path = write(tmp_path, SPEC_DOC.replace("    satisfies: feat.AUTH.1, feat.AUTH.[2-4]\n", ""))
    (diag,) = found(path, "DIP803")
    assert diag.severity is Severity.WARNING
    assert span(diag) == at(path.read_text(), "spec: acai features.yaml")


def test_dip804_duplicate_acids(tmp_path: Path) -> None:
    text = SPEC_DOC.replace("    label: Done", "    label: Done\n    satisfies: feat.AUTH.1, feat.AUTH.9, feat.AUTH.9")
    path = write(tmp_path, text)
    diags = found(path, "DIP804")
    assert [d.severity for d in diags] == [Severity.WARNING, Severity.WARNING]
    assert span(diags[0]) == at(text, "feat.AUTH.1", within="label: Done")
    assert 'also on node "Auth"' in diags[0].message
    assert (diags[0].related[0].range.start.line, diags[0].related[0].range.start.character) == at(text, "feat.AUTH.1")[:2]
    assert span(diags[1]) == at(text, "feat.AUTH.9", nth=1)
    assert "earlier on this node" in diags[1].message


def test_dip805_malformed_verify_acid(tmp_path: Path) -> None:
    path = write(tmp_path, SPEC_DOC.replace("verify_acid: feat.AUTH.*", "verify_acid: feat.AUTH.*, AUTH"))
    (diag,) = found(path, "DIP805")
    assert diag.severity is Severity.ERROR
    assert span(diag) == at(path.read_text(), "AUTH", within=".*, ")


def test_dip806_verify_acid_without_spec(tmp_path: Path) -> None:
    path = write(tmp_path, SPEC_DOC.replace("  spec: acai features.yaml\n", "").replace("    satisfies: feat.AUTH.1, feat.AUTH.[2-4]\n", ""))
    (diag,) = found(path, "DIP806")
    assert diag.severity is Severity.WARNING
    assert span(diag) == at(path.read_text(), "verify_acid")
    assert found(path, "DIP802") == []


def test_corpus_spec_examples_are_clean(corpus: Path) -> None:
    paths = corpus_files()
    for path in paths:
        diags = [d for d in check(load_file(path)) if d.code in SPEC_CODES]
        assert diags == [], f"{path}: {[(d.code, d.message) for d in diags]}"
    assert any("satisfies" in p.read_text(encoding="utf-8") for p in paths)
