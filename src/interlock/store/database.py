"""One store interface over SQLite (default) and PostgreSQL, failing closed.

``Store.transaction()`` yields a SQLAlchemy Core ``Connection`` inside exactly one
transaction; everything a state change writes (and its audit entry, see
``interlock.audit.log``) commits or rolls back together.

How each dialect serialises writers:

* **SQLite**: every transaction starts with ``BEGIN IMMEDIATE``, which takes the
  database's write lock up front, so read-then-write sequences can neither interleave
  nor fail half-way with ``SQLITE_BUSY`` on lock upgrade. Threads of one process queue
  on a lock of the ``Store`` before that (first come, first served): colliding on the
  database lock itself would poll SQLite's busy handler with growing sleeps, a long
  tail of latency. Only write transactions queue; reads run beside them. The file
  runs in WAL mode (readers never block the writer), with ``busy_timeout`` so a
  writer of another process queues instead of failing, and ``synchronous=FULL``: WAL
  with ``NORMAL`` keeps the file consistent but may lose the last commits on power
  loss, and losing a commit here
  could resurrect a consumed single-use grant or drop an audit entry whose effect
  already happened. Group commit pays for the extra fsync: ``append_many`` for a batch
  of audit entries, :meth:`Store.run_grouped` for concurrent submissions (``group.py``).
* **PostgreSQL** (``psycopg`` 3): READ COMMITTED transactions in which transitions
  lock the rows they change with ``SELECT ... FOR UPDATE`` (:func:`select_rows`).
  Deadlocks and serialization failures are retried by :meth:`Store.run_in_transaction`.
  Pooled connections go stale when the server restarts or drops them. Reads check
  theirs at checkout (a round trip, as SQLAlchemy's ``pool_pre_ping`` does); write
  transactions do not pay that round trip on every decision: one that loses its
  connection before it commits is run again on a fresh one (:func:`may_retry`), which
  is safe because nothing of it was committed. A connection lost *during* the commit
  leaves the outcome unknown and is never retried.

Work staged for the end of a transaction: :func:`before_commit` registers a step that
runs inside the transaction just before it commits (the audit log appends its staged
entries there, so the log's single head row is locked only for the last moments of a
transaction instead of from its first audit event on). Every transaction starts with
empty staging (:func:`tx_state`), and a commit with staged work never run is refused,
so nothing staged can be lost silently or leak into the next transaction on the same
pooled connection. :func:`after_commit` registers a step for after a successful
commit (process-local caches of what was written).

Any database error leaves this module as :class:`interlock.errors.StoreError`; the
caller treats the action as not allowed.
"""

from __future__ import annotations

import logging
import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, Literal, TypeVar

from sqlalchemy import Boolean, DateTime, Table, create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.engine import Dialect as Dialect_
from sqlalchemy.exc import ArgumentError, DBAPIError, DisconnectionError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from interlock.errors import StoreError
from interlock.identity.clock import aware

T = TypeVar("T")

log = logging.getLogger(__name__)

Dialect = Literal["sqlite", "postgresql"]

#: How long a SQLite writer waits for the lock before failing (milliseconds).
SQLITE_BUSY_TIMEOUT_MS = 30_000

#: The ``Connection.info`` key of the per-transaction state (reset at every begin).
_TX_STATE = "interlock.tx"

#: The transaction-state key of the DB-API cursor :func:`run_sql` reuses.
_TX_CURSOR = "store.cursor"

#: How many times a transaction is run again after a lock conflict.
RETRIES = 5

#: Group-commit batches a PostgreSQL store writes at once (``group.py``: lanes), each
#: holding one pooled connection while it writes. A lane's works run one round trip
#: after another, so one lane carries at most about 1 / (4 x round-trip time) works a
#: second; a second lane raised in-process ballots on loopback from 540-680/s to
#: 700-775/s, while four cost more CPU per ballot (smaller batches, each with its own
#: commit) for no more. Several gateway processes on one database already write that
#: many batches at once, and every batch queues on the log's head: with three
#: processes on two cores, one lane each carried 20-30 % more ballots (fewer, larger
#: transactions). ``INTERLOCK_WRITE_LANES`` sets it per process (docs/operations.md).
WRITE_LANES = 2
LANES_VARIABLE = "INTERLOCK_WRITE_LANES"

