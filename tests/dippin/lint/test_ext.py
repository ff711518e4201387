"""The Ext lint rules (DIP010, DIP139–DIP161) and the cross-file loader, through the public
API: documents are written to disk, loaded with ``load_file`` and checked with ``check``."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from textwrap import dedent

import pytest

from tests.conftest import CORPUS, corpus_files
from tracker.dippin import load_file, load_text
from tracker.dippin.conditions import to_text
from tracker.dippin.diagnostics import Diagnostic, Fix, Severity
from tracker.dippin.ir import AgentNode
from tracker.dippin.lint import LintContext, LintOptions, check, lint, rules
from tracker.dippin.lint.catalog import explain
from tracker.dippin.lint.crossfile import SubgraphLoader, child_refs
from tracker.dippin.lint.ext import deprecated_model
from tracker.dippin.lint.ext_text import list_item_ranges

EXT_CODES = ("DIP010", *(f"DIP{n}" for n in (139, 140, 141, 142, 143, 144, 145, 146, 148, 149, 150, 151, 153)),
             *(f"DIP{n}" for n in range(155, 162)))


# ---------------------------------------------------------------------------- helpers


def doc(text: str) -> str:
    return dedent(text).lstrip("\n")


def write(tmp_path: Path, text: str, name: str = "main.dip") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(doc(text), encoding="utf-8")
    return path


def found(path: Path, code: str, options: LintOptions | None = None) -> list[Diagnostic]:
    return [d for d in check(load_file(path), options) if d.code == code]


def span(d: Diagnostic) -> tuple[int, int, int, int]:
    r = d.range
    return (r.start.line, r.start.character, r.end.line, r.end.character)


def at(text: str, needle: str, nth: int = 0, within: str = "") -> tuple[int, int, int, int]:
    """Zero-based (line, start, line, end) of the ``nth`` occurrence of ``needle`` (searched
    inside the first occurrence of ``within`` when given)."""
    offset = text.index(within) - 1 if within else -1
    for _ in range(nth + 1):
        offset = text.index(needle, offset + 1)
    line = text.count("\n", 0, offset)
    column = offset - (text.rfind("\n", 0, offset) + 1)
    return (line, column, line, column + len(needle))


def apply_fix(text: str, fix: Fix | None) -> str:
    assert fix is not None
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)

    def offset(line: int, character: int) -> int:
        return min(starts[line] + character, len(text)) if line < len(starts) else len(text)

    edits = sorted(fix.edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True)
    for edit in edits:
        start = offset(edit.range.start.line, edit.range.start.character)
        end = offset(edit.range.end.line, edit.range.end.character)
        text = text[:start] + edit.new_text + text[end:]
    return text


def refix(tmp_path: Path, path: Path, diag: Diagnostic) -> tuple[str, Path]:
    """Apply ``diag``'s fix to the file and write the result next to it."""
    fixed = apply_fix(path.read_text(encoding="utf-8"), diag.fix)
    out = tmp_path / ("fixed_" + path.name)
    out.write_text(fixed, encoding="utf-8")
    return fixed, out


# ---------------------------------------------------------------------------- catalogue


def test_every_ext_code_is_documented_with_examples() -> None:
    rules()  # loads every rule module, which registers its codes
    for code in EXT_CODES:
        info = explain(code)
        assert info is not None, code
        assert info.origin == "ext"
        assert info.title and len(info.explanation) > 80 and info.example and info.fixed and info.fix, code


# ---------------------------------------------------------------------------- DIP010

DIP010_DOC = doc(
    """
    workflow W
      start: A
      exit: C
      agent A
        prompt: go
      agent B
        prompt: go
      agent C
        label: C
      edges
        A -> B  when ctx.x = 1 && !ctx.y = 2
        A -> C
        B -> C  when ctx.z = 1 || ctx.z = 2
        B -> C
    """
)


def test_dip010_flags_c_style_connectives_and_fixes_them_in_place(tmp_path: Path) -> None:
    path = write(tmp_path, DIP010_DOC)
    text = path.read_text()
    diags = found(path, "DIP010")
    assert [d.severity for d in diags] == [Severity.WARNING, Severity.WARNING]
    assert span(diags[0]) == at(text, "ctx.x = 1 && !ctx.y = 2")
    assert span(diags[1]) == at(text, "||")
    assert "`&&`" in diags[0].message and "`not`" in diags[0].message
    fixed = apply_fix(apply_fix(text, diags[1].fix), diags[0].fix)
    assert "when ctx.x = 1 and not ctx.y = 2" in fixed
    assert "when ctx.z = 1 or ctx.z = 2" in fixed
    before = [to_text(e.condition.expr) for e in load_text(text).workflow.edges if e.condition and e.condition.expr]
    after = [to_text(e.condition.expr) for e in load_text(fixed).workflow.edges if e.condition and e.condition.expr]
    assert before == after
    assert [d for d in check(load_text(fixed)) if d.code == "DIP010"] == []


