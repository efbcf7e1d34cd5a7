"""Add the ``seal`` column to requests, votes and grants (see ``interlock.approvals.seal``).

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


def downgrade() -> None:
    """Drop the seals."""
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("seal")
