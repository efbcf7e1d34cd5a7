"""The store interface on both dialects: URLs, migrations, transactions, errors."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import insert, inspect, select, text, update

from interlock.errors import StoreError
from interlock.store import Store, database, open_store, select_rows
from interlock.store.database import database_url
from interlock.store.migrate import alembic_config, current_revisions, head_revisions
from interlock.store.schema import HEAD_ID, audit_checkpoints, audit_head


@pytest.mark.parametrize(
    ("given", "env", "expected"),
    [
        (None, {}, "sqlite+pysqlite:///.interlock/interlock.db"),
        (None, {"INTERLOCK_DATABASE_URL": "sqlite:////x/y.db"}, "sqlite+pysqlite:////x/y.db"),
        ("postgresql://u@h/db", {}, "postgresql+psycopg://u@h/db"),
        ("postgres://u@h/db", {}, "postgresql+psycopg://u@h/db"),
        (
            "sqlite:///a.db",
            {"INTERLOCK_DATABASE_URL": "postgresql://h/d"},
            "sqlite+pysqlite:///a.db",
        ),
    ],
)
def test_database_url_resolution(given: str | None, env: dict[str, str], expected: str) -> None:
    assert database_url(given, env).render_as_string() == expected


@pytest.mark.parametrize("bad", ["mysql://u@h/db", "not a url", "oracle://x"])
def test_unsupported_urls_are_store_errors(bad: str) -> None:
    with pytest.raises(StoreError):
        database_url(bad, {})


def test_default_url_creates_the_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("INTERLOCK_DATABASE_URL", raising=False)
    with open_store() as store:
        assert store.dialect == "sqlite"
    assert (tmp_path / ".interlock" / "interlock.db").is_file()


def test_migrated_to_head_and_reopen_is_idempotent(store: Store, store_url: str) -> None:
    with store.engine.connect() as conn:
        assert current_revisions(conn) == head_revisions()
        tables = set(inspect(conn).get_table_names())
    assert {"audit_entries", "audit_head", "audit_checkpoints", "alembic_version"} <= tables
    script = ScriptDirectory.from_config(alembic_config())
    assert "0001_audit" in {rev.revision for rev in script.walk_revisions()}
    with open_store(store_url) as again, again.transaction() as conn:
        assert conn.execute(select(audit_head.c.size)).scalar_one() == 0


def test_sqlite_pragmas(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'p.db'}") as store, store.transaction() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar_one() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one() == 30_000


def test_transaction_commits_and_rolls_back(store: Store) -> None:
    row = {"size": 1, "root_hash": b"\x00" * 32, "created_at": 0.0, "note": "n"}
    with store.transaction() as conn:
        conn.execute(insert(audit_checkpoints), row)

    def failing() -> None:
        with store.transaction() as conn:
            conn.execute(insert(audit_checkpoints), {**row, "note": "rolled back"})
            raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        failing()
    with store.transaction() as conn:
        notes = conn.execute(select(audit_checkpoints.c.note)).scalars().all()
    assert notes == ["n"]


def test_database_errors_become_store_errors(store: Store) -> None:
    with pytest.raises(StoreError, match="database error"), store.transaction() as conn:
        conn.execute(text("SELECT * FROM no_such_table"))


def test_unreachable_database_is_a_store_error() -> None:
    with pytest.raises(StoreError):
        open_store("postgresql://nobody@127.0.0.1:1/none?connect_timeout=1")


def test_run_in_transaction_serialises_read_modify_write(store: Store) -> None:
    """Concurrent increments of one locked row lose no update."""

    def bump(conn: object) -> None:
        from sqlalchemy.engine import Connection

        assert isinstance(conn, Connection)
        (row,) = select_rows(conn, audit_head, "id = ?", (HEAD_ID,), lock=True)
        conn.execute(update(audit_head).values(checkpoint_size=row["checkpoint_size"] + 1))

    def worker() -> None:
        for _ in range(10):
            store.run_in_transaction(bump)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with store.transaction() as conn:
        assert conn.execute(select(audit_head.c.checkpoint_size)).scalar_one() == 40


def test_run_in_transaction_wraps_non_retryable_errors(store: Store) -> None:
    with pytest.raises(StoreError):
        store.run_in_transaction(lambda conn: conn.execute(text("SELECT nope FROM nowhere")))


def test_concurrent_opens_migrate_once(store_url: str) -> None:
    """Several processes opening a new database at once all end at head."""
    errors: list[BaseException] = []

    def opener() -> None:
        try:
            with open_store(store_url) as opened, opened.engine.connect() as conn:
                assert current_revisions(conn) == head_revisions()
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=opener) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_read_transaction_does_not_block_writers(store: Store) -> None:
    with store.read_transaction() as reader:
        before = reader.execute(select(audit_head.c.checkpoint_size)).scalar_one()
        with store.transaction() as writer:
            writer.execute(update(audit_head).values(checkpoint_size=before + 1))
        assert reader.execute(select(audit_head.c.checkpoint_size)).scalar_one() == before


def test_a_new_sqlite_file_busy_at_open_is_waited_for(tmp_path: Path) -> None:
    """Switching a new file to WAL while another connection writes to it waits, not fails.

    The writer holds the file reserved; the switch reads it, then needs it exclusively,
    which SQLite refuses at once ("database is locked") rather than wait in a deadlock.
    """
    path = tmp_path / "busy.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("CREATE TABLE held (x)")
    opened: list[object] = []

    def opener() -> None:
        try:
            with open_store(f"sqlite:///{path}") as store, store.engine.connect() as conn:
                opened.append(current_revisions(conn) == head_revisions())
        except BaseException as exc:  # collected for the assertion below
            opened.append(exc)

    thread = threading.Thread(target=opener)
    thread.start()
    time.sleep(0.3)  # the opener is now waiting on the held file
    holder.execute("COMMIT")
    holder.close()
    thread.join(30)
    assert opened == [True]


def _backend_pid(store: Store) -> int:
    """The server process of the one connection the store's pool holds now."""
    with store.engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())