def test_dip010_clean_with_word_connectives(tmp_path: Path) -> None:
    text = DIP010_DOC.replace("&& !", "and not ").replace("||", "or")
    assert found(write(tmp_path, text), "DIP010") == []


def test_dip010_fix_spaces_out_touching_connectives(tmp_path: Path) -> None:
    path = write(tmp_path, DIP010_DOC.replace("ctx.x = 1 && !ctx.y = 2", "ctx.x=1&&ctx.y=2"))
    (diag,) = [d for d in found(path, "DIP010") if "&&" in d.message]
    assert "when ctx.x=1 and ctx.y=2" in apply_fix(path.read_text(), diag.fix)


def test_dip010_checks_manager_loop_conditions(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        workflow W
          start: M
          exit: M
          manager_loop M
            subgraph_ref: child.dip
            stop_condition: stack.child.status = done || stack.child.cycles = 3
        """,
    )
    (diag,) = found(path, "DIP010")
    assert span(diag) == at(path.read_text(), "||")
    assert "stop_condition" in diag.message


# ---------------------------------------------------------------------------- DIP139 / DIP140

TOOLS_DOC = doc(
    """
    workflow W
      start: A
      exit: Done
      agent A
        prompt: go
        params:
          tool_access: none
      agent Done
        label: Done
      edges
        A -> Done
    """
)


def test_dip139_params_tool_access_fix_moves_it_to_the_typed_field(tmp_path: Path) -> None:
    path = write(tmp_path, TOOLS_DOC)
    text = path.read_text()
    (diag,) = found(path, "DIP139")
    assert diag.severity is Severity.WARNING
    assert span(diag) == at(text, "tool_access")
    fixed, fixed_path = refix(tmp_path, path, diag)
    assert "    prompt: go\n    tool_access: none\n  agent Done" in fixed
    node = load_file(fixed_path).workflow.node("A")
    assert isinstance(node, AgentNode) and node.tool_access == "none" and node.params == {}
    assert found(fixed_path, "DIP139") == []


def test_dip139_fix_keeps_other_params(tmp_path: Path) -> None:
    path = write(tmp_path, TOOLS_DOC.replace("      tool_access: none", "      max_cost_usd: 2\n      tool_access: none"))
    (diag,) = found(path, "DIP139")
    fixed, fixed_path = refix(tmp_path, path, diag)
    assert "    tool_access: none\n    params:\n      max_cost_usd: 2\n" in fixed
    node = load_file(fixed_path).workflow.node("A")
    assert isinstance(node, AgentNode) and node.tool_access == "none" and node.params == {"max_cost_usd": "2"}


def test_dip139_params_value_ignored_when_typed_field_is_set(tmp_path: Path) -> None:
    path = write(tmp_path, TOOLS_DOC.replace("    params:", "    tool_access: none\n    params:"))
    (diag,) = found(path, "DIP139")
    assert "ignored" in diag.message
    assert span(diag) == at(path.read_text(), "tool_access", 1)
    fixed, fixed_path = refix(tmp_path, path, diag)
    assert "params" not in fixed and found(fixed_path, "DIP139") == []


def test_dip139_unrecognised_value_fix_writes_none(tmp_path: Path) -> None:
    path = write(tmp_path, TOOLS_DOC.replace("    params:\n      tool_access: none", "    tool_access: read-only"))
    (diag,) = found(path, "DIP139")
    assert span(diag) == at(path.read_text(), "read-only")
    assert "removes every tool" in diag.message
    fixed, fixed_path = refix(tmp_path, path, diag)
    assert "tool_access: none" in fixed and found(fixed_path, "DIP139") == []


def test_dip139_clean_with_typed_none_in_any_case(tmp_path: Path) -> None:
    path = write(tmp_path, TOOLS_DOC.replace("    params:\n      tool_access: none", "    tool_access: NONE"))
    assert found(path, "DIP139") == []


def test_dip139_checks_parallel_branch_overrides(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        workflow W
          start: P
          exit: J
          parallel P
            branch: A
              tool_access: all
            branch: B
          agent A
            prompt: a
          agent B
            prompt: b
          fan_in J <- A, B
        """,
    )
    (diag,) = found(path, "DIP139")
    assert 'branch "A" of parallel "P"' in diag.message
    assert span(diag) == at(path.read_text(), "all", within="tool_access: all")


def test_dip139_without_the_document_text_still_reports_at_the_params_key() -> None:
    result = load_text(doc(TOOLS_DOC))
    (diag,) = [d for d in lint(result.workflow) if d.code == "DIP139"]
    assert span(diag) == at(doc(TOOLS_DOC), "params")
    assert diag.fix is None


def test_dip139_with_the_document_text_points_at_the_params_entry() -> None:
    result = load_text(doc(TOOLS_DOC))
    (diag,) = [d for d in check(result) if d.code == "DIP139"]
    assert span(diag) == at(doc(TOOLS_DOC), "tool_access", within="tool_access:")
    assert diag.fix is not None


