"""Benchmark: the dataflow analysis of ``build_product.dip`` (budget: 20 ms in-process).

Run: ``python bench/bench_analysis.py [FILE.dip] [--runs N]``. Prints the best and median
times of ``analyze()`` alone, of the queries the language server makes after an edit
(``keys_at`` for every node), and of the dataflow lint rules.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from tracker.dippin import load_file
from tracker.dippin.analysis import analyze
from tracker.dippin.lint import LintContext, LintOptions, dataflow

DEFAULT = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "tracker" / "examples" / "build_product.dip"
BUDGET_MS = 20.0


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return min(samples), statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("file", nargs="?", default=str(DEFAULT))
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    result = load_file(args.file)
    wf = result.workflow
    lines = result.source.lines

    def analysis_only() -> object:
        return analyze(wf, source_lines=lines)

    def with_queries() -> object:
        a = analyze(wf, source_lines=lines)
        for node in wf.nodes:
            a.keys_at(node.id)
        return a

    def lint_rules() -> object:
        ctx = LintContext(wf, LintOptions(environment=False))
        dataflow.context_reads(ctx)
        dataflow.namespace_reads(ctx)
        dataflow.reserved_writes(ctx)
        return ctx.diagnostics

    analysis_only()
    print(f"{Path(args.file).name}: {len(wf.nodes)} nodes, {len(wf.edges)} edges, {args.runs} runs")
    verdict = ""
    for name, fn in (("analyze()", analysis_only), ("analyze() + keys_at(every node)", with_queries), ("dataflow lint rules", lint_rules)):
        best, median = timed(fn, args.runs)
        if name == "analyze()":
            verdict = "within" if best <= BUDGET_MS else "OVER"
        print(f"  {name:34} best {best:6.2f} ms   median {median:6.2f} ms")
    print(f"analyze() is {verdict} the {BUDGET_MS:.0f} ms budget")
    return 0 if verdict == "within" else 1


if __name__ == "__main__":
    raise SystemExit(main())
