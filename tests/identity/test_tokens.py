"""Tokens: random, shown once, stored as SHA-256 only, expiring, revocable."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, select

from interlock.config import default_config
from interlock.errors import AuthenticationError, InputError, NotFoundError
from interlock.identity import tokens
from interlock.identity.service import TokenService, wanted_human
from interlock.store import Store
from interlock.store.records import principals
from interlock.store.records import tokens as tokens_table
from interlock.store.schema import audit_entries

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30d", 30 * 86400),
        ("12h", 43200),
        ("15m", 900),
        ("90s", 90),
        ("2w", 1209600),
        (" 5d ", 432000),
    ],
)
def test_durations(text: str, seconds: int) -> None:
    assert tokens.parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["0d", "-1d", "1y", "", "d", "1.5h", "30", "1000000d"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(InputError, match="not a duration"):
        tokens.parse_duration(text)


def test_tokens_are_random_and_prefixed() -> None:
    a, b = tokens.new_token(), tokens.new_token()
    assert a != b
    assert a.startswith(tokens.TOKEN_PREFIX)
    assert len(a) >= len(tokens.TOKEN_PREFIX) + 43
    assert tokens.hash_token(a) == hashlib.sha256(a.encode()).hexdigest()


def _human(conn: Connection, name: str) -> None:
    conn.execute(principals.insert().values(name=name, kind="human", groups="[]", created_at=NOW))


def test_only_the_hash_is_stored(store: Store) -> None:
    service = TokenService(store, default_config())
    issued = service.issue(wanted_human("alice"), expires_in=None)
    with store.transaction() as conn:
        rows = [tuple(r) for r in conn.execute(select(tokens_table))]
        log = [bytes(e) for e in conn.execute(select(audit_entries.c.entry)).scalars()]
    assert len(rows) == 1
    assert tokens.hash_token(issued.token) in rows[0]
    assert not any(issued.token in str(value) for value in rows[0])
    assert not any(issued.token.encode() in entry for entry in log)


def test_authenticate_revoke_expire(store: Store) -> None:
    with store.transaction() as conn:
        _human(conn, "alice")
        forever = tokens.issue(conn, "alice", now=NOW, expires_at=None, created_by=None)
        hour = tokens.issue(
            conn, "alice", now=NOW, expires_at=NOW + timedelta(hours=1), created_by=None
        )
    with store.transaction() as conn:
        assert tokens.authenticate(conn, forever.token, now=NOW).principal == "alice"
        assert tokens.authenticate(conn, hour.token, now=NOW).id == hour.id
        with pytest.raises(AuthenticationError, match="expired"):
            tokens.authenticate(conn, hour.token, now=NOW + timedelta(hours=1))
        first = tokens.revoke(conn, forever.id, now=NOW)
        again = tokens.revoke(conn, forever.id, now=NOW + timedelta(days=1))
        assert first.revoked_at == again.revoked_at == NOW
        with pytest.raises(AuthenticationError, match="revoked"):
            tokens.authenticate(conn, forever.token, now=NOW)
        states = {t.id: t.state(NOW + timedelta(hours=2)) for t in tokens.list_tokens(conn)}
        assert states == {forever.id: "revoked", hour.id: "expired"}


@pytest.mark.parametrize(
    ("token", "words"),
    [
        ("", "not an interlock token"),
        ("Bearer abc", "not an interlock token"),
        ("itk_nope", "unknown"),
    ],
)
def test_bad_tokens_are_refused(store: Store, token: str, words: str) -> None:
    with store.transaction() as conn, pytest.raises(AuthenticationError, match=words):
        tokens.authenticate(conn, token, now=NOW)


def test_expiry_must_be_in_the_future_and_ids_must_exist(store: Store) -> None:
    with store.transaction() as conn:
        _human(conn, "alice")
        with pytest.raises(InputError, match="future"):
            tokens.issue(conn, "alice", now=NOW, expires_at=NOW, created_by=None)
        with pytest.raises(NotFoundError):
            tokens.revoke(conn, "tok-missing", now=NOW)
