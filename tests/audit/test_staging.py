"""Staged entries: written at commit, in call order, never lost, never leaked."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from interlock.audit.log import append, read_entry, stage
from interlock.errors import AuditError, StoreError
from interlock.store import Store
from interlock.store.schema import audit_entries


def _kinds(store: Store) -> list[str]:
    with store.transaction() as conn:
        rows = conn.execute(select(audit_entries.c.idx).order_by(audit_entries.c.idx)).scalars()
        return [json.loads(read_entry(conn, i))["kind"] for i in rows]


def test_staged_entries_are_written_at_commit_in_call_order(store: Store) -> None:
    with store.transaction() as conn:
        stage(conn, "first", None, {})
        stage(conn, "second", None, {})
        assert conn.execute(select(audit_entries.c.idx)).first() is None  # not written yet
        assert append(conn, "third", None, {}) == 2  # flushes what was staged before it
        stage(conn, "fourth", None, {})
    store.run_in_transaction(lambda conn: stage(conn, "fifth", "bob", {"n": 5}))
    assert _kinds(store) == ["first", "second", "third", "fourth", "fifth"]


def _stage_then_fail(store: Store) -> None:
    with store.transaction() as conn:
        stage(conn, "lost", None, {})
        raise RuntimeError("the state change failed")


def test_a_rolled_back_transaction_leaves_nothing_staged_behind(store: Store) -> None:
    with pytest.raises(RuntimeError):
        _stage_then_fail(store)
    with store.transaction() as conn:  # same pooled connection: no stale entry appears
        stage(conn, "kept", None, {})
    assert _kinds(store) == ["kept"]


def test_staging_validates_at_once(store: Store) -> None:
    with pytest.raises(AuditError), store.transaction() as conn:
        stage(conn, "Not A Kind", None, {})
    assert _kinds(store) == []


def test_a_commit_that_skips_the_flush_is_refused_and_writes_nothing(store: Store) -> None:
    from datetime import UTC, datetime

    from interlock.store.records import principals

    def commit_without_the_flush() -> None:
        row = {"name": "x", "kind": "human", "groups": "[]", "created_at": datetime.now(UTC)}
        with store.engine.begin() as conn:
            conn.execute(principals.insert().values(**row))
            stage(conn, "orphan", None, {})

    with pytest.raises(StoreError, match="staged"):
        commit_without_the_flush()
    with store.transaction() as conn:
        assert conn.execute(select(principals.c.name)).first() is None
    assert _kinds(store) == []
