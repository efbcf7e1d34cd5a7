"""The store's one ``metadata`` object and the audit log's tables.

Every table of interlock hangs on :data:`metadata` (the approvals tables are declared
in ``records.py`` on the same object), so a single schema serves SQLite and
PostgreSQL. Migrations create the tables explicitly (``op.create_table``), never by
autogenerate; these declarations are what the library code queries and must stay in
step with ``migrations/versions/0001_audit.py``.

The audit tables (see ``interlock.audit`` for the format):

* ``audit_entries``: one row per log entry; ``idx`` is the dense 0-based leaf index,
  ``entry`` the exact canonical-JSON bytes that are hashed (RFC 6962 leaf data), and
  ``leaf_hash`` their leaf hash, kept so that a naively edited row is named precisely
  and proofs need no rehashing.
* ``audit_head``: a single row (``id = 1``) holding the tree size and the Merkle
  frontier (the roots of the perfect subtrees of the current tree, left to right), so
  an append costs O(log n) hashes and the current root is always at hand. Appends lock
  this row (PostgreSQL ``FOR UPDATE``; on SQLite the immediate transaction), which is
  what gives one total order without gaps across processes.
* ``audit_checkpoints``: signed checkpoints in the C2SP signed-note format.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
)

#: One naming convention so constraint names are stable on both dialects.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

audit_entries = Table(
    "audit_entries",
    metadata,
    Column(
        "idx",
        BigInteger().with_variant(Integer(), "sqlite"),  # the rowid on SQLite
        primary_key=True,
        autoincrement=False,
    ),
    Column("entry", LargeBinary, nullable=False),
    Column("leaf_hash", LargeBinary(32), nullable=False),
)

audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("size", BigInteger, nullable=False),
    Column("frontier", LargeBinary, nullable=False),
    Column("checkpoint_size", BigInteger, nullable=False),
    Column("checkpoint_at", Float, nullable=False),
)

audit_checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("size", BigInteger, nullable=False, index=True),
    Column("root_hash", LargeBinary(32), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("note", Text, nullable=False),
)

#: The single row of ``audit_head``.
HEAD_ID = 1
