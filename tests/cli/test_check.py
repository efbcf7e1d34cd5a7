"""The ``interlock check`` contract: single commands, ``--json``, and ``--batch`` lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from interlock.cli import main


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_for_a_destructive_production_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys, "check", "--json", "--env", "production", "--", "kubectl", "delete", "ns", "pay"
    )
    assert code == 0
    result = json.loads(out)
    assert result["decision"] == "hold"
    assert result["required_approvals"] == 2
    assert any(f["category"] == "delete" for f in result["findings"])
    assert all({"rule_id", "evidence", "explanation"} <= f.keys() for f in result["findings"])


def test_text_output_names_rule_and_evidence(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "check", "--command", "echo cm0gLXJmIC8= | base64 -d | sh")
    assert code == 0
    assert out.startswith("HOLD")
    assert "base64" in out


def test_batch_keeps_order_and_reports_bad_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        json.dumps({"command": "ls -la"}),
        "{not json",
        json.dumps({"command": "rm -rf /"}),
        json.dumps({"nothing": 1}),
        json.dumps(
            {"command": "aws rds delete-db-instance --db-instance-identifier x", "env": "prod"}
        ),
        json.dumps(["a list"]),
    ]
    batch = tmp_path / "in.jsonl"
    batch.write_text("\n".join(lines) + "\n")
    code, out, _ = _run(capsys, "check", "--batch", str(batch))
    results = [json.loads(x) for x in out.splitlines()]
    assert code != 0
    assert len(results) == len(lines)
    assert results[0]["decision"] == "allow"
    assert "error" in results[1]
    assert results[2]["decision"] in ("ask", "hold", "deny")
    assert "error" in results[3]
    assert results[4]["decision"] == "hold"
    assert results[4]["required_approvals"] == 2
    assert "error" in results[5]


def test_nothing_to_check_is_an_input_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "check")
    assert code == 2
    assert "nothing to check" in err


def test_demo_prints_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "check", "--demo")
    assert code == 0
    assert out.splitlines()[0].split()[:2] == ["command", "decision"]
    assert "hold" in out
    assert "allow" in out


def test_read_scripts_judges_what_a_script_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """As the hooks do: the line alone is a script run, its code is a destroy."""
    (tmp_path / "deploy.sh").write_text("terraform destroy -auto-approve\n")
    where = ("--cwd", str(tmp_path))
    code, out, _ = _run(capsys, "check", *where, "--", "bash", "./deploy.sh")
    assert (code, out.split()[0]) == (0, "ALLOW")
    code, out, _ = _run(capsys, "check", "--read-scripts", *where, "--", "bash", "./deploy.sh")
    assert (code, out.split()[0]) == (0, "HOLD")
    assert "tf-destroy" in out
    (tmp_path / "package.json").write_text('{"scripts": {"test": "kubectl delete ns prod"}}')
    code, out, _ = _run(capsys, "check", "--read-scripts", *where, "--command", "npm test")
    assert (code, out.split()[0]) == (0, "HOLD")
    (tmp_path / "big.sh").write_text("# pad\n" * 30_000)
    code, _, err = _run(capsys, "check", "--read-scripts", *where, "--", "bash", "big.sh")
    assert code == 2
    assert "big.sh is over 120 KiB" in err
