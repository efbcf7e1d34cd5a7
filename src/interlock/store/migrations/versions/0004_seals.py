"""Seal requests, votes and grants; remember where in the log each grant was issued.

``seal`` (requests, votes, grants) is ``interlock.approvals.seal``'s HMAC of the row;
``grants.issued_size`` is the audit log's size when the grant was issued, where a
grant use starts looking for an earlier ``grant-used`` entry of the same grant.

Revision ID: 0004_seals
Revises: 0003_watch

Kept in step with ``interlock/store/records.py`` by hand. Rows written before this
revision have no seal and are refused where they would take part in a decision: a
missing seal cannot be told apart from one an intruder removed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_seals"
down_revision = "0003_watch"
branch_labels = None
depends_on = None

_TABLES = ("requests", "votes", "grants")


def upgrade() -> None:
    """One nullable text column per sealed table."""
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("seal", sa.String(80), nullable=True))
    with op.batch_alter_table("grants") as batch:
        batch.add_column(sa.Column("issued_size", sa.BigInteger, nullable=True))


def downgrade() -> None:
    """Drop the seals."""
    with op.batch_alter_table("grants") as batch:
        batch.drop_column("issued_size")
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("seal")
