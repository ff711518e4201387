"""The dataflow lint rules DIP810–DIP817, through the public ``lint`` entry point."""

from __future__ import annotations

import textwrap
from pathlib import Path

from tests.conftest import corpus_files
from tracker.dippin import load_file, load_text
from tracker.dippin.diagnostics import Diagnostic, Severity
from tracker.dippin.lint import LintOptions, lint
from tracker.dippin.lint.catalog import explain

CODES = ("DIP810", "DIP811", "DIP812", "DIP813", "DIP814", "DIP815", "DIP816", "DIP817")


def findings(text: str) -> tuple[list[Diagnostic], list[str]]:
    source = textwrap.dedent(text).lstrip("\n")
    result = load_text(source)
    diags = [d for d in lint(result.workflow, LintOptions(environment=False)) if d.code in CODES]
    return diags, source.split("\n")


def covered(lines: list[str], d: Diagnostic) -> str:
    r = d.range
    assert r.start.line == r.end.line
    return lines[r.start.line][r.start.character : r.end.character]


def apply_fix(lines: list[str], d: Diagnostic) -> str:
    assert d.fix is not None
    (edit,) = d.fix.edits
    line = lines[edit.range.start.line]
    return line[: edit.range.start.character] + edit.new_text + line[edit.range.end.character :]


def test_codes_are_in_the_catalogue() -> None:
    import tracker.dippin.lint.dataflow  # noqa: F401  (registers the codes)

    for code in CODES:
        info = explain(code)
        assert info is not None and info.title and info.explanation
    assert explain("DIP810").severity is Severity.WARNING  # type: ignore[union-attr]
    assert explain("DIP811").severity is Severity.INFO  # type: ignore[union-attr]
    assert explain("DIP817").severity is Severity.WARNING  # type: ignore[union-attr]


def test_dip810_typo_gets_a_did_you_mean_fix() -> None:
    diags, lines = findings(
        """
        workflow T
          start: A
          exit: B
          agent A
            prompt: Plan it.
          agent B
            prompt: Summarize ${ctx.last_reponse} now
          edges
            A -> B
        """
    )
    (d,) = diags
    assert d.code == "DIP810" and d.severity is Severity.WARNING
    assert covered(lines, d) == "${ctx.last_reponse}"
    assert "did you mean `last_response`" in d.help
    assert apply_fix(lines, d).endswith("Summarize ${ctx.last_response} now")


def test_dip810_key_written_only_downstream_names_the_writer() -> None:
    diags, _ = findings(
        """
        workflow T
          start: A
          exit: B
          agent A
            prompt: Use ${ctx.verdict}
          agent B
            prompt: Judge.
            writes: verdict
          edges
            A -> B
        """
    )
    (d,) = diags
    assert d.code == "DIP810"
    assert "no node that runs before it writes it" in d.message
    assert "written by B" in d.help
    assert d.related and d.related[0].range.start.line == 7


def test_dip810_condition_on_a_missing_key_and_scoped_keys() -> None:
    diags, lines = findings(
        """
        workflow T
          start: A
          exit: C
          agent A
            prompt: a
          tool B
            command: echo ok
            timeout: 5s
          agent C
            prompt: ${ctx.node.B.tool_stdot} and ${ctx.node.C.last_response}
          edges
            A -> B  when ctx.tool_stdout contains ready
            A -> C
            B -> C
        """
    )
    by_text = {covered(lines, d): d for d in diags}
    assert set(by_text) == {"ctx.tool_stdout", "${ctx.node.B.tool_stdot}", "${ctx.node.C.last_response}"}
    assert all(d.code == "DIP810" for d in diags)
    assert "does not run before it" in by_text["${ctx.node.C.last_response}"].message
    typo = by_text["${ctx.node.B.tool_stdot}"]
    assert 'never writes "tool_stdot"' in typo.message
    assert "${ctx.node.B.tool_stdout}" in apply_fix(lines, typo)


def test_dip810_is_silent_after_a_subgraph() -> None:
    diags, _ = findings(
        """
        workflow T
          start: A
          exit: B
          subgraph A
            ref: child.dip
          agent B
            prompt: ${ctx.child_summary}
          edges
            A -> B
        """
    )
    assert diags == []


def test_dip811_key_set_on_one_branch_only() -> None:
    diags, lines = findings(
        """
        workflow T
          start: Check
          exit: Report
          tool Check
            command: make test
            timeout: 5s
          agent Fix
            prompt: Fix it.
            writes: fix_notes
          agent Report
            prompt: Notes ${ctx.fix_notes}
          edges
            Check -> Fix  when ctx.outcome = fail
            Check -> Report
            Fix -> Report
        """
    )
    (d,) = diags
    assert d.code == "DIP811" and d.severity is Severity.INFO
    assert covered(lines, d) == "${ctx.fix_notes}"
    assert "written by Fix" in d.help


