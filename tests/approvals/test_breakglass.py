"""Break-glass: faster in who approves, never in how many; never by an agent; loud."""

from __future__ import annotations

import dataclasses

import pytest

from interlock.approvals.breakglass import RULE_ID, escalate, group_of
from interlock.approvals.requests import Status
from interlock.config import default_config
from interlock.errors import ForbiddenError, VoteRefusedError
from interlock.models import Decision, Principal, PrincipalKind, Reason, ReasonSource, Risk, Verdict
from tests.approvals.conftest import World, destructive, hold

ALICE = Principal("alice", PrincipalKind.HUMAN)
KIRO = Principal("kiro", PrincipalKind.AGENT, acts_for="alice")
DENIED = Decision(
    Verdict.DENY,
    Risk.CRITICAL,
    0,
    (Reason(ReasonSource.FLOOR, "floor-self-tamper", "changes interlock", Verdict.DENY),),
)


@pytest.mark.parametrize(
    ("decision", "verdict", "required"),
    [
        (Decision(Verdict.ALLOW, Risk.NONE, 0, ()), Verdict.HOLD, 2),
        (Decision(Verdict.ASK, Risk.LOW, 0, ()), Verdict.HOLD, 2),
        (Decision(Verdict.HOLD, Risk.HIGH, 2, (), ("dba",)), Verdict.HOLD, 2),
        (Decision(Verdict.HOLD, Risk.HIGH, 3, ()), Verdict.HOLD, 3),
        (DENIED, Verdict.DENY, 0),
    ],
)
def test_escalation_never_lowers_anything(
    decision: Decision, verdict: Verdict, required: int
) -> None:
    out = escalate(decision, ALICE, default_config())
    assert (out.verdict, out.required_approvals) == (verdict, required)
    if verdict is Verdict.HOLD:
        assert out.approver_groups == ("oncall",)
        assert out.reasons[-1].rule_id == RULE_ID


def test_an_agent_cannot_break_glass() -> None:
    with pytest.raises(ForbiddenError, match="only a human"):
        escalate(Decision(Verdict.HOLD, Risk.HIGH, 2, ()), KIRO, default_config())


def test_the_group_comes_from_config() -> None:
    config = dataclasses.replace(default_config(), break_glass_group="sre-pager")
    assert group_of(config) == "sre-pager"


def test_break_glass_needs_two_on_call_humans_and_alerts(world: World) -> None:
    alice = world.human("alice")
    request = hold(world, alice, break_glass=True).record
    assert request.break_glass
    assert (request.required_approvals, request.approver_groups) == (2, ("oncall",))
    (alert,) = world.audit_bodies("break-glass-alert")
    assert alert["request"] == request.id
    assert alert["requester"] == "alice"
    with pytest.raises(VoteRefusedError, match="not in any approver group"):
        world.service.approve(request.id, world.human("bob"))
    world.service.approve(request.id, world.human("olga", "oncall"))
    assert world.service.show(request.id).record.status is Status.PENDING
    assert world.service.approve(request.id, world.human("omar", "oncall")).status == "approved"


def test_break_glass_is_refused_to_agent_tokens(world: World) -> None:
    world.human("alice")
    kiro = world.agent("kiro", "alice")
    with pytest.raises(ForbiddenError, match="break-glass"):
        hold(world, kiro, break_glass=True)
    assert "request-created" not in world.audit_kinds()


def test_break_glass_cannot_undo_a_deny(world: World) -> None:
    alice = world.human("alice")
    action, assessment = destructive("rm -rf /etc/interlock")
    done = world.service.record_decided(alice, action, assessment, DENIED, break_glass=True)
    assert done.record.status is Status.DENIED
    assert done.record.break_glass
    assert len(world.audit_bodies("break-glass-alert")) == 1
