"""Group commit: concurrent writers share one transaction, each in its own savepoint."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, insert, select
from sqlalchemy.engine import Connection

from interlock.audit.log import read_entry, stage
from interlock.audit.verify import verify_log
from interlock.errors import InputError, StoreError
from interlock.store import Store, group
from interlock.store.database import after_commit
from interlock.store.records import principals
from interlock.store.schema import audit_entries
from tests.store.lanes import one_lane_held

WRITERS = 6
_EPOCH = datetime(2026, 11, 22, tzinfo=UTC)


def _note(name: str) -> Callable[[Connection], str]:
    """Work that writes one row and stages one audit entry, both named ``name``."""

    def work(conn: Connection) -> str:
        row = {"name": name, "kind": "human", "groups": "[]", "created_at": _EPOCH}
        conn.execute(insert(principals), row)
        stage(conn, "note-written", None, {"note": name})
        return name

    return work


def _failing(conn: Connection) -> str:
    _note("doomed")(conn)  # its row and entry must be rolled back with it
    raise InputError("this submission is refused")


def _notes(store: Store) -> list[str]:
    with store.read_transaction() as conn:
        return sorted(conn.execute(select(principals.c.name)).scalars())


def _audited(store: Store) -> list[str]:
    with store.read_transaction() as conn:
        indices = conn.execute(select(audit_entries.c.idx).order_by(audit_entries.c.idx))
        return [json.loads(read_entry(conn, i))["body"]["note"] for i in indices.scalars()]


@contextmanager
def _commits(store: Store) -> Iterator[list[int]]:
    """Count the commits made on ``store`` while the block runs."""
    seen: list[int] = []

    def counted(_conn: Any) -> None:
        seen.append(1)

    event.listen(store.engine, "commit", counted)
    try:
        yield seen
    finally:
        event.remove(store.engine, "commit", counted)


def _grouped(store: Store, works: list[Callable[[Connection], str]]) -> list[str | Exception]:
    """Run ``works`` through ``run_grouped`` from threads, the first holding the others
    back until all are queued, so that they form one batch behind it."""
    results: list[str | Exception | None] = [None] * len(works)
    queued = threading.Event()
    store._group._lanes = 1  # the others wait for the one lane, not lead beside it

    def first(conn: Connection) -> str:
        assert queued.wait(30)
        return works[0](conn)

    def runner(i: int) -> None:
        try:
            results[i] = store.run_grouped(first if i == 0 else works[i])
        except Exception as exc:  # collected for the assertions
            results[i] = exc

    threads = [threading.Thread(target=runner, args=(0,))]
    threads[0].start()
    deadline = time.monotonic() + 30
    while not store._group._leading:  # the first one leads, holding the others
        assert time.monotonic() < deadline
        time.sleep(0.001)
    threads += [threading.Thread(target=runner, args=(i,)) for i in range(1, len(works))]
    for t in threads[1:]:
        t.start()
    while len(store._group._queue) < len(works) - 1:
        assert time.monotonic() < deadline
        time.sleep(0.001)
    queued.set()
    for t in threads:
        t.join(timeout=60)
    assert all(r is not None for r in results), "a writer never finished"
    return [r for r in results if r is not None]


def test_concurrent_writers_are_all_recorded_in_one_commit_per_batch(store: Store) -> None:
    names = [f"w{i}" for i in range(WRITERS)]
    with _commits(store) as commits:
        results = _grouped(store, [_note(n) for n in names])
    assert results == names
    assert len(commits) == 2  # the first alone, then everyone queued behind it at once
    assert _notes(store) == sorted(names)
    assert _audited(store) == names  # one total order: the order the work ran in
    with store.read_transaction() as conn:
        assert verify_log(conn, []).size == WRITERS


def test_a_failing_writer_loses_only_its_own_work(store: Store) -> None:
    works = [_note("w0"), _note("w1"), _failing, _note("w3")]
    results = _grouped(store, works)
    assert results[:2] == ["w0", "w1"]
    assert results[3] == "w3"
    assert isinstance(results[2], InputError)
    assert _notes(store) == ["w0", "w1", "w3"]
    assert _audited(store) == ["w0", "w1", "w3"]  # the doomed entry was unstaged
    with store.read_transaction() as conn:
        assert verify_log(conn, []).size == 3


def test_a_database_error_of_one_writer_is_a_store_error_for_it_alone(store: Store) -> None:
    def broken(conn: Connection) -> str:
        conn.exec_driver_sql("SELECT * FROM no_such_table")
        return "never"

    results = _grouped(store, [_note("w0"), _note("w1"), broken, _note("w3")])
    assert isinstance(results[2], StoreError)
    assert [r for r in results if isinstance(r, str)] == ["w0", "w1", "w3"]
    assert _notes(store) == ["w0", "w1", "w3"]


def test_a_batch_whose_commit_fails_is_all_or_nothing(store: Store) -> None:
    commits: list[int] = []

    def refuse_the_second(_conn: Any) -> None:  # the lone first write, then the batch
        commits.append(1)
        if len(commits) == 2:
            raise RuntimeError("the disk is full")

    event.listen(store.engine, "commit", refuse_the_second)
    try:
        results = _grouped(store, [_note(f"w{i}") for i in range(4)])
    finally:
        event.remove(store.engine, "commit", refuse_the_second)
    assert results[0] == "w0"
    assert all(isinstance(r, RuntimeError) for r in results[1:])
    assert _notes(store) == ["w0"]
    assert _audited(store) == ["w0"]
    with store.read_transaction() as conn:
        assert verify_log(conn, []).size == 1


def test_after_commit_steps_run_only_for_committed_work(store: Store) -> None:
    ran: list[str] = []

    def remembering(name: str, fail: bool) -> Callable[[Connection], str]:
        def work(conn: Connection) -> str:
            after_commit(conn, name, lambda: ran.append(name))
            if fail:
                raise InputError("refused")
            return _note(name)(conn)

        return work

    _grouped(store, [remembering("a", False), remembering("b", True), remembering("c", False)])
    assert sorted(ran) == ["a", "c"]


def test_a_lone_writer_needs_no_savepoint_and_still_fails_alone(store: Store) -> None:
    assert store.run_grouped(_note("alone")) == "alone"
    with pytest.raises(InputError):
        store.run_grouped(_failing)
    assert _notes(store) == ["alone"]
    assert _audited(store) == ["alone"]


def test_a_leader_waits_for_an_announced_writer_to_share_its_commit(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(group, "LINGER_SECONDS", 30.0)
    ready, announced = threading.Event(), threading.Event()
    results: list[str] = []

    def announced_writer() -> None:
        with store.grouped_soon():
            announced.set()
            assert ready.wait(30)  # still preparing while the leader lingers
            results.append(store.run_grouped(_note("late")))

    late = threading.Thread(target=announced_writer)
    late.start()
    assert announced.wait(30)
    with _commits(store) as commits:
        leader = threading.Thread(target=lambda: results.append(store.run_grouped(_note("lead"))))
        leader.start()
        deadline = time.monotonic() + 30
        while not (store._group._collecting and store._group._queue):
            assert time.monotonic() < deadline
            time.sleep(0.001)
        ready.set()
        leader.join(30)
        late.join(30)
    assert sorted(results) == ["late", "lead"]
    assert len(commits) == 1  # one batch: the leader waited for the announced writer
    assert _audited(store) == ["lead", "late"]


def test_a_stale_or_withdrawn_announcement_is_not_waited_for(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(group, "LINGER_SECONDS", 30.0)
    monkeypatch.setattr(group, "FRESH_SECONDS", 0.0)  # every announcement is stale at once
    with store.grouped_soon():
        began = time.monotonic()
        assert store.run_grouped(_note("alone")) == "alone"  # its own announcement ends here
    slow = threading.Event()

    def preparing_for_ever() -> None:
        with store.grouped_soon():
            slow.wait(30)

    stuck = threading.Thread(target=preparing_for_ever)
    stuck.start()
    try:
        assert store.run_grouped(_note("next")) == "next"
    finally:
        slow.set()
        stuck.join(30)
    assert time.monotonic() - began < 10
    with pytest.raises(InputError), store.grouped_soon():
        raise InputError("refused while deciding")  # withdrawn: nobody waits for it
    assert store._group._coming == {}


def test_a_failing_after_commit_step_does_not_undo_the_answer(store: Store) -> None:
    def broken() -> None:
        raise RuntimeError("the cache is broken")

    def work(conn: Connection) -> str:
        after_commit(conn, "broken", broken)
        return _note("kept")(conn)

    assert store.run_grouped(work) == "kept"
    assert _notes(store) == ["kept"]


@contextmanager
def _savepoints(store: Store) -> Iterator[list[str]]:
    """The savepoint statements run on ``store`` while the block runs."""
    seen: list[str] = []

    def heard(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if "SAVEPOINT" in statement.upper():
            seen.append(statement)

    event.listen(store.engine, "after_cursor_execute", heard)
    try:
        yield seen
    finally:
        event.remove(store.engine, "after_cursor_execute", heard)


def test_a_batch_that_raises_nothing_takes_no_savepoints(store: Store) -> None:
    with _savepoints(store) as savepoints, _commits(store) as commits:
        results = _grouped(store, [_note(f"w{i}") for i in range(4)])
    assert results == [f"w{i}" for i in range(4)]
    assert savepoints == []
    assert len(commits) == 2  # the first alone, then the other three together
    assert _audited(store) == [f"w{i}" for i in range(4)]


def test_work_that_raises_reruns_its_batch_in_savepoints(store: Store) -> None:
    """The unguarded attempt is rolled back whole; the guarded one isolates the failure."""
    with _savepoints(store) as savepoints, _commits(store) as commits:
        results = _grouped(store, [_note("w0"), _note("w1"), _failing, _note("w3")])
    assert results[:2] == ["w0", "w1"]
    assert isinstance(results[2], InputError)
    assert results[3] == "w3"
    assert savepoints  # the rerun guarded each work
    assert len(commits) == 2
    assert _notes(store) == ["w0", "w1", "w3"]
    assert _audited(store) == ["w0", "w1", "w3"]


@pytest.mark.parametrize(
    "store_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_postgresql_writes_batches_in_several_lanes_at_once(store: Store) -> None:
    """Two batches are written at the same time, each in its own transaction: with one
    lane the second would wait for the first, and the barrier would break."""
    lanes = group.GroupCommit(store, max_batch=1, lanes=2)
    both = threading.Barrier(2, timeout=10)
    results: dict[str, str | Exception] = {}

    def writer(name: str) -> None:
        def work(conn: Connection) -> str:
            both.wait()  # both batches are open at once
            return _note(name)(conn)

        try:
            results[name] = lanes.run(work)
        except Exception as exc:  # collected for the assertions
            results[name] = exc

    threads = [threading.Thread(target=writer, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert results == {"a": "a", "b": "b"}
    assert _notes(store) == ["a", "b"]
    with store.read_transaction() as conn:
        assert verify_log(conn, []).size == 2


def test_writers_spread_over_lanes_all_get_their_own_answer(store: Store) -> None:
    """Many writers, three lanes: work another lane took is waited for, not led again
    (no empty transactions), and every writer gets its own result once committed."""
    lanes = group.GroupCommit(store, max_batch=4, lanes=3)
    names = [f"w{i:02d}" for i in range(24)]
    results: dict[str, str | Exception] = {}

    def writer(name: str) -> None:
        try:
            results[name] = lanes.run(_note(name), key=name)
        except Exception as exc:  # collected for the assertions
            results[name] = exc

    with _commits(store) as commits:
        threads = [threading.Thread(target=writer, args=(n,)) for n in names]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    assert results == {n: n for n in names}
    assert len(names) / 4 <= len(commits) <= len(names)
    assert _notes(store) == names
    assert sorted(_audited(store)) == names
    with store.read_transaction() as conn:
        assert verify_log(conn, []).size == len(names)


def _submitted(store: Store, works: list[Callable[[Connection], str]]) -> list[str | BaseException]:
    """Queue ``works`` with ``submit_grouped`` while a first writer (a thread that leads
    its own batch) holds the one lane, so that the driver writes them as one batch."""
    with one_lane_held(store):
        futures = [store.submit_grouped(work) for work in works]
        assert not any(f.done() for f in futures)  # nothing answered before its commit
    out: list[str | BaseException] = []
    for future in futures:
        error = future.exception(timeout=60)
        out.append(error if error is not None else future.result())
    return out


def test_submitted_work_is_answered_after_one_shared_commit(store: Store) -> None:
    names = [f"s{i}" for i in range(WRITERS)]
    with _commits(store) as commits:
        results = _submitted(store, [_note(n) for n in names])
    assert results == names
    assert len(commits) == 2  # the blocker's, then the driver's one batch
    assert _notes(store) == sorted(names)
    assert _audited(store) == names
    with store.read_transaction() as conn:
        assert verify_log(conn, []).size == WRITERS


def test_submitted_work_that_fails_gets_its_error_and_the_rest_commit(store: Store) -> None:
    results = _submitted(store, [_note("a"), _failing, _note("b")])
    assert results[0] == "a"
    assert isinstance(results[1], InputError)
    assert results[2] == "b"
    assert _notes(store) == ["a", "b"]
    assert _audited(store) == ["a", "b"]


def test_threads_and_submitted_work_share_the_lanes_and_all_get_their_answer(
    store: Store,
) -> None:
    names = [f"m{i}" for i in range(40)]
    results: dict[str, object] = {}

    def by_thread(name: str) -> None:
        results[name] = store.run_grouped(_note(name))

    threads = [threading.Thread(target=by_thread, args=(n,)) for n in names[::2]]
    for t in threads:
        t.start()
    futures = {n: store.submit_grouped(_note(n)) for n in names[1::2]}
    for t in threads:
        t.join(60)
    for name, future in futures.items():
        results[name] = future.result(timeout=60)
    assert results == {n: n for n in names}
    assert _notes(store) == sorted(names)
    assert sorted(_audited(store)) == sorted(names)


def test_closing_writes_what_was_submitted_and_a_later_submit_starts_again(
    store: Store,
) -> None:
    futures = [store.submit_grouped(_note(f"c{i}")) for i in range(5)]
    store._group.close()
    assert [f.result(timeout=0) for f in futures] == [f"c{i}" for i in range(5)]
    assert store._group._driver is None
    assert store.submit_grouped(_note("later")).result(timeout=60) == "later"
    assert _notes(store) == sorted([*(f"c{i}" for i in range(5)), "later"])


def test_a_caller_that_stops_waiting_does_not_stop_the_driver(store: Store) -> None:
    with one_lane_held(store):
        abandoned = store.submit_grouped(_note("abandoned"))
        kept = store.submit_grouped(_note("kept"))
        assert abandoned.cancel()  # as an event loop does when a request's task is cancelled
    assert kept.result(timeout=60) == "kept"
    assert store.submit_grouped(_note("after")).result(timeout=60) == "after"
    assert _notes(store) == ["abandoned", "after", "kept"]  # written all the same
