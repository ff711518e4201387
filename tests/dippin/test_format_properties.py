"""Random workflows round-trip through the formatter.

Two generators: one builds small workflows from node kinds, fields (every field of the
catalogue, written in each accepted spelling) and edges, with comments and blank lines
sprinkled in; the other mutates a feature-rich document line by line. Whatever parses
without errors must format to text that parses to the same IR, keeps every comment and
formats to itself.
"""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.dippin.test_format_roundtrip import assert_round_trip, errors
from tracker.dippin import fields as F
from tracker.dippin import parse_text

IDS = ["A", "B", "Plan", "review_2", "x-y", "Z9"]
WORDS = [
    "alpha",
    "two words",
    'say "hi"',
    "back\\slash",
    "tag #1",
    "a:b",
    "|",
    " pad ",
    "é",
    "${ctx.x}",
    "",
]
SCALARS = {
    "int": ["0", "3", "+12", "65536"],
    "uint": ["0", "7", "1024"],
    "float": ["0.8", "1", ".5", "1e-3", "0.25"],
    "duration": ["30s", "1.5s", "90s", "500ms", "1h30m", "2m", "250us", "0"],
    "bool": ["true", "false", "yes", "off", "1"],
    "legacy_bool": ["true", "false", "yes"],
}
VALUE_SETS = {
    "fidelity": F.FIDELITIES,
    "reasoning_effort": F.REASONING_EFFORTS,
    "mode": F.HUMAN_MODES,
    "timeout_action": F.TIMEOUT_ACTIONS,
    "retry_policy": F.RETRY_POLICIES,
    "on_resume": F.ON_RESUME,
    "response_format": F.RESPONSE_FORMATS,
}
LABELS = ["ok", '"needs work"', r'"a \"q\""', "two words"]
COMMENTS = ["# note", "# ─── section ───", "#", '# has: colon and "quotes"']


def escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


@st.composite
def same_line(draw: st.DrawFn, word: str) -> str:
    """A same-line spelling of ``word``: quoted, or bare when it is non-empty."""
    if word and word == word.strip() and draw(st.booleans()):
        return word
    return '"' + escape(word) + '"'


@st.composite
def text_value(draw: st.DrawFn, key: str, depth: int) -> list[str]:
    """Lines for a text/string field: same-line, block, or ``|`` block."""
    pad = "  " * depth
    style = draw(st.sampled_from(["line", "block", "pipe"]))
    if style == "line":
        return [f"{pad}{key}: {draw(same_line(draw(st.sampled_from(WORDS))))}"]
    body = draw(
        st.lists(
            st.sampled_from(
                ["Do the thing.", "  indented", "", "# literal hash", "x: y", "${ctx.plan}"]
            ),
            min_size=1,
            max_size=4,
        )
    )
    if not body[0].strip():
        body[0] = "First line"
    while body and not body[-1].strip():
        body.pop()
    opener = f"{pad}{key}: |" if style == "pipe" else f"{pad}{key}:"
    return [opener] + [f"{pad}  {line}" if line else "" for line in body]


@st.composite
def list_value(draw: st.DrawFn, key: str, depth: int) -> list[str]:
    pad = "  " * depth
    items = draw(
        st.lists(
            st.sampled_from(["a", "b_c", "src/**", "x.y", "issue #2", '"q"', 'x"y']),
            min_size=1,
            max_size=3,
        )
    )
    if draw(st.booleans()):
        return [f"{pad}{key}:"] + [f"{pad}  - {item}" for item in items]
    joined = ", ".join(items)
    return [
        f"{pad}{key}: {joined}"
        if "#" not in joined and not joined.startswith('"')
        else f'{pad}{key}: "{escape(joined)}"'
    ]


@st.composite
def map_value(draw: st.DrawFn, key: str, depth: int) -> list[str]:
    pad = "  " * depth
    entries = draw(
        st.dictionaries(
            st.sampled_from(["k", "max_cost_usd", "b.c", "z"]),
            st.sampled_from(WORDS),
            min_size=1,
            max_size=3,
        )
    )
    lines = [f"{pad}{key}:"]
    for k, v in entries.items():
        lines.append(f"{pad}  {k}: {draw(same_line(v))}")
    if draw(st.booleans()):
        lines.insert(1, f"{pad}  # inside the map")
    return lines


