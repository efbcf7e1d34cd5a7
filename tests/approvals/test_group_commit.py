"""Concurrent submissions share one commit; each stands or falls on its own."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import Connection

from interlock.approvals.service import Submitted
from interlock.audit.verify import verify_log
from interlock.errors import AuthenticationError
from interlock.identity.service import wanted_agent
from interlock.models import Decision, Reason, ReasonSource, Risk, Verdict
from interlock.store.records import grants, requests
from tests.approvals.conftest import World, decided

ALLOW = Decision(
    Verdict.ALLOW,
    Risk.LOW,
    0,
    (Reason(ReasonSource.CONFIG, "test-allow", "reads only", Verdict.ALLOW),),
)


@contextmanager
def _first_waits_for(world: World, others: int) -> Iterator[None]:
    """Hold the first submission inside its transaction until ``others`` are queued
    behind it, so that they are written as one batch by the next leader (in the one
    lane: PostgreSQL's others would each open a lane beside the held one)."""
    service, group = world.service, world.store._group
    lanes, group._lanes = group._lanes, 1
    record = service._record
    state = {"first": True}

    def held(conn: Connection, draft: Any, now: Any) -> Any:
        if state.pop("first", False):
            deadline = time.monotonic() + 30
            while len(group._queue) < others:
                assert time.monotonic() < deadline, "the others never queued"
                time.sleep(0.001)
        return record(conn, draft, now)

    service._record = held  # type: ignore[method-assign]
    try:
        yield
    finally:
        _restore(world, record)
        group._lanes = lanes


def _restore(world: World, record: Any) -> None:
    """Put back ``_record`` as it was (the class's own, or an outer test's wrapper)."""
    if getattr(record, "__self__", None) is world.service:
        world.service.__dict__.pop("_record", None)
    else:
        world.service._record = record  # type: ignore[method-assign]


def _together(jobs: Sequence[Callable[[], Submitted]]) -> list[Submitted | Exception]:
    """Run ``jobs`` from threads: the first alone, then the rest while it is held."""
    results: list[Submitted | Exception | None] = [None] * len(jobs)

    def runner(i: int) -> None:
        try:
            results[i] = jobs[i]()
        except Exception as exc:  # collected for the assertions
            results[i] = exc

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(len(jobs))]
    threads[0].start()
    time.sleep(0.05)  # the first takes the lead before the others queue
    for t in threads[1:]:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert all(r is not None for r in results), "a submission never finished"
    return [r for r in results if r is not None]


@contextmanager
def _batches(world: World, *, fail_batches: bool = False) -> Iterator[list[int]]:
    """The number of submissions each committed transaction carried (``fail_batches``:
    refuse the commit of any transaction carrying more than one)."""
    record = world.service._record
    sizes: list[int] = []

    def counted(conn: Connection, draft: Any, now: Any) -> Any:
        conn.info["records"] = conn.info.get("records", 0) + 1
        return record(conn, draft, now)

    def on_commit(conn: Any) -> None:
        size = conn.info.pop("records", 0)
        if size and fail_batches and size > 1:
            raise RuntimeError("the disk is full")
        if size:
            sizes.append(size)

    def on_rollback(conn: Any) -> None:  # an attempt rolled back carried nothing
        conn.info.pop("records", None)

    world.service._record = counted  # type: ignore[method-assign]
    event.listen(world.store.engine, "commit", on_commit)
    event.listen(world.store.engine, "rollback", on_rollback)
    try:
        yield sizes
    finally:
        event.remove(world.store.engine, "commit", on_commit)
        event.remove(world.store.engine, "rollback", on_rollback)
        _restore(world, record)


def _commands(world: World) -> dict[str, str]:
    with world.store.read_transaction() as conn:
        return dict(conn.execute(select(requests.c.id, requests.c.summary)).tuples().all())


def _verified_size(world: World) -> int:
    with world.store.read_transaction() as conn:
        return verify_log(conn, []).size


def test_concurrent_submissions_are_all_recorded(world: World) -> None:
    world.human("alice")
    kiro = world.agent("kiro", "alice")
    jobs = [partial(decided, world, kiro, ALLOW, f"ls dir{i}") for i in range(8)]
    with _batches(world) as sizes, _first_waits_for(world, 7):
        results = _together(jobs)
    assert sizes == [1, 7]  # the held first alone, then one commit for the rest
    assert all(isinstance(r, Submitted) for r in results)
    stored = _commands(world)
    assert len(stored) == 8
    for i, result in enumerate(results):
        assert isinstance(result, Submitted)
        assert stored[result.record.id] == f"ls dir{i}"  # each caller got its own request
    with world.store.read_transaction() as conn:
        assert conn.execute(select(func.count()).select_from(grants)).scalar_one() == 8
    kinds = world.audit_kinds()
    assert kinds.count("request-created") == 8
    assert kinds.count("grant-issued") == 8
    assert _verified_size(world) == len(kinds)


def test_a_failing_submission_does_not_lose_the_others(world: World) -> None:
    world.human("alice")
    kiro = world.agent("kiro", "alice")
    doomed = world.tokens.issue(wanted_agent("kiro", "alice"), expires_in=None)
    world.service._authenticated(doomed.token)  # decided with it, revoked before the write
    world.tokens.revoke(doomed.id)
    jobs = [partial(decided, world, kiro, ALLOW, f"ls dir{i}") for i in range(5)]
    jobs.insert(2, partial(decided, world, doomed.token, ALLOW, "ls doomed"))
    with _batches(world) as sizes, _first_waits_for(world, 5):
        results = _together(jobs)
    assert sizes == [1, 5]  # the doomed one was in the batch, and rolled back alone
    assert isinstance(results[2], AuthenticationError)
    assert sum(isinstance(r, Submitted) for r in results) == 5
    assert sorted(_commands(world).values()) == [f"ls dir{i}" for i in range(5)]
    assert world.audit_kinds().count("request-created") == 5
    assert _verified_size(world) == len(world.audit_kinds())


def test_a_batch_is_all_or_nothing_when_its_commit_fails(world: World) -> None:
    world.human("alice")
    kiro = world.agent("kiro", "alice")
    before = len(world.audit_kinds())
    jobs = [partial(decided, world, kiro, ALLOW, f"ls dir{i}") for i in range(4)]
    with _batches(world, fail_batches=True) as sizes, _first_waits_for(world, 3):
        results = _together(jobs)
    assert sizes == [1]
    assert isinstance(results[0], Submitted)  # alone in its transaction
    assert all(isinstance(r, RuntimeError) for r in results[1:])  # the batch behind it
    assert list(_commands(world).values()) == ["ls dir0"]
    kinds = world.audit_kinds()[before:]
    assert kinds.count("request-created") == kinds.count("grant-issued") == 1  # dir0's
    assert _verified_size(world) == before + len(kinds)


@pytest.fixture(autouse=True)
def _no_stray_threads() -> Iterator[None]:
    before = threading.active_count()
    yield
    assert threading.active_count() <= before