def _terminate(store_url: str, pid: int) -> None:
    """End server process ``pid`` (as a restart or an idle timeout would) and wait for it."""
    import psycopg

    with psycopg.connect(store_url.split("?", maxsplit=1)[0], autocommit=True) as admin:
        ended = admin.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,)).fetchone()
        assert ended == (True,)


def _checkpoint_rows(store: Store) -> list[str]:
    with store.read_transaction() as conn:
        return list(conn.execute(select(audit_checkpoints.c.note)).scalars())


#: Pooled server connections are PostgreSQL's: these tests take only its ``store_url``.
_POSTGRES_ONLY = pytest.mark.parametrize(
    "store_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
_ROW = {"size": 1, "root_hash": b"\x00" * 32, "created_at": 0.0}


@_POSTGRES_ONLY
def test_a_write_whose_pooled_connection_died_runs_again_on_a_fresh_one(
    store: Store, store_url: str
) -> None:
    """Writes skip the ping at checkout; a connection found dead before the commit is
    replaced and the transaction run again, so the server's restart costs no decision."""
    _terminate(store_url, _backend_pid(store))
    calls: list[int] = []

    def write(conn: object) -> None:
        from sqlalchemy.engine import Connection

        assert isinstance(conn, Connection)
        calls.append(1)
        conn.execute(insert(audit_checkpoints), {**_ROW, "note": "after the loss"})

    store.run_in_transaction(write)
    assert len(calls) == 2  # the first attempt met the dead connection
    assert _checkpoint_rows(store) == ["after the loss"]


@_POSTGRES_ONLY
def test_a_grouped_write_whose_pooled_connection_died_runs_again(
    store: Store, store_url: str
) -> None:
    _terminate(store_url, _backend_pid(store))
    store.run_grouped(lambda conn: conn.execute(insert(audit_checkpoints), {**_ROW, "note": "g"}))
    assert _checkpoint_rows(store) == ["g"]


@_POSTGRES_ONLY
def test_a_read_is_given_a_live_connection(store: Store, store_url: str) -> None:
    """A read cannot be run again, so its connection is pinged at checkout instead."""
    _terminate(store_url, _backend_pid(store))
    assert _checkpoint_rows(store) == []


@_POSTGRES_ONLY
def test_a_connection_lost_while_committing_is_not_run_again(store: Store, store_url: str) -> None:
    """The commit may have happened: running the work again could write it twice."""
    from sqlalchemy import event

    calls: list[int] = []

    def write(conn: object) -> None:
        from sqlalchemy.engine import Connection

        assert isinstance(conn, Connection)
        calls.append(1)
        conn.execute(insert(audit_checkpoints), {**_ROW, "note": "lost"})
        pid = int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
        event.listen(conn, "commit", lambda _conn: _terminate(store_url, pid))

    with pytest.raises(StoreError, match="database error"):
        store.run_in_transaction(write)
    assert calls == [1]
    assert _checkpoint_rows(store) == []


def test_write_lanes_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(database.LANES_VARIABLE, raising=False)
    assert database.write_lanes() == database.WRITE_LANES
    monkeypatch.setenv(database.LANES_VARIABLE, "1")
    assert database.write_lanes() == 1
    for bad in ("0", "9", "two", "-1"):
        monkeypatch.setenv(database.LANES_VARIABLE, bad)
        with pytest.raises(StoreError, match="INTERLOCK_WRITE_LANES"):
            database.write_lanes()
