"""How busy the whole machine was while a benchmark phase ran.

The throughput benchmarks run servers, clients and PostgreSQL on one small machine,
so a rate alone does not say whether a change made the work cheaper or the machine
was simply full. Busy CPU time per call (every process, from ``/proc/stat``) does: it
is what one call costs the machine, and ``cores / cost`` is the most calls per second
it could carry at full load. Linux only; elsewhere nothing is measured.

On a virtual machine the host may run other guests on the same cores: that time is
*stolen* (``steal`` in ``/proc/stat``), none of this machine's processes ran, and a
phase measured while a fifth of the time was stolen carries a fifth fewer calls. It
is not counted as busy, and its share is printed beside each figure, so a slow run
can be told from a costlier one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

_STAT = Path("/proc/stat")


@dataclass(frozen=True)
class CpuSample:
    """Busy, stolen and total CPU seconds of all cores since boot."""

    busy: float
    total: float
    stolen: float = 0.0


def sample() -> CpuSample | None:
    """The machine's CPU counters now (``None`` where ``/proc/stat`` does not exist)."""
    try:
        first = _STAT.read_text().split("\n", 1)[0].split()
    except OSError:
        return None
    ticks = [int(v) for v in first[1:9]]  # user nice system idle iowait irq softirq steal
    hz = os.sysconf("SC_CLK_TCK")
    idle, steal = ticks[3] + ticks[4], ticks[7]
    return CpuSample((sum(ticks) - idle - steal) / hz, sum(ticks) / hz, steal / hz)


@dataclass(frozen=True)
class CpuUse:
    """What the machine spent between two samples."""

    busy_s: float
    share: float  # of all cores' time
    stolen: float = 0.0  # of all cores' time, taken by the host for other guests

    def per_call_ms(self, calls: int) -> float:
        return self.busy_s / calls * 1000 if calls else 0.0

    def describe(self, calls: int) -> str:
        """``machine CPU 2.10 ms/call (90% busy, 5% stolen; at most 952/s on 2 cores)``."""
        cost = self.per_call_ms(calls)
        cores = os.cpu_count() or 1
        ceiling = cores * 1000 / cost if cost else 0.0
        return (
            f"machine CPU {cost:.2f} ms/call ({self.share:.0%} busy, {self.stolen:.0%} stolen;"
            f" at most {ceiling:.0f}/s on {cores} cores)"
        )


def process_seconds(pid: int) -> float | None:
    """CPU seconds (user and system) process ``pid`` has used, its threads included
    (``None`` where ``/proc`` does not tell): what one process of several spent."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def used(before: CpuSample | None, after: CpuSample | None) -> CpuUse | None:
    """The CPU spent from ``before`` to ``after`` (``None`` if either is unknown)."""
    if before is None or after is None or after.total <= before.total:
        return None
    busy, total = after.busy - before.busy, after.total - before.total
    return CpuUse(busy, busy / total, (after.stolen - before.stolen) / total)