#: PostgreSQL connections a store keeps open between uses. A gateway serves up to
#: forty requests at once (its thread pool), each reading on a connection of its own
#: besides the write lanes; with SQLAlchemy's default of five kept, the rest were
#: opened and closed again on every burst, and each new connection costs the server a
#: backend process: a third of PostgreSQL's CPU per ballot under load went to that.
#: Idle connections cost the server little; those over this many are still closed.
POOL_SIZE = 20

#: PostgreSQL SQLSTATEs worth retrying: serialization_failure, deadlock_detected.
_PG_RETRYABLE = frozenset({"40001", "40P01"})


class Store:
    """A database opened by :func:`open_store`, migrated to head."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        name = engine.dialect.name
        if name not in ("sqlite", "postgresql"):
            raise StoreError(f"unsupported database dialect {name!r}")
        self.dialect: Dialect = "sqlite" if name == "sqlite" else "postgresql"
        self._writer: AbstractContextManager[object] = (
            threading.RLock() if self.dialect == "sqlite" else nullcontext()
        )
        from interlock.store.group import GroupCommit

        self._group = GroupCommit(self, lanes=1 if self.dialect == "sqlite" else write_lanes())

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction: commits when the block ends, rolls back on any exception."""
        try:
            with self._writer, self.engine.begin() as conn:
                yield conn
                run_before_commit(conn)
                state = tx_state(conn)
            run_after_commit(state)
        except (SQLAlchemyError, sqlite3.Error) as exc:
            raise store_error(exc) from exc
        except Exception as exc:
            if _is_psycopg_error(exc):
                raise store_error(exc) from exc
            raise

    @contextmanager
    def begin_write(self) -> Iterator[Connection]:
        """A write transaction, raw: the writer queue, then ``BEGIN``; commit at the end.

        Nothing staged is run and no error is converted: the building block of
        :meth:`run_in_transaction` and of group commit, which do both themselves.
        """
        with self._writer, self.engine.begin() as conn:
            yield conn

    @contextmanager
    def read_transaction(self) -> Iterator[Connection]:
        """A read-only snapshot that never blocks writers (verification, export).

        SQLite: a deferred ``BEGIN`` (a WAL read snapshot, no write lock). PostgreSQL:
        ``REPEATABLE READ READ ONLY``, so every query sees the same snapshot even while
        appends go on.
        """
        try:
            with _checked_out(self.engine) as base:
                if self.dialect == "postgresql":
                    conn = base.execution_options(
                        isolation_level="REPEATABLE READ", postgresql_readonly=True
                    )
                else:
                    conn = base.execution_options(interlock_read_only=True)
                with conn.begin():
                    yield conn
        except (SQLAlchemyError, sqlite3.Error) as exc:
            raise store_error(exc) from exc
        except Exception as exc:
            if _is_psycopg_error(exc):
                raise store_error(exc) from exc
            raise

    def run_in_transaction(self, fn: Callable[[Connection], T], retries: int = RETRIES) -> T:
        """Run ``fn(conn)`` in one transaction, retrying it on lock conflicts.

        Retried (up to ``retries`` more times, with jittered exponential backoff):
        PostgreSQL deadlocks and serialization failures, SQLite "database is locked",
        and a connection lost before the commit (see :func:`may_retry`).
        ``fn`` must therefore have no effects outside the connection. Any other error,
        or the last retryable one, is raised as ``StoreError``.
        """
        attempt = 0
        while True:
            committing = False
            try:
                with self.begin_write() as conn:
                    result = fn(conn)
                    run_before_commit(conn)
                    state = tx_state(conn)
                    committing = True
                run_after_commit(state)
                return result
            except Exception as exc:
                if not is_database_error(exc):
                    raise
                if attempt >= retries or not may_retry(exc, committing=committing):
                    raise store_error(exc) from exc
            attempt += 1
            backoff(attempt)

    def run_grouped(self, fn: Callable[[Connection], T], key: str = "") -> T:
        """Like :meth:`run_in_transaction`, but sharing one commit with concurrent callers.

        For the hot write path (submissions): callers that arrive while another batch
        is being written are run together in one transaction, each in a savepoint of
        its own, and committed once (``group.py``). A caller's errors reach it alone;
        its result is returned only after the shared commit. ``key`` names the row
        ``fn`` locks first (``GroupCommit.run``).
        """
        return self._group.run(fn, key)

    def submit_grouped(self, fn: Callable[[Connection], T], key: str = "") -> Future[T]:
        """:meth:`run_grouped` for a caller that must not block (an event loop): the
        result, or the error, arrives in the future once the shared commit is made."""
        return self._group.submit(fn, key)

    def grouped_soon(self) -> AbstractContextManager[None]:
        """Announce a :meth:`run_grouped` call this thread will make once its work is
        ready (see ``GroupCommit.coming``): a batch being formed waits for it briefly."""
        return self._group.coming()

    def close(self) -> None:
        """Write what was submitted, then release every pooled connection."""
        self._group.close()
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.engine.url.render_as_string(hide_password=True)!r})"


