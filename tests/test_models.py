"""Value types: ordering helpers and the plain (JSON) form."""

from __future__ import annotations

import json

import pytest

from interlock.models import (
    Category,
    Finding,
    Principal,
    PrincipalKind,
    Risk,
    Scope,
    Verdict,
    max_risk,
    strictest,
    to_plain,
)


@pytest.mark.parametrize(
    ("verdicts", "expected"),
    [
        ((), Verdict.ALLOW),
        ((Verdict.ALLOW, Verdict.ASK), Verdict.ASK),
        ((Verdict.HOLD, Verdict.ASK, Verdict.ALLOW), Verdict.HOLD),
        ((Verdict.HOLD, Verdict.DENY), Verdict.DENY),
    ],
)
def test_strictest(verdicts: tuple[Verdict, ...], expected: Verdict) -> None:
    assert strictest(*verdicts) is expected


def test_max_risk() -> None:
    assert max_risk() is Risk.NONE
    assert max_risk(Risk.LOW, Risk.CRITICAL, Risk.HIGH) is Risk.CRITICAL


def test_plain_form_is_json() -> None:
    f = Finding("x-rule", Category.DELETE, Scope.REMOTE, "db", "rm db", "deletes db")
    plain = to_plain(f)
    assert json.loads(json.dumps(plain))["category"] == "delete"
    with pytest.raises(TypeError):
        to_plain(b"plan bytes")


def test_agent_human_is_who_it_acts_for() -> None:
    agent = Principal("kiro", PrincipalKind.AGENT, acts_for="alice")
    assert agent.human == "alice"
    assert Principal("bob", PrincipalKind.HUMAN).human == "bob"
