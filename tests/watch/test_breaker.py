"""The circuit breaker: ten destructive attempts in a minute freeze the session."""

from __future__ import annotations

from datetime import timedelta

import pytest

from interlock.errors import ForbiddenError, InputError
from interlock.models import Verdict
from interlock.watch import history
from interlock.watch.breaker import FROZEN_RULE
from interlock.watch.sessions import SessionWatch
from tests.watch.conftest import Session, rules, verdict


def _attempts(session: Session, count: int) -> None:
    for i in range(count):
        session.run(f"aws rds delete-db-instance --db-instance-identifier db{i} --profile staging")


def test_ten_destructive_attempts_in_a_minute_freeze_the_session(
    kiro: Session, sessions: SessionWatch
) -> None:
    _attempts(kiro, 9)
    assert all(FROZEN_RULE not in rules(s) for s in kiro.seen)
    _attempts(kiro, 1)
    assert FROZEN_RULE in rules(kiro.seen[-1])
    read = kiro.run("aws rds describe-db-instances --profile staging")
    assert verdict(read) is Verdict.ALLOW
    assert FROZEN_RULE not in rules(read)
    write = kiro.run("kubectl apply -f deploy.yaml --context staging")
    assert verdict(write) is Verdict.HOLD
    (reason,) = [r for r in write.decision.reasons if r.rule_id == FROZEN_RULE]
    assert "10 destructive or held attempts within 60 s" in reason.message
    local = kiro.run("touch notes.txt")
    assert verdict(local) is Verdict.HOLD
    kinds = kiro.world.audit_kinds()
    assert kinds.count("session-frozen") == 1
    assert kinds.count("watch-alert") == 1
    (alert,) = kiro.world.audit_bodies("watch-alert")
    assert (alert["session"], alert["agent"], alert["human"]) == ("s-1", "kiro", "alice")
    view = sessions.show(kiro.world.human("bob"), "s-1")
    assert view.frozen is not None
    assert view.frozen.frozen_by == "interlock"


def test_the_same_attempts_spread_out_do_not_freeze(kiro: Session) -> None:
    kiro.step = timedelta(seconds=7)
    _attempts(kiro, 30)
    assert all(FROZEN_RULE not in rules(s) for s in kiro.seen)
    assert verdict(kiro.run("kubectl apply -f deploy.yaml --context staging")) is Verdict.ALLOW


def test_agents_cannot_unfreeze_and_humans_can(kiro: Session, sessions: SessionWatch) -> None:
    _attempts(kiro, 10)
    with pytest.raises(ForbiddenError, match="agent 'kiro' may not"):
        sessions.unfreeze(kiro.token, "s-1", reason="I am sure")
    write = "kubectl apply -f deploy.yaml --context staging"
    assert verdict(kiro.run(write)) is Verdict.HOLD
    bob = kiro.world.human("bob")
    lifted = sessions.unfreeze(bob, "s-1", reason="talked to alice")
    assert (lifted.unfrozen_by, lifted.unfreeze_reason) == ("bob", "talked to alice")
    kiro.world.clock.advance(timedelta(minutes=2))
    assert verdict(kiro.run(write)) is Verdict.ALLOW
    with pytest.raises(InputError, match="not frozen"):
        sessions.unfreeze(bob, "s-1", reason="again")
    (body,) = kiro.world.audit_bodies("session-unfrozen")
    assert (body["session"], body["frozen_by"]) == ("s-1", "interlock")


def test_a_human_can_freeze_a_session_by_hand(kiro: Session, sessions: SessionWatch) -> None:
    bob = kiro.world.human("bob")
    with pytest.raises(ForbiddenError):
        sessions.freeze(kiro.token, "s-1", reason="agents may not")
    sessions.freeze(bob, "s-1", reason="looks odd")
    held = kiro.run("git commit -m wip")
    assert FROZEN_RULE in rules(held)
    assert verdict(held) is Verdict.HOLD
    assert verdict(kiro.run("git status")) is Verdict.ALLOW
    other = Session(kiro.world, kiro.token, "s-2")
    assert verdict(other.run("git commit -m wip")) is Verdict.ALLOW
    listed = {row.summary.session_id: row.frozen for row in sessions.list(bob)}
    assert listed == {"s-1": True, "s-2": False}


def test_an_agent_across_sessions_trips_the_agent_threshold(kiro: Session) -> None:
    threshold = kiro.world.config.watch.agent_threshold
    for i in range(threshold):
        session = Session(kiro.world, kiro.token, f"s-{i % 25}", step=timedelta(seconds=30))
        session.run(f"aws s3 rb s3://bucket-{i} --force --profile staging")
    last = kiro.world.audit_bodies("watch-alert")
    assert len(last) == 1
    assert f"agent kiro made {threshold} destructive or held attempts" in last[0]["reason"]


def test_concurrent_attempts_freeze_the_session_exactly_once(kiro: Session) -> None:
    from concurrent.futures import ThreadPoolExecutor

    commands = [
        f"aws rds delete-db-instance --db-instance-identifier db{i} --profile staging"
        for i in range(14)
    ]
    with ThreadPoolExecutor(max_workers=6) as pool:
        still = timedelta(0)  # one instant: the commit order alone decides who trips it
        done = list(
            pool.map(lambda c: Session(kiro.world, kiro.token, "s-1", step=still).run(c), commands)
        )
    assert len(done) == 14
    assert kiro.world.audit_kinds().count("session-frozen") == 1
    frozen = [s for s in done if FROZEN_RULE in rules(s)]
    assert len(frozen) == 5  # the tenth attempt trips the breaker, the four after it are held
    with kiro.world.store.transaction() as conn:
        state = history.touch(conn, "s-1", agent="kiro", human="alice", now=kiro.world.clock())
    assert state.kept == 15
