"""Human-friendly messages for syntax errors, chosen from where the broken line sits."""

from __future__ import annotations

from tracker.dippin import fields
from tracker.dippin.diagnostics import Diagnostic, Fix, Severity, TextEdit
from tracker.dippin.lexer import LINE_KEYWORDS, DipToken, Unit
from tracker.dippin.positions import Position, Range
from tracker.dippin.suggest import closest

_TOKEN_NAMES = {
    "NAME": "a name",
    "STRING": "a quoted string",
    "ARROW": "`->`",
    "BACKARROW": "`<-`",
    "COMMA": "`,`",
    "COLON": "`:`",
    "_NL": "end of line",
    "KEY": "a `key: value` field",
    "VALUE": "a value",
    "BLOCK": "an indented block",
    "_INDENT": "an indented block",
    "_DEDENT": "the end of the block",
}

_DECLARATIONS = "`agent ID`, `human ID`, `tool ID`, `subgraph ID`, `conditional ID`, `manager_loop ID`, `parallel ID -> A, B`, `fan_in ID <- A, B`"
_KNOWN_WORDS = tuple(LINE_KEYWORDS) + tuple(s.name for s in fields.HEADER_FIELDS)


def _context(unit: Unit) -> str:
    """What kind of block the line sits in: workflow, node, edges, section, field, top."""
    parent = unit.parent
    if parent is None or parent.line < 0:
        return "top"
    first = parent.tokens[0] if parent.tokens else None
    if first is None:
        return "top"
    if first.type == "WORKFLOW":
        return "workflow"
    if first.type == "EDGES":
        return "edges"
    if first.type in ("KIND", "PARALLEL", "FAN_IN"):
        return "node"
    if first.type in ("DEFAULTS", "VARS", "INPUTS"):
        return "section"
    if first.type == "KEY":
        return "field"
    return "other"


def _describe(token: DipToken) -> str:
    if token.type == "_NL":
        return "end of line"
    if token.type == "_INDENT":
        return "an indented block"
    if token.type == "_DEDENT":
        return "the end of the block"
    return f"`{token.text_value}`"


def syntax_error(
    unit: Unit, token: DipToken | None, expected: set[str], path: str | None, fallback: str = ""
) -> Diagnostic:
    """A DIP000 diagnostic for a line the grammar rejects."""
    rng = token.rng if token is not None and token.type not in ("_NL", "_DEDENT") else unit.line_range
    if token is not None and token.type == "_INDENT":
        rng = _block_range(unit)
        return _diag(rng, _unexpected_block(unit), path)
    message, help_text, fix = _explain(unit, token, expected)
    if not message:
        message = fallback or _generic(token, expected)
    if token is not None and token.type == "_NL":
        end = token.rng.start
        rng = Range(start=unit.line_range.start, end=end)
    return _diag(rng, message, path, help_text, fix)


def _diag(rng: Range, message: str, path: str | None, help_text: str = "", fix: Fix | None = None) -> Diagnostic:
    return Diagnostic(code="DIP000", severity=Severity.ERROR, message=message, range=rng, file=path, help=help_text, fix=fix)


def _block_range(unit: Unit) -> Range:
    if not unit.children:
        return unit.line_range
    first, last = unit.children[0], unit.children[-1]
    return Range(start=Position(line=first.line, character=first.indent), end=Position(line=last.end_line, character=last.end_character))


def _unexpected_block(unit: Unit) -> str:
    if unit.key and unit.field_text is not None and unit.field_text.value:
        return (
            f"these lines are indented under `{unit.key}: {unit.field_text.value[:30]}`, but a value "
            f"written on the key's line cannot continue below it; put the whole value in an indented "
            f"block under `{unit.key}:` alone, or dedent these lines"
        )
    first = unit.first_word or "this line"
    return f"unexpected indented block under `{first}`"


def _generic(token: DipToken | None, expected: set[str]) -> str:
    names = sorted({_TOKEN_NAMES.get(e, "") for e in expected} - {""})
    where = _describe(token) if token is not None else "end of input"
    if names:
        return f"unexpected {where}; expected {', '.join(names[:4])}"
    return f"unexpected {where}"


