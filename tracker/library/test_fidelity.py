"""The test-fidelity gate behind ``tracker verify-tests`` (engine spec §8.6.4).

Copy-pasted tests give false confidence: two test functions with the same body test the
same thing twice. This module finds groups of two or more test functions whose bodies
have at least three statements and are identical, or identical once literals (strings,
numbers, characters) are replaced by placeholders. It reads Go tests (``*_test.go``,
``func TestXxx``) with a small tokenizer and pytest tests (``test_*.py``/``*_test.py``,
``test*`` functions and methods of ``Test*`` classes) with :mod:`ast`. Hidden folders,
virtualenvs, ``vendor`` and ``node_modules`` are skipped.

:func:`detect_races` runs ``go test -race ./...`` for a Go module, or says why it cannot.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MIN_STATEMENTS = 3
SKIP_DIRS = frozenset({"node_modules", "vendor", "venv", "__pycache__", "site-packages", "testdata"})
_GO_TEST = re.compile(r"^func\s+(Test\w*)\s*\(", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class TestFunction:
    name: str
    file: str
    line: int
    language: str  # "go" or "python"
    statements: int
    exact: str  # the body without comments and layout
    shape: str  # the same with literals replaced

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "file": self.file, "line": self.line, "language": self.language}


@dataclass(frozen=True, slots=True)
class DuplicateGroup:
    kind: str  # "identical" or "literals" (identical after normalising literals)
    tests: list[TestFunction]

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "tests": [t.to_dict() for t in self.tests]}


@dataclass(slots=True)
class FidelityReport:
    root: str
    files: int = 0
    tests: int = 0
    groups: list[DuplicateGroup] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # files that could not be read or parsed

    @property
    def ok(self) -> bool:
        return not self.groups

    def to_dict(self) -> dict[str, Any]:
        return {
            "root": self.root,
            "files": self.files,
            "tests": self.tests,
            "groups": [g.to_dict() for g in self.groups],
            "problems": list(self.problems),
        }


# ---------------------------------------------------------------------------- Go


@dataclass(slots=True)
class _Token:
    kind: str  # "lit" for literals, "op" for everything else
    text: str
    newline_before: bool


def _go_tokens(src: str) -> list[_Token]:
    """Tokens of Go source without comments; string, rune and number literals marked."""
    tokens: list[_Token] = []
    i, n = 0, len(src)
    newline = False
    while i < n:
        c = src[i]
        if c == "\n":
            newline = True
            i += 1
        elif c.isspace():
            i += 1
        elif src.startswith("//", i):
            end = src.find("\n", i)
            i = n if end == -1 else end
        elif src.startswith("/*", i):
            end = src.find("*/", i + 2)
            if end == -1:
                i = n
            else:
                newline = newline or "\n" in src[i:end]
                i = end + 2
        elif c in "\"'`":
            j = i + 1
            while j < n and src[j] != c:
                if c != "`" and src[j] == "\\":
                    j += 1
                elif c != "`" and src[j] == "\n":
                    break
                j += 1
            tokens.append(_Token("lit", src[i : j + 1], newline))
            newline = False
            i = j + 1
        elif c.isdigit() or (c == "." and i + 1 < n and src[i + 1].isdigit()):
            j = i + 1
            while j < n and (src[j].isalnum() or src[j] in "._" or (src[j] in "+-" and src[j - 1] in "eEpP")):
                j += 1
            tokens.append(_Token("lit", src[i:j], newline))
            newline = False
            i = j
        elif c.isalpha() or c == "_":
            j = i + 1
            while j < n and (src[j].isalnum() or src[j] == "_"):
                j += 1
            tokens.append(_Token("op", src[i:j], newline))
            newline = False
            i = j
        else:
            two = src[i : i + 2]
            text = two if two in ("++", "--", ":=", "==", "!=", "<=", ">=", "&&", "||", "<-", "+=", "-=") else c
            tokens.append(_Token("op", text, newline))
            newline = False
            i += len(text)
    return tokens


def _ends_statement(token: _Token) -> bool:
    """Go ends a statement at a line break after a literal, a word or a closing
    bracket, and after ``++``/``--`` (its automatic-semicolon rule)."""
    if token.kind == "lit" or token.text in ("++", "--", ")", "]", "}"):
        return True
    return token.text[:1].isalnum() or token.text[:1] == "_"


def _go_body(tokens: list[_Token], start: int) -> tuple[list[_Token], int] | None:
    """The tokens between the body's braces, from the ``{`` at or after ``start``."""
    depth_paren = 0
    i = start
    while i < len(tokens):
        t = tokens[i].text
        if t in ("(", "["):
            depth_paren += 1
        elif t in (")", "]"):
            depth_paren -= 1
        elif t == "{" and depth_paren == 0:
            break
        i += 1
    else:
        return None
    depth = 0
    for j in range(i, len(tokens)):
        t = tokens[j].text
        if t in ("{", "(", "["):
            depth += 1
        elif t in ("}", ")", "]"):
            depth -= 1
            if depth == 0:
                return tokens[i + 1 : j], j
    return None


def _count_go_statements(body: list[_Token]) -> int:
    count = 0
    depth = 0
    pending = False
    previous: _Token | None = None
    for token in body:
        if depth == 0 and token.newline_before and pending and previous is not None and _ends_statement(previous):
            count += 1
            pending = False
        if token.text in ("{", "(", "["):
            depth += 1
        elif token.text in ("}", ")", "]"):
            depth -= 1
        if depth == 0 and token.text == ";":
            if pending:
                count += 1
            pending = False
        else:
            pending = True
        previous = token
    return count + (1 if pending else 0)


