"""The store: SQLite (default) and PostgreSQL behind one interface, with migrations.

``open_store(url)`` returns a :class:`Store` migrated to the latest schema. The URL
is ``url``, else ``INTERLOCK_DATABASE_URL``, else ``sqlite:///.interlock/interlock.db``
(its directory is created); ``postgresql://`` URLs use the ``psycopg`` 3 driver.
See ``database.py`` for how each dialect serialises writers and ``migrate.py`` for
migrations.
"""

from __future__ import annotations

import os

from sqlalchemy.exc import SQLAlchemyError

from interlock.errors import StoreError
from interlock.store.database import (
    Dialect,
    Store,
    create_store_engine,
    database_url,
    is_retryable,
    select_rows,
    store_error,
)

__all__ = ["Dialect", "Store", "StoreError", "is_retryable", "open_store", "select_rows"]


def open_store(url: str | None = None) -> Store:
    """Open (and migrate) the store at ``url``; any failure is a ``StoreError``."""
    from interlock.store import migrate

    engine = create_store_engine(database_url(url, dict(os.environ)))
    store = Store(engine)
    try:
        migrate.upgrade(engine)
    except SQLAlchemyError as exc:
        store.close()
        raise store_error(exc) from exc
    except Exception:
        store.close()
        raise
    return store