@st.composite
def condition(draw: st.DrawFn, depth: int = 0) -> str:
    if depth < 2 and draw(st.booleans()):
        left = draw(condition(depth + 1))
        right = draw(condition(depth + 1))
        op = draw(st.sampled_from(["and", "or", "&&", "||"]))
        text = f"{left} {op} {right}"
        return f"({text})" if draw(st.booleans()) else text
    if depth < 2 and draw(st.integers(0, 5)) == 0:
        return f"{draw(st.sampled_from(['not', '!']))} {draw(condition(depth + 1))}"
    var = draw(st.sampled_from(["ctx.outcome", "ctx.x", "outcome", "ctx.node.A.status"]))
    op = draw(
        st.sampled_from(["=", "==", "!=", "contains", "not contains", "startswith", "in", "<"])
    )
    value = draw(
        st.sampled_from(["success", "fail", '"a b"', '"#1"', '"loop"', '"label"', "3", '"x,y"'])
    )
    return f"{var} {op} {value}"


def field_lines(draw: st.DrawFn, spec: F.FieldSpec, depth: int, ids: list[str]) -> list[str]:
    pad = "  " * depth
    name = spec.name
    if spec.type in ("text",) or (spec.type == "string" and name not in VALUE_SETS):
        return draw(text_value(name, depth))
    if spec.type == "string":
        return [f"{pad}{name}: {draw(st.sampled_from(VALUE_SETS[name]))}"]
    if spec.type in SCALARS:
        return [f"{pad}{name}: {draw(st.sampled_from(SCALARS[spec.type]))}"]
    if spec.type == "list":
        return draw(list_value(name, depth))
    if spec.type in ("map", "steer_map"):
        if spec.type == "steer_map" and draw(st.booleans()):
            return [f'{pad}{name}: hint=go, mode="two words"']
        return draw(map_value(name, depth))
    if spec.type == "node_ref":
        return [f"{pad}{name}: {draw(st.sampled_from(ids))}"]
    if spec.type == "path":
        return [
            f"{pad}{name}: {draw(st.sampled_from(['child.dip', 'prompts/p.md', 'dir with space/x.md']))}"
        ]
    if spec.type == "condition":
        return [f"{pad}{name}: {draw(condition())}"]
    raise AssertionError(spec.type)


@st.composite
def node(draw: st.DrawFn, node_id: str, ids: list[str]) -> list[str]:
    kind = draw(
        st.sampled_from(
            [
                "agent",
                "human",
                "tool",
                "subgraph",
                "conditional",
                "manager_loop",
                "parallel",
                "fan_in",
            ]
        )
    )
    others = [i for i in ids if i != node_id] or ids
    if kind in ("parallel", "fan_in"):
        targets = draw(st.lists(st.sampled_from(others), min_size=1, max_size=3, unique=True))
        if kind == "parallel" and draw(st.booleans()):
            lines = [f"  parallel {node_id}"]
            for target in targets:
                lines.append(f"    branch: {target}")
                for spec in draw(
                    st.lists(
                        st.sampled_from(F.BRANCH_FIELDS), max_size=2, unique_by=lambda s: s.name
                    )
                ):
                    lines += field_lines(draw, spec, 3, ids)
        else:
            arrow = "->" if kind == "parallel" else "<-"
            lines = [f"  {kind} {node_id} {arrow} {', '.join(targets)}"]
        if draw(st.booleans()):
            lines += draw(map_value("params", 2))
        return lines
    lines = [f"  {kind} {node_id}"]
    specs = draw(
        st.lists(st.sampled_from(F.KIND_FIELDS[kind]), max_size=5, unique_by=lambda s: s.name)
    )
    for spec in specs:
        if spec.name.endswith("_file"):
            continue  # the files would have to exist for a load; parse-only tests skip them
        lines += field_lines(draw, spec, 2, ids)
    return lines


@st.composite
def edge(draw: st.DrawFn, ids: list[str]) -> str:
    parts = [f"{draw(st.sampled_from(ids))} -> {draw(st.sampled_from(ids))}"]
    choice = draw(st.integers(0, 3))
    if choice == 1:
        parts.append(f"when {draw(condition())}")
    elif choice == 2:
        parts.append(f"on {draw(st.sampled_from(['success', 'fail', 'retry']))}")
    if draw(st.booleans()):
        parts.append("label: " + draw(st.sampled_from(LABELS)))
    if draw(st.integers(0, 4)) == 0:
        parts.append(f"weight: {draw(st.integers(0, 9))}")
    if draw(st.integers(0, 4)) == 0:
        parts.append("choice: go")
    if draw(st.integers(0, 3)) == 0:
        parts.append(
            draw(st.sampled_from(["restart: true", "loop", "restart: false", "override: true"]))
        )
    return "    " + draw(st.sampled_from(["  ", " "])).join(parts)