def _missing_colon_fix(first: DipToken) -> Fix:
    at = first.rng.end
    return Fix(title=f"Insert ':' after `{first.text_value}`", edits=[TextEdit(range=Range(start=at, end=at), new_text=":")])


def _explain(unit: Unit, token: DipToken | None, expected: set[str]) -> tuple[str, str, Fix | None]:
    ctx = _context(unit)
    toks = unit.tokens
    first = toks[0] if toks else None
    if first is None:
        return "", "", None
    second = toks[1] if len(toks) > 1 else None
    word = first.text_value

    if first.type == "KEY" and word in ("defaults", "vars", "edges", "inputs") and ctx == "workflow":
        return "", "", None  # reported by the builder with a fix

    if first.type == "KIND" and (second is None or second.type == "_NL"):
        return f"expected a node ID after `{word}`", f"write `{word} MyNode` followed by its indented fields", None
    if first.type in ("KIND", "DEFAULTS", "VARS", "INPUTS", "EDGES") and ctx not in ("workflow", "top"):
        return (
            f"`{word}` declarations belong at the workflow level, not inside another block",
            "dedent this line to the same indentation as the other declarations",
            None,
        )
    if first.type in ("DEFAULTS", "VARS", "INPUTS", "EDGES") and token is not None and token is not first:
        return f"`{word}` takes no arguments; its entries go on the indented lines below it", "", None
    if first.type == "PARALLEL":
        return (
            "expected `parallel ID -> A, B` or `parallel ID` followed by indented `branch: A` lines",
            "",
            None,
        )
    if first.type == "FAN_IN":
        return "expected `fan_in ID <- A, B`", "", None
    if first.type == "WORKFLOW":
        return "expected `workflow <Name>`", "", None
    if first.type == "DIP":
        return "expected `dip <version>` (for example `dip 2`)", "", None

    if ctx == "edges":
        if first.type == "KEY":
            return (
                "expected an edge `Source -> Target`; a `key: value` field cannot appear in the edges block",
                "",
                None,
            )
        arrows = [t for t in toks if t.type == "ARROW"]
        if not arrows:
            return "expected an edge `Source -> Target` (missing `->`)", "", None
        if toks[-2].type == "ARROW" if len(toks) >= 2 else False:
            return "missing target node after `->`", "", None
        if first.type == "ARROW":
            return "missing source node before `->`", "", None
        return f"expected an edge `Source -> Target [when ...] [label: ...]`; unexpected {_describe(token) if token else 'text'}", "", None

    if ctx == "field" and unit.parent is not None and unit.parent.field_text is not None and unit.parent.field_text.value:
        return _unexpected_block(unit.parent), "", None
    if (
        first.type == "NAME"
        and second is not None
        and second.type in ("NAME", "STRING", "VALUE")
        and (ctx in ("workflow", "node", "section", "field") or word in _KNOWN_WORDS)
    ):
        return f"missing `:` after `{word}`", f"write `{word}: <value>`", _missing_colon_fix(first)
    if ctx == "node":
        parent = unit.parent
        owner = parent.first_word if parent else "node"
        return f"expected a `field: value` line inside `{owner}`; unexpected {_describe(token) if token else 'text'}", "", None
    if ctx == "workflow" and first.type in ("NAME", "STRING", "OTHER"):
        guess = closest(word, _KNOWN_WORDS)
        hint = f"did you mean `{guess}`?" if guess else ""
        return (
            f"unexpected `{word}` in the workflow body; expected a field (`key: value`), a section "
            f"(`defaults`, `vars`, `inputs`, `edges`) or a declaration ({_DECLARATIONS})",
            hint,
            None,
        )
    return "", "", None


def top_level_junk(unit: Unit, path: str | None) -> Diagnostic:
    first = unit.tokens[0] if unit.tokens else None
    what = f"`{first.text_value}`" if first is not None and first.text_value else "this line"
    return _diag(
        unit.line_range,
        f"unexpected {what} outside the workflow: everything belongs under `workflow <Name>`",
        path,
        "indent this line under the workflow declaration",
    )
