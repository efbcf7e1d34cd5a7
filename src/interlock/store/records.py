"""Tables of principals, tokens, requests, votes and grants.

They sit on the store's one ``metadata`` object so that both dialects (SQLite and
PostgreSQL) get the same schema from migration ``0002_approvals``, which creates
them explicitly; keep the two in step. Design choices that carry the floor:

* ``tokens.token_hash`` holds only the SHA-256 of a token; the token itself is shown
  once and never stored.
* ``votes`` is unique on ``(request_id, voter)`` where ``voter`` is the *human*, so one
  person holding several tokens can cast one ballot per request.
* ``grants`` is unique on ``request_id`` (a quorum issues at most one grant) and is
  consumed by a conditional ``UPDATE ... WHERE used_at IS NULL``.

``requests``, ``votes`` and ``grants`` carry a ``seal`` (``interlock.approvals.seal``,
migration ``0004_seals``) so that a row edited directly in the database is refused.

Timestamps are timezone-aware UTC; lists (groups) are JSON text so the schema stays
portable between the dialects.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from interlock.store.schema import metadata

principals = Table(
    "principals",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("groups", Text, nullable=False, default="[]"),
    Column("acts_for", String(200), nullable=True),
    Column("profile", String(200), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

tokens = Table(
    "tokens",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("principal", String(200), ForeignKey("principals.name"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Column("created_by", String(200), nullable=True),
)

requests = Table(
    "requests",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("verdict", String(8), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("digest_document", Text, nullable=False),
    Column("required_approvals", Integer, nullable=False),
    Column("approver_groups", Text, nullable=False, default="[]"),
    Column("requester_human", String(200), nullable=False),
    Column("requester_agent", String(200), nullable=True),
    Column("requester_token", String(40), nullable=True),
    Column("environments", Text, nullable=False, default="[]"),
    Column("summary", Text, nullable=False),
    Column("task", Text, nullable=True),
    Column("rationale", Text, nullable=True),
    Column("detail", Text, nullable=False),
    Column("break_glass", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("status_reason", Text, nullable=True),
    Column("seal", String(80), nullable=True),
    Index("ix_requests_status", "status"),
    Index("ix_requests_digest", "digest"),
)

votes = Table(
    "votes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", String(40), ForeignKey("requests.id"), nullable=False),
    Column("voter", String(200), nullable=False),
    Column("voter_kind", String(16), nullable=False),
    Column("voter_groups", Text, nullable=False, default="[]"),
    Column("token_id", String(40), nullable=True),
    Column("channel", String(32), nullable=False),
    Column("approve", Boolean, nullable=False),
    Column("comment", Text, nullable=True),
    Column("cast_at", DateTime(timezone=True), nullable=False),
    Column("seal", String(80), nullable=True),
    UniqueConstraint("request_id", "voter", name="uq_votes_request_voter"),
)

grants = Table(
    "grants",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("request_id", String(40), ForeignKey("requests.id"), nullable=False, unique=True),
    Column("digest", String(64), nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True), nullable=True),
    Column("used_by", String(200), nullable=True),
    Column("issued_size", BigInteger, nullable=True),
    Column("seal", String(80), nullable=True),
)
