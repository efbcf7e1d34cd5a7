"""The floor as a verdict table: category x scope x environment -> verdict, approvals."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from interlock.config import Config, default_config
from interlock.models import (
    Action,
    ActionKind,
    Assessment,
    Category,
    Finding,
    Risk,
    Scope,
    Verdict,
)
from interlock.policy.floor import floor_decision, floor_rule_ids

CONFIG = default_config()


def _assess(*findings: Finding) -> Assessment:
    return Assessment(Action(ActionKind.SHELL, "x"), findings)


def _f(category: Category, scope: Scope, env: str | None, risk: Risk = Risk.MEDIUM) -> Finding:
    return Finding("t-rule", category, scope, "target", "evidence", "why", risk, env)


@pytest.mark.parametrize(
    ("category", "scope", "env", "verdict", "approvals"),
    [
        (Category.READ, Scope.REMOTE, "production", Verdict.ALLOW, 0),
        (Category.READ, Scope.REMOTE, None, Verdict.ALLOW, 0),
        (Category.DELETE, Scope.REMOTE, "production", Verdict.HOLD, 2),
        (Category.REPLACE, Scope.REMOTE, "prod", Verdict.HOLD, 2),
        (Category.PRIVILEGE, Scope.REMOTE, "production", Verdict.HOLD, 2),
        (Category.DELETE, Scope.REMOTE, None, Verdict.HOLD, 2),
        (Category.DELETE, Scope.REMOTE, "staging", Verdict.HOLD, 1),
        (Category.WRITE, Scope.REMOTE, "production", Verdict.HOLD, 2),
        (Category.WRITE, Scope.REMOTE, None, Verdict.ASK, 0),
        (Category.WRITE, Scope.REMOTE, "staging", Verdict.ALLOW, 0),
        (Category.EXPOSURE, Scope.REMOTE, "production", Verdict.HOLD, 2),
        (Category.OPAQUE, Scope.WORKSPACE, None, Verdict.HOLD, 2),
        (Category.OPAQUE, Scope.REMOTE, "development", Verdict.HOLD, 1),
        (Category.SELF_TAMPER, Scope.WORKSPACE, None, Verdict.DENY, 0),
        (Category.DELETE, Scope.HOST, None, Verdict.ASK, 0),
        (Category.DELETE, Scope.WORKSPACE, None, Verdict.ALLOW, 0),
        (Category.WRITE, Scope.WORKSPACE, None, Verdict.ALLOW, 0),
    ],
)
def test_verdict_table(
    category: Category, scope: Scope, env: str | None, verdict: Verdict, approvals: int
) -> None:
    decision = floor_decision(_assess(_f(category, scope, env)), CONFIG)
    assert decision.verdict is verdict
    assert decision.required_approvals == approvals


def test_critical_host_destruction_is_denied() -> None:
    finding = _f(Category.DELETE, Scope.HOST, None, Risk.CRITICAL)
    assert floor_decision(_assess(finding), CONFIG).verdict is Verdict.DENY


def test_nothing_recognised_is_held() -> None:
    decision = floor_decision(_assess(), CONFIG)
    assert decision.verdict is Verdict.HOLD
    assert decision.reasons[0].rule_id == "floor-empty"


def test_every_reason_id_is_declared() -> None:
    declared = set(floor_rule_ids())
    for category in Category:
        for scope in Scope:
            for env in ("production", "staging", None):
                for r in floor_decision(_assess(_f(category, scope, env)), CONFIG).reasons:
                    assert r.rule_id in declared


@given(
    st.lists(
        st.tuples(
            st.sampled_from(list(Category)),
            st.sampled_from(list(Scope)),
            st.sampled_from(["production", "prod", "staging", None, "nowhere"]),
            st.sampled_from(list(Risk)),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_destructive_in_protected_never_below_two(
    rows: list[tuple[Category, Scope, str | None, Risk]],
) -> None:
    """Adding findings never lowers the bar set by a protected destructive one."""
    findings = [_f(c, s, e, r) for c, s, e, r in rows]
    findings.append(_f(Category.DELETE, Scope.REMOTE, "production"))
    decision = floor_decision(_assess(*findings), CONFIG)
    assert decision.verdict in (Verdict.HOLD, Verdict.DENY)
    if decision.verdict is Verdict.HOLD:
        assert decision.required_approvals >= 2


def test_unknown_environment_is_protected() -> None:
    config = Config()
    decision = floor_decision(_assess(_f(Category.DELETE, Scope.REMOTE, "qa")), config)
    assert decision.verdict is Verdict.HOLD
    assert decision.required_approvals == 2
