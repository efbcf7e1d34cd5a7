"""Statements ``run_sql`` holds back (``later``) and sends with the next one.

On PostgreSQL an ``INSERT`` whose answer nobody reads waits for the next statement of
its transaction and goes in the same round trip (pipeline mode). What must hold, on
both dialects: whatever runs next sees the row; an error of a held statement is
raised, never lost, and inside a group commit it is the error of the work that held
it; nothing held is dropped by a commit, and a rollback drops it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from interlock.errors import StoreError
from interlock.store import Store
from interlock.store.database import run_sql, send_later, tx_state
from interlock.store.records import principals
from tests.store.lanes import one_lane_held

_EPOCH = datetime(2026, 11, 23, tzinfo=UTC)
_INSERT = "INSERT INTO principals (name, kind, groups, created_at) VALUES (?, ?, ?, ?)"


def _held(conn: Connection, name: str) -> None:
    run_sql(conn, _INSERT, (name, "human", "[]", _EPOCH.replace(tzinfo=None)), later=True)


def _names(store: Store) -> list[str]:
    with store.read_transaction() as conn:
        return sorted(conn.execute(select(principals.c.name)).scalars())


def _held_now(conn: Connection) -> int:
    return len(tx_state(conn).get("store.later", ()))


def test_the_next_driver_statement_sees_a_held_row(store: Store) -> None:
    with store.transaction() as conn:
        _held(conn, "ann")
        held = _held_now(conn)
        rows = run_sql(conn, "SELECT name FROM principals WHERE name = ?", ("ann",))
        assert rows == [("ann",)]
        assert _held_now(conn) == 0
    assert held == (1 if store.dialect == "postgresql" else 0)  # SQLite: run at once
    assert _names(store) == ["ann"]


def test_the_statement_layer_sees_a_held_row(store: Store) -> None:
    with store.transaction() as conn:
        _held(conn, "bo")
        count = conn.execute(select(func.count()).select_from(principals)).scalar_one()
        assert count == 1


def test_a_commit_sends_what_is_held(store: Store) -> None:
    with store.begin_write() as conn:  # no before-commit steps run here
        _held(conn, "cy")
        _held(conn, "di")
    assert _names(store) == ["cy", "di"]


def _given_up(store: Store) -> None:
    with store.transaction() as conn:
        _held(conn, "ed")
        raise RuntimeError("the caller gave up")


def test_a_rollback_drops_what_is_held(store: Store) -> None:
    with pytest.raises(RuntimeError):
        _given_up(store)
    assert _names(store) == []


def _sent_twice(store: Store) -> None:
    with store.transaction() as conn:
        _held(conn, "fay")  # the name is taken: the insert fails when sent
        send_later(conn)


def test_the_error_of_a_held_statement_is_raised(store: Store) -> None:
    with store.transaction() as conn:
        _held(conn, "fay")
    with pytest.raises(StoreError):
        _sent_twice(store)
    assert _names(store) == ["fay"]


def _work(name: str) -> Callable[[Connection], str]:
    def work(conn: Connection) -> str:
        _held(conn, name)
        return name

    return work


def test_in_a_group_commit_a_held_error_belongs_to_its_work(store: Store) -> None:
    store.run_grouped(_work("gus"))
    with one_lane_held(store):  # the three are written as one batch
        futures = [store.submit_grouped(_work(n)) for n in ("hal", "gus", "ivy")]
    assert futures[0].result(timeout=60) == "hal"
    assert isinstance(futures[1].exception(timeout=60), StoreError)  # the duplicate
    assert futures[2].result(timeout=60) == "ivy"
    assert _names(store) == ["gus", "hal", "ivy"]