def test_dip140_params_that_grant_tools_under_tool_access(tmp_path: Path) -> None:
    path = write(tmp_path, TOOLS_DOC.replace("    params:\n      tool_access: none", "    tool_access: none\n    params:\n      allowed_tools: Bash"))
    (diag,) = found(path, "DIP140")
    assert diag.severity is Severity.WARNING
    assert span(diag) == at(path.read_text(), "allowed_tools")
    fixed, fixed_path = refix(tmp_path, path, diag)
    assert "allowed_tools" not in fixed and "params" not in fixed
    assert found(fixed_path, "DIP140") == []


def test_dip140_clean_without_restriction(tmp_path: Path) -> None:
    path = write(tmp_path, TOOLS_DOC.replace("tool_access: none", "allowed_tools: Bash"))
    assert found(path, "DIP140") == []


# ---------------------------------------------------------------------------- DIP141 / DIP142

PATHS_DOC = doc(
    """
    workflow W
      start: A
      exit: Done
      agent A
        prompt: go
        writable_paths: out/**
      agent Done
        label: Done
      edges
        A -> Done
    """
)


def test_dip141_writable_paths_with_tool_access(tmp_path: Path) -> None:
    path = write(tmp_path, PATHS_DOC.replace("    writable_paths", "    tool_access: none\n    writable_paths"))
    (diag,) = found(path, "DIP141")
    assert diag.severity is Severity.WARNING
    assert span(diag) == at(path.read_text(), "writable_paths")


def test_dip141_writable_paths_on_a_backend_that_cannot_jail_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, PATHS_DOC.replace("    writable_paths", "    backend: claude-code\n    writable_paths"))
    (diag,) = found(path, "DIP141")
    assert diag.severity is Severity.ERROR
    assert "claude-code" in diag.message


def test_dip141_clean_on_a_native_agent_with_tools(tmp_path: Path) -> None:
    assert found(write(tmp_path, PATHS_DOC), "DIP141") == []


def test_dip142_reports_each_refused_entry_at_its_exact_range(tmp_path: Path) -> None:
    entries = "out/**, /etc/x, ~/y, ../z, docs/*.{md,txt}, a**/b, [ab.txt, C:\\temp"
    path = write(tmp_path, PATHS_DOC.replace("writable_paths: out/**", f"writable_paths: {entries}"))
    text = path.read_text()
    diags = found(path, "DIP142")
    assert all(d.severity is Severity.ERROR for d in diags)
    assert [span(d) for d in diags] == [
        at(text, "/etc/x"),
        at(text, "~/y"),
        at(text, "../z"),
        at(text, "docs/*.{md"),
        at(text, "txt}"),
        at(text, "a**/b"),
        at(text, "[ab.txt"),
        at(text, "C:\\temp"),
    ]
    assert "absolute" in diags[0].message and "`~`" in diags[1].message and "`..`" in diags[2].message
    assert "brace" in diags[3].message and "`**`" in diags[5].message and "`]`" in diags[6].message


def test_dip142_ranges_inside_a_quoted_or_block_list(tmp_path: Path) -> None:
    quoted = write(tmp_path, PATHS_DOC.replace("writable_paths: out/**", 'writable_paths: "ok/**, /abs"'), "q.dip")
    (diag,) = found(quoted, "DIP142")
    assert span(diag) == at(quoted.read_text(), "/abs")
    block = write(tmp_path, PATHS_DOC.replace("writable_paths: out/**", "writable_paths:\n      - ok/**\n      - ../up"), "b.dip")
    (diag,) = found(block, "DIP142")
    assert span(diag) == at(block.read_text(), "../up")


def test_dip142_empty_list(tmp_path: Path) -> None:
    path = write(tmp_path, PATHS_DOC.replace("writable_paths: out/**", "writable_paths:"))
    (diag,) = found(path, "DIP142")
    assert "empty" in diag.message and span(diag) == at(path.read_text(), "writable_paths")


def test_dip142_clean_for_workspace_globs(tmp_path: Path) -> None:
    entries = ".git/**, .ai/**, src/*.py, a/**/b, [ab].txt, notes/x?.md, **"
    path = write(tmp_path, PATHS_DOC.replace("writable_paths: out/**", f"writable_paths: {entries}"))
    assert found(path, "DIP142") == []


def test_list_item_ranges_recovered_from_the_text_when_not_recorded(tmp_path: Path) -> None:
    path = write(tmp_path, PATHS_DOC.replace("writable_paths: out/**", 'writable_paths: "ok/**,  /abs"'))
    result = load_file(path)
    node = result.workflow.node("A")
    assert isinstance(node, AgentNode)
    src = node.fields["writable_paths"]
    recorded = list(src.item_ranges)
    src.item_ranges = []
    ctx = LintContext(result.workflow, LintOptions(), str(path))
    assert list_item_ranges(ctx, src, node.writable_paths) == recorded
    path.write_text(path.read_text().replace("/abs", "/other"), encoding="utf-8")  # edited since parsing
    stale = LintContext(result.workflow, LintOptions(), str(path))
    assert list_item_ranges(stale, src, node.writable_paths) == [src.value_range, src.value_range]


# ---------------------------------------------------------------------------- cross-file

