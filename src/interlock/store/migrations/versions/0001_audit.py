"""Create the audit log's tables: entries, the head row, signed checkpoints.

Revision ID: 0001_audit
Revises: (none)

Kept in step with ``interlock/store/schema.py`` by hand; the head row is inserted
here so that appends only ever update it (and can lock it).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_audit"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``audit_entries``, ``audit_head`` (with its one row), ``audit_checkpoints``."""
    op.create_table(
        "audit_entries",
        # INTEGER on SQLite makes idx the rowid: index-ordered scans read the table directly.
        sa.Column(
            "idx",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("entry", sa.LargeBinary, nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(32), nullable=False),
        sa.PrimaryKeyConstraint("idx", name="pk_audit_entries"),
    )
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, autoincrement=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("frontier", sa.LargeBinary, nullable=False),
        sa.Column("checkpoint_size", sa.BigInteger, nullable=False),
        sa.Column("checkpoint_at", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_head"),
    )
    op.bulk_insert(
        head, [{"id": 1, "size": 0, "frontier": b"", "checkpoint_size": 0, "checkpoint_at": 0.0}]
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.Integer, autoincrement=True),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("root_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_checkpoints"),
    )
    op.create_index("ix_audit_checkpoints_size", "audit_checkpoints", ["size"])


def downgrade() -> None:
    """Drop the audit tables (destroys the log: only for development databases)."""
    op.drop_index("ix_audit_checkpoints_size", table_name="audit_checkpoints")
    op.drop_table("audit_checkpoints")
    op.drop_table("audit_head")
    op.drop_table("audit_entries")