def write_lanes() -> int:
    """PostgreSQL write lanes for this process: ``INTERLOCK_WRITE_LANES`` (1 to 8), else
    :data:`WRITE_LANES`. A value outside that range is refused, not guessed at."""
    raw = os.environ.get(LANES_VARIABLE, "").strip()
    if not raw:
        return WRITE_LANES
    if not raw.isdigit() or not 1 <= int(raw) <= 8:
        raise StoreError(
            f"{LANES_VARIABLE}={raw!r} is not a number of write lanes",
            hint="set it to a whole number from 1 to 8 (1 suits several gateway processes)",
        )
    return int(raw)


def tx_state(conn: Connection) -> dict[str, Any]:
    """State that lives exactly as long as ``conn``'s current transaction."""
    state = conn.info.get(_TX_STATE)
    if state is None:
        state = conn.info[_TX_STATE] = {}
    return state


def before_commit(conn: Connection, key: str, step: Callable[[Connection], None]) -> None:
    """Run ``step(conn)`` once, inside the transaction, just before it commits.

    Registering the same ``key`` again in one transaction keeps the first step, so a
    module can register its flush on every call without counting.
    """
    tx_state(conn).setdefault("before_commit", {}).setdefault(key, step)


def run_before_commit(conn: Connection) -> None:
    """Run the staged steps (each may stage more; all run before the commit), then
    send what ``run_sql`` held back, so its errors come before the commit is tried."""
    steps: dict[str, Callable[[Connection], None]] = tx_state(conn).get("before_commit", {})
    while steps:
        key = next(iter(steps))
        steps.pop(key)(conn)
    send_later(conn)


def after_commit(conn: Connection, key: str, step: Callable[[], None]) -> None:
    """Run ``step()`` once after ``conn``'s transaction has committed, never if it does not.

    For process-local caches of what the transaction wrote: filled only once the rows
    are durable, so a rolled-back transaction (or savepoint) leaves no trace in them.
    Registering the same ``key`` again in one transaction keeps the first step.
    """
    tx_state(conn).setdefault("after_commit", {}).setdefault(key, step)


def run_after_commit(state: dict[str, Any]) -> None:
    """Run the after-commit steps of a committed transaction's ``state``.

    The transaction has committed, so a step that fails must not turn it into an error
    for the caller (who would take a durable change for a failed one): it is logged.
    """
    for step in state.get("after_commit", {}).values():
        try:
            step()
        except Exception:
            log.exception("an after-commit step failed (the transaction is committed)")


def save_tx_state(conn: Connection) -> dict[str, Any]:
    """A copy of ``conn``'s transaction state, for :func:`restore_tx_state` at a savepoint.

    The state holds registries (dicts) and staged items (lists), one level deep; both
    are copied, so what is registered or staged after the copy is not in it.
    """
    return {key: _copied(value) for key, value in tx_state(conn).items()}


def restore_tx_state(conn: Connection, saved: dict[str, Any]) -> None:
    """Put back the state saved when a savepoint began (it has been rolled back to)."""
    conn.info[_TX_STATE] = saved


def _copied(value: object) -> object:
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return list(value)
    return value


def _reset_tx_state(conn: Connection) -> None:
    conn.info[_TX_STATE] = {}


def _refuse_unflushed_commit(conn: Connection) -> None:
    send_later(conn)  # nothing held back is ever dropped by a commit
    if tx_state(conn).get("before_commit"):
        raise StoreError(
            "a transaction tried to commit with staged work (audit entries) not yet written",
            hint="open write transactions with Store.transaction or Store.run_in_transaction",
        )


