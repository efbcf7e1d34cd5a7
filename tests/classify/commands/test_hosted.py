"""Commands that hosted-platform CLIs run on a dyno, machine or droplet, or locally
with the project's environment (``classify/commands/hosted.py``)."""

from __future__ import annotations

import shlex

import pytest

from interlock.classify.commands.hosted import HOSTED, HOSTED_WORDS
from interlock.classify.launchers import LAUNCHERS
from interlock.classify.unwrap import Step
from interlock.models import Verdict
from tests.classify.commands.localtools import rule_ids, verdict


def step(line: str) -> Step | None:
    words = [(w, 0) for w in shlex.split(line)]
    return HOSTED[words[0][0]](words)


@pytest.mark.parametrize(
    ("line", "host", "script"),
    [
        ("heroku run 'rm -rf /app'", "heroku", "rm -rf /app"),
        ("heroku run rm -rf /app -a myapp", "myapp", "rm -rf /app"),
        ("heroku run -a myapp -- rm -rf /app -a x", "myapp", "rm -rf /app -a x"),
        ("heroku run --size=performance-l bash", "heroku", "bash"),
        ("heroku run:detached 'rm -rf /app'", "heroku", "rm -rf /app"),
        ("heroku run:inside web.1 'rm -rf /app' --app a", "a", "rm -rf /app"),
        ("fly ssh console -C 'rm -rf /data'", "fly", "rm -rf /data"),
        ("flyctl ssh console -a app --command 'rm -rf /data'", "app", "rm -rf /data"),
        ("fly console --command='rm -rf /data'", "fly", "rm -rf /data"),
        ("fly machine exec 148ed21a031189 'rm -rf /data'", "148ed21a031189", "rm -rf /data"),
        ("fly m exec -a app 'rm -rf /data'", "app", "rm -rf /data"),
        ("doctl compute ssh web-1 --ssh-command 'rm -rf /'", "web-1", "rm -rf /"),
        ("railway ssh -s api 'rm -rf /data'", "api", "rm -rf /data"),
    ],
)  # fmt: skip
def test_remote_commands_are_found(line: str, host: str, script: str) -> None:
    found = step(line)
    assert found is not None
    assert found.keep
    assert found.remote_host == host
    assert [text for text, _ in found.scripts] == [script]


@pytest.mark.parametrize(
    "line",
    ["heroku ps:exec -a myapp", "fly ssh console", "doctl compute ssh web-1", "railway ssh"],
)
def test_a_session_without_a_command_is_a_remote_shell_on_stdin(line: str) -> None:
    found = step(line)
    assert found is not None
    assert found.stdin_shell
    assert found.remote_host


def test_railway_run_is_a_local_command() -> None:
    found = step("railway run -e prod rm -rf /")
    assert found is not None
    assert found.remote_host is None
    assert [w for w, _ in found.rest or ()] == ["rm", "-rf", "/"]
    shell = step("railway shell")
    assert shell is not None
    assert shell.stdin_shell
    assert shell.remote_host is None


@pytest.mark.parametrize(
    "line",
    [
        "heroku apps:info",
        "heroku logs --tail",
        "fly ssh issue --agent",
        "fly deploy",
        "doctl compute droplet list",
        "railway up",
        "railway status",
    ],
)
def test_other_commands_launch_nothing(line: str) -> None:
    assert step(line) is None
    program, *args = shlex.split(line)
    assert HOSTED_WORDS[program].isdisjoint(args)


_WIRED = pytest.mark.skipif(
    "heroku" not in LAUNCHERS, reason="classify/launchers.py does not list HOSTED yet"
)


@_WIRED
@pytest.mark.parametrize(
    ("line", "expected", "rule"),
    [
        ("heroku run 'rm -rf /app'", Verdict.HOLD, "fs-delete"),
        ("heroku run bash", Verdict.HOLD, "code-inline-opaque"),
        ("echo 'rm -rf /app' | heroku run bash", Verdict.HOLD, "fs-delete"),
        ("fly ssh console -C 'rm -rf /data'", Verdict.HOLD, "fs-delete"),
        ("flyctl ssh console --command 'rm -rf /data'", Verdict.HOLD, "fs-delete"),
        ("doctl compute ssh web-1 --ssh-command 'rm -rf /'", Verdict.HOLD, "fs-delete"),
        ("railway run rm -rf /", Verdict.DENY, "fs-delete"),
        ("fly ssh console", Verdict.ASK, "service-write"),
    ],
)  # fmt: skip
def test_carried_commands_are_judged(line: str, expected: Verdict, rule: str) -> None:
    assert rule in rule_ids(line)
    assert verdict(line) is expected
