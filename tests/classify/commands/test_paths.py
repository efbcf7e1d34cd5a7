"""Where a path points: the judgement shared by every local rule."""

from __future__ import annotations

import pytest

from interlock.classify.command import CommandContext
from interlock.classify.commands.paths import long_flags, operands, place, short_flags
from interlock.models import Risk, Scope
from tests.classify.commands.localtools import CONFIG


@pytest.mark.parametrize(
    ("path", "cwd", "scope", "risk"),
    [
        ("/", None, Scope.HOST, Risk.CRITICAL),
        ("/*", None, Scope.HOST, Risk.CRITICAL),
        ("~", None, Scope.HOST, Risk.CRITICAL),
        ("~/", None, Scope.HOST, Risk.CRITICAL),
        ("$HOME", None, Scope.HOST, Risk.CRITICAL),
        ("${HOME}/..", None, Scope.HOST, Risk.CRITICAL),
        ("~/Documents", None, Scope.HOST, Risk.HIGH),
        ("/home/user", None, Scope.HOST, Risk.CRITICAL),
        ("/etc", None, Scope.HOST, Risk.CRITICAL),
        ("/usr/bin/../../etc", None, Scope.HOST, Risk.CRITICAL),
        ("/var/tmp/../etc", None, Scope.HOST, Risk.HIGH),
        ("/etc/nginx/nginx.conf", None, Scope.HOST, Risk.HIGH),
        ("/tmp/build", None, Scope.HOST, Risk.MEDIUM),
        ("$TMPDIR/build", None, Scope.HOST, Risk.MEDIUM),
        ("$TMPDIR/../etc", None, Scope.HOST, Risk.HIGH),
        ("$X/build", None, Scope.HOST, Risk.HIGH),
        ("build", None, Scope.WORKSPACE, Risk.LOW),
        ("./src/../build", None, Scope.WORKSPACE, Risk.LOW),
        ("../other", None, Scope.HOST, Risk.HIGH),
        ("*", None, Scope.HOST, Risk.HIGH),
        (".", None, Scope.HOST, Risk.HIGH),
        ("/work/app/build", "/work/app", Scope.WORKSPACE, Risk.LOW),
        ("/work/app", "/work/app", Scope.HOST, Risk.HIGH),
        ("../../etc", "/work/app", Scope.HOST, Risk.CRITICAL),
        ("/dev/null", None, Scope.WORKSPACE, Risk.NONE),
        ("/dev/sda", None, Scope.HOST, Risk.CRITICAL),
    ],
)
def test_place(path: str, cwd: str | None, scope: Scope, risk: Risk) -> None:
    where = place(path, CommandContext(CONFIG, cwd=cwd))
    assert (where.scope, where.risk) == (scope, risk), where.why


def test_option_helpers() -> None:
    args = ("-rf", "--force=yes", "-o", "out", "a", "--", "-b")
    assert short_flags(args) == {"r", "f", "o"}
    assert long_flags(args) == {"--force"}
    assert operands(args, frozenset({"-o"})) == ["a", "-b"]