def is_retryable(exc: BaseException) -> bool:
    """Whether a failed transaction may simply be run again."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate in _PG_RETRYABLE:
        return True
    if isinstance(orig, sqlite3.OperationalError):
        message = str(orig).lower()
        return "locked" in message or "busy" in message
    return False


def may_retry(exc: BaseException, *, committing: bool) -> bool:
    """Whether a failed write transaction may be run again from the start.

    Lock conflicts may (:func:`is_retryable`). So may a connection lost before the
    commit was sent (``committing`` false): the server rolled the transaction back,
    and SQLAlchemy has already discarded the pool's connections from before the loss,
    so the next attempt gets a live one. A connection lost while committing may have
    committed, so running the work again could write it twice: that is an error.
    """
    if is_retryable(exc):
        return True
    return not committing and isinstance(exc, DBAPIError) and exc.connection_invalidated


_READING = threading.local()


@contextmanager
def _checked_out(engine: Engine) -> Iterator[Connection]:
    """A pooled connection for reading, checked to be alive (``_ping_readers``)."""
    _READING.on = True
    try:
        conn = engine.connect()
    finally:
        _READING.on = False
    with conn:
        yield conn


def _ping_readers(dialect: Dialect_, dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Pool checkout hook: a connection checked out for reading must answer a ping.

    A read has no transaction to run again if its connection turns out stale, so it
    is checked first; raising ``DisconnectionError`` makes the pool discard it and
    hand out another (up to three tries). Writes skip the round trip (see the module
    docstring).
    """
    if not getattr(_READING, "on", False):
        return
    try:
        dialect.do_ping(dbapi_connection)  # ``SELECT 1`` outside a transaction
    except Exception as exc:
        raise DisconnectionError("a pooled connection did not answer") from exc


def run_sql(
    conn: Connection,
    sql: str,
    params: tuple[object, ...] | list[Any] = (),
    *,
    later: bool = False,
) -> list[tuple[Any, ...]]:
    """Run constant SQL written with ``?`` placeholders on either dialect; its rows.

    Straight on the DB-API cursor of ``conn``'s transaction (a list of parameter tuples
    is an ``executemany``), for the statements every decision runs: the SQL expression
    layer, even ``exec_driver_sql``, costs several times what SQLite takes to run them.
    Values must be bound as the store's column types write them (see :func:`moment`).
    Only ever pass constant SQL; values go in ``params``. The engine's
    ``after_cursor_execute`` listeners still hear of each statement (instrumentation
    and the crash suite's kill points see these as they see any other).

    ``later``: a write whose answer nobody reads (an ``INSERT`` without ``RETURNING``)
    may wait, on PostgreSQL, to be sent in one round trip with the next statement
    (psycopg's pipeline mode): every statement is a round trip, which costs the server,
    the driver and the interpreter lock more than a row does. It is sent before any
    other statement of the transaction runs (this function's, or the SQL expression
    layer's), before the transaction's before-commit steps end, and before a group
    commit's work is done, so what runs after it sees it and its error is raised
    where it belongs. On SQLite it runs at once (there is no round trip to save).
    """
    postgres = conn.dialect.paramstyle != "qmark"
    if postgres:
        sql = sql.replace("?", "%s")
    state = tx_state(conn)
    if later and postgres and not isinstance(params, list):
        state.setdefault(_LATER, []).append((sql, params))
        return []
    cursor = _after_held(conn, state, (sql, params))
    rows = [tuple(row) for row in cursor.fetchall()] if _has_rows(cursor) else []
    _heard(conn, cursor, [(sql, params)])
    return rows


def send_later(conn: Connection) -> None:
    """Send the statements ``run_sql`` holds back (``later``), in one round trip."""
    state = tx_state(conn)
    if state.get(_LATER):
        _after_held(conn, state, None)


def _send_later_before(conn: Connection, *_: object) -> None:
    """``before_cursor_execute``: the held statements go first (PostgreSQL engines)."""
    send_later(conn)


def _after_held(conn: Connection, state: dict[str, Any], then: tuple[str, Any] | None) -> Any:
    """Run the held statements, then ``then`` if given, in one pipeline when anything
    is held; the transaction's cursor, holding ``then``'s result."""
    cursor = _tx_cursor(conn, state)
    held: list[tuple[str, tuple[object, ...]]] | None = state.pop(_LATER, None)
    if not held:
        if then is not None:
            _execute(cursor, *then)
        return cursor
    with conn.connection.dbapi_connection.pipeline():  # type: ignore[union-attr]
        for statement, values in held:
            cursor.execute(statement, values)
        if then is not None:
            _execute(cursor, *then)
    _heard(conn, cursor, held)
    return cursor