CHILD = doc(
    """
    workflow Child
      start: S
      exit: E
      agent S
        label: S
      agent E
        label: E
      edges
        S -> E
    """
)

PARENT = doc(
    """
    workflow Parent
      start: Start
      exit: Done
      agent Start
        label: Start
      subgraph Run
        ref: child.dip
      agent Done
        label: Done
      edges
        Start -> Run
        Run -> Done
    """
)


def test_dip143_child_with_syntax_errors(tmp_path: Path) -> None:
    child = write(tmp_path, CHILD.replace("start: S", 'start S\n  goal "x"'), "child.dip")
    path = write(tmp_path, PARENT)
    (diag,) = found(path, "DIP143")
    assert diag.severity is Severity.WARNING
    assert span(diag) == at(path.read_text(), "child.dip")
    assert "does not load" in diag.message
    assert diag.related and all(r.file == str(child) for r in diag.related)


def test_dip143_child_with_structural_errors(tmp_path: Path) -> None:
    write(tmp_path, CHILD.replace("  start: S\n", ""), "child.dip")
    (diag,) = found(write(tmp_path, PARENT), "DIP143")
    assert "DIP001" not in diag.message and "start" in diag.message


def test_dip143_self_reference_and_missing_ref(tmp_path: Path) -> None:
    text = PARENT.replace("ref: child.dip", "ref: main.dip") + "  subgraph Empty\n    label: E\n"
    path = write(tmp_path, text.replace("Run -> Done", "Run -> Empty\n    Empty -> Done"))
    diags = found(path, "DIP143")
    assert [span(d) for d in diags] == [at(path.read_text(), "main.dip"), at(path.read_text(), "Empty", within="subgraph Empty")]
    assert "declared in" in diags[0].message and "no ref" in diags[1].message


def test_dip143_clean_child_and_missing_file_left_to_dip126(tmp_path: Path) -> None:
    write(tmp_path, CHILD, "child.dip")
    assert found(write(tmp_path, PARENT), "DIP143") == []
    assert found(write(tmp_path, PARENT.replace("child.dip", "nowhere.dip"), "other.dip"), "DIP143") == []


def test_dip146_missing_grandchild(tmp_path: Path) -> None:
    mid = write(tmp_path, PARENT.replace("workflow Parent", "workflow Mid").replace("child.dip", "sub/missing.dip"), "mid.dip")
    path = write(tmp_path, PARENT.replace("child.dip", "mid.dip"))
    (diag,) = found(path, "DIP146")
    assert diag.severity is Severity.WARNING
    assert span(diag) == at(path.read_text(), "mid.dip")
    assert '"sub/missing.dip", which does not exist' in diag.message
    assert diag.related[0].file == str(mid)
    assert (diag.related[0].range.start.line, diag.related[0].range.start.character) == at(mid.read_text(), "sub/missing.dip")[:2]


def test_dip146_reference_cycle(tmp_path: Path) -> None:
    write(tmp_path, PARENT.replace("workflow Parent", "workflow A").replace("child.dip", "main.dip"), "a.dip")
    (diag,) = found(write(tmp_path, PARENT.replace("child.dip", "a.dip")), "DIP146")
    assert "closes the reference cycle main.dip → a.dip → main.dip" in diag.message


def test_dip146_broken_grandchild_and_clean_tree(tmp_path: Path) -> None:
    write(tmp_path, PARENT.replace("workflow Parent", "workflow Mid"), "mid.dip")
    write(tmp_path, CHILD.replace("agent S", "agent"), "child.dip")
    path = write(tmp_path, PARENT.replace("child.dip", "mid.dip"))
    (diag,) = found(path, "DIP146")
    assert '"child.dip", which does not load' in diag.message
    write(tmp_path, CHILD, "child.dip")
    assert found(path, "DIP146") == []


PARALLEL_PARENT = doc(
    """
    workflow Parent
      start: P
      exit: J
      parallel P -> One, Two
      subgraph One
        ref: child.dip
      subgraph Two
        ref: ./child
      fan_in J <- One, Two
    """
)


def test_dip149_same_child_in_two_parallel_branches(tmp_path: Path) -> None:
    write(tmp_path, CHILD, "child.dip")
    path = write(tmp_path, PARALLEL_PARENT)
    (diag,) = found(path, "DIP149")
    assert diag.severity is Severity.WARNING
    assert span(diag) == at(path.read_text(), "Two")
    assert diag.related[0].range.start.character == at(path.read_text(), "One")[1]


def test_dip149_clean_with_different_children(tmp_path: Path) -> None:
    write(tmp_path, CHILD, "child.dip")
    write(tmp_path, CHILD, "other.dip")
    assert found(write(tmp_path, PARALLEL_PARENT.replace("./child", "other.dip")), "DIP149") == []


CHILD_WITH_INPUT = CHILD.replace("  start: S\n", "  start: S\n  inputs\n    topic: text\n      required: true\n")


