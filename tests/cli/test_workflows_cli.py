"""``tracker workflows``: the built-in catalogue as a table and as JSON."""

from __future__ import annotations

import json

from tests.conftest import run_cli

NAMES = ["ask_and_execute", "build_product", "build_product_with_superspec", "deep_review"]


def test_the_table_lists_every_builtin_with_requirements_and_hints() -> None:
    proc = run_cli(["workflows"])
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[:3] == ["", "Built-in workflows:", ""]
    header = lines[3]
    assert header.startswith("NAME") and "REQUIRES" in header and header.endswith("DESCRIPTION")
    rows = lines[4:8]
    assert [r.split()[0] for r in rows] == NAMES
    assert rows[0].startswith("ask_and_execute (AskAndExecute)")
    requires_column = header.index("REQUIRES")
    assert [r[requires_column:].split()[0] for r in rows] == ["git", "git", "git", "—"]
    assert all(len(r[header.index("DESCRIPTION") :]) <= 70 for r in rows)
    assert any(r.endswith("...") for r in rows)  # long goals are cut
    assert lines[-3:] == [
        "Run directly:  tracker <name>",
        "Copy to edit:  tracker init <name>",
        "Validate:      tracker validate <name>",
    ]


def test_json_has_name_display_name_goal_and_requires() -> None:
    proc = run_cli(["workflows", "--json"])
    assert proc.returncode == 0, proc.stderr
    entries = json.loads(proc.stdout)
    assert [e["name"] for e in entries] == NAMES
    assert set(entries[0]) == {"name", "display_name", "goal", "requires"}
    by_name = {e["name"]: e for e in entries}
    assert by_name["deep_review"]["display_name"] == "DeepReview"
    assert by_name["deep_review"]["requires"] == []
    assert by_name["build_product"]["requires"] == ["git"]
    assert "SPEC.md" in by_name["build_product"]["goal"] and '"' not in by_name["build_product"]["goal"]


def test_extra_arguments_are_a_flag_error() -> None:
    proc = run_cli(["workflows", "extra"])
    assert proc.returncode == 1
    assert proc.stderr.startswith("Error: unrecognized arguments: extra\n\nusage: tracker workflows")
