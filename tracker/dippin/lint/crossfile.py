"""Loading the workflow files that ``subgraph`` and ``manager_loop`` nodes refer to.

Cross-file rules (DIP143, DIP146, DIP149, DIP160) and the language server need the child
workflows a file runs. :class:`SubgraphLoader` resolves a reference the way the runtime
does, reads it through ``LintOptions.read_file`` when set (the language server passes its
open documents) or from disk, parses it with file directives resolved relative to the
child, and remembers every result, so a file referenced many times is read once.
:meth:`SubgraphLoader.walk` visits the reference tree below a workflow depth first and
reports reference cycles instead of following them.

Resolution order (runtime, engine.md §1.3.8): ``<dir of referring file>/<ref>``, then the
same with ``.dip`` appended, then ``<cwd>/<ref>`` and ``<cwd>/<ref>.dip``. An absolute ref
is tried as written and with ``.dip``. A relative ref in a document that has no file path
is not resolved (there is no directory to resolve it against).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from tracker.dippin.diagnostics import Diagnostic, Severity, sort_key
from tracker.dippin.directives import resolve_directives
from tracker.dippin.ir import AnyNode, ManagerLoopNode, SubgraphNode, Workflow
from tracker.dippin.parser import ParseResult, parse_bytes, parse_text
from tracker.dippin.positions import Range

if TYPE_CHECKING:
    from tracker.dippin.lint import LintContext

Reader = Callable[[Path], str]


class ChildRef(NamedTuple):
    """A reference to another workflow file written in a node."""

    node: AnyNode
    ref: str
    field: str  # "ref" or "subgraph_ref"
    range: Range  # the value as written, else the node ID

    @property
    def kind(self) -> str:
        return self.node.kind


def child_refs(workflow: Workflow) -> list[ChildRef]:
    """Every ``subgraph`` ``ref`` and ``manager_loop`` ``subgraph_ref`` in declaration order
    (empty references included, so callers can report them)."""
    out: list[ChildRef] = []
    for node in workflow.nodes:
        if isinstance(node, SubgraphNode):
            name, ref = "ref", node.ref
        elif isinstance(node, ManagerLoopNode):
            name, ref = "subgraph_ref", node.subgraph_ref
        else:
            continue
        src = node.fields.get(name)
        out.append(ChildRef(node, ref.strip(), name, src.value_range if src else node.id_range))
    return out


class LoadedChild(NamedTuple):
    """The outcome of loading one referenced file.

    ``path`` is the file the reference resolved to (``None`` when no candidate exists or
    the reference cannot be resolved); ``result`` its parse (``None`` when it could not be
    read); ``problem`` says why not, in words.
    """

    ref: str
    path: Path | None
    candidates: tuple[Path, ...] = ()
    result: ParseResult | None = None
    problem: str = ""

    @property
    def found(self) -> bool:
        return self.result is not None

    @property
    def workflow(self) -> Workflow | None:
        return self.result.workflow if self.result is not None else None


class WalkStep(NamedTuple):
    """One reference met while walking the tree below a workflow.

    ``chain`` is the list of files from the walk's root to the file that contains the
    reference; ``child`` the loaded target; ``cycle`` is true when the target is already on
    the chain (the runtime refuses such a reference instead of loading it again).
    """

    ref: ChildRef
    chain: tuple[Path, ...]
    child: LoadedChild | None  # None for an empty or unresolvable reference
    cycle: bool = False

    @property
    def depth(self) -> int:
        return len(self.chain)


def normalize(path: str | Path) -> Path:
    """An absolute, lexically normalised path (no file system access)."""
    return Path(os.path.normpath(os.path.abspath(path)))


class SubgraphLoader:
    """Resolves, reads, parses and checks referenced workflow files, with a cache.

    ``read_file`` reads a file's text (default: the file system, UTF-8 with invalid bytes
    reported as DIP909); ``search_cwd`` adds the runtime's current-directory candidates.
    """

    def __init__(self, read_file: Reader | None = None, *, search_cwd: bool = True, cwd: Path | None = None) -> None:
        self._read = read_file
        self._search_cwd = search_cwd
        self._cwd = cwd
        self._loaded: dict[Path, LoadedChild] = {}
        self._errors: dict[Path, list[Diagnostic]] = {}

    # ------------------------------------------------------------------ resolution
    def candidates(self, ref: str, referrer: str | Path | None) -> list[Path]:
        """The paths the runtime tries for ``ref`` written in file ``referrer``."""
        ref = ref.strip()
        if not ref:
            return []
        target = Path(ref)
        bases: list[Path] = []
        if target.is_absolute():
            bases.append(target)
        else:
            if referrer is not None:
                bases.append(normalize(Path(referrer).parent / target))
            if self._search_cwd and (referrer is not None or self._cwd is not None):
                bases.append(normalize((self._cwd or Path.cwd()) / target))
        out: list[Path] = []
        for base in bases:
            for candidate in (base, base.with_name(base.name + ".dip")):
                if candidate not in out:
                    out.append(candidate)
        return out

    def load(self, ref: str, referrer: str | Path | None) -> LoadedChild:
        """Resolve ``ref`` relative to ``referrer`` and load the first candidate that reads."""
        candidates = tuple(self.candidates(ref, referrer))
        if not candidates:
            reason = "empty reference" if not ref.strip() else "relative reference in a document without a file path"
            return LoadedChild(ref, None, candidates, problem=reason)
        for path in candidates:
            cached = self._loaded.get(path)
            if cached is None:
                cached = self._load_path(ref, path, candidates)
                if cached is None:
                    continue
                self._loaded[path] = cached
            if cached.ref == ref:
                return cached
            return LoadedChild(ref, cached.path, candidates, cached.result, cached.problem)
        shown = ", ".join(str(c) for c in candidates)
        return LoadedChild(ref, None, candidates, problem=f"no such file (tried {shown})")

    def _load_path(self, ref: str, path: Path, candidates: tuple[Path, ...]) -> LoadedChild | None:
        try:
            if self._read is not None:
                result = parse_text(self._read(path), str(path))
            else:
                if not path.is_file():
                    return None
                result = parse_bytes(path.read_bytes(), str(path))
        except (OSError, UnicodeDecodeError):
            return None
        if self._read is not None:
            resolve_directives(result.workflow, path.parent, result.diagnostics, reader=self._read)
        else:
            resolve_directives(result.workflow, path.parent, result.diagnostics)
        result.diagnostics.sort(key=sort_key)
        return LoadedChild(ref, path, candidates, result)

    # ------------------------------------------------------------------ checking
    def errors(self, child: LoadedChild) -> list[Diagnostic]:
        """Errors that stop the runtime from loading ``child``: parse errors, then the
        structural errors (DIP001–DIP009) of its workflow. Empty when it was not found."""
        if child.result is None or child.path is None:
            return []
        found = self._errors.get(child.path)
        if found is None:
            from tracker.dippin.lint import LintOptions, validate

            result = child.result
            found = [d for d in result.diagnostics if d.severity is Severity.ERROR]
            options = LintOptions(read_file=self._read) if self._read is not None else None
            found += [d for d in validate(result.workflow, options, result.path) if d.severity is Severity.ERROR]
            found.sort(key=sort_key)
            self._errors[child.path] = found
        return found

    # ------------------------------------------------------------------ traversal
    def walk(self, workflow: Workflow, path: str | Path | None, *, ancestors: tuple[Path, ...] = ()) -> Iterator[WalkStep]:
        """Every reference in ``workflow`` (the file ``path``) and, depth first, in the files
        it loads. ``ancestors`` are files above ``path`` (they count for cycles).

        Each file is expanded once per walk; a reference back to a file on the current
        chain is reported with ``cycle=True`` and not followed.
        """
        here = normalize(path) if path is not None else None
        chain = (*ancestors, here) if here is not None else ancestors
        yield from self._walk(workflow, here, chain, set())

    def _walk(self, workflow: Workflow, here: Path | None, chain: tuple[Path, ...], expanded: set[Path]) -> Iterator[WalkStep]:
        for ref in child_refs(workflow):
            if not ref.ref:
                yield WalkStep(ref, chain, None)
                continue
            child = self.load(ref.ref, here)
            if child.path is None:
                yield WalkStep(ref, chain, child)
                continue
            if child.path in chain:
                yield WalkStep(ref, chain, child, cycle=True)
                continue
            yield WalkStep(ref, chain, child)
            if child.path in expanded or child.workflow is None:
                continue
            expanded.add(child.path)
            yield from self._walk(child.workflow, child.path, (*chain, child.path), expanded)


LOADER_KEY = "crossfile.loader"


def loader_for(ctx: LintContext) -> SubgraphLoader:
    """The loader shared by every cross-file rule of one lint run."""
    loader: SubgraphLoader = ctx.cached(LOADER_KEY, lambda: SubgraphLoader(ctx.options.read_file))
    return loader
