"""``policy test``: OPA-style test rules, each run alone, crashes confined."""

from __future__ import annotations

from pathlib import Path

import pytest

from interlock.errors import PolicySyntaxError
from interlock.policy.regosource import read_source
from interlock.policy.regotest import Outcome, discover, isolate, run_tests

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "policies"

POLICY = """\
package main
import rego.v1

deny contains msg if {
  input.a == 1
  msg := sprintf("a is %v", [input.a])
}
"""

TESTS = """\
package main
import rego.v1

test_passes if { 1 + 1 == 2 }

test_fails if { 1 == 2 }

test_undefined if { input.nothing }

test_uses_with if {
  count(deny) == 1 with input as {"a": 1}
}

test_last_passes if { true }
"""


def test_the_shipped_examples_pass() -> None:
    results = run_tests([EXAMPLES])
    assert len(results) >= 8
    assert [r.case.name for r in results if r.outcome is not Outcome.PASS] == []


def test_outcomes_per_test(tmp_path: Path) -> None:
    (tmp_path / "p.rego").write_text(POLICY, encoding="utf-8")
    (tmp_path / "p_test.rego").write_text(TESTS, encoding="utf-8")
    outcomes = {r.case.name: r.outcome for r in run_tests([tmp_path])}
    assert outcomes["test_passes"] is Outcome.PASS
    assert outcomes["test_fails"] is Outcome.FAIL
    assert outcomes["test_undefined"] is Outcome.FAIL
    # rego-cpp 1.5 cannot evaluate this one; it must not take the others down with it
    assert outcomes["test_uses_with"] is not Outcome.PASS
    assert outcomes["test_last_passes"] is Outcome.PASS


def test_cases_know_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "p_test.rego").write_text(TESTS, encoding="utf-8")
    _, cases = discover([tmp_path])
    assert [(c.name, c.line) for c in cases] == [
        ("test_passes", 4),
        ("test_fails", 6),
        ("test_undefined", 8),
        ("test_uses_with", 10),
        ("test_last_passes", 14),
    ]
    assert cases[0].query == "data.main.test_passes"


def test_isolate_blanks_other_tests_and_keeps_line_numbers() -> None:
    source = read_source("p_test.rego", TESTS)
    text = isolate(source, keep="test_fails")
    lines = text.split("\n")
    assert len(lines) == len(TESTS.split("\n"))
    assert lines[5] == "test_fails if { 1 == 2 }"
    assert "with" not in text
    assert "test_passes" not in text


def test_a_syntax_error_in_a_test_rule_errors_that_test(tmp_path: Path) -> None:
    text = "package main\nimport rego.v1\ntest_x if {\n  x := \n}\ntest_y if true\n"
    (tmp_path / "bad_test.rego").write_text(text, "utf-8")
    results = {r.case.name: r for r in run_tests([tmp_path])}
    assert results["test_x"].outcome is Outcome.ERROR
    assert "bad_test.rego:4:" in results["test_x"].detail
    assert results["test_y"].outcome is Outcome.PASS


def test_a_syntax_error_outside_tests_is_a_load_error(tmp_path: Path) -> None:
    (tmp_path / "bad.rego").write_text("package main\ndeny[m] {\n  m := \n}\n", "utf-8")
    (tmp_path / "ok_test.rego").write_text("package main\ntest_ok { true }\n", "utf-8")
    with pytest.raises(PolicySyntaxError, match=r"bad.rego:3:"):
        run_tests([tmp_path])
