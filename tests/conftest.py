"""Shared fixtures: the corpus location and factory helpers."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from interlock.store import Store

#: ``../shared/corpus`` from the project root, read in place, never copied.
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The shared corpus directory; its absence is a set-up error, not a skip."""
    assert CORPUS.is_dir(), f"test corpus missing at {CORPUS}"
    return CORPUS


@pytest.fixture(scope="session", autouse=True)
def _seal_key(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One seal key for the session, outside the checkout; subprocesses inherit it."""
    before = os.environ.get("INTERLOCK_SEAL_KEY")
    os.environ["INTERLOCK_SEAL_KEY"] = str(tmp_path_factory.mktemp("seal") / "seal.key")
    yield
    if before is None:
        os.environ.pop("INTERLOCK_SEAL_KEY", None)
    else:
        os.environ["INTERLOCK_SEAL_KEY"] = before


# --- store fixtures: every store test runs on SQLite and on PostgreSQL ----------------

#: The PostgreSQL server the store tests use; CI must provide one.
POSTGRES_URL = os.environ.get("INTERLOCK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards.

    No reachable server means a skip with the reason shown, except under ``CI`` where
    it is a failure: the store suite must run against both dialects there.
    """
    import psycopg

    server = POSTGRES_URL.rstrip("/")
    admin_url = server if server.count("/") > 2 else f"{server}/postgres"
    name = f"interlock_test_{os.getpid()}_{secrets.token_hex(4)}"
    try:
        admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        reason = f"PostgreSQL not reachable at {admin_url}: {str(exc).strip()[:200]}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{admin_url.rsplit('/', 1)[0]}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database URL no other test uses: a SQLite file, or a PostgreSQL schema.

    On PostgreSQL each test gets its own schema (``search_path`` in the URL) in the
    session's database, dropped when the test ends.
    """
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'interlock.db'}"
        return
    import psycopg

    database: str = request.getfixturevalue("postgres_database")
    schema = f"t_{secrets.token_hex(6)}"
    with psycopg.connect(database, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
        try:
            yield f"{database}?options=-csearch_path%3D{schema}"
        finally:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An open, migrated store on ``store_url``; closed after the test."""
    from interlock.store import open_store

    opened = open_store(store_url)
    try:
        yield opened
    finally:
        opened.close()
