"""Throwaway PostgreSQL databases for the benchmarks that measure both stores.

The server is ``INTERLOCK_BENCH_POSTGRES_URL`` (default the local one on
127.0.0.1:5432); each benchmark gets a database of its own, dropped afterwards, so a
run never touches data it did not create.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

POSTGRES_URL = os.environ.get(
    "INTERLOCK_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432"
)


class DatabaseUnavailableError(Exception):
    """No PostgreSQL server to benchmark against; the suite reports and skips it."""


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """The URL of a new, empty database, dropped when the block ends."""
    import psycopg

    server = POSTGRES_URL.rstrip("/")
    name = f"interlock_bench_{os.getpid()}_{secrets.token_hex(3)}"
    try:
        admin = psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        raise DatabaseUnavailableError(str(exc).strip().splitlines()[0]) from exc
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{server}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
