"""The ``apply_patch`` tool: a small patch language of whole-file adds, deletes and
line-hunk updates (engine spec §5.2.5).

    *** Begin Patch
    *** Add File: notes.md
    +first line
    *** Update File: src/app.py
    *** Move to: src/main.py
    @@
     context line
    -old line
    +new line
    *** Delete File: old.txt
    *** End Patch

Hunks are located by the first textual match of their old lines (the ``@@`` line is not
an anchor). Operations apply one by one; a failure leaves earlier ones applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tracker.agent.environment import ToolError
from tracker.agent.tools.base import Arguments, Param, Tool, ToolContext

BEGIN = "*** Begin Patch"
END = "*** End Patch"
ADD = "*** Add File: "
DELETE = "*** Delete File: "
UPDATE = "*** Update File: "
MOVE = "*** Move to: "
EOF_MARK = "*** End of File"


@dataclass(slots=True)
class Hunk:
    old: list[str] = field(default_factory=list)
    new: list[str] = field(default_factory=list)
    at_eof: bool = False

    def texts(self) -> tuple[str, str]:
        def join(lines: list[str]) -> str:
            if not lines:
                return ""
            return "\n".join(lines) + ("" if self.at_eof else "\n")

        return join(self.old), join(self.new)


@dataclass(slots=True)
class AddFile:
    path: str
    content: str


@dataclass(slots=True)
class DeleteFile:
    path: str


@dataclass(slots=True)
class UpdateFile:
    path: str
    move_to: str = ""
    hunks: list[Hunk] = field(default_factory=list)


Operation = AddFile | DeleteFile | UpdateFile


def parse_patch(text: str) -> list[Operation]:
    lines = text.split("\n")
    if not lines or lines[0] != BEGIN:
        raise ToolError(f"patch must begin with {BEGIN}")
    ops: list[Operation] = []
    i, n = 1, len(lines)
    while i < n:
        line = lines[i]
        if line == END:
            return ops
        if line.startswith(ADD):
            i, op = _parse_add(lines, i + 1, line[len(ADD) :].strip())
            ops.append(op)
        elif line.startswith(DELETE):
            ops.append(DeleteFile(line[len(DELETE) :].strip()))
            i += 1
        elif line.startswith(UPDATE):
            i, update = _parse_update(lines, i + 1, line[len(UPDATE) :].strip())
            ops.append(update)
        elif not line.strip():
            i += 1
        else:
            raise ToolError(f"unexpected patch line {line!r}")
    raise ToolError(f"patch is missing {END}")


def _parse_add(lines: list[str], i: int, path: str) -> tuple[int, AddFile]:
    body: list[str] = []
    while i < len(lines) and not lines[i].startswith("*** "):
        if not lines[i].startswith("+"):
            raise ToolError("add file lines must start with +")
        body.append(lines[i][1:])
        i += 1
    return i, AddFile(path, "\n".join(body) + "\n" if body else "")


def _parse_update(lines: list[str], i: int, path: str) -> tuple[int, UpdateFile]:
    update = UpdateFile(path)
    n = len(lines)
    if i < n and lines[i].startswith(MOVE):
        update.move_to = lines[i][len(MOVE) :].strip()
        i += 1
    while i < n:
        line = lines[i]
        if line == EOF_MARK:
            if update.hunks:
                update.hunks[-1].at_eof = True
            i += 1
            continue
        if line.startswith("*** "):
            break
        if not line.startswith("@@"):
            raise ToolError(f"expected hunk header, got {line!r}")
        i += 1
        hunk = Hunk()
        while i < n and not lines[i].startswith(("@@", "*** ")):
            entry = lines[i]
            if entry == "":
                if i == n - 1:
                    i += 1
                    break
                raise ToolError("empty patch line in hunk")
            marker, rest = entry[0], entry[1:]
            if marker == " ":
                hunk.old.append(rest)
                hunk.new.append(rest)
            elif marker == "-":
                hunk.old.append(rest)
            elif marker == "+":
                hunk.new.append(rest)
            else:
                raise ToolError(f"unsupported hunk line {entry!r}")
            i += 1
        update.hunks.append(hunk)
    if not update.hunks:
        raise ToolError(f"update {path} has no hunks")
    return i, update


def apply_hunks(path: str, content: str, hunks: list[Hunk]) -> str:
    for hunk in hunks:
        old, new = hunk.texts()
        if not old:
            content = new + content
        elif old in content:
            content = content.replace(old, new, 1)
        elif old.endswith("\n") and old[:-1] in content:
            content = content.replace(old[:-1], new.removesuffix("\n"), 1)
        else:
            raise ToolError(f"update {path}: hunk did not match target content")
    return content


class ApplyPatchTool(Tool):
    name = "apply_patch"
    description = (
        "Apply a patch that adds, deletes, moves or updates files. The patch starts with "
        "'*** Begin Patch' and ends with '*** End Patch'. Sections: '*** Add File: <path>' "
        "followed by lines starting with '+'; '*** Delete File: <path>'; '*** Update File: "
        "<path>' (optionally '*** Move to: <path>') followed by hunks, each starting with a "
        "line beginning '@@', whose lines start with ' ' (context), '-' (remove) or '+' (add)."
    )
    params = (Param("patch", "string", "The patch text.", required=True),)
    cache_policy = "mutating"
    output_limit = 10_000
    edits_files = True

    async def run(self, args: Arguments, ctx: ToolContext) -> str:
        ops = parse_patch(args.required_text("patch"))
        env = ctx.env
        for op in ops:
            if isinstance(op, AddFile):
                env.write_text(op.path, op.content)
            elif isinstance(op, DeleteFile):
                env.remove(op.path)
            else:
                content = env.read_bytes(op.path).decode("utf-8", errors="replace")
                updated = apply_hunks(op.path, content, op.hunks)
                if op.move_to:
                    env.write_text(op.move_to, updated)
                    env.remove(op.path)
                else:
                    env.write_text(op.path, updated)
        return f"applied patch ({len(ops)} file(s) changed)"
