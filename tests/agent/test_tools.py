"""The built-in agent tools through their public entry point, ``execute_tool``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tracker.agent.environment import LocalEnvironment
from tracker.agent.tools import (
    ApplyPatchTool,
    BashTool,
    EditTool,
    GlobTool,
    GrepSearchTool,
    ReadTool,
    ReportStatusTool,
    Tool,
    ToolContext,
    WriteTool,
    builtin_tools,
    execute_tool,
    truncate_output,
)


def ctx_for(root: Path, **options: object) -> ToolContext:
    return ToolContext(env=LocalEnvironment(root), **options)  # type: ignore[arg-type]


async def call(tool: Tool, root: Path, **arguments: object) -> tuple[str, bool]:
    outcome = await execute_tool(tool, json.dumps(arguments), ctx_for(root))
    return outcome.output, outcome.is_error


# ---------------------------------------------------------------------------- tool sets


def test_tool_sets_are_sorted_and_openai_has_no_edit() -> None:
    names = [t.name for t in builtin_tools("anthropic")]
    assert names == ["apply_patch", "bash", "edit", "glob", "grep_search", "read", "report_status", "write"]
    assert "edit" not in [t.name for t in builtin_tools("openai")]
    definition = ReadTool().definition()
    assert definition.parameters["required"] == ["path"]
    assert definition.parameters["properties"]["offset"]["type"] == "integer"


# ---------------------------------------------------------------------------- decoding


async def test_malformed_arguments_and_type_mismatch_fail_the_call(tmp_path: Path) -> None:
    outcome = await execute_tool(ReadTool(), "{not json", ctx_for(tmp_path))
    assert outcome.is_error and outcome.output.startswith("Tool error (read): invalid input:")
    output, error = await call(ReadTool(), tmp_path, path=42)
    assert error and "invalid input: path: expected a string" in output
    output, error = await call(ReadTool(), tmp_path)
    assert error and output == "Tool error (read): path is required"


async def test_unknown_members_are_ignored(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("hi")
    output, error = await call(ReadTool(), tmp_path, path="a.txt", colour="blue")
    assert (output, error) == ("hi", False)


# ---------------------------------------------------------------------------- paths


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        (ReadTool(), {"path": "../outside.txt"}),
        (WriteTool(), {"path": "sub/../../outside.txt", "content": "x"}),
        (EditTool(), {"path": "../outside.txt", "old_string": "", "new_string": "x"}),
        (GrepSearchTool(), {"pattern": "x", "path": ".."}),
    ],
)
async def test_paths_escaping_the_workdir_are_refused(tmp_path: Path, tool: Tool, arguments: dict[str, object]) -> None:
    root = tmp_path / "root"
    root.mkdir()
    output, error = await call(tool, root, **arguments)
    assert error
    assert "path escapes working directory" in output
    assert not (tmp_path / "outside.txt").exists()


async def test_absolute_paths_are_refused_with_a_relative_suggestion(tmp_path: Path) -> None:
    output, error = await call(WriteTool(), tmp_path, path=str(tmp_path / "notes.md"), content="x")
    assert error
    assert 'absolute paths not allowed' in output and 'like "notes.md"' in output


async def test_patch_escaping_the_workdir_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    patch = "*** Begin Patch\n*** Add File: ../evil.txt\n+boom\n*** End Patch"
    output, error = await call(ApplyPatchTool(), root, patch=patch)
    assert error and "path escapes working directory: ../evil.txt" in output
    assert not (tmp_path / "evil.txt").exists()


# ---------------------------------------------------------------------------- read


async def test_read_whole_file_and_windows(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("one\ntwo\nthree\nfour\n")
    assert await call(ReadTool(), tmp_path, path="f.txt") == ("one\ntwo\nthree\nfour\n", False)
    assert await call(ReadTool(), tmp_path, path="f.txt", offset=2, limit=2) == (
        "[showing lines 2-3 of 4]\ntwo\nthree",
        False,
    )
    output, error = await call(ReadTool(), tmp_path, path="f.txt", offset=9)
    assert error and "offset 9 is beyond end of file (4 lines)" in output
    output, error = await call(ReadTool(), tmp_path, path="f.txt", limit=-1)
    assert error and "limit must be >= 0, got -1" in output
    output, error = await call(ReadTool(), tmp_path, path="missing.txt")
    assert error and "no such file" in output


async def test_large_read_keeps_the_tail_after_a_marker(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text("a" * 60_000 + "END")
    output, error = await call(ReadTool(), tmp_path, path="big.txt")
    assert not error
    first, rest = output.split("\n", 1)
    assert first == "[... truncated 35003 characters ...]"
    assert len(rest) == 25_000 and rest.endswith("END")


def test_truncate_output_counts_dropped_bytes() -> None:
    assert truncate_output("short", 10) == "short"
    assert truncate_output("0123456789abcdef", 8) == "[... truncated 12 characters ...]\ncdef"


async def test_error_results_are_never_truncated(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("y" * 20_000 + "\n")
    old = "y" * 20_000 + "NOPE"
    output, error = await call(EditTool(), tmp_path, path="f.txt", old_string=old, new_string="z")
    assert error and "truncated" not in output
    assert len(output) > EditTool.output_limit // 2


# ---------------------------------------------------------------------------- write / edit


async def test_write_creates_parents_and_reports_bytes(tmp_path: Path) -> None:
    assert await call(WriteTool(), tmp_path, path="a/b/c.txt", content="héllo") == (
        "wrote 6 bytes to a/b/c.txt",
        False,
    )
    target = tmp_path / "a" / "b" / "c.txt"
    assert target.read_text() == "héllo"
    assert target.stat().st_mode & 0o777 == 0o644


async def test_edit_replaces_a_unique_match(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("x = 1\ny = 2\n")
    assert await call(EditTool(), tmp_path, path="m.py", old_string="y = 2", new_string="y = 3") == ("edited m.py", False)
    assert (tmp_path / "m.py").read_text() == "x = 1\ny = 3\n"


async def test_edit_with_a_non_unique_match_fails_and_changes_nothing(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("a = 1\na = 1\n")
    output, error = await call(EditTool(), tmp_path, path="m.py", old_string="a = 1", new_string="b")
    assert error
    assert output == "Tool error (edit): old_string found 2 times in m.py (must be unique)"
    assert (tmp_path / "m.py").read_text() == "a = 1\na = 1\n"


async def test_edit_without_a_match_shows_the_closest_lines(tmp_path: Path) -> None:
    lines = [f"line {i}" for i in range(1, 21)]
    lines[11] = "def compute(total):"
    (tmp_path / "m.py").write_text("\n".join(lines) + "\n")
    output, error = await call(
        EditTool(), tmp_path, path="m.py", old_string="def compute(total):\n    return 0", new_string="x"
    )
    assert error
    assert "old_string not found in m.py" in output
    assert "Closest content near expected location:" in output
    assert "  12: def compute(total):" in output
    assert "   7: line 7" in output and "  17: line 17" in output and "line 18" not in output
    assert "read tool" in output


async def test_edit_creates_a_new_file_but_not_over_an_existing_one(tmp_path: Path) -> None:
    assert await call(EditTool(), tmp_path, path="new.txt", old_string="", new_string="v1") == ("created new.txt", False)
    output, error = await call(EditTool(), tmp_path, path="new.txt", old_string="", new_string="v2")
    assert error and "old_string is empty but new.txt already exists" in output
    assert (tmp_path / "new.txt").read_text() == "v1"
    output, error = await call(EditTool(), tmp_path, path="absent.txt", old_string="a", new_string="b")
    assert error and output.startswith("Tool error (edit): cannot read file:")


# ---------------------------------------------------------------------------- apply_patch


async def test_patch_adds_updates_moves_and_deletes(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("def main():\n    print('old')\n    return 0\n")
    (tmp_path / "gone.txt").write_text("bye\n")
    patch = "\n".join(
        [
            "*** Begin Patch",
            "*** Add File: docs/notes.md",
            "+# Notes",
            "+first",
            "*** Update File: app.py",
            "*** Move to: src/main.py",
            "@@ def main():",
            " def main():",
            "-    print('old')",
            "+    print('new')",
            "*** Delete File: gone.txt",
            "*** End Patch",
        ]
    )
    assert await call(ApplyPatchTool(), tmp_path, patch=patch) == ("applied patch (3 file(s) changed)", False)
    assert (tmp_path / "docs/notes.md").read_text() == "# Notes\nfirst\n"
    assert (tmp_path / "src/main.py").read_text() == "def main():\n    print('new')\n    return 0\n"
    assert not (tmp_path / "app.py").exists()
    assert not (tmp_path / "gone.txt").exists()


async def test_patch_that_does_not_apply_fails_and_leaves_the_file(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("a\nb\nc\n")
    patch = "*** Begin Patch\n*** Update File: app.py\n@@\n-x\n+y\n*** End Patch"
    output, error = await call(ApplyPatchTool(), tmp_path, patch=patch)
    assert error
    assert output == "Tool error (apply_patch): update app.py: hunk did not match target content"
    assert (tmp_path / "app.py").read_text() == "a\nb\nc\n"


async def test_patch_failure_keeps_earlier_operations(tmp_path: Path) -> None:
    patch = "*** Begin Patch\n*** Add File: first.txt\n+ok\n*** Update File: missing.txt\n@@\n-a\n+b\n*** End Patch"
    output, error = await call(ApplyPatchTool(), tmp_path, patch=patch)
    assert error and "missing.txt" in output
    assert (tmp_path / "first.txt").read_text() == "ok\n"


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ("--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b", "patch must begin with *** Begin Patch"),
        ("*** Begin Patch\n*** Add File: a.txt\n+x", "patch is missing *** End Patch"),
        ("*** Begin Patch\n*** Add File: a.txt\nx\n*** End Patch", "add file lines must start with +"),
        ("*** Begin Patch\n*** Update File: a.txt\n*** End Patch", "update a.txt has no hunks"),
        ("*** Begin Patch\n*** Update File: a.txt\n-a\n*** End Patch", "expected hunk header"),
        ("*** Begin Patch\n*** Update File: a.txt\n@@\n a\n\n b\n*** End Patch", "empty patch line in hunk"),
        ("*** Begin Patch\n*** Update File: a.txt\n@@\n?a\n*** End Patch", "unsupported hunk line"),
    ],
)
async def test_malformed_patches_are_rejected(tmp_path: Path, patch: str, message: str) -> None:
    (tmp_path / "a.txt").write_text("a\nb\n")
    output, error = await call(ApplyPatchTool(), tmp_path, patch=patch)
    assert error and message in output


async def test_patch_end_of_file_marker_and_insert_only_hunk(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("alpha\nomega")
    patch = "*** Begin Patch\n*** Update File: a.txt\n@@\n-omega\n+OMEGA\n*** End of File\n@@\n+header\n*** End Patch"
    assert (await call(ApplyPatchTool(), tmp_path, patch=patch))[1] is False
    assert (tmp_path / "a.txt").read_text() == "header\nalpha\nOMEGA"


# ---------------------------------------------------------------------------- glob / grep


async def test_glob_is_single_level_and_matches_dotfiles(tmp_path: Path) -> None:
    (tmp_path / "src" / "pkg").mkdir(parents=True)
    for name in ("src/a.py", "src/.hidden.py", "src/pkg/b.py", "top.py"):
        (tmp_path / name).write_text("")
    assert await call(GlobTool(), tmp_path, pattern="src/*.py") == ("src/.hidden.py\nsrc/a.py", False)
    assert await call(GlobTool(), tmp_path, pattern="src/**/*.py") == ("src/pkg/b.py", False)
    assert await call(GlobTool(), tmp_path, pattern="*.rs") == ('no matches for pattern "*.rs"', False)
    assert await call(GlobTool(), tmp_path, pattern="../*") == ('no matches for pattern "../*"', False)
    output, error = await call(GlobTool(), tmp_path, pattern="src/[a.py")
    assert error and "syntax error in pattern" in output


async def test_grep_walks_in_order_with_context_and_skips(tmp_path: Path) -> None:
    (tmp_path / "b.txt").write_text("one\nneedle here\nthree\nfour\nfive\nneedle again\n")
    (tmp_path / "a.txt").write_text("needle first\n")
    for skipped in (".git/x.txt", "node_modules/y.txt", "pkg.egg-info/z.txt", "img.png"):
        path = tmp_path / skipped
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("needle\n")
    output, error = await call(GrepSearchTool(), tmp_path, pattern="needle", context_lines=1)
    assert not error
    assert output.split("\n") == [
        "a.txt:1:needle first",
        "b.txt-1-one",
        "b.txt:2:needle here",
        "b.txt-3-three",
        "--",
        "b.txt-5-five",
        "b.txt:6:needle again",
    ]


async def test_grep_caps_at_100_lines_and_counts_all_matches(tmp_path: Path) -> None:
    (tmp_path / "many.txt").write_text("hit\n" * 150)
    output, error = await call(GrepSearchTool(), tmp_path, pattern="hit", path="many.txt")
    assert not error
    lines = output.split("\n")
    assert len([line for line in lines if line.startswith("many.txt:")]) == 100
    assert lines[-1] == "(showing first 100 of 150 total matches — narrow your search pattern)"


async def test_grep_errors(tmp_path: Path) -> None:
    output, error = await call(GrepSearchTool(), tmp_path, pattern="(", path=".")
    assert error and "invalid regex" in output
    output, error = await call(GrepSearchTool(), tmp_path, pattern="x", path="nowhere")
    assert error and "path not found: nowhere" in output
    assert await call(GrepSearchTool(), tmp_path, pattern="zzz") == ('no matches for pattern "zzz"', False)


# ---------------------------------------------------------------------------- bash / status


async def test_bash_reports_stdout_stderr_and_exit_code(tmp_path: Path) -> None:
    output, error = await call(BashTool(), tmp_path, command="echo out; echo err >&2; exit 4")
    assert not error
    assert output == "out\n\nstderr: err\n\nexit code: 4"
    assert await call(BashTool(), tmp_path, command="true") == ("(no output)", False)
    assert await call(BashTool(), tmp_path, command="pwd") == (f"{tmp_path}\n", False)


async def test_bash_timeout_is_an_error_with_go_duration(tmp_path: Path) -> None:
    outcome = await execute_tool(BashTool(), json.dumps({"command": "sleep 5; echo late", "timeout": 0.3}), ctx_for(tmp_path))
    assert outcome.is_error
    assert outcome.output == "Tool error (bash): command timed out after 300ms"
    outcome = await execute_tool(
        BashTool(), json.dumps({"command": "sleep 5"}), ctx_for(tmp_path, command_timeout=1.0)
    )
    assert outcome.output == "Tool error (bash): command timed out after 1s"


async def test_bash_output_is_truncated_to_its_limit(tmp_path: Path) -> None:
    output, error = await call(BashTool(), tmp_path, command="head -c 40000 /dev/zero | tr '\\0' 'x'; echo TAIL")
    assert not error
    assert output.startswith("[... truncated ")
    assert output.endswith("TAIL\n")
    assert len(output.split("\n", 1)[1].encode()) == 15_000


async def test_bash_kills_background_children(tmp_path: Path) -> None:
    output, error = await call(BashTool(), tmp_path, command="(sleep 3; touch late.txt) & echo started")
    assert (output, error) == ("started\n", False)
    import asyncio

    await asyncio.sleep(3.5)
    assert not (tmp_path / "late.txt").exists()


async def test_report_status_calls_back_and_rejects_blank(tmp_path: Path) -> None:
    seen: list[str] = []
    context = ToolContext(env=LocalEnvironment(tmp_path), report_status=seen.append)
    outcome = await execute_tool(ReportStatusTool(), json.dumps({"status": "  halfway  "}), context)
    assert (outcome.output, seen) == ("status recorded", ["halfway"])
    outcome = await execute_tool(ReportStatusTool(), json.dumps({"status": " "}), context)
    assert outcome.is_error and "status must not be empty" in outcome.output


async def test_spawn_agent_delegates_to_the_runner(tmp_path: Path) -> None:
    from tracker.agent.tools import SpawnAgentTool

    calls: list[tuple[str, str, int]] = []

    async def runner(task: str, system_prompt: str, max_turns: int) -> str:
        calls.append((task, system_prompt, max_turns))
        if task == "explode":
            raise RuntimeError("child crashed")
        return "child answer"

    tool = SpawnAgentTool(runner)
    assert await call(tool, tmp_path, task="summarise README") == ("child answer", False)
    assert calls == [("summarise README", "", 10)]
    output, error = await call(tool, tmp_path, task="explode", max_turns=3)
    assert error and "helper agent failed: child crashed" in output
