"""The language server reuses work between versions; the answers must not change.

After random edits of corpus files, re-parsed incrementally (so unchanged node records are
the same objects), the dataflow analysis built with ``previous=`` must equal a fresh
``analyze`` of the same workflow, and the diagnostics the server computes from it must
equal ``tracker.dippin.lint.check`` of a full parse (what ``tracker validate``/``lint``
report).
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import corpus_files
from tests.lsp.test_incremental import _mutate
from tracker.dippin import load_text
from tracker.dippin.analysis import Analysis, analyze
from tracker.dippin.ir_data import to_data
from tracker.dippin.lint import LintOptions, check
from tracker_lsp.documents import split_lines
from tracker_lsp.incremental import IncrementalParser


def _answers(a: Analysis) -> Any:
    """Every public answer of an analysis, as plain data."""
    ids = [n.id for n in a.workflow.nodes]
    keys = sorted(a.written_keys())
    return to_data(
        {
            "error": a.error,
            "reachable": sorted(a.reachable),
            "unreachable": a.unreachable,
            "paths_to_exit": sorted(a.paths_to_exit),
            "dead_ends": a.dead_ends,
            "reads": a.reads,
            "params": a.params,
            "inputs": a.inputs,
            "graph_attrs": a.graph_attrs,
            "loops": a.loops(),
            "pairs": a.parallel_pairs(),
            "writers": {k: a.writers_of(k) for k in keys},
            "nodes": {
                i: {
                    "in": a.keys_at(i),
                    "out": a.keys_after(i),
                    "own": a.node_writers(i),
                    "up": sorted(a.upstream(i)),
                    "opaque": a.opaque_upstream(i),
                    "live": a.live_on_first_pass(i),
                    "consumers": a.consumers_before(i),
                }
                for i in ids
            },
        }
    )


@pytest.mark.parametrize("path", corpus_files("**/*.dip")[1::5] or [None], ids=lambda p: p.name if p else "no-corpus")
def test_reused_analysis_equals_a_fresh_one(path: object, corpus: object) -> None:
    assert isinstance(path, Path)
    lines, _ = split_lines(path.read_text(encoding="utf-8"))
    parser = IncrementalParser(str(path))
    rng = random.Random(path.name)
    previous: Analysis | None = None
    for step in range(10):
        if step:
            lines = _mutate(lines, rng)
        result = parser.parse(list(lines))
        reused = analyze(result.workflow, previous=previous)
        fresh = analyze(result.workflow)
        assert _answers(reused) == _answers(fresh), f"step {step}"
        previous = reused


def test_one_character_edits_reuse_solutions_and_keep_diagnostics(corpus: object) -> None:
    path = Path(str(corpus)) / "tracker" / "examples" / "build_product.dip"
    lines, _ = split_lines(path.read_text(encoding="utf-8"))
    parser = IncrementalParser(str(path))
    previous = analyze(parser.parse(list(lines)).workflow)
    rng = random.Random(7)
    candidates = [i for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")]
    reused_solutions = 0
    for _ in range(12):
        i = rng.choice(candidates)
        c = rng.randint(0, len(lines[i]))
        lines[i] = lines[i][:c] + rng.choice("x ${}.") + lines[i][c:]
        result = parser.parse(list(lines))
        analysis = analyze(result.workflow, previous=previous)
        reused_solutions += analysis._rd is previous._rd
        options = LintOptions(environment=False)
        got = check(result, options, analysis=analysis)
        want = check(load_text("\n".join(lines), str(path)), options)
        assert [d.to_dict() for d in got] == [d.to_dict() for d in want]
        assert _answers(analysis) == _answers(analyze(result.workflow))
        previous = analysis
    assert reused_solutions > 0
