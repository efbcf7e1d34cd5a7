"""Group commit: concurrent write transactions of one process share one commit.

Every write transaction ends in a commit the database makes durable (SQLite with
``synchronous=FULL`` fsyncs; PostgreSQL flushes its WAL and answers a round trip), and
on SQLite the writers of a process queue on one lock anyway. So when several threads
want to write at once (the gateway's submissions), the first to take the leader's lock
runs everything queued so far in ONE transaction:

* each caller's work runs in a savepoint of its own. Work that raises is rolled back to
  its savepoint, together with the transaction state it staged (audit entries,
  after-commit steps), and its error goes to that caller alone; the rest go on.
* The staged steps then run once for the whole batch (the audit log appends every
  entry under one lock of its head, in the order the work ran, so the log keeps one
  total order) and the transaction commits once.
* Only then are the callers given their results: nothing is acknowledged before it is
  durable. If the shared steps or the commit fail, every caller of the batch gets the
  error and nothing of the batch is written: a batch is all or nothing, and a crash
  before the commit loses the whole batch, never part of it.

Work that hits a lock conflict (retryable) is rolled back to its savepoint and run
again alone after the batch, as :meth:`Store.run_in_transaction` would run it; a batch
that fails as a whole on a lock conflict is run again, like one transaction. A lone
caller needs no savepoint: its batch is its transaction.

Savepoints are taken only when needed. A batch is first run without them: work almost
never raises (refusals are results, written to the log), and on PostgreSQL each
savepoint costs two round trips. If any work raises, that whole attempt is rolled back
(nothing of it was acknowledged) and the batch runs again with a savepoint per work,
as described above, so what each caller gets is the same either way.

Batches are written in *lanes*: on SQLite one (the database has one writer), on
PostgreSQL several, each its own transaction on its own connection. A batch spends
most of its time waiting for the server's answers, one statement after another, so a
single lane left the machine idle while callers queued behind it. Lanes of one process
are as safe together as the batches of several processes: each batch takes its row
locks in key order and the log's head last. A caller whose work a leader took waits
for that batch's commit and finds its result; one whose work is still queued leads
the next batch as soon as a lane is free.
Callers may announce themselves while they prepare their work (``coming``: the
gateway's submissions, while they classify and decide); a leader then waits a moment
(bounded) for them to queue, so that batches form even when callers arrive spread
out, as a few clients' requests do.

Callers on an event loop (the gateway's ballots) must not block it, and handing each
to a worker thread only for it to wait there cost the server about half a millisecond
of CPU per request, as much as a ballot's own statements. They queue their work with
:meth:`GroupCommit.submit` instead and get a future: a driver thread (started with the
first such call) leads batches while any work is queued, through the same lanes as
the threads that lead their own, and settles each future once its batch has
committed. Under load it never sleeps, so a ballot costs no thread switch of its own.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, InvalidStateError
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sqlalchemy.engine import Connection

from interlock.errors import StoreError
from interlock.store.database import (
    RETRIES,
    backoff,
    is_database_error,
    is_retryable,
    may_retry,
    restore_tx_state,
    run_after_commit,
    run_before_commit,
    run_sql,
    save_tx_state,
    send_later,
    store_error,
    tx_state,
)

if TYPE_CHECKING:
    from interlock.store.database import Store

T = TypeVar("T")

log = logging.getLogger(__name__)

#: Most callers one transaction carries (bounds the latency a batch adds).
MAX_BATCH = 64

#: Longest a leader waits for announced callers (:meth:`GroupCommit.coming`) to queue.
LINGER_SECONDS = 0.002

#: Only callers announced this recently are waited for (a submission decides in well
#: under a millisecond; one still preparing after this is busy with something large).
FRESH_SECONDS = 0.005


class _WorkRaisedError(Exception):
    """Some work of an unguarded batch raised: the batch must run with savepoints."""


class _Alone:
    """The outcome of work that must run again in a transaction of its own."""


_ALONE = _Alone()

#: What one piece of work came to: its result (in a 1-tuple), its error, or run alone.
Outcome = tuple[Any] | BaseException | _Alone


@dataclass(eq=False, slots=True)
class _Work(Generic[T]):
    """One caller's transaction body and, once final, what it came to."""

    fn: Callable[[Connection], T]
    #: The row the work locks first (a request id, a watch session), or "" for none.
    key: str = ""
    outcome: Outcome | None = None
    #: Whether a leader has taken it into its batch (it is being written).
    taken: bool = False
    #: Set when the caller should look again: its work settled, or it may lead. The
    #: driver's own event for work queued by :meth:`GroupCommit.submit`.
    wake: threading.Event = field(default_factory=threading.Event)
    #: Where the result goes for work queued by :meth:`GroupCommit.submit`.
    future: Future[T] | None = None