@st.composite
def workflow(draw: st.DrawFn) -> str:
    ids = draw(st.lists(st.sampled_from(IDS), min_size=1, max_size=4, unique=True))
    lines = [f"workflow {draw(st.sampled_from(['W', 'My_Flow']))}"]
    header = [f"  start: {ids[0]}", f"  exit: {ids[-1]}"]
    for spec in draw(
        st.lists(
            st.sampled_from([s for s in F.HEADER_FIELDS if s.name in ("goal", "requires")]),
            max_size=2,
            unique_by=lambda s: s.name,
        )
    ):
        header += field_lines(draw, spec, 1, ids)
    items: list[list[str]] = [header]
    if draw(st.booleans()):
        specs = draw(
            st.lists(
                st.sampled_from([s for s in F.DEFAULTS_FIELDS if not s.name.endswith("_file")]),
                min_size=1,
                max_size=4,
                unique_by=lambda s: s.name,
            )
        )
        items.append(
            ["  defaults"] + [line for s in specs for line in field_lines(draw, s, 2, ids)]
        )
    if draw(st.integers(0, 3)) == 0:
        keys = draw(
            st.lists(st.sampled_from(["zeta", "alpha", "mid"]), min_size=1, max_size=3, unique=True)
        )
        items.append(
            ["  vars"] + [f"    {k}: {draw(same_line(draw(st.sampled_from(WORDS))))}" for k in keys]
        )
    if draw(st.integers(0, 4)) == 0:
        items.append(
            [
                "  stylesheet:",
                "    #A",
                "      model: x",
                "    *",
                "      provider: p",
                "      model: y",
            ]
        )
    for node_id in ids:
        items.append(draw(node(node_id, ids)))
    items.append(["  edges", *draw(st.lists(edge(ids), min_size=1, max_size=4))])
    order = draw(st.permutations(range(1, len(items))))
    items = [items[0]] + [items[i] for i in order]
    for item in items:
        for line in item:
            lines.append(line)
            roll = draw(st.integers(0, 9))
            if roll == 0:
                lines.append("")
            elif roll == 1:
                depth = draw(st.sampled_from([0, 2, 4, 6]))
                lines.append(" " * depth + draw(st.sampled_from(COMMENTS)))
            elif roll == 2 and line.strip():
                lines[-1] = line + " " + draw(st.sampled_from(COMMENTS))
    return "\n".join(lines) + "\n"


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(workflow())
def test_generated_workflows_round_trip(text: str) -> None:
    assume(not errors(parse_text(text)))
    assert_round_trip(text)


SAMPLE = """\
dip 1
# header comment
workflow Sample  # name
  goal: "Ship #1 \\"fast\\""
  start: A
  exit: Done
  requires: git, docker
  defaults
    model: m
    max_wall_time: 90s
    prompt_prefix: |
      Be brief.
  vars
    topic: "two words"
    alpha: x
  agent A
    label: Plan
    # before prompt
    prompt:
      Plan ${ctx.topic}
        with detail
    writes:
      - plan
      - notes
    cmd_timeout: 1.5s
    params:
      max_cost_usd: 3
  tool T
    command: echo ok  # trailing
    timeout: 300s
    outputs: pass, fail
  human G
    mode: choice
    default: ship it
  parallel P -> A, T
  fan_in J <- A, T
  agent Done
  stylesheet:
    #A
      model: x
    *
      model: y
  edges
    A -> T  when ctx.outcome = success && ctx.x != "a b"  label: go
    T -> G  on success

    # review loop
    G -> A  label: "needs work"  loop
    G -> Done  when (ctx.a = x || ctx.b = y) and not ctx.c = "#z"  weight: 2
    # end
"""


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_mutated_documents_round_trip_when_they_parse(data: st.DataObject) -> None:
    lines = SAMPLE.split("\n")
    for _ in range(data.draw(st.integers(1, 5))):
        op = data.draw(
            st.sampled_from(["delete", "duplicate", "indent", "dedent", "comment", "blank", "swap"])
        )
        i = data.draw(st.integers(0, len(lines) - 1))
        if op == "delete" and len(lines) > 1:
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "indent":
            lines[i] = "  " + lines[i]
        elif op == "dedent":
            lines[i] = lines[i][2:] if lines[i].startswith("  ") else lines[i]
        elif op == "comment":
            lines.insert(i, " " * data.draw(st.sampled_from([0, 2, 4, 6, 8])) + "# inserted")
        elif op == "blank":
            lines.insert(i, "")
        else:
            j = data.draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
    text = "\n".join(lines)
    assume(not errors(parse_text(text)))
    assert_round_trip(text)