def _go_literal(text: str) -> str:
    if text[0] in "\"`":
        return '"S"'
    if text[0] == "'":
        return "'R'"
    return "0"


def go_tests(path: Path, shown: str) -> list[TestFunction]:
    src = path.read_text(encoding="utf-8", errors="replace")
    tokens = _go_tokens(src)
    out: list[TestFunction] = []
    for match in _GO_TEST.finditer(src):
        name = match.group(1)
        line = src.count("\n", 0, match.start()) + 1
        # find the token of this name that starts the declaration
        start = next(
            (k for k in range(len(tokens) - 1) if tokens[k].text == "func" and tokens[k + 1].text == name), None
        )
        if start is None:
            continue
        found = _go_body(tokens, start + 2)
        if found is None:
            continue
        body, _ = found
        exact = " ".join(t.text for t in body)
        shape = " ".join(_go_literal(t.text) if t.kind == "lit" else t.text for t in body)
        out.append(TestFunction(name, shown, line, "go", _count_go_statements(body), exact, shape))
    return out


# ---------------------------------------------------------------------------- Python


class _Literals(ast.NodeTransformer):
    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if isinstance(node.value, bool) or node.value is None or node.value is Ellipsis:
            return node
        return ast.Constant(value=type(node.value).__name__)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        return ast.Constant(value="str")


def _without_docstring(body: list[ast.stmt]) -> list[ast.stmt]:
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
        return body[1:]
    return body


def _python_key(fn: ast.FunctionDef | ast.AsyncFunctionDef, body: list[ast.stmt]) -> str:
    parts = [ast.dump(fn.args, include_attributes=False)]
    parts += [ast.dump(d, include_attributes=False) for d in fn.decorator_list]
    parts += [ast.dump(s, include_attributes=False) for s in body]
    return "\n".join(parts)


def python_tests(path: Path, shown: str) -> list[TestFunction]:
    import copy

    tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"), filename=str(path))
    functions: list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
            functions.append((node.name, node))
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name.startswith("test"):
                    functions.append((f"{node.name}.{item.name}", item))
    out: list[TestFunction] = []
    for name, fn in functions:
        body = _without_docstring(fn.body)
        exact = _python_key(fn, body)
        normalised = _Literals().visit(copy.deepcopy(fn))
        assert isinstance(normalised, (ast.FunctionDef, ast.AsyncFunctionDef))
        shape = _python_key(normalised, _without_docstring(normalised.body))
        out.append(TestFunction(name, shown, fn.lineno, "python", len(body), exact, shape))
    return out


# ---------------------------------------------------------------------------- scanning


def _test_files(root: Path) -> list[Path]:
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS)
        for name in sorted(files):
            if name.endswith("_test.go") or (name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))):
                found.append(Path(folder) / name)
    return found


def analyze(root: Path) -> FidelityReport:
    """Duplicate test bodies under ``root`` (a folder or a single test file)."""
    report = FidelityReport(str(root))
    files = [root] if root.is_file() else _test_files(root)
    tests: list[TestFunction] = []
    for path in files:
        shown = os.path.relpath(path, root if root.is_dir() else root.parent)
        try:
            found = go_tests(path, shown) if path.name.endswith(".go") else python_tests(path, shown)
        except (OSError, SyntaxError, ValueError) as exc:
            report.problems.append(f"{shown}: {exc}")
            continue
        report.files += 1
        tests += found
    report.tests = len(tests)
    candidates = [t for t in tests if t.statements >= MIN_STATEMENTS]
    by_shape: dict[tuple[str, str], list[TestFunction]] = {}
    for t in candidates:
        by_shape.setdefault((t.language, t.shape), []).append(t)
    for group in by_shape.values():
        if len(group) < 2:
            continue
        kind = "identical" if len({t.exact for t in group}) == 1 else "literals"
        report.groups.append(DuplicateGroup(kind, sorted(group, key=lambda t: (t.file, t.line))))
    report.groups.sort(key=lambda g: (g.tests[0].file, g.tests[0].line))
    return report


# ---------------------------------------------------------------------------- races


@dataclass(frozen=True, slots=True)
class RaceReport:
    ran: bool
    ok: bool
    reason: str = ""  # why it was skipped, or what failed
    output: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"ran": self.ran, "ok": self.ok, "reason": self.reason, "output": self.output}


RACE_UNSUPPORTED = ("-race requires cgo", "-race is not supported", "race detector is not supported")


def detect_races(root: Path, timeout: float = 1800) -> RaceReport:
    """``go test -race ./...`` in ``root``; skipped (``ran=False``) without a Go module,
    a Go toolchain or race-detector support."""
    folder = root if root.is_dir() else root.parent
    if not (folder / "go.mod").is_file():
        return RaceReport(False, True, f"no go.mod in {folder} (the race check is for Go modules)")
    go = shutil.which("go")
    if go is None:
        return RaceReport(False, True, "the go toolchain is not on PATH")
    try:
        done = subprocess.run([go, "test", "-race", "./..."], cwd=folder, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return RaceReport(True, False, f"go test -race did not finish within {timeout:g}s")
    output = (done.stdout + done.stderr).strip()
    if done.returncode != 0 and any(marker in output for marker in RACE_UNSUPPORTED):
        return RaceReport(False, True, "the race detector is not available here (it needs cgo)", output)
    if done.returncode != 0:
        reason = "data race detected" if "DATA RACE" in output else f"go test -race failed (exit {done.returncode})"
        return RaceReport(True, False, reason, output)
    return RaceReport(True, True, "", output)
