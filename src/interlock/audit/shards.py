"""Verifying a large audit log on several processes, one range of entries at a time.

Recomputing a leaf hash and its share of the tree is CPU work that one core does at
about a million entries a second, and reading the rows costs nearly as much again, so
a sequential ``audit verify`` tops out near half a million entries a second. Here the
log is cut into ranges of ``2**RANGE_HEIGHT`` entries, each starting at a multiple of
its size: the leaves of a range are then one perfect subtree of the RFC 6962 tree, and
a worker process can check the range on its own (rows in place, stored hashes, the
index each entry names) and return that subtree's root, plus the roots it needs for
any checkpoint whose size falls inside (:class:`RangeVerifier`). The parent folds the
ranges in order, checks every signed checkpoint against the folded roots
(:func:`combine_ranges`), and then verifies the rest of the log itself, sequentially,
from the end of the last clean range: the entries after the last full range, and
everything from a range that did not verify. The first problem is therefore found and
named by the sequential code, at the same entry, with the same message.

Workers read their ranges themselves, from the state the parent's verification sees:

* PostgreSQL: the parent exports its snapshot (``pg_export_snapshot()``) and every
  worker imports it (``SET TRANSACTION SNAPSHOT``), so all read one snapshot;
* SQLite: a SQLite snapshot cannot be shared, so workers open the file (``query_only``)
  and read only entries below the head size the parent read at the start. Those rows are
  immutable once committed; everything from the first range boundary at or below it,
  including rows appended since, is read by the parent in its own snapshot.

The first range reads every index below its end (negative ones included) and each
range must hold exactly its indices, so a clean prefix means the parent's ordered scan
would have met the same rows at the same positions. Any failure of a worker (it cannot
open the database, it dies) makes its range "not clean": the parent then verifies from
there itself, so a broken pool costs time, never correctness.

Workers are forked (no interpreter start-up, nothing sent but range bounds; see
``forked_map``), and only from a process with a single thread: forking a threaded
process can copy a lock some other thread held. Small logs, and logs where none of this
applies, are verified sequentially.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from urllib.parse import quote

from sqlalchemy.engine import Connection

from interlock.audit import log
from interlock.audit.offline_verify import (
    BLOCK_HEIGHT,
    Checkpoint,
    RangeResult,
    RangeVerifier,
    can_fork,
    combine_ranges,
    forked_map,
    worker_count,
)

#: Entries per range: ``2**RANGE_HEIGHT``. Small enough that ranges share out evenly
#: over the workers (each takes the next one when done), large enough that handing one
#: out costs nothing by comparison (~20 ms of work each).
RANGE_HEIGHT = 14
#: Logs smaller than this are verified sequentially (a pool costs ~10-50 ms to start).
PARALLEL_MIN = 1 << 17
#: Worker processes; ``None``: one per CPU this process may run on.
WORKERS: int | None = None
#: Rows per ``fetchmany`` in a worker (small enough to stay in the CPU cache).
BATCH = 1 << 12

Columns = log.Columns


@dataclass(frozen=True)
class Source:
    """Where a worker reads rows: a SQLite file or a PostgreSQL URL and snapshot."""

    dialect: str
    target: str
    snapshot: str | None = None


@dataclass(frozen=True)
class Task:
    """One range for one worker, and the checkpoint sizes that fall inside it."""

    source: Source
    start: int
    end: int
    cuts: tuple[int, ...]
    block_height: int


def verify_prefix(
    conn: Connection,
    size: int,
    checkpoints: Sequence[Checkpoint],
    progress: Callable[[int], None] | None = None,
) -> tuple[int, list[bytes], int]:
    """Verify whole ranges below ``size`` in parallel, where that is worth it.

    Returns ``(start, nodes, block_height)`` for :meth:`LogVerifier.resumed`: entries
    below ``start`` are verified, ``nodes`` are their subtree roots. ``start`` is 0 (and
    nothing was done) when the log is small or the pool cannot be used.
    """
    span = 1 << RANGE_HEIGHT
    ranges = size >> RANGE_HEIGHT
    workers = min(worker_count(WORKERS), ranges)
    if size < PARALLEL_MIN or workers < 2 or not can_fork():
        return 0, [], BLOCK_HEIGHT
    source = _source(conn)
    if source is None:
        return 0, [], BLOCK_HEIGHT
    sizes = sorted(c.size for c in checkpoints)
    tasks = [
        Task(
            source,
            k * span,
            (k + 1) * span,
            tuple(s for s in sizes if k * span < s <= (k + 1) * span),
            min(BLOCK_HEIGHT, RANGE_HEIGHT),
        )
        for k in range(ranges)
    ]
    try:
        with closing(forked_map(run_task, tasks, workers)) as results:
            start, nodes = combine_ranges(checkpoints, results, progress)
    except OSError:  # no processes to be had: verify sequentially
        return 0, [], BLOCK_HEIGHT
    return start, nodes, tasks[0].block_height


def _source(conn: Connection) -> Source | None:
    url = conn.engine.url
    if conn.dialect.name == "sqlite":
        path = url.database or ""
        if path in ("", ":memory:") or path.startswith("file:"):
            return None
        return Source("sqlite", os.path.abspath(path))
    if conn.dialect.name == "postgresql":
        snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
        target = url.set(drivername="postgresql").render_as_string(hide_password=False)
        return Source("postgresql", target, str(snapshot))
    return None


def run_task(task: Task) -> RangeResult:
    """In a worker: check one range; any failure means "not clean", never an exception."""
    verifier = RangeVerifier(task.start, task.end, task.cuts, block_height=task.block_height)
    try:
        return verifier.result(lambda v: _feed(v, task))
    except Exception:  # the parent re-verifies this range itself
        return RangeResult(task.start, task.end, clean=False)


def _feed(verifier: RangeVerifier, task: Task) -> None:
    for indices, entries, stored in _rows(task):
        verifier.feed(indices, entries, stored)


def _rows(task: Task) -> Iterator[Columns]:
    if task.source.dialect == "sqlite":
        yield from _sqlite_rows(task)
    else:
        yield from _postgres_rows(task)


def _sqlite_rows(task: Task) -> Iterator[Columns]:
    # mode=rw (never create) and query_only, rather than mode=ro: read-only connections
    # to a WAL database were measured to wait on each other's start (~0.2 s a range).
    uri = f"file:{quote(task.source.target)}?mode=rw"
    db = sqlite3.connect(uri, uri=True, isolation_level=None)
    try:
        db.execute("PRAGMA query_only = ON")
        cursor = db.cursor()
        if task.start == 0:  # from the very first row, negative indices included
            query = "SELECT idx, entry, leaf_hash FROM audit_entries WHERE idx < ? ORDER BY idx"
            cursor.execute(query, (task.end,))
        else:
            cursor.execute(
                "SELECT idx, entry, leaf_hash FROM audit_entries "
                "WHERE idx >= ? AND idx < ? ORDER BY idx",
                (task.start, task.end),
            )
        while rows := cursor.fetchmany(BATCH):
            yield log.columns(rows)
    finally:
        db.close()


def _postgres_rows(task: Task) -> Iterator[Columns]:
    import psycopg
    from psycopg import sql

    with psycopg.connect(task.source.target, autocommit=True) as pg:
        pg.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        pg.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(task.source.snapshot)))
        low = "" if task.start == 0 else "idx >= %(start)s AND "
        cursor = pg.execute(
            f"SELECT idx, entry, leaf_hash FROM audit_entries WHERE {low}idx < %(end)s "  # noqa: S608 - constant text
            "ORDER BY idx",
            {"start": task.start, "end": task.end},
        )
        while rows := cursor.fetchmany(BATCH):
            yield log.columns(rows)
        pg.execute("COMMIT")
