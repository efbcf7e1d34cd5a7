"""The fuzzing summary at the end of the session: inputs, time and rate per target.

``make fuzz`` must show that it really ran the inputs it claims, so the count comes
from the campaigns themselves, not from the budget they were given.
"""

from __future__ import annotations

import pytest

from tests.fuzz.campaign import SEED, TALLIES, examples


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line per campaign that ran, then the total."""
    if not TALLIES:
        return
    write = terminalreporter.write_line
    terminalreporter.write_sep("=", f"fuzzing: seed {SEED}, budget {examples():,} inputs")
    write(f"{'target':<20}{'inputs':>11}{'seconds':>10}{'inputs/s':>10}{'slowest':>10}  failures")
    inputs = seconds = 0.0
    for t in TALLIES:
        rate = t.inputs / t.seconds if t.seconds else 0.0
        slowest = f"{t.slowest * 1000:.1f}ms"
        line = f"{t.target:<20}{t.inputs:>11,}{t.seconds:>10.1f}{rate:>10,.0f}{slowest:>10}"
        write(f"{line}  {t.failed}")
        inputs += t.inputs
        seconds += t.seconds
    rate = inputs / seconds if seconds else 0.0
    write(f"{'total':<20}{int(inputs):>11,}{seconds:>10.1f}{rate:>10,.0f}")
