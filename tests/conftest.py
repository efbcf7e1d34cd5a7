"""Shared fixtures: the corpus location and factory helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

#: ``../shared/corpus`` from the project root, read in place, never copied.
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The shared corpus directory; its absence is a set-up error, not a skip."""
    assert CORPUS.is_dir(), f"test corpus missing at {CORPUS}"
    return CORPUS
