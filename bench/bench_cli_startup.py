"""Cold start of the CLI: ``tracker --help`` and ``tracker validate FILE`` as new processes.

Usage: python bench/bench_cli_startup.py [FILE.dip] [--rounds N] [--no-compile]

``FILE`` defaults to ``examples/release_check.dip`` (small, so the number is start-up,
not validation work); ``validate`` is measured with and without ``--no-env-checks`` (the
environment checks run ``bash -n`` and parse tool commands with tree-sitter-bash).

A normal install has bytecode: pip compiles ``.pyc`` files when it installs a wheel, and
Python writes them on first import. This environment sets ``PYTHONDONTWRITEBYTECODE=1``,
which would make every start recompile from source, so by default the script first
compiles the ``tracker`` and ``tracker_lsp`` packages and the virtualenv's site-packages
(``compileall``; reading existing bytecode is unaffected by the variable), then measures.
``--no-compile`` measures whatever is there. The target is 200 ms for both commands.
Also lists the slowest imports of each command (``-X importtime``).
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT = REPO / "examples" / "release_check.dip"
TARGET_MS = 200.0


def tracker_command() -> list[str]:
    script = Path(sys.executable).parent / "tracker"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "tracker"]


def compile_bytecode() -> float:
    started = time.perf_counter()
    for folder in (REPO / "tracker", REPO / "tracker_lsp", Path(sysconfig.get_paths()["purelib"])):
        compileall.compile_dir(str(folder), quiet=2, workers=0)
    return time.perf_counter() - started


def measure(argv: list[str], rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, cwd=REPO)
        samples.append((time.perf_counter() - started) * 1000)
        if done.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.decode()[-500:]}")
    return samples


def slowest_imports(argv: list[str], count: int = 8) -> list[tuple[int, str]]:
    program = [sys.executable, "-X", "importtime", "-m", "tracker", *argv]
    done = subprocess.run(program, capture_output=True, text=True, cwd=REPO)
    rows = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = (part.strip() for part in line[len("import time:") :].split("|"))
        if not name.startswith(" "):  # top-level imports only
            rows.append((int(cumulative), name.strip()))
    rows.sort(reverse=True)
    return rows[:count]


def report(name: str, samples: list[float]) -> None:
    samples = sorted(samples)
    median = statistics.median(samples)
    verdict = "ok" if median <= TARGET_MS else f"over the {TARGET_MS:.0f} ms target"
    print(f"{name:<48} min {samples[0]:6.1f} ms   median {median:6.1f} ms   max {samples[-1]:6.1f} ms   ({verdict})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", default=str(DEFAULT))
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--no-compile", action="store_true", help="do not precompile bytecode first")
    args = parser.parse_args()
    if not args.no_compile:
        print(f"precompiled bytecode in {compile_bytecode():.1f} s")
    command = tracker_command()
    print(f"command: {' '.join(command)}   python {sys.version.split()[0]}   PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', '')}")
    baseline = measure([sys.executable, "-c", "pass"], args.rounds)
    report("python -c pass (interpreter floor)", baseline)
    name = Path(args.file).name
    cases = (
        ("tracker --help", ["--help"]),
        (f"tracker validate --no-env-checks {name}", ["validate", "--no-env-checks", args.file]),
        (f"tracker validate {name}", ["validate", args.file]),
    )
    for label, argv in cases:
        measure([*command, *argv], 2)  # warm the file cache
        report(label, measure([*command, *argv], args.rounds))
        for cumulative, module in slowest_imports(argv):
            print(f"    {cumulative / 1000:6.1f} ms  {module}")


if __name__ == "__main__":
    main()
