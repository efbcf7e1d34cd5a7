"""``make bench``: run every benchmark module in one process and print its figures.

Each module in ``SUITES`` exposes ``run() -> list[str]`` returning printable lines;
a failing suite is reported and makes the run exit non-zero, the others still run.
Set ``INTERLOCK_BENCH_ONLY=name,name`` to run a subset.
"""

from __future__ import annotations

import importlib
import os
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


def main() -> int:
    """Run the selected suites and print their lines under a heading each."""
    only = {s for s in os.environ.get("INTERLOCK_BENCH_ONLY", "").split(",") if s}
    failed = 0
    for name in SUITES:
        if only and name not in only:
            continue
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        try:
            module = importlib.import_module(f"benchmarks.{name}")
            for line in module.run():
                print(f"   {line}", flush=True)
        except Exception:
            failed += 1
            traceback.print_exc()
        print(f"   ({time.perf_counter() - started:.1f} s)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