def _tx_cursor(conn: Connection, state: dict[str, Any]) -> Any:
    cursor = state.get(_TX_CURSOR)
    if cursor is None:  # one per transaction: making one costs as much as a statement
        cursor = state[_TX_CURSOR] = conn.connection.cursor()
    return cursor


def _execute(cursor: Any, sql: str, params: tuple[object, ...] | list[Any]) -> None:
    if not isinstance(params, list):
        cursor.execute(sql, params)
    elif len(params) == 1:  # psycopg sets up pipeline mode for any executemany
        cursor.execute(sql, params[0])
    else:
        cursor.executemany(sql, params)


def _heard(conn: Connection, cursor: Any, statements: list[tuple[str, Any]]) -> None:
    """Tell the engine's ``after_cursor_execute`` listeners of statements run."""
    listeners = conn.dispatch.after_cursor_execute
    if listeners:
        for sql, params in statements:
            listeners(conn, cursor, sql, params, None, isinstance(params, list))


#: The transaction-state key of the statements ``run_sql`` holds back (``later``).
_LATER = "store.later"


def _has_rows(cursor: Any) -> bool:
    """Whether the statement just run returned rows (a result with columns).

    psycopg builds its ``description`` afresh on every read, an object per column
    (the ballot's statement has thirty); the result's field count says the same.
    SQLite's ``description`` is cheap, and its cursor has no ``pgresult``.
    """
    result: Any = getattr(cursor, "pgresult", _NO_RESULT)
    if result is _NO_RESULT:
        return cursor.description is not None
    return result is not None and result.nfields > 0


#: What ``_has_rows`` finds on a cursor without ``pgresult`` (not psycopg's).
_NO_RESULT = object()


def moment(conn: Connection, at: datetime) -> object:
    """A timestamp bound as the store's ``DateTime`` columns write it on this dialect.

    SQLite has no timestamp type: SQLAlchemy writes UTC text without an offset (and
    reads it back naive; ``aware`` makes it UTC again). The PostgreSQL driver binds the
    aware datetime itself.
    """
    if conn.dialect.name == "sqlite":
        utc = at.astimezone(UTC).replace(tzinfo=None) if at.tzinfo is not None else at
        # what strftime("%Y-%m-%d %H:%M:%S.%f") writes, at a tenth of its cost
        return utc.isoformat(" ", "microseconds")
    return at


def read_moment(value: object) -> datetime | None:
    """A timestamp read back by :func:`run_sql`, in UTC (the inverse of :func:`moment`).

    SQLite hands back the text :func:`moment` wrote; PostgreSQL's driver a datetime.
    """
    if value is None:
        return None
    if isinstance(value, str):
        return aware(datetime.fromisoformat(value))
    if isinstance(value, datetime):
        return aware(value)
    raise TypeError(f"not a timestamp: {value!r}")


#: ``select_rows``'s SQL, by (table, condition, lock, order, dialect).
_SELECTS: dict[tuple[str, str, bool, str, str], str] = {}


def select_rows(
    conn: Connection,
    table: Table,
    where: str,
    params: tuple[object, ...],
    *,
    lock: bool = False,
    order_by: str = "",
) -> list[dict[str, Any]]:
    """Every column of the rows of ``table`` matching ``where``, through :func:`run_sql`.

    For the reads every decision makes (a token, the request it locks, its ballots):
    the statement layer costs more than the query. ``where`` and ``order_by`` are
    constant SQL (``?`` placeholders; values in ``params``). ``lock`` adds ``FOR
    UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already holds the write lock.
    Values come back typed as the columns declare: timestamps as UTC datetimes,
    booleans as ``bool``, whatever each driver hands back.
    """
    key = (table.name, where, lock, order_by, conn.dialect.name)
    sql = _SELECTS.get(key)
    if sql is None:
        sql = f"SELECT {', '.join(c.name for c in table.columns)} FROM {table.name}"  # noqa: S608
        sql += f" WHERE {where}"
        if order_by:
            sql += f" ORDER BY {order_by}"
        if lock and conn.dialect.name == "postgresql":
            sql += " FOR UPDATE"
        _SELECTS[key] = sql
    read = row_reader(table)
    return [read(row) for row in run_sql(conn, sql, params)]