def test_dip811_is_quiet_for_loop_carried_keys() -> None:
    diags, _ = findings(
        """
        workflow T
          start: Draft
          exit: Done
          agent Draft
            prompt: Feedback so far ${ctx.review_notes}
          agent Review
            prompt: Review.
            writes: review_notes
          agent Done
            prompt: done
          edges
            Draft -> Review
            Review -> Draft  when ctx.outcome = fail  restart: true
            Review -> Done
        """
    )
    assert diags == []


def test_dip812_undeclared_param_with_fix() -> None:
    diags, lines = findings(
        """
        workflow T
          start: A
          exit: A
          vars
            target: main
          agent A
            prompt: Deploy ${params.taget} and ${graph.params.target}
        """
    )
    (d,) = diags
    assert d.code == "DIP812"
    assert covered(lines, d) == "${params.taget}"
    assert "${params.target}" in apply_fix(lines, d)


def test_dip812_child_without_vars_is_not_checked() -> None:
    diags, _ = findings(
        """
        workflow Child
          start: A
          exit: A
          agent A
            prompt: Work on ${params.topic}
        """
    )
    assert diags == []


def test_dip813_unknown_and_unset_graph_attributes() -> None:
    diags, lines = findings(
        """
        workflow T
          goal: "Ship"
          start: A
          exit: A
          agent A
            prompt: ${graph.gaol} ${graph.goal} ${graph.llm_model} ${graph.workflow_dir}
        """
    )
    by_text = {covered(lines, d): d for d in diags}
    assert set(by_text) == {"${graph.gaol}", "${graph.llm_model}"}
    assert "${graph.goal}" in apply_fix(lines, by_text["${graph.gaol}"])
    assert "does not set" in by_text["${graph.llm_model}"].message


def test_dip814_undeclared_input() -> None:
    diags, lines = findings(
        """
        workflow T
          start: A
          exit: A
          inputs
            spec: file
          agent A
            prompt: Read ${inputs.spek} and ${inputs.spec}
        """
    )
    (d,) = diags
    assert d.code == "DIP814" and covered(lines, d) == "${inputs.spek}"
    assert "${inputs.spec}" in apply_fix(lines, d)


def test_dip815_consumed_human_response_fix_reads_the_gate_copy() -> None:
    diags, lines = findings(
        """
        workflow T
          start: Ask
          exit: Write
          human Ask
            mode: freeform
          agent Explore
            prompt: The user wants ${ctx.human_response}
          agent Write
            prompt: Spec for ${ctx.human_response}
          edges
            Ask -> Explore
            Explore -> Write
        """
    )
    (d,) = diags
    assert d.code == "DIP815" and d.range.start.line == 8
    assert "agent Explore consumes it first" in d.message
    assert "${ctx.node.Ask.human_response}" in apply_fix(lines, d)


def test_dip816_namespaces_the_runtime_does_not_expand() -> None:
    diags, lines = findings(
        """
        workflow T
          start: A
          exit: B
          tool A
            command: make
            timeout: 5s
          agent B
            prompt: ${node.A.tool_stdout}
          edges
            A -> B
        """
    )
    (d,) = diags
    assert d.code == "DIP816"
    assert apply_fix(lines, d).strip() == "prompt: ${ctx.node.A.tool_stdout}"


def test_dip817_reserved_writes() -> None:
    diags, _ = findings(
        """
        workflow T
          start: A
          exit: A
          agent A
            prompt: Judge.
            writes: outcome, verdict
        """
    )
    (d,) = diags
    assert d.code == "DIP817" and d.severity is Severity.WARNING
    assert "outcome" in d.message


# Findings on the shipped corpus, each checked by hand (see the module notes in the
# report): true problems in the examples, nothing else.
EXPECTED_CORPUS_FINDINGS = {
    ("dippin/examples/interview_loop.dip", "DIP817"),
    ("dippin/parser/testdata/human_interview.dip", "DIP817"),
    ("dippin/parser/testdata/human_prompt.dip", "DIP810"),
    ("dippin/parser/testdata/multiline_prompt.dip", "DIP810"),
    ("dippin/parser/testdata/edge_attributes.dip", "DIP810"),
    ("tracker/examples/ask_and_execute.dip", "DIP815"),
    ("tracker/examples/manager_loop_demo.dip", "DIP811"),
    ("tracker/examples/variable_interpolation_demo.dip", "DIP815"),
    ("tracker/examples/variable_interpolation_demo.dip", "DIP813"),
}


def test_corpus_findings_are_the_known_true_ones(corpus: Path) -> None:
    found: set[tuple[str, str]] = set()
    for path in corpus_files():
        result = load_file(path)
        for d in lint(result.workflow, LintOptions(environment=False)):
            if d.code in CODES:
                found.add((str(path.relative_to(corpus)), d.code))
    assert found == EXPECTED_CORPUS_FINDINGS
