"""Create the approvals tables: principals, tokens, requests, votes, grants.

Revision ID: 0002_approvals
Revises: 0001_audit

Kept in step with ``interlock/store/records.py`` by hand. Two constraints carry the
floor and must never be dropped: one ballot per human per request
(``uq_votes_request_voter``) and one grant per request (``uq_grants_request_id``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_approvals"
down_revision = "0001_audit"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the five tables and their indexes."""
    op.create_table(
        "principals",
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("groups", sa.Text, nullable=False),
        sa.Column("acts_for", sa.String(200), nullable=True),
        sa.Column("profile", sa.String(200), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_principals"),
    )
    op.create_table(
        "tokens",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("principal", sa.String(200), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=True),
        sa.Column("revoked_at", _TS, nullable=True),
        sa.Column("created_by", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_tokens_token_hash"),
        sa.ForeignKeyConstraint(
            ["principal"], ["principals.name"], name="fk_tokens_principal_principals"
        ),
    )
    _create_requests()
    op.create_table(
        "votes",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("request_id", sa.String(40), nullable=False),
        sa.Column("voter", sa.String(200), nullable=False),
        sa.Column("voter_kind", sa.String(16), nullable=False),
        sa.Column("voter_groups", sa.Text, nullable=False),
        sa.Column("token_id", sa.String(40), nullable=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("approve", sa.Boolean, nullable=False),
        sa.Column("comment", sa.Text, nullable=True),
        sa.Column("cast_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_votes"),
        sa.UniqueConstraint("request_id", "voter", name="uq_votes_request_voter"),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name="fk_votes_request_id_requests"
        ),
    )
    op.create_table(
        "grants",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("request_id", sa.String(40), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("issued_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("used_at", _TS, nullable=True),
        sa.Column("used_by", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_grants"),
        sa.UniqueConstraint("request_id", name="uq_grants_request_id"),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name="fk_grants_request_id_requests"
        ),
    )


def _create_requests() -> None:
    op.create_table(
        "requests",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("verdict", sa.String(8), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("digest_document", sa.Text, nullable=False),
        sa.Column("required_approvals", sa.Integer, nullable=False),
        sa.Column("approver_groups", sa.Text, nullable=False),
        sa.Column("requester_human", sa.String(200), nullable=False),
        sa.Column("requester_agent", sa.String(200), nullable=True),
        sa.Column("requester_token", sa.String(40), nullable=True),
        sa.Column("environments", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("task", sa.Text, nullable=True),
        sa.Column("rationale", sa.Text, nullable=True),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("break_glass", sa.Boolean, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("status_reason", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_requests"),
    )
    op.create_index("ix_requests_status", "requests", ["status"])
    op.create_index("ix_requests_digest", "requests", ["digest"])


def downgrade() -> None:
    """Drop the approvals tables (loses every request and token)."""
    op.drop_table("grants")
    op.drop_table("votes")
    op.drop_index("ix_requests_digest", table_name="requests")
    op.drop_index("ix_requests_status", table_name="requests")
    op.drop_table("requests")
    op.drop_table("tokens")
    op.drop_table("principals")
