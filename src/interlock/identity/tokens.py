"""Bearer tokens: random, shown once, stored only as SHA-256 hashes, expiring, revocable.

A token is ``itk_`` followed by 32 random bytes in URL-safe base64 (``secrets``), so it
is long enough that its unsalted SHA-256 is a safe lookup key: nobody can brute-force
a 256-bit secret from its hash, and the lookup needs no per-row comparison. The
token's public id (``tok-…``) is what lists, audit entries and ``token revoke`` use;
the token itself appears exactly once, in the answer to ``issue``.

Authentication fails closed: an unknown, revoked or expired token is an
``AuthenticationError`` and the message never says which part of the token was wrong.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, RowMapping, select, update

from interlock.errors import AuthenticationError, InputError, NotFoundError
from interlock.identity.clock import aware
from interlock.store.database import select_rows
from interlock.store.records import tokens

#: Every interlock token starts with this, so secret scanners and redaction find them.
TOKEN_PREFIX = "itk_"  # noqa: S105 - a prefix, not a secret

_DURATION = re.compile(r"^\s*(\d{1,6})\s*([smhdw])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """The answer to ``issue``: the only time the token itself exists outside its holder."""

    id: str
    token: str
    principal: str
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """What is known about a token without the token: for lists and audit."""

    id: str
    principal: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    created_by: str | None

    def state(self, now: datetime) -> str:
        """``active``, ``revoked`` or ``expired`` at ``now``."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"


def new_token() -> str:
    """A fresh random token."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Hex SHA-256 of the token's UTF-8 bytes: the only form ever stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def parse_duration(text: str) -> timedelta:
    """``30d``, ``12h``, ``15m``, ``90s``, ``2w`` as a positive ``timedelta``."""
    match = _DURATION.match(text)
    if match is None or int(match.group(1)) == 0:
        raise InputError(
            f"not a duration: {text!r}", hint="a positive number and a unit: 90s, 15m, 12h, 30d, 2w"
        )
    return timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2)])


def issue(
    conn: Connection,
    principal: str,
    *,
    now: datetime,
    expires_at: datetime | None,
    created_by: str | None,
) -> IssuedToken:
    """Create a token for ``principal`` (which must exist) and return it, once."""
    if expires_at is not None and expires_at <= now:
        raise InputError("a token must expire in the future")
    token_id = "tok-" + secrets.token_hex(6)
    token = new_token()
    conn.execute(
        tokens.insert().values(
            id=token_id,
            token_hash=hash_token(token),
            principal=principal,
            created_at=now,
            expires_at=expires_at,
            revoked_at=None,
            created_by=created_by,
        )
    )
    return IssuedToken(token_id, token, principal, expires_at)


def authenticate(conn: Connection, token: str, *, now: datetime) -> TokenInfo:
    """The active token matching ``token``; anything else is an ``AuthenticationError``."""
    if not token or not token.startswith(TOKEN_PREFIX):
        raise AuthenticationError("not an interlock token", hint="tokens start with 'itk_'")
    # every submission runs this: driver SQL (``select_rows``)
    rows = select_rows(conn, tokens, "token_hash = ?", (hash_token(token),))
    return active(rows[0] if rows else None, now)


def active(row: Mapping[str, Any] | None, now: datetime) -> TokenInfo:
    """The token stored as ``row`` (``None``: no such token) if it is active at ``now``;
    otherwise ``AuthenticationError``. For callers that read the row with other rows."""
    if row is None:
        raise AuthenticationError("unknown token")
    info = _info(row)
    state = info.state(now)
    if state != "active":
        raise AuthenticationError(f"token {info.id} is {state}")
    return info


def revoke(conn: Connection, token_id: str, *, now: datetime) -> TokenInfo:
    """Revoke ``token_id``; revoking twice keeps the first time and is not an error."""
    info = get(conn, token_id)
    if info.revoked_at is None:
        conn.execute(update(tokens).where(tokens.c.id == token_id).values(revoked_at=now))
        info = get(conn, token_id)
    return info


def get(conn: Connection, token_id: str) -> TokenInfo:
    """The token called ``token_id``; ``NotFoundError`` if there is none."""
    row = conn.execute(select(tokens).where(tokens.c.id == token_id)).one_or_none()
    if row is None:
        raise NotFoundError(f"no token {token_id}")
    return _info(row._mapping)


def list_tokens(conn: Connection, principal: str | None = None) -> list[TokenInfo]:
    """Every token (or ``principal``'s), oldest first, without secrets."""
    query = select(tokens).order_by(tokens.c.created_at, tokens.c.id)
    if principal is not None:
        query = query.where(tokens.c.principal == principal)
    return [_info(r._mapping) for r in conn.execute(query)]


def _info(m: RowMapping | Mapping[str, Any]) -> TokenInfo:
    return TokenInfo(
        id=m["id"],
        principal=m["principal"],
        created_at=aware(m["created_at"]),
        expires_at=aware(m["expires_at"]) if m["expires_at"] is not None else None,
        revoked_at=aware(m["revoked_at"]) if m["revoked_at"] is not None else None,
        created_by=m["created_by"],
    )
