"""The canonical style, rule by rule, through the public formatter API.

Every example also goes through ``assert_round_trip`` (same IR, same comments,
idempotent), so each test checks the spelling it names and that nothing was lost.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

from tests.conftest import REPO
from tests.dippin.test_format_roundtrip import assert_round_trip
from tracker.dippin import fields as F
from tracker.dippin import load_file, parse_text
from tracker.dippin.format import format_bytes, format_result, format_text
from tracker.dippin.format_order import NODE_FIELD_RANK, node_fields
from tracker.dippin.ir import AgentNode


def doc(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def fmt(text: str) -> str:
    return assert_round_trip(doc(text))


HEAD = "workflow W\n  start: A\n  exit: A\n"


def node_body(formatted: str, header: str) -> list[str]:
    """The lines of one node (its header line and the lines indented under it)."""
    lines = formatted.split("\n")
    start = lines.index(header)
    body = [lines[start]]
    for line in lines[start + 1 :]:
        if line and not line.startswith("    "):
            break
        body.append(line)
    while body and not body[-1]:
        body.pop()
    return body


# ---------------------------------------------------------------------------- layout


def test_layout_sections_in_canonical_order_with_one_blank_line() -> None:
    out = fmt(
        """
        workflow W
          edges
            A -> B
          agent B
            label: b
          vars
            x: 1
          exit: B
          defaults
            model: m
          agent A
            label: a
          goal: g
          start: A
        """
    )
    assert out == doc(
        """
        workflow W
          goal: g
          start: A
          exit: B

          defaults
            model: m

          vars
            x: 1

          agent B
            label: b

          agent A
            label: a

          edges
            A -> B
        """
    )


def test_header_field_order_is_goal_spec_requires_start_exit() -> None:
    out = fmt(
        """
        workflow W
          exit: A
          requires: git
          start: A
          spec: superspec SPEC.md
          goal: g
          agent A
            label: a
        """
    )
    assert out.split("\n")[1:6] == [
        "  goal: g",
        "  spec: superspec SPEC.md",
        "  requires: git",
        "  start: A",
        "  exit: A",
    ]


def test_indentation_is_two_spaces_and_tabs_are_replaced() -> None:
    out = fmt(
        "workflow W\n\tstart: A\n\texit: A\n\tagent A\n\t\tlabel: a\n\t\tprompt:\n\t\t\tline one\n\t\t\t  more\n"
    )
    assert out == HEAD + "\n  agent A\n    label: a\n    prompt:\n      line one\n        more\n"


def test_blank_lines_inside_nodes_are_removed_but_kept_inside_blocks() -> None:
    out = fmt(
        """
        workflow W
          start: A
          exit: A


          agent A

            label: a

            prompt:
              first

              second
        """
    )
    assert node_body(out, "  agent A") == [
        "  agent A",
        "    label: a",
        "    prompt:",
        "      first",
        "",
        "      second",
    ]


def test_empty_body_nodes_stay_bare_headers() -> None:
    out = fmt(
        """
        workflow W
          start: A
          exit: C
          agent A
          conditional C
          edges
            A -> C
        """
    )
    assert "\n  agent A\n\n  conditional C\n\n  edges\n" in out
    assert parse_text(out).workflow.node("C") is not None


# ---------------------------------------------------------------------------- block text


def test_block_text_fields_are_always_indented_blocks() -> None:
    out = fmt(
        """
        workflow W
          start: A
          exit: T
          defaults
            prompt_prefix: Be brief.
            system_prompt: "You help."
          agent A
            prompt: Say hi
            system_prompt: Be kind
            response_format: json_schema
            response_schema: {"type": "object"}
          tool T
            command: echo ok
        """
    )
    assert "    prompt_prefix:\n      Be brief.\n" in out
    assert "    system_prompt:\n      You help.\n" in out
    assert "    system_prompt:\n      Be kind\n    prompt:\n      Say hi\n" in out
    assert '    response_schema:\n      {"type": "object"}\n' in out
    assert "    command:\n      echo ok\n" in out


def test_yaml_pipe_blocks_become_plain_blocks() -> None:
    out = fmt(
        """
        workflow W
          start: A
          exit: A
          agent A
            prompt: |
              Plan ${ctx.x}.
                indented detail
              # not a comment, prompt text
        """
    )
    assert node_body(out, "  agent A")[1:] == [
        "    prompt:",
        "      Plan ${ctx.x}.",
        "        indented detail",
        "      # not a comment, prompt text",
    ]
    assert parse_text(out).lexed.comments == []


def test_text_that_a_block_cannot_hold_stays_quoted() -> None:
    out = fmt(
        """
        workflow W
          start: A
          exit: A
          agent A
            prompt: "  starts with spaces"
            system_prompt: ""
        """
    )
    assert '    system_prompt: ""\n    prompt: "  starts with spaces"\n' in out


def test_multi_line_goal_and_vars_stay_blocks() -> None:
    out = fmt(
        """
        workflow W
          goal:
            First line
            second line
          start: A
          exit: A
          vars
            long:
              a
              b
          agent A
            label: a
        """
    )
    assert "  goal:\n    First line\n    second line\n" in out
    assert "    long:\n      a\n      b\n" in out


# ---------------------------------------------------------------------------- lists and maps


def test_block_lists_become_inline_comma_lists() -> None:
    out = fmt(
        """
        workflow W
          requires:
            - git
            - docker
          start: A
          exit: A
          agent A
            reads:
              - plan
              - notes
            writes: a,b ,  c
            writable_paths: src/**, docs/**
        """
    )
    assert "  requires: git, docker\n" in out
    assert (
        "    writable_paths: src/**, docs/**\n    reads: plan, notes\n    writes: a, b, c\n" in out
    )


def test_list_items_with_comment_marks_are_quoted() -> None:
    out = fmt(
        """
        workflow W
          start: A
          exit: A
          agent A
            reads:
              - issue #1
              - b
        """
    )
    assert '    reads: "issue #1, b"\n' in out
    assert parse_text(out).workflow.nodes[0].reads == ["issue #1", "b"]


def test_a_trailing_comment_after_a_list_with_a_quote_stays_a_comment() -> None:
    out = fmt(
        """
        workflow W
          start: A
          exit: A
          agent A
            writes: # produced keys
              - say"
              - b
        """
    )
    assert '    writes: "say\\", b" # produced keys\n' in out


def test_map_blocks_are_sorted_and_quoted() -> None:
    out = fmt(
        """
        workflow W
          start: A
          exit: A
          agent A
            params:
              zeta: sh run.sh
              alpha: "x"
              mid: 3
        """
    )
    assert '    params:\n      alpha: x\n      mid: 3\n      zeta: "sh run.sh"\n' in out


def test_map_block_with_lines_the_parser_skips_is_kept_as_written() -> None:
    out = fmt(
        """
        workflow W
          start: A
          exit: A
          agent A
            params:
              # why this budget
              max_cost_usd: 5
        """
    )
    assert "    params:\n      # why this budget\n      max_cost_usd: 5\n" in out


def test_steer_context_inline_becomes_a_block() -> None:
    out = fmt(
        """
        workflow W
          start: M
          exit: M
          manager_loop M
            subgraph_ref: child.dip
            steer_condition: stack.child.cycles = 3
            steer_context: hint=focus, mode="fast lane"
        """
    )
    assert '    steer_context:\n      hint: focus\n      mode: "fast lane"\n' in out


# ---------------------------------------------------------------------------- scalars


def test_quoting_and_escaping_round_trip() -> None:
    out = fmt(
        r"""
        workflow W
          goal: say "hi" \ now
          start: A
          exit: A
          agent A
            label: "a \"quoted\" label"
            model: "back\\slash"
            working_dir: "ends with\\"
            fidelity: summary:high
            backend: "#hash"
            provider: "|"
        """
    )
    wf = parse_text(out).workflow
    node = wf.nodes[0]
    assert isinstance(node, AgentNode)
    assert wf.goal == 'say "hi" \\ now'
    assert node.label == 'a "quoted" label'
    assert (node.model, node.working_dir) == ("back\\slash", "ends with\\")
    assert (node.backend, node.provider) == ("#hash", "|")
    assert '  goal: "say \\"hi\\" \\ now"\n' in out
    assert "    fidelity: summary:high\n" in out
    assert '    provider: "|"\n' in out


def test_durations_are_canonical_and_keep_sub_seconds() -> None:
    out = fmt(
        """
        workflow W
          start: A
          exit: T
          defaults
            max_wall_time: 7200s
            stall_timeout: 90s
          agent A
            cmd_timeout: 1.5s
            base_delay: 500ms
          tool T
            timeout: 300s
            command: sleep 1
        """
    )
    for line in (
        "max_wall_time: 2h",
        "stall_timeout: 1m30s",
        "cmd_timeout: 1.5s",
        "base_delay: 500ms",
        "timeout: 5m",
    ):
        assert f"    {line}\n" in out


def test_numbers_and_booleans() -> None:
    out = fmt(
        """
        workflow W
          start: A
          exit: A
          defaults
            cache_tools: yes
          agent A
            compaction_threshold: 1
            max_turns: +7
            goal_gate: on
            auto_status: false
        """
    )
    assert "    cache_tools: false\n" in out  # `yes` is read as false there (DIP906)
    assert (
        "    goal_gate: true\n    auto_status: false\n    max_turns: 7\n    compaction_threshold: 1.0\n"
        in out
    )


# ---------------------------------------------------------------------------- edges and conditions


def test_c_style_connectives_become_words() -> None:
    out = fmt(
        """
        workflow W
          start: A
          exit: B
          agent A
          agent B
          edges
            A -> B when ctx.a = x && ctx.b != y || !ctx.c = z
        """
    )
    # A different connective under another is parenthesised (spec §7.4), which is also clearer.
    assert "    A -> B  when (ctx.a = x and ctx.b != y) or not ctx.c = z\n" in out


def test_parentheses_are_kept_where_they_group_and_dropped_where_they_do_not() -> None:
    out = fmt(
        """
        workflow W
          start: A
          exit: B
          agent A
          agent B
          edges
            A -> B  when (ctx.a = x || ctx.b = y) && ctx.c = z
            B -> A  when ctx.a = x and (ctx.b = y and ctx.c = z)  restart: true
            A -> A  when not (ctx.a = x or ctx.b = y)  restart: true
        """
    )
    assert "when (ctx.a = x or ctx.b = y) and ctx.c = z\n" in out
    assert "when ctx.a = x and ctx.b = y and ctx.c = z  restart: true\n" in out
    assert "when not (ctx.a = x or ctx.b = y)  restart: true\n" in out


def test_condition_values_that_an_edge_line_would_misread_stay_quoted() -> None:
    out = fmt(
        """
        workflow W
          start: A
          exit: B
          agent A
          agent B
          edges
            A -> B  when ctx.tag = "#1" && ctx.mode = "loop"  label: "label"
            B -> A  when ctx.word = "label:"  loop
        """
    )
    assert '    A -> B  when ctx.tag = "#1" and ctx.mode = "loop"  label: "label"\n' in out
    assert '    B -> A  when ctx.word = "label:"  loop\n' in out


def test_edge_parts_are_joined_by_two_spaces_in_a_fixed_order() -> None:
    out = fmt(
        """
        workflow W
          start: G
          exit: B
          human G
            mode: choice
          agent B
          edges
            G   ->   B   weight: 2 override: true label: "ship it" choice: ship   restart: true
        """
    )
    assert (
        '    G -> B  label: "ship it"  choice: ship  weight: 2  override: true  restart: true\n'
        in out
    )


def test_outcome_and_loop_shorthands_stay_shorthands() -> None:
    out = fmt(
        """
        workflow W
          start: A
          exit: B
          agent A
          agent B
          edges
            A -> B on success label: pass
            B -> A on fail loop
            A -> A when ctx.outcome = retry restart: true
        """
    )
    assert "    A -> B  on success  label: pass\n" in out
    assert "    B -> A  on fail  loop\n" in out
    assert "    A -> A  when ctx.outcome = retry  restart: true\n" in out


def test_edge_groups_separated_by_blank_lines_stay_grouped() -> None:
    out = fmt(
        """
        workflow W
          start: A
          exit: C
          agent A
          agent B
          agent C
          edges
            A -> B


            # second group
            B -> C
            C -> A  restart: true
        """
    )
    assert out.endswith(
        "  edges\n    A -> B\n\n    # second group\n    B -> C\n    C -> A  restart: true\n"
    )


def test_node_ids_and_labels_that_are_not_plain_words_are_quoted() -> None:
    out = fmt(
        """
        workflow W
          start: "Step one"
          exit: "Step one"
          agent "Step one"
            label: a
          edges
            "Step one" -> "Step one"  label: "when"  restart: true
        """
    )
    assert '  agent "Step one"\n' in out
    assert '    "Step one" -> "Step one"  label: "when"  restart: true\n' in out


# ---------------------------------------------------------------------------- stylesheet and vars


def test_stylesheet_rules_sorted_by_specificity_and_properties_by_key() -> None:
    out = fmt(
        """
        workflow W
          start: A
          exit: A
          stylesheet:
            #A
              model: x
            .fast
              provider: p
              model: m
            agent
              fidelity: full
            *
              temperature: 0.2
          agent A
            label: a
        """
    )
    assert out.endswith(
        "  stylesheet:\n    *\n      temperature: 0.2\n\n    agent\n      fidelity: full\n\n"
        "    .fast\n      model: m\n      provider: p\n\n    #A\n      model: x\n"
    )


def test_stylesheet_with_notes_or_ignored_lines_is_kept_as_written() -> None:
    out = fmt(
        """
        workflow W
          start: A
          exit: A
          stylesheet:
            # cheap models first
            #A
              model: x
            *
              model: y
          agent A
            label: a
        """
    )
    assert (
        "  stylesheet:\n    # cheap models first\n    #A\n      model: x\n    *\n      model: y\n"
        in out
    )


def test_vars_are_sorted_by_key() -> None:
    out = fmt(
        """
        workflow W
          start: A
          exit: A
          vars
            zeta: 1
            alpha: "two words"
            mid: x
          agent A
            label: a
        """
    )
    assert '  vars\n    alpha: "two words"\n    mid: x\n    zeta: 1\n' in out


# ---------------------------------------------------------------------------- nothing is lost


def test_fields_the_reference_formatter_drops_are_kept_on_every_kind() -> None:
    retry = "      retry_policy: patient\n      max_retries: 2\n      base_delay: 3s\n      retry_target: A\n      fallback_target: B\n"
    source = doc(
        """
        workflow W
          start: A
          exit: B
          agent A
            system_prompt: Be careful.
            prompt: Go.
          agent B
          human H
            mode: freeform
          tool T
            command: make
          subgraph S
            ref: child.dip
            reads: plan
            writes: result
          conditional C
          manager_loop M
            subgraph_ref: child.dip
            max_cycles: 3
        """
    )
    lines = source.split("\n")
    for kind_line in (
        "  human H",
        "  tool T",
        "  subgraph S",
        "  conditional C",
        "  manager_loop M",
        "  agent A",
    ):
        index = lines.index(kind_line)
        lines.insert(index + 1, retry.rstrip("\n").replace("      ", "    "))
    out = assert_round_trip("\n".join(lines))
    wf = parse_text(out).workflow
    for node in wf.nodes:
        if node.id == "B":
            continue
        assert (node.retry_policy, node.max_retries, node.fallback_target) == ("patient", 2, "B"), (
            node.id
        )
    agent, subgraph = wf.node("A"), wf.node("S")
    assert isinstance(agent, AgentNode) and agent.system_prompt == "Be careful."
    assert subgraph is not None and (subgraph.reads, subgraph.writes) == (["plan"], ["result"])


def test_extension_fields_survive() -> None:
    out = fmt(
        """
        dip 1
        workflow W
          start: A
          exit: T
          defaults
            on_failure: T
            stall_timeout: 10m
            prompt_suffix: Thanks.
            system_prompt_file: prompts/system.md
          inputs
            idea: text
              required: true
              max_length: 400
            risk: enum
              default: low
              options: low, high
          agent A
            tool_access: none
            writable_paths: src/**
            last_response_truncate: 2000
            prompt_file: prompts/a.md
          tool T
            command_file: scripts/t.sh
            timeout: 1m
          parallel P -> A, T
            params:
              fan_in_policy: quorum
              quorum: 1
          fan_in J <- A, T
            params:
              fan_in_policy: all
          parallel Q
            branch: A
              model: m
              tool_access: read
              writable_paths: out/**
              last_response_truncate: 10
            branch: T
          edges
            A -> T  choice: go  override: false
        """
    )
    assert out.startswith("dip 1\nworkflow W\n")
    for text in (
        "    on_failure: T\n",
        "    stall_timeout: 10m\n",
        "    prompt_suffix:\n      Thanks.\n",
        "    system_prompt_file: prompts/system.md\n",
        "  inputs\n    idea: text\n      required: true\n      max_length: 400\n    risk: enum\n      default: low\n      options: low, high\n",
        "    tool_access: none\n    writable_paths: src/**\n    last_response_truncate: 2000\n    prompt_file: prompts/a.md\n",
        "    timeout: 1m\n    command_file: scripts/t.sh\n",
        "  parallel P -> A, T\n    params:\n      fan_in_policy: quorum\n      quorum: 1\n",
        "  fan_in J <- A, T\n    params:\n      fan_in_policy: all\n",
        "    branch: A\n      model: m\n      tool_access: read\n      writable_paths: out/**\n      last_response_truncate: 10\n    branch: T\n",
        "    A -> T  choice: go  override: false\n",
    ):
        assert text in out


def test_prompt_file_is_written_instead_of_the_files_text(tmp_path: Path) -> None:
    (tmp_path / "p.md").write_text("From the file.\n", encoding="utf-8")
    path = tmp_path / "w.dip"
    path.write_text(HEAD + "  agent A\n    prompt_file: p.md\n", encoding="utf-8")
    loaded = load_file(path)
    agent = loaded.workflow.nodes[0]
    assert isinstance(agent, AgentNode) and agent.prompt == "From the file."
    assert format_result(loaded) == HEAD + "\n  agent A\n    prompt_file: p.md\n"


def test_prompt_written_beside_prompt_file_keeps_the_authors_text(tmp_path: Path) -> None:
    (tmp_path / "p.md").write_text("From the file.\n", encoding="utf-8")
    path = tmp_path / "w.dip"
    path.write_text(
        HEAD + "  agent A\n    prompt: Inline.\n    prompt_file: p.md\n", encoding="utf-8"
    )
    out = format_result(load_file(path))
    assert out == HEAD + "\n  agent A\n    prompt:\n      Inline.\n    prompt_file: p.md\n"


def test_dialect_2_spells_subgraph_inputs_and_fallback_retry_target() -> None:
    out = fmt(
        """
        dip 2
        workflow W
          start: S
          exit: S
          subgraph S
            ref: child.dip
            params:
              topic: x
            fallback_target: S
        """
    )
    assert "    fallback_retry_target: S\n    inputs:\n      topic: x\n" in out
    core = fmt(HEAD + "  agent A\n    fallback_retry_target: A\n")
    assert "    fallback_target: A\n" in core


# ---------------------------------------------------------------------------- comments


def test_comments_follow_their_items() -> None:
    out = fmt(
        """
        # File header.

        workflow W  # the name
          # where it starts
          start: A
          exit: A
          agent A
            prompt:
              Do it.
            # about the label
            label: a  # trailing
            # end of A's fields
          # about the edges
          edges
            A -> A  restart: true  # back edge
            # last edge note
        # end of file
        """
    )
    assert out == doc(
        """
        # File header.

        workflow W # the name
          # where it starts
          start: A
          exit: A

          agent A
            # about the label
            label: a # trailing
            prompt:
              Do it.
            # end of A's fields

          # about the edges
          edges
            A -> A  restart: true # back edge
            # last edge note
        # end of file
        """
    )


def test_comment_indented_under_a_node_without_fields_stays_with_it() -> None:
    out = fmt(
        """
        workflow W
          start: A
          exit: B
          agent A
            # nothing here yet
          agent B
            label: b
        """
    )
    assert "\n  agent A\n    # nothing here yet\n\n  agent B\n" in out


def test_comments_of_merged_sections_are_kept() -> None:
    out = fmt(
        """
        workflow W
          start: A
          exit: B
          edges
            A -> B
          agent A
            label: a
          agent B
            label: b
          # more edges
          edges  # second block
            B -> A  restart: true
        """
    )
    assert out.endswith(
        "  edges\n    A -> B\n\n    # more edges\n    # second block\n    B -> A  restart: true\n"
    )


# ---------------------------------------------------------------------------- errors and API


def test_documents_with_parse_errors_are_not_formatted() -> None:
    outcome = format_text(HEAD + "  agent A\n    bogus_field: 1\n", path="x.dip")
    assert outcome.text is None and not outcome.ok and not outcome.changed
    codes = [d.code for d in outcome.diagnostics if d.severity.value == "error"]
    assert codes == ["DIP901"]
    assert outcome.diagnostics[0].file == "x.dip"


def test_warnings_do_not_block_formatting() -> None:
    outcome = format_text(HEAD + "  agent A\n    label: a\n    label: b\n")
    assert outcome.text == HEAD + "\n  agent A\n    label: b\n"
    assert [d.code for d in outcome.diagnostics] == ["DIP903"]


def test_changed_flag_and_bytes_entry_point() -> None:
    canonical = HEAD + "\n  agent A\n    label: a\n"
    assert format_text(canonical).changed is False
    assert format_text(canonical.replace("\n\n", "\n")).changed is True
    assert format_bytes(canonical.encode()).changed is False
    assert format_bytes(canonical.replace("\n", "\r\n").encode()).changed is True
    bad = format_bytes(b"workflow W\n  goal: caf\xe9\n")
    assert bad.text is None and "DIP909" in [d.code for d in bad.diagnostics]


def test_field_order_table_covers_every_catalogue_field() -> None:
    names = {spec.name for specs in F.KIND_FIELDS.values() for spec in specs}
    assert names <= set(NODE_FIELD_RANK)
    assert len(NODE_FIELD_RANK) == len(set(NODE_FIELD_RANK))
    agent = [spec.name for spec in node_fields("agent")]
    assert agent.index("compaction_threshold") < agent.index("retry_policy") < agent.index("reads")
    assert agent[-4:] == ["system_prompt", "system_prompt_file", "prompt", "prompt_file"]
    tool = [spec.name for spec in node_fields("tool")]
    assert tool[-2:] == ["command", "command_file"]


def test_the_before_and_after_example_in_the_docs_holds() -> None:
    text = (REPO / "docs" / "formatting.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```\n(.*?)```", text, re.S)
    before, after = [b for b in blocks if b.startswith("# Review loop")]
    assert assert_round_trip(before) == after