def test_dip160_unbound_required_child_input(tmp_path: Path) -> None:
    child = write(tmp_path, CHILD_WITH_INPUT, "child.dip")
    path = write(tmp_path, PARENT)
    (diag,) = found(path, "DIP160")
    assert diag.severity is Severity.ERROR
    assert span(diag) == at(path.read_text(), "child.dip")
    assert '"topic"' in diag.message and diag.related[0].file == str(child)
    other = write(tmp_path, PARENT.replace("ref: child.dip", "ref: child.dip\n    params:\n      other: x"), "other.dip")
    (diag,) = found(other, "DIP160")
    assert span(diag) == at(other.read_text(), "params")


def test_dip160_clean_when_bound_defaulted_or_not_a_value_input(tmp_path: Path) -> None:
    write(tmp_path, CHILD_WITH_INPUT, "child.dip")
    bound = write(tmp_path, PARENT.replace("ref: child.dip", "ref: child.dip\n    params:\n      topic: x"))
    assert found(bound, "DIP160") == []
    write(tmp_path, CHILD_WITH_INPUT.replace("required: true", "required: true\n      default: t"), "child.dip")
    assert found(write(tmp_path, PARENT), "DIP160") == []
    write(tmp_path, CHILD_WITH_INPUT.replace("topic: text", "topic: file"), "child.dip")
    assert found(write(tmp_path, PARENT), "DIP160") == []


def test_loader_resolves_like_the_runtime_and_reads_open_documents(tmp_path: Path) -> None:
    write(tmp_path, CHILD, "child.dip")
    loader = SubgraphLoader()
    referrer = tmp_path / "main.dip"
    assert loader.candidates("child", referrer)[:2] == [tmp_path / "child", tmp_path / "child.dip"]
    loaded = loader.load("child", referrer)
    assert loaded.path == tmp_path / "child.dip" and loaded.workflow is not None and loaded.workflow.name == "Child"
    assert loader.errors(loaded) == []
    assert loader.load("child", referrer).result is loaded.result  # cached
    missing = loader.load("nope.dip", referrer)
    assert missing.path is None and "no such file" in missing.problem
    assert loader.load("child.dip", None).path is None  # no directory to resolve against

    # An unsaved editor buffer wins over the file on disk.
    buffers = {tmp_path / "child.dip": doc(CHILD).replace("workflow Child", "workflow Edited")}

    def read(path: Path) -> str:
        if path in buffers:
            return buffers[path]
        return path.read_text(encoding="utf-8")

    edited = SubgraphLoader(read).load("child.dip", referrer)
    assert edited.workflow is not None and edited.workflow.name == "Edited"


def test_loader_walk_reports_cycles_without_following_them(tmp_path: Path) -> None:
    write(tmp_path, PARENT.replace("workflow Parent", "workflow A").replace("child.dip", "main.dip"), "a.dip")
    main = write(tmp_path, PARENT.replace("child.dip", "a.dip"))
    result = load_file(main)
    assert [r.ref for r in child_refs(result.workflow)] == ["a.dip"]
    steps = list(SubgraphLoader().walk(result.workflow, main))
    assert [(s.ref.ref, s.cycle, s.depth) for s in steps] == [("a.dip", False, 1), ("main.dip", True, 2)]


def test_cross_file_rules_use_the_read_file_option(tmp_path: Path) -> None:
    path = write(tmp_path, PARENT)
    text = path.read_text()
    buffers = {tmp_path / "child.dip": doc(CHILD).replace("start: S", "start S")}

    def read(p: Path) -> str:
        if p in buffers:
            return buffers[p]
        if p == path:
            return text
        raise FileNotFoundError(p)

    (diag,) = found(path, "DIP143", LintOptions(read_file=read))
    assert "does not load" in diag.message


# ---------------------------------------------------------------------------- DIP144

FAIL_DOC = doc(
    """
    workflow W
      start: Start
      exit: Done
      agent Start
        label: Start
      agent Build
        prompt: build it
      agent Fix
        prompt: fix it
      agent Done
        label: Done
      edges
        Start -> Build
        Build -> Done
        Fix -> Done
    """
)


def test_dip144_agent_whose_failure_stops_the_run(tmp_path: Path) -> None:
    path = write(tmp_path, FAIL_DOC)
    diags = found(path, "DIP144")
    assert [span(d) for d in diags] == [at(path.read_text(), "Build"), at(path.read_text(), "Fix")]
    assert all(d.severity is Severity.WARNING for d in diags)


@pytest.mark.parametrize(
    "change",
    [
        ("  agent Start", "  defaults\n    on_failure: Fix\n  agent Start"),
        ("    prompt: build it", "    prompt: build it\n    fallback_target: Fix"),
        ("    Build -> Done", "    Build -> Done  on success\n    Build -> Fix  on fail"),
        ("    Build -> Done", "    Build -> Done  when ctx.outcome = success\n    Build -> Fix"),
        ("    Build -> Done", "    Build -> Done  when ctx.verdict = ok\n    Build -> Fix  when ctx.verdict = bad"),
        ("    Build -> Done", "    Build -> Done  when ctx.outcome != success"),
    ],
)
def test_dip144_clean_with_a_failure_route(tmp_path: Path, change: tuple[str, str]) -> None:
    path = write(tmp_path, FAIL_DOC.replace(*change))
    assert [d for d in found(path, "DIP144") if '"Build"' in d.message] == []


