"""Where each comment goes when the formatter rewrites a document.

Comments are not in the IR, so they are attached to source lines before formatting and
re-emitted next to the output line that came from the same source line:

* a trailing comment stays at the end of its line;
* a whole-line comment belongs to the next item (node, field, edge, section, header
  field) and is written just above it, at its indentation;
* a whole-line comment indented deeper than the next item, after the last line of a
  block, belongs to the end of that block (e.g. after a node's last field);
* comments after everything else stay at the end of the document.

The formatter emits :class:`Line` / :class:`Content` / :class:`End` records; :func:`weave`
turns them into text, placing the comments and the blank lines.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from tracker.dippin.ir import Comment
from tracker.dippin.lexer import Lexed, Unit

INDENT = "  "


@dataclass(slots=True)
class Line:
    """An output line that came from source line ``src`` (``None`` when synthesized)."""

    depth: int
    text: str
    src: int | None
    blank_before: bool = False  # one blank line separates it from what precedes it
    keep_gaps: bool = False  # keep the author's blank lines among its leading comments


@dataclass(slots=True)
class Content:
    """The lines of a block value at ``depth`` (empty lines stay empty, no trailing spaces)."""

    depth: int
    texts: list[str]


@dataclass(slots=True)
class End:
    """The end of the block opened on source line ``src``; its children are at ``depth``."""

    src: int
    depth: int
    keep_gaps: bool = False


Record = Line | Content | End


@dataclass(slots=True)
class Placed:
    comment: Comment
    line: int
    blank_before: bool = False
    blank_after: bool = False


@dataclass
class CommentPlan:
    """Comments keyed by the source line they attach to."""

    leading: dict[int, list[Placed]] = field(default_factory=dict)
    trailing: dict[int, Placed] = field(default_factory=dict)
    block_end: dict[int, list[Placed]] = field(default_factory=dict)
    doc_end: list[Placed] = field(default_factory=list)

    def __len__(self) -> int:
        return (
            sum(len(v) for v in self.leading.values())
            + len(self.trailing)
            + sum(len(v) for v in self.block_end.values())
            + len(self.doc_end)
        )


def _units_in_order(root: Unit) -> list[Unit]:
    order: list[Unit] = []
    stack = list(reversed(root.children))
    while stack:
        unit = stack.pop()
        order.append(unit)
        stack.extend(reversed(unit.children))
    return order


def _is_blank(lines: list[str], index: int) -> bool:
    return 0 <= index < len(lines) and not lines[index].strip()


def plan_comments(lexed: Lexed) -> CommentPlan:
    """Attach every comment of the document to a source line (see the module docstring)."""
    plan = CommentPlan()
    if not lexed.comments:
        return plan
    units = _units_in_order(lexed.root)
    starts = [u.line for u in units]
    lines = lexed.lines
    for comment in lexed.comments:
        line = comment.range.start.line
        placed = Placed(comment, line, _is_blank(lines, line - 1), _is_blank(lines, line + 1))
        if not comment.own_line:
            plan.trailing[line] = placed
            continue
        at = bisect.bisect_right(starts, line)
        nxt = units[at] if at < len(units) else None
        prev = units[at - 1] if at > 0 else None
        column = comment.range.start.character
        if nxt is not None and (prev is None or column <= nxt.indent):
            plan.leading.setdefault(nxt.line, []).append(placed)
            continue
        container = _enclosing_block(prev, column)
        if container is None:
            if nxt is None:
                plan.doc_end.append(placed)
            else:
                plan.leading.setdefault(nxt.line, []).append(placed)
        elif nxt is not None and container.line < nxt.line <= container.end_line:
            plan.leading.setdefault(nxt.line, []).append(placed)
        else:
            plan.block_end.setdefault(container.line, []).append(placed)
    return plan


def _enclosing_block(prev: Unit | None, column: int) -> Unit | None:
    """The innermost block around ``prev`` whose children sit at or left of ``column``
    (``None`` for the document itself). ``prev`` itself counts when the comment is
    indented under it, so a comment under a node without fields stays with that node."""
    if prev is not None and not prev.children and column > prev.indent:
        return prev
    unit = prev
    while unit is not None and unit.line >= 0:
        if unit.children and unit.children[0].indent <= column:
            return unit
        unit = unit.parent
    return None


def _redirect(plan: CommentPlan, records: list[Record]) -> None:
    """Comments anchored to source lines that produce no output line (a merged duplicate
    section keyword, an overridden duplicate field) move to the next output line."""
    claimed = sorted({r.src for r in records if isinstance(r, Line) and r.src is not None})
    claimed_set = set(claimed)
    ends = {r.src for r in records if isinstance(r, End)}

    def target(after: int) -> int | None:
        at = bisect.bisect_right(claimed, after)
        return claimed[at] if at < len(claimed) else None

    moved: list[tuple[int | None, Placed]] = []
    for anchor in [a for a in plan.leading if a not in claimed_set]:
        for placed in plan.leading.pop(anchor):
            moved.append((target(anchor), placed))
    for anchor in [a for a in plan.trailing if a not in claimed_set]:
        placed = plan.trailing.pop(anchor)
        placed.blank_before = placed.blank_after = False
        moved.append((target(anchor), placed))
    for anchor in [a for a in plan.block_end if a not in ends]:
        for placed in plan.block_end.pop(anchor):
            moved.append((target(placed.line), placed))
    for dest, placed in moved:
        if dest is None:
            plan.doc_end.append(placed)
        else:
            plan.leading.setdefault(dest, []).append(placed)
    for group in plan.leading.values():
        group.sort(key=lambda p: p.line)
    plan.doc_end.sort(key=lambda p: p.line)


class _Writer:
    def __init__(self) -> None:
        self.out: list[str] = []
        self.pending_blank = False

    def blank(self) -> None:
        if self.out:
            self.pending_blank = True

    def put(self, text: str) -> None:
        if self.pending_blank:
            self.out.append("")
            self.pending_blank = False
        self.out.append(text.rstrip(" \t"))

    def put_block(self, indent: str, texts: list[str]) -> None:
        if self.pending_blank:
            self.out.append("")
            self.pending_blank = False
        self.out.extend([indent + t if t else "" for t in texts])


def weave(records: list[Record], plan: CommentPlan) -> str:
    """Render the records with the planned comments; the text ends with one newline."""
    _redirect(plan, records)
    w = _Writer()
    for rec in records:
        if isinstance(rec, Content):
            w.put_block(INDENT * rec.depth, rec.texts)
        elif isinstance(rec, Line):
            indent = INDENT * rec.depth
            if rec.blank_before:
                w.blank()
            if rec.src is not None:
                for placed in plan.leading.pop(rec.src, ()):
                    w.put(indent + placed.comment.text)
                    if rec.keep_gaps and placed.blank_after:
                        w.blank()
                trailing = plan.trailing.pop(rec.src, None)
                if trailing is not None:
                    w.put(f"{indent}{rec.text} {trailing.comment.text}")
                    continue
            w.put(indent + rec.text)
        else:
            _put_group(w, plan.block_end.pop(rec.src, []), INDENT * rec.depth, rec.keep_gaps)
    _put_group(w, plan.doc_end, "", True)
    # Anything left (a line claimed twice) is still written rather than lost.
    rest = [p for group in plan.leading.values() for p in group] + list(plan.trailing.values())
    rest += [p for group in plan.block_end.values() for p in group]
    _put_group(w, sorted(rest, key=lambda p: p.line), "", False)
    return "\n".join(w.out) + "\n"


def _put_group(w: _Writer, group: list[Placed], indent: str, keep_gaps: bool) -> None:
    for placed in group:
        if keep_gaps and placed.blank_before:
            w.blank()
        w.put(indent + placed.comment.text)
