"""``make bench``: run every benchmark suite and print its figures.

Each module in ``SUITES`` exposes ``run() -> list[str]`` returning printable lines.
Every suite runs in a process of its own (``python -m benchmarks SUITE``), so no
suite measures in a heap another one left behind: the plans suite alone leaves a few
hundred MB, which made later suites' hashing a quarter slower. A failing suite is
reported and makes the run exit non-zero; the others still run. Set
``INTERLOCK_BENCH_ONLY=name,name`` to run a subset.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import time
import traceback

SUITES: tuple[str, ...] = (
    "shell",
    "policy",
    "approvals",
    "plans",
    "audit",
    "server",
    "hook",
    "watch",
    "load",
)


def main(argv: list[str]) -> int:
    """With a suite name, run that suite here; without, run each selected one apart."""
    if argv:
        return _suite(argv[0])
    only = {s for s in os.environ.get("INTERLOCK_BENCH_ONLY", "").split(",") if s}
    failed = 0
    for name in SUITES:
        if only and name not in only:
            continue
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "benchmarks", name], check=False)
        failed += done.returncode != 0
        print(f"   ({time.perf_counter() - started:.1f} s)", flush=True)
    return 1 if failed else 0


def _suite(name: str) -> int:
    if name not in SUITES:
        print(f"no benchmark suite {name!r}; suites: {', '.join(SUITES)}", file=sys.stderr)
        return 2
    try:
        module = importlib.import_module(f"benchmarks.{name}")
        for line in module.run():
            print(f"   {line}", flush=True)
    except Exception:
        traceback.print_exc()
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
