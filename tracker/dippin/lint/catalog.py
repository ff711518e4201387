"""The diagnostic catalogue: every code with its severity, meaning, example and fix.

Used by the linter (default severities), ``docs/diagnostics.md``, ``tracker explain`` and
the language server's hover on diagnostic codes. Code ranges: DIP000 and DIP9xx are
parse-level problems of this implementation; DIP001–DIP010 structural; DIP1xx semantic
(upstream numbering); DIP8xx lint rules added by this implementation; TRK1xx tracker's
own checks.
"""

from __future__ import annotations

from tracker.dippin.diagnostics import Severity
from tracker.dippin.records import record


@record(kw_only=False, eq=True, frozen=True, slots=False)
class CodeInfo:
    code: str
    severity: Severity
    title: str
    explanation: str
    example: str = ""
    fixed: str = ""
    fix: str = ""
    origin: str = "core"  # core | ext | tracker | tracker-py


def _c(code: str, sev: str, title: str, explanation: str, example: str = "", fixed: str = "", fix: str = "", origin: str = "tracker-py") -> CodeInfo:
    return CodeInfo(code, Severity(sev), title, explanation, example, fixed, fix, origin)


PARSE_CODES: tuple[CodeInfo, ...] = (
    _c("DIP000", "error", "Syntax error", "A line does not fit the grammar of Dippin: a missing `:` after a field name, an edge without `->`, a declaration without an ID, inconsistent indentation.", "  goal \"Ship it\"", "  goal: \"Ship it\"", "Insert the missing punctuation the message names.", "core"),
    _c("DIP901", "error", "Unknown field", "The field is not valid for this construct. The message suggests the closest valid name; runtime-only settings of agents and subgraphs belong under `params:`.", "  agent A\n    modle: gpt-5.4", "  agent A\n    model: gpt-5.4", "Rename the field to the suggested one."),
    _c("DIP902", "error", "Invalid value", "A value does not have the syntax its field needs: integers, floats, Go durations (`30s`, `1h30m`), strict booleans (`true`/`false`, `yes`/`no`, `1`/`0`, `on`/`off`), `timeout_action` (`fail`/`default`), non-negative `output_limit`.", "    timeout: 30", "    timeout: 30s"),
    _c("DIP903", "warning", "Field set twice", "A field appears more than once in the same node or section; the last value wins.", "    model: a\n    model: b", "    model: b", "Remove the earlier line."),
    _c("DIP904", "warning", "Duplicate key", "A key repeats inside `vars`, `params` or `steer_context`; the last value wins."),
    _c("DIP905", "warning", "Unknown edge attribute", "Words after an edge's target that are not `when`, `on`, `label:`, `weight:`, `restart:`, `loop`, `choice:` or `override:` are ignored.", "    A -> B  fast", "    A -> B"),
    _c("DIP906", "warning", "Only `true` is true here", "`restart:` and `defaults cache_tools:` follow the reference and treat every word except `true` as false, so `yes` or `1` silently mean false.", "    A -> B  restart: yes", "    A -> B  restart: true", "Write `true`."),
    _c("DIP907", "warning", "Unquoted multi-word label", "An edge label with spaces should be quoted; the Go reference keeps only its first word.", "    A -> B  label: needs work", "    A -> B  label: \"needs work\"", "Quote the label."),
    _c("DIP908", "warning", "Tab in indentation", "A tab counts as one column of indentation, which makes nesting fragile. Indent with spaces (two per level)."),
    _c("DIP909", "error", "Not UTF-8", "The file contains bytes that are not valid UTF-8; they are shown as U+FFFD."),
    _c("DIP910", "error", "Missing directive file", "A `prompt_file`, `system_prompt_file`, `command_file` or defaults `*_file` names a file that cannot be read (paths are relative to the .dip file)."),
    _c("DIP911", "error", "Nested retry block", "`retry:` blocks are not supported; use the flat fields `retry_policy`, `max_retries`, `retry_target`, `fallback_target`, `base_delay`.", origin="core"),
    _c("DIP912", "error", "Bracket edge attributes", "`A -> B [label: x]` is DOT syntax; Dippin writes attributes as keywords: `A -> B  label: x`.", origin="core"),
    _c("DIP913", "error", "Unterminated string", "A double-quoted string has no closing quote on its line."),
    _c("DIP914", "error", "Invalid condition", "A `when` condition or a manager-loop condition does not parse. Conditions compare a variable with a value (`ctx.outcome = success`), combined with `and`/`or`/`not` and parentheses.", "    A -> B  when ctx.outcome =", "    A -> B  when ctx.outcome = success"),
    _c("DIP915", "error", "Invalid spec header", "`spec:` needs a loader name and a path: `spec: <loader> <path>`.", origin="core"),
    _c("DIP917", "error", "Second workflow", "A file declares one workflow; a second `workflow` declaration is merged into the first."),
    _c("DIP919", "warning", "Line ignored in a map block", "Every line of a `params:` or `steer_context:` block is `key: value`; a line without a colon is ignored.", "    params:\n      max_cost_usd 2", "    params:\n      max_cost_usd: 2", "Add the colon, or remove the line."),
    _c("DIP918", "error", "Section keyword with a colon", "`defaults`, `vars`, `inputs` and `edges` are written alone on their line, without a colon.", "  defaults:\n    model: gpt-5.4", "  defaults\n    model: gpt-5.4", "Remove the colon."),
)

CATALOG: dict[str, CodeInfo] = {info.code: info for info in PARSE_CODES}


def register(*infos: CodeInfo) -> None:
    for info in infos:
        CATALOG[info.code] = info


def default_severity(code: str) -> Severity:
    info = CATALOG.get(code)
    return info.severity if info is not None else Severity.WARNING


def explain(code: str) -> CodeInfo | None:
    return CATALOG.get(code.upper())