def test_dip144_conditions_that_never_hold_on_failure(tmp_path: Path) -> None:
    text = FAIL_DOC.replace("    prompt: build it", "    prompt: build it\n    fallback_target: Fix")
    text = text.replace("    Build -> Done", "    Build -> Done  on success\n    Build -> Fix  when ctx.outcome = failure")
    path = write(tmp_path, text)
    (diag,) = [d for d in found(path, "DIP144") if '"Build"' in d.message]
    assert "not used" in diag.message and "`failure`" in diag.help
    assert len(diag.related) == 2


def test_dip144_skips_branches_exit_and_passthrough_start(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        workflow W
          start: Start
          exit: Done
          agent Start
            label: Start
          parallel P -> A, B
          agent A
            prompt: a
          agent B
            prompt: b
          fan_in J <- A, B
          agent Done
            prompt: summarise
          edges
            Start -> P
            J -> Done
        """,
    )
    assert found(path, "DIP144") == []


# ---------------------------------------------------------------------------- DIP145 / DIP148


def test_dip145_negative_budgets(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        workflow W
          start: A
          exit: A
          defaults
            max_cost_cents: -5
            stall_timeout: -30s
            max_total_tokens: 1000
          agent A
            label: A
        """,
    )
    diags = found(path, "DIP145")
    assert [span(d) for d in diags] == [at(path.read_text(), "-5"), at(path.read_text(), "-30s")]
    assert "-30s" in diags[1].message and diags[0].severity is Severity.WARNING