class GroupCommit:
    """The batching of one store's grouped writers (see the module docstring)."""

    def __init__(self, store: Store, *, max_batch: int = MAX_BATCH, lanes: int = 1) -> None:
        self._store = store
        self._max = max(1, max_batch)
        #: Batches written at once, each in a transaction (and connection) of its own.
        self._lanes = max(1, lanes)
        #: Lanes in use, and of those the leaders still collecting their batch.
        self._leading = 0
        self._collecting = 0
        self._queue: deque[_Work[Any]] = deque()
        #: Guards the queue, the lanes and the announcements; notified as they change.
        self._queued = threading.Condition(threading.Lock())
        #: Callers inside :meth:`coming` that have not queued their work yet, and since when.
        self._coming: dict[object, float] = {}
        self._announced = threading.local()
        #: The driver of submitted work (``submit``): woken when it may lead.
        self._driver: threading.Thread | None = None
        self._driver_wake = threading.Event()
        #: Set by :meth:`close`: the driver stops once nothing is queued.
        self._stopping = False

    @contextmanager
    def coming(self) -> Iterator[None]:
        """Announce that this thread is about to call :meth:`run` (while it prepares).

        A leader about to write a batch waits up to :data:`LINGER_SECONDS` for callers
        announced less than :data:`FRESH_SECONDS` ago to queue, so that they share its
        commit instead of paying for one each; the leader sleeps while they finish
        preparing, so no work is lost to the wait. A caller slower than that (a large
        plan being classified) is not waited for. Leaving the block without queuing (an
        error while preparing) withdraws the announcement.
        """
        token = object()
        with self._queued:
            self._coming[token] = time.monotonic()
        self._announced.token = token
        try:
            yield
        finally:
            self._arrived()

    def _arrived(self) -> None:
        token = getattr(self._announced, "token", None)
        if token is not None:
            self._announced.token = None
            with self._queued:
                self._coming.pop(token, None)
                self._queued.notify_all()

    def run(self, fn: Callable[[Connection], T], key: str = "") -> T:
        """Run ``fn(conn)`` in a shared transaction; its result once that has committed.

        ``key`` names the row ``fn`` locks first (a request id, a watch session; "" for
        work that locks no existing row). A batch runs its work in key order, so
        batches (of several lanes or processes) take their row locks in one order and
        cannot deadlock one another: each single transaction locks one such row and
        then the log's head, and a batch of them must keep to one order as well.
        """
        work: _Work[T] = _Work(fn, key)
        with self._queued:
            self._queue.append(work)
        self._arrived()
        while self._wait_to_lead(work):
            batch: list[_Work[Any]] | None = None
            try:
                self._linger()
                batch = self._take()
                self._lead(batch)
            finally:
                self._release(batch)
        outcome = work.outcome
        assert outcome is not None  # ``_wait_to_lead`` returns False only once settled
        if isinstance(outcome, _Alone):
            return self._store.run_in_transaction(fn)
        if isinstance(outcome, BaseException):
            raise outcome
        result: T = outcome[0]
        return result

    def submit(self, fn: Callable[[Connection], T], key: str = "") -> Future[T]:
        """Queue ``fn`` as :meth:`run` would run it, without waiting: its future gets
        the result (or the error) once the batch that carried it has committed.

        For callers that must not block (an event loop): the driver thread leads.
        """
        future: Future[T] = Future()
        work: _Work[T] = _Work(fn, key, wake=self._driver_wake, future=future)
        with self._queued:
            self._queue.append(work)
            if self._driver is None or not self._driver.is_alive():  # none, stopped or dead
                self._driver = threading.Thread(
                    target=self._drive, name="interlock-group-commit", daemon=True
                )
                self._driver.start()
            self._driver_wake.set()
        return future

    def close(self) -> None:
        """Stop the driver once everything submitted is written (the store closes).

        A later :meth:`submit` starts a driver again, as the store's engine reconnects.
        """
        with self._queued:
            self._stopping = True
            self._driver_wake.set()
            driver = self._driver
        if driver is not None and driver is not threading.current_thread():
            driver.join(30)
        with self._queued:
            self._stopping = False

    def _drive(self) -> None:
        """The driver: lead batches while work is queued and a lane is free."""
        while True:
            with self._queued:
                may_lead = bool(self._queue) and not (
                    self._collecting or self._leading >= self._lanes
                )
                if may_lead:
                    self._leading += 1
                    self._collecting += 1
                elif self._stopping and not self._queue:
                    self._driver = None  # under the lock: a new submit starts another
                    return
                else:
                    self._driver_wake.clear()  # set again (under the lock) when it may lead
            if not may_lead:
                self._driver_wake.wait()
                continue
            batch: list[_Work[Any]] | None = None
            try:
                self._linger()
                batch = self._take()
                self._lead(batch)
            except BaseException:  # its callers have the error (``_lead``); go on driving
                log.exception("a group commit batch failed")
            finally:
                self._release(batch)

    def _release(self, batch: list[_Work[Any]] | None) -> None:
        """Give back a lane after leading ``batch`` and tell its callers."""
        with self._queued:
            if batch is None:  # interrupted before it took its batch
                self._collecting -= 1
            self._leading -= 1
            self._wake_next()  # a lane is free
        for settled in batch or ():
            if settled.future is None:
                settled.wake.set()
            else:
                self._resolve(settled)

    def _resolve(self, work: _Work[Any]) -> None:
        """Settle a submitted work's future (running it alone first if it must be)."""
        future, outcome = work.future, work.outcome
        assert future is not None
        assert outcome is not None
        if isinstance(outcome, _Alone):
            try:
                outcome = (self._store.run_in_transaction(work.fn),)
            except Exception as exc:
                outcome = exc
        try:
            if isinstance(outcome, BaseException):
                future.set_exception(outcome)
            else:
                future.set_result(outcome[0])
        except InvalidStateError:  # its caller stopped waiting; the write stands
            log.debug("a submitted write's caller cancelled its wait")

    def _linger(self) -> None:
        """Wait (briefly, bounded) for announced callers to queue behind this leader."""
        now = time.monotonic()
        deadline = now + LINGER_SECONDS
        with self._queued:
            while len(self._queue) < self._max and now < deadline:
                fresh = now - FRESH_SECONDS
                if not any(since > fresh for since in self._coming.values()):
                    return
                self._queued.wait(deadline - now)
                now = time.monotonic()

    def _wait_to_lead(self, work: _Work[Any]) -> bool:
        """Wait until ``work`` is settled (``False``) or this caller may lead a batch in
        a free lane while ``work`` is still queued (``True``: the lane is taken).

        A new lane opens only when no leader is still collecting its batch: work queued
        meanwhile joins that batch (and its commit) rather than starting one of its own.
        Each caller sleeps on its own event, woken when its work is settled or when it
        is first in the queue and a lane may be free (``_wake_next``): one shared
        condition woke every waiting thread at each change, each waking costing a
        switch of the interpreter lock.
        """
        while True:
            with self._queued:
                if work.outcome is not None:
                    return False
                if not (work.taken or self._collecting or self._leading >= self._lanes):
                    self._leading += 1
                    self._collecting += 1
                    return True
                work.wake.clear()  # a ``set`` from now on is not missed by the wait
            work.wake.wait()

    def _wake_next(self) -> None:
        """Wake the caller first in the queue, which may lead (hold ``_queued``)."""
        if self._queue and not self._collecting and self._leading < self._lanes:
            self._queue[0].wake.set()

    def _take(self) -> list[_Work[Any]]:
        with self._queued:
            count = min(len(self._queue), self._max)
            batch = [self._queue.popleft() for _ in range(count)]
            for work in batch:
                work.taken = True
            self._collecting -= 1
            self._wake_next()  # what is left may open another lane
            return batch

    def _lead(self, batch: list[_Work[Any]]) -> None:
        """Write ``batch`` and settle every outcome in it, whatever happens."""
        if not batch:  # another lane took it all while this one lingered
            return
        batch.sort(key=_lock_order)  # stable: equal keys keep their arrival order
        try:
            outcomes = self._written(batch)
        except BaseException:  # interrupted: no caller may wait for ever
            for work in batch:
                work.outcome = StoreError("the write was interrupted before its commit")
            raise
        for work, outcome in zip(batch, outcomes, strict=True):
            work.outcome = outcome

    def _written(self, batch: list[_Work[Any]]) -> list[Outcome]:
        """The outcomes of ``batch`` once committed (or its shared failure, for all)."""
        if len(batch) == 1:
            try:
                return [(self._store.run_in_transaction(batch[0].fn),)]
            except Exception as exc:
                return [exc]
        attempt = 0
        guarded = False
        while True:
            stage: list[bool] = []  # ``_transact`` appends once it starts to commit
            try:
                return self._transact(batch, guarded=guarded, committing=stage)
            except _WorkRaisedError:  # rolled back: run again at once, each in a savepoint
                guarded = True
                continue
            except Exception as exc:
                if not is_database_error(exc):
                    return [exc] * len(batch)
                if attempt >= RETRIES or not may_retry(exc, committing=bool(stage)):
                    return [_as_store_error(exc)] * len(batch)
            attempt += 1
            backoff(attempt)

    def _transact(
        self, batch: list[_Work[Any]], *, guarded: bool, committing: list[bool]
    ) -> list[Outcome]:
        """One transaction: each work (``guarded``: in a savepoint of its own), the
        staged steps, one commit. Unguarded, work that raises rolls all of it back.
        ``committing`` gets an item when the commit is about to be sent."""
        run = _in_savepoint if guarded else _bare
        with self._store.begin_write() as conn:
            outcomes = [run(conn, work.fn) for work in batch]
            if not guarded:
                _sent_by_the_batch(conn)
            run_before_commit(conn)
            state = tx_state(conn)
            committing.append(True)
        run_after_commit(state)
        return outcomes


