"""Races: many voters, many grant users at once; exactly one grant, used exactly once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from typing import TypeVar

from sqlalchemy import func, select

from interlock.approvals.requests import Status
from interlock.errors import InterlockError
from interlock.store.records import grants, votes
from tests.approvals.conftest import World, hold

T = TypeVar("T")

THREADS = 8


def race(jobs: list[Callable[[], T]]) -> list[T | InterlockError]:
    """Run ``jobs`` in threads released together; results or refusals, in job order."""
    results: list[T | InterlockError | None] = [None] * len(jobs)
    start = threading.Barrier(len(jobs))

    def runner(i: int) -> None:
        start.wait()
        try:
            results[i] = jobs[i]()
        except InterlockError as exc:
            results[i] = exc

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert all(r is not None for r in results), "a racer never finished"
    return [r for r in results if r is not None]


def test_racing_voters_make_one_grant(world: World) -> None:
    world.human("alice")
    kiro = world.agent("kiro", "alice")
    request = hold(world, kiro).record
    voters = [world.human(f"approver{i}") for i in range(THREADS)]
    outcomes = race([partial(world.service.approve, request.id, t) for t in voters])
    accepted = [o for o in outcomes if not isinstance(o, InterlockError)]
    refused = [o for o in outcomes if isinstance(o, InterlockError)]
    assert len(accepted) == 2
    assert all("votes are closed" in r.message for r in refused)
    assert sorted(o.status for o in accepted) == ["approved", "pending"]
    with world.store.transaction() as conn:
        assert conn.execute(select(func.count()).select_from(grants)).scalar_one() == 1
        assert conn.execute(select(func.count()).select_from(votes)).scalar_one() == 2
    assert world.service.show(request.id).record.status is Status.APPROVED


def test_racing_grant_users_run_once(world: World) -> None:
    world.human("alice")
    kiro = world.agent("kiro", "alice")
    request = hold(world, kiro).record
    world.service.approve(request.id, world.human("bob"))
    world.service.approve(request.id, world.human("carol"))
    outcomes = race([lambda: world.service.use_grant(request.id, kiro, request.digest)] * THREADS)
    used = [o for o in outcomes if not isinstance(o, InterlockError)]
    assert len(used) == 1
    assert used[0].ok
    assert world.audit_kinds().count("grant-used") == 1
    assert world.audit_kinds().count("grant-refused") == THREADS - 1


def test_one_human_racing_with_many_tokens_counts_once(world: World) -> None:
    world.human("alice")
    kiro = world.agent("kiro", "alice")
    request = hold(world, kiro).record
    bobs = [world.human("bob") for _ in range(THREADS)]
    outcomes = race([partial(world.service.approve, request.id, t) for t in bobs])
    assert sum(not isinstance(o, InterlockError) for o in outcomes) == 1
    view = world.service.show(request.id)
    assert [b.voter for b in view.ballots] == ["bob"]
    assert view.record.status is Status.PENDING
