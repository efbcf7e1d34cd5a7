"""Tables of the session watch: sessions, their bounded action history, targets, freezes.

They sit on the store's one ``metadata`` object and are created by migration
``0003_watch`` (explicit ``op.create_table``; keep the two in step by hand). Issue 8
asks for a bounded, persisted, per-session history of assessed actions and for
freezes that only a human lifts, read on every decision without slowing it:

* ``watch_sessions``: one row per session, read and updated first on every decision
  of the session (``UPDATE ... RETURNING``, which on PostgreSQL also locks the row and
  so serialises the session's decisions). It holds the count of kept history rows
  (pruning needs no count query), totals for listing, and the current freeze, if any
  (mirroring the open ``watch_freezes`` row).
* ``watch_actions``: one row per assessed action: who (agent, human), when, the
  request id the decision carried, a one-line summary, the action class, the
  normalised targets, finding categories and environments (JSON text, portable), the
  verdict, and ``counted``: whether it was a destructive or held attempt, which the
  rates and the circuit breaker count (indexed with the session and the agent).
* ``watch_targets``: one row per deleted or created target of an action, indexed by
  session and target, so that "did this session delete X lately?" is an index probe.
  Pruned with its action.
* ``watch_freezes``: one row per freeze; ``unfrozen_at IS NULL`` means it holds now.
  Who froze (a principal, or ``interlock`` for the circuit breaker), when and why;
  who lifted it, when and why.

Timestamps are timezone-aware UTC.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from interlock.store.schema import metadata

watch_sessions = Table(
    "watch_sessions",
    metadata,
    Column("session_id", String(200), primary_key=True),
    Column("agent", String(200), nullable=True),
    Column("human", String(200), nullable=False),
    Column("first_at", DateTime(timezone=True), nullable=False),
    Column("last_at", DateTime(timezone=True), nullable=False),
    Column("kept", Integer, nullable=False, default=0),
    Column("actions", Integer, nullable=False, default=0),
    Column("attempts", Integer, nullable=False, default=0),
    Column("frozen_at", DateTime(timezone=True), nullable=True),
    Column("frozen_by", String(200), nullable=True),
    Column("frozen_reason", Text, nullable=True),
)

watch_actions = Table(
    "watch_actions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("session_id", String(200), nullable=False),
    Column("agent", String(200), nullable=True),
    Column("human", String(200), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("request_id", String(40), nullable=True),
    Column("summary", Text, nullable=False),
    Column("action_class", String(64), nullable=False),
    Column("targets", Text, nullable=False, default="[]"),
    Column("categories", Text, nullable=False, default="[]"),
    Column("environments", Text, nullable=False, default="[]"),
    Column("verdict", String(8), nullable=False),
    Column("counted", Boolean, nullable=False, default=False),
    Column("evidence", Text, nullable=False, default=""),
    Index("ix_watch_actions_session_id", "session_id", "id"),
    Index("ix_watch_actions_session_counted", "session_id", "counted", "at"),
    Index("ix_watch_actions_agent_counted", "agent", "counted", "at"),
    Index("ix_watch_actions_agent_class", "agent", "action_class"),
)

watch_targets = Table(
    "watch_targets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("action_id", Integer, ForeignKey("watch_actions.id"), nullable=False),
    Column("session_id", String(200), nullable=False),
    Column("family", String(200), nullable=False),
    Column("name", String(300), nullable=False),
    Column("op", String(8), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_watch_targets_session_family", "session_id", "family", "name"),
    Index("ix_watch_targets_session_name", "session_id", "name"),
    Index("ix_watch_targets_action_id", "action_id"),
)

watch_freezes = Table(
    "watch_freezes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("session_id", String(200), nullable=False),
    Column("frozen_by", String(200), nullable=False),
    Column("frozen_at", DateTime(timezone=True), nullable=False),
    Column("reason", Text, nullable=False),
    Column("unfrozen_by", String(200), nullable=True),
    Column("unfrozen_at", DateTime(timezone=True), nullable=True),
    Column("unfreeze_reason", Text, nullable=True),
    Index("ix_watch_freezes_session_id", "session_id"),
)