#: ``row_reader``'s readers, by table.
_READERS: dict[str, Callable[[tuple[Any, ...]], dict[str, Any]]] = {}


def row_reader(table: Table) -> Callable[[tuple[Any, ...]], dict[str, Any]]:
    """Turn a raw row of ``table``'s columns, in declared order, into a typed mapping
    (as :func:`select_rows` returns them), for queries that read several tables."""
    reader = _READERS.get(table.name)
    if reader is None:
        names = tuple(c.name for c in table.columns)
        readers = tuple(_reader(c.type) for c in table.columns)

        def reader(row: tuple[Any, ...]) -> dict[str, Any]:
            return {
                name: value if read is None or value is None else read(value)
                for name, read, value in zip(names, readers, row, strict=True)
            }

        _READERS[table.name] = reader
    return reader


def _reader(kind: object) -> Callable[[Any], Any] | None:
    """How a raw driver value of column type ``kind`` is read (``None``: as it is)."""
    if isinstance(kind, DateTime):
        return read_moment
    if isinstance(kind, Boolean):
        return bool
    return None


def is_database_error(exc: BaseException) -> bool:
    """Whether ``exc`` came from the database or its driver (raised via SQLAlchemy or not)."""
    return isinstance(exc, SQLAlchemyError | sqlite3.Error) or _is_psycopg_error(exc)


def backoff(attempt: int) -> None:
    """Sleep before retry ``attempt`` of a transaction (jittered, exponential, capped)."""
    time.sleep(min(0.5, 0.005 * 2**attempt) * (0.5 + random.random()))  # noqa: S311


def store_error(exc: BaseException) -> StoreError:
    """The ``StoreError`` for a database failure, with the driver's message."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    first_line = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    return StoreError(f"database error: {first_line}")


def _is_psycopg_error(exc: BaseException) -> bool:
    return type(exc).__module__.split(".")[0] == "psycopg"


def database_url(url: str | None, env: dict[str, str]) -> URL:
    """The SQLAlchemy URL for ``url`` (or the environment's, or the default)."""
    text_url = url or env.get("INTERLOCK_DATABASE_URL") or "sqlite:///.interlock/interlock.db"
    try:
        parsed = make_url(text_url)
    except ArgumentError as exc:
        raise StoreError(f"not a database URL: {text_url!r}") from exc
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg"):
        return parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername in ("sqlite", "sqlite+pysqlite"):
        return parsed.set(drivername="sqlite+pysqlite")
    raise StoreError(
        f"unsupported database URL scheme {parsed.drivername!r}",
        hint="use sqlite:///PATH or postgresql://USER@HOST/DB",
    )


def create_store_engine(url: URL) -> Engine:
    """An engine configured as this module's docstring describes."""
    if url.drivername.startswith("postgresql"):
        engine = create_engine(url, isolation_level="READ COMMITTED", pool_size=POOL_SIZE)
        event.listen(engine, "checkout", partial(_ping_readers, engine.dialect))
        event.listen(engine, "begin", _reset_tx_state)
        event.listen(engine, "commit", _refuse_unflushed_commit)
        event.listen(engine, "before_cursor_execute", _send_later_before)
        return engine
    database = url.database or ""
    memory = database in ("", ":memory:")
    if not memory:
        Path(database).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        **({"poolclass": StaticPool} if memory else {}),
    )
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    event.listen(engine, "commit", _refuse_unflushed_commit)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Take transaction control away from the driver: the "begin" hook issues
    # BEGIN IMMEDIATE itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        _use_wal(cursor)
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _use_wal(cursor: Any) -> None:
    """Put the database in WAL mode, which it then keeps in its file.

    Switching needs the file to itself, and SQLite does not wait through its busy
    handler for that: connections opened at once on a new file (several processes
    starting, one of them migrating) may be told "database is locked". So the mode is
    read first (a database already in WAL is left alone) and the switch is tried
    again, within the busy timeout, while the file is busy.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    delay = 0.001
    while True:
        try:
            mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() != "wal":
                cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(delay)
        delay = min(0.05, delay * 2)


def _sqlite_on_begin(conn: Connection) -> None:
    _reset_tx_state(conn)
    read_only = conn.get_execution_options().get("interlock_read_only", False)
    # on the DB-API connection: the statement layer would cost more than the BEGIN
    conn.connection.driver_connection.execute("BEGIN" if read_only else "BEGIN IMMEDIATE")  # type: ignore[union-attr]
