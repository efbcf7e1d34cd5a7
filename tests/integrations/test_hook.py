"""The hook process end to end against a real gateway, and its fail-closed paths.

Replays every Claude Code payload of the corpus; the incident's ``terraform apply``
of the replace plan is held with a request id; after bob and carol approve through
the API the same command is allowed exactly once; a stopped gateway, invalid JSON, a
5 MB command and the hook's own timeout are all denied, never allowed.
"""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from interlock.integrations import hook
from tests.integrations.conftest import Gateway, free_port, run_hook, start_gateway, stop

CLAUDE_HOOKS = "protocol/claude-code-hooks"


def corpus_payloads(corpus: Path) -> list[dict[str, Any]]:
    """Every recorded ``PreToolUse`` payload, read in place."""
    out: list[dict[str, Any]] = []
    for path in sorted((corpus / CLAUDE_HOOKS).glob("*.json")):
        out += json.loads(path.read_text())
    return out


def in_process(
    payload: bytes | dict[str, Any], monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> tuple[dict[str, Any], int]:
    """Run ``hook.main`` in this process (fast), with ``payload`` on stdin."""
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    code = hook.main(["claude-code"])
    out = capsys.readouterr().out
    return json.loads(out), code


@pytest.fixture
def agent_env(
    gateway: Gateway, hook_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """The agent's environment: the gateway's URL and the agent's token."""
    env = hook_env | {"INTERLOCK_URL": gateway.url, "INTERLOCK_TOKEN": gateway.tokens["claude"]}
    for key, value in env.items():
        if key.startswith(("INTERLOCK_", "XDG_")):
            monkeypatch.setenv(key, value)
    return env


def test_every_corpus_payload_gets_a_well_formed_answer(
    corpus: Path, agent_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    payloads = corpus_payloads(corpus)
    assert len(payloads) == 65
    seen: dict[str, set[str]] = {}
    for payload in payloads:
        answer, code = in_process(payload, monkeypatch, capsys)
        out = answer["hookSpecificOutput"]
        assert code == 0
        assert out["hookEventName"] == "PreToolUse"
        assert out["permissionDecision"] in ("allow", "deny", "ask")
        assert out["permissionDecisionReason"].startswith("interlock")
        seen.setdefault(payload["tool_name"], set()).add(out["permissionDecision"])
    assert seen["Read"] == {"allow"}
    assert "allow" in seen["Bash"]  # ``terraform init``, ``rg`` ... are reads


def test_a_read_only_command_is_allowed(
    agent_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: Any, tmp_path: Path
) -> None:
    call = {
        "session_id": "s-read",
        "cwd": str(tmp_path),
        "tool_name": "Bash",
        "hook_event_name": "PreToolUse",
        "tool_input": {"command": "ls -la"},
    }
    answer, _ = in_process(call, monkeypatch, capsys)
    assert answer["hookSpecificOutput"]["permissionDecision"] == "allow"


def apply_call(cwd: Path, session: str) -> dict[str, Any]:
    return {
        "session_id": session,
        "transcript_path": "/tmp/t.jsonl",
        "cwd": str(cwd),
        "permission_mode": "default",
        "hook_event_name": "PreToolUse",
        "tool_name": "Bash",
        "tool_input": {"command": "terraform apply tfplan", "description": "Apply the fix"},
    }


def test_incident_is_held_then_allowed_once_after_two_approvals(
    gateway: Gateway, agent_env: dict[str, str], stub_bin: Path, tmp_path: Path
) -> None:
    work = tmp_path / "cost-explorer"
    work.mkdir()
    (work / "tfplan").write_bytes(b"binary plan of the fix")
    env = agent_env | {"PATH": f"{stub_bin}{os.pathsep}{os.environ['PATH']}"}
    first = run_hook("claude-code", apply_call(work, "s-incident"), env)
    assert first.decision == "deny", first
    assert "held this for approval: request req-" in first.reason
    assert "tf-replace-stateful" in first.reason
    assert "aws_db_instance.ledger" in first.reason
    assert "retry exactly the same command" in first.reason
    request_id = first.reason.split("request ", 1)[1].split()[0]
    assert f"{gateway.url}/requests/{request_id}" in first.reason
    again = run_hook("claude-code", apply_call(work, "s-incident"), env)
    assert again.decision == "deny"
    assert request_id in again.reason
    assert gateway.vote(request_id, "bob")["status"] == "pending"
    assert gateway.vote(request_id, "carol")["status"] == "approved"
    allowed = run_hook("claude-code", apply_call(work, "s-incident"), env)
    assert allowed.decision == "allow", allowed
    assert request_id in allowed.reason
    once_more = run_hook("claude-code", apply_call(work, "s-incident"), env)
    assert once_more.decision == "deny"
    assert request_id not in once_more.reason  # a new request: the grant ran once


def test_a_changed_plan_file_after_approval_is_a_new_request(
    gateway: Gateway, agent_env: dict[str, str], stub_bin: Path, tmp_path: Path
) -> None:
    (tmp_path / "tfplan").write_bytes(b"plan one")
    env = agent_env | {"PATH": f"{stub_bin}{os.pathsep}{os.environ['PATH']}"}
    first = run_hook("claude-code", apply_call(tmp_path, "s-swap"), env)
    request_id = first.reason.split("request ", 1)[1].split()[0]
    gateway.vote(request_id, "bob")
    gateway.vote(request_id, "carol")
    (tmp_path / "tfplan").write_bytes(b"plan two, swapped in after approval")
    swapped = run_hook("claude-code", apply_call(tmp_path, "s-swap"), env)
    assert swapped.decision == "deny"
    assert request_id not in swapped.reason


def test_stopped_gateway_is_denied(hook_env: dict[str, str], tmp_path: Path) -> None:
    gw = start_gateway(tmp_path / "gw-killed", ("claude",))
    env = hook_env | {"INTERLOCK_URL": gw.url, "INTERLOCK_TOKEN": gw.tokens["claude"]}
    call = {
        "session_id": "s",
        "cwd": str(tmp_path),
        "hook_event_name": "PreToolUse",
        "tool_name": "Bash",
        "tool_input": {"command": "ls"},
    }
    assert run_hook("claude-code", call, env).decision == "allow"
    gw.process.send_signal(signal.SIGKILL)
    gw.process.wait()
    dead = run_hook("claude-code", call, env)
    assert dead.decision == "deny"
    assert dead.code == 0
    assert "unreachable" in dead.reason
    stop(gw.process)


@pytest.mark.parametrize(
    ("payload", "why"),
    [
        (b"{not json", "not valid JSON"),
        (b"", "not valid JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"hook_event_name": "PreToolUse"}', "no tool_name"),
        (b'{"tool_name": "Bash", "tool_input": {"cmd": "x"}}', "no command"),
        (b'{"tool_name": "Bash", "tool_input": "rm -rf /"}', "not an object"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (
            b'{"tool_name": "Bash", "tool_input": {"command": "' + b"a" * 5_000_000 + b'"}}',
            "larger than",
        ),
    ],
    ids=["broken", "empty", "array", "no-tool", "no-command", "input-string", "deep", "5MB"],
)
def test_bad_input_is_denied(
    payload: bytes, why: str, monkeypatch: pytest.MonkeyPatch, capsys: Any, hook_env: dict[str, str]
) -> None:
    monkeypatch.setenv("INTERLOCK_URL", "http://127.0.0.1:9")
    answer, code = in_process(payload, monkeypatch, capsys)
    assert code == 0
    assert answer["hookSpecificOutput"]["permissionDecision"] == "deny"
    assert why in answer["hookSpecificOutput"]["permissionDecisionReason"]


def test_five_megabyte_command_is_denied_as_a_process(hook_env: dict[str, str]) -> None:
    big = {"tool_name": "Bash", "tool_input": {"command": "echo " + "x" * 5_000_000}}
    env = hook_env | {"INTERLOCK_URL": "http://127.0.0.1:9", "INTERLOCK_TOKEN": "t"}
    done = run_hook("claude-code", big, env)
    assert done.decision == "deny"
    assert "larger than" in done.reason


def test_hook_timeout_is_denied(hook_env: dict[str, str], tmp_path: Path) -> None:
    """A gateway that accepts and never answers: the hook's own deadline denies."""
    with socket.socket() as server:
        port = free_port()
        server.bind(("127.0.0.1", port))
        server.listen(8)
        env = hook_env | {
            "INTERLOCK_URL": f"http://127.0.0.1:{port}",
            "INTERLOCK_TOKEN": "t",
            "INTERLOCK_HOOK_TIMEOUT": "1",
        }
        call = {"tool_name": "Bash", "cwd": str(tmp_path), "tool_input": {"command": "ls"}}
        done = run_hook("claude-code", call, env, timeout=30)
    assert done.decision == "deny"
    assert "timed out" in done.reason or "unreachable" in done.reason


def test_hook_timeout_fires_even_while_reading_stdin(hook_env: dict[str, str]) -> None:
    env = hook_env | {"INTERLOCK_URL": "http://127.0.0.1:9", "INTERLOCK_HOOK_TIMEOUT": "0.5"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "interlock.integrations.hook", "claude-code"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    stdin, stdout = proc.stdin, proc.stdout
    assert stdin is not None
    assert stdout is not None
    timer = threading.Timer(20, proc.kill)  # stdin stays open: only the deadline ends it
    timer.start()
    try:
        out = stdout.read()
    finally:
        timer.cancel()
        stdin.close()
        stdout.close()
        proc.wait()
    answer = json.loads(out)
    assert answer["hookSpecificOutput"]["permissionDecision"] == "deny"
    assert "timed out" in answer["hookSpecificOutput"]["permissionDecisionReason"]


def test_unknown_agent_blocks_with_exit_2(hook_env: dict[str, str]) -> None:
    done = run_hook("no-such-agent", {"tool_name": "Bash"}, hook_env)
    assert done.code == 2
    assert "unknown agent" in done.stderr
    assert done.stdout == ""


def test_no_gateway_and_no_offline_mode_is_denied(hook_env: dict[str, str]) -> None:
    call = {"tool_name": "Bash", "tool_input": {"command": "ls"}}
    done = run_hook("claude-code", call, hook_env)
    assert done.decision == "deny"
    assert "no gateway configured" in done.reason


@pytest.mark.parametrize(
    ("command", "expected"),
    [("ls -la", "allow"), ("rm -rf ~", "deny"), ("terraform destroy -auto-approve", "deny")],
)
def test_offline_mode_classifies_locally(
    command: str, expected: str, hook_env: dict[str, str], tmp_path: Path
) -> None:
    env = hook_env | {"INTERLOCK_HOOK_OFFLINE": "1"}
    call = {"tool_name": "Bash", "cwd": str(tmp_path), "tool_input": {"command": command}}
    done = run_hook("claude-code", call, env)
    assert done.decision == expected, done.reason
    assert "offline" in done.reason


def test_settings_file_is_read(hook_env: dict[str, str], tmp_path: Path) -> None:
    conf = Path(hook_env["XDG_CONFIG_HOME"]) / "interlock"
    conf.mkdir(parents=True)
    (conf / "hook.json").write_text(json.dumps({"offline": True}))
    call = {"tool_name": "Bash", "cwd": str(tmp_path), "tool_input": {"command": "ls"}}
    assert run_hook("claude-code", call, hook_env).decision == "allow"


@pytest.mark.parametrize(
    "argv",
    [
        [sys.executable, "-m", "interlock.cli", "hook", "claude-code"],
        [sys.executable, "-I", "-S", hook.__file__, "claude-code"],
    ],
    ids=["cli-verb", "by-path-isolated"],
)
def test_other_entry_points_answer_the_same(argv: list[str], hook_env: dict[str, str]) -> None:
    call = {"hook_event_name": "PreToolUse", "tool_name": "Read", "tool_input": {"file_path": "a"}}
    done = subprocess.run(
        argv, input=json.dumps(call).encode(), capture_output=True, env=hook_env, check=False
    )
    answer = json.loads(done.stdout)["hookSpecificOutput"]
    assert (done.returncode, answer["permissionDecision"]) == (0, "allow")


@pytest.mark.parametrize(
    ("body", "expected"), [("terraform destroy -auto-approve\n", "deny"), ("ls\n", "allow")]
)
def test_the_isolated_hook_reads_a_script_run_on_a_compound_line(
    body: str, expected: str, hook_env: dict[str, str], tmp_path: Path
) -> None:
    """``python -I -S hook.py`` has no site, yet reading ``cd sub && ./x.sh`` needs the
    classifier's walker (``linecode``): it loads the interpreter's own site-packages."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "x.sh").write_text(body)
    call = {
        "hook_event_name": "PreToolUse",
        "tool_name": "Bash",
        "cwd": str(tmp_path),
        "tool_input": {"command": "cd sub && ./x.sh"},
    }
    done = subprocess.run(
        [sys.executable, "-I", "-S", hook.__file__, "claude-code"],
        input=json.dumps(call).encode(),
        capture_output=True,
        env={**hook_env, "INTERLOCK_HOOK_OFFLINE": "1"},
        check=False,
    )
    answer = json.loads(done.stdout)["hookSpecificOutput"]
    assert answer["permissionDecision"] == expected, answer


def test_a_make_recipe_run_after_cd_is_held_and_bound_to_the_makefile(
    gateway: Gateway, agent_env: dict[str, str], tmp_path: Path
) -> None:
    """The real gateway gets the recipes: ``cd infra && make teardown`` is held for a
    ``terraform destroy`` in the Makefile, allowed once two people approve, and a
    Makefile edited after approval is a new request."""
    infra = tmp_path / "infra"
    infra.mkdir()
    makefile = infra / "Makefile"
    makefile.write_text("teardown:\n\t@echo bye\n\tterraform destroy -auto-approve\n")
    call = {
        "session_id": "s-make",
        "cwd": str(tmp_path),
        "hook_event_name": "PreToolUse",
        "tool_name": "Bash",
        "tool_input": {"command": "cd infra && make teardown", "description": "clean up"},
    }
    first = run_hook("claude-code", call, agent_env)
    assert first.decision == "deny", first
    assert "tf-destroy" in first.reason
    request_id = first.reason.split("request ", 1)[1].split()[0]
    assert gateway.vote(request_id, "bob")["status"] == "pending"
    assert gateway.vote(request_id, "carol")["status"] == "approved"
    allowed = run_hook("claude-code", call, agent_env)
    assert allowed.decision == "allow", allowed
    makefile.write_text("teardown:\n\tterraform destroy -auto-approve -target=x\n")
    edited = run_hook("claude-code", call, agent_env)
    assert edited.decision == "deny"
    assert request_id not in edited.reason
