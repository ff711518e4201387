"""Engine overhead per node: a chain of trivial tool nodes vs. a shell loop running the same commands.

Usage: python bench/bench_engine.py [--nodes 1000] [--rounds 3] [--command 'echo {i}'] [--dir /dev/shm]

Both sides spawn ``/bin/sh -c <command>`` once per node and capture its output; the
engine additionally routes, writes events to the activity log, saves the checkpoint
(both copies) and writes each node's status.json. Reported: wall time of each side
(median of the rounds), the ratio engine/shell, and the per-node overhead
(engine − shell) / nodes, in wall time and in CPU time (user + system of the process and
its children; steadier than wall time on a busy machine). The engine is timed in-process
(library API, run directory capture on) and, once, as a full CLI run (which adds
interpreter start-up and workflow loading/linting).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def chain_source(n: int, command: str) -> str:
    lines = ["workflow Chain", '  goal: "benchmark"', "  start: N0", f"  exit: N{n - 1}", ""]
    for i in range(n):
        lines += [f"  tool N{i}", "    timeout: 30s", f"    command: {command.replace('{i}', str(i))}", ""]
    lines.append("  edges")
    lines += [f"    N{i} -> N{i + 1}" for i in range(n - 1)]
    return "\n".join(lines) + "\n"


def cpu() -> float:
    """CPU seconds of this process and its finished children (user + system)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def shell_loop(n: int, command: str, workdir: Path) -> tuple[float, float]:
    script = workdir / "loop.sh"
    cmds = [command.replace("{i}", str(i)) for i in range(n)]
    body = "\n".join(f"out=$(/bin/sh -c '{c}' 2>>\"$ERR\")" for c in cmds)
    script.write_text(f'ERR={workdir / "err.txt"}\n{body}\n')
    c = cpu()
    t = time.perf_counter()
    subprocess.run(["/bin/sh", str(script)], check=True, cwd=workdir)
    return time.perf_counter() - t, cpu() - c


def engine_run(path: Path, workdir: Path) -> tuple[float, float]:
    from tracker.engine import RunConfig, load_pipeline, run_pipeline

    pipeline = load_pipeline(path.read_bytes(), path)
    config = RunConfig(workdir=workdir)
    previous = os.getcwd()
    os.chdir(workdir)  # as the CLI does: tools then run in the process's own directory
    try:
        c = cpu()
        t = time.perf_counter()
        result = asyncio.run(run_pipeline(pipeline, config))
        elapsed = time.perf_counter() - t
        used = cpu() - c
    finally:
        os.chdir(previous)
    if result.status != "success":
        raise SystemExit(f"engine run failed: {result.error}")
    return elapsed, used


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--command", default="echo {i}", help="command of every node; {i} becomes the node number")
    ap.add_argument("--dir", default=None, help="where the workdirs and audit copies go (default: the temp dir)")
    args = ap.parse_args()
    n = args.nodes
    with tempfile.TemporaryDirectory(prefix="tracker-bench-", dir=args.dir) as tmp:
        root = Path(tmp)
        os.environ["TRACKER_AUDIT_DIR"] = str(root / "audit")
        path = root / "chain.dip"
        path.write_text(chain_source(n, args.command))
        shell: list[float] = []
        engine: list[float] = []
        shell_cpu: list[float] = []
        engine_cpu: list[float] = []
        for r in range(args.rounds):
            wall, used = shell_loop(n, args.command, root)
            shell.append(wall)
            shell_cpu.append(used)
            workdir = root / f"w{r}"
            workdir.mkdir()
            wall, used = engine_run(path, workdir)
            engine.append(wall)
            engine_cpu.append(used)
        cli_dir = root / "cli"
        cli_dir.mkdir()
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "tracker", str(path), "--no-tui", "-w", str(cli_dir)], check=True, stdout=subprocess.DEVNULL, env=os.environ)
        cli = time.perf_counter() - t
    s, e = statistics.median(shell), statistics.median(engine)
    sc, ec = statistics.median(shell_cpu), statistics.median(engine_cpu)
    print(f"nodes: {n}   command: {args.command!r}   rounds: {args.rounds}   load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"shell loop      median {s:7.3f} s   ({s / n * 1000:6.3f} ms/node)   all: {', '.join(f'{x:.3f}' for x in shell)}")
    print(f"engine (lib)    median {e:7.3f} s   ({e / n * 1000:6.3f} ms/node)   all: {', '.join(f'{x:.3f}' for x in engine)}")
    print(f"engine (CLI)           {cli:7.3f} s   (one run, includes start-up and loading)")
    print(f"wall: ratio engine/shell {e / s:.2f}x   overhead per node {(e - s) / n * 1000:.3f} ms")
    print(f"cpu:  shell {sc:.3f} s   engine {ec:.3f} s   ratio {ec / sc:.2f}x   overhead per node {(ec - sc) / n * 1000:.3f} ms")


if __name__ == "__main__":
    main()
