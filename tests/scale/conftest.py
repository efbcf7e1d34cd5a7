"""Fixtures of the scale suites: a throwaway PostgreSQL database and a world on it.

No reachable PostgreSQL is a skip with the reason, except under ``CI`` where it is a
failure: these suites are the bounded form of issue 9's proof and must run there.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.scale.cluster import DatabaseUnavailableError, World, make_world, throwaway_database


@pytest.fixture
def scale_database() -> Iterator[str]:
    """A new database of its own for one test (counts in it must be exact)."""
    try:
        with throwaway_database() as url:
            yield url
    except DatabaseUnavailableError as exc:
        reason = f"PostgreSQL not reachable: {exc}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture
def world(scale_database: str, tmp_path: Path) -> World:
    """The 50-approver world on ``scale_database``, its files under ``tmp_path``."""
    return make_world(scale_database, tmp_path / "world")
