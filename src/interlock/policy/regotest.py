"""``interlock policy test``: run a policy's own examples, OPA-style ``test_*`` rules.

As under ``opa test``, every rule whose name starts with ``test_`` in the given
files (``*_test.rego`` included) is a test: it passes when it evaluates to true,
fails when it is false or undefined, and errors when evaluation fails.

The tests run in a child process (``python -m interlock.policy.regotest``) that
reports one JSON line as each test starts and ends, because rego-cpp 1.5 can abort
the whole process on some ``with`` expressions; a test that takes its process down
is reported as an error and the run resumes with the next test in a new child. The
examples in ``examples/policies/`` call policy functions with literal inputs instead
of ``with`` for that reason.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from interlock.errors import PolicySyntaxError
from interlock.policy.rego import new_interpreter, policy_files, syntax_error
from interlock.policy.regosource import RegoSource, read_source

#: How long one child may run before its current test counts as hung.
CHILD_TIMEOUT_S = 120.0


class Outcome(StrEnum):
    """What became of one test."""

    PASS = "pass"  # noqa: S105 - an outcome, not a password
    FAIL = "fail"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class TestCase:
    """One ``test_*`` rule: where it is and how to query it."""

    package: str
    name: str
    file: str
    line: int

    @property
    def query(self) -> str:
        return f"data.{self.package}.{self.name}"


@dataclass(frozen=True, slots=True)
class TestResult:
    """The outcome of one test case, with the error text when it errored."""

    case: TestCase
    outcome: Outcome
    detail: str = ""


def discover(paths: Sequence[str | Path]) -> tuple[list[RegoSource], list[TestCase]]:
    """Every policy file under ``paths`` (tests included) and its test rules, in order."""
    sources = [read_source(str(p), p.read_text(encoding="utf-8")) for p in _files(paths)]
    cases = [TestCase(s.package, rule.name, s.path, rule.line) for s in sources for rule in s.tests]
    return sources, cases


def run_tests(paths: Sequence[str | Path]) -> list[TestResult]:
    """Run every test under ``paths``, each crash confined to the test that caused it."""
    _, cases = discover(paths)
    results: list[TestResult] = []
    while len(results) < len(cases):
        results += _run_child(paths, cases, start=len(results))
    return results


def _files(paths: Sequence[str | Path]) -> list[Path]:
    return policy_files(paths, tests=True)


def _run_child(paths: Sequence[str | Path], cases: list[TestCase], start: int) -> list[TestResult]:
    """Run tests from ``start`` in a child; return what finished plus a crash, if any."""
    argv = [sys.executable, "-m", "interlock.policy.regotest", str(start), *map(str, paths)]
    try:
        proc = subprocess.run(
            argv, check=False, capture_output=True, text=True, timeout=CHILD_TIMEOUT_S
        )
        lines, code = proc.stdout.splitlines(), proc.returncode
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        lines, code = out.splitlines(), -1
    results: list[TestResult] = []
    for raw in lines:
        event = json.loads(raw)
        if "load_error" in event:
            raise PolicySyntaxError(str(event["load_error"]))
        if "outcome" in event:
            case = cases[int(event["index"])]
            results.append(TestResult(case, Outcome(event["outcome"]), event.get("detail", "")))
    if start + len(results) < len(cases) and code != 0:
        how = "timed out" if code == -1 else f"exited with status {code}"
        detail = f"the Rego engine crashed ({how}) running this test"
        results.append(TestResult(cases[start + len(results)], Outcome.ERROR, detail))
    elif not results and start < len(cases):
        results.append(TestResult(cases[start], Outcome.ERROR, "the test runner gave no result"))
    return results


def _child(start: int, paths: Sequence[str]) -> int:
    """The child side: run tests from ``start``, one JSON line as each starts and ends.

    Each test is compiled alone with the policies minus every other test rule, so one
    test's ``with`` cannot break the others; line numbers stay those of the file.
    """
    sources, cases = discover(paths)
    bases = [(s.path, isolate(s, keep=None)) for s in sources]
    load_error = _compile(bases, sources)
    if load_error is not None:
        _emit({"load_error": load_error})
        return 0
    by_path = {s.path: s for s in sources}
    for index in range(start, len(cases)):
        case = cases[index]
        _emit({"start": index})
        own = (f"{case.file}#{case.name}", isolate(by_path[case.file], keep=case.name))
        modules = [m for m in bases if m[0] != case.file] + [own]
        outcome, detail = _evaluate(modules, sources, case)
        _emit({"index": index, "outcome": outcome.value, "detail": detail})
    return 0


def isolate(source: RegoSource, keep: str | None) -> str:
    """``source`` with every test rule blanked out except ``keep`` (``None``: all out).

    A rule runs from its head line to the line before the next head; blank lines
    keep the numbering, so errors still point into the file as written.
    """
    lines = source.text.split("\n")
    heads = sorted(source.rules, key=lambda r: r.line)
    for i, head in enumerate(heads):
        if not head.name.startswith("test_") or head.name == keep:
            continue
        end = heads[i + 1].line - 1 if i + 1 < len(heads) else len(lines)
        for number in range(head.line - 1, end):
            lines[number] = ""
    return "\n".join(lines)


def _compile(modules: Sequence[tuple[str, str]], sources: Sequence[RegoSource]) -> str | None:
    """Load ``modules`` into a fresh interpreter; the syntax error text, if any."""
    import regopy

    interpreter = new_interpreter()
    try:
        for name, text in modules:
            interpreter.add_module(name, text)
    except regopy.RegoError as exc:
        return syntax_error(str(exc), sources).message
    return None


def _evaluate(
    modules: Sequence[tuple[str, str]], sources: Sequence[RegoSource], case: TestCase
) -> tuple[Outcome, str]:
    import regopy

    interpreter = new_interpreter()
    try:
        for name, text in modules:
            interpreter.add_module(name, text)
        output = interpreter.query(case.query)
    except regopy.RegoError as exc:
        return Outcome.ERROR, syntax_error(str(exc), sources).message
    if not output.ok():
        return Outcome.ERROR, "evaluation failed (a strict built-in error or a conflict)"
    results = list(output.results)
    if results and results[0].expressions == [True]:
        return Outcome.PASS, ""
    return Outcome.FAIL, "false or undefined"


def _emit(event: dict[str, object]) -> None:
    print(json.dumps(event), flush=True)


if __name__ == "__main__":
    sys.exit(_child(int(sys.argv[1]), sys.argv[2:]))
