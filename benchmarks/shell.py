"""Shell classification speed, as issue 2 asks for it, measured in one run.

* median and p99 microseconds per command for ``assess_shell`` over every command of
  the dcg and Dippy corpora, and for tree-sitter parsing alone (``parser.parse``);
  their ratio (goal: at most 2.5);
* whole-process time of ``interlock check -- ls`` against ``python -I -S -c pass``
  (median of 20 runs each), i.e. what the command path costs over a bare interpreter.
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
PASSES = 3
PROCESS_RUNS = 20


def run() -> list[str]:
    """Measure and return printable lines."""
    commands = _commands()
    classify, walk, parse = _timers()
    for text in commands[:200]:  # warm caches and the family imports
        classify(text)
    assess_us = _per_command(classify, commands)
    walk_us = _per_command(walk, commands)
    parse_us = _per_command(parse, commands)
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


def _per_command(fn: Callable[[str], object], commands: Sequence[str]) -> list[float]:
    best = [float("inf")] * len(commands)
    clock = time.perf_counter_ns
    for _ in range(PASSES):
        for i, text in enumerate(commands):
            start = clock()
            fn(text)
            elapsed = (clock() - start) / 1000
            best[i] = min(best[i], elapsed)
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
    check_ms = _process_ms(check)
    bare_ms = _process_ms(bare)
    return [
        f"process `interlock check -- ls`: median {check_ms:.1f} ms",
        f"process `python -I -S -c pass`: median {bare_ms:.1f} ms",
        f"difference: {check_ms - bare_ms:.1f} ms ({check_ms / bare_ms:.1f}x)",
    ]


def _process_ms(argv: list[str]) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    times = []
    for _ in range(PROCESS_RUNS):
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=env, cwd=ROOT)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)
