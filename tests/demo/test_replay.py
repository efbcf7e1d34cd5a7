"""``interlock demo``: every public incident gets the outcome it must get."""

from __future__ import annotations

from pathlib import Path

import pytest

from interlock.cli import main
from interlock.demo.incidents import SCENARIOS, Scenario, Step
from interlock.demo.replay import replay
from interlock.models import Verdict


def test_every_scenario_answers_as_it_must(tmp_path: Path) -> None:
    results = replay(tmp_path)
    assert [r.scenario.number for r in results] == [1, 2, 3, 4]
    failures = [(r.scenario.number, row.label, row.problem) for r in results for row in r.rows]
    assert [f for f in failures if f[2]] == []
    assert all(r.audit_entries > len(r.rows) for r in results)


def test_a_wrong_expectation_is_reported(tmp_path: Path) -> None:
    """The replay really checks: demanding ``allow`` for rm -rf ~ fails that step."""
    wrong = Scenario(
        9,
        "a scenario whose expectation is wrong",
        "tidy up",
        (Step("kiro", "wipe home", command="rm -rf ~/", verdicts=frozenset({Verdict.ALLOW})),),
        config=SCENARIOS[0].config,
    )
    (result,) = replay(tmp_path, (wrong,))
    assert not result.ok
    assert "decision deny" in result.rows[0].problem


def test_cli_exit_status_and_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "18 of 18 steps answered as they must" in out
    assert "interlock audit verify" in out
    assert "EXPECTED OTHERWISE" not in out
