"""Language core speed: in-process parse/validate/lint of a large file, and CLI cold start.

Usage: python bench/bench_core.py [FILE.dip] [--rounds N]
Defaults to the corpus's build_product.dip (about 3,400 lines).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT = REPO.parent / "shared" / "corpus" / "tracker" / "examples" / "build_product.dip"


def timed(fn: Callable[[], object], rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        gc.collect()
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def report(name: str, samples: list[float]) -> None:
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    print(f"{name:<34} min {samples[0]:7.1f} ms   median {statistics.median(samples):7.1f} ms   p95 {p95:7.1f} ms")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("file", nargs="?", default=str(DEFAULT))
    ap.add_argument("--rounds", type=int, default=20)
    args = ap.parse_args()
    path = Path(args.file)
    data = path.read_bytes()

    from tracker.dippin import load_bytes
    from tracker.dippin.lint import LintOptions, lint, validate

    lines = data.count(b"\n")
    print(f"file: {path} ({lines} lines)")
    load_bytes(data, path)  # warm caches (grammar tables, rule modules)
    result = load_bytes(data, path)
    opts = LintOptions(environment=False)
    lint(result.workflow, opts)

    report("parse", timed(lambda: load_bytes(data, path), args.rounds))
    report("validate + lint (no env checks)", timed(lambda: (validate(result.workflow, opts), lint(result.workflow, opts)), args.rounds))

    def full() -> None:
        r = load_bytes(data, path)
        validate(r.workflow, opts)
        lint(r.workflow, opts)

    report("parse + validate + lint", timed(full, args.rounds))
    try:
        from tracker.dippin.analysis import analyze

        report("analysis", timed(lambda: analyze(result.workflow), args.rounds))
    except ImportError:
        pass

    cold = []
    for _ in range(max(5, args.rounds // 2)):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "tracker", "validate", "--no-env-checks", str(path)], capture_output=True, check=False)
        cold.append((time.perf_counter() - t) * 1000)
    report("cold `tracker validate` (subprocess)", cold)
    base = []
    for _ in range(5):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=False)
        base.append((time.perf_counter() - t) * 1000)
    report("  (bare python start, for scale)", base)


if __name__ == "__main__":
    main()
