"""Render the diagnostic catalogue: the whole Markdown page (``docs/diagnostics.md``),
one entry as Markdown (language-server hover) or as plain text (``tracker explain``).

``python -m tracker.dippin.lint.docs`` prints the page; ``--write`` updates
``docs/diagnostics.md`` in the repository. A test keeps the committed page equal to
this output, so edit catalogue entries, not the page.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from tracker.dippin.lint.catalog import CATALOG, CodeInfo, explain

DOC_PATH = Path(__file__).resolve().parents[3] / "docs" / "diagnostics.md"

_GROUPS: tuple[tuple[str, str, str], ...] = (
    ("Parse errors", r"DIP0{3}|DIP9\d\d", "Problems found while reading the file. The rest of the file is still checked."),
    ("Structural errors", r"DIP0\d\d", "Errors that make a workflow unrunnable: `tracker validate` exits 1."),
    (
        "Semantic lint",
        r"DIP1\d\d",
        "Workflows that run, but probably not as intended. Codes follow the numbering of the "
        "Dippin reference linter.",
    ),
    ("Additional lint", r"DIP8\d\d", "Checks added by this implementation (spec requirements, context-key dataflow)."),
    ("Tracker checks", r"TRK\d+", "Checks of how the tracker engine will run the workflow."),
)

_ORIGINS = {
    "core": "Dippin core",
    "ext": "Dippin extension",
    "tracker": "tracker",
    "tracker-py": "this implementation",
}


def _sort_key(code: str) -> tuple[str, int]:
    m = re.match(r"([A-Z]+)(\d+)", code)
    return (m.group(1), int(m.group(2))) if m else (code, 0)


def _group_of(code: str) -> int:
    for index, (_, pattern, _) in enumerate(_GROUPS):
        if re.fullmatch(pattern, code):
            return index
    return len(_GROUPS)


def _entry(info: CodeInfo) -> list[str]:
    out = [f'<a id="{info.code.lower()}"></a>', "", f"### {info.code} — {info.title}", ""]
    out.append(f"*Severity:* {info.severity.value} · *Origin:* {_ORIGINS.get(info.origin, info.origin)}")
    out += ["", info.explanation.strip()]
    if info.example:
        out += ["", "Triggers it:", "", "```dip", info.example.rstrip(), "```"]
    if info.fixed:
        out += ["", "Fixed:", "", "```dip", info.fixed.rstrip(), "```"]
    if info.fix:
        out += ["", f"*How to fix:* {info.fix.strip()}"]
    out.append("")
    return out


def lookup(code: str) -> CodeInfo | None:
    """The catalogue entry for ``code`` (any case), with every rule module loaded."""
    from tracker.dippin.lint import rules

    rules()
    return explain(code.strip())


def entry_markdown(code: str) -> str | None:
    """One code's entry as Markdown (for hovers), or None when the code is unknown."""
    info = lookup(code)
    return "\n".join(_entry(info)[2:]).strip() + "\n" if info is not None else None


def entry_text(code: str) -> str | None:
    """One code's entry as plain text for the terminal, or None when it is unknown."""
    info = lookup(code)
    if info is None:
        return None
    parts = [f"{info.code} ({info.severity.value}): {info.title}", "", info.explanation]
    if info.example:
        parts += ["", "Example:", _indent(info.example)]
    if info.fixed:
        parts += ["", "Fixed:", _indent(info.fixed)]
    if info.fix:
        parts += ["", f"How to fix: {info.fix}"]
    return "\n".join(parts) + "\n"


def _indent(text: str) -> str:
    return "\n".join(("    " + line) if line else "" for line in text.split("\n"))


def render(catalog: dict[str, CodeInfo] | None = None) -> str:
    """The whole catalogue as one Markdown page (every rule module loaded first)."""
    if catalog is None:
        from tracker.dippin.lint import rules

        rules()
        catalog = CATALOG
    codes = sorted(catalog, key=_sort_key)
    lines = [
        "# Diagnostics",
        "",
        "Every problem `tracker validate`, `tracker lint` and the language server report has a code. "
        "`tracker explain CODE` prints the entry below in the terminal.",
        "",
        "This page is generated from the catalogue in `tracker/dippin/lint/` by "
        "`python -m tracker.dippin.lint.docs --write`; do not edit it by hand.",
        "",
        "DIP138 is reserved (it was planned for tools that route on stdout without `marker_grep` or "
        "`outputs`) and is never reported.",
        "",
    ]
    for index, (title, _, intro) in enumerate([*_GROUPS, ("Other codes", "", "")]):
        members = [c for c in codes if _group_of(c) == index]
        if not members:
            continue
        lines += [f"## {title}", ""]
        if intro:
            lines += [intro, ""]
        lines += ["| Code | Severity | Title |", "|---|---|---|"]
        lines += [f"| [{c}](#{c.lower()}) | {catalog[c].severity.value} | {catalog[c].title} |" for c in members]
        lines.append("")
        for c in members:
            lines += _entry(catalog[c])
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    text = render()
    if "--write" in args:
        DOC_PATH.parent.mkdir(parents=True, exist_ok=True)
        DOC_PATH.write_text(text, encoding="utf-8")
        sys.stderr.write(f"wrote {DOC_PATH}\n")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
