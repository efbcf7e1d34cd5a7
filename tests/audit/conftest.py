"""Audit test fixtures: no signing key leaks in from the working directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from interlock.audit import keys
from interlock.audit.checkpoint import Checkpointer


@pytest.fixture(autouse=True)
def _isolated_audit_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTERLOCK_AUDIT_KEY", str(tmp_path / "no-key" / keys.KEY_FILE))


@pytest.fixture
def signer() -> keys.Signer:
    """A fresh checkpoint signing key."""
    return keys.generate("test.example/audit")


@pytest.fixture
def checkpointer(signer: keys.Signer) -> Checkpointer:
    """Signs a checkpoint every 10 entries."""
    return Checkpointer(signer, every_entries=10, every_seconds=3600)
