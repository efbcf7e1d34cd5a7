"""One fuzzing campaign per target: a seeded generator loop with a clock on every input.

Hypothesis is what the property tests elsewhere use; a million inputs through it take
hours, so each target here is a plain loop over ``random.Random`` seeded from
``INTERLOCK_FUZZ_SEED`` and the target's name (the same seed replays the same inputs,
so a failure is reproduced by its seed and the input printed with it). Each input is
given to ``probe``, the code under test, alone on the clock: over ``LIMIT`` it is run
once more to filter out a busy machine, and only a second overrun is a failure. An
exception out of ``probe`` is a crash; ``judge`` checks the outcome's properties.
A stuck input is cut off by ``SIGALRM`` after ``HANG`` seconds and reported as a hang.

``INTERLOCK_FUZZ_EXAMPLES`` is the number of inputs across all targets, split evenly;
unset, it is the short share ``make test`` runs (``DEFAULT_EXAMPLES``).
"""

from __future__ import annotations

import os
import random
import secrets
import signal
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType
from typing import Generic, TypeVar

EXAMPLES_ENV = "INTERLOCK_FUZZ_EXAMPLES"
SEED_ENV = "INTERLOCK_FUZZ_SEED"
#: Inputs across all targets when ``INTERLOCK_FUZZ_EXAMPLES`` is unset (``make test``).
DEFAULT_EXAMPLES = 12_000
#: Every target; the budget is split evenly between them.
TARGETS: tuple[str, ...] = (
    "shell-destructive",
    "shell-random",
    "plans-mutated",
    "plans-bytes",
    "hook-offline",
    "hook-gateway",
)
#: The most one input may take (issue 9: no hang over 100 ms).
LIMIT = 0.100
#: An input still running after this long is stopped and reported as a hang.
HANG = 10.0
#: Failures a campaign keeps in detail; it counts the rest and runs its whole share.
MAX_FAILURES = 10
#: Longest input text a failure report shows.
SHOWN = 600

T = TypeVar("T")
R = TypeVar("R")


class FuzzHangError(Exception):
    """Raised from the alarm handler when one input runs past ``HANG``."""


def examples() -> int:
    """The total number of inputs asked for."""
    raw = os.environ.get(EXAMPLES_ENV, "").replace("_", "").replace(",", "")
    return int(raw) if raw else DEFAULT_EXAMPLES


def share(target: str) -> int:
    """``target``'s part of the budget; the parts add up to exactly ``examples()``."""
    total, index = examples(), TARGETS.index(target)
    return total // len(TARGETS) + (1 if index < total % len(TARGETS) else 0)


def _seed() -> int:
    raw = os.environ.get(SEED_ENV, "0")
    return secrets.randbits(32) if raw == "random" else int(raw)


#: The session's seed, chosen once so that every target and the summary agree.
SEED = _seed()


@dataclass
class Failure:
    """One input that broke a property, with what happened."""

    kind: str  # crash, slow, hang, property, judge-error
    index: int
    text: str
    detail: str

    def render(self) -> str:
        """Two lines a person can act on."""
        return f"[{self.kind} #{self.index}] {self.text}\n    {self.detail}"


@dataclass
class Tally:
    """What one campaign ran and found; the conftest prints these at the end."""

    target: str
    seed: int
    inputs: int = 0
    seconds: float = 0.0
    slowest: float = 0.0
    reruns: int = 0
    failed: int = 0
    failures: list[Failure] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        """Whether no input failed."""
        return not self.failed

    def report(self) -> str:
        """The failures, with the seed that replays them."""
        head = f"{self.target}: {self.failed} of {self.inputs:,} inputs failed"
        head += f" (first {len(self.failures)} shown); replay with "
        head += f"{SEED_ENV}={self.seed} {EXAMPLES_ENV}={examples()}"
        return "\n".join([head, *(f.render() for f in self.failures)])


#: Every campaign of this session, in the order they ran.
TALLIES: list[Tally] = []


def _expired(signum: int, frame: FrameType | None) -> None:
    raise FuzzHangError(f"still running after {HANG:g} s")


class Campaign(Generic[T, R]):
    """Generate, probe on the clock, judge; ``share(target)`` times."""

    def __init__(self, target: str, show: Callable[[T], str] = repr) -> None:
        self.target = target
        self.rng = random.Random(f"{SEED}:{target}")
        self.show = show
        self.tally = Tally(target, SEED)
        TALLIES.append(self.tally)

    def run(
        self,
        generate: Callable[[random.Random], T],
        probe: Callable[[T], R],
        judge: Callable[[T, R], None],
        count: int | None = None,
        warm: T | None = None,
    ) -> Tally:
        """Run ``count`` inputs (default: the target's share) and return the tally.

        ``warm`` is probed once, off the clock and uncounted, so that lazy imports on
        the first call do not show up as the slowest input.
        """
        if warm is not None:
            probe(warm)
        previous = signal.signal(signal.SIGALRM, _expired)
        started = time.perf_counter()
        try:
            for index in range(share(self.target) if count is None else count):
                self._one(index, generate(self.rng), probe, judge)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            self.tally.seconds += time.perf_counter() - started
        return self.tally

    def _one(
        self, index: int, item: T, probe: Callable[[T], R], judge: Callable[[T, R], None]
    ) -> None:
        self.tally.inputs += 1
        try:
            outcome, took = self._timed(probe, item)
            if took > LIMIT:
                self.tally.reruns += 1
                _, again = self._timed(probe, item)
                took = min(took, again)
            self.tally.slowest = max(self.tally.slowest, took)
            if took > LIMIT:
                self._fail("slow", index, item, f"took {took * 1000:.0f} ms twice")
        except FuzzHangError as exc:
            self._fail("hang", index, item, str(exc))
            return
        except Exception as exc:
            self._fail("crash", index, item, _trace(exc))
            return
        try:
            judge(item, outcome)
        except AssertionError as exc:
            self._fail("property", index, item, str(exc) or "assertion failed")
        except Exception as exc:
            self._fail("judge-error", index, item, _trace(exc))

    @staticmethod
    def _timed(probe: Callable[[T], R], item: T) -> tuple[R, float]:
        signal.setitimer(signal.ITIMER_REAL, HANG)
        start = time.perf_counter()
        try:
            outcome = probe(item)
        finally:
            took = time.perf_counter() - start
            signal.setitimer(signal.ITIMER_REAL, 0)
        return outcome, took

    def _fail(self, kind: str, index: int, item: T, detail: str) -> None:
        self.tally.failed += 1
        if len(self.tally.failures) >= MAX_FAILURES:
            return
        text = self.show(item)
        text = text if len(text) <= SHOWN else text[:SHOWN] + f"... ({len(text)} chars)"
        self.tally.failures.append(Failure(kind, index, text, detail[:1500]))


def _trace(exc: BaseException) -> str:
    lines = traceback.format_exception(exc)
    return "".join(lines[-6:]).strip()
