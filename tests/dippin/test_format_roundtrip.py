"""Formatting every corpus file keeps its meaning and its comments, and is idempotent.

``assert_round_trip`` is the property every formatter test relies on; the other
``test_format*`` modules import it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import corpus_files
from tracker.dippin import parse_text
from tracker.dippin.diagnostics import Severity
from tracker.dippin.format import format_result, format_text
from tracker.dippin.ir import Workflow
from tracker.dippin.ir_data import to_data
from tracker.dippin.parser import ParseResult

_SPECIFICITY = {"universal": 0, "kind": 1, "class": 2, "id": 3}


def _condition_meaning(expr: Any) -> Any:
    """A condition tree without its spelling: ``&&``/``and``, quoting of values, spacing
    in ``in`` lists and the grouping of a chain of the same connective (``a and (b and
    c)`` is ``a and b and c``) do not change what it means."""
    kind = expr["type"]
    if kind == "compare":
        value = expr["value"]
        if expr["op"] == "in":
            value = [part.strip() for part in value.split(",") if part.strip()]
        return ["compare", expr["variable"], expr["op"], value, expr["negated"]]
    if kind == "not":
        return ["not", _condition_meaning(expr["inner"])]
    parts: list[Any] = []
    stack = [expr["right"], expr["left"]]
    while stack:
        node = stack.pop()
        if node["type"] == kind:
            stack += [node["right"], node["left"]]
        else:
            parts.append(_condition_meaning(node))
    return [kind, parts]


def _condition(data: Any) -> Any:
    if data is None:
        return None
    expr = data.get("expr")
    return {"meaning": _condition_meaning(expr) if expr else None, "error": data.get("error")}


def meaning(workflow: Workflow) -> dict[str, Any]:
    """The IR without positions and without purely presentational differences:

    * conditions compare by meaning (see :func:`_condition_meaning`); their raw text is
      re-spelled by the formatter (``&&`` becomes ``and``);
    * a var's ``source`` record says whether it was quoted or written as a block;
    * ``outcome_shorthand`` says an outcome test was spelled ``on <outcome>``; a later
      ``when`` on the same edge replaces the condition (DIP905) but leaves the flag set,
      so the flag only counts while the condition is still an outcome test;
    * stylesheet rules are listed in the formatter's canonical order (by specificity,
      then selector), which is the order the runtime applies them in anyway.
    """
    data: dict[str, Any] = to_data(workflow, positions=False)
    for node in data["nodes"]:
        for key in ("stop_condition", "steer_condition"):
            if key in node:
                node[key] = _condition(node[key])
    for edge in data["edges"]:
        edge["condition"] = _condition(edge["condition"])
        if edge["outcome_shorthand"]:
            meaning_ = (edge["condition"] or {}).get("meaning") or []
            edge["outcome_shorthand"] = (
                meaning_[:3] == ["compare", "ctx.outcome", "="] and not meaning_[4]
            )
    for var in data["vars"].values():
        var.pop("source", None)
    data["stylesheet"] = sorted(
        data["stylesheet"],
        key=lambda r: (_SPECIFICITY[r["selector"]["kind"]], r["selector"]["value"]),
    )
    return data


def comment_list(result: ParseResult) -> list[str]:
    return sorted(c.text for c in result.lexed.comments)


def comment_places(result: ParseResult) -> list[tuple[str, bool]]:
    return sorted((c.text, c.own_line) for c in result.lexed.comments)


def errors(result: ParseResult) -> list[str]:
    return [
        f"{d.code} {d.message} @{d.range.start.line + 1}"
        for d in result.diagnostics
        if d.severity is Severity.ERROR
    ]


def assert_round_trip(text: str) -> str:
    """Format ``text`` (which must parse cleanly) and check every formatter promise;
    returns the formatted text."""
    before = parse_text(text)
    assert not errors(before), errors(before)
    outcome = format_text(text)
    assert outcome.text is not None
    formatted = outcome.text
    assert outcome.changed == (formatted != text)
    after = parse_text(formatted)
    assert not errors(after), (errors(after), formatted)
    assert meaning(after.workflow) == meaning(before.workflow), formatted
    assert comment_list(after) == comment_list(before), formatted
    assert format_result(after) == formatted, "formatting is not idempotent"
    assert formatted.endswith("\n") and not formatted.endswith("\n\n")
    assert all(line == line.rstrip(" \t") for line in formatted.split("\n"))
    return formatted


CORPUS = corpus_files()


@pytest.mark.parametrize("path", CORPUS, ids=[str(p.relative_to(p.parents[2])) for p in CORPUS])
def test_corpus_file_round_trips(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    formatted = assert_round_trip(text)
    # Trailing comments stay trailing and whole-line comments stay whole-line.
    assert comment_places(parse_text(formatted)) == comment_places(parse_text(text))


def test_corpus_is_present(corpus: Path) -> None:
    assert len(list(corpus.glob("**/*.dip"))) >= 50


def test_build_product_formats_and_keeps_every_comment(corpus: Path) -> None:
    text = (corpus / "tracker/examples/build_product.dip").read_text(encoding="utf-8")
    before = parse_text(text)
    formatted = assert_round_trip(text)
    assert len(parse_text(formatted).lexed.comments) == len(before.lexed.comments) > 200
