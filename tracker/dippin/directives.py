"""File directives: ``prompt_file``, ``system_prompt_file``, ``command_file`` and the
``defaults`` ``*_file`` keys, read relative to the directory of the ``.dip`` file.

The IR keeps the directive (so the formatter writes it back) and receives the file's
contents in the matching text field (so the linter, simulator and engine see the text).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tracker.dippin.diagnostics import Diagnostic, Severity
from tracker.dippin.interpolation import scan
from tracker.dippin.ir import AgentNode, HumanNode, Reference, ToolNode, Workflow
from tracker.dippin.positions import Range

# (node kind, directive field, text field it fills)
NODE_DIRECTIVES: tuple[tuple[type, str, str], ...] = (
    (AgentNode, "prompt_file", "prompt"),
    (AgentNode, "system_prompt_file", "system_prompt"),
    (HumanNode, "prompt_file", "prompt"),
    (ToolNode, "command_file", "command"),
)
DEFAULTS_DIRECTIVES: tuple[tuple[str, str], ...] = (
    ("system_prompt_file", "system_prompt"),
    ("prompt_prefix_file", "prompt_prefix"),
    ("prompt_suffix_file", "prompt_suffix"),
)

Reader = Callable[[Path], str]


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def resolve_directives(
    workflow: Workflow, base_dir: Path | None, diagnostics: list[Diagnostic], reader: Reader = _read
) -> None:
    """Fill text fields from their ``*_file`` directives, reporting unreadable files."""
    path = workflow.source_path

    def load(rel: str, rng: Range) -> str | None:
        if not rel:
            return None
        target = Path(rel)
        if not target.is_absolute():
            if base_dir is None:
                return None
            target = base_dir / target
        try:
            return reader(target)
        except OSError as exc:
            reason = "no such file" if isinstance(exc, FileNotFoundError) else exc.strerror or str(exc)
            diagnostics.append(
                Diagnostic(
                    code="DIP910",
                    severity=Severity.ERROR,
                    message=f'cannot read "{rel}": {reason}',
                    range=rng,
                    file=path,
                    help=f"resolved path: {target}",
                )
            )
            return None

    for node in workflow.nodes:
        for cls, directive, text_field in NODE_DIRECTIVES:
            if not isinstance(node, cls):
                continue
            rel = getattr(node, directive)
            if not rel:
                continue
            src = node.fields.get(directive)
            rng = src.value_range if src else node.id_range
            content = load(rel, rng)
            if content is None:
                continue
            if text_field in node.fields:
                diagnostics.append(
                    Diagnostic(
                        code="DIP903",
                        severity=Severity.WARNING,
                        message=f"`{text_field}` and `{directive}` are both set; the file's contents are used",
                        range=node.fields[text_field].key_range,
                        file=path,
                    )
                )
            setattr(node, text_field, content.rstrip("\n"))
            for ref in scan(content):
                node.references.append(
                    Reference(
                        namespace=ref.namespace,
                        key=ref.key,
                        expression=ref.expression,
                        range=rng,
                        field=text_field,
                    )
                )

    defaults = workflow.defaults
    for directive, text_field in DEFAULTS_DIRECTIVES:
        rel = getattr(defaults, directive)
        if rel:
            src = defaults.fields.get(directive)
            content = load(rel, src.value_range if src else workflow.name_range)
            if content is not None:
                setattr(defaults, text_field, content.rstrip("\n"))