def test_dip148_negative_truncation_on_agents_and_branches(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        workflow W
          start: P
          exit: J
          parallel P
            branch: A
              last_response_truncate: -2
            branch: B
              last_response_truncate: 100
          agent A
            prompt: a
            last_response_truncate: -1
          agent B
            prompt: b
          fan_in J <- A, B
        """,
    )
    diags = found(path, "DIP148")
    assert [span(d) for d in diags] == [at(path.read_text(), "-2"), at(path.read_text(), "-1")]
    assert all(d.severity is Severity.WARNING for d in diags)
    assert 'branch "A" of parallel "P"' in diags[0].message and 'agent "A"' in diags[1].message


# ---------------------------------------------------------------------------- DIP150

GATE_DOC = doc(
    """
    workflow W
      start: Ask
      exit: Done
      human Ask
        label: Ask
      agent Ship
        prompt: ship
      agent Done
        label: Done
      edges
        Ask -> Ship  label: "Looks good"
        Ask -> Done  label: stop
        Ship -> Done
    """
)


def test_dip150_label_routed_gate_edges_get_a_choice_key(tmp_path: Path) -> None:
    path = write(tmp_path, GATE_DOC)
    diags = found(path, "DIP150")
    assert [d.severity for d in diags] == [Severity.HINT, Severity.HINT]
    assert span(diags[0]) == at(path.read_text(), 'label: "Looks good"')
    fixed, fixed_path = refix(tmp_path, path, diags[0])
    assert 'label: "Looks good"  choice: "Looks good"' in fixed
    before = [e.routing_key for e in load_file(path).workflow.edges]
    assert [e.routing_key for e in load_file(fixed_path).workflow.edges] == before
    assert len(found(fixed_path, "DIP150")) == 1


def test_dip150_clean_for_freeform_gates_and_edges_with_choice(tmp_path: Path) -> None:
    assert found(write(tmp_path, GATE_DOC.replace("    label: Ask", "    mode: freeform")), "DIP150") == []
    text = GATE_DOC.replace('"Looks good"', '"Looks good"  choice: ok').replace("label: stop", "label: stop  choice: stop")
    assert found(write(tmp_path, text, "c.dip"), "DIP150") == []


# ---------------------------------------------------------------------------- DIP151

WEIGHT_DOC = doc(
    """
    workflow W
      start: A
      exit: C
      agent A
        prompt: a
      agent B
        prompt: b
      agent C
        label: C
      edges
        A -> B  when ctx.outcome = success  weight: 2
        A -> C
        B -> C  weight: 5
    """
)


def test_dip151_weights_routing_never_reads(tmp_path: Path) -> None:
    path = write(tmp_path, WEIGHT_DOC)
    text = path.read_text()
    diags = found(path, "DIP151")
    assert [span(d) for d in diags] == [at(text, "weight: 2"), at(text, "weight: 5")]
    assert "conditional" in diags[0].message and "only unconditional" in diags[1].message
    assert diags[0].unnecessary
    fixed = apply_fix(text, diags[0].fix)
    assert "    A -> B  when ctx.outcome = success\n" in fixed


def test_dip151_clean_when_weight_orders_unconditional_edges(tmp_path: Path) -> None:
    text = WEIGHT_DOC.replace("    B -> C  weight: 5", "    B -> C  weight: 5\n    B -> A  weight: 1  restart: true")
    text = text.replace("  weight: 2", "")
    assert found(write(tmp_path, text), "DIP151") == []


# ---------------------------------------------------------------------------- DIP153

FORK_DOC = doc(
    """
    workflow W
      start: P
      exit: Done
      parallel P -> A, B
      agent A
        prompt: a
      agent B
        prompt: b
      fan_in J <- A, B
      agent Done
        label: Done
      edges
        P -> A
        B -> J
        P -> B  label: second
        J -> Done
    """
)


def test_dip153_edges_repeating_fork_and_join(tmp_path: Path) -> None:
    path = write(tmp_path, FORK_DOC)
    text = path.read_text()
    diags = found(path, "DIP153")
    assert [span(d) for d in diags] == [at(text, "P -> A", within="edges"), at(text, "B -> J")]
    assert diags[0].severity is Severity.WARNING and diags[0].unnecessary
    fixed = apply_fix(text, diags[0].fix)
    assert "    P -> A\n" not in fixed and "    B -> J\n" in fixed


def test_dip153_clean_for_attributed_edges(tmp_path: Path) -> None:
    text = FORK_DOC.replace("    P -> A\n    B -> J\n", "")
    assert found(write(tmp_path, text), "DIP153") == []


# ---------------------------------------------------------------------------- inputs

INPUTS_DOC = doc(
    """
    workflow W
      start: A
      exit: A
      inputs
        idea: text
          required: true
      agent A
        prompt: Build ${inputs.idea}
    """
)


def test_dip155_unknown_input_type(tmp_path: Path) -> None:
    path = write(tmp_path, INPUTS_DOC.replace("idea: text", "idea: txt"))
    (diag,) = found(path, "DIP155")
    assert diag.severity is Severity.ERROR
    assert span(diag) == at(path.read_text(), "txt")
    assert "did you mean `text`" in diag.help
    assert found(write(tmp_path, INPUTS_DOC, "ok.dip"), "DIP155") == []


def test_dip156_reference_to_an_undeclared_input(tmp_path: Path) -> None:
    text = INPUTS_DOC.replace("${inputs.idea}", "${inputs.idae}") + "  edges\n    A -> A  when inputs.ide = x  restart: true\n"
    path = write(tmp_path, text)
    diags = found(path, "DIP156")
    assert [d.severity for d in diags] == [Severity.ERROR, Severity.ERROR]
    assert [span(d) for d in diags] == [at(path.read_text(), "${inputs.idae}"), at(path.read_text(), "inputs.ide")]
    assert "did you mean `idea`" in diags[0].help
    assert found(write(tmp_path, INPUTS_DOC, "ok.dip"), "DIP156") == []


def test_dip157_inputs_in_a_tool_command(tmp_path: Path) -> None:
    text = INPUTS_DOC + "  tool T\n    command: echo ${inputs.idea} ${inputs.token}\n  edges\n    A -> T\n"
    text = text.replace("exit: A", "exit: T").replace("      required: true\n", "      required: true\n    token: secret\n")
    path = write(tmp_path, text)
    diags = found(path, "DIP157")
    assert [span(d) for d in diags] == [at(path.read_text(), "${inputs.idea}", 1), at(path.read_text(), "${inputs.token}")]
    assert all(d.severity is Severity.ERROR for d in diags)
    assert ".tracker/inputs/token" in diags[1].help
    assert found(path, "DIP156") == []
    assert found(write(tmp_path, INPUTS_DOC, "ok.dip"), "DIP157") == []


@pytest.mark.parametrize(
    ("declaration", "needle", "words"),
    [
        ("risk: enum\n      options: low, high\n      default: medium", "medium", "not one of the options"),
        ("risk: enum\n      default: low", "enum", "needs `options`"),
        ("n: number\n      min: 5\n      max: 1", "min: 5", "greater than max"),
        ("n: number\n      default: lots", "lots", "not a number"),
        ("n: number\n      max: 3\n      default: 4", "4", "above max"),
        ("flag: bool\n      default: maybe", "maybe", "not a boolean"),
        ("name: text\n      pattern: ([a-z]", "([a-z]", "not a valid regular expression"),
        ("name: text\n      pattern: ^[a-z]+$\n      default: ABC", "ABC", "does not match"),
        ("name: text\n      max_length: 2\n      default: abc", "abc", "max_length 2"),
        ("name: text\n      max_length: -1", "-1", "negative"),
        ("name: text\n      options: a, b", "options", "does not apply to a text input"),
        ("n: number\n      pattern: x", "pattern", "does not apply to a number input"),
    ],
)
def test_dip158_invalid_declarations(tmp_path: Path, declaration: str, needle: str, words: str) -> None:
    text = INPUTS_DOC.replace("idea: text\n      required: true", "idea: text\n    " + declaration)
    path = write(tmp_path, text)
    (diag,) = found(path, "DIP158")
    assert diag.severity is Severity.ERROR
    assert words in diag.message
    target = needle.removeprefix("min: ")
    assert span(diag) == at(path.read_text(), target, within=needle if target != needle else "inputs")


def test_dip158_duplicate_input_and_clean_declarations(tmp_path: Path) -> None:
    dup = write(tmp_path, INPUTS_DOC.replace("      required: true\n", "      required: true\n    idea: text\n"))
    (diag,) = found(dup, "DIP158")
    assert "declared twice" in diag.message and span(diag) == at(dup.read_text(), "idea", 1)
    clean = INPUTS_DOC.replace(
        "      required: true\n",
        "      required: true\n      pattern: ^[a-z ]+$\n      max_length: 40\n"
        "    risk: enum\n      options: low, medium\n      default: low\n"
        "    n: number\n      min: 1\n      max: 5\n      default: 3\n    flag: bool\n      default: TRUE\n",
    )
    assert found(write(tmp_path, clean, "clean.dip"), "DIP158") == []


def test_dip159_unused_inputs(tmp_path: Path) -> None:
    text = INPUTS_DOC.replace("      required: true\n", "      required: true\n    branch: text\n    spec: file\n    mode: enum\n      options: a, b\n")
    text += "  edges\n    A -> A  when inputs.mode = a  restart: true\n"
    path = write(tmp_path, text)
    (diag,) = found(path, "DIP159")
    assert diag.severity is Severity.WARNING
    assert span(diag) == at(path.read_text(), "branch")
    assert diag.unnecessary


# ---------------------------------------------------------------------------- DIP161


def test_dip161_deprecated_models(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        workflow W
          start: P
          exit: J
          defaults
            model: claude-3-5-sonnet-20241022
          parallel P
            branch: A
              model: gpt-4-turbo
            branch: B
          agent A
            prompt: a
            model: claude-sonnet-4-0
          agent B
            prompt: b
            model: claude-sonnet-4-6
          fan_in J <- A, B
        """,
    )
    text = path.read_text()
    diags = found(path, "DIP161")
    assert [span(d) for d in diags] == [at(text, "claude-3-5-sonnet-20241022"), at(text, "gpt-4-turbo"), at(text, "claude-sonnet-4-0")]
    assert all(d.severity is Severity.WARNING and d.deprecated for d in diags)
    assert "claude-sonnet-4-6" in diags[2].help


