"""A request's audit trail and its inclusion proofs, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import update

from interlock.audit.log import append
from interlock.server.trail import request_trail
from interlock.store import Store
from interlock.store.schema import audit_entries


def _log(store: Store) -> None:
    with store.transaction() as conn:
        append(conn, "request-created", "kiro (for alice)", {"request": "req-1", "n": 1})
        append(conn, "request-created", "kiro (for alice)", {"request": "req-10", "n": 2})
        append(conn, "note", "bob", {"text": '"request":"req-1"', "n": 3})
        append(conn, "vote-cast", "bob", {"request": "req-1", "vote": "approve"})
        append(conn, "token-issued", None, {"token_id": "t-1"})


def test_trail_holds_exactly_the_request_entries(store: Store) -> None:
    _log(store)
    with store.transaction() as conn:
        trail = request_trail(conn, "req-1")
    assert [(e.index, e.kind) for e in trail.entries] == [(0, "request-created"), (3, "vote-cast")]
    assert trail.size == 5
    assert trail.all_verified
    assert all(e.path for e in trail.entries)


def test_unknown_request_has_an_empty_trail(store: Store) -> None:
    _log(store)
    with store.transaction() as conn:
        trail = request_trail(conn, "req-2")
    assert trail.entries == ()
    assert trail.all_verified


def test_an_altered_entry_fails_its_proof(store: Store) -> None:
    _log(store)
    forged = (
        b'{"actor":"bob","body":{"request":"req-1","vote":"deny"},"index":3,"kind":"vote-cast"}'
    )
    with store.transaction() as conn:
        conn.execute(update(audit_entries).where(audit_entries.c.idx == 3).values(entry=forged))
    with store.transaction() as conn:
        trail = request_trail(conn, "req-1")
    verdicts = {e.index: e.verified for e in trail.entries}
    assert verdicts == {0: True, 3: False}
    assert not trail.all_verified
