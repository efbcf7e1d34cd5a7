"""Shell classification speed, as issue 2 asks for it, measured in one run.

* median and p99 microseconds per command for ``assess_shell`` over every command of
  the dcg and Dippy corpora, and for tree-sitter parsing alone (``parser.parse``);
  their ratio (goal: at most 2.5);
* whole-process time of ``interlock check -- ls`` against ``python -I -S -c pass``
  (median of 20 runs each), i.e. what the command path costs over a bare interpreter.

The three per-command timers run back to back on each command, pass after pass, and
the fastest of each is kept: the machine is shared, and timing them in separate sweeps
let a busy minute land on one timer only and skew the ratio. The classifier keeps no
cache of whole commands (only of sub-results such as a program's family handler or an
environment name resolved from a profile), so repeated lines are classified afresh.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "commands"
FILES = ("dcg.jsonl", "dippy.jsonl")
#: Timed passes over the corpus; the fastest pass per command is kept (less noise
#: from the other processes sharing the machine).
PASSES = 4
PROCESS_RUNS = 20


def run() -> list[str]:
    """Measure and return printable lines."""
    commands = _commands()
    classify, walk, parse = _timers()
    for text in commands[:200]:  # warm caches and the family imports
        classify(text)
    assess_us, walk_us, parse_us = _per_command((classify, walk, parse), commands)
    lines = [
        f"commands: {len(commands)} ({', '.join(FILES)})",
        _line("assess_shell", assess_us),
        _line("  of which split (parse + walk)", walk_us),
        _line("tree-sitter parse", parse_us),
        f"ratio classify/parse: median {_ratio(assess_us, parse_us, 50):.2f}, "
        f"p99 {_ratio(assess_us, parse_us, 99):.2f} (goal <= 2.5)",
    ]
    lines.extend(_process_lines())
    return lines


def _commands() -> list[str]:
    out: list[str] = []
    for name in FILES:
        with open(CORPUS / name, encoding="utf-8") as f:
            out.extend(json.loads(line)["command"] for line in f if line.strip())
    return out


def _timers() -> tuple[Callable[[str], object], Callable[[str], object], Callable[[str], object]]:
    import tree_sitter_bash
    from tree_sitter import Language, Parser

    from interlock.classify.shell import assess_shell, split
    from interlock.config import default_config
    from interlock.models import Action, ActionKind

    config = default_config()
    parser = Parser(Language(tree_sitter_bash.language()))

    def classify(text: str) -> object:
        return assess_shell(Action(ActionKind.SHELL, text), config)

    def parse(text: str) -> object:
        return parser.parse(text.encode())

    return classify, split, parse


def _per_command(
    fns: Sequence[Callable[[str], object]], commands: Sequence[str]
) -> list[list[float]]:
    """Per function, the fastest time in microseconds of each command over ``PASSES``."""
    best = [[float("inf")] * len(commands) for _ in fns]
    clock = time.perf_counter_ns
    for _ in range(PASSES):
        for i, text in enumerate(commands):
            for fn, times in zip(fns, best, strict=True):
                start = clock()
                fn(text)
                elapsed = (clock() - start) / 1000
                times[i] = min(times[i], elapsed)
    return best


def _pct(values: Sequence[float], q: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, (len(ordered) * q) // 100)]


def _line(name: str, values: Sequence[float]) -> str:
    return f"{name}: median {_pct(values, 50):.1f} us, p99 {_pct(values, 99):.1f} us"


def _ratio(a: Sequence[float], b: Sequence[float], q: int) -> float:
    return _pct(a, q) / _pct(b, q)


def _process_lines() -> list[str]:
    exe = ROOT / ".venv" / "bin" / "interlock"
    check = (
        [str(exe), "check", "--", "ls"]
        if exe.exists()
        else [sys.executable, "-m", "interlock", "check", "--", "ls"]
    )
    bare = [sys.executable, "-I", "-S", "-c", "pass"]
    check_ms, bare_ms = _process_ms((check, bare))
    return [
        f"process `interlock check -- ls`: median {check_ms:.1f} ms",
        f"process `python -I -S -c pass`: median {bare_ms:.1f} ms",
        f"difference: {check_ms - bare_ms:.1f} ms ({check_ms / bare_ms:.1f}x)",
    ]


def _process_ms(argvs: Sequence[list[str]]) -> list[float]:
    """Median wall time of each command line, run in turns so load hits all alike."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    times: list[list[float]] = [[] for _ in argvs]
    for _ in range(PROCESS_RUNS):
        for argv, runs in zip(argvs, times, strict=True):
            start = time.perf_counter()
            subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=env, cwd=ROOT)
            runs.append((time.perf_counter() - start) * 1000)
    return [statistics.median(runs) for runs in times]
