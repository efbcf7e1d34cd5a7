"""Create the session watch's tables: sessions, actions, targets, freezes.

Revision ID: 0003_watch
Revises: 0002_approvals

Kept in step with ``interlock/store/watch_records.py`` by hand.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_watch"
down_revision = "0002_approvals"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the four tables with their indexes."""
    op.create_table(
        "watch_sessions",
        sa.Column("session_id", sa.String(200), nullable=False),
        sa.Column("agent", sa.String(200), nullable=True),
        sa.Column("human", sa.String(200), nullable=False),
        sa.Column("first_at", _TS, nullable=False),
        sa.Column("last_at", _TS, nullable=False),
        sa.Column("kept", sa.Integer, nullable=False),
        sa.Column("actions", sa.Integer, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("frozen_at", _TS, nullable=True),
        sa.Column("frozen_by", sa.String(200), nullable=True),
        sa.Column("frozen_reason", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("session_id", name="pk_watch_sessions"),
    )
    _create_actions()
    op.create_table(
        "watch_targets",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("action_id", sa.Integer, nullable=False),
        sa.Column("session_id", sa.String(200), nullable=False),
        sa.Column("family", sa.String(200), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("op", sa.String(8), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_watch_targets"),
        sa.ForeignKeyConstraint(
            ["action_id"], ["watch_actions.id"], name="fk_watch_targets_action_id_watch_actions"
        ),
    )
    op.create_index(
        "ix_watch_targets_session_family", "watch_targets", ["session_id", "family", "name"]
    )
    op.create_index("ix_watch_targets_session_name", "watch_targets", ["session_id", "name"])
    op.create_index("ix_watch_targets_action_id", "watch_targets", ["action_id"])
    op.create_table(
        "watch_freezes",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("session_id", sa.String(200), nullable=False),
        sa.Column("frozen_by", sa.String(200), nullable=False),
        sa.Column("frozen_at", _TS, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("unfrozen_by", sa.String(200), nullable=True),
        sa.Column("unfrozen_at", _TS, nullable=True),
        sa.Column("unfreeze_reason", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_watch_freezes"),
    )
    op.create_index("ix_watch_freezes_session_id", "watch_freezes", ["session_id"])


def _create_actions() -> None:
    op.create_table(
        "watch_actions",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("session_id", sa.String(200), nullable=False),
        sa.Column("agent", sa.String(200), nullable=True),
        sa.Column("human", sa.String(200), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("request_id", sa.String(40), nullable=True),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("action_class", sa.String(64), nullable=False),
        sa.Column("targets", sa.Text, nullable=False),
        sa.Column("categories", sa.Text, nullable=False),
        sa.Column("environments", sa.Text, nullable=False),
        sa.Column("verdict", sa.String(8), nullable=False),
        sa.Column("counted", sa.Boolean, nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_watch_actions"),
    )
    op.create_index("ix_watch_actions_session_id", "watch_actions", ["session_id", "id"])
    op.create_index(
        "ix_watch_actions_session_counted", "watch_actions", ["session_id", "counted", "at"]
    )
    op.create_index("ix_watch_actions_agent_counted", "watch_actions", ["agent", "counted", "at"])
    op.create_index("ix_watch_actions_agent_class", "watch_actions", ["agent", "action_class"])


def downgrade() -> None:
    """Drop the watch tables (loses every session history and freeze)."""
    op.drop_table("watch_freezes")
    op.drop_table("watch_targets")
    op.drop_table("watch_actions")
    op.drop_table("watch_sessions")