#: Savepoint statements as driver SQL: through the statement layer (``begin_nested``)
#: a savepoint costs ~25 times what SQLite takes to make one.
_SAVEPOINT = "SAVEPOINT interlock_group"
_RELEASE = "RELEASE SAVEPOINT interlock_group"
_ROLLBACK_TO = "ROLLBACK TO SAVEPOINT interlock_group"


def _lock_order(work: _Work[Any]) -> str:
    return work.key


def _bare(conn: Connection, fn: Callable[[Connection], Any]) -> Outcome:
    """``fn(conn)`` with no savepoint: if it raises, the whole attempt must be undone.

    What it held back (``run_sql(..., later=True)``) goes with the next work's first
    statement, a round trip fewer per work; if that fails, the next work raises and the
    batch runs again in savepoints, where each work sends its own (``_in_savepoint``).
    """
    try:
        return (fn(conn),)
    except Exception as exc:
        raise _WorkRaisedError from exc


def _sent_by_the_batch(conn: Connection) -> None:
    """Send what the unguarded batch's last work held back; its failure is a work's,
    so the batch runs again in savepoints rather than failing every caller."""
    try:
        send_later(conn)
    except Exception as exc:
        raise _WorkRaisedError from exc


def _in_savepoint(conn: Connection, fn: Callable[[Connection], Any]) -> Outcome:
    """``fn(conn)`` in a savepoint; on error it and what it staged are rolled back."""
    saved = save_tx_state(conn)
    run_sql(conn, _SAVEPOINT)
    try:
        result = fn(conn)
        send_later(conn)  # inside its savepoint: an error it held back is its own
    except Exception as exc:
        restore_tx_state(conn, saved)  # first: what it held back is dropped, never sent
        run_sql(conn, _ROLLBACK_TO)
        run_sql(conn, _RELEASE)
        if not is_database_error(exc):
            return exc
        return _ALONE if is_retryable(exc) else _as_store_error(exc)
    run_sql(conn, _RELEASE)
    return (result,)


def _as_store_error(exc: BaseException) -> BaseException:
    error = store_error(exc)
    error.__cause__ = exc
    return error
