"""How busy the whole machine was while a benchmark phase ran.

The throughput benchmarks run servers, clients and PostgreSQL on one small machine,
so a rate alone does not say whether a change made the work cheaper or the machine
was simply full. Busy CPU time per call (every process, from ``/proc/stat``) does: it
is what one call costs the machine, and ``cores / cost`` is the most calls per second
it could carry at full load. Linux only; elsewhere nothing is measured.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

_STAT = Path("/proc/stat")


@dataclass(frozen=True)
class CpuSample:
    """Busy and total CPU seconds of all cores since boot."""

    busy: float
    total: float


def sample() -> CpuSample | None:
    """The machine's CPU counters now (``None`` where ``/proc/stat`` does not exist)."""
    try:
        first = _STAT.read_text().split("\n", 1)[0].split()
    except OSError:
        return None
    ticks = [int(v) for v in first[1:9]]  # user nice system idle iowait irq softirq steal
    hz = os.sysconf("SC_CLK_TCK")
    idle = ticks[3] + ticks[4]
    return CpuSample((sum(ticks) - idle) / hz, sum(ticks) / hz)


@dataclass(frozen=True)
class CpuUse:
    """What the machine spent between two samples."""

    busy_s: float
    share: float  # of all cores' time

    def per_call_ms(self, calls: int) -> float:
        return self.busy_s / calls * 1000 if calls else 0.0

    def describe(self, calls: int) -> str:
        """``machine CPU 2.10 ms/call (95% busy; at most 952/s on 2 cores)``."""
        cost = self.per_call_ms(calls)
        cores = os.cpu_count() or 1
        ceiling = cores * 1000 / cost if cost else 0.0
        return (
            f"machine CPU {cost:.2f} ms/call ({self.share:.0%} busy;"
            f" at most {ceiling:.0f}/s on {cores} cores)"
        )


def used(before: CpuSample | None, after: CpuSample | None) -> CpuUse | None:
    """The CPU spent from ``before`` to ``after`` (``None`` if either is unknown)."""
    if before is None or after is None or after.total <= before.total:
        return None
    busy = after.busy - before.busy
    return CpuUse(busy, busy / (after.total - before.total))
