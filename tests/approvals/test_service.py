"""Requests, votes and grants end to end on the library, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from interlock.approvals.requests import Status
from interlock.errors import (
    AuthenticationError,
    DecisionError,
    ForbiddenError,
    GrantRefusedError,
    InputError,
    NotFoundError,
    VoteRefusedError,
)
from interlock.identity.service import wanted_human
from interlock.models import Decision, Risk, Verdict
from tests.approvals.conftest import World, decided, hold


def test_the_two_person_rule_end_to_end(world: World) -> None:
    alice, bob, carol = world.human("alice", "admin"), world.human("bob"), world.human("carol")
    kiro = world.agent("kiro", "alice")
    request = hold(world, kiro).record
    assert (request.status, request.required_approvals) == (Status.PENDING, 2)
    assert (request.requester_human, request.requester_agent) == ("alice", "kiro")
    with pytest.raises(VoteRefusedError, match="alice is the requester"):
        world.service.approve(request.id, alice)
    with pytest.raises(ForbiddenError, match="agent 'kiro' may not vote"):
        world.service.approve(request.id, kiro)
    with pytest.raises(ForbiddenError, match="only humans approve or deny"):
        world.service.deny(request.id, kiro, comment="on alice's behalf")
    first = world.service.approve(request.id, bob, comment="checked the plan")
    assert (first.status, first.approvals, first.required) == ("pending", 1, 2)
    with pytest.raises(GrantRefusedError, match="is pending, not approved"):
        world.service.use_grant(request.id, kiro, request.digest)
    second = world.service.approve(request.id, carol)
    assert (second.status, second.approvals, second.approvers) == ("approved", 2, ("bob", "carol"))
    assert world.service.use_grant(request.id, kiro, request.digest).ok
    with pytest.raises(GrantRefusedError, match="used already"):
        world.service.use_grant(request.id, kiro, request.digest)
    done = world.service.finish(request.id, kiro, ok=True)
    assert done.status is Status.EXECUTED
    kinds = world.audit_kinds()
    assert kinds.count("vote-refused") == 3
    assert kinds.count("grant-refused") == 2
    for kind in ("request-created", "vote-cast", "request-approved", "grant-issued", "grant-used"):
        assert kind in kinds
    assert kinds[-1] == "request-executed"


def test_one_human_with_two_tokens_counts_once(world: World) -> None:
    kiro = world.agent("kiro", world.human("alice") and "alice")
    bob_laptop, bob_phone = world.human("bob"), world.human("bob")
    request = hold(world, kiro).record
    world.service.approve(request.id, bob_laptop)
    with pytest.raises(VoteRefusedError, match="counts once"):
        world.service.approve(request.id, bob_phone)
    assert world.service.show(request.id).record.status is Status.PENDING


def test_a_changed_command_is_a_new_request_at_zero(world: World) -> None:
    world.human("alice")
    kiro, bob = world.agent("kiro", "alice"), world.human("bob")
    first = hold(world, kiro, "delete ledger db").record
    world.service.approve(first.id, bob)
    second = hold(world, kiro, "delete ledger db --force").record
    assert second.digest != first.digest
    assert world.service.show(second.id).ballots == ()
    world.service.approve(first.id, world.human("carol"))
    with pytest.raises(GrantRefusedError, match="not the approved digest"):
        world.service.use_grant(first.id, kiro, second.digest)


def test_a_denial_closes_the_request(world: World) -> None:
    world.human("alice")
    kiro, bob, carol = world.agent("kiro", "alice"), world.human("bob"), world.human("carol")
    request = hold(world, kiro).record
    with pytest.raises(InputError, match="needs a comment"):
        world.service.deny(request.id, bob, comment=" ")
    outcome = world.service.deny(request.id, bob, comment="drops the ledger")
    assert outcome.status == "denied"
    with pytest.raises(VoteRefusedError, match="votes are closed"):
        world.service.approve(request.id, carol)
    with pytest.raises(GrantRefusedError, match="denied"):
        world.service.use_grant(request.id, kiro, request.digest)


def test_silence_never_approves(world: World) -> None:
    world.human("alice")
    kiro, bob, carol = world.agent("kiro", "alice"), world.human("bob"), world.human("carol")
    request = hold(world, kiro, ttl=timedelta(minutes=30)).record
    world.service.approve(request.id, bob)
    world.clock.advance(timedelta(minutes=30))
    with pytest.raises(VoteRefusedError, match="is expired"):
        world.service.approve(request.id, carol)
    assert world.service.show(request.id).record.status is Status.EXPIRED
    assert [r.status for r in world.service.list()] == [Status.EXPIRED]
    assert world.audit_kinds().count("request-expired") == 1


def test_an_unused_grant_expires_with_its_request(world: World) -> None:
    world.human("alice")
    kiro = world.agent("kiro", "alice")
    request = hold(world, kiro, ttl=timedelta(minutes=5)).record
    world.service.approve(request.id, world.human("bob"))
    world.service.approve(request.id, world.human("carol"))
    world.clock.advance(timedelta(minutes=5, seconds=1))
    with pytest.raises(GrantRefusedError, match="is expired"):
        world.service.use_grant(request.id, kiro, request.digest)


def test_list_expires_what_is_due(world: World) -> None:
    world.human("alice")
    kiro = world.agent("kiro", "alice")
    old = hold(world, kiro, "one", ttl=timedelta(minutes=1)).record
    world.clock.advance(timedelta(minutes=2))
    new = hold(world, kiro, "two").record
    listed = {r.id: r.status for r in world.service.list()}
    assert listed == {old.id: Status.EXPIRED, new.id: Status.PENDING}
    assert [r.id for r in world.service.list(status=Status.PENDING)] == [new.id]


@pytest.mark.parametrize(
    ("verdict", "status", "required"),
    [
        (Verdict.ALLOW, Status.APPROVED, 0),
        (Verdict.DENY, Status.DENIED, 0),
        (Verdict.ASK, Status.PENDING, 1),
        (Verdict.HOLD, Status.PENDING, 3),
    ],
)
def test_every_verdict_is_recorded(
    world: World, verdict: Verdict, status: Status, required: int
) -> None:
    kiro = world.agent("kiro", world.human("alice") and "alice")
    decision = Decision(verdict, Risk.LOW, 3 if verdict is Verdict.HOLD else 0, ())
    record = decided(world, kiro, decision).record
    assert (record.status, record.required_approvals) == (status, required)
    grant = world.service.show(record.id).grant_id
    assert (grant is not None) is (verdict is Verdict.ALLOW)


def test_allowed_requests_run_once_through_their_grant(world: World) -> None:
    kiro = world.agent("kiro", world.human("alice") and "alice")
    record = decided(world, kiro, Decision(Verdict.ALLOW, Risk.NONE, 0, ())).record
    assert world.service.use_grant(record.id, kiro, record.digest.upper()).ok
    with pytest.raises(GrantRefusedError):
        world.service.use_grant(record.id, kiro, record.digest)


def test_ask_is_confirmed_by_the_operator_not_the_agent(world: World) -> None:
    alice = world.human("alice")
    kiro = world.agent("kiro", "alice")
    record = decided(world, kiro, Decision(Verdict.ASK, Risk.MEDIUM, 0, ())).record
    with pytest.raises(ForbiddenError):
        world.service.approve(record.id, kiro)
    assert world.service.approve(record.id, alice).status == "approved"


def test_a_lax_decision_is_raised_to_the_floor(world: World) -> None:
    from tests.approvals.conftest import destructive

    kiro = world.agent("kiro", world.human("alice") and "alice")
    action, assessment = destructive("drop the ledger")
    lax = Decision(Verdict.ALLOW, Risk.LOW, 0, ())
    done = world.service.record_decided(kiro, action, assessment, lax)
    assert done.decision.verdict is Verdict.HOLD
    assert (done.record.status, done.record.required_approvals) == (Status.PENDING, 2)
    assert "floor-two-person" in [r.rule_id for r in done.decision.reasons]


def test_approver_groups_are_enforced(world: World) -> None:
    kiro = world.agent("kiro", world.human("alice") and "alice")
    decision = Decision(Verdict.HOLD, Risk.HIGH, 2, (), ("dba",))
    record = decided(world, kiro, decision).record
    with pytest.raises(VoteRefusedError, match="not in any approver group"):
        world.service.approve(record.id, world.human("bob", "sre"))
    world.service.approve(record.id, world.human("dora", "dba"))
    assert world.service.approve(record.id, world.human("erin", "dba", "sre")).status == "approved"


def test_revoked_and_expired_tokens_cannot_vote(world: World) -> None:
    world.human("alice")
    kiro = world.agent("kiro", "alice")
    request = hold(world, kiro).record
    bob = world.tokens.issue(
        wanted_human("bob"),
        expires_in=timedelta(hours=1),
    )
    world.tokens.revoke(bob.id)
    with pytest.raises(AuthenticationError, match="revoked"):
        world.service.approve(request.id, bob.token)
    carol = world.tokens.issue(
        wanted_human("carol"),
        expires_in=timedelta(minutes=1),
    )
    world.clock.advance(timedelta(minutes=2))
    with pytest.raises(AuthenticationError, match="expired"):
        world.service.approve(request.id, carol.token)


def test_only_the_requester_uses_cancels_or_finishes(world: World) -> None:
    alice = world.human("alice")
    kiro, bob = world.agent("kiro", "alice"), world.human("bob")
    request = hold(world, kiro).record
    with pytest.raises(ForbiddenError, match="did not request"):
        world.service.cancel(request.id, bob)
    assert world.service.cancel(request.id, alice).status is Status.CANCELLED
    with pytest.raises(DecisionError, match="is cancelled"):
        world.service.cancel(request.id, kiro)
    allowed = decided(world, kiro, Decision(Verdict.ALLOW, Risk.NONE, 0, ())).record
    with pytest.raises(GrantRefusedError, match="bob did not request"):
        world.service.use_grant(allowed.id, bob, allowed.digest)
    with pytest.raises(GrantRefusedError, match="no used grant"):
        world.service.finish(allowed.id, kiro, ok=False)


def test_unknown_requests_are_not_found(world: World) -> None:
    bob = world.human("bob")
    with pytest.raises(NotFoundError):
        world.service.approve("req-nope", bob)
    with pytest.raises(NotFoundError):
        world.service.show("req-nope")


def test_audit_names_identity_but_never_the_token(world: World) -> None:
    world.human("alice")
    kiro, bob = world.agent("kiro", "alice"), world.human("bob")
    request = hold(world, kiro).record
    world.service.approve(request.id, bob)
    (vote,) = world.audit_bodies("vote-cast")
    assert vote["voter"] == "bob"
    assert vote["voter_kind"] == "human"
    assert vote["channel"] == "cli"
    assert str(vote["token_id"]).startswith("tok-")
    log = world.audit_log()
    assert kiro.encode() not in log
    assert bob.encode() not in log
