"""Fuzzing the hook's stdin: ``interlock hook claude-code`` run in this process.

``hook.main`` reads the payload from ``sys.stdin`` and writes its answer to
``sys.stdout``, so each input swaps those for in-memory files: the whole path from
bytes to answer, without a process start per input. Two set-ups:

* offline: no gateway, ``INTERLOCK_HOOK_OFFLINE=1``, so the classifier and the policy
  decide locally (a hold becomes a deny);
* gateway unreachable: ``INTERLOCK_URL`` names a loopback port this test holds bound
  but not listening, so every connection is refused at once.

Properties: every input gets exit status 0 and exactly one well-formed answer; a
payload whose ``Bash`` command is destructive is never allowed; with the gateway
unreachable no ``Bash`` call is allowed or even asked; no input takes over 100 ms.
"""

from __future__ import annotations

import io
import json
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from interlock.integrations import hook
from tests.fuzz.campaign import Campaign
from tests.fuzz.payloads import Payload, any_payload, destructive_command

DECISIONS = ("allow", "deny", "ask")
#: One call made before each campaign, off the clock (the hook imports lazily).
WARM = Payload(b'{"tool_name": "Bash", "tool_input": {"command": "rm -rf ~"}}')

#: stdout, stderr and the exit status of one run.
Outcome = tuple[str, str, int]


def run_hook(payload: Payload) -> Outcome:
    """``hook.main(["claude-code"])`` with ``payload`` on stdin (the timed call)."""
    saved = sys.stdin, sys.stdout, sys.stderr
    out, err = io.StringIO(), io.StringIO()
    sys.stdin = io.TextIOWrapper(io.BytesIO(payload.data))
    sys.stdout, sys.stderr = out, err
    try:
        code = hook.main(["claude-code"])
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
    return out.getvalue(), err.getvalue(), code


def _answer(outcome: Outcome) -> dict[str, Any]:
    stdout, stderr, code = outcome
    assert code == 0, f"exit {code}: {stderr[:300]}"
    assert stdout.endswith("\n"), f"no newline: {stdout[:300]!r}"
    assert stdout.count("\n") == 1, f"not one line: {stdout[:300]!r}"
    answer = json.loads(stdout)
    assert list(answer) == ["hookSpecificOutput"], stdout[:300]
    out = answer["hookSpecificOutput"]
    assert out["hookEventName"] == "PreToolUse"
    assert out["permissionDecision"] in DECISIONS
    reason = out["permissionDecisionReason"]
    assert isinstance(reason, str)
    assert reason.startswith("interlock"), reason[:200]
    return dict(out)


def _judge_offline(payload: Payload, outcome: Outcome) -> None:
    out = _answer(outcome)
    command = destructive_command(payload)
    if command is not None:
        assert out["permissionDecision"] != "allow", f"allowed: {out['permissionDecisionReason']}"


def _judge_unreachable(payload: Payload, outcome: Outcome) -> None:
    out = _answer(outcome)
    try:
        doc = json.loads(payload.data)
    except (ValueError, RecursionError):
        doc = None
    if isinstance(doc, dict) and doc.get("tool_name") == "Bash":
        assert out["permissionDecision"] == "deny", out["permissionDecisionReason"][:300]
    _judge_offline(payload, outcome)


@pytest.fixture
def hook_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No settings from this machine: a private config and cache directory."""
    for key in ("INTERLOCK_URL", "INTERLOCK_TOKEN", "INTERLOCK_CONFIG", "INTERLOCK_ENV"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("INTERLOCK_HOOK_TIMEOUT", "8")
    return tmp_path


@pytest.fixture
def refused_url() -> Iterator[str]:
    """A loopback URL whose port is held bound (so nobody else takes it) and never listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_a_destructive_call_is_denied_offline(
    hook_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The harness itself: one known payload, one known answer."""
    monkeypatch.setenv("INTERLOCK_HOOK_OFFLINE", "1")
    call = {"hook_event_name": "PreToolUse", "tool_name": "Bash"}
    call["tool_input"] = {"command": "rm -rf ~"}  # type: ignore[assignment]
    payload = Payload(json.dumps(call).encode(), "rm -rf ~")
    out = _answer(run_hook(payload))
    assert out["permissionDecision"] == "deny"
    assert destructive_command(payload) == "rm -rf ~"
    read = Payload(json.dumps(call | {"tool_name": "Read"}).encode(), "rm -rf ~")
    assert _answer(run_hook(read))["permissionDecision"] == "allow"
    assert destructive_command(read) is None


@pytest.mark.fuzz
def test_hook_offline_answers_every_payload(
    hook_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTERLOCK_HOOK_OFFLINE", "1")
    tally = Campaign[Payload, Outcome]("hook-offline").run(
        any_payload, run_hook, _judge_offline, warm=WARM
    )
    assert tally.clean, tally.report()


@pytest.mark.fuzz
def test_hook_with_an_unreachable_gateway_denies_every_command(
    hook_home: Path, refused_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTERLOCK_URL", refused_url)
    monkeypatch.setenv("INTERLOCK_TOKEN", "fuzz-token")
    monkeypatch.delenv("INTERLOCK_HOOK_OFFLINE", raising=False)
    tally = Campaign[Payload, Outcome]("hook-gateway").run(
        any_payload, run_hook, _judge_unreachable, warm=WARM
    )
    assert tally.clean, tally.report()
