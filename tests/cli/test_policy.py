"""``interlock policy test|check`` through the real CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from interlock.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "policies"


def test_policy_test_runs_the_examples(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", "test", str(EXAMPLES), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["failed"] == 0
    assert report["passed"] == len(report["tests"]) >= 8


def test_policy_test_fails_on_a_failing_test(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "p.rego").write_text("package main\ntest_no { 1 == 2 }\n", encoding="utf-8")
    assert main(["policy", "test", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "FAIL  main.test_no" in out
    assert "0 passed, 1 failed" in out


def test_policy_check_refuses_a_missing_builtin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "p.rego").write_text(
        'package main\ndeny[msg] {\n  r := http.send({"url": "x"})\n  msg := r.body\n}\n',
        encoding="utf-8",
    )
    assert main(["policy", "check", str(tmp_path)]) == 3
    assert "p.rego:3: calls http.send" in capsys.readouterr().err


def test_policy_check_uses_the_configured_policies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "interlock.yaml"
    config.write_text(f"policies: ['{EXAMPLES}']\n", encoding="utf-8")
    assert main(["policy", "check", "--config", str(config), "--json"]) == 0
    files = json.loads(capsys.readouterr().out)["files"]
    assert {Path(f["file"]).name for f in files} == {"commands.rego", "terraform.rego"}


def test_policy_check_without_policies_is_an_input_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["policy", "check"]) == 2
    assert "no policies" in capsys.readouterr().err