def test_deprecated_model_table() -> None:
    assert deprecated_model("claude-opus-4-1") == "claude-opus-4-7"
    assert deprecated_model("gemini-1.5-flash-002") == "gemini-2.5-flash"
    for current in ("claude-opus-4-7", "gpt-4o", "gpt-4.1", "gemini-2.5-pro", "o3", "claude-3"):
        assert deprecated_model(current) is None


# ---------------------------------------------------------------------------- corpus

# Warnings the Ext rules legitimately raise on tracker's shipped examples (checked by hand):
# subgraph files written before upstream added DIP144/DIP151/DIP153, and the
# two-streams-of-one-subgraph composition in parallel-ralph-dev.
EXPECTED_TRACKER_EXT: dict[str, Counter[str]] = {
    "tracker/examples/parallel-ralph-dev.dip": Counter({"DIP149": 1}),
    "tracker/examples/subgraphs/adaptive-ralph-stream.dip": Counter({"DIP144": 3}),
    "tracker/examples/subgraphs/brainstorm-auto.dip": Counter({"DIP144": 1, "DIP151": 1}),
    "tracker/examples/subgraphs/brainstorm-human.dip": Counter({"DIP144": 1, "DIP151": 1}),
    "tracker/examples/subgraphs/design-review-parallel.dip": Counter({"DIP144": 1, "DIP153": 6}),
    "tracker/examples/subgraphs/final-review-consensus.dip": Counter({"DIP144": 1, "DIP151": 1, "DIP153": 18}),
    "tracker/examples/subgraphs/implementation-cookoff.dip": Counter({"DIP144": 1, "DIP153": 6}),
    "tracker/examples/subgraphs/interview-loop.dip": Counter({"DIP144": 1}),
    "tracker/examples/subgraphs/manager_loop_child.dip": Counter({"DIP144": 1}),
    "tracker/examples/subgraphs/scenario-extraction.dip": Counter({"DIP144": 3, "DIP151": 1}),
}


def _ext_warnings(path: Path) -> list[Diagnostic]:
    return [d for d in check(load_file(path)) if d.code in EXT_CODES and d.severity is not Severity.HINT]


def test_corpus_has_no_ext_errors(corpus: Path) -> None:
    for path in corpus_files():
        errors = [d for d in _ext_warnings(path) if d.severity is Severity.ERROR]
        assert errors == [], f"{path}: {[(d.code, d.message) for d in errors]}"


def test_corpus_tracker_examples_raise_exactly_the_expected_ext_warnings(corpus: Path) -> None:
    actual: dict[str, Counter[str]] = {}
    for path in corpus_files("tracker/**/*.dip"):
        codes = Counter(d.code for d in _ext_warnings(path))
        if codes:
            actual[str(path.relative_to(CORPUS))] = codes
    assert actual == EXPECTED_TRACKER_EXT
