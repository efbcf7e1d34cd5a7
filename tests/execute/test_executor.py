"""``interlock exec`` against a real gateway: allowed runs at once, held runs after approval."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

from tests.integrations.conftest import GATEWAY_SECRET, Gateway, gateway, stub_bin

__all__ = ["gateway", "stub_bin"]


def exec_env(gw: Gateway, stub: Path) -> dict[str, str]:
    return {
        **os.environ,
        "INTERLOCK_URL": gw.url,
        "INTERLOCK_TOKEN": gw.tokens["claude"],
        "GW_DB_SECRET": GATEWAY_SECRET,
        "PATH": f"{stub}{os.pathsep}{os.environ['PATH']}",
    }


def interlock_exec(gw: Gateway, *argv: str) -> list[str]:
    return [sys.executable, "-m", "interlock.cli", "exec", "--config", str(gw.config), *argv]


def test_an_allowed_command_runs_with_credentials_redacted(
    gateway: Gateway, stub_bin: Path
) -> None:
    done = subprocess.run(
        interlock_exec(gateway, "--env", "production", "--", "printenv", "TF_VAR_db_password"),
        env=exec_env(gateway, stub_bin),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "[redacted]\n"  # it was set, and it never reaches the caller
    assert GATEWAY_SECRET not in done.stdout + done.stderr


def _held(
    gateway: Gateway, stub_bin: Path, tmp_path: Path, *command: str
) -> tuple[subprocess.Popen[str], str]:
    """``interlock exec --env production -- COMMAND`` in ``tmp_path``, read until it
    says it waits for approval (the votes come then: sooner, it may find the request
    approved already and have nothing to wait for), and its request id."""
    argv = interlock_exec(gateway, "--env", "production", "--timeout", "60", "--", *command)
    proc = subprocess.Popen(
        argv,
        env=exec_env(gateway, stub_bin) | {"STUB_TF_LOG": str(tmp_path / "log")},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    assert proc.stderr is not None
    first = proc.stderr.readline()
    request_id = first.split(":", 1)[0]
    assert request_id.startswith("req-"), first
    assert "hold (pending)" in first
    assert "waiting for approval" in proc.stderr.readline()
    return proc, request_id


def _approved(gateway: Gateway, proc: subprocess.Popen[str], request_id: str) -> tuple[str, str]:
    """Two approvers approve ``request_id``; what the waiting ``interlock exec`` then
    printed (stdout, stderr), once it has ended."""
    gateway.vote(request_id, "bob")
    gateway.vote(request_id, "carol")
    return proc.communicate(timeout=90)


def test_a_held_command_waits_for_two_approvals_then_runs(
    gateway: Gateway, stub_bin: Path, tmp_path: Path
) -> None:
    proc, request_id = _held(gateway, stub_bin, tmp_path, "terraform", "destroy", "-auto-approve")
    assert not (tmp_path / "log").exists()  # nothing ran while pending
    out, err = _approved(gateway, proc, request_id)
    assert proc.returncode == 0, err
    assert "stub terraform ['destroy', '-auto-approve']" in out
    assert '"argv": ["destroy", "-auto-approve"]' in (tmp_path / "log").read_text()


def test_a_denied_command_never_runs(gateway: Gateway, stub_bin: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        interlock_exec(gateway, "--", "rm", "-rf", "/"),
        env=exec_env(gateway, stub_bin),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 5
    assert "denied" in done.stderr
    assert done.stdout == ""


def _rule_ids(gateway: Gateway, request_id: str) -> set[str]:
    req = urllib.request.Request(f"{gateway.url}/api/v1/requests/{request_id}")
    req.add_header("Authorization", f"Bearer {gateway.tokens['bob']}")
    with urllib.request.urlopen(req, timeout=10) as resp:
        return {f["rule_id"] for f in json.load(resp)["findings"]}


def _held_script(
    gateway: Gateway, stub_bin: Path, tmp_path: Path
) -> tuple[subprocess.Popen[str], str]:
    """``interlock exec -- bash ./deploy.sh`` of a script holding ``terraform destroy``
    (the line alone was allowed unread), waiting for approval, and its request id."""
    (tmp_path / "deploy.sh").write_text("terraform destroy -auto-approve\n")
    return _held(gateway, stub_bin, tmp_path, "bash", "./deploy.sh")


def test_a_script_is_held_for_its_code_and_runs_once_approved(
    gateway: Gateway, stub_bin: Path, tmp_path: Path
) -> None:
    proc, request_id = _held_script(gateway, stub_bin, tmp_path)
    assert "tf-destroy" in _rule_ids(gateway, request_id)  # found in the script's code
    out, err = _approved(gateway, proc, request_id)
    assert proc.returncode == 0, err
    assert "stub terraform ['destroy', '-auto-approve']" in out
    assert '"argv": ["destroy", "-auto-approve"]' in (tmp_path / "log").read_text()


def test_a_script_changed_while_it_waited_runs_nothing(
    gateway: Gateway, stub_bin: Path, tmp_path: Path
) -> None:
    proc, request_id = _held_script(gateway, stub_bin, tmp_path)
    (tmp_path / "deploy.sh").write_text("echo swapped > swapped.txt\n")
    out, err = _approved(gateway, proc, request_id)
    assert proc.returncode == 5, err
    assert "deploy.sh changed after request" in err
    assert not (tmp_path / "swapped.txt").exists()
    assert not (tmp_path / "log").exists()
    assert out == ""


def test_a_script_too_large_to_read_is_refused_unrun(
    gateway: Gateway, stub_bin: Path, tmp_path: Path
) -> None:
    """Padding a script past what is read must not get it run unjudged."""
    (tmp_path / "big.sh").write_text("terraform destroy -auto-approve\n" + "# pad\n" * 30_000)
    done = subprocess.run(
        interlock_exec(gateway, "--", "bash", "big.sh"),
        env=exec_env(gateway, stub_bin) | {"STUB_TF_LOG": str(tmp_path / "log")},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 2, done.stderr
    assert "big.sh is over 120 KiB, so its code cannot be judged; nothing ran" in done.stderr
    assert not (tmp_path / "log").exists()


def test_package_scripts_are_held_for_their_code_and_a_change_runs_nothing(
    gateway: Gateway, stub_bin: Path, tmp_path: Path
) -> None:
    """``npm test`` is submitted with what package.json runs for it; a package.json
    changed while the request waited runs nothing (npm is never started)."""
    manifest = tmp_path / "package.json"
    manifest.write_text(json.dumps({"scripts": {"test": "terraform destroy -auto-approve"}}))
    proc, request_id = _held(gateway, stub_bin, tmp_path, "npm", "test")
    assert "tf-destroy" in _rule_ids(gateway, request_id)
    manifest.write_text(json.dumps({"scripts": {"test": "echo swapped > swapped.txt"}}))
    out, err = _approved(gateway, proc, request_id)
    assert proc.returncode == 5, err
    assert "package.json changed after request" in err
    assert not (tmp_path / "swapped.txt").exists()
    assert out == ""
