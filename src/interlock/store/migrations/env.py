"""Alembic environment for interlock's store, run programmatically by ``migrate.py``.

The caller passes an open SQLAlchemy ``Connection`` (already inside the transaction
that holds the migration lock) through ``config.attributes["connection"]``; nothing is
read from an ``alembic.ini``. Revisions create their tables explicitly
(``op.create_table``); ``target_metadata`` is the store's one ``metadata``, with every
module that declares tables imported first so metadata-based checks see them all.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from interlock.store.migrate import import_table_modules
from interlock.store.schema import metadata

import_table_modules()
target_metadata = metadata


def run_migrations_online() -> None:
    """Run the pending revisions on the caller's connection and transaction."""
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise RuntimeError("interlock migrations run only through interlock.store")
    context.configure(connection=connection, target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported")
run_migrations_online()
